#include "model/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace covidflow::model {
namespace {

struct MetricInfo {
  Metric metric;
  std::string_view name;
  bool higher_is_better;
  bool regression;
  bool needs_probabilities;
};

constexpr std::array<MetricInfo, 10> kMetrics = {{
    {Metric::kAccuracy, "accuracy", true, false, false},
    {Metric::kMacroPrecision, "macro_precision", true, false, false},
    {Metric::kMacroRecall, "macro_recall", true, false, false},
    {Metric::kMacroF1, "macro_f1", true, false, false},
    {Metric::kWeightedF1, "weighted_f1", true, false, false},
    {Metric::kRocAuc, "roc_auc", true, false, true},
    {Metric::kLogLoss, "log_loss", false, false, true},
    {Metric::kMae, "mae", false, true, false},
    {Metric::kRmse, "rmse", false, true, false},
    {Metric::kR2, "r2", true, true, false},
}};

const MetricInfo& Info(Metric metric) { return kMetrics[static_cast<size_t>(metric)]; }

std::string RowText(size_t row) { return "row " + std::to_string(row); }

// Checks shapes and ranges once, so the computations below can index freely.
Status Validate(const ClassifiedRows& rows) {
  if (rows.num_classes < 2) {
    return Status::InvalidArgument("a classifier needs at least 2 classes, got " +
                                   std::to_string(rows.num_classes));
  }
  if (rows.truth.empty()) return Status::InvalidArgument("no rows to evaluate");
  if (rows.predicted.size() != rows.truth.size()) {
    return Status::InvalidArgument(std::to_string(rows.truth.size()) + " true labels but " +
                                   std::to_string(rows.predicted.size()) + " predictions");
  }
  const size_t k = static_cast<size_t>(rows.num_classes);
  if (!rows.probabilities.empty() && rows.probabilities.size() != rows.truth.size() * k) {
    return Status::InvalidArgument(std::to_string(rows.probabilities.size()) +
                                   " probabilities for " + std::to_string(rows.truth.size()) +
                                   " rows of " + std::to_string(k) + " classes");
  }
  for (size_t i = 0; i < rows.truth.size(); ++i) {
    if (rows.truth[i] < 0 || rows.truth[i] >= rows.num_classes) {
      return Status::InvalidArgument(RowText(i) + ": true class " + std::to_string(rows.truth[i]) +
                                     " is outside 0.." + std::to_string(rows.num_classes - 1));
    }
    if (rows.predicted[i] < 0 || rows.predicted[i] >= rows.num_classes) {
      return Status::InvalidArgument(RowText(i) + ": predicted class " +
                                     std::to_string(rows.predicted[i]) + " is outside 0.." +
                                     std::to_string(rows.num_classes - 1));
    }
  }
  for (size_t j = 0; j < rows.probabilities.size(); ++j) {
    const double p = rows.probabilities[j];
    // Written so that NaN fails too.
    if (!(p >= 0.0 && p <= 1.0)) {
      return Status::InvalidArgument(RowText(j / k) + ": probability of class " +
                                     std::to_string(j % k) + " is " + std::to_string(p) +
                                     ", not in [0, 1]");
    }
  }
  return Status::Ok();
}

Status Validate(const RegressedRows& rows) {
  if (rows.truth.empty()) return Status::InvalidArgument("no rows to evaluate");
  if (rows.predicted.size() != rows.truth.size()) {
    return Status::InvalidArgument(std::to_string(rows.truth.size()) + " true values but " +
                                   std::to_string(rows.predicted.size()) + " predictions");
  }
  for (size_t i = 0; i < rows.truth.size(); ++i) {
    if (!std::isfinite(rows.truth[i]) || !std::isfinite(rows.predicted[i])) {
      return Status::InvalidArgument(RowText(i) + ": a value is not finite");
    }
  }
  return Status::Ok();
}

std::vector<int64_t> ConfusionMatrix(const ClassifiedRows& rows) {
  const size_t k = static_cast<size_t>(rows.num_classes);
  std::vector<int64_t> confusion(k * k, 0);
  for (size_t i = 0; i < rows.truth.size(); ++i) {
    ++confusion[static_cast<size_t>(rows.truth[i]) * k + static_cast<size_t>(rows.predicted[i])];
  }
  return confusion;
}

// zero_division=0: a ratio with nothing to divide by scores 0.
double Ratio(double numerator, int64_t denominator) {
  return denominator == 0 ? 0.0 : numerator / static_cast<double>(denominator);
}

// Fills every metric that the confusion matrix determines.
void FromConfusion(ClassificationMetrics& m) {
  const int k = m.num_classes;
  m.per_class.assign(static_cast<size_t>(k), ClassScores{});
  int64_t correct = 0;
  for (int c = 0; c < k; ++c) {
    int64_t true_sum = 0;
    int64_t pred_sum = 0;
    for (int o = 0; o < k; ++o) {
      true_sum += m.Confusion(c, o);
      pred_sum += m.Confusion(o, c);
    }
    const int64_t tp = m.Confusion(c, c);
    correct += tp;
    ClassScores& s = m.per_class[static_cast<size_t>(c)];
    s.support = true_sum;
    s.precision = Ratio(static_cast<double>(tp), pred_sum);
    s.recall = Ratio(static_cast<double>(tp), true_sum);
    s.f1 = Ratio(2.0 * static_cast<double>(tp), true_sum + pred_sum);
  }
  m.accuracy = Ratio(static_cast<double>(correct), m.rows);
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  double weighted_f1 = 0;
  for (const ClassScores& s : m.per_class) {
    precision += s.precision;
    recall += s.recall;
    f1 += s.f1;
    weighted_f1 += s.f1 * static_cast<double>(s.support);
  }
  m.macro_precision = precision / k;
  m.macro_recall = recall / k;
  m.macro_f1 = f1 / k;
  m.weighted_f1 = Ratio(weighted_f1, m.rows);
}

// Area under the ROC curve of "class `positive`" against the rest, scored by column
// `positive` of the probabilities. Rows with equal scores enter the curve together (one
// diagonal step), which is how roc_curve builds it from distinct thresholds.
Result<double> BinaryAuc(const ClassifiedRows& rows, int positive) {
  const size_t k = static_cast<size_t>(rows.num_classes);
  const size_t n = rows.truth.size();
  std::vector<std::pair<double, bool>> scored(n);
  int64_t positives = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool is_positive = rows.truth[i] == positive;
    positives += is_positive ? 1 : 0;
    scored[i] = {rows.probabilities[i * k + static_cast<size_t>(positive)], is_positive};
  }
  const int64_t negatives = static_cast<int64_t>(n) - positives;
  if (positives == 0 || negatives == 0) {
    return Status::FailedPrecondition(
        "ROC-AUC is undefined: class " + std::to_string(positive) +
        (positives == 0 ? " has no rows in the truth" : " is the only class in the truth"));
  }
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  double area = 0;  // in units of (false positives × true positives)
  int64_t tp = 0;
  int64_t fp = 0;
  for (size_t i = 0; i < n;) {
    const int64_t tp_before = tp;
    const int64_t fp_before = fp;
    const double score = scored[i].first;
    for (; i < n && scored[i].first == score; ++i) {
      (scored[i].second ? tp : fp) += 1;
    }
    area += static_cast<double>(fp - fp_before) * static_cast<double>(tp + tp_before) / 2.0;
  }
  return area / (static_cast<double>(positives) * static_cast<double>(negatives));
}

