#pragma once
// The Log interface (log/log.h) over Apache Kafka through librdkafka. This module is the only
// place librdkafka is included; app::OpenLog calls OpenKafkaLog for kafka:// URIs.
//
// Threads: the Log may be shared by threads (its admin handle is thread-safe); each Producer
// and Consumer is used by one thread at a time, as log.h says. Ownership: producers and
// consumers own their own librdkafka handles and outlive nothing; destroy them before the Log.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "log/log.h"

namespace covidflow::kafka {

// A small view of librdkafka's statistics JSON (statistics.interval.ms), enough for a stage
// to export rates, queue depth, lag and broker health as metrics.
struct KafkaStats {
  std::string client;           // "producer" or "consumer"
  std::string name;             // the handle's instance name, e.g. "covidflow#producer-2"
  int64_t queued_messages = 0;  // msg_cnt: produced but not yet delivered
  int64_t tx_messages = 0;      // txmsgs: messages sent to brokers
  int64_t tx_bytes = 0;         // txmsg_bytes
  int64_t rx_messages = 0;      // rxmsgs: messages fetched from brokers
  int64_t rx_bytes = 0;         // rxmsg_bytes
  int64_t brokers_up = 0;       // brokers whose connection state is UP
  int64_t brokers_total = 0;    // brokers known from metadata (excludes the bootstrap entry)
  int64_t consumer_lag = 0;     // sum over assigned partitions of (high watermark - position)
  int64_t rebalances = 0;       // cgrp.rebalance_cnt
  std::string group_state;      // cgrp.state, e.g. "up"; empty without a group
};

// Parses one statistics JSON document; kCorruption if it is not the shape librdkafka emits.
Result<KafkaStats> ParseStatistics(std::string_view json);

struct KafkaOptions {
  std::string client_id = "covidflow";
  // Prepended to every topic and group name on the wire and stripped on the way back, so
  // several logs (tests, tenants) can share one cluster without seeing each other.
  std::string name_prefix;
  // Replication factor of topics made by CreateTopic (1 suits a single-node broker; a
  // production cluster wants 3).
  int replication_factor = 1;
  // Bound on one request to the cluster (metadata, admin, commit, watermarks).
  std::chrono::milliseconds request_timeout{5000};
  // Total time spent retrying a retriable failure (broker down, leader moving, coordinator
  // loading) before it is returned to the caller; backoff doubles from 100 ms up to 2 s.
  std::chrono::milliseconds retry_budget{30000};
  // How long OpenKafkaLog tries to reach the cluster before it reports it unreachable.
  std::chrono::milliseconds connect_timeout{10000};
  // A produced record that is not acknowledged within this time fails its Flush.
  std::chrono::milliseconds delivery_timeout{60000};
  // How long the producer waits to fill a batch (librdkafka linger.ms).
  std::chrono::milliseconds linger{5};
  // The consumer's prefetch: librdkafka fetches ahead until each partition has
  // fetch_queue_records records queued (queued.min.messages) or the consumer's queue holds
  // fetch_queue_kbytes KiB (queued.max.messages.kbytes). librdkafka's own defaults (100,000
  // records a partition, 64 MiB) let a consumer slower than the broker hold most of a topic:
  // 500,000 tweets in 4 partitions kept ~40 MB of record headers and ~80 MB of fetch buffers
  // alive in `covidflow process` (heaptrack). 16,384 / 16 MiB halved the rate on a quiet
  // machine; 65,536 / 32 MiB keeps the rate and stays under 256 MB (src/kafka/README.md).
  int64_t fetch_queue_records = 65536;
  int64_t fetch_queue_kbytes = 32768;
  // Consumer group liveness: a member silent this long is removed and its partitions move.
  std::chrono::milliseconds session_timeout{10000};
  // 0 = no statistics; otherwise each client reports this often: its latest numbers feed
  // Log::ClientMetrics, and on_stats (if set) is called from librdkafka's thread.
  std::chrono::milliseconds statistics_interval{0};
  std::function<void(const KafkaStats&)> on_stats;
  // Passed to librdkafka as is (security.protocol, sasl.*, ssl.*); applied last.
  std::map<std::string, std::string> extra;
};

// Log::ClientMetrics of a Kafka log from the latest statistics of each of its clients:
// counters and lag summed per client type ("producer.tx_bytes", "consumer.lag", ...),
// broker counts as the highest any client sees, "<type>.clients" the number of clients.
std::map<std::string, int64_t> SumStatistics(const std::vector<KafkaStats>& latest);

// librdkafka's name of a codec (its compression.codec property): "none", "gzip", ...
std::string_view CodecName(log::Compression compression);

// Parses librdkafka's "key=value,key=value" property list (kafka.properties) into
// KafkaOptions::extra; kInvalidArgument names the first item without a '=' or a key.
Result<std::map<std::string, std::string>> ParseProperties(std::string_view list);

// Opens the cluster at `bootstrap` ("HOST:PORT[,HOST:PORT]", with or without "kafka://").
// Fails with kUnavailable within about connect_timeout when no broker answers.
Result<std::unique_ptr<log::Log>> OpenKafkaLog(std::string_view bootstrap,
                                               const KafkaOptions& options);

}  // namespace covidflow::kafka
