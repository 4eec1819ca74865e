#include "process/probe.h"

#include <algorithm>

#include "base/logging.h"

namespace covidflow::process {

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kPoll:
      return "poll";
    case Phase::kPrepare:
      return "prepare";
    case Phase::kTransform:
      return "transform";
    case Phase::kLake:
      return "lake";
    case Phase::kSend:
      return "send";
    case Phase::kSync:
      return "sync";
    case Phase::kCommit:
      return "commit";
  }
  return "?";
}

namespace {

// The series LiveCountsIn reads too.
metrics::Counter& ConsumedSeries(metrics::Registry& r) {
  return r.AddCounter("covidflow_process_records_consumed_total",
                      "Input records consumed (enriched + dead-lettered).");
}
metrics::Counter& EnrichedSeries(metrics::Registry& r) {
  return r.AddCounter("covidflow_process_records_enriched_total",
                      "Input records that became enriched tweets.");
}

}  // namespace

LiveCounts LiveCountsIn(metrics::Registry& registry) {
  const int64_t consumed = ConsumedSeries(registry).Value();
  const int64_t enriched = EnrichedSeries(registry).Value();
  return LiveCounts{consumed, std::max<int64_t>(0, consumed - enriched)};
}

ProcessorProbe::Series::Series(metrics::Registry& r)
    : registry(r),
      consumed(ConsumedSeries(r)),
      enriched(EnrichedSeries(r)),
      recovered(r.AddCounter("covidflow_process_records_recovered_total",
                             "Replayed input records whose output an earlier run wrote.")),
      lake_rows(r.AddCounter("covidflow_process_lake_rows_total", "Rows committed to the lake.")),
      lake_files(
          r.AddCounter("covidflow_process_lake_files_total", "Data files committed to the lake.")),
      batches(r.AddCounter("covidflow_process_batches_total", "Batches written.")),
      lost_commits(r.AddCounter("covidflow_process_lost_commits_total",
                                "Batch commits refused after a rebalance.")),
      handed_over(r.AddCounter("covidflow_process_records_handed_over_total",
                               "Polled records left to the partition's new owner.")),
      batch_seconds(r.AddHistogram("covidflow_process_batch_seconds",
                                   "Time from one written batch to the next.",
                                   metrics::ExponentialBuckets(0.001, 2, 16))) {
  for (int i = 0; i < kPhaseCount; ++i) {
    phase_seconds[i] =
        &r.AddHistogram("covidflow_process_phase_seconds", "Main-thread time per batch, by phase.",
                        metrics::ExponentialBuckets(0.0001, 2, 18),
                        {{"phase", std::string(PhaseName(static_cast<Phase>(i)))}});
  }
}

ProcessorProbe::ProcessorProbe(bool trace, metrics::Registry* metrics)
    : trace_(trace),
      series_(metrics != nullptr ? std::make_unique<Series>(*metrics) : nullptr),
      started_(Clock::now()),
      phase_start_(started_) {}

void ProcessorProbe::EndPhase(Phase phase) {
  const auto now = Clock::now();
  const auto i = static_cast<size_t>(phase);
  const double seconds = std::chrono::duration<double>(now - phase_start_).count();
  phase_seconds_[i] += seconds;
  phase_seen_[i] = true;
  phase_start_ = now;
  if (series_) series_->phase_seconds[i]->Observe(seconds);
}

void ProcessorProbe::RecordBatch() {
  ++counts_.batches;
  if (!series_) return;
  series_->batches.Inc();
  const auto now = Clock::now();
  if (last_batch_) {
    series_->batch_seconds.Observe(std::chrono::duration<double>(now - *last_batch_).count());
  }
  last_batch_ = now;
}

void ProcessorProbe::RecordDeadLetter(std::string_view reason) {
  ++counts_.consumed;
  ++counts_.dead_letters;
  auto it = dead_letters_by_reason_.find(reason);
  if (it == dead_letters_by_reason_.end()) {
    dead_letters_by_reason_.emplace(std::string(reason), 1);
  } else {
    ++it->second;
  }
  if (!series_) return;
  series_->consumed.Inc();
  auto c = series_->dead_letters.find(reason);
  if (c == series_->dead_letters.end()) {
    metrics::Counter& counter = series_->registry.AddCounter(
        "covidflow_process_dead_letters_total", "Input records that became dead letters.",
        {{"reason", std::string(reason)}});
    c = series_->dead_letters.emplace(std::string(reason), &counter).first;
  }
  c->second->Inc();
}

void ProcessorProbe::RecordRecovered(std::string_view reason) {
  ++counts_.recovered;
  if (series_) series_->recovered.Inc();
  if (reason.empty()) {
    RecordEnriched();
  } else {
    RecordDeadLetter(reason);
  }
}

void ProcessorProbe::RecordPolled() {
  if (!first_record_) first_record_ = Clock::now();
}

void ProcessorProbe::RecordCommitted() {
  if (first_record_) {
    counts_.active_seconds = std::chrono::duration<double>(Clock::now() - *first_record_).count();
  }
}

void ProcessorProbe::TraceBirth(PartitionId p, Offset first, const OutputMarks& marks) const {
  if (!trace_) return;
  Logf(LogLevel::kTrace, "birth p%d first=%lld marks=%s", p.value(),
       static_cast<long long>(first.value()), FormatMarks(marks).c_str());
}

void ProcessorProbe::TraceNothingToRecover(PartitionId p, Offset next,
                                           const OutputMarks& from) const {
  if (!trace_) return;
  Logf(LogLevel::kTrace, "recover p%d next=%lld nothing past marks %s", p.value(),
       static_cast<long long>(next.value()), FormatMarks(from).c_str());
}

void ProcessorProbe::TraceRecovered(PartitionId p, Offset next, const OutputMarks& from,
                                    const OutputMarks& ends, size_t found) const {
  if (!trace_) return;
  Logf(LogLevel::kTrace, "recover p%d next=%lld from=%s ends=%lld/%lld found=%zu", p.value(),
       static_cast<long long>(next.value()), FormatMarks(from).c_str(),
       static_cast<long long>(ends.enriched.value()), static_cast<long long>(ends.dlq.value()),
       found);
}

void ProcessorProbe::TraceCommit(const log::CommitMap& commit, const Status& result) const {
  if (!trace_) return;
  for (const auto& [tp, cp] : commit) {
    Logf(LogLevel::kTrace, "commit p%d next=%lld %s -> %s", tp.partition.value(),
         static_cast<long long>(cp.next.value()), cp.metadata.c_str(), result.ToString().c_str());
  }
}

ProcessorCounts ProcessorProbe::Snapshot() const {
  ProcessorCounts c = counts_;
  c.dead_letters_by_reason.insert(dead_letters_by_reason_.begin(), dead_letters_by_reason_.end());
  c.seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  for (int i = 0; i < kPhaseCount; ++i) {
    if (!phase_seen_[i]) continue;
    c.phase_seconds[std::string(PhaseName(static_cast<Phase>(i)))] = phase_seconds_[i];
  }
  return c;
}

}  // namespace covidflow::process
