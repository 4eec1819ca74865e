#pragma once
// Data drift per column and per dataset, with the method choice and thresholds of Evidently
// 0.7's DataDriftPreset (its defaults; docs/monitoring.md lists each rule and where it comes
// from), plus the population stability index (PSI) beside it.
//
// Per column, after dropping missing values (NaN, ±inf, a missing category):
//   reference rows <= 1000: numeric with more than 5 distinct values (both sides together) →
//     two-sample Kolmogorov–Smirnov, drift when p <= 0.05; categorical, or numeric with at
//     most 5 distinct values → chi-square (p < 0.05), or the two-proportion Z-test (p < 0.05)
//     when there are at most 2 distinct values;
//   reference rows > 1000: numeric with more than 5 distinct values → Wasserstein distance
//     divided by the reference's standard deviation (at least 0.001), drift when >= 0.1;
//     otherwise Jensen–Shannon distance (natural log) between the value frequencies, drift
//     when >= 0.1.
// The dataset drifts when the share of drifted columns is >= 0.5.
//
// The reference side is prepared once (sorted values, category counts) and compared with any
// number of current samples — a window of the stream, a day of the lake — without touching
// the reference's rows again. Prepared references are immutable and may be shared by
// threads; CompareColumns runs columns in parallel.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace covidflow::monitor {

enum class ColumnKind : uint8_t { kNumeric, kCategorical };

enum class DriftMethod : uint8_t {
  kKolmogorovSmirnov,  // "ks": p-value
  kWasserstein,        // "wasserstein": normed distance
  kChiSquare,          // "chisquare": p-value
  kZTest,              // "z": p-value
  kJensenShannon,      // "jensenshannon": distance
};
// Evidently's name of the method ("ks", "wasserstein", "chisquare", "z", "jensenshannon").
std::string_view MethodName(DriftMethod method);
// True when the method's score is a p-value (drift below the threshold), false for distances
// (drift at or above it).
bool IsPValue(DriftMethod method);

enum class PsiLevel : uint8_t { kNone, kModerate, kSignificant };  // < 0.1, < 0.25, >= 0.25
std::string_view PsiLevelName(PsiLevel level);

struct DriftOptions {
  size_t small_sample_rows = 1000;  // reference rows up to which the tests are used
  size_t few_values = 5;            // numeric columns with this many distinct values or fewer
                                    // are compared as categories
  double p_value_threshold = 0.05;  // KS (p <= t), chi-square and Z (p < t)
  double distance_threshold = 0.1;  // Wasserstein, Jensen–Shannon (score >= t)
  double drift_share = 0.5;         // dataset drift: drifted columns / columns >= this
  int psi_bins = 10;                // numeric PSI: bins at the reference's quantiles
  double psi_moderate = 0.1;
  double psi_significant = 0.25;
  int histogram_bins_max = 40;  // report histograms (not used by any verdict)
  int categories_shown = 20;    // report: most frequent categories kept, the rest summed
  int threads = 0;              // CompareColumns: 0 = one per core, at most one per column
};

// One bar of a report histogram: the share of each side's rows in it.
struct HistogramBar {
  std::string label;  // "[lo, hi)" for numbers, the category for categories
  double reference = 0;
  double current = 0;
};

struct ColumnDrift {
  std::string column;
  ColumnKind kind = ColumnKind::kNumeric;
  DriftMethod method = DriftMethod::kKolmogorovSmirnov;
  double threshold = 0;
  double score = 0;  // p-value or distance, as `method` says
  bool drifted = false;
  size_t reference_rows = 0;  // without missing values
  size_t current_rows = 0;
  size_t distinct_values = 0;  // both sides together
  double psi = 0;
  PsiLevel psi_level = PsiLevel::kNone;
  std::vector<HistogramBar> histogram;
};

struct DatasetDrift {
  std::vector<ColumnDrift> columns;  // in the order asked
  size_t drifted_columns = 0;
  double drift_share = 0;  // drifted_columns / columns
  bool dataset_drift = false;
};

// A column of a current (or reference) sample, as the caller holds it. Categories are codes
// into a dictionary the caller shares between the two sides (-1 = missing); numbers use NaN
// or ±inf for missing. `integer` marks numbers that came from an integer type.
struct ColumnSample {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  bool integer = false;
  std::span<const double> numbers;          // kNumeric
  std::span<const int32_t> codes;           // kCategorical
  std::span<const std::string> categories;  // kCategorical: the dictionary (for reports)
};

// The reference side of one column, prepared once.
class ReferenceColumn {
 public:
  // kInvalidArgument when no value is left after dropping missing ones (Evidently refuses an
  // empty column too), or a code is outside the dictionary.
  static Result<ReferenceColumn> Prepare(const ColumnSample& sample);

  const std::string& name() const { return name_; }
  ColumnKind kind() const { return kind_; }
  size_t rows() const { return kind_ == ColumnKind::kNumeric ? sorted_.size() : total_; }

  // Drift of `current` (same name, kind and dictionary) against this reference.
  Result<ColumnDrift> Compare(const ColumnSample& current, const DriftOptions& options) const;

 private:
  std::string name_;
  ColumnKind kind_ = ColumnKind::kNumeric;
  bool integer_ = false;
  std::vector<double> sorted_;           // numeric: finite values, ascending
  double std_dev_ = 0;                   // numeric: population standard deviation
  std::vector<int64_t> counts_;          // categorical: rows per code
  std::vector<std::string> categories_;  // categorical: the dictionary
  size_t total_ = 0;                     // categorical: rows with a category
};

// The drift of each current column against the reference column of the same position, and
// the dataset verdict. Columns run on options.threads threads.
Result<DatasetDrift> CompareColumns(std::span<const ReferenceColumn> reference,
                                    std::span<const ColumnSample> current,
                                    const DriftOptions& options);

// The statistics, exposed for tests and for callers with data already in this form. Inputs
// are sorted ascending and finite; counts are aligned by category.
namespace stats {
// scipy.stats.ks_2samp(a, b) two-sided, method 'auto': the statistic and its p-value (exact
// when both samples have at most 10,000 values; otherwise the asymptotic Kolmogorov
// distribution, see docs/monitoring.md for how far that one is from scipy's).
struct KsResult {
  double statistic = 0;
  double p_value = 1;
  bool exact = true;
};
KsResult KolmogorovSmirnov(std::span<const double> a, std::span<const double> b);
// scipy.stats.wasserstein_distance(a, b) (first Wasserstein distance of the empirical laws).
double Wasserstein(std::span<const double> a, std::span<const double> b);
// Pearson's chi-square of `observed` against `reference` scaled to the same total; the
// p-value (0 when a category is new to the reference).
double ChiSquarePValue(std::span<const int64_t> reference, std::span<const int64_t> observed);
// Two-sided two-proportion Z-test: `x` of `n` against `y` of `m`.
double ProportionsZTestPValue(int64_t x, int64_t n, int64_t y, int64_t m);
// Jensen–Shannon distance (natural log) between two count vectors (normalised here).
double JensenShannon(std::span<const int64_t> a, std::span<const int64_t> b);
// Population stability index of two count vectors, empty bins filled as Evidently does.
double Psi(std::span<const int64_t> reference, std::span<const int64_t> current);
// Q(s, x) = Γ(s, x) / Γ(s): the chi-square survival function is Q(k/2, x/2).
double RegularizedGammaQ(double s, double x);
// Sorts finite doubles ascending (radix sort: the drift of a million rows is mostly sorting).
void SortDoubles(std::vector<double>* values);
}  // namespace stats

}  // namespace covidflow::monitor
