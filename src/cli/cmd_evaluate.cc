// evaluate --model A [--against B] --data FILES | --lake DIR [--from D] [--to D]: the candidate
// (and the champion) on the same labelled rows; metric deltas with bootstrap intervals, McNemar
// (classifiers; regressors are compared on MAE, RMSE and R²), the promotion decision.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/learn.h"
#include "cli/commands.h"
#include "cli/metrics_report.h"
#include "train/evaluate.h"

namespace covidflow::cli {
namespace {

using nlohmann::json;

json DeltasJson(const std::vector<model::MetricDelta>& deltas, double confidence) {
  json out = json::array();
  for (const model::MetricDelta& d : deltas) {
    json j = {{"metric", model::MetricName(d.metric)}};
    if (!d.interval.ok()) {
      j["undefined"] = d.interval.status().message();
    } else {
      const model::DeltaInterval& i = *d.interval;
      j.update({{"candidate", i.b},
                {"champion", i.a},
                {"delta", i.delta},
                {"low", i.low},
                {"high", i.high},
                {"confidence", confidence},
                {"resamples", i.resamples},
                {"undefined_resamples", i.undefined},
                {"candidate_better_share", i.b_better_share}});
    }
    out.push_back(j);
  }
  return out;
}

json PromotionJson(const train::EvaluateReport& r) {
  if (!r.decision()) return nullptr;
  return {{"rule", r.promotion_rule},
          {"promote", r.decision()->promote},
          {"reason", r.decision()->reason}};
}

json ReportJson(const train::EvaluateReport& r, const train::EvaluateOptions& o) {
  json j = {{"spec", r.spec_name},
            {"model", o.model_dir},
            {"against", o.against_dir.empty() ? json(nullptr) : json(o.against_dir)},
            {"input_rows", r.input_rows},
            {"unlabelled_rows", r.unlabelled_rows},
            {"bootstrap", {{"resamples", o.bootstrap.resamples}, {"seed", o.bootstrap.seed}}},
            {"promotion", PromotionJson(r)}};
  if (r.regression) {
    const model::RegressionComparison& c = *r.regression;
    j.update({{"task", "regression"},
              {"rows", c.rows},
              {"candidate", RegressionMetricsJson(c.candidate)},
              {"champion", c.champion ? RegressionMetricsJson(*c.champion) : json(nullptr)},
              {"deltas", DeltasJson(c.deltas, o.bootstrap.confidence)}});
    return j;
  }
  const model::ModelComparison& c = r.comparison;
  j.update(
      {{"task", "classification"},
       {"rows", c.rows},
       {"classes", c.classes},
       {"candidate", ClassificationMetricsJson(c.candidate, c.classes)},
       {"champion", c.champion ? ClassificationMetricsJson(*c.champion, c.classes) : json(nullptr)},
       {"deltas", DeltasJson(c.deltas, o.bootstrap.confidence)}});
  if (c.mcnemar) {
    j["mcnemar"] = {{"only_champion_correct", c.mcnemar->only_a_correct},
                    {"only_candidate_correct", c.mcnemar->only_b_correct},
                    {"exact_p", c.mcnemar->exact_p},
                    {"chi_square", c.mcnemar->chi_square},
                    {"chi_square_p", c.mcnemar->chi_square_p}};
  } else {
    j["mcnemar"] = nullptr;
  }
  return j;
}

void PrintDeltas(const std::vector<model::MetricDelta>& deltas, const train::EvaluateOptions& o) {
  std::printf("candidate − champion (paired bootstrap, %d resamples, %.0f%% interval, seed %llu)\n",
              o.bootstrap.resamples, 100 * o.bootstrap.confidence,
              static_cast<unsigned long long>(o.bootstrap.seed));
  for (const model::MetricDelta& d : deltas) {
    const std::string name(model::MetricName(d.metric));
    if (!d.interval.ok()) {
      std::printf("  %-16s n/a (%s)\n", name.c_str(), d.interval.status().message().c_str());
      continue;
    }
    const model::DeltaInterval& i = *d.interval;
    std::printf("  %-16s %.4f → %.4f  Δ %+.4f  [%+.4f, %+.4f]  candidate better in %.1f%%%s\n",
                name.c_str(), i.a, i.b, i.delta, i.low, i.high, 100 * i.b_better_share,
                model::HigherIsBetter(d.metric) ? "" : " (lower is better)");
  }
}

void PrintText(const train::EvaluateReport& r, const train::EvaluateOptions& o) {
  const int64_t rows = r.regression ? r.regression->rows : r.comparison.rows;
  std::printf("evaluate: spec %s, %lld labelled rows (%lld of %lld input rows had no label)\n",
              r.spec_name.c_str(), static_cast<long long>(rows),
              static_cast<long long>(r.unlabelled_rows), static_cast<long long>(r.input_rows));
  if (r.regression) {
    const model::RegressionComparison& c = *r.regression;
    std::printf("candidate %s\n%s", o.model_dir.c_str(),
                RegressionMetricsText(c.candidate, "  ").c_str());
    if (c.champion) {
      std::printf("champion %s\n%s", o.against_dir.c_str(),
                  RegressionMetricsText(*c.champion, "  ").c_str());
      PrintDeltas(c.deltas, o);
    }
  } else {
    const model::ModelComparison& c = r.comparison;
    std::printf("candidate %s\n%s", o.model_dir.c_str(),
                ClassificationMetricsText(c.candidate, c.classes, "  ").c_str());
    if (c.champion) {
      std::printf("champion %s\n%s", o.against_dir.c_str(),
                  ClassificationMetricsText(*c.champion, c.classes, "  ").c_str());
      PrintDeltas(c.deltas, o);
      std::printf(
          "McNemar: only the champion right on %lld rows, only the candidate on %lld; "
          "exact p %.4g, χ² %.3f (p %.4g)\n",
          static_cast<long long>(c.mcnemar->only_a_correct),
          static_cast<long long>(c.mcnemar->only_b_correct), c.mcnemar->exact_p,
          c.mcnemar->chi_square, c.mcnemar->chi_square_p);
    }
  }
  if (r.decision()) {
    std::printf("promotion rule '%s': %s\n", r.promotion_rule.c_str(),
                r.decision()->reason.c_str());
  } else {
    std::printf("promotion: the spec has no promotion rule\n");
  }
}

}  // namespace

int RunEvaluate(const config::Config& c, const app::Settings& s) {
  const train::EvaluateOptions& o = s.evaluate;
  if (!c.positional().empty()) return Usage("evaluate", "no positional arguments expected");
  if (o.model_dir.empty()) return Usage("evaluate", "--model DIR|NAME@ALIAS is required");
  if (o.data_files.empty() && s.evaluate_lake.dir.empty()) {
    return Usage("evaluate", "--data FILE[,FILE...] or --lake DIR is required");
  }
  Result<train::EvaluateReport> r = app::RunEvaluate(s);
  if (!r.ok()) {
    return Fail("evaluate", r.status(), r.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  if (s.cli.json) {
    std::printf("%s\n", ReportJson(*r, o).dump().c_str());
  } else {
    PrintText(*r, o);
  }
  return 0;
}

}  // namespace covidflow::cli
