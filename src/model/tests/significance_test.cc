#include "model/significance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace covidflow::model {
namespace {

// Two classifiers on the same n rows of 3 classes: A right with probability pa, B with pb,
// independently per row; a wrong prediction is the next class.
struct Pair {
  std::vector<int32_t> truth, a, b;
  std::vector<double> proba_a, proba_b;
};

Pair MakePair(size_t n, double pa, double pb, uint32_t seed) {
  std::mt19937 gen(seed);
  std::bernoulli_distribution right_a(pa), right_b(pb);
  Pair p;
  for (size_t i = 0; i < n; ++i) {
    const int32_t t = static_cast<int32_t>(i % 3);
    p.truth.push_back(t);
    p.a.push_back(right_a(gen) ? t : (t + 1) % 3);
    p.b.push_back(right_b(gen) ? t : (t + 1) % 3);
    for (const auto& [pred, proba] :
         {std::pair{p.a.back(), &p.proba_a}, {p.b.back(), &p.proba_b}}) {
      for (int32_t c = 0; c < 3; ++c) proba->push_back(c == pred ? 0.8 : 0.1);
    }
  }
  return p;
}

ClassifiedRows RowsA(const Pair& p) { return {3, p.truth, p.a, p.proba_a}; }
ClassifiedRows RowsB(const Pair& p) { return {3, p.truth, p.b, p.proba_b}; }

TEST(SignificanceMcNemar, CountsTheDisagreements) {
  std::vector<int32_t> truth = {0, 1, 1, 0, 1};
  std::vector<int32_t> a = {0, 1, 0, 0, 0};  // right on 0, 1, 3
  std::vector<int32_t> b = {1, 1, 1, 1, 1};  // right on 1, 2, 4
  Result<McNemarResult> r = McNemar(truth, a, b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->only_a_correct, 2);
  EXPECT_EQ(r->only_b_correct, 2);
  EXPECT_DOUBLE_EQ(r->exact_p, 1.0);
  EXPECT_DOUBLE_EQ(r->chi_square, 0.0);
  EXPECT_FALSE(McNemar(truth, a, std::vector<int32_t>{1}).ok());
}

// Known values: b=0, c=10 → exact p = 2 / 2^10; b=3, c=12 → χ² = 8²/15.
TEST(SignificanceMcNemar, KnownValues) {
  EXPECT_DOUBLE_EQ(McNemarFromCounts(0, 10).exact_p, 2.0 / 1024);
  const McNemarResult r = McNemarFromCounts(3, 12);
  EXPECT_DOUBLE_EQ(r.chi_square, 64.0 / 15);
  EXPECT_NEAR(r.chi_square_p, std::erfc(std::sqrt(64.0 / 30)), 1e-15);
  EXPECT_DOUBLE_EQ(McNemarFromCounts(0, 0).exact_p, 1.0);
  EXPECT_DOUBLE_EQ(McNemarFromCounts(0, 0).chi_square_p, 1.0);
}

TEST(SignificanceBootstrap, SameSeedSameIntervalOtherSeedOther) {
  const Pair p = MakePair(600, 0.6, 0.65, 1);
  BootstrapOptions options{.resamples = 300, .confidence = 0.95, .seed = 42};
  Result<DeltaInterval> first = PairedBootstrap(Metric::kMacroRecall, RowsA(p), RowsB(p), options);
  Result<DeltaInterval> again = PairedBootstrap(Metric::kMacroRecall, RowsA(p), RowsB(p), options);
  options.seed = 43;
  Result<DeltaInterval> other = PairedBootstrap(Metric::kMacroRecall, RowsA(p), RowsB(p), options);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok()) << first.status().ToString();
  EXPECT_EQ(first->low, again->low);
  EXPECT_EQ(first->high, again->high);
  EXPECT_NE(first->low, other->low);
  EXPECT_EQ(first->delta, other->delta);  // the point estimate is on all rows
  EXPECT_LE(first->low, first->high);
}

TEST(SignificanceBootstrap, IdenticalModelsGiveAZeroInterval) {
  const Pair p = MakePair(300, 0.7, 0.7, 2);
  Result<DeltaInterval> d = PairedBootstrap(Metric::kRocAuc, RowsA(p), RowsA(p), {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->low, 0.0);
  EXPECT_EQ(d->high, 0.0);
  EXPECT_EQ(d->b_better_share, 0.0);
  EXPECT_EQ(d->resamples, 1000);
}

// The percentile interval of an accuracy difference must be close to the normal-theory one:
// delta ± 1.96 · sd(d_i) / √n with d_i = [B right] − [A right] per row.
TEST(SignificanceBootstrap, AccuracyIntervalMatchesNormalTheory) {
  const size_t n = 3000;
  const Pair p = MakePair(n, 0.60, 0.64, 3);
  double sum = 0, square_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = (p.b[i] == p.truth[i] ? 1.0 : 0.0) - (p.a[i] == p.truth[i] ? 1.0 : 0.0);
    sum += d;
    square_sum += d * d;
  }
  const double mean = sum / n;
  const double sd = std::sqrt(square_sum / n - mean * mean);
  const double half_width = 1.959964 * sd / std::sqrt(static_cast<double>(n));
  Result<DeltaInterval> d = PairedBootstrap(Metric::kAccuracy, RowsA(p), RowsB(p),
                                            {.resamples = 2000, .confidence = 0.95, .seed = 7});
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(d->delta, mean, 1e-12);
  EXPECT_NEAR((d->high - d->low) / 2, half_width, 0.12 * half_width);
  EXPECT_NEAR((d->high + d->low) / 2, mean, 0.2 * half_width);
}

