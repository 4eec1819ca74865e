#pragma once
// The Kafka consumer behind log::Consumer. Private to src/kafka.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kafka/internal/common.h"
#include "log/log.h"

namespace covidflow::kafka::internal {

class KafkaConsumer final : public log::Consumer, public Client {
 public:
  static Result<std::unique_ptr<log::Consumer>> Create(const std::string& bootstrap,
                                                       const KafkaOptions& options,
                                                       const log::ConsumerOptions& consumer);
  ~KafkaConsumer() override;

  Status Subscribe(const std::vector<std::string>& topics) override;
  Status Assign(const std::vector<std::pair<TopicPartition, Offset>>& positions) override;
  Result<std::span<const log::InRecord>> Poll(std::chrono::milliseconds timeout) override;
  std::vector<TopicPartition> Assignment() const override;
  Status Commit(const log::CommitMap& points) override;
  Result<log::CommitMap> Committed(const std::vector<TopicPartition>& partitions) override;
  Status Seek(const TopicPartition& tp, Offset offset) override;

  // Records handed out by Poll but never committed when their partition was revoked: the
  // next owner reads them again. The bound on duplicates under at-least-once.
  int64_t uncommitted_at_revoke() const { return uncommitted_at_revoke_; }

  void OnError(rd_kafka_t* rk, int err, const char* reason) override;
  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                   rd_kafka_topic_partition_list_t* partitions) override;

 private:
  KafkaConsumer(const KafkaOptions& options, const log::ConsumerOptions& consumer)
      : Client(options), consumer_(consumer) {}

  std::string Wire(std::string_view topic) const {
    return options_.name_prefix + std::string(topic);
  }
  // The caller's name for a wire topic, stable for this consumer's lifetime.
  const std::string* Name(const char* wire_topic);
  Status CommitOnce(const log::CommitMap& points);
  // Sets the start of partitions without a commit to the end now (Reset::kLatest), so
  // records produced after the assignment is visible are never skipped.
  void ResolveLatest(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions);
  void RotateMessages();

  log::ConsumerOptions consumer_;
  Handle rk_;
  bool manual_ = false;  // Assign() was used: no group, no rebalances
  std::set<TopicPartition> assignment_;
  std::map<TopicPartition, int64_t> manual_positions_;
  // Per owned partition: the next offset after the last record Poll returned, and after
  // the last Commit. Their difference is what a revoke gives up.
  std::map<TopicPartition, int64_t> polled_;
  std::map<TopicPartition, int64_t> committed_;
  // A Commit that failed retriably; retried before its partitions are given up.
  log::CommitMap pending_commit_;
  int64_t uncommitted_at_revoke_ = 0;
  Status fatal_;
  Status rebalance_error_;

  std::map<std::string, std::string, std::less<>> names_;
  std::vector<rd_kafka_message_t*> messages_;
  std::vector<log::InRecord> records_;
  std::vector<log::HeaderView> headers_;
  // The previous Poll's messages and views, kept until the Poll after this one.
  struct Generation {
    std::vector<rd_kafka_message_t*> messages;
    std::vector<log::InRecord> records;
    std::vector<log::HeaderView> headers;
  };
  Generation previous_;
};

}  // namespace covidflow::kafka::internal
