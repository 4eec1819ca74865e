#include "train/evaluate.h"

#include <optional>

#include "features/table.h"
#include "model/artifact.h"
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

// The rows `keep` of `table`, every column.
features::Table Select(const features::Table& table, const std::vector<size_t>& keep) {
  features::Table out;
  out.names = table.names;
  out.columns.resize(table.columns.size());
  for (size_t c = 0; c < table.columns.size(); ++c) {
    out.columns[c].reserve(keep.size());
    for (size_t r : keep) out.columns[c].push_back(table.columns[c][r]);
  }
  return out;
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
  ASSIGN_OR_RETURN(features::Table table, ReadRows(options.data_files));

  EvaluateReport report;
  report.spec_name = spec.name;
  report.promotion_rule = spec.promotion;
  report.input_rows = static_cast<int64_t>(table.rows());
  const std::vector<std::string>* raw = table.Column(spec.label.column);
  if (raw == nullptr) {
    return Status::InvalidArgument("the input has no column '" + spec.label.column +
                                   "', the label of spec '" + spec.name + "'");
  }
  std::vector<size_t> keep;
  std::vector<std::string> truth;
  for (size_t r = 0; r < raw->size(); ++r) {
    std::optional<std::string> cls = ClassOf(spec.label, (*raw)[r]);
    if (!cls.has_value()) continue;
    keep.push_back(r);
    truth.push_back(std::move(*cls));
  }
  report.unlabelled_rows = report.input_rows - static_cast<int64_t>(keep.size());
  if (keep.empty()) {
    return Status::FailedPrecondition("none of the " + std::to_string(report.input_rows) +
                                      " input rows has a label under spec '" + spec.name + "'");
  }
  const features::Table rows = Select(table, keep);
  ASSIGN_OR_RETURN(std::vector<double> candidate_p, candidate->PredictProba(rows));
  std::vector<double> champion_p;
  std::optional<model::ScoredRows> champion_rows;
  if (champion.has_value()) {
    ASSIGN_OR_RETURN(champion_p, champion->PredictProba(rows));
    champion_rows = model::ScoredRows{champion->classes, champion_p};
  }
  model::CompareOptions compare;
  compare.bootstrap = options.bootstrap;
  compare.promotion_rule = spec.promotion;
  ASSIGN_OR_RETURN(
      report.comparison,
      model::CompareClassifiers(truth, {candidate->classes, candidate_p}, champion_rows, compare));
  return report;
}

}  // namespace covidflow::train