Result<double> RocAuc(const ClassifiedRows& rows) {
  if (rows.probabilities.empty()) {
    return Status::FailedPrecondition("ROC-AUC is undefined: the model gave no probabilities");
  }
  if (rows.num_classes == 2) return BinaryAuc(rows, 1);
  double sum = 0;
  for (int c = 0; c < rows.num_classes; ++c) {
    ASSIGN_OR_RETURN(double auc, BinaryAuc(rows, c));
    sum += auc;
  }
  return sum / rows.num_classes;
}

Result<double> LogLoss(const ClassifiedRows& rows) {
  if (rows.probabilities.empty()) {
    return Status::FailedPrecondition("log-loss is undefined: the model gave no probabilities");
  }
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  const size_t k = static_cast<size_t>(rows.num_classes);
  double sum = 0;
  for (size_t i = 0; i < rows.truth.size(); ++i) {
    const double p = rows.probabilities[i * k + static_cast<size_t>(rows.truth[i])];
    sum -= std::log(std::clamp(p, kEps, 1.0 - kEps));
  }
  return sum / static_cast<double>(rows.truth.size());
}

Result<double> R2(const RegressedRows& rows) {
  const size_t n = rows.truth.size();
  if (n < 2) return Status::FailedPrecondition("R² is undefined on fewer than 2 rows");
  const double mean =
      std::accumulate(rows.truth.begin(), rows.truth.end(), 0.0) / static_cast<double>(n);
  double residual = 0;
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    const double e = rows.truth[i] - rows.predicted[i];
    const double d = rows.truth[i] - mean;
    residual += e * e;
    total += d * d;
  }
  if (total == 0) return residual == 0 ? 1.0 : 0.0;
  return 1.0 - residual / total;
}

