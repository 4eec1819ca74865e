#include "model/comparison.h"

#include <algorithm>
#include <map>

namespace covidflow::model {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The row's most probable class, the first on ties (model/classifier.h's ArgMax rule).
std::vector<int32_t> Predicted(std::span<const double> p, size_t k) {
  std::vector<int32_t> out(p.size() / k);
  for (size_t r = 0; r < out.size(); ++r) {
    const auto row = p.subspan(r * k, k);
    out[r] = static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin());
  }
  return out;
}

// The rule, parsed, when there is one; its metric must be the task's.
Result<std::optional<PromotionRule>> RuleOf(const CompareOptions& options, bool regression) {
  if (options.promotion_rule.empty()) return std::optional<PromotionRule>();
  ASSIGN_OR_RETURN(PromotionRule rule, ParsePromotionRule(options.promotion_rule));
  if (IsRegressionMetric(rule.metric) != regression) {
    return Status::InvalidArgument(
        "promotion rule '" + rule.text + "': " + std::string(MetricName(rule.metric)) +
        (regression ? " is a classifier's metric and the models are regressors"
                    : " is a regressor's metric and the models are classifiers"));
  }
  return std::optional<PromotionRule>(std::move(rule));
}

// Candidate − champion of each reported metric: the options' metrics of this task (the task's
// headline ones when none are given) and the rule's. The champion is "A" and the candidate
// "B" of the bootstrap.
template <typename Rows>
std::vector<MetricDelta> Deltas(std::span<const Metric> headline,
                                const std::optional<PromotionRule>& rule, const Rows& champion,
                                const Rows& candidate, const CompareOptions& options) {
  std::vector<Metric> metrics = options.metrics;
  if (metrics.empty()) metrics.assign(headline.begin(), headline.end());
  if (rule && std::find(metrics.begin(), metrics.end(), rule->metric) == metrics.end()) {
    metrics.push_back(rule->metric);
  }
  const bool regression = IsRegressionMetric(headline.front());
  std::vector<MetricDelta> out;
  for (Metric m : metrics) {
    if (IsRegressionMetric(m) != regression) continue;
    out.push_back({m, PairedBootstrap(m, champion, candidate, options.bootstrap)});
  }
  return out;
}

// The rule's decision on the two models' metrics (ClassificationMetrics or RegressionMetrics).
template <typename Metrics>
PromotionDecision Decide(const PromotionRule& rule, const Metrics& candidate,
                         const std::optional<Metrics>& champion) {
  std::optional<double> champion_value;
  if (champion.has_value()) {
    Result<double> v = MetricOf(*champion, rule.metric);
    if (!v.ok()) {
      return {false, "keep the champion: its " + std::string(MetricName(rule.metric)) +
                         " is undefined on these rows: " + v.status().message()};
    }
    champion_value = *v;
  }
  return DecidePromotion(rule, MetricOf(candidate, rule.metric), champion_value);
}

}  // namespace

Result<ModelComparison> CompareClassifiers(std::span<const std::string> truth,
                                           const ScoredRows& candidate,
                                           const std::optional<ScoredRows>& champion,
                                           const CompareOptions& options) {
  ModelComparison out;
  out.classes = candidate.classes;
  out.rows = static_cast<int64_t>(truth.size());
  ASSIGN_OR_RETURN(out.rule, RuleOf(options, /*regression=*/false));
  const size_t k = candidate.classes.size();
  if (k < 2) return Status::InvalidArgument("the candidate has fewer than 2 classes");
  if (candidate.probabilities.size() != truth.size() * k) {
    return Status::InvalidArgument("the candidate gave " +
                                   std::to_string(candidate.probabilities.size()) +
                                   " probabilities for " + std::to_string(truth.size()) +
                                   " rows of " + std::to_string(k) + " classes");
  }
  std::map<std::string, int32_t, std::less<>> index;
  for (size_t c = 0; c < k; ++c) index[candidate.classes[c]] = static_cast<int32_t>(c);
  std::vector<int32_t> labels(truth.size());
  for (size_t r = 0; r < truth.size(); ++r) {
    auto it = index.find(truth[r]);
    if (it == index.end()) {
      return Status::InvalidArgument("row " + std::to_string(r) + ": true class '" + truth[r] +
                                     "' is not one of the model's classes (" +
                                     JoinNames(candidate.classes) + ")");
    }
    labels[r] = it->second;
  }
  const std::vector<int32_t> predicted = Predicted(candidate.probabilities, k);
  const ClassifiedRows candidate_rows{static_cast<int>(k), labels, predicted,
                                      candidate.probabilities};
  ASSIGN_OR_RETURN(out.candidate, EvaluateClassification(candidate_rows));

  std::vector<double> champion_probabilities;
  std::vector<int32_t> champion_predicted;
  if (champion.has_value()) {
    std::vector<std::string> a = candidate.classes;
    std::vector<std::string> b = champion->classes;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b) {
      return Status::InvalidArgument("the models have different classes: candidate (" +
                                     JoinNames(candidate.classes) + "), champion (" +
                                     JoinNames(champion->classes) + ")");
    }
    if (champion->probabilities.size() != truth.size() * k) {
      return Status::InvalidArgument(
          "the champion gave " + std::to_string(champion->probabilities.size()) +
          " probabilities for " + std::to_string(truth.size()) + " rows");
    }
    champion_probabilities.resize(truth.size() * k);
    for (size_t c = 0; c < k; ++c) {
      const size_t to = static_cast<size_t>(index.find(champion->classes[c])->second);
      for (size_t r = 0; r < truth.size(); ++r) {
        champion_probabilities[r * k + to] = champion->probabilities[r * k + c];
      }
    }
    champion_predicted = Predicted(champion_probabilities, k);
    const ClassifiedRows champion_rows{static_cast<int>(k), labels, champion_predicted,
                                       champion_probabilities};
    ASSIGN_OR_RETURN(out.champion, EvaluateClassification(champion_rows));
    out.deltas = Deltas(kClassifierMetrics, out.rule, champion_rows, candidate_rows, options);
    ASSIGN_OR_RETURN(out.mcnemar, McNemar(labels, champion_predicted, predicted));
  }
  if (out.rule) out.decision = Decide(*out.rule, out.candidate, out.champion);
  return out;
}

Result<RegressionComparison> CompareRegressors(std::span<const double> truth,
                                               std::span<const double> candidate,
                                               std::optional<std::span<const double>> champion,
                                               const CompareOptions& options) {
  RegressionComparison out;
  out.rows = static_cast<int64_t>(truth.size());
  ASSIGN_OR_RETURN(out.rule, RuleOf(options, /*regression=*/true));
  const RegressedRows candidate_rows{truth, candidate};
  Result<RegressionMetrics> m = EvaluateRegression(candidate_rows);
  if (!m.ok()) return m.status().WithContext("the candidate");
  out.candidate = std::move(*m);
  if (champion.has_value()) {
    const RegressedRows champion_rows{truth, *champion};
    m = EvaluateRegression(champion_rows);
    if (!m.ok()) return m.status().WithContext("the champion");
    out.champion = std::move(*m);
    out.deltas = Deltas(kRegressorMetrics, out.rule, champion_rows, candidate_rows, options);
  }
  if (out.rule) out.decision = Decide(*out.rule, out.candidate, out.champion);
  return out;
}

}  // namespace covidflow::model
