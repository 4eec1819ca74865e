// Throughput of VaderEnricher::Score over real tweets (tweeteval-sentiment train, the
// largest shared tweet file), one core per benchmark thread.
//   build/<dir>/bench/enrich/bench_vader [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "enrich/sentiment_command.h"
#include "enrich/vader.h"

namespace covidflow::enrich {
namespace {

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> texts = [] {
    const std::string path = std::string(CF_SHARED_DATA_DIR) + "/tweeteval-sentiment/train.csv";
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> out;
    int64_t skipped = 0;
    const Status st =
        in ? ForEachCsvValue(
                 in, "text", [&out](std::string_view text) { out.emplace_back(text); }, &skipped)
           : Status::NotFound("cannot read " + path);
    if (!st.ok()) {
      std::fprintf(stderr, "bench_vader: %s\n", st.ToString().c_str());
      std::exit(1);
    }
    return out;
  }();
  return texts;
}

void BM_VaderScore(benchmark::State& state) {
  const VaderEnricher vader;
  const std::vector<std::string>& texts = Texts();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = texts[i];
    benchmark::DoNotOptimize(vader.Score(text));
    bytes += static_cast<int64_t>(text.size());
    if (++i == texts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_VaderScore)->Threads(1)->Threads(2)->UseRealTime();

void BM_VaderShortAscii(benchmark::State& state) {
  const VaderEnricher vader;
  for (auto _ : state)
    benchmark::DoNotOptimize(vader.Score("The book was not very good, but I LOVE it!"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VaderShortAscii);

void BM_VaderEmoji(benchmark::State& state) {
  const VaderEnricher vader;
  for (auto _ : state)
    benchmark::DoNotOptimize(vader.Score("so happy today 😁😁 #covid 💘 stay safe"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VaderEmoji);

// Fixed cost per call, and the cost of words that are in no table.
void BM_VaderOneWord(benchmark::State& state) {
  const VaderEnricher vader;
  for (auto _ : state) benchmark::DoNotOptimize(vader.Score("a"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VaderOneWord);

void BM_VaderTenUnknownWords(benchmark::State& state) {
  const VaderEnricher vader;
  for (auto _ : state) {
    benchmark::DoNotOptimize(vader.Score("the cat sat on the mat with its hat and bat"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VaderTenUnknownWords);

}  // namespace
}  // namespace covidflow::enrich

BENCHMARK_MAIN();
