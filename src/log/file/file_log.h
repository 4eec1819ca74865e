#pragma once
// The embedded log: topics as directories under DIR/topics, partitions as subdirectories of
// segment files, consumer groups under DIR/groups. Layout and guarantees: docs/formats/log.md.
//
// Several processes may open one directory at once: appends to a partition are serialised by
// a flock on the partition, group members split partitions by flock leases, and commits are
// atomic file replacements. A FileLog may be shared by threads; its producers and consumers
// are each used by one thread at a time.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "log/file/partition.h"
#include "log/log.h"

namespace covidflow::log::file {

struct FileLogOptions {
  PartitionOptions partition;
  std::chrono::milliseconds rebalance_interval{100};
  // Failure injection for tests; must outlive the log. Null in production.
  const FaultHooks* hooks = nullptr;
};

class FileLog : public Log {
 public:
  // Opens (creating) the log rooted at `root`. kIoError when it cannot be created or written.
  static Result<std::unique_ptr<FileLog>> Open(std::string root, const FileLogOptions& options);

  Status CreateTopic(std::string_view topic, int partitions) override;
  Result<TopicInfo> DescribeTopic(std::string_view topic) override;
  Result<std::vector<std::string>> ListTopics() override;
  Result<std::unique_ptr<Producer>> NewProducer(const ProducerOptions& options) override;
  Result<std::unique_ptr<Consumer>> NewConsumer(const ConsumerOptions& options) override;
  std::string Uri() const override { return "file://" + root_; }

  // Torn tails that writers of this log truncated since the last call (file, byte, size).
  std::vector<RecoveryEvent> TakeRecoveryEvents() { return recovery_.Take(); }

  // For this module's producers and consumers.
  Result<int> PartitionCount(std::string_view topic) const;
  std::string PartitionDir(std::string_view topic, PartitionId partition) const;
  std::string GroupDir(std::string_view group) const {
    return root_ + "/groups/" + std::string(group);
  }
  const FileLogOptions& options() const { return options_; }
  RecoveryLog* recovery() { return &recovery_; }

 private:
  FileLog(std::string root, const FileLogOptions& options)
      : root_(std::move(root)), options_(options) {}
  std::string TopicDir(std::string_view topic) const {
    return root_ + "/topics/" + std::string(topic);
  }

  std::string root_;
  FileLogOptions options_;
  RecoveryLog recovery_;
};

}  // namespace covidflow::log::file
