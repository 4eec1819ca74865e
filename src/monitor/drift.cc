#include "monitor/drift.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>
#include <utility>

namespace covidflow::monitor {

std::string_view MethodName(DriftMethod method) {
  switch (method) {
    case DriftMethod::kKolmogorovSmirnov:
      return "ks";
    case DriftMethod::kWasserstein:
      return "wasserstein";
    case DriftMethod::kChiSquare:
      return "chisquare";
    case DriftMethod::kZTest:
      return "z";
    case DriftMethod::kJensenShannon:
      return "jensenshannon";
  }
  return "?";
}

bool IsPValue(DriftMethod method) {
  return method == DriftMethod::kKolmogorovSmirnov || method == DriftMethod::kChiSquare ||
         method == DriftMethod::kZTest;
}

std::string_view PsiLevelName(PsiLevel level) {
  switch (level) {
    case PsiLevel::kNone:
      return "none";
    case PsiLevel::kModerate:
      return "moderate";
    case PsiLevel::kSignificant:
      return "significant";
  }
  return "?";
}

namespace stats {
namespace {

// Order-preserving map of a double to an unsigned key (negative numbers reversed).
uint64_t SortKey(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & 0x8000000000000000ULL) != 0 ? ~bits : bits | 0x8000000000000000ULL;
}
double FromSortKey(uint64_t key) {
  uint64_t bits = (key & 0x8000000000000000ULL) != 0 ? key & ~0x8000000000000000ULL : ~key;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// The probability that a lattice path from (0,0) to (n,n) leaves the band |x - y| < h
// (two equal samples; the reflection-principle series).
double ProbOutsideSquare(int64_t n, int64_t h) {
  double p = 0.0;
  auto k = static_cast<int64_t>(std::floor(static_cast<double>(n) / static_cast<double>(h)));
  for (; k >= 0; --k) {
    double p1 = 1.0;
    for (int64_t j = 0; j < h; ++j) {
      p1 = static_cast<double>(n - k * h - j) * p1 / static_cast<double>(n + k * h + j + 1);
    }
    p = p1 * (1.0 - p);
  }
  return 2 * p;
}

// The probability that a lattice path from (0,0) to (m,n) leaves |nx/g - my/g| < h, by
// Hodges' inside method carried as 1 - p column by column (Viehmann's stable recursion),
// over the sliding window of reachable cells only.
double OuterProbInside(int64_t m, int64_t n, int64_t g, int64_t h) {
  if (m < n) std::swap(m, n);
  const int64_t mg = m / g;
  const int64_t ng = n / g;
  int64_t minj = 0;
  int64_t maxj = std::min<int64_t>(
      static_cast<int64_t>(std::ceil(static_cast<double>(h) / static_cast<double>(mg))), n + 1);
  int64_t curlen = maxj - minj;
  const int64_t len = std::min<int64_t>(2 * maxj + 2, n + 1);
  std::vector<double> a(static_cast<size_t>(len), 1.0);
  std::fill(a.begin() + minj, a.begin() + maxj, 0.0);
  for (int64_t i = 1; i <= m; ++i) {
    const int64_t lastminj = minj;
    const int64_t lastlen = curlen;
    minj = std::max<int64_t>(static_cast<int64_t>(std::floor(static_cast<double>(ng * i - h) /
                                                             static_cast<double>(mg))) +
                                 1,
                             0);
    minj = std::min(minj, n);
    maxj = std::min<int64_t>(
        static_cast<int64_t>(std::ceil(static_cast<double>(ng * i + h) / static_cast<double>(mg))),
        n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    const auto di = static_cast<double>(i);
    for (int64_t jj = 0; jj < maxj - minj; ++jj) {
      const int64_t j = jj + minj;
      val = (a[static_cast<size_t>(jj + minj - lastminj)] * di + val * static_cast<double>(j)) /
            (di + static_cast<double>(j));
      a[static_cast<size_t>(jj)] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const int64_t from = maxj - minj;
      const int64_t to = std::min(len, from + (lastlen - curlen));
      for (int64_t k = from; k < to; ++k) a[static_cast<size_t>(k)] = 1.0;
    }
  }
  return a[static_cast<size_t>(maxj - minj - 1)];
}

// Survival function of the Kolmogorov distribution at d for an effective size en, with
// Stephens' finite-size correction (scipy uses the exact distribution of size en here).
double KolmogorovSurvival(double d, double en) {
  const double s = std::sqrt(en);
  const double lambda = (s + 0.12 + 0.11 / s) * d;
  if (lambda < 0.2) return 1.0;
  double sum = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += (k % 2 == 1 ? term : -term);
    if (term < 1e-300) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

// The standard normal CDF as cephes' ndtr computes it (the split decides the rounding, and
// the Z-test's p-value is 2 * (1 - ndtr(|z|)) as Evidently writes it).
double NormalCdf(double a) {
  const double x = a * M_SQRT1_2;
  const double z = std::fabs(x);
  if (z < M_SQRT1_2) return 0.5 + 0.5 * std::erf(x);
  double y = 0.5 * std::erfc(z);
  if (x > 0) y = 1.0 - y;
  return y;
}

// Evidently's fill of empty bins before a logarithm: a millionth of the smallest non-empty
// share when that is at most 1e-4, else 1e-4.
void FillZeros(std::vector<double>* shares) {
  double smallest = std::numeric_limits<double>::infinity();
  for (double s : *shares) {
    if (s != 0) smallest = std::min(smallest, s);
  }
  if (!std::isfinite(smallest)) return;
  const double fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
  for (double& s : *shares) {
    if (s == 0) s = fill;
  }
}

// x * log(x / y) with the conventions of scipy.special.rel_entr.
double RelEntr(double x, double y) {
  if (x > 0 && y > 0) return x * std::log(x / y);
  if (x == 0 && y >= 0) return 0;
  return std::numeric_limits<double>::infinity();
}

}  // namespace

void SortDoubles(std::vector<double>* values) {
  const size_t n = values->size();
  if (n < 2048) {
    std::sort(values->begin(), values->end());
    return;
  }
  // LSD radix sort on the order-preserving keys, 11 bits a pass; a pass whose digit is the
  // same for every key (the exponent's top bits, usually) is skipped.
  constexpr int kBits = 11;
  constexpr size_t kBuckets = size_t{1} << kBits;
  constexpr int kPasses = (64 + kBits - 1) / kBits;
  std::vector<uint64_t> keys(n);
  std::vector<uint64_t> scratch(n);
  std::vector<size_t> counts(kBuckets * kPasses, 0);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = SortKey((*values)[i]);
    keys[i] = k;
    for (int p = 0; p < kPasses; ++p)
      ++counts[p * kBuckets + ((k >> (p * kBits)) & (kBuckets - 1))];
  }
  for (int p = 0; p < kPasses; ++p) {
    size_t* c = &counts[p * kBuckets];
    if (c[(keys[0] >> (p * kBits)) & (kBuckets - 1)] == n) continue;
    size_t sum = 0;
    for (size_t b = 0; b < kBuckets; ++b) sum += std::exchange(c[b], sum);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t k = keys[i];
      scratch[c[(k >> (p * kBits)) & (kBuckets - 1)]++] = k;
    }
    keys.swap(scratch);
  }
  for (size_t i = 0; i < n; ++i) (*values)[i] = FromSortKey(keys[i]);
}

KsResult KolmogorovSmirnov(std::span<const double> a, std::span<const double> b) {
  const size_t n1 = a.size();
  const size_t n2 = b.size();
  KsResult r;
  if (n1 == 0 || n2 == 0) return r;
  // The empirical CDFs compared at every value of either sample (equal values together).
  double max_diff = -std::numeric_limits<double>::infinity();
  double min_diff = std::numeric_limits<double>::infinity();
  size_t i = 0;
  size_t j = 0;
  const auto d1 = static_cast<double>(n1);
  const auto d2 = static_cast<double>(n2);
  while (i < n1 || j < n2) {
    const double v = j == n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] == v) ++i;
    while (j < n2 && b[j] == v) ++j;
    const double diff = static_cast<double>(i) / d1 - static_cast<double>(j) / d2;
    max_diff = std::max(max_diff, diff);
    min_diff = std::min(min_diff, diff);
  }
  const double min_s = std::clamp(-min_diff, 0.0, 1.0);
  double d = min_s > max_diff ? min_s : max_diff;
  const auto g = static_cast<int64_t>(std::gcd(n1, n2));
  const auto m1 = static_cast<int64_t>(n1);
  const auto m2 = static_cast<int64_t>(n2);
  if (std::max(n1, n2) <= 10000) {
    // scipy's exact branch: d rounded to the lattice of 1/lcm, then the path count.
    const int64_t lcm = (m1 / g) * m2;
    const auto h = static_cast<int64_t>(std::nearbyint(d * static_cast<double>(lcm)));
    d = static_cast<double>(h) / static_cast<double>(lcm);
    double p = 1.0;
    if (h != 0) p = n1 == n2 ? ProbOutsideSquare(m1, h) : OuterProbInside(m1, m2, g, h);
    if (std::isfinite(p) && p >= 0 && p <= 1) {
      r.statistic = d;
      r.p_value = p;
      return r;
    }
  }
  const double big = std::max(d1, d2);
  const double small = std::min(d1, d2);
  const double en = std::nearbyint(big * small / (big + small));
  r.statistic = d;
  r.p_value = KolmogorovSurvival(d, en);
  r.exact = false;
  return r;
}

