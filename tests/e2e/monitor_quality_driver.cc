// Driver for tests/e2e/test_monitor_quality_test.py: writes prediction records through the
// server's own writer (serve::PredictionLog) onto a topic of a log, so the monitor reads what
// the server writes. Usage: monitor_quality_driver LOG_URI TOPIC < records.jsonl, where each
// line is a record in the format of docs/formats/predictions.md. Exits 1 naming the line that
// is not a record, or when the writer dropped anything.
// With a third argument `raw`, each line is appended as it is, keyed by its tweet_id (a topic
// of delayed labels).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/app.h"
#include "serve/prediction_log.h"

namespace {

int WriteRaw(covidflow::log::Log& log, const std::string& topic) {
  using covidflow::Status;
  if (Status st = log.CreateTopic(topic, 2); !st.ok()) {
    std::fprintf(stderr, "create: %s\n", st.ToString().c_str());
    return 1;
  }
  auto producer = log.NewProducer(covidflow::log::ProducerOptions{});
  if (!producer.ok()) return 1;
  std::string line;
  while (std::getline(std::cin, line)) {
    // Keyed by tweet id, as a labeller would: one tweet's labels stay in order on one partition.
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    std::string key;
    if (j.is_object() && j.contains("tweet_id")) {
      key = j["tweet_id"].is_string() ? j["tweet_id"].get<std::string>() : j["tweet_id"].dump();
    }
    covidflow::log::OutRecord record;
    record.key = key;
    record.value = line;
    if (Status st = (*producer)->Send(topic, record); !st.ok()) {
      std::fprintf(stderr, "send: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  return (*producer)->Flush().ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace covidflow;
  const bool raw = argc == 4 && std::string(argv[3]) == "raw";
  if (argc != 3 && !raw) {
    std::fprintf(stderr, "usage: monitor_quality_driver LOG_URI TOPIC [raw] < records.jsonl\n");
    return 2;
  }
  auto log = app::OpenLog(argv[1], app::LogSettings{});
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  if (raw) return WriteRaw(**log, argv[2]);
  serve::PredictionLogOptions options;
  options.topic = argv[2];
  auto writer = serve::PredictionLog::Open(**log, options);
  if (!writer.ok()) {
    std::fprintf(stderr, "writer: %s\n", writer.status().ToString().c_str());
    return 1;
  }
  std::string line;
  int64_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    auto record = serve::DecodePrediction(line);
    if (!record.ok()) {
      std::fprintf(stderr, "line %lld: %s\n", static_cast<long long>(n),
                   record.status().ToString().c_str());
      return 1;
    }
    if (!(*writer)->Record(std::move(*record))) {
      std::fprintf(stderr, "line %lld: dropped\n", static_cast<long long>(n));
      return 1;
    }
  }
  if (Status st = (*writer)->Close(); !st.ok()) {
    std::fprintf(stderr, "close: %s\n", st.ToString().c_str());
    return 1;
  }
  const serve::PredictionLogCounts counts = (*writer)->Counts();
  std::printf("{\"written\": %lld}\n", static_cast<long long>(counts.written));
  return counts.written == n ? 0 : 1;
}
