#include "model/comparison.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace covidflow::model {
namespace {

// 600 rows of classes a, b, c; a model that is right with probability `skill` puts 0.7 on
// the true class, else 0.7 on the next one.
struct Rows {
  std::vector<std::string> truth;
  std::vector<double> proba;  // in the order a, b, c
};

Rows Make(double skill, uint32_t seed) {
  const std::vector<std::string> names = {"a", "b", "c"};
  std::mt19937 gen(seed);
  std::bernoulli_distribution right(skill);
  Rows out;
  for (int r = 0; r < 600; ++r) {
    const int t = r % 3;
    out.truth.push_back(names[static_cast<size_t>(t)]);
    const int p = right(gen) ? t : (t + 1) % 3;
    for (int c = 0; c < 3; ++c) out.proba.push_back(c == p ? 0.7 : 0.15);
  }
  return out;
}

// The same probabilities with the classes in the order c, a, b.
std::vector<double> Permuted(const std::vector<double>& p) {
  std::vector<double> out;
  for (size_t r = 0; r < p.size() / 3; ++r) {
    out.push_back(p[r * 3 + 2]);
    out.push_back(p[r * 3]);
    out.push_back(p[r * 3 + 1]);
  }
  return out;
}

const std::vector<std::string> kAbc = {"a", "b", "c"};
const std::vector<std::string> kCab = {"c", "a", "b"};

TEST(CompareClassifiersTest, TheSameModelWithItsClassesReorderedIsNoBetter) {
  const Rows rows = Make(0.7, 1);
  const std::vector<double> permuted = Permuted(rows.proba);
  CompareOptions options;
  options.promotion_rule = "macro_recall on test >= champion + 0.005";
  Result<ModelComparison> c =
      CompareClassifiers(rows.truth, {kAbc, rows.proba}, ScoredRows{kCab, permuted}, options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->champion.has_value());
  EXPECT_EQ(c->champion->accuracy, c->candidate.accuracy);
  ASSERT_EQ(c->deltas.size(), 6u);
  for (const MetricDelta& d : c->deltas) {
    ASSERT_TRUE(d.interval.ok()) << MetricName(d.metric);
    EXPECT_EQ(d.interval->delta, 0.0) << MetricName(d.metric);
    EXPECT_EQ(d.interval->low, 0.0);
    EXPECT_EQ(d.interval->high, 0.0);
  }
  EXPECT_EQ(c->mcnemar->only_a_correct + c->mcnemar->only_b_correct, 0);
  ASSERT_TRUE(c->decision.has_value());
  EXPECT_FALSE(c->decision->promote);
  EXPECT_NE(c->decision->reason.find("is not >="), std::string::npos) << c->decision->reason;
}

TEST(CompareClassifiersTest, AClearlyBetterCandidateIsPromotedWithItsInterval) {
  const Rows weak = Make(0.55, 2);
  const Rows strong = Make(0.85, 3);
  CompareOptions options;
  options.promotion_rule = "macro_recall on test >= champion + 0.005";
  options.metrics = {Metric::kAccuracy};
  Result<ModelComparison> c =
      CompareClassifiers(weak.truth, {kAbc, strong.proba}, ScoredRows{kAbc, weak.proba}, options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->deltas.size(), 2u);  // accuracy, and the rule's macro_recall added
  EXPECT_EQ(c->deltas[1].metric, Metric::kMacroRecall);
  EXPECT_GT(c->deltas[0].interval->low, 0.0);
  EXPECT_LT(c->mcnemar->exact_p, 1e-6);
  EXPECT_TRUE(c->decision->promote) << c->decision->reason;
  EXPECT_EQ(c->decision->reason.rfind("promote: macro_recall on test ", 0), 0u);
}

TEST(CompareClassifiersTest, WithoutAChampionOnlyTheCandidatesMetrics) {
  const Rows rows = Make(0.7, 4);
  CompareOptions options;
  options.promotion_rule = "macro_f1 on test > champion";
  Result<ModelComparison> c = CompareClassifiers(rows.truth, {kAbc, rows.proba}, {}, options);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->champion.has_value());
  EXPECT_TRUE(c->deltas.empty());
  EXPECT_FALSE(c->mcnemar.has_value());
  EXPECT_TRUE(c->decision->promote);
  EXPECT_NE(c->decision->reason.find("no champion yet"), std::string::npos);
}

TEST(CompareClassifiersTest, MismatchedClassesAndUnknownTruthAreRefused) {
  Rows rows = Make(0.7, 5);
  const std::vector<std::string> abd = {"a", "b", "d"};
  Result<ModelComparison> c =
      CompareClassifiers(rows.truth, {kAbc, rows.proba}, ScoredRows{abd, rows.proba}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("different classes"), std::string::npos);
  rows.truth[7] = "z";
  c = CompareClassifiers(rows.truth, {kAbc, rows.proba}, {}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("row 7: true class 'z'"), std::string::npos);
  CompareOptions bad;
  bad.promotion_rule = "macro_recall on test ~ champion";
  EXPECT_FALSE(CompareClassifiers(Make(0.7, 6).truth, {kAbc, Make(0.7, 6).proba}, {}, bad).ok());
}