double Wasserstein(std::span<const double> a, std::span<const double> b) {
  const size_t na = a.size();
  const size_t nb = b.size();
  if (na == 0 || nb == 0) return std::numeric_limits<double>::quiet_NaN();
  size_t i = 0;
  size_t j = 0;
  long double sum = 0;
  double prev = 0;
  bool first = true;
  double prev_gap = 0;
  while (i < na || j < nb) {
    const double v = j == nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
    if (!first) sum += static_cast<long double>(prev_gap) * (v - prev);
    while (i < na && a[i] == v) ++i;
    while (j < nb && b[j] == v) ++j;
    prev_gap = std::fabs(static_cast<double>(i) / static_cast<double>(na) -
                         static_cast<double>(j) / static_cast<double>(nb));
    prev = v;
    first = false;
  }
  return static_cast<double>(sum);
}

double RegularizedGammaQ(double s, double x) {
  if (x < 0 || s <= 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  const double log_prefix = s * std::log(x) - x - std::lgamma(s);
  if (x < s + 1) {
    // P by its series; Q = 1 - P.
    double term = 1.0 / s;
    double sum = term;
    for (int k = 1; k < 100000; ++k) {
      term *= x / (s + k);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
    }
    return std::clamp(1.0 - sum * std::exp(log_prefix), 0.0, 1.0);
  }
  // Q by its continued fraction (modified Lentz).
  constexpr double kTiny = 1e-300;
  double b = x + 1 - s;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int k = 1; k < 100000; ++k) {
    const double an = -k * (k - s);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::clamp(std::exp(log_prefix) * h, 0.0, 1.0);
}

double ChiSquarePValue(std::span<const int64_t> reference, std::span<const int64_t> observed) {
  const int64_t n = std::accumulate(reference.begin(), reference.end(), int64_t{0});
  const int64_t m = std::accumulate(observed.begin(), observed.end(), int64_t{0});
  if (n == 0 || reference.size() < 2) return 1.0;
  const double k_norm = static_cast<double>(m) / static_cast<double>(n);
  double stat = 0;
  for (size_t k = 0; k < reference.size(); ++k) {
    const double expected = static_cast<double>(reference[k]) * k_norm;
    const double diff = static_cast<double>(observed[k]) - expected;
    if (expected == 0) {
      // A category the reference never had: an infinite statistic, p = 0.
      if (observed[k] != 0) return 0.0;
      continue;
    }
    stat += diff * diff / expected;
  }
  return RegularizedGammaQ(static_cast<double>(reference.size() - 1) / 2, stat / 2);
}

double ProportionsZTestPValue(int64_t x, int64_t n, int64_t y, int64_t m) {
  const auto n1 = static_cast<double>(n);
  const auto n2 = static_cast<double>(m);
  const double p1 = static_cast<double>(x) / n1;
  const double p2 = static_cast<double>(y) / n2;
  const double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const double z = (p1 - p2) / std::sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
  return 2 * (1 - NormalCdf(std::fabs(z)));
}

double JensenShannon(std::span<const int64_t> a, std::span<const int64_t> b) {
  const auto ta = static_cast<double>(std::accumulate(a.begin(), a.end(), int64_t{0}));
  const auto tb = static_cast<double>(std::accumulate(b.begin(), b.end(), int64_t{0}));
  double js = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    const double p = static_cast<double>(a[k]) / ta;
    const double q = static_cast<double>(b[k]) / tb;
    const double mid = (p + q) / 2;
    js += RelEntr(p, mid) + RelEntr(q, mid);
  }
  return std::sqrt(js / 2);
}

