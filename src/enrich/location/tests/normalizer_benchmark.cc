// Throughput of LocationNormalizer::Normalize on one core. Run:
//   build/<dir>/src/enrich/location/tests/location_benchmark
// items_per_second is locations normalized per second (target of issue 3: >= 1M/s).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "enrich/location/normalizer.h"
#include "enrich/location/tests/sample_eval.h"

namespace covidflow::enrich::location {
namespace {

// The user_location column (the second field) of every record of an RFC 4180 CSV file.
std::vector<std::string> ReadLocationColumn(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::string field;
  size_t column = 0;
  bool quoted = false;
  bool header = true;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',' || c == '\n') {
      if (column == 1 && !header) out.push_back(field);
      field.clear();
      column = c == ',' ? column + 1 : 0;
      if (c == '\n') header = false;
    } else if (c != '\r') {
      field += c;
    }
  }
  return out;
}

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
  for (const std::string& path : {testing::SamplePath(), testing::HoldoutPath()}) {
    auto sample = testing::ReadSample(path);
    if (!sample.ok()) {
      state.SkipWithError(sample.status().ToString().c_str());
      return;
    }
    for (auto& row : *sample) inputs.push_back(row.text);
  }
  Run(state, inputs);
}
BENCHMARK(BM_NormalizeLabelledSamples);

// Every user_location of the shared covid19-tweets file, in file order.
void BM_NormalizeTweetColumn(benchmark::State& state) {
  const std::string path =
      std::string(CF_SHARED_DATA_DIR) + "/covid19-tweets/covid19_tweets_2020-07-25_early.csv";
  const std::vector<std::string> inputs = ReadLocationColumn(path);
  if (inputs.empty()) {
    state.SkipWithError(("missing or empty shared data file " + path).c_str());
    return;
  }
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
