// up's retraining loop on a real lake and the embedded registry: the model a loop run trains
// carries its training reference, as `train` saves it (the held-out rows of the lake window,
// with the user fields the stream shows), and up's stream monitor compares with it through the
// champion alias; a champion without one is watched against lake rows instead.
#include "app/up.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/monitor.h"
#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "lake/sink.h"
#include "model/artifact.h"
#include "registry/registry.h"
#include "serve/prediction_log.h"
#include "train/trainer.h"

namespace covidflow::app {
namespace {

constexpr int kRows = 300;
constexpr int64_t kStart = 1609718400;  // 2021-01-04 00:00:00 UTC

class UpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sink = lake::LakeSink::Open(lake_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    const char* pos[] = {"love this", "great day", "so happy", "wonderful", "best ever"};
    const char* neg[] = {"hate this", "awful day", "so sad", "terrible", "worst ever"};
    for (int i = 0; i < kRows; ++i) {
      schema::EnrichedTweet t;
      const bool positive = i % 3 != 0;
      t.tweet.text = std::string(positive ? pos[i % 5] : neg[i % 5]) + " " + std::to_string(i);
      t.tweet.date.seconds = kStart + i * 60;
      t.tweet.user_location = i % 2 == 0 ? "London, UK" : "";
      t.location.country = i % 2 == 0 ? "GB" : "";  // as the processor resolves it
      t.tweet.user_followers = 1000 + i;            // the row's own number: which rows were drawn
      t.tweet.user_friends = i % 7;
      t.tweet.user_verified = i % 5 == 0;
      t.tweet.is_retweet = i % 4 == 0;
      t.sentiment.label =
          positive ? schema::Sentiment::Label::kPositive : schema::Sentiment::Label::kNegative;
      (*sink)->Append(std::move(t));
    }
    ASSERT_TRUE((*sink)->Commit().ok());

    const std::string spec = dir_.Sub("spec.yaml");
    ASSERT_TRUE(ReplaceFileAtomically(
                    spec,
                    "name: loop-tiny\ntask: binary\nseed: 5\nlabel: sentiment\n"
                    "features: [{name: words, kind: text, column: text, min_df: 1, hash_bits: "
                    "12}]\nmodel: {family: linear}\nsplit: {by: files, train: a.csv, validation: "
                    "b.csv}\npromotion: 'accuracy on validation >= champion'\n",
                    spec + ".tmp")
                    .ok());
    s_.cli.home = home_;
    s_.loop.spec = spec;
    s_.loop.window_rows = 250;
    s_.loop.holdout = 0.2;
    s_.loop.options.model = "tweets";
    s_.loop.options.alias = "champion";
  }

  // Registers the artifact in `dir` as the next version of the loop's model, made champion.
  int64_t Promote(const std::string& dir) {
    auto reg = OpenRegistry(s_.registry.uri, s_.cli);
    EXPECT_TRUE(reg.ok()) << reg.status().ToString();
    if (!reg.ok()) return 0;
    registry::NewVersion nv;
    nv.model = "tweets";
    nv.artifact_dir = dir;
    const registry::Change change{"up-test", "a loop run"};
    Result<registry::ModelVersion> v = (*reg)->RegisterVersion(nv, change);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (!v.ok()) return 0;
    EXPECT_TRUE((*reg)->SetAlias("tweets", "champion", v->version, change).ok());
    return v->version;
  }

  testing::TempDir dir_{"cf_app_up"};
  std::string lake_ = dir_.Sub("lake");
  std::string home_ = dir_.Sub("home");
  Settings s_;
};

// The loop retrains classifiers only: a regression spec is refused before anything starts,
// naming the spec and why.
TEST_F(UpTest, ARegressionSpecIsRefusedBeforeTheLoopStarts) {
  const std::string spec = dir_.Sub("regression.yaml");
  ASSERT_TRUE(ReplaceFileAtomically(
                  spec,
                  "name: loop-values\ntask: regression\nseed: 5\nlabel: user_followers\n"
                  "features: [{name: words, kind: text, column: text, min_df: 1, hash_bits: "
                  "12}]\nmodel: {family: linear}\nsplit: {by: files, train: a.csv, validation: "
                  "b.csv}\n",
                  spec + ".tmp")
                  .ok());
  s_.loop.spec = spec;
  std::atomic<bool> stop{true};
  const Status st = RunUp(s_, stop, [](const std::string&) {});
  ASSERT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("regression.yaml is a regression spec"), std::string::npos)
      << st.message();
  EXPECT_FALSE(PathExists(home_ + "/loop"));  // nothing started
}

