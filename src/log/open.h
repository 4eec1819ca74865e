#pragma once
// Opens the embedded log. A log URI is read in one place, app::OpenLog (the composition
// root), which calls this for file://DIR and the Kafka adapter for kafka://.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "log/log.h"

namespace covidflow::log {

struct OpenOptions {
  // Embedded log only.
  int64_t segment_bytes = 128 << 20;
  // Embedded log only: one sparse index entry per this many segment bytes.
  int64_t index_interval_bytes = 4096;
  // Embedded log only: retention of sealed segments (file::PartitionOptions); -1 = none.
  int64_t retention_bytes = -1;
  int64_t retention_ms = -1;
  // Embedded log only: how often a group member re-checks membership and claims free
  // partitions (a restarted or surviving member takes over within about this long).
  std::chrono::milliseconds rebalance_interval{100};
};

// The embedded log in `dir` (created if missing). kInvalidArgument for an empty `dir` or
// options out of range; kIoError when the directory cannot be created or read.
Result<std::unique_ptr<Log>> OpenFileLog(std::string_view dir, const OpenOptions& options = {});

}  // namespace covidflow::log
