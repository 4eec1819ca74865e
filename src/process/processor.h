#pragma once
// The processor: consume tweets.raw → parse → validate → enrich → tweets.enriched or
// tweets.dlq (and the lake), never neither. Input offsets are committed only after the
// outputs are durable (per the log's fsync policy).
//
// Exactly-once output over an at-least-once input: every output carries its source
// position and the processor group in record headers, and each commit stores, as commit
// metadata, the end offsets of the output partitions at that moment (output_marks.h). After
// a crash the processor scans only the outputs written since the last commit (recovery.h),
// and a replayed input whose output is already there is counted with its recorded outcome
// but not written again. docs/decisions/0002-exactly-once-outputs.md.
//
// The parts (README.md has the pipeline and who runs what): Recovery, Transformer (the
// `cf-transform` workers), OutputWriters (`cf-send` writers, the `cf-sync` wait), LakeWriter
// (the lake sink on `cf-lake`), and ProcessorProbe (counts, phase timers, trace).
//
// Ownership and threads: Run() is called by one thread. The log, the enrichment slot and the
// lake sink belong to the caller and must outlive Run. The enrichment is read from the slot
// once per batch, so a Swap from any thread takes effect at the next batch.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "enrich/enrichment.h"
#include "lake/sink.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "process/probe.h"
#include "schema/parse.h"

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
  // How long the run rides out a log it cannot use (a Kafka broker down or restarting:
  // commits refused, the end-of-input check failing, with exit_when_idle no record while
  // not caught up) before it gives up with an error saying so.
  std::chrono::milliseconds outage_timeout{120000};
  int output_partitions = 0;  // when creating output topics; 0 = as many as the input
  log::ProducerOptions producer;
  bool trace = false;  // one stderr line per recovery and commit (for crash analysis)
};

class Processor {
 public:
  // `lake`: the opened sink the enriched tweets also go to (null = no lake), used only by the
  // run's cf-lake thread while Run runs. A batch's input offsets are committed only after its
  // lake rows are, and the source offsets it already holds (LakeSink::CommittedPositions) are
  // not appended again.
  // `metrics`: where the probe keeps its series too (null = counts only); outlives Run.
  Processor(log::Log& log, enrich::EnrichmentSlot& enrichment, lake::LakeSink* lake,
            ProcessorOptions options, metrics::Registry* metrics = nullptr);
  // Runs until `stop` is set or, with exit_when_idle, until caught up. Returns the counts
  // of this run. A failed flush or commit stops the run with that error, with nothing
  // committed past what was written.
  Result<ProcessorCounts> Run(const std::atomic<bool>& stop);

 private:
  log::Log& log_;
  enrich::EnrichmentSlot& enrichment_;
  lake::LakeSink* lake_;
  ProcessorOptions options_;
  metrics::Registry* metrics_;
};

}  // namespace covidflow::process
