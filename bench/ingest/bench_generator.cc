// Generator throughput into memory (no file): tweets/s and bytes/s on one core.
// Run: build/<dir>/bench/ingest/bench_generator
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include "ingest/generator.h"

namespace covidflow::ingest {
namespace {

void Run(benchmark::State& state, GeneratorOptions options) {
  Generator gen(options);
  std::string buffer;
  buffer.reserve(1 << 21);
  int64_t records = 0, bytes = 0;
  const std::string_view terminator = gen.Terminator();
  for (auto _ : state) {
    gen.Next(&buffer);
    buffer.append(terminator);
    ++records;
    if (buffer.size() >= (1 << 20)) {
      bytes += static_cast<int64_t>(buffer.size());
      benchmark::DoNotOptimize(buffer.data());
      buffer.clear();
    }
  }
  bytes += static_cast<int64_t>(buffer.size());
  state.SetItemsProcessed(records);
  state.SetBytesProcessed(bytes);
}

void BM_GenerateCsv(benchmark::State& state) { Run(state, {}); }
void BM_GenerateJsonl(benchmark::State& state) {
  GeneratorOptions o;
  o.format = GeneratorOptions::Format::kJsonl;
  Run(state, o);
}
void BM_GenerateCsvAllKnobs(benchmark::State& state) {
  GeneratorOptions o;
  o.drift_after = 1'000'000;
  o.malformed_rate = 0.01;
  o.engagement_label = true;
  Run(state, o);
}

// The whole Generate path (1 MiB write() calls) into /dev/null, 100k tweets per iteration.
void BM_GenerateToDevNull(benchmark::State& state) {
  int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  GeneratorOptions o;
  o.count = 100000;
  int64_t bytes = 0;
  for (auto _ : state) {
    Result<GeneratorStats> stats = Generate(o, fd);
    if (!stats.ok()) {
      state.SkipWithError(stats.status().ToString().c_str());
      break;
    }
    bytes += stats->bytes;
  }
  ::close(fd);
  state.SetItemsProcessed(state.iterations() * o.count);
  state.SetBytesProcessed(bytes);
}

BENCHMARK(BM_GenerateCsv);
BENCHMARK(BM_GenerateJsonl);
BENCHMARK(BM_GenerateCsvAllKnobs);
BENCHMARK(BM_GenerateToDevNull)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace covidflow::ingest

BENCHMARK_MAIN();
