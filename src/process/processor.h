#pragma once
// The processor: consume tweets.raw → parse → validate → enrich → tweets.enriched or
// tweets.dlq, never neither. Input offsets are committed only after the outputs are
// flushed (durable per the log's fsync policy).
//
// Exactly-once output over an at-least-once input: every output carries its source
// position and the processor group in record headers, and each commit stores, as commit
// metadata, the end offsets of the output partitions at that moment. After a crash the
// processor scans only the outputs written since the last commit, and a replayed input
// whose output is already there is counted with its recorded outcome but not written again.
//
// Threads: Run() is called by one thread; it uses `threads` workers for parse+enrich+encode
// and `send_threads` output writers (one producer each) for send + flush.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/status.h"
#include "enrich/enricher.h"
#include "log/log.h"
#include "schema/csv.h"

namespace covidflow::process {

struct ProcessorOptions {
  std::string input_topic = "tweets.raw";
  std::string enriched_topic = "tweets.enriched";
  std::string dlq_topic = "tweets.dlq";
  std::string group = "covidflow-processor";
  schema::ParseOptions parse;
  size_t batch = 8192;
  int threads = 0;  // 0 = one per core
  // Output writers: each owns the output partitions q with q % send_threads == its index and
  // sends + flushes them in parallel with the others (0 = min(threads, output partitions)).
  int send_threads = 0;
  bool exit_when_idle = false;
  std::chrono::milliseconds idle{500};
  int output_partitions = 0;  // when creating output topics; 0 = as many as the input
  log::ProducerOptions producer;
  // The Parquet lake beside the topics (lake/sink.h); empty = no lake. Rows are committed
  // to the lake before the input offsets, once per batch.
  std::string lake_dir;
  std::string lake_writer_id;  // distinct per worker sharing a lake; default: the group
  bool trace = false;  // one stderr line per recovery and commit (for crash analysis)
};

struct ProcessorCounts {
  int64_t consumed = 0;
  int64_t enriched = 0;
  int64_t dead_letters = 0;
  // Of the above, records whose output an earlier run had already written (replay after a
  // crash): counted with that outcome, not written again.
  int64_t recovered = 0;
  int64_t lake_rows = 0;  // rows committed to the lake by this run
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

// Optional hook for the location normalizer (enrich/location); empty = no location.
using LocationFn = std::function<schema::Location(std::string_view user_location)>;

class Processor {
 public:
  Processor(log::Log& log, const enrich::Enricher& enricher, LocationFn location,
            ProcessorOptions options);
  // Runs until `stop` is set or, with exit_when_idle, until caught up. Returns the counts
  // of this run. A failed flush or commit stops the run with that error, with nothing
  // committed past what was written.
  Result<ProcessorCounts> Run(const std::atomic<bool>& stop);

 private:
  log::Log& log_;
  const enrich::Enricher& enricher_;
  LocationFn location_;
  ProcessorOptions options_;
};

// Output record header names (docs/formats/records.md).
inline constexpr std::string_view kHeaderSourceTopic = "src-topic";
inline constexpr std::string_view kHeaderSourcePartition = "src-part";
inline constexpr std::string_view kHeaderSourceOffset = "src-offset";
inline constexpr std::string_view kHeaderGroup = "src-group";

}  // namespace covidflow::process
