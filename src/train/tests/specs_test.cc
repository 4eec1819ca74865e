// The project's specs (specs/*.yaml) trained end to end on ../shared/data, each held to the
// floor measured on its validation (or later) split when it was written.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "train/trainer.h"

namespace covidflow::train {
namespace {

std::string SpecPath(const std::string& name) {
  return std::string(CF_SOURCE_DIR) + "/specs/" + name;
}

void RequireData(const std::string& folder) {
  const std::string path = std::string(CF_SHARED_DATA_DIR) + "/" + folder;
  ASSERT_TRUE(std::filesystem::is_directory(path))
      << "the shared data set " << path << " is missing (see ../shared/data/README.md)";
}

const SplitResult& SplitNamed(const TrainReport& r, const std::string& name) {
  for (const SplitResult& s : r.splits) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no split " << name;
  return r.splits.front();
}

Result<TrainReport> TrainSpec(const Spec& spec, const testing::TempDir& dir,
                              const std::string& out) {
  TrainOptions o;
  o.data_files =
      spec.split.by == SplitSpec::By::kTime ? spec.split.train_files : std::vector<std::string>{};
  o.out_dir = dir.Sub(out);
  return Train(spec, o);
}

// Published: SVM 93.3 weighted F1 on the official test; target >= 95 on validation.
// Measured when written: 0.9542.
TEST(SpecsTest, MisinformationReachesNinetyFiveWeightedF1OnValidation) {
  RequireData("constraint-covid19-fake-news");
  Result<Spec> spec = ReadSpec(SpecPath("misinformation.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  testing::TempDir dir;
  Result<TrainReport> r = TrainSpec(*spec, dir, "model");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SplitResult& val = SplitNamed(*r, "validation");
  EXPECT_EQ(val.rows, 2140);
  EXPECT_GE(val.metrics.weighted_f1, 0.95);
}

// Issue target: >= 0.71 macro-recall on validation (docs/specs.md, "tweet-sentiment", holds the
// sweep). The spec is a stack (word and char logistic regressions and an NB-weighted one on the
// binarised words, out-of-fold, with VADER and counts in the second level, class offsets for
// macro-recall): 0.7117 when written, held at >= 0.705 (a little under it: the figure moves by a
// row or two with any change of the features), far above VADER's zero-shot 0.5977 on the same
// rows. ~70-90 s of CPU (3 bases and the second level each fitted 6 times: 5 folds, all rows).
TEST(SpecsTest, TweetSentimentHoldsItsMeasuredMacroRecallOnValidation) {
  RequireData("tweeteval-sentiment");
  Result<Spec> spec = ReadSpec(SpecPath("tweet-sentiment.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  testing::TempDir dir;
  Result<TrainReport> r = TrainSpec(*spec, dir, "model");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SplitResult& val = SplitNamed(*r, "validation");
  EXPECT_EQ(val.rows, 2000);
  EXPECT_EQ(r->family, "stack");
  EXPECT_GE(val.metrics.macro_recall, 0.705);
}

// is_retweet is False in every real row: training must refuse and name the distribution.
TEST(SpecsTest, ReferenceRetweetRefusesNamingTheLabelDistribution) {
  RequireData("covid19-tweets");
  Result<Spec> spec = ReadSpec(SpecPath("reference-retweet.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  testing::TempDir dir;
  Result<TrainReport> r = TrainSpec(*spec, dir, "model");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("is_retweet"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("{true: 0, false: "), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("model/manifest.json")));
}

// Must beat the majority class (ROC-AUC 0.5: one score for every row) and a plain logistic
// baseline (the linear family on the user's counts and verification) on ROC-AUC on the later
// period. Measured when written: gbt 0.712 on test; the baseline lower.
TEST(SpecsTest, EngagementBeatsMajorityAndAPlainLogisticBaselineOnTheLaterPeriod) {
  RequireData("covid19-vaccine-tweets");
  Result<std::string> yaml = ReadWholeFile(SpecPath("engagement.yaml"));
  ASSERT_TRUE(yaml.ok());
  const std::string base_dir = std::string(CF_SOURCE_DIR) + "/specs";
  Result<Spec> spec = ParseSpec(*yaml, base_dir);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  // No column that leaks the future.
  for (const features::FeatureDef& f : spec->features) {
    EXPECT_NE(f.column, "retweets");
    EXPECT_NE(f.column, "favorites");
  }
  Spec baseline = *spec;
  baseline.family = "linear";
  baseline.hyperparameters = {};
  baseline.features.clear();
  for (const features::FeatureDef& f : spec->features) {
    if (f.kind == features::FeatureKind::kNumeric || f.kind == features::FeatureKind::kBoolean) {
      baseline.features.push_back(f);
    }
  }
  testing::TempDir dir;
  Result<TrainReport> model = TrainSpec(*spec, dir, "gbt");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  Result<TrainReport> plain = TrainSpec(baseline, dir, "baseline");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  const SplitResult& test = SplitNamed(*model, "test");
  const SplitResult& plain_test = SplitNamed(*plain, "test");
  EXPECT_GT(test.rows, 1000);
  ASSERT_TRUE(test.metrics.roc_auc.ok());
  ASSERT_TRUE(plain_test.metrics.roc_auc.ok());
  EXPECT_GT(*test.metrics.roc_auc, 0.5 + 0.15);
  EXPECT_GT(*test.metrics.roc_auc, *plain_test.metrics.roc_auc + 0.01)
      << "baseline " << *plain_test.metrics.roc_auc;
}

// The regression task on real data: log1p(retweets) of the vaccine tweets, split by time.
// Must beat the mean predictor on RMSE on the later period, with the gbt family (the spec)
// and with the linear family (ridge) on the same features; the same spec and seed give a
// byte-identical model.
TEST(SpecsTest, RetweetsBeatsTheMeanPredictorOnTheLaterPeriod) {
  RequireData("covid19-vaccine-tweets");
  Result<Spec> spec = ReadSpec(SpecPath("retweets.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->task, Task::kRegression);
  for (const features::FeatureDef& f : spec->features) {
    EXPECT_NE(f.column, "retweets");
    EXPECT_NE(f.column, "favorites");
  }
  Spec ridge = *spec;
  ridge.family = "linear";
  ridge.hyperparameters = {{"C", "0.1"}};
  testing::TempDir dir;
  for (const Spec* s : {&*spec, &ridge}) {
    Result<TrainReport> r = TrainSpec(*s, dir, s->family);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const SplitResult& test = SplitNamed(*r, "test");
    EXPECT_GT(test.rows, 1000);
    ASSERT_TRUE(test.regression.has_value());
    ASSERT_TRUE(test.baseline.has_value());
    EXPECT_LT(test.regression->rmse, test.baseline->rmse * 0.97)
        << s->family << ": mean predictor " << test.baseline->rmse;
    ASSERT_TRUE(test.regression->r2.ok());
    EXPECT_GT(*test.regression->r2, 0.03) << s->family;
  }
  Result<TrainReport> again = TrainSpec(*spec, dir, "again");
  ASSERT_TRUE(again.ok());
  for (const char* f : {"gbt.json", "features.json"}) {
    EXPECT_EQ(*ReadWholeFile(dir.Sub("gbt") + "/" + f), *ReadWholeFile(dir.Sub("again") + "/" + f))
        << f;
  }
}

// A regression's label must be a number: a text column is the spec's error, naming the field.
TEST(SpecsTest, ARegressionOnATextLabelNamesTheField) {
  RequireData("covid19-vaccine-tweets");
  Result<Spec> spec = ReadSpec(SpecPath("retweets.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  spec->label.column = "user_name";
  spec->label.transform.clear();
  spec->label.text = "user_name";
  testing::TempDir dir;
  Result<TrainReport> r = TrainSpec(*spec, dir, "m");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("spec field 'label'"), std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("not a number"), std::string::npos);
}

}  // namespace
}  // namespace covidflow::train
