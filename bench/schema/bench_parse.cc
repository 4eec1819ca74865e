// Split + parse + validate throughput of the tweet readers on the real files in
// ../shared/data (one thread). Bytes/s counts the whole file, header and terminators
// included; items/s counts records. Run:
//   build/<dir>/bench/schema/bench_parse --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "schema/codec.h"
#include "schema/csv.h"

namespace covidflow::schema {
namespace {

const std::string& Data(const char* relative) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(relative);
  if (it != cache.end()) return it->second;
  const std::string path = std::string(CF_SHARED_DATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "missing benchmark data %s\n", path.c_str());
    std::exit(1);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return cache.emplace(relative, ss.str()).first->second;
}

constexpr const char* kTweets = "covid19-tweets/covid19_tweets_2020-07-25_early.csv";
constexpr const char* kVaccine = "covid19-vaccine-tweets/vaccination_tweets_before_2021-03-03.csv";
constexpr const char* kCorona = "corona-nlp/Corona_NLP_train.csv";

ParseOptions OptionsFor(const char* file, bool keep_extra) {
  ParseOptions o;
  if (file == kCorona) o.mapping = *ColumnMapping::Preset("corona-nlp");
  o.keep_extra_columns = keep_extra;
  return o;
}

// Splits and parses the whole file; state.range(0) = 1 keeps extra columns.
void ParseFile(benchmark::State& state, const char* file) {
  const std::string& data = Data(file);
  const ParseOptions options = OptionsFor(file, state.range(0) == 1);
  Tweet tweet;
  size_t records = 0, rejected = 0;
  for (auto _ : state) {
    CsvSplitter splitter(data);
    std::string_view record;
    splitter.Next(&record);
    auto layout = CsvLayout::FromHeader(record, options.mapping);
    if (!layout.ok()) {
      state.SkipWithError(layout.status().ToString().c_str());
      return;
    }
    while (splitter.Next(&record)) {
      if (record.empty()) continue;
      ++records;
      if (ParseCsvRecord(record, *layout, options, &tweet)) ++rejected;
    }
    benchmark::DoNotOptimize(tweet);
  }
  state.SetBytesProcessed(static_cast<int64_t>(data.size()) * state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["rejected_per_pass"] =
      static_cast<double>(rejected) / static_cast<double>(state.iterations());
}

// The record split alone, for scale.
void SplitFile(benchmark::State& state, const char* file) {
  const std::string& data = Data(file);
  size_t records = 0;
  for (auto _ : state) {
    CsvSplitter splitter(data);
    std::string_view record;
    while (splitter.Next(&record)) ++records;
    benchmark::DoNotOptimize(record);
  }
  state.SetBytesProcessed(static_cast<int64_t>(data.size()) * state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(records));
}

// JSON records: the covid19-tweets rows in the JSON tweet form (as enriched JSON, whose
// extra keys the reader ignores), one ParseJsonRecord per line.
void ParseJsonLines(benchmark::State& state) {
  const std::string& data = Data(kTweets);
  const ParseOptions options;
  std::vector<std::string> lines;
  size_t bytes = 0;
  {
    CsvSplitter splitter(data);
    std::string_view record;
    splitter.Next(&record);
    auto layout = CsvLayout::FromHeader(record, options.mapping);
    EnrichedTweet e;
    while (splitter.Next(&record)) {
      if (ParseCsvRecord(record, *layout, options, &e.tweet)) continue;
      std::string line;
      AppendEnrichedJson(line, e);
      bytes += line.size() + 1;
      lines.push_back(std::move(line));
    }
  }
  Tweet tweet;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      benchmark::DoNotOptimize(ParseJsonRecord(line, options, &tweet));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(lines.size()) * state.iterations());
}

BENCHMARK_CAPTURE(ParseFile, covid19_tweets, kTweets)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ParseFile, vaccine_tweets, kVaccine)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ParseFile, corona_nlp, kCorona)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(SplitFile, covid19_tweets, kTweets)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(SplitFile, corona_nlp, kCorona)->Unit(benchmark::kMillisecond);
BENCHMARK(ParseJsonLines)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace covidflow::schema

BENCHMARK_MAIN();
