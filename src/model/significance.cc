#include "model/significance.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace covidflow::model {
namespace {

// P[X <= m] for X ~ Bin(n, 1/2). The largest term comes from lgamma once; the smaller ones
// by the exact ratio C(n, i-1) / C(n, i) = i / (n - i + 1), so no term underflows on the way.
double BinomialHalfCdf(int64_t m, int64_t n) {
  if (m >= n) return 1.0;
  const double nd = static_cast<double>(n);
  const double md = static_cast<double>(m);
  const double log_top =
      std::lgamma(nd + 1) - std::lgamma(md + 1) - std::lgamma(nd - md + 1) - nd * std::log(2.0);
  double relative_sum = 1.0;
  double term = 1.0;
  for (int64_t i = m; i > 0; --i) {
    term *= static_cast<double>(i) / static_cast<double>(n - i + 1);
    relative_sum += term;
    if (term < 1e-18 * relative_sum) break;
  }
  return std::exp(log_top + std::log(relative_sum));
}

// A fixed generator (splitmix64) rather than std::mt19937 + a std distribution, whose
// mapping to a range differs between standard libraries: the same seed must give the same
// interval with libstdc++ and libc++.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by rejection (no modulo bias).
  uint64_t Below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t r = Next();
      if (r >= threshold) return r % n;
    }
  }

 private:
  uint64_t state_;
};

// One model's rows, drawn by `index`, in buffers reused across resamples.
struct ClassifiedResample {
  std::vector<int32_t> truth;
  std::vector<int32_t> predicted;
  std::vector<double> probabilities;

  ClassifiedRows Draw(const ClassifiedRows& rows, const std::vector<size_t>& index) {
    const size_t k = static_cast<size_t>(rows.num_classes);
    truth.resize(index.size());
    predicted.resize(index.size());
    probabilities.resize(rows.probabilities.empty() ? 0 : index.size() * k);
    for (size_t i = 0; i < index.size(); ++i) {
      truth[i] = rows.truth[index[i]];
      predicted[i] = rows.predicted[index[i]];
      if (!probabilities.empty()) {
        std::copy_n(rows.probabilities.begin() + static_cast<std::ptrdiff_t>(index[i] * k), k,
                    probabilities.begin() + static_cast<std::ptrdiff_t>(i * k));
      }
    }
    return {rows.num_classes, truth, predicted, probabilities};
  }
};

struct RegressedResample {
  std::vector<double> truth;
  std::vector<double> predicted;

  RegressedRows Draw(const RegressedRows& rows, const std::vector<size_t>& index) {
    truth.resize(index.size());
    predicted.resize(index.size());
    for (size_t i = 0; i < index.size(); ++i) {
      truth[i] = rows.truth[index[i]];
      predicted[i] = rows.predicted[index[i]];
    }
    return {truth, predicted};
  }
};

bool SameTruth(const ClassifiedRows& a, const ClassifiedRows& b) {
  return a.num_classes == b.num_classes && a.truth.size() == b.truth.size() &&
         std::equal(a.truth.begin(), a.truth.end(), b.truth.begin());
}

bool SameTruth(const RegressedRows& a, const RegressedRows& b) {
  return a.truth.size() == b.truth.size() &&
         std::equal(a.truth.begin(), a.truth.end(), b.truth.begin());
}

