#pragma once
// Is model B really better than model A on the same rows, or is the difference noise?
//
//   McNemar       on the rows where exactly one of the two is right: b = only A right,
//                 c = only B right. Exact: two-sided binomial p = min(1, 2·P[X ≤ min(b, c)]),
//                 X ~ Bin(b + c, ½). Asymptotic with continuity correction:
//                 χ² = max(|b − c| − 1, 0)² / (b + c), p from χ² with 1 degree of freedom.
//                 b + c = 0 (the two never disagree) gives p = 1 from both.
//   Paired bootstrap  resamples the rows with replacement (the same resample for both
//                 models, seeded, so the same seed gives the same interval on any machine),
//                 recomputes one metric for each model, and reports the percentile interval
//                 of B − A (numpy's default "linear" percentile). Resamples on which the
//                 metric is undefined (one class drawn only, for ROC-AUC) are left out and
//                 counted; when more than half are, the interval is an error.
//
// Threads: pure functions; any thread.
#include <cstdint>
#include <span>

#include "base/status.h"
#include "model/metrics.h"

namespace covidflow::model {

struct McNemarResult {
  int64_t only_a_correct = 0;  // b
  int64_t only_b_correct = 0;  // c
  double exact_p = 1;
  double chi_square = 0;  // continuity-corrected statistic
  double chi_square_p = 1;
};

McNemarResult McNemarFromCounts(int64_t only_a_correct, int64_t only_b_correct);
// kInvalidArgument when the sizes differ or there are no rows.
Result<McNemarResult> McNemar(std::span<const int32_t> truth, std::span<const int32_t> predicted_a,
                              std::span<const int32_t> predicted_b);

struct BootstrapOptions {
  int resamples = 1000;
  double confidence = 0.95;  // the interval's coverage, in (0, 1)
  uint64_t seed = 1;
};

struct DeltaInterval {
  Metric metric = Metric::kAccuracy;
  double a = 0;      // the metric of A on all rows
  double b = 0;      // of B
  double delta = 0;  // b − a
  double low = 0;    // the interval of b − a over the resamples
  double high = 0;
  int resamples = 0;  // resamples on which the metric was defined for both
  int undefined = 0;  // resamples left out
  // Share of resamples on which B is better than A in the metric's own direction (higher
  // for scores, lower for losses): a one-sided bootstrap estimate, not a p-value.
  double b_better_share = 0;
};

// `a` and `b` are two models' outputs on the same rows: their truth must be identical.
// Classifiers and regressors go through the same resampling (one seed, one draw of rows for
// both models, the same interval and share); only the metric recomputed differs.
Result<DeltaInterval> PairedBootstrap(Metric metric, const ClassifiedRows& a,
                                      const ClassifiedRows& b, const BootstrapOptions& options);
Result<DeltaInterval> PairedBootstrap(Metric metric, const RegressedRows& a, const RegressedRows& b,
                                      const BootstrapOptions& options);

// The interval's quantile at q in [0, 1] of sorted values, numpy's "linear" method.
double LinearQuantile(std::span<const double> sorted, double q);

}  // namespace covidflow::model
