// app::StreamMonitor over a real embedded log and registry: the champion's training reference
// followed as the alias moves (later windows compare with the new version's reference, the
// events name it), drift gauges of a column a later window leaves out read NaN, and a
// prediction topic that does not exist yet is waited for, not refused; a partition without
// records holds the watermark back beside a live writer until monitor.idle_partition passes.
#include "app/monitor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/learn.h"
#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "schema/codec.h"
#include "serve/prediction_log.h"

namespace covidflow::app {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kStartMs = 1609718400000;  // 2021-01-04 00:00:00 UTC

class StreamMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_.cli.home = dir_.Sub("home");
    s_.train.spec = dir_.Sub("spec.yaml");
    s_.monitor.window = "1h";
    s_.monitor.lateness = "1ms";
    s_.monitor.group = "mon";
    s_.monitor.events_topic = "monitor.events";
    s_.monitor.exit_when_idle = true;
    s_.monitor.reference_poll = 0.001;
    log_uri_ = "file://" + dir_.Sub("log");
    s_.monitor.enriched = log_uri_ + "#tweets.enriched";
    auto log = OpenLog(log_uri_, s_.log);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    ASSERT_TRUE(log_->CreateTopic("tweets.enriched", 1).ok());
  }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub(name), bytes, dir_.Sub(name) + ".tmp").ok());
  }
  // Trains a version of "tweets" on `rows` pairs of training rows and `val` pairs of
  // validation rows and moves the champion alias to it.
  void TrainChampion(int val) {
    std::string train = "label,text\n";
    std::string valid = "label,text\n";
    const char* pos[] = {"love this", "great day :)", "so happy", "wonderful", "best ever"};
    const char* neg[] = {"hate this", "awful day :(", "so sad", "terrible", "worst ever"};
    for (int k = 0; k < 30 + val; ++k) {
      std::string& out = k < 30 ? train : valid;
      out += "pos," + std::string(pos[k % 5]) + " " + std::to_string(k) + "\n";
      out += "neg," + std::string(neg[k % 5]) + " " + std::to_string(k) + "\n";
    }
    Write("train.csv", train);
    Write("val.csv", valid);
    Write("spec.yaml",
          "name: tiny\ntask: binary\nseed: 3\nlabel: label\nfeatures: [{name: words, kind: text, "
          "column: text, min_df: 1, hash_bits: 12}]\nmodel: {family: linear}\n"
          "split: {by: files, train: train.csv, validation: val.csv}\n");
    Settings t = s_;
    t.train.register_model = "tweets";
    t.train.alias = "champion";
    Result<TrainRun> r = RunTrain(t);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // `n` enriched tweets an hour after `hour`'s start, scored by a model or not.
  void Produce(int hour, int n, bool scored, const std::string& topic = "tweets.enriched",
               int partition = -1) {
    auto producer = log_->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok());
    for (int i = 0; i < n; ++i) {
      schema::EnrichedTweet t;
      t.tweet.text = (i % 2 ? "so happy today " : "awful news again ") + std::to_string(i);
      t.tweet.date.seconds = (kStartMs + hour * kHourMs) / 1000 + i;
      t.sentiment.compound = i % 2 ? 0.6 : -0.5;
      t.sentiment.positive = i % 2 ? 0.5 : 0.0;
      t.sentiment.negative = i % 2 ? 0.0 : 0.4;
      t.sentiment.neutral = 1 - t.sentiment.positive - t.sentiment.negative;
      if (scored) {
        t.prediction.model = "tweets/1";
        t.prediction.label = i % 2 ? "pos" : "neg";
        t.prediction.confidence = 0.6 + 0.01 * (i % 30);
        t.prediction.probabilities = "{\"neg\":0.5,\"pos\":0.5}";
        t.prediction.oov_rate = 0.1 * (i % 5);
      }
      log::OutRecord record;
      std::string value;
      schema::AppendEnrichedJson(value, t);
      record.value = value;
      if (partition >= 0) record.partition = PartitionId(partition);
      ASSERT_TRUE((*producer)->Send(topic, record).ok());
    }
    ASSERT_TRUE((*producer)->Flush().ok());
  }
  std::vector<nlohmann::json> Events(const std::string& kind) {
    std::vector<nlohmann::json> out;
    EXPECT_TRUE(ForEachRecord(*log_, "monitor.events", [&](const log::InRecord& r) {
                  auto j = nlohmann::json::parse(r.value);
                  if (j["kind"] == kind) out.push_back(j);
                  return Status::Ok();
                }).ok());
    return out;
  }
  // The value of `series` in the registry's exposition ("" when absent).
  static std::string Sample(const metrics::Registry& r, const std::string& series) {
    const std::string text = r.Exposition();
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return "";
    const size_t from = at + series.size() + 2;
    return text.substr(from, text.find('\n', from) - from);
  }

  testing::TempDir dir_{"cf_app_monitor"};
  Settings s_;
  std::string log_uri_;
  std::unique_ptr<log::Log> log_;
};

