// Times our Parquet writer and reader on rows prepared by lake_vs_pyarrow.py (JSON Lines,
// one enriched tweet per line with the lake's column names), and prints one JSON object.
//   bench_lake write ROWS.jsonl OUT.parquet zstd|snappy|none REPEATS [THREADS]
//   bench_lake read FILE.parquet REPEATS
// The best of REPEATS runs is reported: the least disturbed by the machine's other work.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lake/reader.h"
#include "lake/writer.h"

namespace {

using covidflow::lake::Compression;
using covidflow::schema::EnrichedTweet;
using Clock = std::chrono::steady_clock;

EnrichedTweet FromJson(const nlohmann::json& j) {
  EnrichedTweet r;
  r.tweet.user_name = j["user_name"];
  r.tweet.user_location = j["user_location"];
  r.tweet.user_description = j["user_description"];
  r.tweet.user_created.seconds = j["user_created"];
  r.tweet.user_followers = j["user_followers"];
  r.tweet.user_friends = j["user_friends"];
  r.tweet.user_favourites = j["user_favourites"];
  r.tweet.user_verified = j["user_verified"];
  r.tweet.date.seconds = j["event_time"];
  r.tweet.text = j["text"];
  r.tweet.hashtags = j["hashtags"].get<std::vector<std::string>>();
  r.tweet.source = j["source"];
  r.tweet.is_retweet = j["is_retweet"];
  r.sentiment.positive = j["sentiment_positive"];
  r.sentiment.neutral = j["sentiment_neutral"];
  r.sentiment.negative = j["sentiment_negative"];
  r.sentiment.compound = j["sentiment_compound"];
  const std::string label = j["sentiment_label"];
  r.sentiment.label = label == "positive"   ? covidflow::schema::Sentiment::Label::kPositive
                      : label == "negative" ? covidflow::schema::Sentiment::Label::kNegative
                                            : covidflow::schema::Sentiment::Label::kNeutral;
  r.enricher = j["enricher"];
  r.location.country = j["country"];
  r.location.region = j["region"];
  r.location.confidence = j["location_confidence"];
  r.source.topic = j["source_topic"];
  r.source.partition = covidflow::PartitionId(j["source_partition"].get<int32_t>());
  r.source.offset = covidflow::Offset(j["source_offset"].get<int64_t>());
  r.ingest_time_ms = j["ingest_time"];
  return r;
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
  std::fprintf(stderr,
               "usage: bench_lake write ROWS.jsonl OUT.parquet zstd|snappy|none REPEATS [THREADS]\n"
               "       bench_lake read FILE.parquet REPEATS\n");
  return 2;
}
