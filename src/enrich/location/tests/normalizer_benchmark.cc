// Throughput of LocationNormalizer::Normalize on one core. Run:
//   build/<dir>/src/enrich/location/tests/location_benchmark
// items_per_second is locations normalized per second (target of issue 3: >= 1M/s).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "enrich/location/normalizer.h"
#include "enrich/location/tests/sample_eval.h"

namespace covidflow::enrich::location {
namespace {

void Run(benchmark::State& state, const std::vector<std::string>& inputs) {
  const LocationNormalizer& normalizer = LocationNormalizer::Default();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string& s = inputs[i];
    benchmark::DoNotOptimize(normalizer.Normalize(s));
    bytes += s.size();
    if (++i == inputs.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// The 600 hand-labelled values (a fifth are empty, as in the stream).
void BM_NormalizeLabelledSamples(benchmark::State& state) {
  std::vector<std::string> inputs;
  auto sample = testing::ReadSample(testing::SamplePath());
  auto holdout = testing::ReadHoldout(testing::HoldoutLabelsPath(), testing::TweetsCsvPath());
  for (const auto* rows : {&sample, &holdout}) {
    if (!rows->ok()) {
      state.SkipWithError(rows->status().ToString().c_str());
      return;
    }
    for (auto& row : **rows) inputs.push_back(row.text);
  }
  Run(state, inputs);
}
BENCHMARK(BM_NormalizeLabelledSamples);

// Every user_location of the shared covid19-tweets file, in file order.
void BM_NormalizeTweetColumn(benchmark::State& state) {
  auto column = testing::ReadLocationColumn(testing::TweetsCsvPath());
  if (!column.ok()) {
    state.SkipWithError(column.status().ToString().c_str());
    return;
  }
  const std::vector<std::string>& inputs = *column;
  state.counters["values"] = static_cast<double>(inputs.size());
  Run(state, inputs);
}
BENCHMARK(BM_NormalizeTweetColumn);

// Worst case: 100 KB of text (only the first kMaxInputBytes are read).
void BM_Normalize100KB(benchmark::State& state) {
  std::string big;
  while (big.size() < 100 * 1024) big += "New York, NY 🗽 ";
  Run(state, {big});
}
BENCHMARK(BM_Normalize100KB);

}  // namespace
}  // namespace covidflow::enrich::location

BENCHMARK_MAIN();
