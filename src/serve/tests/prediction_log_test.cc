#include "serve/prediction_log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "base/failpoint.h"
#include "base/testing/deadline.h"
#include "base/testing/temp_dir.h"
#include "log/open.h"
#include "metrics/registry.h"
#include "serve/tests/test_model.h"

namespace covidflow::serve {
namespace {

PredictionRecord Sample(int i) {
  PredictionRecord r;
  r.request_id = "req-" + std::to_string(i);
  r.row = i % 3;
  if (i % 2 == 0) r.tweet_id = std::to_string(1000 + i);
  r.input_digest = InputDigest("text " + std::to_string(i));
  r.model = "tweet-sentiment";
  r.version = "3";
  r.role = i % 4 == 0 ? Role::kShadow : Role::kChampion;
  r.label = "positive";
  r.probabilities = {{"negative", 0.125}, {"positive", 0.875 - i * 1e-9}};
  r.latency_seconds = 0.000321;
  r.time_ms = 1765000000000 + i;
  return r;
}

void ExpectSame(const PredictionRecord& a, const PredictionRecord& b) {
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.row, b.row);
  EXPECT_EQ(a.tweet_id, b.tweet_id);
  EXPECT_EQ(a.input_digest, b.input_digest);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.role, b.role);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.probabilities, b.probabilities);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.latency_seconds, b.latency_seconds);
  EXPECT_EQ(a.time_ms, b.time_ms);
}

// Every record on partition 0 of `topic`, decoded, read until `expected` arrived or the
// (stretchable) deadline passed.
std::vector<PredictionRecord> ReadAll(log::Log& log, const std::string& topic, size_t expected) {
  auto consumer = log.NewConsumer({});
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  EXPECT_TRUE((*consumer)->Assign({{{topic, PartitionId(0)}, Offset(0)}}).ok());
  std::vector<PredictionRecord> out;
  const auto deadline = testing::Deadline(10);
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(50));
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    if (!polled.ok()) break;
    for (const auto& rec : *polled) {
      auto decoded = DecodePrediction(rec.value);
      EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
      if (decoded.ok()) out.push_back(std::move(*decoded));
    }
  }
  return out;
}