double Psi(std::span<const int64_t> reference, std::span<const int64_t> current) {
  const auto tr =
      static_cast<double>(std::accumulate(reference.begin(), reference.end(), int64_t{0}));
  const auto tc = static_cast<double>(std::accumulate(current.begin(), current.end(), int64_t{0}));
  std::vector<double> r(reference.size());
  std::vector<double> c(current.size());
  for (size_t k = 0; k < r.size(); ++k) {
    r[k] = static_cast<double>(reference[k]) / tr;
    c[k] = static_cast<double>(current[k]) / tc;
  }
  FillZeros(&r);
  FillZeros(&c);
  double psi = 0;
  for (size_t k = 0; k < r.size(); ++k) psi += (r[k] - c[k]) * std::log(r[k] / c[k]);
  return psi;
}

}  // namespace stats

namespace {

PsiLevel LevelOf(double psi, const DriftOptions& o) {
  if (psi >= o.psi_significant) return PsiLevel::kSignificant;
  if (psi >= o.psi_moderate) return PsiLevel::kModerate;
  return PsiLevel::kNone;
}

// Chi-square, Z or Jensen–Shannon on counts aligned by value, as Evidently picks them for
// categories (and for numbers with few distinct values).
void CompareCounts(std::span<const int64_t> ref, std::span<const int64_t> cur, size_t ref_rows,
                   const DriftOptions& o, ColumnDrift* out) {
  const size_t values = ref.size();
  if (ref_rows <= o.small_sample_rows) {
    out->threshold = o.p_value_threshold;
    if (values > 2) {
      out->method = DriftMethod::kChiSquare;
      out->score = stats::ChiSquarePValue(ref, cur);
    } else {
      out->method = DriftMethod::kZTest;
      if (values == 1) {
        out->score = 1.0;  // both sides hold the one same value
      } else {
        const int64_t n = ref[0] + ref[1];
        const int64_t m = cur[0] + cur[1];
        out->score = stats::ProportionsZTestPValue(ref[1], n, cur[1], m);
      }
    }
    out->drifted = out->score < out->threshold;
  } else {
    out->method = DriftMethod::kJensenShannon;
    out->threshold = o.distance_threshold;
    out->score = stats::JensenShannon(ref, cur);
    out->drifted = out->score >= out->threshold;
  }
}

std::string FormatNumber(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Equal-width bars over both sides' range (Sturges' count, capped), for reports.
std::vector<HistogramBar> NumericHistogram(std::span<const double> ref, std::span<const double> cur,
                                           const DriftOptions& o) {
  const double lo = std::min(ref.front(), cur.front());
  const double hi = std::max(ref.back(), cur.back());
  int bins =
      static_cast<int>(std::ceil(std::log2(static_cast<double>(ref.size() + cur.size())) + 1));
  bins = std::clamp(bins, 1, std::max(1, o.histogram_bins_max));
  if (hi == lo) bins = 1;
  std::vector<HistogramBar> bars(static_cast<size_t>(bins));
  const double width = (hi - lo) / bins;
  size_t ri = 0;
  size_t ci = 0;
  for (int b = 0; b < bins; ++b) {
    const double left = lo + width * b;
    const double right = b + 1 == bins ? hi : lo + width * (b + 1);
    size_t rend =
        b + 1 == bins
            ? ref.size()
            : static_cast<size_t>(std::lower_bound(ref.begin(), ref.end(), right) - ref.begin());
    size_t cend =
        b + 1 == bins
            ? cur.size()
            : static_cast<size_t>(std::lower_bound(cur.begin(), cur.end(), right) - cur.begin());
    HistogramBar& bar = bars[static_cast<size_t>(b)];
    bar.label = "[" + FormatNumber(left) + ", " + FormatNumber(right) + (b + 1 == bins ? "]" : ")");
    bar.reference = static_cast<double>(rend - ri) / static_cast<double>(ref.size());
    bar.current = static_cast<double>(cend - ci) / static_cast<double>(cur.size());
    ri = rend;
    ci = cend;
  }
  return bars;
}

// Rows of `sorted` in the PSI bins cut at `edges`: (-inf, e0], (e0, e1], ..., (e_last, inf).
std::vector<int64_t> CountBins(std::span<const double> sorted, const std::vector<double>& edges) {
  std::vector<int64_t> counts(edges.size() + 1, 0);
  size_t prev = 0;
  for (size_t k = 0; k < edges.size(); ++k) {
    const auto end = static_cast<size_t>(std::upper_bound(sorted.begin(), sorted.end(), edges[k]) -
                                         sorted.begin());
    counts[k] = static_cast<int64_t>(end - prev);
    prev = end;
  }
  counts.back() = static_cast<int64_t>(sorted.size() - prev);
  return counts;
}

// The reference's quantiles at 1/bins .. (bins-1)/bins (numpy's default, linear), without
// repeats.
std::vector<double> QuantileEdges(std::span<const double> sorted, int bins) {
  std::vector<double> edges;
  const auto last = static_cast<double>(sorted.size() - 1);
  for (int k = 1; k < bins; ++k) {
    const double pos = last * k / bins;
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double q = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
    if (edges.empty() || q > edges.back()) edges.push_back(q);
  }
  return edges;
}

}  // namespace

