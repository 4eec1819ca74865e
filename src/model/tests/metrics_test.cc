#include "model/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace covidflow::model {
namespace {

TEST(MetricsNames, EveryMetricParsesBackFromItsName) {
  for (Metric m : {Metric::kAccuracy, Metric::kMacroPrecision, Metric::kMacroRecall,
                   Metric::kMacroF1, Metric::kWeightedF1, Metric::kRocAuc, Metric::kLogLoss,
                   Metric::kMae, Metric::kRmse, Metric::kR2}) {
    Result<Metric> parsed = ParseMetric(MetricName(m));
    ASSERT_TRUE(parsed.ok()) << MetricName(m);
    EXPECT_EQ(*parsed, m);
  }
  Result<Metric> bad = ParseMetric("recall");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("macro_recall"), std::string::npos);
  EXPECT_FALSE(HigherIsBetter(Metric::kLogLoss));
  EXPECT_TRUE(HigherIsBetter(Metric::kMacroRecall));
  EXPECT_TRUE(IsRegressionMetric(Metric::kRmse));
  EXPECT_TRUE(NeedsProbabilities(Metric::kRocAuc));
}

// Counted by hand: truth 0 0 1 1 2, predicted 0 1 1 1 0.
TEST(MetricsClassification, CountsAndRatiosByHand) {
  std::vector<int32_t> truth = {0, 0, 1, 1, 2};
  std::vector<int32_t> predicted = {0, 1, 1, 1, 0};
  Result<ClassificationMetrics> m = EvaluateClassification({3, truth, predicted, {}});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_DOUBLE_EQ(m->accuracy, 3.0 / 5);
  EXPECT_EQ(m->Confusion(0, 0), 1);
  EXPECT_EQ(m->Confusion(0, 1), 1);
  EXPECT_EQ(m->Confusion(2, 0), 1);
  EXPECT_DOUBLE_EQ(m->per_class[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(m->per_class[1].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->per_class[2].precision, 0.0);  // never predicted: zero_division=0
  EXPECT_DOUBLE_EQ(m->macro_recall, (0.5 + 1.0 + 0.0) / 3);
  EXPECT_DOUBLE_EQ(m->per_class[1].f1, 0.8);
  EXPECT_DOUBLE_EQ(m->weighted_f1, (2 * 0.5 + 2 * 0.8 + 0) / 5);
  EXPECT_EQ(m->per_class[2].support, 1);
  ASSERT_FALSE(m->roc_auc.ok());
  EXPECT_NE(m->roc_auc.status().message().find("no probabilities"), std::string::npos);
}

TEST(MetricsRocAuc, TiedScoresCountHalf) {
  // Positives score 0.8, 0.5; negatives 0.5, 0.2: pairs (0.8>0.5, 0.8>0.2, 0.5=0.5, 0.5>0.2).
  std::vector<int32_t> truth = {1, 1, 0, 0};
  std::vector<int32_t> predicted = {1, 1, 1, 0};
  std::vector<double> p = {0.2, 0.8, 0.5, 0.5, 0.5, 0.5, 0.8, 0.2};
  Result<double> auc = ComputeMetric(Metric::kRocAuc, {2, truth, predicted, p});
  ASSERT_TRUE(auc.ok());
  EXPECT_DOUBLE_EQ(*auc, 3.5 / 4);
}

TEST(MetricsRocAuc, OneClassInTheTruthIsAnErrorNotNan) {
  std::vector<int32_t> truth = {0, 0, 0};
  std::vector<int32_t> predicted = {0, 1, 0};
  std::vector<double> p = {0.9, 0.1, 0.4, 0.6, 0.7, 0.3};
  Result<double> auc = ComputeMetric(Metric::kRocAuc, {2, truth, predicted, p});
  ASSERT_FALSE(auc.ok());
  EXPECT_NE(auc.status().message().find("undefined"), std::string::npos);
}

TEST(MetricsLogLoss, ClipsZeroProbabilityToEpsilon) {
  std::vector<int32_t> truth = {0};
  std::vector<int32_t> predicted = {1};
  std::vector<double> p = {0.0, 1.0};
  Result<double> loss = ComputeMetric(Metric::kLogLoss, {2, truth, predicted, p});
  ASSERT_TRUE(loss.ok());
  EXPECT_DOUBLE_EQ(*loss, -std::log(std::numeric_limits<double>::epsilon()));
}

TEST(MetricsClassification, BadInputNamesTheRow) {
  std::vector<int32_t> truth = {0, 3};
  std::vector<int32_t> predicted = {0, 1};
  Result<ClassificationMetrics> m = EvaluateClassification({3, truth, predicted, {}});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("row 1"), std::string::npos);
  std::vector<int32_t> ok_truth = {0, 1};
  std::vector<double> p = {0.5, 0.5, std::nan(""), 0.5};
  m = EvaluateClassification({2, ok_truth, predicted, p});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("row 1"), std::string::npos);
  m = EvaluateClassification({2, {}, {}, {}});
  EXPECT_FALSE(m.ok());
  EXPECT_FALSE(ComputeMetric(Metric::kRmse, {2, ok_truth, predicted, {}}).ok());
}

TEST(MetricsRegression, ConstantTruthFollowsForceFinite) {
  std::vector<double> truth = {2, 2, 2};
  std::vector<double> exact = {2, 2, 2};
  std::vector<double> off = {1, 2, 3};
  EXPECT_DOUBLE_EQ(*EvaluateRegression({truth, exact})->r2, 1.0);
  EXPECT_DOUBLE_EQ(*EvaluateRegression({truth, off})->r2, 0.0);
  Result<RegressionMetrics> m = EvaluateRegression({truth, off});
  EXPECT_DOUBLE_EQ(m->mae, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->rmse, std::sqrt(2.0 / 3));
  std::vector<double> one = {1};
  EXPECT_FALSE(EvaluateRegression({one, one})->r2.ok());
}

}  // namespace
}  // namespace covidflow::model
