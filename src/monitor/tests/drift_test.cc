#include "monitor/drift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace covidflow::monitor {
namespace {

using stats::ChiSquarePValue;
using stats::JensenShannon;
using stats::KolmogorovSmirnov;
using stats::Wasserstein;

std::vector<double> Normal(size_t n, double mean, double sd, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

TEST(SortDoublesTest, MatchesStdSortWithNegativesZerosAndDuplicates) {
  std::vector<double> v = Normal(50000, 0, 1e6, 1);
  for (size_t i = 0; i < v.size(); i += 7) v[i] = 0.0;
  for (size_t i = 3; i < v.size(); i += 11) v[i] = -0.0;
  for (size_t i = 5; i < v.size(); i += 13) v[i] = 42.5;
  std::vector<double> expected = v;
  std::sort(expected.begin(), expected.end());
  stats::SortDoubles(&v);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], expected[i]) << i;
}

// Values computed with scipy 1.17 (ks_2samp, chisquare, wasserstein_distance) by hand.
TEST(KolmogorovSmirnovTest, ExactSmallSamples) {
  const std::vector<double> a = {1, 2, 3, 4, 5};
  const std::vector<double> b = {6, 7, 8, 9, 10};
  stats::KsResult r = KolmogorovSmirnov(a, b);
  EXPECT_DOUBLE_EQ(r.statistic, 1.0);
  // Two samples of 5 wholly apart: 2 / C(10, 5).
  EXPECT_NEAR(r.p_value, 2.0 / 252.0, 1e-15);
  EXPECT_TRUE(r.exact);
  const std::vector<double> c = {1, 2, 3};
  stats::KsResult same = KolmogorovSmirnov(c, c);
  EXPECT_DOUBLE_EQ(same.statistic, 0.0);
  EXPECT_DOUBLE_EQ(same.p_value, 1.0);
}

TEST(KolmogorovSmirnovTest, UnequalSizesApartGiveOneOverBinomial) {
  // Every path leaves the band when the samples do not overlap: p = 2 / C(n1 + n2, n1)
  // (both one-sided extremes).
  const std::vector<double> a = {1, 2, 3};
  const std::vector<double> b = {4, 5, 6, 7};
  stats::KsResult r = KolmogorovSmirnov(a, b);
  EXPECT_DOUBLE_EQ(r.statistic, 1.0);
  EXPECT_NEAR(r.p_value, 2.0 / 35.0, 1e-15);
}

TEST(WassersteinTest, ShiftOfAPointMass) {
  const std::vector<double> a = {0, 1, 3};
  const std::vector<double> b = {5, 6, 8};
  EXPECT_NEAR(Wasserstein(a, b), 5.0, 1e-12);
  const std::vector<double> c = {0, 1};
  const std::vector<double> d = {0, 0, 1, 1};
  EXPECT_NEAR(Wasserstein(c, d), 0.0, 1e-15);
}

TEST(ChiSquareTest, NewCategoryGivesZeroAndEqualGivesOne) {
  const std::vector<int64_t> ref = {10, 20, 0};
  const std::vector<int64_t> cur = {10, 20, 5};
  EXPECT_EQ(ChiSquarePValue(ref, cur), 0.0);
  const std::vector<int64_t> same = {10, 20, 30};
  EXPECT_NEAR(ChiSquarePValue(same, same), 1.0, 1e-15);
  // chi2 = 2 with 2 degrees of freedom: Q(1, 1) = e^-1.
  const std::vector<int64_t> r2 = {10, 10, 10};
  const std::vector<int64_t> c2 = {10, 15, 5};
  EXPECT_NEAR(ChiSquarePValue(r2, c2) / std::exp(-5.0 / 2.0 * 1.0), 1.0, 1e-12);
}

TEST(RegularizedGammaQTest, KnownValues) {
  EXPECT_NEAR(stats::RegularizedGammaQ(1, 2), std::exp(-2), 1e-15);
  EXPECT_NEAR(stats::RegularizedGammaQ(0.5, 2), std::erfc(std::sqrt(2.0)), 1e-14);
  EXPECT_NEAR(stats::RegularizedGammaQ(0.5, 0.01), std::erfc(0.1), 1e-14);
  EXPECT_NEAR(stats::RegularizedGammaQ(3, 50) / (std::exp(-50) * (1 + 50 + 1250)), 1, 1e-12);
}

TEST(JensenShannonTest, DisjointIsSqrtLn2AndEqualIsZero) {
  const std::vector<int64_t> a = {5, 0};
  const std::vector<int64_t> b = {0, 7};
  EXPECT_NEAR(JensenShannon(a, b), std::sqrt(std::log(2.0)), 1e-15);
  const std::vector<int64_t> c = {3, 6};
  const std::vector<int64_t> d = {1, 2};
  EXPECT_NEAR(JensenShannon(c, d), 0.0, 1e-8);
}

