#include "base/logging.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <string>

namespace covidflow {
namespace {

std::atomic<LogLevel> min_level{LogLevel::kInfo};

// One write(2) for the whole line, retried on EINTR and short writes; a failure to write a
// diagnostic line has nowhere to be reported, so it is dropped.
void WriteAll(std::string_view line) {
  while (!line.empty()) {
    ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

// "<level> pid=<pid> " into `out`.
void AppendPrefix(std::string& out, LogLevel level) {
  out += LogLevelName(level);
  out += " pid=";
  out += std::to_string(::getpid());
  out += ' ';
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  static constexpr std::array<std::string_view, 5> kNames = {"trace", "debug", "info", "warning",
                                                             "error"};
  return kNames[static_cast<size_t>(level)];
}

void SetMinLogLevel(LogLevel level) { min_level.store(level, std::memory_order_relaxed); }
LogLevel MinLogLevel() { return min_level.load(std::memory_order_relaxed); }

void LogLine(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string line;
  line.reserve(message.size() + 24);
  AppendPrefix(line, level);
  line += message;
  line += '\n';
  WriteAll(line);
}

void Logf(LogLevel level, const char* format, ...) {
  if (!LogEnabled(level)) return;
  std::string line;
  AppendPrefix(line, level);
  const size_t prefix = line.size();
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  char small[512];
  const int n = std::vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    va_end(again);
    return;
  }
  if (static_cast<size_t>(n) < sizeof small) {
    line.append(small, static_cast<size_t>(n));
  } else {
    line.resize(prefix + static_cast<size_t>(n) + 1);
    std::vsnprintf(line.data() + prefix, static_cast<size_t>(n) + 1, format, again);
    line.resize(prefix + static_cast<size_t>(n));
  }
  va_end(again);
  line += '\n';
  WriteAll(line);
}

}  // namespace covidflow
