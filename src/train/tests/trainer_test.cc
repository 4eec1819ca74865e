// Train end to end on small files: artifact, metrics, refusals, determinism.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/artifact.h"

namespace covidflow::train {
namespace {

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string train = "label,text,date\n";
    std::string val = "label,text,date\n";
    const char* pos[] = {"love this", "great day :)", "so happy", "wonderful", "best ever"};
    const char* neg[] = {"hate this", "awful day :(", "so sad", "terrible", "worst ever"};
    for (int k = 0; k < 40; ++k) {
      std::string& out = k < 30 ? train : val;
      const int d = k % 28 + 1;
      const std::string day = "2021-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d);
      out += "pos," + std::string(pos[k % 5]) + " " + std::to_string(k) + "," + day + " 10:00:00\n";
      out += "neg," + std::string(neg[k % 5]) + " " + std::to_string(k) + "," + day + " 11:00:00\n";
    }
    Write("train.csv", train);
    Write("val.csv", val);
  }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub(name), bytes, dir_.Sub(name) + ".tmp").ok());
  }
  Result<Spec> MakeSpec(const std::string& label = "label", int min_class_rows = 10) {
    return ParseSpec("name: t\ntask: binary\nseed: 3\nlabel: " + label +
                         "\nfeatures: [{kind: text, column: text, min_df: 1, hash_bits: 14}]\n"
                         "model: {family: linear, hyperparameters: {C: 2}}\n"
                         "split: {by: files, train: train.csv, validation: val.csv}\n"
                         "min_class_rows: " +
                         std::to_string(min_class_rows) + "\n",
                     dir_.path());
  }
  TrainOptions Out(const std::string& name, std::vector<std::string> data = {}) {
    TrainOptions o;
    o.data_files = std::move(data);
    o.out_dir = dir_.Sub(name);
    return o;
  }
  testing::TempDir dir_;
};

