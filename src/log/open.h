#pragma once
// The one place a log URI becomes an implementation.
#include <memory>
#include <string_view>

#include "base/status.h"
#include "log/log.h"

namespace covidflow::log {

struct OpenOptions {
  // Embedded log only.
  int64_t segment_bytes = 128 << 20;
};

// file://DIR (created if missing) or kafka://HOST:PORT[,HOST:PORT]. Unknown schemes are
// kInvalidArgument.
Result<std::unique_ptr<Log>> OpenLog(std::string_view uri, const OpenOptions& options = {});

}  // namespace covidflow::log
