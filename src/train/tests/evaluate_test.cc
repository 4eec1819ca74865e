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
    // Values: y = 2·x + 1 + noise, where noise depends on the row number only.
    std::string rtrain = "y,x,label,text\n";
    std::string rval = "y,x,label,text\n";
    for (int k = 0; k < 300; ++k) {
      const double x = (k * 37 % 100) / 10.0;
      const double noise = ((k * 53) % 11 - 5) / 10.0;
      (k < 200 ? rtrain : rval) += std::to_string(2 * x + 1 + noise) + "," + std::to_string(x) +
                                   "," + (k % 2 ? "pos" : "neg") + ",row " + std::to_string(k) +
                                   "\n";
    }
    rval += ",4.5,pos,no value here\n";
    Write("rtrain.csv", rtrain);
    Write("rval.csv", rval);
  }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub(name), bytes, dir_.Sub(name) + ".tmp").ok());
  }
  // Trains the spec `yaml` into `name` and returns its report.
  TrainReport TrainYaml(const std::string& name, const std::string& yaml) {
    Result<Spec> spec = ParseSpec(yaml, dir_.path());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    TrainOptions o;
    o.out_dir = dir_.Sub(name);
    Result<TrainReport> r = Train(*spec, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }
  // Trains a classifier of `model` (the spec's model field) into `name`.
  TrainReport TrainModel(const std::string& name, const std::string& model) {
    return TrainYaml(name,
                     "name: e\ntask: binary\nseed: 3\nlabel: label\n"
                     "features: [{kind: text, column: text, min_df: 1, hash_bits: 12}]\n"
                     "model: " +
                         model +
                         "\nsplit: {by: files, train: train.csv, validation: val.csv}\n"
                         "promotion: macro_recall on validation >= champion + 0.01\n");
  }
  // Trains a regressor of y (or `label_text`) into `name`.
  TrainReport TrainRegressor(const std::string& name, const std::string& model,
                             const std::string& label_text = "y") {
    return TrainYaml(name, "name: r\ntask: regression\nseed: 3\nlabel: " + label_text +
                               "\nfeatures: [{kind: numeric, column: x}, {kind: text, column: "
                               "text, min_df: 1, hash_bits: 10}]\nmodel: " +
                               model +
                               "\nsplit: {by: files, train: rtrain.csv, validation: rval.csv}\n"
                               "promotion: rmse on validation <= champion - 0.01\n");
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

TEST_F(EvaluateTest, RegressorsAreComparedOnTheirErrorsWithAnRmseRule) {
  const TrainReport linear = TrainRegressor("rlinear", "{family: linear}");
  TrainRegressor("rtree", "{family: decision_tree, hyperparameters: {max_depth: 1}}");
  EvaluateOptions o = Options("rlinear", "");
  o.data_files = {dir_.Sub("rval.csv")};
  Result<EvaluateReport> r = Evaluate(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->regression.has_value());
  EXPECT_EQ(r->input_rows, 101);
  EXPECT_EQ(r->unlabelled_rows, 1);
  // The candidate's errors are training's own on the same split.
  const model::RegressionMetrics& trained = *linear.splits.at(1).regression;
  EXPECT_EQ(r->regression->rows, trained.rows);
  EXPECT_DOUBLE_EQ(r->regression->candidate.mae, trained.mae);
  EXPECT_DOUBLE_EQ(r->regression->candidate.rmse, trained.rmse);
  EXPECT_DOUBLE_EQ(*r->regression->candidate.r2, *trained.r2);
  ASSERT_TRUE(r->decision().has_value());
  EXPECT_TRUE(r->decision()->promote);  // no champion yet

  // The linear model (the data is linear) against a one-split tree: errors far lower.
  o.against_dir = dir_.Sub("rtree");
  r = Evaluate(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const model::RegressionComparison& c = *r->regression;
  ASSERT_TRUE(c.champion.has_value());
  EXPECT_LT(c.candidate.rmse, c.champion->rmse - 0.01);
  ASSERT_EQ(c.deltas.size(), 3u);
  for (const model::MetricDelta& d : c.deltas) {
    ASSERT_TRUE(d.interval.ok()) << model::MetricName(d.metric);
    EXPECT_LE(d.interval->low, d.interval->high);
  }
  EXPECT_EQ(c.deltas[1].metric, model::Metric::kRmse);
  EXPECT_LT(c.deltas[1].interval->high, 0.0);
  EXPECT_TRUE(r->decision()->promote) << r->decision()->reason;
  EXPECT_EQ(r->decision()->reason.rfind("promote: rmse on validation ", 0), 0u);
  // The other way round: the tree is kept out.
  o.model_dir = dir_.Sub("rtree");
  o.against_dir = dir_.Sub("rlinear");
  r = Evaluate(o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->decision()->promote) << r->decision()->reason;
  EXPECT_NE(r->decision()->reason.find("is not <="), std::string::npos);
}

TEST_F(EvaluateTest, ARegressorAgainstAClassifierOrAnotherLabelIsRefused) {
  TrainModel("linear", "{family: linear}");
  TrainRegressor("rlinear", "{family: linear}");
  TrainRegressor("rlog", "{family: linear}", "log1p(y)");
  EvaluateOptions o = Options("rlinear", "linear");
  o.data_files = {dir_.Sub("rval.csv")};
  Result<EvaluateReport> r = Evaluate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("is a regression model and --against"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("is a classifier (classes neg, pos)"), std::string::npos)
      << r.status().message();
  r = Evaluate(Options("linear", "rlinear"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("evaluate compares models of one task"), std::string::npos);
  o = Options("rlinear", "rlog");
  o.data_files = {dir_.Sub("rval.csv")};
  r = Evaluate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("predicts 'y'"), std::string::npos) << r.status().message();
  // A label value that is not a number: the input's fault, named by row.
  Write("rbad.csv", "y,x,label,text\n1.5,1,pos,a\nmany,2,neg,b\n");
  o = Options("rlinear", "");
  o.data_files = {dir_.Sub("rbad.csv")};
  r = Evaluate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("input row 2"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace covidflow::train
