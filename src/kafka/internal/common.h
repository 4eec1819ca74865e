#pragma once
// Private to src/kafka: error sorting, retries, configuration and naming shared by the log,
// producer and consumer. Only this module includes librdkafka.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kafka/kafka_log.h"

namespace covidflow::kafka::internal {

// Sorts a librdkafka error into the project's codes (base/status.h): transient cluster states
// become kUnavailable/kTimeout (retry), everything else says what the caller must do instead.
Status FromKafka(rd_kafka_resp_err_t err, std::string_view what);
Status FromKafkaError(rd_kafka_error_t* error, std::string_view what);  // destroys `error`

// Calls `attempt` until it succeeds, fails non-retriably, or options.retry_budget is spent;
// sleeps with doubling backoff (100 ms .. 2 s) between attempts.
Status RetryRetriable(const KafkaOptions& options, const std::function<Status()>& attempt);

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const;
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

// What librdkafka's callbacks reach: each handle's opaque points at its client object.
// Callbacks run on the thread that polls the handle (the owner's), except statistics,
// which may run on librdkafka's own threads.
class Client {
 public:
  explicit Client(KafkaOptions options) : options_(std::move(options)) {}
  virtual ~Client() = default;
  const KafkaOptions& options() const { return options_; }

  virtual void OnDelivery(const rd_kafka_message_t& message) { (void)message; }
  virtual void OnError(rd_kafka_t* rk, int err, const char* reason) {
    (void)rk, (void)err, (void)reason;
  }
  virtual void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions) {
    (void)rk, (void)err, (void)partitions;
  }

 protected:
  KafkaOptions options_;
};

enum class Callbacks { kNone, kDelivery, kRebalance };

// Builds a configuration with the settings common to every handle (bootstrap, client id,
// timeouts, statistics, extras) plus `overrides`, then the handle, with `client` as opaque.
Result<Handle> NewHandle(rd_kafka_type_t type, const std::string& bootstrap, Client* client,
                         Callbacks callbacks,
                         const std::vector<std::pair<std::string, std::string>>& overrides);

// Number of partitions of `wire_topic`; kNotFound if the cluster does not know it.
Result<int> PartitionCount(rd_kafka_t* rk, const std::string& wire_topic,
                           const KafkaOptions& options);

}  // namespace covidflow::kafka::internal
