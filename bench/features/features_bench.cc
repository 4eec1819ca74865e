// The feature pipeline's cost per tweet (Pipeline::TransformRange, as serving calls it), block
// by block and for specs/tweet-sentiment.yaml's four features together: fitted on TweetEval's
// train file, transforming its validation tweets one request at a time (1 and 100 rows).
//   build/<dir>/bench/features/bench_features [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "features/pipeline.h"
#include "features/table.h"

namespace covidflow::features {
namespace {

Table Read(const char* name) {
  const std::string path = std::string(CF_SHARED_DATA_DIR) + "/tweeteval-sentiment/" + name;
  Result<Table> t = ReadTable(path, FileFormat::kCsv);
  if (!t.ok()) {
    std::fprintf(stderr, "bench_features: %s\n", t.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*t);
}

const Table& Validation() {
  static const Table t = Read("val.csv");
  return t;
}

// The definitions of specs/tweet-sentiment.yaml.
std::vector<FeatureDef> SpecDefs() {
  const auto def = [](const char* name, FeatureKind kind) {
    FeatureDef d;
    d.name = name;
    d.kind = kind;
    d.column = "text";
    return d;
  };
  FeatureDef words = def("words", FeatureKind::kText);
  words.char_min = words.char_max = 0;
  FeatureDef chars = def("chars", FeatureKind::kText);
  chars.word_min = chars.word_max = 0;
  chars.char_tokens = "whitespace";
  return {words, chars, def("vader", FeatureKind::kVader), def("counts", FeatureKind::kTextCounts)};
}

// The pipeline of the spec's feature `name` alone ("all": the four), fitted once on train.
const Pipeline& Fitted(const std::string& name) {
  static std::map<std::string, Pipeline> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  static const Table train = Read("train.csv");
  std::vector<FeatureDef> defs;
  for (const FeatureDef& d : SpecDefs()) {
    if (name == "all" || d.name == name) defs.push_back(d);
  }
  Result<Pipeline> p = Pipeline::Fit(defs, train, 42);
  if (!p.ok()) {
    std::fprintf(stderr, "bench_features: %s\n", p.status().ToString().c_str());
    std::exit(1);
  }
  return cache.emplace(name, std::move(*p)).first->second;
}

// `rows` validation tweets per call, as a request of that many tweets.
void Transform(benchmark::State& state, const std::string& name) {
  const Pipeline& pipeline = Fitted(name);
  const Table& val = Validation();
  const size_t rows = static_cast<size_t>(state.range(0));
  SparseRows out;
  size_t begin = 0;
  int64_t nonzeros = 0;
  for (auto _ : state) {
    if (begin + rows > val.rows()) begin = 0;
    const Status st = pipeline.TransformRange(val, begin, begin + rows, out);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
    nonzeros += static_cast<int64_t>(out.indices.size());
    begin += rows;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows));
  state.counters["nonzeros_per_tweet"] = benchmark::Counter(
      static_cast<double>(nonzeros) / static_cast<double>(state.iterations() * rows));
}

void BM_TransformAll(benchmark::State& state) { Transform(state, "all"); }
void BM_TransformWords(benchmark::State& state) { Transform(state, "words"); }
void BM_TransformChars(benchmark::State& state) { Transform(state, "chars"); }
void BM_TransformVader(benchmark::State& state) { Transform(state, "vader"); }
void BM_TransformCounts(benchmark::State& state) { Transform(state, "counts"); }
BENCHMARK(BM_TransformAll)->Arg(1)->Arg(100);
BENCHMARK(BM_TransformWords)->Arg(1);
BENCHMARK(BM_TransformChars)->Arg(1);
BENCHMARK(BM_TransformVader)->Arg(1);
BENCHMARK(BM_TransformCounts)->Arg(1);

}  // namespace
}  // namespace covidflow::features

BENCHMARK_MAIN();
