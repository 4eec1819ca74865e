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

}  // namespace

Result<ModelComparison> CompareClassifiers(std::span<const std::string> truth,
                                           const ScoredRows& candidate,
                                           const std::optional<ScoredRows>& champion,
                                           const CompareOptions& options) {
  ModelComparison out;
  out.classes = candidate.classes;
  out.rows = static_cast<int64_t>(truth.size());
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
    std::vector<Metric> metrics = options.metrics;
    if (!options.promotion_rule.empty()) {
      ASSIGN_OR_RETURN(PromotionRule rule, ParsePromotionRule(options.promotion_rule));
      if (std::find(metrics.begin(), metrics.end(), rule.metric) == metrics.end()) {
        metrics.push_back(rule.metric);
      }
    }
    for (Metric m : metrics) {
      if (IsRegressionMetric(m)) continue;
      // The champion is "A" and the candidate "B": the interval is of candidate − champion.
      out.deltas.push_back(
          {m, PairedBootstrap(m, champion_rows, candidate_rows, options.bootstrap)});
    }
    ASSIGN_OR_RETURN(out.mcnemar, McNemar(labels, champion_predicted, predicted));
  }
  if (!options.promotion_rule.empty()) {
    ASSIGN_OR_RETURN(out.rule, ParsePromotionRule(options.promotion_rule));
    std::optional<double> champion_value;
    if (out.champion.has_value()) {
      Result<double> v = MetricOf(*out.champion, out.rule->metric);
      if (!v.ok()) {
        out.decision = PromotionDecision{
            false, "keep the champion: its " + std::string(MetricName(out.rule->metric)) +
                       " is undefined on these rows: " + v.status().message()};
        return out;
      }
      champion_value = *v;
    }
    out.decision =
        DecidePromotion(*out.rule, MetricOf(out.candidate, out.rule->metric), champion_value);
  }
  return out;
}

}  // namespace covidflow::model
