// The sampler over a real embedded log and registry: rates from offsets, dead letters by
// reason, the sentiment mix by event time and country (and its bucket bound), monitor events
// as drift and quality series, the model timeline.
#include "web/sampler.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/testing/temp_dir.h"
#include "log/open.h"
#include "registry/embedded.h"
#include "schema/codec.h"

namespace covidflow::web {
namespace {

using nlohmann::json;

class SamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = log::OpenFileLog(dir_.Sub("log"));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    for (const char* t : {"tweets.raw", "tweets.enriched", "tweets.dlq", "monitor.events"}) {
      ASSERT_TRUE(log_->CreateTopic(t, 2).ok());
    }
    auto producer = log_->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok());
    producer_ = std::move(*producer);
  }

  void Send(const std::string& topic, const std::string& value, int n = 1) {
    for (int i = 0; i < n; ++i) {
      const std::string key = std::to_string(i);  // OutRecord holds views: the key must outlive it
      log::OutRecord r;
      r.key = key;
      r.value = value;
      ASSERT_TRUE(producer_->Send(topic, r).ok());
    }
    ASSERT_TRUE(producer_->Flush().ok());
  }

  void SendTweet(int64_t seconds, schema::Sentiment::Label label, const std::string& country) {
    schema::EnrichedTweet t;
    t.tweet.date.seconds = seconds;
    t.tweet.text = "x";
    t.sentiment.label = label;
    t.location.country = country;
    std::string out;
    schema::AppendEnrichedJson(out, t);
    Send("tweets.enriched", out);
  }

  void SendDeadLetter(schema::Reason reason, int n) {
    schema::DeadLetter d;
    d.raw = "bad";
    d.reason = reason;
    std::string out;
    schema::AppendDeadLetterJson(out, d);
    Send("tweets.dlq", out, n);
  }

  std::unique_ptr<Sampler> Make(SamplerOptions options = {}, registry::Registry* reg = nullptr) {
    auto s = Sampler::Create(log_.get(), reg, Topics{}, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  static json Doc(const Sampler& s, Document d) { return json::parse(*s.Json(d)); }

  testing::TempDir dir_{"web_sampler"};
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<log::Producer> producer_;
};

json SeriesNamed(const json& doc, const std::string& name) {
  for (const json& s : doc["series"]) {
    if (s["name"] == name) return s["values"];
  }
  ADD_FAILURE() << "no series " << name << " in " << doc.dump();
  return json::array();
}

TEST_F(SamplerTest, RatesComeFromOffsetsBetweenTwoSamples) {
  auto s = Make();
  ASSERT_TRUE(s->Sample(10'000).ok());
  EXPECT_TRUE(Doc(*s, Document::kThroughput)["x"].empty()) << "one sample has no rate";
  Send("tweets.raw", "r", 40);
  SendDeadLetter(schema::Reason::kBadTimestamp, 3);
  SendTweet(1'595'656'800, schema::Sentiment::Label::kPositive, "US");
  ASSERT_TRUE(s->Sample(12'000).ok());  // two seconds later
  const json doc = Doc(*s, Document::kThroughput);
  ASSERT_EQ(doc["x"].size(), 1u);
  EXPECT_DOUBLE_EQ(doc["x"][0].get<double>(), 12.0);
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "ingested")[0].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "dead_lettered")[0].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "enriched")[0].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "consumed")[0].get<double>(), 0.0);
  // Nothing committed by the processor group: all 40 wait.
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "lag")[0].get<double>(), 40.0);
  EXPECT_EQ(doc["totals"]["ingested"], 40);
  EXPECT_EQ(doc["totals"]["lag"], 40);
}

TEST_F(SamplerTest, TheRingKeepsTheLastHistoryPoints) {
  SamplerOptions o;
  o.history = 3;
  auto s = Make(o);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(s->Sample(1000 * (i + 1)).ok());
  const json doc = Doc(*s, Document::kThroughput);
  ASSERT_EQ(doc["x"].size(), 3u);
  EXPECT_DOUBLE_EQ(doc["x"][2].get<double>(), 10.0);
  EXPECT_EQ(Doc(*s, Document::kDeadLetters)["x"].size(), 0u) << "no reason yet, no series";
}

TEST_F(SamplerTest, DeadLettersAreCountedByReasonOverTime) {
  auto s = Make();
  SendDeadLetter(schema::Reason::kBadTimestamp, 2);
  ASSERT_TRUE(s->Sample(1000).ok());
  SendDeadLetter(schema::Reason::kMalformedCsv, 5);
  SendDeadLetter(schema::Reason::kBadTimestamp, 1);
  Send("tweets.dlq", "not a dead letter");
  ASSERT_TRUE(s->Sample(2000).ok());
  const json doc = Doc(*s, Document::kDeadLetters);
  EXPECT_EQ(doc["totals"]["bad_timestamp"], 3);
  EXPECT_EQ(doc["totals"]["malformed_csv"], 5);
  EXPECT_EQ(doc["undecodable"], 1);
  EXPECT_EQ(SeriesNamed(doc, "bad_timestamp"), json({2, 3}));
  EXPECT_EQ(SeriesNamed(doc, "malformed_csv"), json({nullptr, 5}));
}

