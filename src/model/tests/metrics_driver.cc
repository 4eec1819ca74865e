// Driver for the parity test with scikit-learn (tests/integration/metrics_parity_test.py):
// reads a JSON array of cases on stdin and writes one JSON array of results on stdout.
//   {"task": "classification", "num_classes": k, "truth": [...], "predicted": [...],
//    "probabilities": [[p0, ..., pk-1], ...]}          (probabilities may be [])
//   {"task": "regression", "truth": [...], "predicted": [...]}
//   {"task": "mcnemar", "only_a_correct": b, "only_b_correct": c}
//   {"task": "bootstrap", "metric": "rmse", "truth": [...], "a": [...], "b": [...],
//    "resamples": R, "seed": S}                     (a regression metric: a and b are values)
// A metric that is undefined on a case is written as {"undefined": "reason"}; a case the
// library rejects as {"error": "reason"}.
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/metrics.h"
#include "model/significance.h"

namespace {

using covidflow::Result;
using covidflow::model::ClassificationMetrics;
using covidflow::model::ClassifiedRows;
using covidflow::model::RegressedRows;
using covidflow::model::RegressionMetrics;
using nlohmann::json;

json Value(const Result<double>& value) {
  if (value.ok()) return *value;
  return json{{"undefined", value.status().message()}};
}

json Classification(const json& c) {
  const auto truth = c.at("truth").get<std::vector<int32_t>>();
  const auto predicted = c.at("predicted").get<std::vector<int32_t>>();
  std::vector<double> probabilities;
  for (const json& row : c.at("probabilities")) {
    for (const json& p : row) probabilities.push_back(p.get<double>());
  }
  ClassifiedRows rows{c.at("num_classes").get<int>(), truth, predicted, probabilities};
  Result<ClassificationMetrics> m = covidflow::model::EvaluateClassification(rows);
  if (!m.ok()) return json{{"error", m.status().message()}};
  json per_class = json::array();
  for (const auto& s : m->per_class) {
    per_class.push_back(
        {{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"support", s.support}});
  }
  json confusion = json::array();
  for (int t = 0; t < m->num_classes; ++t) {
    json row = json::array();
    for (int p = 0; p < m->num_classes; ++p) row.push_back(m->Confusion(t, p));
    confusion.push_back(row);
  }
  json out = {{"accuracy", m->accuracy},         {"macro_precision", m->macro_precision},
              {"macro_recall", m->macro_recall}, {"macro_f1", m->macro_f1},
              {"weighted_f1", m->weighted_f1},   {"per_class", per_class},
              {"confusion", confusion},          {"roc_auc", Value(m->roc_auc)},
              {"log_loss", Value(m->log_loss)}};
  // The single-metric path must agree with the full report.
  for (const char* name : {"accuracy", "macro_precision", "macro_recall", "macro_f1", "weighted_f1",
                           "roc_auc", "log_loss"}) {
    auto metric = covidflow::model::ParseMetric(name);
    out["single"][name] = Value(covidflow::model::ComputeMetric(*metric, rows));
  }
  return out;
}

json Regression(const json& c) {
  const auto truth = c.at("truth").get<std::vector<double>>();
  const auto predicted = c.at("predicted").get<std::vector<double>>();
  Result<RegressionMetrics> m =
      covidflow::model::EvaluateRegression(RegressedRows{truth, predicted});
  if (!m.ok()) return json{{"error", m.status().message()}};
  json out = {{"mae", m->mae}, {"rmse", m->rmse}, {"r2", Value(m->r2)}};
  // The single-metric path (what the bootstrap recomputes) must agree with the full report.
  for (const char* name : {"mae", "rmse", "r2"}) {
    auto metric = covidflow::model::ParseMetric(name);
    out["single"][name] =
        Value(covidflow::model::ComputeMetric(*metric, RegressedRows{truth, predicted}));
  }
  return out;
}

json Bootstrap(const json& c) {
  const auto truth = c.at("truth").get<std::vector<double>>();
  const auto a = c.at("a").get<std::vector<double>>();
  const auto b = c.at("b").get<std::vector<double>>();
  auto metric = covidflow::model::ParseMetric(c.at("metric").get<std::string>());
  if (!metric.ok()) return json{{"error", metric.status().message()}};
  covidflow::model::BootstrapOptions options;
  options.resamples = c.at("resamples").get<int>();
  options.seed = c.at("seed").get<uint64_t>();
  Result<covidflow::model::DeltaInterval> d = covidflow::model::PairedBootstrap(
      *metric, RegressedRows{truth, a}, RegressedRows{truth, b}, options);
  if (!d.ok()) return json{{"error", d.status().message()}};
  return {{"a", d->a},
          {"b", d->b},
          {"delta", d->delta},
          {"low", d->low},
          {"high", d->high},
          {"b_better_share", d->b_better_share},
          {"resamples", d->resamples}};
}

json McNemar(const json& c) {
  const covidflow::model::McNemarResult r = covidflow::model::McNemarFromCounts(
      c.at("only_a_correct").get<int64_t>(), c.at("only_b_correct").get<int64_t>());
  return {{"exact_p", r.exact_p}, {"chi_square", r.chi_square}, {"chi_square_p", r.chi_square_p}};
}

}  // namespace

int main() {
  json cases;
  try {
    std::cin >> cases;
  } catch (const json::exception& e) {
    std::cerr << "metrics driver: bad JSON on stdin: " << e.what() << "\n";
    return 2;
  }
  json results = json::array();
  for (const json& c : cases) {
    const std::string task = c.at("task").get<std::string>();
    if (task == "regression") {
      results.push_back(Regression(c));
    } else if (task == "bootstrap") {
      results.push_back(Bootstrap(c));
    } else if (task == "mcnemar") {
      results.push_back(McNemar(c));
    } else {
      results.push_back(Classification(c));
    }
  }
  std::cout << results.dump() << "\n";
  return 0;
}