// The one bootstrap of both tasks: `Rows` is ClassifiedRows or RegressedRows, `Resample` the
// buffers that draw it.
template <typename Resample, typename Rows>
Result<DeltaInterval> Bootstrap(Metric metric, const Rows& a, const Rows& b,
                                const BootstrapOptions& options) {
  if (options.resamples < 1) {
    return Status::InvalidArgument("bootstrap resamples must be at least 1, got " +
                                   std::to_string(options.resamples));
  }
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return Status::InvalidArgument("bootstrap confidence must be in (0, 1), got " +
                                   std::to_string(options.confidence));
  }
  if (!SameTruth(a, b)) {
    return Status::InvalidArgument("the two models were not evaluated on the same labelled rows");
  }
  DeltaInterval out;
  out.metric = metric;
  ASSIGN_OR_RETURN(out.a, ComputeMetric(metric, a));
  ASSIGN_OR_RETURN(out.b, ComputeMetric(metric, b));
  out.delta = out.b - out.a;

  const size_t n = a.truth.size();
  SplitMix64 rng(options.seed);
  std::vector<size_t> index(n);
  Resample resample_a;
  Resample resample_b;
  std::vector<double> deltas;
  deltas.reserve(static_cast<size_t>(options.resamples));
  int b_better = 0;
  for (int r = 0; r < options.resamples; ++r) {
    for (size_t& i : index) i = static_cast<size_t>(rng.Below(n));
    Result<double> value_a = ComputeMetric(metric, resample_a.Draw(a, index));
    Result<double> value_b = ComputeMetric(metric, resample_b.Draw(b, index));
    if (!value_a.ok() || !value_b.ok()) {
      ++out.undefined;
      continue;
    }
    const double d = *value_b - *value_a;
    deltas.push_back(d);
    b_better += (HigherIsBetter(metric) ? d > 0 : d < 0) ? 1 : 0;
  }
  if (out.undefined * 2 > options.resamples) {
    return Status::FailedPrecondition(std::string(MetricName(metric)) + " was undefined on " +
                                      std::to_string(out.undefined) + " of " +
                                      std::to_string(options.resamples) +
                                      " bootstrap resamples (too few rows of a class?)");
  }
  std::sort(deltas.begin(), deltas.end());
  const double tail = (1.0 - options.confidence) / 2.0;
  out.low = LinearQuantile(deltas, tail);
  out.high = LinearQuantile(deltas, 1.0 - tail);
  out.resamples = static_cast<int>(deltas.size());
  out.b_better_share = static_cast<double>(b_better) / static_cast<double>(deltas.size());
  return out;
}

}  // namespace

McNemarResult McNemarFromCounts(int64_t only_a_correct, int64_t only_b_correct) {
  McNemarResult r;
  r.only_a_correct = only_a_correct;
  r.only_b_correct = only_b_correct;
  const int64_t n = only_a_correct + only_b_correct;
  if (n == 0) return r;
  r.exact_p = std::min(1.0, 2.0 * BinomialHalfCdf(std::min(only_a_correct, only_b_correct), n));
  const double excess =
      std::max(std::abs(static_cast<double>(only_a_correct - only_b_correct)) - 1.0, 0.0);
  r.chi_square = excess * excess / static_cast<double>(n);
  r.chi_square_p = std::erfc(std::sqrt(r.chi_square / 2.0));
  return r;
}

Result<McNemarResult> McNemar(std::span<const int32_t> truth, std::span<const int32_t> predicted_a,
                              std::span<const int32_t> predicted_b) {
  if (truth.empty()) return Status::InvalidArgument("no rows to compare");
  if (predicted_a.size() != truth.size() || predicted_b.size() != truth.size()) {
    return Status::InvalidArgument("McNemar needs both models' predictions on the same " +
                                   std::to_string(truth.size()) + " rows");
  }
  int64_t only_a = 0;
  int64_t only_b = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const bool a_right = predicted_a[i] == truth[i];
    const bool b_right = predicted_b[i] == truth[i];
    only_a += (a_right && !b_right) ? 1 : 0;
    only_b += (b_right && !a_right) ? 1 : 0;
  }
  return McNemarFromCounts(only_a, only_b);
}

double LinearQuantile(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

Result<DeltaInterval> PairedBootstrap(Metric metric, const ClassifiedRows& a,
                                      const ClassifiedRows& b, const BootstrapOptions& options) {
  return Bootstrap<ClassifiedResample>(metric, a, b, options);
}

Result<DeltaInterval> PairedBootstrap(Metric metric, const RegressedRows& a, const RegressedRows& b,
                                      const BootstrapOptions& options) {
  return Bootstrap<RegressedResample>(metric, a, b, options);
}

}  // namespace covidflow::model