TEST_F(StreamMonitorTest, FollowsTheChampionsTrainingReferenceAndBlanksColumnsLeftOut) {
  TrainChampion(10);  // version 1: a reference of 20 validation rows
  s_.monitor.reference = "model:tweets@champion";
  metrics::Registry registry;
  auto mon = StreamMonitor::Open(s_, registry);
  ASSERT_TRUE(mon.ok()) << mon.status().ToString();
  Produce(0, 40, /*scored=*/true);
  Produce(2, 1, true);  // closes hour 0
  ASSERT_TRUE((*mon)->Run().ok());
  std::vector<nlohmann::json> events = Events("drift");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["reference"], "model:tweets/1");
  int model_compared = 0;
  for (const auto& c : events[0]["columns"]) {
    EXPECT_EQ(c["reference_rows"], 20) << c.dump();
    model_compared += c["column"] == "model_confidence" || c["column"] == "model_oov_rate";
  }
  EXPECT_EQ(model_compared, 2) << events[0].dump();
  const std::string confidence = "covidflow_drift_score{column=\"model_confidence\"}";
  ASSERT_NE(Sample(registry, confidence), "");
  EXPECT_NE(Sample(registry, confidence), "NaN");
  EXPECT_EQ(Sample(registry, "covidflow_monitor_reference_version"), "1");

  TrainChampion(15);  // version 2 (30 validation rows) becomes the champion
  Produce(1, 39, /*scored=*/false);
  Produce(3, 1, false);  // closes hour 1
  ASSERT_TRUE((*mon)->Run().ok());
  events = Events("drift");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["reference"], "model:tweets/2");
  for (const auto& c : events[1]["columns"]) EXPECT_EQ(c["reference_rows"], 30) << c.dump();
  EXPECT_EQ((*mon)->stats().reference_swaps, 1);
  EXPECT_EQ(Sample(registry, "covidflow_monitor_reference_version"), "2");
  // No model scored hour 1: its columns are left out, and their gauges no longer show hour 0.
  EXPECT_EQ(events[1]["skipped_empty_columns"],
            (nlohmann::json{"model_label", "model_confidence", "model_oov_rate"}));
  EXPECT_EQ(Sample(registry, confidence), "NaN");
  EXPECT_NE(Sample(registry, "covidflow_drift_score{column=\"sentiment_compound\"}"), "NaN");
}

// Beside a live writer, an enriched partition that has no record yet may simply not have been
// reached: it holds the watermark back (no window closes on the other partition's records
// alone) until monitor.idle_partition passes without one.
TEST_F(StreamMonitorTest, AnEmptyPartitionHoldsTheWatermarkUntilItIsIdle) {
  ASSERT_TRUE(log_->CreateTopic("two.enriched", 2).ok());
  Produce(0, 40, /*scored=*/false, "two.enriched", /*partition=*/0);
  Produce(2, 1, false, "two.enriched", 0);  // past hour 0's end + lateness on partition 0
  Write("reference.csv", "sentiment_compound\n0.5\n-0.5\n0.6\n-0.4\n0.1\n");
  s_.monitor.reference = dir_.Sub("reference.csv");
  s_.monitor.columns = {"sentiment_compound"};
  s_.monitor.enriched = log_uri_ + "#two.enriched";
  s_.monitor.exit_when_idle = false;
  for (const char* idle : {"1h", "300ms"}) {
    SCOPED_TRACE(idle);
    s_.monitor.idle_partition = idle;
    s_.monitor.group = std::string("mon-") + idle;
    metrics::Registry registry;
    auto mon = StreamMonitor::Open(s_, registry);
    ASSERT_TRUE(mon.ok()) << mon.status().ToString();
    Status done;
    std::thread run([&] { done = (*mon)->Run(); });
    // Every record read (the windowed count), then 2 s more: with "1h" nothing closes.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while ((*mon)->stats().records < 41 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ((*mon)->stats().records, 41);
    if (std::string(idle) == "1h") {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      EXPECT_EQ((*mon)->stats().windows, 0);
    } else {
      while ((*mon)->stats().windows == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      EXPECT_EQ((*mon)->stats().windows, 1);
    }
    (*mon)->Stop();
    run.join();
    EXPECT_TRUE(done.ok()) << done.ToString();
  }
  std::vector<nlohmann::json> events = Events("drift");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["rows"], 40) << events[0].dump();
}

TEST_F(StreamMonitorTest, APredictionTopicThatDoesNotExistYetIsWaitedFor) {
  s_.monitor.predictions = log_uri_ + "#predictions";
  Write("labels.csv", "tweet_id,label\nt0,pos\nt1,neg\nt2,pos\n");
  s_.monitor.labels = dir_.Sub("labels.csv");
  s_.monitor.id_column = "tweet_id";
  s_.monitor.label_column = "label";
  metrics::Registry registry;
  auto mon = StreamMonitor::Open(s_, registry);
  ASSERT_TRUE(mon.ok()) << mon.status().ToString();
  ASSERT_TRUE((*mon)->Run().ok());  // nothing to read: returns, publishes nothing
  EXPECT_EQ((*mon)->stats().quality_windows, 0);

  // serve logs its first predictions: the topic appears and is read from its start.
  ASSERT_TRUE(log_->CreateTopic("predictions", 1).ok());
  auto producer = log_->NewProducer(log::ProducerOptions{});
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 4; ++i) {
    serve::PredictionRecord p;
    p.request_id = "r";
    p.row = i;
    p.tweet_id = "t" + std::to_string(i);
    p.model = "tweets";
    p.version = "1";
    p.label = i == 1 ? "neg" : "pos";
    p.probabilities = {{"neg", i == 1 ? 0.8 : 0.3}, {"pos", i == 1 ? 0.2 : 0.7}};
    p.time_ms = kStartMs + (i == 3 ? 2 * kHourMs : i * 1000);  // the last one closes hour 0
    const std::string line = serve::EncodePrediction(p);       // the record only views it
    log::OutRecord record;
    record.value = line;
    ASSERT_TRUE((*producer)->Send("predictions", record).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  ASSERT_TRUE((*mon)->Run().ok());
  EXPECT_EQ((*mon)->stats().quality_windows, 1) << registry.Exposition();
  EXPECT_EQ(Sample(registry, "covidflow_live_malformed_records"), "0");
  std::vector<nlohmann::json> events = Events("quality");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["joined"], 3);
  EXPECT_EQ(events[0]["accuracy"], 1.0);
}

}  // namespace
}  // namespace covidflow::app