// 500 rows of y in [0, 10); a regressor off by noise of standard deviation `sd`.
struct Values {
  std::vector<double> truth;
  std::vector<double> good;
  std::vector<double> poor;
};

Values MakeValues() {
  std::mt19937 gen(9);
  std::uniform_real_distribution<double> y(0, 10);
  std::normal_distribution<double> small(0, 0.5);
  std::normal_distribution<double> large(0, 2.0);
  Values v;
  for (int r = 0; r < 500; ++r) {
    v.truth.push_back(y(gen));
    v.good.push_back(v.truth.back() + small(gen));
    v.poor.push_back(v.truth.back() + large(gen));
  }
  return v;
}

TEST(CompareRegressorsTest, ALowerErrorIsPromotedWithIntervalsOfEveryHeadlineMetric) {
  const Values v = MakeValues();
  CompareOptions options;
  options.promotion_rule = "rmse on test <= champion - 0.01";
  options.bootstrap.resamples = 300;
  Result<RegressionComparison> c = CompareRegressors(v.truth, v.good, v.poor, options);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->rows, 500);
  ASSERT_TRUE(c->champion.has_value());
  EXPECT_EQ(c->candidate.rmse, EvaluateRegression({v.truth, v.good})->rmse);
  EXPECT_EQ(c->champion->rmse, EvaluateRegression({v.truth, v.poor})->rmse);
  ASSERT_EQ(c->deltas.size(), 3u);  // mae, rmse, r2 (the rule's rmse among them)
  EXPECT_EQ(c->deltas[0].metric, Metric::kMae);
  EXPECT_EQ(c->deltas[1].metric, Metric::kRmse);
  EXPECT_EQ(c->deltas[2].metric, Metric::kR2);
  for (const MetricDelta& d : c->deltas) {
    ASSERT_TRUE(d.interval.ok()) << MetricName(d.metric);
    // The candidate is far better: errors fall, R² rises, on every resample.
    EXPECT_EQ(d.interval->b_better_share, 1.0) << MetricName(d.metric);
  }
  EXPECT_LT(c->deltas[1].interval->high, 0.0);
  EXPECT_GT(c->deltas[2].interval->low, 0.0);
  ASSERT_TRUE(c->decision.has_value());
  EXPECT_TRUE(c->decision->promote) << c->decision->reason;
  EXPECT_EQ(c->decision->reason.rfind("promote: rmse on test ", 0), 0u) << c->decision->reason;
  // The other way round: the poor model is not promoted over the good one.
  c = CompareRegressors(v.truth, v.poor, v.good, options);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->decision->promote);
  EXPECT_NE(c->decision->reason.find("is not <="), std::string::npos) << c->decision->reason;
  EXPECT_GT(c->deltas[1].interval->low, 0.0);
  // R² as the rule: higher is better.
  options.promotion_rule = "r2 on test >= champion";
  EXPECT_TRUE(CompareRegressors(v.truth, v.good, v.poor, options)->decision->promote);
  EXPECT_FALSE(CompareRegressors(v.truth, v.poor, v.good, options)->decision->promote);
}

TEST(CompareRegressorsTest, AModelAgainstItselfHasZeroDeltasAndNoChampionPromotes) {
  const Values v = MakeValues();
  CompareOptions options;
  options.promotion_rule = "mae on test < champion";
  Result<RegressionComparison> c = CompareRegressors(v.truth, v.good, v.good, options);
  ASSERT_TRUE(c.ok());
  for (const MetricDelta& d : c->deltas) {
    EXPECT_EQ(d.interval->delta, 0.0);
    EXPECT_EQ(d.interval->low, 0.0);
    EXPECT_EQ(d.interval->high, 0.0);
  }
  EXPECT_FALSE(c->decision->promote);
  c = CompareRegressors(v.truth, v.good, std::nullopt, options);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->deltas.empty());
  EXPECT_TRUE(c->decision->promote);
  EXPECT_NE(c->decision->reason.find("no champion yet"), std::string::npos);
}

TEST(CompareRegressorsTest, ARuleOfTheOtherTaskAndBadValuesAreRefused) {
  const Values v = MakeValues();
  CompareOptions options;
  options.promotion_rule = "macro_recall on test >= champion";
  Result<RegressionComparison> c = CompareRegressors(v.truth, v.good, v.poor, options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("macro_recall is a classifier's metric"), std::string::npos)
      << c.status().message();
  const Rows rows = Make(0.7, 8);
  options.promotion_rule = "rmse on test <= champion";
  Result<ModelComparison> k = CompareClassifiers(rows.truth, {kAbc, rows.proba}, {}, options);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("rmse is a regressor's metric"), std::string::npos)
      << k.status().message();
  std::vector<double> short_values(v.good.begin(), v.good.begin() + 10);
  EXPECT_EQ(CompareRegressors(v.truth, short_values, std::nullopt, {}).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<double> nan_values = v.poor;
  nan_values[3] = std::nan("");
  c = CompareRegressors(v.truth, v.good, nan_values, {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("the champion"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace covidflow::model