Result<ReferenceColumn> ReferenceColumn::Prepare(const ColumnSample& sample) {
  ReferenceColumn r;
  r.name_ = sample.name;
  r.kind_ = sample.kind;
  r.integer_ = sample.integer;
  if (sample.kind == ColumnKind::kNumeric) {
    r.sorted_.reserve(sample.numbers.size());
    for (double v : sample.numbers) {
      if (std::isfinite(v)) r.sorted_.push_back(v);
    }
    if (r.sorted_.empty()) {
      return Status::InvalidArgument("column '" + sample.name +
                                     "' has no values in the reference data");
    }
    stats::SortDoubles(&r.sorted_);
    long double sum = 0;
    for (double v : r.sorted_) sum += v;
    const long double mean = sum / static_cast<long double>(r.sorted_.size());
    long double sq = 0;
    for (double v : r.sorted_) sq += (v - mean) * (v - mean);
    r.std_dev_ = static_cast<double>(std::sqrt(sq / static_cast<long double>(r.sorted_.size())));
    return r;
  }
  r.categories_.assign(sample.categories.begin(), sample.categories.end());
  r.counts_.assign(sample.categories.size(), 0);
  for (int32_t code : sample.codes) {
    if (code < 0) continue;
    if (static_cast<size_t>(code) >= r.counts_.size()) {
      return Status::InvalidArgument("column '" + sample.name + "': category code " +
                                     std::to_string(code) + " outside its dictionary");
    }
    ++r.counts_[static_cast<size_t>(code)];
    ++r.total_;
  }
  if (r.total_ == 0) {
    return Status::InvalidArgument("column '" + sample.name +
                                   "' has no values in the reference data");
  }
  return r;
}