TEST(SignificanceBootstrap, ALossFavoursTheSmallerValue) {
  const Pair p = MakePair(900, 0.5, 0.8, 4);
  Result<DeltaInterval> d = PairedBootstrap(Metric::kLogLoss, RowsA(p), RowsB(p), {});
  ASSERT_TRUE(d.ok());
  EXPECT_LT(d->high, 0.0);  // B's loss is clearly lower
  EXPECT_GT(d->b_better_share, 0.99);
}

TEST(SignificanceBootstrap, RejectsDifferentRowsAndBadOptions) {
  const Pair p = MakePair(30, 0.5, 0.5, 5);
  Pair q = p;
  q.truth[0] = (q.truth[0] + 1) % 3;
  EXPECT_FALSE(PairedBootstrap(Metric::kAccuracy, RowsA(p), RowsB(q), {}).ok());
  EXPECT_FALSE(PairedBootstrap(Metric::kAccuracy, RowsA(p), RowsB(p), {.resamples = 0}).ok());
  EXPECT_FALSE(PairedBootstrap(Metric::kAccuracy, RowsA(p), RowsB(p), {.confidence = 1.0}).ok());
}

TEST(SignificanceBootstrap, UndefinedResamplesAreCountedAndTooManyAreAnError) {
  // One row of class 1 among 20: a resample misses it with probability (19/20)^20 ≈ 0.36,
  // and ROC-AUC is undefined there.
  std::vector<int32_t> truth(20, 0);
  truth[5] = 1;
  std::vector<int32_t> pred(20, 0);
  std::vector<double> proba;
  for (int i = 0; i < 20; ++i) {
    proba.push_back(0.9 - 0.01 * i);
    proba.push_back(0.1 + 0.01 * i);
  }
  ClassifiedRows rows{2, truth, pred, proba};
  Result<DeltaInterval> d = PairedBootstrap(Metric::kRocAuc, rows, rows, {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->resamples + d->undefined, 1000);
  EXPECT_GT(d->undefined, 250);
  EXPECT_LT(d->undefined, 470);
  // Three rows, one per class: all three are drawn only in 6 of 27 resamples.
  std::vector<int32_t> three = {0, 1, 2};
  std::vector<double> uniform(9, 1.0 / 3);
  ClassifiedRows tiny{3, three, three, uniform};
  d = PairedBootstrap(Metric::kRocAuc, tiny, tiny, {});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("undefined on"), std::string::npos);
}

TEST(SignificanceBootstrap, RegressorsShareTheResamplingAndRejectDifferentTruth) {
  std::vector<double> truth;
  std::vector<double> a;
  std::vector<double> b;
  for (int r = 0; r < 200; ++r) {
    truth.push_back(r % 17);
    a.push_back(truth.back() + (r % 3 == 0 ? 2.0 : -1.0));  // off by 1 or 2
    b.push_back(truth.back() + (r % 5 == 0 ? 0.5 : 0.0));   // off by 0.5 on a fifth
  }
  const RegressedRows ra{truth, a};
  const RegressedRows rb{truth, b};
  for (Metric m : {Metric::kMae, Metric::kRmse, Metric::kR2}) {
    Result<DeltaInterval> d = PairedBootstrap(m, ra, rb, {.resamples = 300, .seed = 4});
    ASSERT_TRUE(d.ok()) << MetricName(m) << ": " << d.status().ToString();
    EXPECT_EQ(d->resamples, 300);
    EXPECT_EQ(d->b_better_share, 1.0) << MetricName(m);  // b is better on every resample
    EXPECT_LE(d->low, d->delta);
    EXPECT_GE(d->high, d->delta);
    Result<DeltaInterval> again = PairedBootstrap(m, ra, rb, {.resamples = 300, .seed = 4});
    EXPECT_EQ(again->low, d->low);
    EXPECT_EQ(again->high, d->high);
  }
  std::vector<double> other = truth;
  other[0] += 1;
  EXPECT_EQ(PairedBootstrap(Metric::kMae, ra, RegressedRows{other, b}, {}).status().code(),
            StatusCode::kInvalidArgument);
  // A classifier's metric on values is refused, not computed.
  EXPECT_FALSE(PairedBootstrap(Metric::kAccuracy, ra, rb, {}).ok());
}

TEST(SignificanceQuantile, LinearLikeNumpy) {
  const std::vector<double> v = {1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 1.0), 8);
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 0.5), 3);      // position 1.5
  EXPECT_DOUBLE_EQ(LinearQuantile(v, 0.25), 1.75);  // position 0.75
}

}  // namespace
}  // namespace covidflow::model
