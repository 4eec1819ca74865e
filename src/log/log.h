#pragma once
// The Log interface: topics with partitions, dense offsets and consumer-group commits.
// Two implementations sit behind it, chosen by URI in one place (app::OpenLog):
//   file://DIR        the embedded log (log/file/), segment files on local disk
//   kafka://HOST:PORT Apache Kafka through librdkafka (src/kafka/)
// Every stage above talks only to this interface; one conformance suite runs against both.
//
// Threads: a Log may be shared by threads; each Producer and each Consumer is used by one
// thread at a time. Ownership: producers and consumers hold no reference to the Log object
// that made them beyond its lifetime; destroy them first.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"
#include "base/status.h"

namespace covidflow::log {

struct Header {
  std::string key;
  std::string value;
};

// A record to append. The views must stay valid until Send returns (the producer copies).
struct OutRecord {
  std::string_view key;  // partition = hash(key) % partitions when partition is unset
  std::string_view value;
  std::span<const Header> headers;
  std::optional<PartitionId> partition;  // explicit partition overrides the key hash
  int64_t timestamp_ms = 0;              // 0 = now
};

// A consumed record. The views stay valid until the second Poll after the one that returned
// it on the same consumer (so a caller can process one batch while it polls the next).
struct HeaderView {
  std::string_view key;
  std::string_view value;
};
struct InRecord {
  const std::string* topic = nullptr;  // owned by the consumer, stable for its lifetime
  PartitionId partition;
  Offset offset;
  int64_t timestamp_ms = 0;
  std::string_view key;
  std::string_view value;
  std::span<const HeaderView> headers;
  // Value of the first header named `name`, if any.
  std::optional<std::string_view> FindHeader(std::string_view name) const;
};

// Next offset to read plus an opaque string stored with it (Kafka's commit metadata).
struct CommitPoint {
  Offset next;
  std::string metadata;
};
using CommitMap = std::map<TopicPartition, CommitPoint>;

struct PartitionInfo {
  PartitionId partition;
  Offset start;  // first offset still stored
  Offset end;    // offset the next appended record will get (the high-water mark)
};
struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
};

enum class FsyncPolicy {
  kNever,      // leave it to the OS: survives a process crash, not a power loss
  kInterval,   // fsync at most every fsync_interval
  kEveryFlush  // fsync on every Flush before it returns
};

// Kafka only: the codec of the record batches a producer sends (the embedded log stores
// records as they are).
enum class Compression { kNone, kGzip, kSnappy, kLz4, kZstd };

struct ProducerOptions {
  FsyncPolicy fsync = FsyncPolicy::kEveryFlush;
  std::chrono::milliseconds fsync_interval{1000};
  Compression compression = Compression::kNone;
  size_t batch_bytes = 1 << 20;  // buffer this much before writing
};

class Producer {
 public:
  virtual ~Producer() = default;
  // Buffers one record for `topic`. May write when the batch is full. Fails with
  // kNotFound when the topic does not exist.
  virtual Status Send(std::string_view topic, const OutRecord& record) = 0;
  // Returns when every record sent so far is written (and synced per the fsync policy).
  // After an error nothing is known about unflushed records; the caller must not commit
  // input offsets past them.
  virtual Status Flush() = 0;
  // Flush in two steps, so that a caller can go on sending while the device catches up:
  // writes what was sent like Flush, and returns the rest of Flush's work (the wait for
  // durability the fsync policy asks for) as a function that another thread may run while
  // this producer is used (it must finish before the producer is destroyed). The records
  // sent before the call are flushed once that function returns Ok; after an error from it,
  // as from Flush, the producer is done with. The default flushes at once.
  using Durable = std::function<Status()>;
  virtual Result<Durable> FlushDeferred() {
    RETURN_IF_ERROR(Flush());
    return Durable([] { return Status::Ok(); });
  }
};

struct ConsumerOptions {
  std::string group;  // empty: no group, use Assign() and no commits
  // Where to start a partition that has no committed offset.
  enum class Reset { kEarliest, kLatest } reset = Reset::kEarliest;
  size_t max_poll_records = 4096;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Joins the group and receives a share of the topics' partitions. Partitions without a
  // commit start per options.reset.
  virtual Status Subscribe(const std::vector<std::string>& topics) = 0;
  // Reads the given partitions from the given offsets, outside any group.
  virtual Status Assign(const std::vector<std::pair<TopicPartition, Offset>>& positions) = 0;
  // Up to max_poll_records records; empty when none arrived within `timeout`.
  // Records are in offset order within a partition. kCorruption if stored data is bad.
  // They stay valid through the next Poll and until the one after it.
  virtual Result<std::span<const InRecord>> Poll(std::chrono::milliseconds timeout) = 0;
  // The partitions this consumer currently owns.
  virtual std::vector<TopicPartition> Assignment() const = 0;
  // Stores the group's committed positions (atomically for the whole map).
  virtual Status Commit(const CommitMap& points) = 0;
  // The group's committed positions for the given partitions (absent = never committed).
  virtual Result<CommitMap> Committed(const std::vector<TopicPartition>& partitions) = 0;
  // Moves the read position of an owned partition.
  virtual Status Seek(const TopicPartition& tp, Offset offset) = 0;
};

class Log {
 public:
  virtual ~Log() = default;
  // Creates a topic; succeeds if it exists with the same partition count,
  // kAlreadyExists if it exists with another.
  virtual Status CreateTopic(std::string_view topic, int partitions) = 0;
  virtual Result<TopicInfo> DescribeTopic(std::string_view topic) = 0;
  virtual Result<std::vector<std::string>> ListTopics() = 0;
  virtual Result<std::unique_ptr<Producer>> NewProducer(const ProducerOptions& options) = 0;
  virtual Result<std::unique_ptr<Consumer>> NewConsumer(const ConsumerOptions& options) = 0;
  // "file:///tmp/x" or "kafka://127.0.0.1:9092"
  virtual std::string Uri() const = 0;
  // The clients' own counters and gauges for a stage's metrics, by name (Kafka: librdkafka's
  // statistics summed over this log's producers and consumers, e.g. "producer.tx_bytes",
  // "consumer.lag"). Empty when the implementation keeps none. Safe from any thread.
  virtual std::map<std::string, int64_t> ClientMetrics() const { return {}; }
};

// The partition a key maps to: the same function everywhere (murmur2, as Kafka's
// default partitioner, so keyed records land on the same partition in both logs).
PartitionId PartitionForKey(std::string_view key, int partitions);

}  // namespace covidflow::log