TEST_F(SamplerTest, SentimentMixPerEventTimeBucketAndCountry) {
  auto s = Make();
  using L = schema::Sentiment::Label;
  const int64_t t0 = 1'595'656'800;  // a whole minute
  SendTweet(t0 + 1, L::kPositive, "US");
  SendTweet(t0 + 2, L::kNegative, "US");
  SendTweet(t0 + 3, L::kNegative, "US");
  SendTweet(t0 + 61, L::kNeutral, "IN");
  SendTweet(t0 + 62, L::kNeutral, "");
  ASSERT_TRUE(s->Sample(1000).ok());
  const json doc = Doc(*s, Document::kSentiment);
  EXPECT_EQ(doc["bucket_seconds"], 60);
  EXPECT_EQ(doc["x"], json({t0, t0 + 60}));
  EXPECT_NEAR(SeriesNamed(doc, "negative")[0].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(SeriesNamed(doc, "positive")[0].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "neutral")[1].get<double>(), 1.0);
  const json& c = doc["by_country"];
  EXPECT_EQ(c["countries"], json({"US", "IN"})) << "most tweets first; unresolved left out";
  EXPECT_EQ(c["rows"], json({3, 1}));
  EXPECT_NEAR(SeriesNamed(c, "negative")[0].get<double>(), 2.0 / 3, 1e-12);
}

TEST_F(SamplerTest, SentimentBucketsMergeToStayBounded) {
  SamplerOptions o;
  o.max_buckets = 4;
  auto s = Make(o);
  const int64_t t0 = 1'595'656'800;
  for (int i = 0; i < 10; ++i) SendTweet(t0 + 60 * i, schema::Sentiment::Label::kPositive, "");
  ASSERT_TRUE(s->Sample(1000).ok());
  const json doc = Doc(*s, Document::kSentiment);
  EXPECT_LE(doc["x"].size(), 4u);
  EXPECT_EQ(doc["bucket_seconds"], 240) << "60 → 120 → 240 s until 10 minutes fit in 4";
  EXPECT_EQ(doc["x"][0].get<int64_t>() % 240, 0);
}

TEST_F(SamplerTest, MonitorEventsBecomeDriftAndQualitySeries) {
  auto s = Make();
  Send("monitor.events",
       R"({"v":1,"kind":"drift","window_start_ms":3600000,"window_end_ms":7200000,)"
       R"("dataset_drift":true,"columns":[{"column":"sentiment_label","score":0.3,"psi":0.4,)"
       R"("drifted":true},{"column":"text_length","score":0.02,"drifted":false}]})");
  Send("monitor.events",
       R"({"v":1,"type":"quality_below_threshold","model":"m","version":"4",)"
       R"("window_start_ms":3600000,"window_end_ms":7200000,"metric":"accuracy","value":0.83,)"
       R"("threshold":0.9,"rows":54})");
  Send("monitor.events", "not json");
  ASSERT_TRUE(s->Sample(1000).ok());
  const json drift = Doc(*s, Document::kDrift);
  EXPECT_EQ(drift["x"], json({3600.0}));
  EXPECT_DOUBLE_EQ(SeriesNamed(drift, "sentiment_label")[0].get<double>(), 0.4) << "PSI first";
  EXPECT_DOUBLE_EQ(SeriesNamed(drift, "text_length")[0].get<double>(), 0.02);
  EXPECT_EQ(drift["windows"][0]["drifted_columns"], json({"sentiment_label"}));
  const json quality = Doc(*s, Document::kQuality);
  EXPECT_DOUBLE_EQ(SeriesNamed(quality, "m/4 accuracy")[0].get<double>(), 0.83);
  EXPECT_EQ(quality["events"].size(), 1u);
}

TEST_F(SamplerTest, ModelsShowVersionsMetricsAndTheAuditTrail) {
  auto reg = registry::OpenEmbeddedRegistry(
      {.database = dir_.Sub("registry/registry.db"), .artifact_dir = dir_.Sub("registry/a")});
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  const std::string artifact = dir_.Sub("artifact");
  std::filesystem::create_directories(artifact);
  std::ofstream(artifact + "/model.bin") << "m";
  auto run = (*reg)->CreateRun({"exp", "r1", 0, {}});
  ASSERT_TRUE(run.ok());
  registry::RunData data;
  data.metrics = {{"validation_macro_recall", 0.7, 0, 1000}, {"seconds_fit", 3, 0, 1000}};
  ASSERT_TRUE((*reg)->LogRunData(run->id, data).ok());
  const registry::Change change{"tester", "first"};
  ASSERT_TRUE((*reg)->RegisterVersion({"m", run->id, artifact, "", {}}, change).ok());
  ASSERT_TRUE((*reg)->SetAlias("m", "champion", 1, change).ok());
  auto s = Make({}, reg->get());
  ASSERT_TRUE(s->Sample(1000).ok());
  const json doc = Doc(*s, Document::kModels);
  ASSERT_EQ(doc["models"].size(), 1u);
  const json& m = doc["models"][0];
  EXPECT_EQ(m["aliases"]["champion"], 1);
  EXPECT_DOUBLE_EQ(m["versions"][0]["metrics"]["validation_macro_recall"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(m["versions"][0]["metrics"]["seconds_fit"].get<double>(), 3);
  std::vector<std::string> actions;
  for (const json& a : m["audit"]) actions.push_back(a["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"create_model", "register_version", "set_alias"}));
  EXPECT_DOUBLE_EQ(SeriesNamed(doc, "m validation_macro_recall")[0].get<double>(), 0.7);
  EXPECT_EQ(doc["series"].size(), 1u) << "timings are not charted";
}

TEST(SamplerCreate, NeedsALog) {
  EXPECT_EQ(Sampler::Create(nullptr, nullptr, Topics{}, {}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::web
