// The embedded log's producer: buffers records per partition, writes a partition's batch
// under its lock when the batch is full or on Flush, and syncs per the fsync policy.
#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "log/file/clients.h"
#include "log/file/record.h"

namespace covidflow::log::file {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class FileProducer : public Producer {
 public:
  FileProducer(FileLog* log, const ProducerOptions& options) : log_(log), options_(options) {}

  // Best effort, like closing a Kafka producer: what was sent is written (and synced per the
  // policy). Errors are lost here; call Flush to see them.
  ~FileProducer() override { (void)Flush(); }

  Status Send(std::string_view topic, const OutRecord& record) override {
    RETURN_IF_ERROR(failed_);
    // Most Sends go to the topic and partition of the previous one: skip the lookups then.
    const bool same_topic = last_batch_ != nullptr && last_batch_tp_.topic == topic;
    int partitions = last_partitions_;
    if (!same_topic) {
      ASSIGN_OR_RETURN(partitions, CachedPartitionCount(topic));
    }
    PartitionId partition;
    if (record.partition.has_value()) {
      partition = *record.partition;
      if (partition.value() < 0 || partition.value() >= partitions) {
        return Status::InvalidArgument("topic '" + std::string(topic) + "' has no partition " +
                                       std::to_string(partition.value()));
      }
    } else if (!record.key.empty()) {
      partition = PartitionForKey(record.key, partitions);
    } else {
      // No key: spread records round-robin over the partitions.
      partition = PartitionId(static_cast<int32_t>(round_robin_++ % partitions));
    }
    size_t size = EncodedSize(record.key, record.value, record.headers);
    if (size - kFrameBytes > kMaxBodyBytes) {
      return Status::InvalidArgument("record of " + std::to_string(size) +
                                     " bytes exceeds the embedded log's limit of " +
                                     std::to_string(kMaxBodyBytes));
    }
    // batches_ never erases, so the cached pointer stays valid (unordered_map keeps its
    // elements in place).
    if (!same_topic || last_batch_tp_.partition != partition) {
      last_batch_tp_ = TopicPartition{std::string(topic), partition};
      last_batch_ = &batches_[last_batch_tp_];
      last_partitions_ = partitions;
    }
    Batch& batch = *last_batch_;
    batch.starts.push_back(static_cast<uint32_t>(batch.bytes.size()));
    AppendRecord(&batch.bytes, record.timestamp_ms != 0 ? record.timestamp_ms : NowMs(), record.key,
                 record.value, record.headers);
    // Record positions in a batch are 32-bit, so a batch is written before it reaches 1 GiB.
    if (batch.bytes.size() >= std::min<size_t>(options_.batch_bytes, 1u << 30)) {
      RETURN_IF_ERROR(Write(last_batch_tp_, batch));
    }
    return Status::Ok();
  }

  Status Flush() override {
    ASSIGN_OR_RETURN(Durable durable, FlushDeferred());
    Status s = durable();
    return s.ok() ? s : Fail(s);
  }

  Result<Durable> FlushDeferred() override {
    RETURN_IF_ERROR(failed_);
    for (auto& [tp, batch] : batches_) {
      if (!batch.starts.empty()) RETURN_IF_ERROR(Write(tp, batch));
    }
    bool sync = false;
    switch (options_.fsync) {
      case FsyncPolicy::kNever:
        break;
      case FsyncPolicy::kEveryFlush:
        sync = true;
        break;
      case FsyncPolicy::kInterval:
        sync = std::chrono::steady_clock::now() - last_sync_ >= options_.fsync_interval;
        break;
    }
    if (!sync) return Durable([] { return Status::Ok(); });
    // Write-back of every partition starts now, so their device I/O overlaps; the jobs
    // then wait for each in turn.
    auto jobs = std::make_shared<std::vector<PartitionWriter::SyncJob>>();
    for (auto& [tp, batch] : batches_) {
      if (batch.unsynced) batch.writer->StartSync();
    }
    for (auto& [tp, batch] : batches_) {
      if (!batch.unsynced) continue;
      Result<PartitionWriter::SyncJob> job = batch.writer->DetachSync();
      if (!job.ok()) return Fail(job.status());
      jobs->push_back(std::move(job).value());
      batch.unsynced = false;
    }
    last_sync_ = std::chrono::steady_clock::now();
    return Durable([jobs] {
      for (const PartitionWriter::SyncJob& job : *jobs) RETURN_IF_ERROR(job.Run());
      return Status::Ok();
    });
  }

 private:
  struct Batch {
    std::string bytes;
    std::vector<uint32_t> starts;
    std::unique_ptr<PartitionWriter> writer;
    bool unsynced = false;
  };

  Result<int> CachedPartitionCount(std::string_view topic) {
    auto it = partition_counts_.find(std::string(topic));
    if (it != partition_counts_.end()) return it->second;
    ASSIGN_OR_RETURN(int n, log_->PartitionCount(topic));
    partition_counts_.emplace(std::string(topic), n);
    return n;
  }

  Status Write(const TopicPartition& tp, Batch& batch) {
    if (batch.writer == nullptr) {
      auto writer =
          PartitionWriter::Open(log_->PartitionDir(tp.topic, tp.partition),
                                log_->options().partition, log_->recovery(), log_->options().hooks);
      if (!writer.ok()) return Fail(writer.status());
      batch.writer = std::move(writer).value();
      batch.writer->set_sync_on_roll(options_.fsync != FsyncPolicy::kNever);
    }
    Result<int64_t> first = batch.writer->Append(batch.bytes, batch.starts);
    batch.bytes.clear();
    batch.starts.clear();
    batch.unsynced = true;
    if (!first.ok()) return Fail(first.status());
    return Status::Ok();
  }

  // A failed write leaves the producer failed: what happened to unflushed records is unknown,
  // so the caller must start a new producer from its last committed input position.
  Status Fail(const Status& s) {
    failed_ = s.WithContext("producer failed");
    for (auto& [tp, batch] : batches_) {
      batch.bytes.clear();
      batch.starts.clear();
    }
    return failed_;
  }

  FileLog* log_;
  ProducerOptions options_;
  std::unordered_map<TopicPartition, Batch> batches_;
  std::unordered_map<std::string, int> partition_counts_;
  uint64_t round_robin_ = 0;
  // The previous Send's batch and its topic's partition count.
  TopicPartition last_batch_tp_;
  Batch* last_batch_ = nullptr;
  int last_partitions_ = 0;
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
  Status failed_;
};

}  // namespace

std::unique_ptr<Producer> NewFileProducer(FileLog* log, const ProducerOptions& options) {
  return std::make_unique<FileProducer>(log, options);
}

}  // namespace covidflow::log::file
