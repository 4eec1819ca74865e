#pragma once
// The idempotent Kafka producer behind log::Producer. Private to src/kafka.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
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
  // Returns at once; the function waits (serving delivery reports on its own thread) until
  // every record sent before this call is acknowledged or failed, not for later ones.
  Result<Durable> FlushDeferred() override;

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
  Status Fatal();
  std::chrono::milliseconds FlushBound() const;
  // The failed deliveries since the last Flush as one status (Ok if none); holds mu_.
  Status FailuresLocked() const;
  // Waits until every record numbered below `until` is acknowledged or failed.
  Status AwaitDeliveries(uint64_t until);

  // Set by callbacks, which run inside rd_kafka_poll/flush on the sending thread or on a
  // FlushDeferred waiter, so under mu_: the first failed delivery since the last flush, how
  // many failed, and a fatal error that ends this producer (fatal_set_: a lock-free check).
  std::mutex mu_;
  Status first_failure_;
  int64_t failures_ = 0;
  Status fatal_;
  std::atomic<bool> fatal_set_{false};
  // Records are numbered in Send order (the message opaque). done_[i] is whether record
  // done_base_ + i has its delivery report; the front is popped while done, so done_base_
  // is the first record not yet reported.
  uint64_t next_seq_ = 0;
  uint64_t done_base_ = 0;
  std::deque<char> done_;
  int64_t sends_since_poll_ = 0;
};

}  // namespace covidflow::kafka::internal
