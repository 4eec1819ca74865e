// app::RunTrain against the embedded registry: the run it records (params, metrics per split,
// tags, lineage, the model as an artifact, FINISHED), the version and alias it registers with
// the actor and reason audited, a FAILED run when training refuses, and names refused before
// any run exists.
#include "app/learn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "app/app.h"
#include "app/monitor.h"
#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "enrich/vader.h"
#include "lake/sink.h"
#include "model/artifact.h"
#include "registry/registry.h"
#include "train/evaluate.h"
#include "train/trainer.h"

namespace covidflow::app {
namespace {

class LearnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string train = "label,text\n";
    std::string val = "label,text\n";
    const char* pos[] = {"love this", "great day :)", "so happy", "wonderful", "best ever"};
    const char* neg[] = {"hate this", "awful day :(", "so sad", "terrible", "worst ever"};
    for (int k = 0; k < 40; ++k) {
      std::string& out = k < 30 ? train : val;
      out += "pos," + std::string(pos[k % 5]) + " " + std::to_string(k) + "\n";
      out += "neg," + std::string(neg[k % 5]) + " " + std::to_string(k) + "\n";
    }
    Write("train.csv", train);
    Write("val.csv", val);
    WriteSpec("label");
    s_.cli.home = dir_.Sub("home");
    s_.train.spec = dir_.Sub("spec.yaml");
    s_.registry.actor = "trainer-bot";
    s_.registry.reason = "nightly retrain";
  }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub(name), bytes, dir_.Sub(name) + ".tmp").ok());
  }
  void WriteSpec(const std::string& label) {
    Write("spec.yaml", "name: tiny\ntask: binary\nseed: 3\nlabel: " + label +
                           "\nfeatures: [{name: words, kind: text, column: text, min_df: 1, "
                           "hash_bits: 12}]\nmodel: {family: linear, hyperparameters: {C: 2}}\n"
                           "split: {by: files, train: train.csv, validation: val.csv}\n");
  }
  std::unique_ptr<registry::Registry> Open() {
    auto reg = OpenRegistry(s_.registry.uri, s_.cli);
    EXPECT_TRUE(reg.ok()) << reg.status().ToString();
    return reg.ok() ? std::move(*reg) : nullptr;
  }

  testing::TempDir dir_{"cf_app_learn"};
  Settings s_;
};

TEST_F(LearnTest, RecordsTheRunInTheDefaultRegistry) {
  Result<TrainRun> r = RunTrain(s_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->record.experiment, "tiny");
  EXPECT_EQ(r->record.version, 0);
  // No --registry: the embedded one under the home.
  EXPECT_NE(r->record.registry.find(dir_.Sub("home/registry")), std::string::npos)
      << r->record.registry;

  auto reg = Open();
  ASSERT_NE(reg, nullptr);
  Result<registry::Run> run = reg->GetRun(r->record.run_id);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->status, registry::RunStatus::kFinished);
  EXPECT_GT(run->end_ms, 0);
  EXPECT_EQ(run->params.at("model.family"), "linear");
  EXPECT_EQ(run->params.at("model.C"), "2");
  EXPECT_EQ(run->params.at("feature.words.column"), "text");
  EXPECT_EQ(run->params.at("feature.words.hash_bits"), "12");
  EXPECT_EQ(run->params.at("split.by"), "files");
  // The metrics are training's own, per split.
  const train::SplitResult& val = r->report.splits.at(1);
  ASSERT_EQ(val.name, "validation");
  EXPECT_EQ(run->LatestMetric("validation_macro_recall"), val.metrics.macro_recall);
  EXPECT_EQ(run->LatestMetric("validation_accuracy"), val.metrics.accuracy);
  EXPECT_EQ(run->LatestMetric("validation_rows"), 20.0);
  EXPECT_EQ(run->LatestMetric("train_rows"), 60.0);
  EXPECT_TRUE(run->LatestMetric("train_log_loss").has_value());
  EXPECT_EQ(run->tags.at("covidflow.spec_hash"), run->lineage.at("spec.hash"));
  EXPECT_EQ(run->tags.at("covidflow.model_dir"), r->report.model_dir);
  EXPECT_EQ(run->lineage.at("split.train"), "60 rows");
  EXPECT_NE(run->lineage.at("input.0").find("train.csv"), std::string::npos);
  EXPECT_NE(run->lineage.at("input.1").find("crc32c"), std::string::npos);
  EXPECT_FALSE(run->lineage.at("code.version").empty());

  // The model is the run's artifact, loadable as it was written.
  const std::string copy = dir_.Sub("copy");
  ASSERT_TRUE(reg->DownloadRunArtifacts(run->id, "model", copy).ok());
  Result<model::Model> m = model::LoadModel(copy);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->classes, r->report.classes);
  // No version without --register.
  EXPECT_TRUE(reg->ListModels().value().empty());
}