Status WrongTask(Metric metric, std::string_view task) {
  return Status::InvalidArgument("metric '" + std::string(MetricName(metric)) +
                                 "' does not apply to " + std::string(task));
}

}  // namespace

std::string_view MetricName(Metric metric) { return Info(metric).name; }

Result<Metric> ParseMetric(std::string_view name) {
  std::string known;
  for (const MetricInfo& info : kMetrics) {
    if (info.name == name) return info.metric;
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  }
  return Status::InvalidArgument("unknown metric '" + std::string(name) +
                                 "'; known ones are: " + known);
}

bool HigherIsBetter(Metric metric) { return Info(metric).higher_is_better; }
bool IsRegressionMetric(Metric metric) { return Info(metric).regression; }
bool NeedsProbabilities(Metric metric) { return Info(metric).needs_probabilities; }

Result<ClassificationMetrics> EvaluateClassification(const ClassifiedRows& rows) {
  RETURN_IF_ERROR(Validate(rows));
  ClassificationMetrics m;
  m.num_classes = rows.num_classes;
  m.rows = static_cast<int64_t>(rows.truth.size());
  m.confusion = ConfusionMatrix(rows);
  FromConfusion(m);
  m.roc_auc = RocAuc(rows);
  m.log_loss = LogLoss(rows);
  return m;
}

Result<RegressionMetrics> EvaluateRegression(const RegressedRows& rows) {
  RETURN_IF_ERROR(Validate(rows));
  RegressionMetrics m;
  m.rows = static_cast<int64_t>(rows.truth.size());
  double abs_sum = 0;
  double square_sum = 0;
  for (size_t i = 0; i < rows.truth.size(); ++i) {
    const double e = rows.truth[i] - rows.predicted[i];
    abs_sum += std::abs(e);
    square_sum += e * e;
  }
  m.mae = abs_sum / static_cast<double>(m.rows);
  m.rmse = std::sqrt(square_sum / static_cast<double>(m.rows));
  m.r2 = R2(rows);
  return m;
}

Result<double> ComputeMetric(Metric metric, const ClassifiedRows& rows) {
  if (IsRegressionMetric(metric)) return WrongTask(metric, "a classifier");
  RETURN_IF_ERROR(Validate(rows));
  if (metric == Metric::kRocAuc) return RocAuc(rows);
  if (metric == Metric::kLogLoss) return LogLoss(rows);
  ClassificationMetrics m;
  m.num_classes = rows.num_classes;
  m.rows = static_cast<int64_t>(rows.truth.size());
  m.confusion = ConfusionMatrix(rows);
  FromConfusion(m);
  return MetricOf(m, metric);
}

Result<double> ComputeMetric(Metric metric, const RegressedRows& rows) {
  if (!IsRegressionMetric(metric)) return WrongTask(metric, "a regressor");
  ASSIGN_OR_RETURN(RegressionMetrics m, EvaluateRegression(rows));
  return MetricOf(m, metric);
}

Result<double> MetricOf(const ClassificationMetrics& metrics, Metric metric) {
  switch (metric) {
    case Metric::kAccuracy:
      return metrics.accuracy;
    case Metric::kMacroPrecision:
      return metrics.macro_precision;
    case Metric::kMacroRecall:
      return metrics.macro_recall;
    case Metric::kMacroF1:
      return metrics.macro_f1;
    case Metric::kWeightedF1:
      return metrics.weighted_f1;
    case Metric::kRocAuc:
      return metrics.roc_auc;
    case Metric::kLogLoss:
      return metrics.log_loss;
    case Metric::kMae:
    case Metric::kRmse:
    case Metric::kR2:
      break;
  }
  return WrongTask(metric, "a classifier");
}

Result<double> MetricOf(const RegressionMetrics& metrics, Metric metric) {
  switch (metric) {
    case Metric::kMae:
      return metrics.mae;
    case Metric::kRmse:
      return metrics.rmse;
    case Metric::kR2:
      return metrics.r2;
    default:
      break;
  }
  return WrongTask(metric, "a regressor");
}

}  // namespace covidflow::model
