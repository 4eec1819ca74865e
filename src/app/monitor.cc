#include "app/monitor.h"

#include <chrono>

#include "monitor/table.h"

namespace covidflow::app {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<DriftRun> RunDrift(const MonitorSettings& s) {
  if (s.reference.empty()) return Status::InvalidArgument("--reference is required");
  if (s.current.empty()) return Status::InvalidArgument("--current is required");
  const auto t0 = std::chrono::steady_clock::now();
  auto reference = monitor::ReadTable(s.reference);
  if (!reference.ok()) return reference.status().WithContext("--reference");
  auto current = monitor::ReadTable(s.current);
  if (!current.ok()) return current.status().WithContext("--current");
  auto samples = monitor::PrepareSamples(*reference, *current, s.columns);
  if (!samples.ok()) return samples.status();
  DriftRun run;
  run.read_seconds = Since(t0);
  run.reference_rows = reference->rows;
  run.current_rows = current->rows;
  run.skipped = samples->skipped;
  monitor::DriftOptions options;
  options.threads = s.threads;
  const auto t1 = std::chrono::steady_clock::now();
  auto drift = monitor::CompareColumns(samples->reference, samples->current, options);
  if (!drift.ok()) return drift.status();
  run.compare_seconds = Since(t1);
  run.drift = std::move(*drift);
  return run;
}

}  // namespace covidflow::app