TEST_F(LearnTest, RegistersAVersionAndMovesTheAliasAudited) {
  s_.train.register_model = "tweets";
  s_.train.alias = "challenger";
  s_.train.experiment = "nightly";
  Result<TrainRun> first = RunTrain(s_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<TrainRun> second = RunTrain(s_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(first->record.version, 1);
  EXPECT_EQ(second->record.version, 2);
  EXPECT_EQ(second->record.experiment, "nightly");

  auto reg = Open();
  ASSERT_NE(reg, nullptr);
  Result<registry::ModelVersion> v = reg->GetVersionByAlias("tweets", "challenger");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, 2);
  EXPECT_EQ(v->run_id, second->record.run_id);
  EXPECT_EQ(reg->GetRun(v->run_id)->status, registry::RunStatus::kFinished);

  // The version is the model plus MLflow's format: covidflow loads it, MLflow finds MLmodel.
  const std::string copy = dir_.Sub("v2");
  ASSERT_TRUE(reg->DownloadVersion("tweets", 2, copy).ok());
  EXPECT_TRUE(model::LoadModel(copy).ok());
  EXPECT_TRUE(PathExists(copy + "/MLmodel"));

  Result<std::vector<registry::AuditEntry>> audit = reg->Audit("tweets");
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  int registered = 0;
  int aliased = 0;
  for (const registry::AuditEntry& e : *audit) {
    EXPECT_EQ(e.actor, "trainer-bot") << e.action;
    EXPECT_EQ(e.reason, "nightly retrain") << e.action;
    registered += e.action == registry::kAuditRegisterVersion;
    aliased += e.action == registry::kAuditSetAlias;
  }
  EXPECT_EQ(registered, 2);
  EXPECT_EQ(aliased, 2);
}

TEST_F(LearnTest, ARefusedTrainingEndsTheRunFailed) {
  // Only one class is left after the mapping: training refuses after the run was created.
  WriteSpec("{column: label, mapping: {pos: yes, neg: yes}}");
  s_.train.register_model = "tweets";
  Result<TrainRun> r = RunTrain(s_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();

  auto reg = Open();
  ASSERT_NE(reg, nullptr);
  Result<std::vector<registry::Run>> runs = reg->ListRuns({"tiny", 10});
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().status, registry::RunStatus::kFailed);
  EXPECT_GT(runs->front().end_ms, 0);
  EXPECT_NE(reg->GetRun(runs->front().id)->tags.at("covidflow.error").find("yes"),
            std::string::npos);
  // Nothing was registered.
  EXPECT_EQ(reg->GetModel("tweets").status().code(), StatusCode::kNotFound);
}

TEST_F(LearnTest, BadNamesAreRefusedBeforeAnyRunExists) {
  s_.train.register_model = "../escape";
  Result<TrainRun> r = RunTrain(s_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("train.register"), std::string::npos)
      << r.status().ToString();

  s_.train.register_model = "";
  s_.train.alias = "champion";
  r = RunTrain(s_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--register"), std::string::npos) << r.status().ToString();

  s_.train.register_model = "tweets";
  s_.train.alias = "latest";
  r = RunTrain(s_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();

  // No registry was even created, let alone a run.
  EXPECT_FALSE(PathExists(dir_.Sub("home/registry")));
}

// The champion's training reference: saved in the artifact by every training, the rows the
// stream will be compared with, read back by monitor drift through model:/model-dir:.
TEST_F(LearnTest, SavesTheTrainingReferenceThatMonitorDriftReads) {
  s_.train.register_model = "tweets";
  s_.train.alias = "champion";
  Result<TrainRun> r = RunTrain(s_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Result<model::Model> m = model::LoadModel(r->report.model_dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->record["reference"]["split"], "validation");
  EXPECT_EQ(m->record["reference"]["rows"], 20);  // all of them: under the bound

  Result<monitor::Table> ref = ReadModelReference(r->report.model_dir);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  ASSERT_EQ(ref->rows, 20u);
  // What the rows can give: the text's figures and the model's answers, nothing defaulted.
  std::vector<std::string> names;
  for (const monitor::TableColumn& c : ref->columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"sentiment_positive", "sentiment_neutral",
                                             "sentiment_negative", "sentiment_compound",
                                             "sentiment_label", "model_label", "model_confidence",
                                             "text_length", "model_oov_rate"}));
  // Row by row: VADER on the validation text, the model's most probable class and its
  // probability on the same rows.
  Result<features::Table> val =
      features::ReadTable(dir_.Sub("val.csv"), features::FileFormat::kCsv);
  ASSERT_TRUE(val.ok()) << val.status().ToString();
  Result<std::vector<double>> p = m->PredictProba(*val);
  ASSERT_TRUE(p.ok());
  Result<std::vector<double>> oov = m->pipeline.OutOfVocabulary(*val);
  ASSERT_TRUE(oov.ok()) << oov.status().ToString();
  enrich::VaderEnricher vader;
  int positive = 0;
  int unknown_words = 0;
  for (size_t row = 0; row < 20; ++row) {
    const std::string& text = (*val->Column("text"))[row];
    EXPECT_EQ(ref->Find("sentiment_compound")->numbers[row], vader.Score(text).compound) << text;
    EXPECT_EQ(ref->Find("text_length")->numbers[row], static_cast<double>(text.size()));
    const double p0 = (*p)[2 * row];
    const double p1 = (*p)[2 * row + 1];
    EXPECT_EQ(ref->Find("model_label")->strings[row], m->classes[p1 > p0 ? 1 : 0]);
    EXPECT_EQ(ref->Find("model_confidence")->numbers[row], std::max(p0, p1));
    // The same rate ModelStep gives the stream; the validation rows' numbers (" 30" to " 39")
    // were never training words.
    EXPECT_EQ(ref->Find("model_oov_rate")->numbers[row], (*oov)[row]) << text;
    unknown_words += (*oov)[row] > 0;
    positive += ref->Find("model_label")->strings[row] == "pos";
  }
  EXPECT_GT(positive, 0);
  EXPECT_LT(positive, 20);
  EXPECT_GT(unknown_words, 10);

  // monitor drift against the registry's champion and against the directory: the same sample.
  const std::string current = dir_.Sub("current.jsonl");
  Write("current.jsonl", monitor::TableJsonLines(*ref));
  s_.monitor.current = current;
  for (const std::string& src :
       std::vector<std::string>{"model:tweets@champion", "model-dir:" + r->report.model_dir}) {
    s_.monitor.reference = src;
    Result<DriftRun> drift = RunDrift(s_);
    ASSERT_TRUE(drift.ok()) << src << ": " << drift.status().ToString();
    EXPECT_EQ(drift->reference_rows, 20u);
    EXPECT_FALSE(drift->drift.dataset_drift) << src;
    EXPECT_EQ(drift->drift.columns.size(), 9u) << src;
  }
  Result<ReferenceSample> named = ReadReference(s_, "model:tweets@champion");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->name, "model:tweets/1");
  EXPECT_EQ(ReadReference(s_, "model:tweets@nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadReference(s_, "model:").status().code(), StatusCode::kInvalidArgument);

  // An artifact trained without a reference (as before it existed) loads, and says what is
  // missing when asked for one.
  train::TrainOptions old;
  old.out_dir = dir_.Sub("old");
  Result<train::Spec> spec = train::ReadSpec(dir_.Sub("spec.yaml"));
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(train::Train(*spec, old).ok());
  EXPECT_TRUE(model::LoadModel(old.out_dir).ok());
  Result<ReferenceSample> none = ReadReference(s_, "model-dir:" + old.out_dir);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("no training reference"), std::string::npos);

  // The bound: a sample of the size asked, the same rows for the same seed.
  std::vector<std::string> drawn[2];
  for (int k = 0; k < 2; ++k) {
    train::TrainOptions o;
    o.out_dir = dir_.Sub("bounded" + std::to_string(k));
    o.reference_rows = 7;
    o.reference = [&drawn, k](const features::Table& rows, const std::vector<double>& proba,
                              const std::vector<std::string>& classes, const features::Pipeline&,
                              const std::vector<double>* targets) -> Result<std::string> {
      EXPECT_EQ(targets, nullptr);  // a classifier
      EXPECT_EQ(proba.size(), rows.rows() * classes.size());
      drawn[k] = *rows.Column("text");
      return std::string("{}\n");
    };
    ASSERT_TRUE(train::Train(*spec, o).ok());
  }
  EXPECT_EQ(drawn[0].size(), 7u);
  EXPECT_EQ(drawn[0], drawn[1]);
}

// The loop's calls: train a spec on an event-time window of the lake, judge it against the
// champion on the same held-out rows, register it.
TEST_F(LearnTest, TrainsALakeWindowEvaluatesAgainstTheChampionAndRegisters) {
  constexpr int64_t kDay = 86400;
  constexpr int64_t kStart = 1609718400;  // 2021-01-04 00:00:00 UTC
  {
    auto sink = lake::LakeSink::Open(dir_.Sub("lake"));
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    const char* pos[] = {"love this", "great day", "so happy", "wonderful", "best ever"};
    const char* neg[] = {"hate this", "awful day", "so sad", "terrible", "worst ever"};
    for (int i = 0; i < 240; ++i) {
      schema::EnrichedTweet t;
      const bool positive = i % 3 != 0;
      t.tweet.text = std::string(positive ? pos[i % 5] : neg[i % 5]) + " " + std::to_string(i);
      t.tweet.date.seconds = kStart + (i % 6) * kDay + (i * 379) % kDay;
      t.sentiment.label =
          positive ? schema::Sentiment::Label::kPositive : schema::Sentiment::Label::kNegative;
      (*sink)->Append(std::move(t));
    }
    ASSERT_TRUE((*sink)->Commit().ok());
  }
  auto request = [&](int first_day, const std::string& model) {
    TrainRequest r;
    auto at = [&](int day) { return "2021-01-0" + std::to_string(4 + day) + " 00:00:00"; };
    Result<train::Spec> spec = train::ParseSpec(
        "name: window\ntask: binary\nseed: 1\nlabel: sentiment_label\nmin_class_rows: 5\n"
        "features: [{kind: text, column: text, min_df: 1, hash_bits: 12}]\n"
        "model: {family: linear}\npromotion: 'accuracy on test >= champion - 1'\n"
        "split: {by: time, column: event_time, validation_from: '" +
            at(first_day + 2) + "', test_from: '" + at(first_day + 3) + "'}\n",
        dir_.path());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    r.spec = *spec;
    features::LakeQuery q;
    q.dir = dir_.Sub("lake");
    q.from_ms = (kStart + first_day * kDay) * 1000;
    q.to_ms = (kStart + (first_day + 4) * kDay) * 1000;
    r.options.lake = q;
    r.register_model = model;
    r.alias = model.empty() ? "" : "champion";
    return r;
  };
  Result<TrainRun> champion = TrainSpec(s_, request(0, "tweets"));
  ASSERT_TRUE(champion.ok()) << champion.status().ToString();
  EXPECT_EQ(champion->record.version, 1);
  ASSERT_EQ(champion->report.splits.size(), 3u);
  EXPECT_EQ(champion->report.splits[2].name, "test");
  EXPECT_EQ(champion->report.splits[0].rows + champion->report.splits[1].rows +
                champion->report.splits[2].rows,
            160);                                           // days 0-3 of six
  EXPECT_EQ(champion->report.lineage["lake"]["files"], 4);  // pruned to the window's dates

  Result<TrainRun> challenger = TrainSpec(s_, request(2, ""));
  ASSERT_TRUE(challenger.ok()) << challenger.status().ToString();
  EXPECT_EQ(challenger->record.version, 0);
  train::EvaluateOptions ev;
  ev.model_dir = challenger->report.model_dir;
  ev.against_dir = champion->report.model_dir;
  ev.lake = features::LakeQuery{};
  ev.lake->dir = dir_.Sub("lake");
  ev.lake->from_ms = (kStart + 5 * kDay) * 1000;  // the challenger's held-out day
  Result<train::EvaluateReport> cmp = train::Evaluate(ev);
  ASSERT_TRUE(cmp.ok()) << cmp.status().ToString();
  EXPECT_EQ(cmp->comparison.rows, challenger->report.splits[2].rows);
  EXPECT_EQ(cmp->comparison.candidate.accuracy, challenger->report.splits[2].metrics.accuracy);
  ASSERT_TRUE(cmp->comparison.decision.has_value());
  EXPECT_TRUE(cmp->comparison.decision->promote) << cmp->comparison.decision->reason;
}

}  // namespace
}  // namespace covidflow::app
