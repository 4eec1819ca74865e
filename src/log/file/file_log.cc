#include "log/file/file_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "base/numbers.h"
#include "log/file/clients.h"
#include "log/file/names.h"

namespace covidflow::log::file {
namespace {

constexpr int kMaxPartitions = 10000;
constexpr std::string_view kLogMarker = "covidflow file log 1\n";

std::string TopicMeta(int partitions) {
  return "covidflow-topic 1\npartitions " + std::to_string(partitions) + "\n";
}

Result<int> ParseTopicMeta(std::string_view text, const std::string& path) {
  constexpr std::string_view kPrefix = "covidflow-topic 1\npartitions ";
  if (!text.starts_with(kPrefix) || !text.ends_with("\n")) {
    return Status::Corruption(path + ": not a topic metadata file");
  }
  std::string_view num = text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1);
  const std::optional<int64_t> n = ParseIntIn(num, 1, kMaxPartitions);
  if (!n) return Status::Corruption(path + ": bad partition count");
  return static_cast<int>(*n);
}

}  // namespace

Result<std::unique_ptr<FileLog>> FileLog::Open(std::string root, const FileLogOptions& options) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return Status::InvalidArgument("file log: empty directory");
  RETURN_IF_ERROR(MakeDirs(root + "/topics").WithContext("file log " + root));
  RETURN_IF_ERROR(MakeDirs(root + "/groups").WithContext("file log " + root));
  const std::string marker = root + "/covidflow-log";
  if (!PathExists(marker)) {
    RETURN_IF_ERROR(ReplaceFileAtomically(marker, kLogMarker, TempPathFor(marker))
                        .WithContext("file log " + root));
  } else {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(marker));
    if (text != kLogMarker) {
      return Status::FailedPrecondition(marker + ": unknown log format version: " + text);
    }
  }
  // Fail now, with the path, if the directory is not writable (rather than at first append).
  if (::access((root + "/topics").c_str(), W_OK) != 0) {
    return Status::FromErrno(errno, "file log " + root + "/topics is not writable");
  }
  return std::unique_ptr<FileLog>(new FileLog(std::move(root), options));
}

Result<int> FileLog::PartitionCount(std::string_view topic) const {
  if (!IsValidName(topic))
    return Status::InvalidArgument("bad topic name '" + std::string(topic) + "'");
  const std::string path = TopicDir(topic) + "/meta";
  if (!PathExists(path))
    return Status::NotFound("topic '" + std::string(topic) + "' does not exist");
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return ParseTopicMeta(text, path);
}

std::string FileLog::PartitionDir(std::string_view topic, PartitionId partition) const {
  return TopicDir(topic) + "/" + std::to_string(partition.value());
}

Status FileLog::CreateTopic(std::string_view topic, int partitions) {
  if (!IsValidName(topic)) {
    return Status::InvalidArgument("bad topic name '" + std::string(topic) +
                                   "' (use 1-249 of [A-Za-z0-9._-], not starting with '.')");
  }
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Status::InvalidArgument("topic '" + std::string(topic) +
                                   "': partitions must be in [1, " +
                                   std::to_string(kMaxPartitions) + "]");
  }
  auto compare_existing = [&]() -> Status {
    ASSIGN_OR_RETURN(int existing, PartitionCount(topic));
    if (existing != partitions) {
      return Status::AlreadyExists("topic '" + std::string(topic) + "' exists with " +
                                   std::to_string(existing) + " partitions, not " +
                                   std::to_string(partitions));
    }
    return Status::Ok();
  };
  if (PathExists(TopicDir(topic))) return compare_existing();
  // Built under a temporary name and renamed into place, so a topic is seen complete or not at
  // all, and two processes creating it at once agree on one result.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = root_ + "/topics/.tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(counter.fetch_add(1)) + "-" + std::string(topic);
  Status s = [&]() -> Status {
    RETURN_IF_ERROR(MakeDirs(tmp));
    for (int p = 0; p < partitions; ++p) {
      const std::string dir = tmp + "/" + std::to_string(p);
      RETURN_IF_ERROR(MakeDirs(dir));
      ASSIGN_OR_RETURN(UniqueFd seg, OpenFile(dir + "/" + SegmentFileName(0), O_RDWR | O_CREAT));
      ASSIGN_OR_RETURN(UniqueFd idx, OpenFile(dir + "/" + IndexFileName(0), O_RDWR | O_CREAT));
      RETURN_IF_ERROR(FsyncDir(dir));
    }
    const std::string meta = tmp + "/meta";
    return ReplaceFileAtomically(meta, TopicMeta(partitions), TempPathFor(meta));
  }();
  if (!s.ok()) {
    (void)RemoveTree(tmp);  // best effort: only our own temporary directory
    return s.WithContext("create topic '" + std::string(topic) + "'");
  }
  if (::rename(tmp.c_str(), TopicDir(topic).c_str()) != 0) {
    int err = errno;
    (void)RemoveTree(tmp);  // best effort: only our own temporary directory
    if (err == EEXIST || err == ENOTEMPTY) return compare_existing();
    return Status::FromErrno(err, "create topic '" + std::string(topic) + "': rename");
  }
  return FsyncDir(root_ + "/topics");
}

Result<TopicInfo> FileLog::DescribeTopic(std::string_view topic) {
  ASSIGN_OR_RETURN(int partitions, PartitionCount(topic));
  TopicInfo info;
  info.name = std::string(topic);
  for (int p = 0; p < partitions; ++p) {
    PartitionReader reader(PartitionDir(topic, PartitionId(p)), /*chunk_bytes=*/64 << 10);
    ASSIGN_OR_RETURN(int64_t start, reader.StartOffset());
    ASSIGN_OR_RETURN(int64_t end, reader.EndOffset());
    info.partitions.push_back({PartitionId(p), Offset(start), Offset(end)});
  }
  return info;
}

Result<std::vector<std::string>> FileLog::ListTopics() {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(root_ + "/topics"));
  std::vector<std::string> topics;
  for (std::string& n : names) {
    if (IsValidName(n) && PathExists(TopicDir(n) + "/meta")) topics.push_back(std::move(n));
  }
  std::sort(topics.begin(), topics.end());
  return topics;
}

Result<std::unique_ptr<Producer>> FileLog::NewProducer(const ProducerOptions& options) {
  return NewFileProducer(this, options);
}

Result<std::unique_ptr<Consumer>> FileLog::NewConsumer(const ConsumerOptions& options) {
  if (!options.group.empty() && !IsValidName(options.group)) {
    return Status::InvalidArgument("bad consumer group name '" + options.group + "'");
  }
  if (options.max_poll_records == 0) {
    return Status::InvalidArgument("max_poll_records must be at least 1");
  }
  return NewFileConsumer(this, options);
}

}  // namespace covidflow::log::file