TEST_F(TrainerTest, TrainsEvaluatesAndWritesALoadableArtifact) {
  Result<Spec> spec = MakeSpec();
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<TrainReport> r = Train(*spec, Out("model"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->classes, (std::vector<std::string>{"neg", "pos"}));
  ASSERT_EQ(r->splits.size(), 2u);
  EXPECT_EQ(r->splits[0].rows, 60);
  EXPECT_EQ(r->splits[1].rows, 20);
  EXPECT_GT(r->splits[1].metrics.accuracy, 0.9);
  Result<model::Model> m = model::LoadModel(dir_.Sub("model"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->record["spec_hash"], spec->hash);
  EXPECT_EQ(m->record["lineage"]["rows"]["train"]["rows"], 60);
  EXPECT_EQ(m->record["lineage"]["inputs"].size(), 2u);
}

TEST_F(TrainerTest, SameSpecDataAndSeedGiveByteIdenticalFiles) {
  Result<Spec> spec = MakeSpec();
  ASSERT_TRUE(Train(*spec, Out("a")).ok());
  ASSERT_TRUE(Train(*spec, Out("b")).ok());
  for (const char* f : {"manifest.json", "features.json", "classifier.json", "linear.model"}) {
    EXPECT_EQ(*ReadWholeFile(dir_.Sub("a/") + f), *ReadWholeFile(dir_.Sub("b/") + f)) << f;
  }
}

// The training path (the trainer's probabilities on the validation rows, handed to the
// reference hook) and the serving path (the saved artifact loaded and asked for the same rows)
// give identical probabilities for a stack with an NB-weighted base and class offsets.
TEST_F(TrainerTest, StackWithNbBaseAndOffsetsServesWhatItTrained) {
  Result<Spec> spec = ParseSpec(
      "name: t\ntask: binary\nseed: 3\nlabel: label\n"
      "features: [{name: words, kind: text, column: text, min_df: 1, hash_bits: 14},\n"
      "  {name: chars, kind: text, column: text, word_ngrams: [0, 0], char_ngrams: [2, 4],\n"
      "   min_df: 1, hash_bits: 14}]\n"
      "model: {family: stack, hyperparameters: {bases: 'words;nb:words,chars', folds: 3,\n"
      "  offsets: macro_recall, class_weight: balanced}}\n"
      "split: {by: files, train: train.csv, validation: val.csv}\nmin_class_rows: 10\n",
      dir_.path());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  TrainOptions o = Out("model");
  features::Table trained_rows;
  std::vector<double> trained_proba;
  o.reference = [&](const features::Table& rows, const std::vector<double>& proba,
                    const std::vector<std::string>&, const features::Pipeline&,
                    const std::vector<double>*) -> Result<std::string> {
    trained_rows = rows;
    trained_proba = proba;
    return std::string("{}");
  };
  Result<TrainReport> r = Train(*spec, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->family, "stack");
  EXPECT_GT(r->splits[1].metrics.accuracy, 0.9);
  ASSERT_FALSE(trained_proba.empty());
  Result<model::Model> m = model::LoadModel(dir_.Sub("model"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  Result<std::vector<double>> served = m->PredictProba(trained_rows);
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(*served, trained_proba);
  EXPECT_NE(ReadWholeFile(dir_.Sub("model/stack.json"))->find("\"binary\": true"),
            std::string::npos);
}

TEST_F(TrainerTest, RefusesALabelWithOneClass) {
  Result<Spec> spec = MakeSpec("date > 0");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  // Every date is unparsable as a number: no row has a label, so "true" never occurs.
  Write("train.csv", "label,text,date\n1,a,1\n1,b,2\n");
  Result<TrainReport> r = Train(*spec, Out("m"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("1 class"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("{false: 0, true: 2}"), std::string::npos)
      << r.status().message();
}

TEST_F(TrainerTest, RefusesAClassWithTooFewRows) {
  Result<TrainReport> r = Train(*MakeSpec("label", 31), Out("m"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fewer than min_class_rows 31"), std::string::npos);
  EXPECT_NE(r.status().message().find("{neg: 30, pos: 30}"), std::string::npos);
}

TEST_F(TrainerTest, RefusesAnEmptySplit) {
  Write("val.csv", "label,text,date\n");
  Result<TrainReport> r = Train(*MakeSpec(), Out("m"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("validation split is empty"), std::string::npos);
}

TEST_F(TrainerTest, RefusesAFeatureMissingEverywhere) {
  Write("train.csv", "label,text,date\npos,,x\nneg,,y\n");
  Result<TrainReport> r = Train(*MakeSpec("label", 1), Out("m"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("missing everywhere"), std::string::npos);
}

TEST_F(TrainerTest, SplitsByEventTime) {
  Result<Spec> spec = ParseSpec(
      "name: t\ntask: binary\nlabel: label\n"
      "features: [{kind: text, column: text, min_df: 1, hash_bits: 14}]\n"
      "model: {family: linear}\n"
      "split: {by: time, column: date, validation_from: '2021-01-21 00:00:00'}\n"
      "min_class_rows: 1\n",
      dir_.path());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<TrainReport> r = Train(*spec, Out("m", {dir_.Sub("train.csv"), dir_.Sub("val.csv")}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->splits.size(), 2u);
  // Rows cycle over days 1..28: days 1..20 train, 21..28 validation.
  EXPECT_EQ(r->splits[0].rows + r->splits[1].rows, 80);
  EXPECT_EQ(r->splits[1].rows, 16);  // k = 20..27, two rows each
  Result<model::Model> m = model::LoadModel(dir_.Sub("m"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->record["lineage"]["date_range"][0], "2021-01-01 10:00:00");
}

TEST_F(TrainerTest, BadHyperparameterIsASpecError) {
  Result<Spec> spec = ParseSpec(
      "name: t\ntask: binary\nlabel: label\nfeatures: [{kind: text, column: text}]\n"
      "model: {family: linear, hyperparameters: {C: -1}}\n"
      "split: {by: files, train: train.csv}\n",
      dir_.path());
  ASSERT_TRUE(spec.ok());
  Result<TrainReport> r = Train(*spec, Out("m"));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model.hyperparameters"), std::string::npos);
}

}  // namespace
}  // namespace covidflow::train