TEST(PredictionRecordTest, EncodesOneJsonLineThatDecodesBack) {
  for (int i = 0; i < 4; ++i) {
    const PredictionRecord r = Sample(i);
    const std::string line = EncodePrediction(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto back = DecodePrediction(line);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ExpectSame(r, *back);
  }
}

TEST(PredictionRecordTest, ARegressionRecordCarriesItsValue) {
  PredictionRecord r = Sample(0);
  r.label.clear();
  r.probabilities.clear();
  r.value = 2.0794415416798357;  // log1p(7)
  const std::string line = EncodePrediction(r);
  EXPECT_NE(line.find(R"("probabilities":{},"value":2.0794415416798357,)"), std::string::npos)
      << line;
  Result<PredictionRecord> back = DecodePrediction(line);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(back->value.has_value());
  EXPECT_EQ(*back->value, *r.value);
  EXPECT_TRUE(back->probabilities.empty());
  // A classifier's record has none; a value that is not a number is refused by name.
  EXPECT_EQ(EncodePrediction(Sample(1)).find("\"value\""), std::string::npos);
  EXPECT_FALSE(DecodePrediction(EncodePrediction(Sample(1)))->value.has_value());
  std::string bad = line;
  bad.replace(bad.find("2.0794415416798357"), 18, "\"x\"");
  Result<PredictionRecord> refused = DecodePrediction(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("value"), std::string::npos);
}

TEST(PredictionRecordTest, TextNeedingEscapesRoundTrips) {
  PredictionRecord r = Sample(0);
  r.request_id = "a\"b\\c\nd";
  r.probabilities = {{"très \"bien\"", 1.0}};
  auto back = DecodePrediction(EncodePrediction(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(r, *back);
}

TEST(PredictionRecordTest, TheDocumentedExampleDecodes) {
  // The example line of docs/formats/predictions.md.
  auto r = DecodePrediction(
      R"({"v":1,"request_id":"7f3c","row":0,"tweet_id":"1250000000000000001",)"
      R"("input_digest":"1a2b3c4d","model":"tweet-sentiment","version":"3","role":"canary",)"
      R"("label":"positive","probabilities":{"negative":0.08,"neutral":0.17,"positive":0.75},)"
      R"("latency_seconds":0.00042,"time_ms":1765094400000})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->role, Role::kCanary);
  EXPECT_EQ(r->input_digest, 0x1a2b3c4du);
  ASSERT_EQ(r->probabilities.size(), 3u);
  EXPECT_EQ(r->probabilities[1].first, "neutral");  // the model's class order is kept
}

TEST(PredictionRecordTest, BadLinesNameTheField) {
  const std::string good = EncodePrediction(Sample(1));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  struct Case {
    std::string line;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"not json", "JSON"},
      {"[1]", "JSON"},
      {with("\"v\":1", "\"v\":2"), "'v'"},
      {with("\"role\":\"champion\"", "\"role\":\"boss\""), "boss"},
      {with("\"row\":1", "\"row\":\"1\""), "'row'"},
      {with("\"model\":", "\"modelx\":"), "'model'"},
      {with("\"input_digest\":\"", "\"input_digest\":\"zz"), "'input_digest'"},
      {with("\"negative\":0.125", "\"negative\":\"x\""), "'probabilities'"},
  };
  for (const auto& c : cases) {
    auto r = DecodePrediction(c.line);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.field), std::string::npos) << r.status().message();
  }
}

TEST(PredictionRecordTest, DigestTellsInputsApart) {
  EXPECT_EQ(InputDigest("same row"), InputDigest("same row"));
  EXPECT_NE(InputDigest("same row"), InputDigest("same row."));
}

TEST(PredictionLogTest, RecordsFromManyThreadsReachTheTopic) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  metrics::Registry metrics;
  PredictionLogOptions options;
  options.flush_interval = std::chrono::milliseconds(5);
  auto plog = PredictionLog::Open(**log, options, &metrics);
  ASSERT_TRUE(plog.ok()) << plog.status().ToString();

  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) EXPECT_TRUE((*plog)->Record(Sample(t * kEach + i)));
    });
  }
  for (auto& t : threads) t.join();
  // Read while the writer runs: records arrive without Close.
  auto read = ReadAll(**log, "predictions", kThreads * kEach);
  ASSERT_TRUE((*plog)->Close().ok());
  ASSERT_EQ(read.size(), size_t{kThreads * kEach});
  std::vector<bool> seen(kThreads * kEach);
  for (const auto& r : read) {
    const int i = std::stoi(r.request_id.substr(4));
    ASSERT_FALSE(seen[i]) << "twice: " << i;
    seen[i] = true;
    ExpectSame(Sample(i), r);
  }
  const auto counts = (*plog)->Counts();
  EXPECT_EQ(counts.queued, kThreads * kEach);
  EXPECT_EQ(counts.written, kThreads * kEach);
  EXPECT_EQ(counts.dropped_queue_full, 0);
  EXPECT_NE(metrics.Exposition().find("covidflow_predictions_logged_total 2000"),
            std::string::npos);
}

TEST(PredictionLogTest, AFullQueueDropsAndCounts) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  metrics::Registry metrics;
  PredictionLogOptions options;
  options.queue_capacity = 10;
  // The writer sleeps through the test, so the queue fills: only Close writes it.
  options.flush_interval = std::chrono::hours(1);
  auto plog = PredictionLog::Open(**log, options, &metrics);
  ASSERT_TRUE(plog.ok());
  int accepted = 0;
  for (int i = 0; i < 25; ++i) accepted += (*plog)->Record(Sample(i)) ? 1 : 0;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ((*plog)->Counts().dropped_queue_full, 15);
  EXPECT_NE(
      metrics.Exposition().find("covidflow_predictions_dropped_total{reason=\"queue_full\"} 15"),
      std::string::npos)
      << metrics.Exposition();
  ASSERT_TRUE((*plog)->Close().ok());
  // The first ten were kept, in order.
  auto read = ReadAll(**log, "predictions", 10);
  ASSERT_EQ(read.size(), 10u);
  for (int i = 0; i < 10; ++i) ExpectSame(Sample(i), read[i]);
}

TEST(PredictionLogTest, RecordAllQueuesWhatFitsAndCountsTheRest) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  metrics::Registry metrics;
  PredictionLogOptions options;
  options.queue_capacity = 10;
  options.flush_interval = std::chrono::hours(1);  // only Close writes
  auto plog = PredictionLog::Open(**log, options, &metrics);
  ASSERT_TRUE(plog.ok());
  std::vector<PredictionRecord> first, second;
  for (int i = 0; i < 6; ++i) first.push_back(Sample(i));
  for (int i = 6; i < 12; ++i) second.push_back(Sample(i));
  EXPECT_EQ((*plog)->RecordAll(std::move(first)), 6u);
  EXPECT_EQ((*plog)->RecordAll(std::move(second)), 4u);  // 4 fit, 2 dropped
  EXPECT_EQ((*plog)->Counts().queued, 10);
  EXPECT_EQ((*plog)->Counts().dropped_queue_full, 2);
  EXPECT_NE(
      metrics.Exposition().find("covidflow_predictions_dropped_total{reason=\"queue_full\"} 2"),
      std::string::npos);
  ASSERT_TRUE((*plog)->Close().ok());
  EXPECT_EQ((*plog)->RecordAll({Sample(20)}), 0u);  // closed
  auto read = ReadAll(**log, "predictions", 10);
  ASSERT_EQ(read.size(), 10u);
  for (int i = 0; i < 10; ++i) ExpectSame(Sample(i), read[i]);
}

