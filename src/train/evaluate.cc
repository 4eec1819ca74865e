#include "train/evaluate.h"

#include <algorithm>
#include <optional>
#include <span>

#include "features/table.h"
#include "model/artifact.h"
#include "schema/fields.h"
#include "train/spec.h"

namespace covidflow::train {
namespace {

Result<features::Table> ReadRows(const std::vector<std::string>& paths) {
  if (paths.empty()) return Status::InvalidArgument("no input files (--data)");
  features::Table all;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(features::FileFormat format, features::ParseFileFormat("auto", path));
    Result<features::Table> t = features::ReadTable(path, format);
    if (!t.ok()) return Status::InvalidArgument("input " + path + ": " + t.status().message());
    features::AppendTable(all, *t);
  }
  return all;
}

// The rows of a lake range: the columns the models and the label read.
Result<features::Table> ReadLake(features::LakeQuery query, const model::Model& candidate,
                                 const model::Model* champion, const Spec& spec) {
  std::vector<std::string> wanted = candidate.pipeline.InputColumns();
  if (champion != nullptr) {
    for (std::string& c : champion->pipeline.InputColumns()) wanted.push_back(std::move(c));
  }
  wanted.push_back(spec.label.column);
  query.columns.clear();
  for (std::string& c : wanted) {
    if (std::find(query.columns.begin(), query.columns.end(), c) == query.columns.end()) {
      query.columns.push_back(std::move(c));
    }
  }
  for (const std::string& c : query.columns) {
    if (!schema::FindColumn(c)) {
      return Status::InvalidArgument("--lake: the models read column '" + c +
                                     "', which the lake does not have");
    }
  }
  Result<features::LakeRows> rows = features::ReadLakeRows(query);
  if (!rows.ok()) {
    if (rows.status().code() == StatusCode::kCorruption) return rows.status();
    return Status::InvalidArgument("--lake " + query.dir + ": " + rows.status().message());
  }
  if (rows->table.rows() == 0) {
    return Status::InvalidArgument("--lake " + query.dir + ": no rows in the range");
  }
  return std::move(rows->table);
}

Result<Spec> SpecOf(const model::Model& m, const std::string& dir) {
  auto it = m.record.find("spec");
  if (it == m.record.end() || !it->is_string()) {
    return Status::InvalidArgument("model " + dir + " records no spec: its labels are unknown");
  }
  Result<Spec> spec = ParseSpec(it->get<std::string>(), dir);
  if (!spec.ok()) return spec.status().WithContext("the spec recorded in model " + dir);
  return spec;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string TaskOf(const model::Model& m) {
  return m.classifier->IsRegressor() ? "a regression model"
                                     : "a classifier (classes " + JoinNames(m.classes) + ")";
}

// Both models of one task; two regressors must predict the same label (a model of
// log1p(retweets) against one of retweets would be judged on the wrong scale).
Status CheckSameTask(const model::Model& candidate, const model::Model& champion,
                     const EvaluateOptions& options) {
  if (candidate.classifier->IsRegressor() != champion.classifier->IsRegressor()) {
    return Status::InvalidArgument("--model " + options.model_dir + " is " + TaskOf(candidate) +
                                   " and --against " + options.against_dir + " is " +
                                   TaskOf(champion) + ": evaluate compares models of one task");
  }
  if (!candidate.classifier->IsRegressor()) return Status::Ok();
  ASSIGN_OR_RETURN(Spec a, SpecOf(candidate, options.model_dir));
  ASSIGN_OR_RETURN(Spec b, SpecOf(champion, options.against_dir));
  if (a.label.column != b.label.column || a.label.transform != b.label.transform) {
    return Status::InvalidArgument("--model " + options.model_dir + " predicts '" + a.label.text +
                                   "' and --against " + options.against_dir + " '" + b.label.text +
                                   "': their values are not comparable");
  }
  return Status::Ok();
}

}  // namespace

Result<EvaluateReport> Evaluate(const EvaluateOptions& options) {
  Result<model::Model> candidate = model::LoadModel(options.model_dir);
  if (!candidate.ok()) return candidate.status().WithContext("--model " + options.model_dir);
  std::optional<model::Model> champion;
  if (!options.against_dir.empty()) {
    Result<model::Model> m = model::LoadModel(options.against_dir);
    if (!m.ok()) return m.status().WithContext("--against " + options.against_dir);
    champion = std::move(*m);
  }
  ASSIGN_OR_RETURN(Spec spec, SpecOf(*candidate, options.model_dir));
  if (champion.has_value()) RETURN_IF_ERROR(CheckSameTask(*candidate, *champion, options));
  features::Table table;
  if (options.lake) {
    if (!options.data_files.empty()) {
      return Status::InvalidArgument("--lake and --data: give one source of rows");
    }
    ASSIGN_OR_RETURN(table,
                     ReadLake(*options.lake, *candidate, champion ? &*champion : nullptr, spec));
  } else {
    ASSIGN_OR_RETURN(table, ReadRows(options.data_files));
  }

  EvaluateReport report;
  report.spec_name = spec.name;
  report.promotion_rule = spec.promotion;
  report.input_rows = static_cast<int64_t>(table.rows());
  const std::vector<std::string>* raw = table.Column(spec.label.column);
  if (raw == nullptr) {
    return Status::InvalidArgument("the input has no column '" + spec.label.column +
                                   "', the label of spec '" + spec.name + "'");
  }
  model::CompareOptions compare;
  compare.bootstrap = options.bootstrap;
  compare.promotion_rule = spec.promotion;
  std::vector<size_t> keep;
  std::vector<std::string> truth;
  std::vector<double> values;  // a regression's truth
  for (size_t r = 0; r < raw->size(); ++r) {
    if (spec.task == Task::kRegression) {
      Result<std::optional<double>> v = ValueOf(spec.label, (*raw)[r]);
      if (!v.ok()) {
        return Status::InvalidArgument("input row " + std::to_string(r + 1) + ": label '" +
                                       spec.label.text + "': " + v.status().message());
      }
      if (!v->has_value()) continue;
      values.push_back(**v);
    } else {
      std::optional<std::string> cls = ClassOf(spec.label, (*raw)[r]);
      if (!cls.has_value()) continue;
      truth.push_back(std::move(*cls));
    }
    keep.push_back(r);
  }
  report.unlabelled_rows = report.input_rows - static_cast<int64_t>(keep.size());
  if (keep.empty()) {
    return Status::FailedPrecondition("none of the " + std::to_string(report.input_rows) +
                                      " input rows has a label under spec '" + spec.name + "'");
  }
  const features::Table rows = features::SelectRows(table, keep);
  // A regressor's "probabilities" are its one value per row (model/classifier.h).
  ASSIGN_OR_RETURN(std::vector<double> candidate_p, candidate->PredictProba(rows));
  std::vector<double> champion_p;
  if (champion.has_value()) {
    ASSIGN_OR_RETURN(champion_p, champion->PredictProba(rows));
  }
  if (spec.task == Task::kRegression) {
    std::optional<std::span<const double>> champion_values;
    if (champion.has_value()) champion_values = champion_p;
    ASSIGN_OR_RETURN(report.regression,
                     model::CompareRegressors(values, candidate_p, champion_values, compare));
    return report;
  }
  std::optional<model::ScoredRows> champion_rows;
  if (champion.has_value()) champion_rows = model::ScoredRows{champion->classes, champion_p};
  ASSIGN_OR_RETURN(
      report.comparison,
      model::CompareClassifiers(truth, {candidate->classes, candidate_p}, champion_rows, compare));
  return report;
}

const std::optional<model::PromotionDecision>& EvaluateReport::decision() const {
  return regression ? regression->decision : comparison.decision;
}

}  // namespace covidflow::train