TEST_F(UpTest, ALoopRunsModelCarriesItsTrainingReferenceAndTheMonitorFollowsTheChampion) {
  Result<LakeWindowTraining> run = TrainLakeWindow(s_, lake_, dir_.Sub("run-1"));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->window_rows, 250u);  // the newest 250 of 300
  EXPECT_EQ(run->holdout_rows, 50u);

  // Recorded as `train --registry` records: a FINISHED run with the spec's params, the metrics
  // and the model directory as its artifact "model", which a version is then made from.
  ASSERT_FALSE(run->run_id.empty());
  {
    auto reg = OpenRegistry(s_.registry.uri, s_.cli);
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    Result<registry::Run> recorded = (*reg)->GetRun(run->run_id);
    ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
    EXPECT_EQ(recorded->status, registry::RunStatus::kFinished);
    EXPECT_EQ(recorded->params.at("model.family"), "linear");
    EXPECT_EQ(recorded->tags.at("covidflow.spec_name"), "loop-tiny");
    bool has_accuracy = false;
    for (const registry::Metric& m : recorded->metrics)
      has_accuracy |= m.key == "validation_accuracy";
    EXPECT_TRUE(has_accuracy);
    testing::TempDir copy{"cf_app_up_run"};
    ASSERT_TRUE(
        (*reg)->DownloadRunArtifacts(run->run_id, registry::kRunModelArtifact, copy.path()).ok());
    EXPECT_TRUE(model::LoadModel(copy.path()).ok());  // the run's copy is a whole model
  }
  Result<model::Model> m = model::LoadModel(run->report.model_dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->record["reference"]["split"], "validation");
  EXPECT_EQ(m->record["reference"]["rows"], 50);

  // The reference is the held-out rows (the newest 50), enriched as the stream is, with the
  // user fields the lake holds: the monitor watches the same columns on both sides.
  Result<monitor::Table> ref = ReadModelReference(run->report.model_dir);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->rows, 50u);
  std::vector<std::string> names;
  for (const monitor::TableColumn& c : ref->columns) names.push_back(c.name);
  for (const char* want :
       {"sentiment_compound", "sentiment_label", "country", "location_confidence", "user_followers",
        "user_friends", "user_verified", "is_retweet", "model_label", "model_confidence",
        "text_length", "model_oov_rate"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  std::vector<double> followers = ref->Find("user_followers")->numbers;
  std::sort(followers.begin(), followers.end());
  for (size_t k = 0; k < followers.size(); ++k) {
    EXPECT_EQ(followers[k], 1000.0 + kRows - 50 + static_cast<double>(k));
  }
  int in_uk = 0;
  for (size_t r = 0; r < ref->rows; ++r) in_uk += ref->Find("country")->strings[r] == "GB";
  EXPECT_EQ(in_uk, 25);  // every other row says London, UK

  // Registered and promoted as the loop does it: up's monitor compares with the champion's
  // training reference through the alias (so it follows the next promotion).
  ASSERT_EQ(Promote(run->report.model_dir), 1);
  Result<std::string> watched = UpMonitorReference(s_, lake_, home_, 1);
  ASSERT_TRUE(watched.ok()) << watched.status().ToString();
  EXPECT_EQ(*watched, "model:tweets@champion");
  Result<ReferenceSample> read = ReadReference(s_, *watched);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->name, "model:tweets/1");
  EXPECT_EQ(read->table.rows, 50u);

  // monitor drift of the lake against it compares the user columns too, not only the text's.
  s_.monitor.reference = *watched;
  s_.monitor.current = "lake:" + lake_;
  Result<DriftRun> drift = RunDrift(s_);
  ASSERT_TRUE(drift.ok()) << drift.status().ToString();
  std::vector<std::string> compared;
  for (const monitor::ColumnDrift& c : drift->drift.columns) compared.push_back(c.column);
  for (const char* want : {"country", "user_followers", "user_verified", "sentiment_label"}) {
    EXPECT_NE(std::find(compared.begin(), compared.end(), want), compared.end()) << want;
  }

  // A setting wins over the champion.
  EXPECT_EQ(*UpMonitorReference(s_, lake_, home_, 1), "model:tweets@champion");
  s_.monitor.reference = "lake:" + lake_;
  EXPECT_EQ(*UpMonitorReference(s_, lake_, home_, 1), "lake:" + lake_);
  s_.monitor.reference.clear();

  // A champion trained without a reference (as before models carried one): lake rows, kept.
  train::TrainOptions old;
  old.out_dir = dir_.Sub("old");
  Result<train::Spec> spec = train::ReadSpec(s_.loop.spec);
  ASSERT_TRUE(spec.ok());
  spec->split.train_files = {dir_.Sub("run-1/train.csv")};
  spec->split.validation_files = {dir_.Sub("run-1/holdout.csv")};
  ASSERT_TRUE(train::Train(*spec, old).ok());
  ASSERT_EQ(Promote(old.out_dir), 2);
  Result<std::string> fallback = UpMonitorReference(s_, lake_, home_, 2);
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  EXPECT_EQ(*fallback, home_ + "/loop/reference-v2.jsonl");
  Result<monitor::Table> kept = monitor::ReadTable(*fallback);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->rows, 250u);
}