TEST(PredictionLogTest, CloseFlushesWhatIsQueued) {
  testing::TempDir dir;
  {
    auto log = log::OpenFileLog(dir.Sub("log"));
    ASSERT_TRUE(log.ok());
    PredictionLogOptions options;
    options.flush_interval = std::chrono::hours(1);
    options.producer.fsync = log::FsyncPolicy::kEveryFlush;
    auto plog = PredictionLog::Open(**log, options);
    ASSERT_TRUE(plog.ok());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE((*plog)->Record(Sample(i)));
    EXPECT_EQ((*plog)->Counts().written, 0);  // nothing written before Close
    ASSERT_TRUE((*plog)->Close().ok());
    EXPECT_EQ((*plog)->Counts().written, 100);
    EXPECT_FALSE((*plog)->Record(Sample(100)));  // closed
    EXPECT_TRUE((*plog)->Close().ok());          // idempotent
  }
  // A fresh open of the log (as a monitor would, after the server stopped) reads them all.
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(ReadAll(**log, "predictions", 100).size(), 100u);
}

TEST(PredictionLogTest, TheDestructorFlushesToo) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  {
    PredictionLogOptions options;
    options.topic = "preds";
    options.flush_interval = std::chrono::hours(1);
    auto plog = PredictionLog::Open(**log, options);
    ASSERT_TRUE(plog.ok());
    for (int i = 0; i < 7; ++i) ASSERT_TRUE((*plog)->Record(Sample(i)));
  }
  EXPECT_EQ(ReadAll(**log, "preds", 7).size(), 7u);
}

TEST(PredictionLogTest, AFailedWriteDropsItsBatchCountsAndTheWriterGoesOn) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  metrics::Registry metrics;
  PredictionLogOptions options;
  options.flush_interval = std::chrono::milliseconds(5);
  auto plog = PredictionLog::Open(**log, options, &metrics);
  ASSERT_TRUE(plog.ok());
  failpoint::Arm("serve.prediction_log.before_flush", failpoint::Action::kError);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*plog)->Record(Sample(i)));
  const auto deadline = testing::Deadline(10);
  while ((*plog)->Counts().dropped_write_error < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*plog)->Counts().dropped_write_error, 3);
  for (int i = 3; i < 8; ++i) ASSERT_TRUE((*plog)->Record(Sample(i)));
  const Status closed = (*plog)->Close();
  EXPECT_EQ(closed.code(), StatusCode::kInternal);  // the first error, reported at Close
  EXPECT_EQ((*plog)->Counts().written, 5);
  EXPECT_NE(
      metrics.Exposition().find("covidflow_predictions_dropped_total{reason=\"write_error\"} 3"),
      std::string::npos);
  // The failed batch was sent before the flush failed: what a reader finds of it is no
  // promise, so only the later records are checked.
  auto read = testmodel::ReadPredictions(**log, "predictions");
  ASSERT_GE(read.size(), 5u);
  for (int i = 0; i < 5; ++i) ExpectSame(Sample(3 + i), read[read.size() - 5 + i]);
}

TEST(PredictionLogTest, BadOptionsAreRefused) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  PredictionLogOptions options;
  options.queue_capacity = 0;
  EXPECT_EQ(PredictionLog::Open(**log, options).status().code(), StatusCode::kInvalidArgument);
  options = {};
  options.topic = "";
  EXPECT_EQ(PredictionLog::Open(**log, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(PredictionLogTest, AnExistingTopicKeepsItsPartitions) {
  testing::TempDir dir;
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->CreateTopic("predictions", 3).ok());
  auto plog = PredictionLog::Open(**log, {});
  ASSERT_TRUE(plog.ok()) << plog.status().ToString();
  auto info = (*log)->DescribeTopic("predictions");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions.size(), 3u);
}

}  // namespace
}  // namespace covidflow::serve
