#include "model/comparison.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace covidflow::model
