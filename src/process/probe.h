#pragma once
// ProcessorProbe: what the processor measures about itself — counts, where the time goes
// (phase timers) and, with `trace`, one stderr line per birth commit, recovery and commit
// (for crash analysis). The business code calls its Record*/Trace* methods and never sees
// an exporter; ProcessorCounts is a snapshot of it. Given a metrics::Registry, the probe also
// keeps these counts as series there (covidflow_process_*_total; dead letters by reason;
// the phases and the batch cycle as covidflow_process_*_seconds histograms), updated as
// they happen, so /metrics shows a run in progress.
//
// Threads: one thread (the processor's main thread) calls every method. The registry
// outlives the probe.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "base/status.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "process/output_marks.h"

namespace covidflow::process {

struct ProcessorCounts {
  int64_t consumed = 0;
  int64_t enriched = 0;
  int64_t dead_letters = 0;
  // Of the above, records whose output an earlier run had already written (replay after a
  // crash): counted with that outcome, not written again.
  int64_t recovered = 0;
  int64_t lake_rows = 0;   // rows committed to the lake by this run
  int64_t lake_files = 0;  // data files committed to the lake by this run
  int64_t batches = 0;
  // Batches whose commit was refused because a rebalance moved the partition meanwhile.
  int64_t lost_commits = 0;
  // Records polled but left unwritten because a rebalance gave their partition to another
  // member before they were written (not counted as consumed; the new owner processes them).
  int64_t handed_over = 0;
  double seconds = 0;         // the whole run, idle waits included
  double active_seconds = 0;  // from the first record polled to the last commit
  // Where the main thread's active time went, by phase: poll, prepare (recovery, layouts),
  // transform (waiting for the workers' parse+validate+enrich+encode), lake, send (the output
  // writers' send and write), sync (waiting for the previous batch's outputs to be durable,
  // which overlaps this batch's work), commit.
  std::map<std::string, double> phase_seconds;
  std::map<std::string, int64_t> dead_letters_by_reason;
};

// The main thread's phases, in pipeline order.
enum class Phase { kPoll, kPrepare, kTransform, kLake, kSend, kSync, kCommit };
inline constexpr int kPhaseCount = 7;
std::string_view PhaseName(Phase phase);

// A running processor's counts as its probe keeps them in `registry` (zero before it starts):
// records consumed, and of those the dead letters. Any thread (another one than the
// processor's: a progress display).
struct LiveCounts {
  int64_t consumed = 0;
  int64_t dead_letters = 0;
};
LiveCounts LiveCountsIn(metrics::Registry& registry);

class ProcessorProbe {
 public:
  using Clock = std::chrono::steady_clock;
  // `metrics`: null = counts only.
  explicit ProcessorProbe(bool trace, metrics::Registry* metrics = nullptr);

  // Phase timers: BeginPhase marks the start of the next phase, EndPhase charges the time
  // since the last mark to `phase` and marks again.
  void BeginPhase() { phase_start_ = Clock::now(); }
  void EndPhase(Phase phase);

  // A record written (or recovered) by this run; `reason` is a dead letter's reason name.
  void RecordEnriched() {
    ++counts_.consumed, ++counts_.enriched;
    if (series_) series_->consumed.Inc(), series_->enriched.Inc();
  }
  void RecordDeadLetter(std::string_view reason);
  // A replayed record whose output an earlier run wrote; `reason` "" = an enriched tweet.
  void RecordRecovered(std::string_view reason);
  void RecordHandedOver() {
    ++counts_.handed_over;
    if (series_) series_->handed_over.Inc();
  }
  // Rows committed to the lake by the last commit, and the sink's running count of files.
  void RecordLakeRows(int64_t rows, int64_t files_committed) {
    counts_.lake_rows += rows;
    if (series_) {
      series_->lake_rows.Inc(rows);
      series_->lake_files.Inc(files_committed - counts_.lake_files);
    }
    counts_.lake_files = files_committed;
  }
  // A batch written; its cycle is the time since the previous one.
  void RecordBatch();
  void RecordLostCommit() {
    ++counts_.lost_commits;
    if (series_) series_->lost_commits.Inc();
  }
  // The first record polled starts the active time; each commit extends it.
  void RecordPolled();
  void RecordCommitted();

  // Trace lines (stderr, with `trace` only).
  void TraceBirth(PartitionId p, Offset first, const OutputMarks& marks) const;
  void TraceNothingToRecover(PartitionId p, Offset next, const OutputMarks& from) const;
  void TraceRecovered(PartitionId p, Offset next, const OutputMarks& from, const OutputMarks& ends,
                      size_t found) const;
  void TraceCommit(const log::CommitMap& commit, const Status& result) const;

  bool polled() const { return first_record_.has_value(); }
  // The counts so far; `seconds` is the time since the probe was made.
  ProcessorCounts Snapshot() const;

 private:
  // The registry's series (one set per probe; the same names and labels map to the same
  // series, so two processors in one program add up).
  struct Series {
    explicit Series(metrics::Registry& r);
    metrics::Registry& registry;
    metrics::Counter& consumed;
    metrics::Counter& enriched;
    metrics::Counter& recovered;
    metrics::Counter& lake_rows;
    metrics::Counter& lake_files;
    metrics::Counter& batches;
    metrics::Counter& lost_commits;
    metrics::Counter& handed_over;
    metrics::Histogram& batch_seconds;
    std::array<metrics::Histogram*, kPhaseCount> phase_seconds{};
    std::map<std::string, metrics::Counter*, std::less<>> dead_letters;  // by reason
  };

  bool trace_;
  std::unique_ptr<Series> series_;
  Clock::time_point started_;
  std::optional<Clock::time_point> last_batch_;
  Clock::time_point phase_start_;
  std::optional<Clock::time_point> first_record_;
  std::array<double, kPhaseCount> phase_seconds_{};
  std::array<bool, kPhaseCount> phase_seen_{};
  ProcessorCounts counts_;  // all but dead_letters_by_reason and the times
  // By reason name, found without building a string per dead letter.
  std::map<std::string, int64_t, std::less<>> dead_letters_by_reason_;
};

}  // namespace covidflow::process
