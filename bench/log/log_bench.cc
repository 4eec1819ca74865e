// Embedded log throughput: batched appends (fsync once per Flush of a batch) and reads.
//   ninja -C build/release bench_log && build/release/bench/log/bench_log
// The target is >= 1M records/s appended in batches with fsync at each Flush.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "base/crc32c.h"
#include "base/testing/temp_dir.h"
#include "log/log.h"
#include "log/open.h"

namespace covidflow::log {
namespace {

std::unique_ptr<Log> OpenOrDie(const std::string& dir, benchmark::State& state) {
  auto log = OpenFileLog(dir);
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return nullptr;
  }
  return std::move(log).value();
}

// Args: value bytes, records per Flush, partitions (records keyed when > 1), fsync policy
// (0 = kEveryFlush, 1 = kNever).
void BM_AppendBatched(benchmark::State& state) {
  const size_t value_bytes = static_cast<size_t>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  const int partitions = static_cast<int>(state.range(2));
  const bool no_fsync = state.range(3) == 1;
  covidflow::testing::TempDir dir("cf_log_bench");
  auto log = OpenOrDie(dir.path(), state);
  if (log == nullptr || !log->CreateTopic("bench", partitions).ok()) return;
  ProducerOptions options;
  options.fsync = no_fsync ? FsyncPolicy::kNever : FsyncPolicy::kEveryFlush;
  auto producer = log->NewProducer(options);
  const std::string value(value_bytes, 'v');
  std::string key = "user-0000000";
  int64_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i, ++n) {
      OutRecord r;
      r.value = value;
      if (partitions > 1) {
        key.replace(5, 7, std::to_string(1000000 + n % 1000000).substr(0, 7));
        r.key = key;
      } else {
        r.partition = PartitionId(0);
      }
      if (!(*producer)->Send("bench", r).ok()) state.SkipWithError("send failed");
    }
    if (!(*producer)->Flush().ok()) state.SkipWithError("flush failed");
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(n * static_cast<int64_t>(value_bytes));
}
BENCHMARK(BM_AppendBatched)
    ->ArgNames({"value_bytes", "batch", "partitions", "no_fsync"})
    ->Args({100, 10000, 1, 0})
    ->Args({400, 10000, 1, 0})
    ->Args({100, 10000, 4, 0})
    ->Args({100, 1000, 1, 0})
    ->Args({100, 10000, 1, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Reads a partition of 1M records from the start, as a consumer outside any group.
void BM_Read(benchmark::State& state) {
  const size_t value_bytes = static_cast<size_t>(state.range(0));
  constexpr int kRecords = 1000000;
  covidflow::testing::TempDir dir("cf_log_bench");
  auto log = OpenOrDie(dir.path(), state);
  if (log == nullptr || !log->CreateTopic("bench", 1).ok()) return;
  {
    ProducerOptions options;
    options.fsync = FsyncPolicy::kNever;
    auto producer = log->NewProducer(options);
    const std::string value(value_bytes, 'v');
    for (int i = 0; i < kRecords; ++i) {
      OutRecord r;
      r.value = value;
      r.partition = PartitionId(0);
      if (!(*producer)->Send("bench", r).ok()) state.SkipWithError("send failed");
    }
    if (!(*producer)->Flush().ok()) state.SkipWithError("flush failed");
  }
  int64_t n = 0;
  for (auto _ : state) {
    auto consumer = log->NewConsumer({});
    if (!(*consumer)->Assign({{TopicPartition{"bench", PartitionId(0)}, Offset(0)}}).ok()) {
      state.SkipWithError("assign failed");
    }
    int64_t got = 0;
    size_t bytes = 0;
    while (got < kRecords) {
      auto records = (*consumer)->Poll(std::chrono::milliseconds(0));
      if (!records.ok() || records->empty()) {
        state.SkipWithError("poll ended early");
        break;
      }
      for (const InRecord& r : *records) bytes += r.value.size();
      got += static_cast<int64_t>(records->size());
    }
    benchmark::DoNotOptimize(bytes);
    n += got;
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(n * static_cast<int64_t>(value_bytes));
}
BENCHMARK(BM_Read)
    ->ArgName("value_bytes")
    ->Arg(100)
    ->Arg(400)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// DescribeTopic on a 1M-record partition: what a processor pays to learn the end offsets.
void BM_DescribeTopic(benchmark::State& state) {
  covidflow::testing::TempDir dir("cf_log_bench");
  auto log = OpenOrDie(dir.path(), state);
  if (log == nullptr || !log->CreateTopic("bench", 1).ok()) return;
  {
    ProducerOptions options;
    options.fsync = FsyncPolicy::kNever;
    auto producer = log->NewProducer(options);
    const std::string value(100, 'v');
    for (int i = 0; i < 1000000; ++i) {
      OutRecord r;
      r.value = value;
      r.partition = PartitionId(0);
      if (!(*producer)->Send("bench", r).ok()) state.SkipWithError("send failed");
    }
    if (!(*producer)->Flush().ok()) state.SkipWithError("flush failed");
  }
  for (auto _ : state) {
    auto info = log->DescribeTopic("bench");
    if (!info.ok() || info->partitions[0].end != Offset(1000000)) {
      state.SkipWithError("wrong end offset");
    }
  }
}
BENCHMARK(BM_DescribeTopic)->Unit(benchmark::kMicrosecond);

// The record checksum at the embedded log's record sizes (raw ~480 B, enriched ~830 B):
// the hardware path (three streams from 384 bytes) against the portable table.
void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  const bool portable = state.range(1) != 0;
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = portable ? Crc32cExtendPortable(crc, data.data(), data.size())
                   : Crc32cExtend(crc, data.data(), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size()));
  state.SetLabel(portable ? "portable" : "hardware");
}
BENCHMARK(BM_Crc32c)->ArgsProduct({{64, 480, 830, 8192}, {0, 1}});

}  // namespace
}  // namespace covidflow::log

BENCHMARK_MAIN();
