// `covidflow evaluate`'s core on small files: two trained models on the same rows, the
// candidate's metrics equal to training's own on the same split, the spec's promotion rule.
#include "train/evaluate.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "train/trainer.h"

namespace covidflow::train {
namespace {

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string train = "label,text\n";
    std::string val = "label,text\n";
    const char* pos[] = {"love this", "great day", "so happy", "wonderful", "best ever"};
    const char* neg[] = {"hate this", "awful day", "so sad", "terrible", "worst ever"};
    const char* both[] = {"day", "this", "so", "ever", "ok"};
    for (int k = 0; k < 120; ++k) {
      std::string& out = k < 80 ? train : val;
      // One row in four says nothing about its class: the models cannot be perfect.
      const bool vague = k % 4 == 3;
      out += "pos," + std::string(vague ? both[k % 5] : pos[k % 5]) + " " + std::to_string(k % 7) +
             "\n";
      out += "neg," + std::string(vague ? both[(k + 2) % 5] : neg[k % 5]) + " " +
             std::to_string(k % 5) + "\n";
    }
    val += ",no label here\n";
    Write("train.csv", train);
    Write("val.csv", val);
  }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub(name), bytes, dir_.Sub(name) + ".tmp").ok());
  }
  // Trains a model of `family` into `name` and returns its report.
  TrainReport TrainModel(const std::string& name, const std::string& model) {
    Result<Spec> spec = ParseSpec(
        "name: e\ntask: binary\nseed: 3\nlabel: label\n"
        "features: [{kind: text, column: text, min_df: 1, hash_bits: 12}]\n"
        "model: " +
            model +
            "\n"
            "split: {by: files, train: train.csv, validation: val.csv}\n"
            "promotion: macro_recall on validation >= champion + 0.01\n",
        dir_.path());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    TrainOptions o;
    o.out_dir = dir_.Sub(name);
    Result<TrainReport> r = Train(*spec, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }
  EvaluateOptions Options(const std::string& model, const std::string& against) {
    EvaluateOptions o;
    o.model_dir = dir_.Sub(model);
    o.against_dir = against.empty() ? "" : dir_.Sub(against);
    o.data_files = {dir_.Sub("val.csv")};
    o.bootstrap.resamples = 200;
    return o;
  }
  testing::TempDir dir_;
};

TEST_F(EvaluateTest, CandidateMetricsAreTrainingsOwnOnTheSameRows) {
  const TrainReport trained = TrainModel("linear", "{family: linear}");
  Result<EvaluateReport> r = Evaluate(Options("linear", ""));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->spec_name, "e");
  EXPECT_EQ(r->input_rows, 81);
  EXPECT_EQ(r->unlabelled_rows, 1);
  const model::ClassificationMetrics& train_val = trained.splits.at(1).metrics;
  EXPECT_EQ(r->comparison.rows, train_val.rows);
  EXPECT_EQ(r->comparison.candidate.confusion, train_val.confusion);
  EXPECT_DOUBLE_EQ(r->comparison.candidate.macro_recall, train_val.macro_recall);
  EXPECT_DOUBLE_EQ(*r->comparison.candidate.log_loss, *train_val.log_loss);
  ASSERT_TRUE(r->comparison.decision.has_value());
  EXPECT_TRUE(r->comparison.decision->promote);  // no champion yet
}

TEST_F(EvaluateTest, TwoFamiliesOnTheSameRowsWithDeltasAndADecision) {
  TrainModel("linear", "{family: linear}");
  TrainModel("tree", "{family: decision_tree, hyperparameters: {max_depth: 2}}");
  Result<EvaluateReport> r = Evaluate(Options("linear", "tree"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const model::ModelComparison& c = r->comparison;
  ASSERT_TRUE(c.champion.has_value());
  ASSERT_TRUE(c.mcnemar.has_value());
  // Rows only the candidate got right minus rows only the champion got right is the
  // difference in correct rows.
  const double accuracy_gap = (c.candidate.accuracy - c.champion->accuracy) * c.rows;
  EXPECT_NEAR(static_cast<double>(c.mcnemar->only_b_correct - c.mcnemar->only_a_correct),
              accuracy_gap, 1e-9);
  ASSERT_FALSE(c.deltas.empty());
  for (const model::MetricDelta& d : c.deltas) {
    ASSERT_TRUE(d.interval.ok()) << model::MetricName(d.metric);
    EXPECT_LE(d.interval->low, d.interval->high);
  }
  const double champion_recall = c.champion->macro_recall;
  ASSERT_TRUE(c.decision.has_value());
  EXPECT_EQ(c.decision->promote, c.candidate.macro_recall >= champion_recall + 0.01)
      << c.decision->reason;
  // The same seed gives the same intervals.
  Result<EvaluateReport> again = Evaluate(Options("linear", "tree"));
  EXPECT_EQ(again->comparison.deltas[0].interval->low, c.deltas[0].interval->low);
  // The model against itself: nothing to promote.
  Result<EvaluateReport> self = Evaluate(Options("linear", "linear"));
  ASSERT_TRUE(self.ok());
  EXPECT_FALSE(self->comparison.decision->promote);
  EXPECT_EQ(self->comparison.mcnemar->only_a_correct, 0);
}

TEST_F(EvaluateTest, BadInputsAreClearErrors) {
  TrainModel("linear", "{family: linear}");
  EvaluateOptions o = Options("linear", "");
  o.data_files = {dir_.Sub("missing.csv")};
  EXPECT_EQ(Evaluate(o).status().code(), StatusCode::kInvalidArgument);
  Write("nolabel.csv", "text\nhello\n");
  o.data_files = {dir_.Sub("nolabel.csv")};
  Result<EvaluateReport> r = Evaluate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no column 'label'"), std::string::npos);
  o = Options("nothing-here", "");
  EXPECT_FALSE(Evaluate(o).ok());
}

}  // namespace
}  // namespace covidflow::train
