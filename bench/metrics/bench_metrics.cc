// The cost of updating metrics on a hot path, alone and with every thread on one series
// (the worst case: one cache line bounced between cores), and of a scrape.
// Run: build/<dir>/bench/metrics/bench_metrics [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <string>

#include "metrics/registry.h"

namespace covidflow::metrics {
namespace {

Registry& Shared() {
  static Registry* r = new Registry();  // shared by a benchmark's threads, never destroyed
  return *r;
}

void BM_CounterInc(benchmark::State& state) {
  Counter& c = Shared().AddCounter("covidflow_bench_events_total", "Events.");
  for (auto _ : state) c.Inc();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterInc)->ThreadRange(1, 4)->UseRealTime();

void BM_GaugeAdd(benchmark::State& state) {
  Gauge& g = Shared().AddGauge("covidflow_bench_depth", "Depth.");
  for (auto _ : state) g.Add(1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GaugeAdd)->ThreadRange(1, 4)->UseRealTime();

void BM_HistogramObserve(benchmark::State& state) {
  Histogram& h = Shared().AddHistogram("covidflow_bench_duration_seconds", "Durations.",
                                       ExponentialBuckets(0.0001, 2, 16));
  double v = 0.00005;
  for (auto _ : state) {
    h.Observe(v);
    v = v < 3 ? v * 1.7 : 0.00005;  // walks the buckets
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->ThreadRange(1, 4)->UseRealTime();

// A probe-sized registry: 40 counters and 8 histograms of 16 buckets.
void BM_Exposition(benchmark::State& state) {
  Registry r;
  for (int i = 0; i < 40; ++i) {
    r.AddCounter("covidflow_bench_records_total", "Records.", {{"k", std::to_string(i)}}).Inc(i);
  }
  for (int i = 0; i < 8; ++i) {
    r.AddHistogram("covidflow_bench_phase_seconds", "Phases.", ExponentialBuckets(0.0001, 2, 16),
                   {{"phase", std::to_string(i)}})
        .Observe(0.01 * i);
  }
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = r.Exposition();
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Exposition);

}  // namespace
}  // namespace covidflow::metrics

BENCHMARK_MAIN();