Result<ColumnDrift> ReferenceColumn::Compare(const ColumnSample& current,
                                             const DriftOptions& o) const {
  if (current.kind != kind_) {
    return Status::InvalidArgument("column '" + name_ +
                                   "' is numeric on one side and categorical on the other");
  }
  ColumnDrift out;
  out.column = name_;
  out.kind = kind_;
  const auto empty_current = [&] {
    return Status::InvalidArgument("column '" + name_ + "' has no values in the current data");
  };
  if (kind_ == ColumnKind::kNumeric) {
    std::vector<double> cur;
    cur.reserve(current.numbers.size());
    for (double v : current.numbers) {
      if (std::isfinite(v)) cur.push_back(v);
    }
    if (cur.empty()) return empty_current();
    stats::SortDoubles(&cur);
    const std::span<const double> ref(sorted_);
    out.reference_rows = ref.size();
    out.current_rows = cur.size();
    // Distinct values of both sides together; with few of them, their counts.
    std::vector<int64_t> ref_counts;
    std::vector<int64_t> cur_counts;
    size_t distinct = 0;
    {
      size_t i = 0;
      size_t j = 0;
      while (i < ref.size() || j < cur.size()) {
        const double v = j == cur.size() || (i < ref.size() && ref[i] <= cur[j]) ? ref[i] : cur[j];
        const size_t i0 = i;
        const size_t j0 = j;
        while (i < ref.size() && ref[i] == v) ++i;
        while (j < cur.size() && cur[j] == v) ++j;
        if (++distinct <= o.few_values) {
          ref_counts.push_back(static_cast<int64_t>(i - i0));
          cur_counts.push_back(static_cast<int64_t>(j - j0));
        }
      }
    }
    out.distinct_values = distinct;
    if (distinct <= o.few_values) {
      CompareCounts(ref_counts, cur_counts, ref.size(), o, &out);
    } else if (ref.size() <= o.small_sample_rows) {
      out.method = DriftMethod::kKolmogorovSmirnov;
      out.threshold = o.p_value_threshold;
      out.score = stats::KolmogorovSmirnov(ref, cur).p_value;
      out.drifted = out.score <= out.threshold;
    } else {
      out.method = DriftMethod::kWasserstein;
      out.threshold = o.distance_threshold;
      out.score = stats::Wasserstein(ref, cur) / std::max(std_dev_, 0.001);
      out.drifted = out.score >= out.threshold;
    }
    const std::vector<double> edges = QuantileEdges(ref, std::max(1, o.psi_bins));
    out.psi = stats::Psi(CountBins(ref, edges), CountBins(cur, edges));
    out.psi_level = LevelOf(out.psi, o);
    out.histogram = NumericHistogram(ref, cur, o);
    return out;
  }

  // Categories: counts per code; a dictionary grown since the reference was prepared gives
  // the new codes a reference count of 0.
  const size_t size = std::max(counts_.size(), current.categories.size());
  std::vector<int64_t> cur_all(size, 0);
  for (int32_t code : current.codes) {
    if (code < 0) continue;
    if (static_cast<size_t>(code) >= size) {
      return Status::InvalidArgument("column '" + name_ + "': category code " +
                                     std::to_string(code) + " outside its dictionary");
    }
    ++cur_all[static_cast<size_t>(code)];
    ++out.current_rows;
  }
  if (out.current_rows == 0) return empty_current();
  out.reference_rows = total_;
  std::vector<int64_t> ref_counts;
  std::vector<int64_t> cur_counts;
  std::vector<size_t> codes;
  for (size_t k = 0; k < size; ++k) {
    const int64_t r = k < counts_.size() ? counts_[k] : 0;
    if (r == 0 && cur_all[k] == 0) continue;
    ref_counts.push_back(r);
    cur_counts.push_back(cur_all[k]);
    codes.push_back(k);
  }
  out.distinct_values = codes.size();
  CompareCounts(ref_counts, cur_counts, total_, o, &out);
  out.psi = stats::Psi(ref_counts, cur_counts);
  out.psi_level = LevelOf(out.psi, o);

  // Report bars: the most frequent categories (both sides together), the rest as one bar.
  std::vector<size_t> order(codes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return ref_counts[x] + cur_counts[x] > ref_counts[y] + cur_counts[y];
  });
  const auto shown = std::min(order.size(), static_cast<size_t>(std::max(1, o.categories_shown)));
  const std::span<const std::string> names = current.categories.size() >= categories_.size()
                                                 ? current.categories
                                                 : std::span<const std::string>(categories_);
  HistogramBar other{"(other)", 0, 0};
  for (size_t x = 0; x < order.size(); ++x) {
    const size_t k = order[x];
    const double rs = static_cast<double>(ref_counts[k]) / static_cast<double>(total_);
    const double cs = static_cast<double>(cur_counts[k]) / static_cast<double>(out.current_rows);
    if (x < shown) {
      const size_t code = codes[k];
      out.histogram.push_back({code < names.size() ? names[code] : std::to_string(code), rs, cs});
    } else {
      other.reference += rs;
      other.current += cs;
    }
  }
  if (order.size() > shown) out.histogram.push_back(other);
  return out;
}

Result<DatasetDrift> CompareColumns(std::span<const ReferenceColumn> reference,
                                    std::span<const ColumnSample> current,
                                    const DriftOptions& options) {
  if (reference.size() != current.size()) {
    return Status::InvalidArgument("reference and current samples have different columns");
  }
  if (reference.empty()) return Status::InvalidArgument("no columns to compare");
  std::vector<Result<ColumnDrift>> results(reference.size(),
                                           Status::Internal("column not compared"));
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t k = next.fetch_add(1); k < reference.size(); k = next.fetch_add(1)) {
      results[k] = reference[k].Compare(current[k], options);
    }
  };
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, reference.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();

  DatasetDrift out;
  for (auto& r : results) {
    if (!r.ok()) return r.status();
    out.drifted_columns += r->drifted ? 1 : 0;
    out.columns.push_back(std::move(*r));
  }
  out.drift_share =
      static_cast<double>(out.drifted_columns) / static_cast<double>(out.columns.size());
  out.dataset_drift = out.drift_share >= options.drift_share;
  return out;
}

}  // namespace covidflow::monitor
