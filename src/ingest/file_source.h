#pragma once
// The file source: a CSV or JSONL byte stream (file or stdin) → raw records on a topic.
// Each CSV row goes as its exact bytes with the file's header record in a `csv-header`
// header; each JSONL line as its bytes. The producer does not parse fields: validation is
// the processor's job, so a malformed row still travels and becomes a dead letter there.
//
// Records are spread round-robin over the topic's partitions (tweets have no natural key
// in the seed schema). Reading is streamed in 4 MiB chunks, so `generate | produce` works
// on a live pipe; a record is sent only once its terminator (or EOF) has been read.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "schema/parse.h"

namespace covidflow::ingest {

struct FileSourceOptions {
  std::string topic = "tweets.raw";
  enum class Format { kAuto, kCsv, kJsonl } format = Format::kAuto;
  double rate = 0;     // records per second, 0 = unlimited
  int partitions = 4;  // when the topic has to be created
  std::string name;    // file name (for format detection by extension and messages)
  // CSV only: the header must be readable by this mapping (schema::CsvLayout::FromHeader), or
  // nothing is sent and the error names the missing columns and the known mappings.
  std::optional<schema::ColumnMapping> mapping;
};

// The end-of-run counts: a snapshot of the run's SourceProbe.
struct FileSourceCounts {
  int64_t records = 0;  // records sent
  int64_t bytes = 0;    // bytes of the records sent
  double seconds = 0;
  int64_t read = 0;         // records found in the input: sent + skipped (a CSV header is not one)
  int64_t input_bytes = 0;  // bytes read from the descriptor
  // Records not sent, by reason: "blank" (a blank JSON line or an empty CSV record).
  std::map<std::string, int64_t> skipped_by_reason;
  // Where the time went: read (the descriptor), send (splitting records and the producer's
  // Send), pace (waiting for options.rate), flush (the producer's final flush).
  std::map<std::string, double> phase_seconds;
};

// What the file source measures about itself, as the processor's probe does
// (process/probe.h): the business code calls Record*/AddPhase and never sees an exporter;
// FileSourceCounts is a snapshot. Given a metrics::Registry the counts are also series there,
// updated as they happen, so `produce --metrics-port` shows a run in progress:
//   covidflow_produce_records_read_total{topic}      records found in the input
//   covidflow_produce_records_sent_total{topic}
//   covidflow_produce_bytes_sent_total{topic}
//   covidflow_produce_input_bytes_total{topic}
//   covidflow_produce_records_skipped_total{topic,reason}
//   covidflow_produce_phase_seconds{topic,phase}     seconds so far in each phase
// Threads: one thread records; the registry outlives the probe.
class SourceProbe {
 public:
  enum class Phase { kRead, kSend, kPace, kFlush };
  static constexpr int kPhaseCount = 4;
  static std::string_view PhaseName(Phase phase);

  // `metrics`: null = counts only.
  SourceProbe(const std::string& topic, metrics::Registry* metrics);

  void RecordInput(size_t bytes);
  void RecordSent(size_t bytes);
  void RecordSkipped(std::string_view reason);
  void AddPhase(Phase phase, std::chrono::steady_clock::duration d);
  FileSourceCounts Snapshot() const { return counts_; }

 private:
  struct Series {
    metrics::Counter* read = nullptr;
    metrics::Counter* sent = nullptr;
    metrics::Counter* bytes = nullptr;
    metrics::Counter* input_bytes = nullptr;
    std::array<metrics::Gauge*, kPhaseCount> phases{};
  };
  std::string topic_;
  metrics::Registry* metrics_ = nullptr;
  std::optional<Series> series_;
  FileSourceCounts counts_;
  std::array<std::chrono::steady_clock::duration, kPhaseCount> phases_{};
};

// Reads `fd` to EOF and sends every record, then flushes. Creates the topic if missing.
// `metrics`: where the run's SourceProbe keeps its series (null = none).
Result<FileSourceCounts> ProduceFromFd(int fd, log::Log& log, log::Producer& producer,
                                       const FileSourceOptions& options,
                                       metrics::Registry* metrics = nullptr);

}  // namespace covidflow::ingest