ColumnSample Numbers(const std::string& name, const std::vector<double>& v) {
  ColumnSample s;
  s.name = name;
  s.kind = ColumnKind::kNumeric;
  s.numbers = v;
  return s;
}

TEST(CompareTest, MethodChoiceFollowsSizeAndDistinctValues) {
  DriftOptions o;
  const std::vector<double> small = Normal(500, 0, 1, 2);
  const std::vector<double> large = Normal(5000, 0, 1, 3);
  const std::vector<double> shifted = Normal(5000, 1, 1, 4);
  auto ks = ReferenceColumn::Prepare(Numbers("x", small))->Compare(Numbers("x", shifted), o);
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(ks->method, DriftMethod::kKolmogorovSmirnov);
  EXPECT_TRUE(ks->drifted);
  auto wd = ReferenceColumn::Prepare(Numbers("x", large))->Compare(Numbers("x", shifted), o);
  ASSERT_TRUE(wd.ok());
  EXPECT_EQ(wd->method, DriftMethod::kWasserstein);
  EXPECT_TRUE(wd->drifted);
  EXPECT_NEAR(wd->score, 1.0, 0.1);
  EXPECT_EQ(wd->psi_level, PsiLevel::kSignificant);
  auto same = ReferenceColumn::Prepare(Numbers("x", large))->Compare(Numbers("x", large), o);
  EXPECT_FALSE(same->drifted);
  EXPECT_NEAR(same->psi, 0.0, 1e-12);

  std::vector<double> few(2000);
  for (size_t i = 0; i < few.size(); ++i) few[i] = static_cast<double>(i % 3);
  auto js = ReferenceColumn::Prepare(Numbers("x", few))->Compare(Numbers("x", few), o);
  EXPECT_EQ(js->method, DriftMethod::kJensenShannon);
  EXPECT_EQ(js->distinct_values, 3U);
  few.resize(900);
  auto chi = ReferenceColumn::Prepare(Numbers("x", few))->Compare(Numbers("x", few), o);
  EXPECT_EQ(chi->method, DriftMethod::kChiSquare);
}

TEST(CompareTest, MissingValuesAreDroppedAndAnEmptySideIsAnError) {
  const std::vector<double> ref = {1, NAN, INFINITY, 2, 3, 4, 5, 6, 7};
  const std::vector<double> none = {NAN, -INFINITY};
  auto prepared = ReferenceColumn::Prepare(Numbers("x", ref));
  ASSERT_TRUE(prepared.ok());
  EXPECT_EQ(prepared->rows(), 7U);
  auto r = prepared->Compare(Numbers("x", none), DriftOptions{});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("current"), std::string::npos);
  EXPECT_FALSE(ReferenceColumn::Prepare(Numbers("x", none)).ok());
}

TEST(CompareTest, CategoriesZTestAndDatasetShare) {
  const std::vector<std::string> dict = {"a", "b", "c"};
  std::vector<int32_t> ref(400);
  std::vector<int32_t> cur(400);
  for (size_t i = 0; i < ref.size(); ++i) {
    ref[i] = i % 2 == 0 ? 0 : 1;
    cur[i] = i % 5 == 0 ? 1 : 0;  // 20% b against 50%
  }
  ColumnSample rs{"cat", ColumnKind::kCategorical, false, {}, ref, dict};
  ColumnSample cs{"cat", ColumnKind::kCategorical, false, {}, cur, dict};
  const std::vector<double> num = Normal(300, 0, 1, 9);
  std::vector<ReferenceColumn> refs;
  refs.push_back(*ReferenceColumn::Prepare(rs));
  refs.push_back(*ReferenceColumn::Prepare(Numbers("n", num)));
  refs.push_back(*ReferenceColumn::Prepare(Numbers("m", num)));
  const std::vector<ColumnSample> current = {cs, Numbers("n", num), Numbers("m", num)};
  DriftOptions o;
  o.threads = 2;
  auto d = CompareColumns(refs, current, o);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->columns[0].method, DriftMethod::kZTest);
  EXPECT_TRUE(d->columns[0].drifted);
  EXPECT_FALSE(d->columns[1].drifted);
  EXPECT_EQ(d->drifted_columns, 1U);
  EXPECT_FALSE(d->dataset_drift);  // 1/3 < 0.5
  o.drift_share = 0.3;
  EXPECT_TRUE(CompareColumns(refs, current, o)->dataset_drift);
}

}  // namespace
}  // namespace covidflow::monitor
