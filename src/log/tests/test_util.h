#pragma once
// Helpers for the embedded log's tests: record round trips (and the shared TempDir).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/testing/temp_dir.h"
#include "log/file/file_log.h"
#include "log/log.h"

namespace covidflow::log::file {

using ::covidflow::testing::TempDir;

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
