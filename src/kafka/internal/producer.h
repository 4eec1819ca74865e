#pragma once
// The idempotent Kafka producer behind log::Producer. Private to src/kafka.
#include <string>
#include <unordered_map>
#include <vector>

#include "kafka/internal/common.h"
#include "log/log.h"

namespace covidflow::kafka::internal {

class KafkaProducer final : public log::Producer, public Client {
 public:
  // Use Create: the handle's callbacks need this object at a fixed address.
  static Result<std::unique_ptr<log::Producer>> Create(const std::string& bootstrap,
                                                       const KafkaOptions& options,
                                                       const log::ProducerOptions& producer);
  ~KafkaProducer() override;

  Status Send(std::string_view topic, const log::OutRecord& record) override;
  Status Flush() override;

  void OnDelivery(const rd_kafka_message_t& message) override;
  void OnError(rd_kafka_t* rk, int err, const char* reason) override;

 private:
  explicit KafkaProducer(const KafkaOptions& options) : Client(options) {}

  Handle rk_;
  // Wire topic name → partition count, learnt on the first Send to each topic.
  std::unordered_map<std::string, int> partitions_;
  std::string wire_topic_;
  std::string last_topic_;
  int last_partitions_ = 0;
  std::vector<std::string> header_names_;
  std::vector<rd_kafka_vu_t> vus_;
  // Set by callbacks (on this thread, inside rd_kafka_poll/flush): the first failed delivery
  // since the last Flush, how many failed, and a fatal error that ends this producer.
  Status first_failure_;
  int64_t failures_ = 0;
  Status fatal_;
  int64_t sends_since_poll_ = 0;
};

}  // namespace covidflow::kafka::internal