TEST_F(UpTest, TooFewLakeRowsAreRefusedBeforeTraining) {
  s_.loop.window_rows = 90;
  Result<LakeWindowTraining> run = TrainLakeWindow(s_, lake_, dir_.Sub("run-1"));
  EXPECT_EQ(run.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(run.status().message().find("90 rows"), std::string::npos) << run.status().ToString();
}

// Live quality as up computes it: the stream's predictions (keyed by the tweet's source
// position, its request id) joined with the processor's VADER labels on the enriched topic.
TEST(UpLiveQualityTest, StreamPredictionsJoinTheEnrichedLabelsByPositionPerVersion) {
  monitor::QualityJoin join(monitor::QualityOptions{});
  auto predict = [&](int offset, std::string version, std::string label, int64_t t) {
    serve::PredictionRecord r;
    r.request_id = "tweets.raw/0/" + std::to_string(offset);
    r.model = "tweets";
    r.version = std::move(version);
    r.label = std::move(label);
    r.probabilities = {{"negative", 0.5}, {"positive", 0.5}};
    r.time_ms = t;
    join.AddPrediction(StreamKeyed(std::move(r)));
  };
  auto enriched = [](int offset, const char* label) {
    return std::string(R"({"text":"x","sentiment":{"compound":0.1,"label":")") + label +
           R"("},"source_position":{"topic":"tweets.raw","partition":0,"offset":)" +
           std::to_string(offset) + "}}";
  };
  for (int i = 0; i < 4; ++i) predict(i, "1", "positive", 1000 + i);  // v1: 3 of 4 right
  for (int i = 4; i < 6; ++i) predict(i, "2", "negative", 2000 + i);  // v2: 0 of 2 right
  predict(6, "2", "negative", 3000);                                  // never labelled
  serve::PredictionRecord server;  // the server's, without a tweet id: unlabelled
  server.request_id = "req-1";
  server.model = "tweets";
  server.version = "2";
  server.label = "positive";
  server.probabilities = {{"negative", 0.5}, {"positive", 0.5}};
  join.AddPrediction(StreamKeyed(server));
  const char* labels[] = {"negative", "positive", "positive", "positive", "positive", "positive"};
  for (int i = 0; i < 6; ++i) {
    auto label = EnrichedLabel(enriched(i, labels[i]), 5000);
    ASSERT_TRUE(label.ok()) << label.status().ToString();
    EXPECT_EQ(label->tweet_id, "tweets.raw/0/" + std::to_string(i));
    join.AddLabel(std::move(*label));
  }
  auto with_id = EnrichedLabel(R"({"extra":{"id":"1337"},"sentiment":{"label":"neutral"},)"
                               R"("source_position":{"topic":"t","partition":0,"offset":1}})",
                               0);
  ASSERT_TRUE(with_id.ok());
  EXPECT_EQ(with_id->tweet_id, "1337");  // a kept id column wins over the position
  EXPECT_FALSE(EnrichedLabel(R"({"sentiment":{"label":"neutral"}})", 0).ok());
  EXPECT_FALSE(EnrichedLabel("not json", 0).ok());

  const auto live = LiveQualityOf(join, 50);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_DOUBLE_EQ(live.at(1).value, 0.75);
  EXPECT_EQ(live.at(1).labelled, 4);
  EXPECT_DOUBLE_EQ(live.at(2).value, 0.0);
  EXPECT_EQ(live.at(2).labelled, 2);
  // Only the newest labelled predictions count: v1's newest two are both right.
  EXPECT_DOUBLE_EQ(LiveQualityOf(join, 2).at(1).value, 1.0);
}

}  // namespace
}  // namespace covidflow::app
