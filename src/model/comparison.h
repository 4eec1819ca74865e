#pragma once
// A candidate model against the current champion on the same labelled rows: each one's
// metrics, the candidate − champion delta of each headline metric with its paired bootstrap
// interval, and the promotion rule's decision with its reason. What `covidflow evaluate`
// reports and the retraining loop decides on. Classifiers (CompareClassifiers) also get
// McNemar's test on the rows where exactly one of them is right; regressors
// (CompareRegressors) are compared on MAE, RMSE and R². Both tasks share the deltas, the
// bootstrap (model/significance.h) and the decision; a rule whose metric belongs to the other
// task is kInvalidArgument.
//
// Two classifiers are matched by class name, not by index: the champion's probabilities are
// reordered into the candidate's class order, and two models with different class sets are
// not comparable (kInvalidArgument naming the classes).
//
// Threads: pure functions; any thread.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/metrics.h"
#include "model/promotion.h"
#include "model/significance.h"

namespace covidflow::model {

// One model's output: its class names in index order and rows × classes probabilities.
struct ScoredRows {
  std::vector<std::string> classes;
  std::span<const double> probabilities;
};

inline constexpr Metric kClassifierMetrics[] = {Metric::kAccuracy, Metric::kMacroRecall,
                                                Metric::kMacroF1,  Metric::kWeightedF1,
                                                Metric::kRocAuc,   Metric::kLogLoss};
inline constexpr Metric kRegressorMetrics[] = {Metric::kMae, Metric::kRmse, Metric::kR2};

struct CompareOptions {
  BootstrapOptions bootstrap;
  // The metrics whose deltas are reported (the promotion rule's metric is added if absent);
  // empty = the task's headline ones (kClassifierMetrics, kRegressorMetrics). Metrics of the
  // other task are left out.
  std::vector<Metric> metrics;
  // The promotion rule as written in the candidate's spec; empty = no decision.
  std::string promotion_rule;
};

struct MetricDelta {
  Metric metric = Metric::kAccuracy;
  // The interval, or why there is none (the metric undefined on these rows).
  Result<DeltaInterval> interval = Status::FailedPrecondition("not computed");
};

struct ModelComparison {
  std::vector<std::string> classes;  // the candidate's, the order of every per-class figure
  int64_t rows = 0;
  ClassificationMetrics candidate;
  std::optional<ClassificationMetrics> champion;
  std::vector<MetricDelta> deltas;  // candidate − champion; empty without a champion
  std::optional<McNemarResult> mcnemar;
  std::optional<PromotionRule> rule;
  std::optional<PromotionDecision> decision;
};

// `truth[r]` is row r's true class name. kInvalidArgument when a true class is not one of
// the candidate's (naming the row and the class), when sizes differ, or the rule is bad.
Result<ModelComparison> CompareClassifiers(std::span<const std::string> truth,
                                           const ScoredRows& candidate,
                                           const std::optional<ScoredRows>& champion,
                                           const CompareOptions& options);

struct RegressionComparison {
  int64_t rows = 0;
  RegressionMetrics candidate;
  std::optional<RegressionMetrics> champion;
  std::vector<MetricDelta> deltas;  // candidate − champion; empty without a champion
  std::optional<PromotionRule> rule;
  std::optional<PromotionDecision> decision;
};

// `truth[r]` is row r's true value, `candidate[r]` and `champion[r]` the models' predicted
// values. kInvalidArgument when sizes differ, a value is not finite, or the rule is bad.
Result<RegressionComparison> CompareRegressors(std::span<const double> truth,
                                               std::span<const double> candidate,
                                               std::optional<std::span<const double>> champion,
                                               const CompareOptions& options);

}  // namespace covidflow::model
