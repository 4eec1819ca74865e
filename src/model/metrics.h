#pragma once
// Held-out quality, computed in one place for train, evaluate, monitor and the loop, with
// scikit-learn's definitions (1.9, checked to 1e-9 by the test `model_metrics_parity`):
//
//   precision, recall, F1   per class over the model's classes 0..k-1 (sklearn's
//                           `labels=range(k)`), zero_division=0: a class never predicted has
//                           precision 0, a class absent from the truth has recall 0, and both
//                           count in the macro averages; F1 = 2·tp / (true + predicted)
//   weighted F1             per-class F1 averaged with the truth's class counts as weights
//   ROC-AUC                 binary: the positive class's probability (column 1); multiclass:
//                           one-vs-rest, unweighted mean over classes; tied scores form one
//                           step of the curve (area of the trapezoid), as roc_curve does
//   log-loss                mean of −ln p(true class), p clipped to [ε, 1−ε] with ε the double
//                           machine epsilon; rows are not renormalised
//   MAE, RMSE, R²           R² = 1 when the truth is constant and predicted exactly, 0 when
//                           constant and not (force_finite=True)
//
// Where scikit-learn returns NaN with a warning (ROC-AUC with one class in the truth, R² on
// fewer than two rows) the value here is an error carrying the reason, so no caller prints or
// compares a NaN by accident. Inputs that make no sense (a label outside 0..k-1, a probability
// outside [0, 1], sizes that do not match, no rows) are kInvalidArgument naming the row.
//
// Threads: every function is pure; call from any thread.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::model {

enum class Metric {
  kAccuracy,
  kMacroPrecision,
  kMacroRecall,
  kMacroF1,
  kWeightedF1,
  kRocAuc,
  kLogLoss,
  kMae,
  kRmse,
  kR2,
};

// "accuracy", "macro_precision", "macro_recall", "macro_f1", "weighted_f1", "roc_auc",
// "log_loss", "mae", "rmse", "r2": the names specs, reports and JSON use.
std::string_view MetricName(Metric metric);
// kInvalidArgument naming the known metrics when `name` is none of them.
Result<Metric> ParseMetric(std::string_view name);
// False for the losses and errors (log_loss, mae, rmse): smaller is better.
bool HigherIsBetter(Metric metric);
// mae, rmse, r2.
bool IsRegressionMetric(Metric metric);
// roc_auc and log_loss read the probabilities; the others only the predicted class.
bool NeedsProbabilities(Metric metric);

// A classifier's output on labelled rows. Classes are the model's indices 0..num_classes-1.
// The spans are borrowed: they must outlive the call.
struct ClassifiedRows {
  int num_classes = 0;
  std::span<const int32_t> truth;
  std::span<const int32_t> predicted;
  // rows × num_classes, row-major, or empty when the model gives none (then roc_auc and
  // log_loss are undefined, with that reason).
  std::span<const double> probabilities;
};

struct ClassScores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;  // rows whose true class this is
};

struct ClassificationMetrics {
  int num_classes = 0;
  int64_t rows = 0;
  double accuracy = 0;
  double macro_precision = 0;
  double macro_recall = 0;
  double macro_f1 = 0;
  double weighted_f1 = 0;
  std::vector<ClassScores> per_class;
  // num_classes × num_classes, row-major: confusion[t * num_classes + p] counts rows of true
  // class t predicted as p (scikit-learn's confusion_matrix layout).
  std::vector<int64_t> confusion;
  Result<double> roc_auc = Status::FailedPrecondition("ROC-AUC was not computed");
  Result<double> log_loss = Status::FailedPrecondition("log-loss was not computed");

  int64_t Confusion(int truth, int predicted) const {
    return confusion[static_cast<size_t>(truth) * static_cast<size_t>(num_classes) +
                     static_cast<size_t>(predicted)];
  }
};

// A regressor's output on labelled rows (borrowed spans).
struct RegressedRows {
  std::span<const double> truth;
  std::span<const double> predicted;
};

struct RegressionMetrics {
  int64_t rows = 0;
  double mae = 0;
  double rmse = 0;
  Result<double> r2 = Status::FailedPrecondition("R² was not computed");
};

// Every classification metric at once.
Result<ClassificationMetrics> EvaluateClassification(const ClassifiedRows& rows);
Result<RegressionMetrics> EvaluateRegression(const RegressedRows& rows);

// One metric alone (what the bootstrap recomputes on each resample). An error when the
// metric is undefined on these rows (the reason), or belongs to the other task.
Result<double> ComputeMetric(Metric metric, const ClassifiedRows& rows);
Result<double> ComputeMetric(Metric metric, const RegressedRows& rows);

// The value of `metric` in a computed report; kInvalidArgument for the other task's metric.
Result<double> MetricOf(const ClassificationMetrics& metrics, Metric metric);
Result<double> MetricOf(const RegressionMetrics& metrics, Metric metric);

}  // namespace covidflow::model
