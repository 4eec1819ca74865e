#pragma once
// The progress line of `covidflow process` on a terminal: records/s, the lag (records of the
// input behind the group's commits) and the dead letters, redrawn in place ("\r") about twice
// a second on stderr while the processor runs. The command shows it only when stderr is a
// terminal and --json is off, so pipes, logs and JSON output stay clean.
//
// Ownership and threads: the line runs its own thread, reading the processor's counts from
// the registry its probe keeps them in (process::LiveCountsIn) and the lag from the log with
// a consumer of the group (log::TopicProgress, as the metrics server's lag gauges do). The
// log and the registry outlive it; destruction draws the last line, ends it with a newline and
// joins the thread.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "process/processor.h"

namespace covidflow::app {

struct ProgressSample {
  double seconds = 0;  // since the line started
  int64_t consumed = 0;
  int64_t dead_letters = 0;
  std::optional<int64_t> lag;  // none: the log did not answer (yet)
};

// One line, without "\r" or newline, e.g.
//   "process: 1,200,000 records · 412,345 records/s · lag 80,000 · 1,234 dead letters"
// The rate is over the interval from `previous` to `now` (0 when no time passed); an unknown
// lag reads "lag ?".
std::string FormatProgressLine(const ProgressSample& previous, const ProgressSample& now);

class ProgressLine {
 public:
  // Starts redrawing on `out` every `interval`.
  static Result<std::unique_ptr<ProgressLine>> Start(
      log::Log& log, const process::ProcessorOptions& options, metrics::Registry& registry,
      std::FILE* out, std::chrono::milliseconds interval = std::chrono::milliseconds(500));
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  ProgressLine() = default;
  ProgressSample Sample();
  void Draw(const ProgressSample& previous, const ProgressSample& now);

  log::Log* log_ = nullptr;
  metrics::Registry* registry_ = nullptr;
  std::string input_topic_;
  std::FILE* out_ = nullptr;
  std::unique_ptr<log::Consumer> consumer_;  // the group's, for its commits only
  std::chrono::steady_clock::time_point started_;
  size_t drawn_ = 0;  // length of the line on screen (a shorter one is padded over it)
  std::jthread thread_;
};

}  // namespace covidflow::app
