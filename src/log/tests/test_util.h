#pragma once
// Helpers for the embedded log's tests: a temporary directory and record round trips.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "log/file/file_log.h"
#include "log/log.h"

namespace covidflow::log::file {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cf_log_test_XXXXXX").string();
    const char* d = ::mkdtemp(tmpl.data());
    if (d == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Copied {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
};

// Reads a partition from `from` until a poll comes back empty. Returns the status of the
// last poll (kCorruption surfaces here) and the records before it.
inline Status ReadPartition(Log& log, const std::string& topic, int partition, int64_t from,
                            std::vector<Copied>* out) {
  ASSIGN_OR_RETURN(auto consumer, log.NewConsumer({}));
  RETURN_IF_ERROR(
      consumer->Assign({{TopicPartition{topic, PartitionId(partition)}, Offset(from)}}));
  while (true) {
    ASSIGN_OR_RETURN(auto records, consumer->Poll(std::chrono::milliseconds(0)));
    if (records.empty()) return Status::Ok();
    for (const InRecord& r : records) {
      out->push_back(
          {r.partition.value(), r.offset.value(), std::string(r.key), std::string(r.value)});
    }
  }
}

inline Status ProduceValues(Log& log, const std::string& topic, int partition, int count,
                            const std::string& prefix, int first = 0) {
  ASSIGN_OR_RETURN(auto producer, log.NewProducer({}));
  for (int i = first; i < first + count; ++i) {
    std::string value = prefix + std::to_string(i);
    OutRecord r;
    r.value = value;
    r.partition = PartitionId(partition);
    RETURN_IF_ERROR(producer->Send(topic, r));
  }
  return producer->Flush();
}

}  // namespace covidflow::log::file
