// Times our Parquet writer and reader on rows prepared by lake_vs_pyarrow.py (JSON Lines,
// one enriched tweet per line with the lake's column names, schema version 2's model columns
// included), and prints one JSON object.
//   bench_lake write ROWS.jsonl OUT.parquet zstd|snappy|none REPEATS [THREADS]
//   bench_lake read FILE.parquet REPEATS
//   bench_lake scan LAKE_DIR REPEATS BATCH_ROWS [COLUMN,COLUMN,...]   (BatchReader; all columns
//                                                                     when none are named)
// The best of REPEATS runs is reported: the least disturbed by the machine's other work.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "lake/batch_reader.h"
#include "lake/reader.h"
#include "lake/writer.h"
#include "schema/fields.h"

namespace {

using covidflow::lake::Compression;
using covidflow::schema::EnrichedTweet;
using Clock = std::chrono::steady_clock;

// One row from an object keyed by the lake's column names, read column by column from
// schema/fields.h. Schema version 2's model columns are absent (or null) on a tweet no model
// scored: those keep their empty value.
EnrichedTweet FromJson(const nlohmann::json& j) {
  namespace schema = covidflow::schema;
  EnrichedTweet r;
  schema::ForEachColumn([&](auto column) {
    constexpr auto& def = schema::kColumnDef<decltype(column)::value>;
    using Def = std::remove_cvref_t<decltype(def)>;
    const auto it = j.find(def.name);
    if (it == j.end() || it->is_null()) return;
    auto& value = Def::Ref(r);
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (Def::type == schema::ValueType::kTimestamp) {
      value.seconds = it->template get<int64_t>();
    } else if constexpr (Def::type == schema::ValueType::kLabel) {
      const std::string label = *it;
      value = label == "positive"   ? schema::Sentiment::Label::kPositive
              : label == "negative" ? schema::Sentiment::Label::kNegative
                                    : schema::Sentiment::Label::kNeutral;
    } else if constexpr (requires(T t) { t.value(); }) {
      value = T(it->template get<typename T::value_type>());  // PartitionId, Offset
    } else {
      value = it->template get<T>();
    }
  });
  return r;
}

double ProcessCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench_lake: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "write" && (argc == 6 || argc == 7)) {
    std::ifstream in(argv[2]);
    if (!in) return Fail(std::string("cannot open ") + argv[2]);
    std::vector<EnrichedTweet> rows;
    uint64_t input_bytes = 0;
    for (std::string line; std::getline(in, line);) {
      input_bytes += line.size();
      rows.push_back(FromJson(nlohmann::json::parse(line)));
    }
    covidflow::lake::WriterOptions options;
    const std::string codec = argv[4];
    options.compression = codec == "snappy" ? Compression::kSnappy
                          : codec == "none" ? Compression::kNone
                                            : Compression::kZstd;
    options.fsync = false;  // pyarrow does not fsync either: compare the encoders
    options.threads = argc == 7 ? std::stoi(argv[6]) : 1;
    double best = 1e100;
    for (int i = 0; i < std::stoi(argv[5]); ++i) {
      const auto t0 = Clock::now();
      const auto st = covidflow::lake::WriteParquetFile(argv[3], rows, options);
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!st.ok()) return Fail(st.ToString());
      best = std::min(best, s);
    }
    std::ifstream f(argv[3], std::ios::binary | std::ios::ate);
    std::printf("{\"rows\": %zu, \"seconds\": %.6f, \"file_bytes\": %lld, \"input_bytes\": %llu}\n",
                rows.size(), best, static_cast<long long>(f.tellg()),
                static_cast<unsigned long long>(input_bytes));
    return 0;
  }
  if (mode == "read" && argc == 4) {
    double best = 1e100;
    size_t n = 0;
    for (int i = 0; i < std::stoi(argv[3]); ++i) {
      const auto t0 = Clock::now();
      auto rows = covidflow::lake::ReadFile(argv[2]);
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!rows.ok()) return Fail(rows.status().ToString());
      n = rows->size();
      best = std::min(best, s);
    }
    std::printf("{\"rows\": %zu, \"seconds\": %.6f}\n", n, best);
    return 0;
  }
  if (mode == "scan" && (argc == 5 || argc == 6)) {
    if (std::getenv("CF_BENCH_GLIBC_DEFAULTS") == nullptr) {
      // pyarrow allocates from jemalloc, which keeps freed pages for the next read; glibc
      // returns large blocks to the kernel, so each repeat would fault its buffers in again
      // (a third of the time on a short scan). Keep them, as a long-running reader's process
      // does after its first batches. CF_BENCH_GLIBC_DEFAULTS=1 measures without this.
      ::mallopt(M_MMAP_THRESHOLD, 1 << 30);
      ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
    covidflow::lake::BatchReaderOptions options;
    options.batch_rows = std::stoul(argv[4]);
    if (argc == 6) {
      std::string list = argv[5];
      for (size_t at = 0; at <= list.size();) {
        const size_t comma = std::min(list.find(',', at), list.size());
        if (comma > at) options.columns.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
    }
    double best = 1e100;
    double best_cpu = 1e100;  // CPU time of the process: what a loaded machine disturbs least
    int64_t n = 0;
    uint64_t checksum = 0;  // keeps the reads from being optimized away
    // One batch reused across the scans, as a training loop reuses it across batches.
    covidflow::lake::ColumnBatch batch;
    for (int i = 0; i < std::stoi(argv[3]); ++i) {
      const double cpu0 = ProcessCpuSeconds();
      const auto t0 = Clock::now();
      auto reader = covidflow::lake::BatchReader::Open(argv[2], options);
      if (!reader.ok()) return Fail(reader.status().ToString());
      while (true) {
        auto more = (*reader)->NextInto(&batch);
        if (!more.ok()) return Fail(more.status().ToString());
        if (!*more) break;
        for (const auto& c : batch.columns) checksum += c.bytes.size() + c.ints.size();
      }
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      best_cpu = std::min(best_cpu, ProcessCpuSeconds() - cpu0);
      n = (*reader)->rows_read();
      best = std::min(best, s);
    }
    std::printf("{\"rows\": %lld, \"seconds\": %.6f, \"cpu_seconds\": %.6f, \"checksum\": %llu}\n",
                static_cast<long long>(n), best, best_cpu,
                static_cast<unsigned long long>(checksum));
    return 0;
  }
  std::fprintf(stderr,
               "usage: bench_lake write ROWS.jsonl OUT.parquet zstd|snappy|none REPEATS [THREADS]\n"
               "       bench_lake read FILE.parquet REPEATS\n"
               "       bench_lake scan LAKE_DIR REPEATS BATCH_ROWS [COLUMNS]\n");
  return 2;
}
