#include "train/trainer.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "base/crc32c.h"
#include "base/fs.h"
#include "features/pipeline.h"
#include "features/table.h"
#include "model/artifact.h"
#include "model/family.h"
#include "schema/fields.h"
#include "schema/time.h"

namespace covidflow::train {
namespace {

using nlohmann::json;

// An input in the lineage: a file with its digest, or a lake file with its size and mtime.
using Input = nlohmann::json;

Result<features::Table> ReadInputs(const std::vector<std::string>& paths,
                                   std::vector<Input>& inputs) {
  features::Table all;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(features::FileFormat format, features::ParseFileFormat("auto", path));
    Result<features::Table> t = features::ReadTable(path, format);
    if (!t.ok()) {
      return Status::InvalidArgument("input " + path + ": " + t.status().message());
    }
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
    inputs.push_back(
        {{"path", path}, {"bytes", bytes.size()}, {"crc32c", Crc32c(bytes)}, {"rows", t->rows()}});
    features::AppendTable(all, *t);
  }
  return all;
}

// The columns a spec reads, each with the spec field that names it.
std::vector<std::pair<std::string, std::string>> SpecColumns(const Spec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](const std::string& column, std::string field) {
    for (const auto& [c, f] : out) {
      if (c == column) return;
    }
    out.emplace_back(column, std::move(field));
  };
  for (size_t i = 0; i < spec.features.size(); ++i) {
    const features::FeatureDef& f = spec.features[i];
    add(f.column,
        "features[" + std::to_string(i) + "]" + (f.name.empty() ? "" : " (" + f.name + ")"));
  }
  add(spec.label.column, "label");
  if (spec.split.by == SplitSpec::By::kTime) add(spec.split.time_column, "split.column");
  return out;
}

// The rows of a lake range, every file read recorded in `inputs`.
Result<features::Table> ReadLake(const Spec& spec, features::LakeQuery query,
                                 std::vector<Input>& inputs, nlohmann::json& lake_lineage) {
  if (spec.split.by != SplitSpec::By::kTime) {
    return Status::InvalidArgument(
        "--lake: spec field 'split.by' is files; rows from the lake need a time split");
  }
  query.columns.clear();
  for (const auto& [column, field] : SpecColumns(spec)) {
    if (!schema::FindColumn(column)) {
      return Status::InvalidArgument("--lake: spec field '" + field + "' reads column '" + column +
                                     "', which the lake does not have");
    }
    query.columns.push_back(column);
  }
  Result<features::LakeRows> rows = features::ReadLakeRows(query);
  if (!rows.ok()) {
    if (rows.status().code() == StatusCode::kNotFound ||
        rows.status().code() == StatusCode::kInvalidArgument) {
      return Status::InvalidArgument("--lake " + query.dir + ": " + rows.status().message());
    }
    return rows.status();
  }
  for (const lake::FileRead& f : rows->files) {
    inputs.push_back(
        {{"path", f.path}, {"bytes", f.bytes}, {"mtime_ns", f.mtime_ns}, {"rows", f.rows}});
  }
  auto bound = [](int64_t ms, int64_t unbounded) {
    return ms == unbounded ? json(nullptr) : json(ms);
  };
  lake_lineage = {{"dir", query.dir},
                  {"from_date", query.from_date.empty() ? json(nullptr) : json(query.from_date)},
                  {"to_date", query.to_date.empty() ? json(nullptr) : json(query.to_date)},
                  {"from_ms", bound(query.from_ms, std::numeric_limits<int64_t>::min())},
                  {"to_ms", bound(query.to_ms, std::numeric_limits<int64_t>::max())},
                  {"files", rows->files.size()},
                  {"rows", rows->table.rows()},
                  {"rows_outside_window", rows->rows_outside_window}};
  if (rows->table.rows() == 0) {
    return Status::InvalidArgument("--lake " + query.dir + ": no rows in the range " +
                                   (query.from_date.empty() ? "(start)" : query.from_date) +
                                   " .. " + (query.to_date.empty() ? "(end)" : query.to_date) +
                                   " (" + std::to_string(rows->files.size()) + " files read)");
  }
  return std::move(rows->table);
}

std::string Distribution(const std::vector<std::string>& classes,
                         const std::vector<int64_t>& counts) {
  std::string out = "{";
  for (size_t c = 0; c < classes.size(); ++c) {
    out += (c ? ", " : "") + classes[c] + ": " + std::to_string(counts[c]);
  }
  return out + "}";
}

struct Labelled {
  std::string name;
  features::Table rows;
  std::vector<int32_t> labels;
  std::vector<double> targets;  // a regression's values (labels then unused)
};

// The label's column of a split's rows; the spec's error (exit 2) when they have none.
Result<const std::vector<std::string>*> LabelColumn(const Spec& spec, const std::string& name,
                                                    const features::Table& table) {
  const std::vector<std::string>* column = table.Column(spec.label.column);
  if (column == nullptr) {
    return Status::InvalidArgument("spec field 'label': the " + name + " rows have no column '" +
                                   spec.label.column + "'");
  }
  return column;
}

// A regression's splits: each row's value under the label (rows without one dropped and
// counted); a value that is not a number is the spec's error (exit 2), naming the row.
Result<std::vector<Labelled>> RegressionSplits(
    const Spec& spec, std::vector<std::pair<std::string, features::Table>>& raw,
    TrainReport& report) {
  std::vector<Labelled> splits;
  for (auto& [name, table] : raw) {
    ASSIGN_OR_RETURN(const std::vector<std::string>* column, LabelColumn(spec, name, table));
    Labelled l;
    l.name = name;
    std::vector<size_t> keep;
    for (size_t r = 0; r < column->size(); ++r) {
      Result<std::optional<double>> v = ValueOf(spec.label, (*column)[r]);
      if (!v.ok()) {
        return Status::InvalidArgument("spec field 'label': a regression needs a numeric label; '" +
                                       spec.label.text + "' in " + name + " row " +
                                       std::to_string(r + 1) + ": " + v.status().message());
      }
      if (!v->has_value()) {
        ++report.unlabelled_rows;
        continue;
      }
      keep.push_back(r);
      l.targets.push_back(**v);
    }
    l.rows = features::SelectRows(table, keep);
    if (l.targets.empty()) {
      return Status::FailedPrecondition("the " + name + " split is empty: no row has a value of '" +
                                        spec.label.text + "'");
    }
    if (name == "train") {
      const auto [lo, hi] = std::minmax_element(l.targets.begin(), l.targets.end());
      if (*lo == *hi) {
        return Status::FailedPrecondition("the label '" + spec.label.text + "' is " +
                                          std::to_string(*lo) + " in every one of the " +
                                          std::to_string(l.targets.size()) +
                                          " training rows: nothing to learn");
      }
    }
    splits.push_back(std::move(l));
  }
  return splits;
}

class Clock {
 public:
  explicit Clock(const TrainOptions& o, TrainReport& r) : options_(o), report_(r) {}
  void Phase(std::string_view name) {
    Close();
    current_ = name;
    start_ = std::chrono::steady_clock::now();
    if (options_.on_phase) options_.on_phase(name);
  }
  void Close() {
    if (current_.empty()) return;
    report_.phase_seconds.emplace_back(
        current_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    current_.clear();
  }

 private:
  const TrainOptions& options_;
  TrainReport& report_;
  std::string current_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::string_view BuildCommit() { return CF_GIT_COMMIT; }

Result<TrainReport> Train(const Spec& spec, const TrainOptions& options) {
  TrainReport report;
  report.spec_name = spec.name;
  report.family = spec.family;
  report.model_dir = options.out_dir;
  Clock clock(options, report);

  // The family and its hyperparameters are part of the spec: check them before any work.
  model::Hyperparameters params(spec.hyperparameters);
  Result<std::unique_ptr<model::Trainer>> trainer = model::MakeTrainer(spec.family, params);
  if (!trainer.ok()) {
    const std::string field =
        trainer.status().code() == StatusCode::kNotFound ? "model.family" : "model.hyperparameters";
    return Status::InvalidArgument("spec field '" + field + "': " + trainer.status().message());
  }
  for (const std::string& m : spec.metrics) {
    if (!model::ParseMetric(m).ok()) {
      return Status::InvalidArgument("spec field 'metrics': unknown metric '" + m + "'");
    }
  }

  // Rows of each split.
  clock.Phase("read");
  std::vector<Input> inputs;
  json lake_lineage;
  std::vector<std::pair<std::string, features::Table>> raw;
  std::string date_min, date_max;
  if (options.lake && !options.data_files.empty()) {
    return Status::InvalidArgument("--lake and --data: give one source of rows");
  }
  if (spec.split.by == SplitSpec::By::kFiles && !options.lake) {
    if (!options.data_files.empty()) {
      return Status::InvalidArgument(
          "--data: this spec splits by named files (split.by: files); give no --data");
    }
    for (auto [name, files] : {std::pair{"train", &spec.split.train_files},
                               std::pair{"validation", &spec.split.validation_files},
                               std::pair{"test", &spec.split.test_files}}) {
      if (files->empty()) continue;
      ASSIGN_OR_RETURN(features::Table t, ReadInputs(*files, inputs));
      raw.emplace_back(name, std::move(t));
    }
  } else {
    features::Table all;
    if (options.lake) {
      ASSIGN_OR_RETURN(all, ReadLake(spec, *options.lake, inputs, lake_lineage));
    } else {
      const std::vector<std::string>& files =
          options.data_files.empty() ? spec.split.train_files : options.data_files;
      if (files.empty()) {
        return Status::InvalidArgument(
            "a time split needs rows: --lake DIR, --data FILE... or split.files");
      }
      ASSIGN_OR_RETURN(all, ReadInputs(files, inputs));
    }
    const std::vector<std::string>* times = all.Column(spec.split.time_column);
    if (times == nullptr) {
      return Status::InvalidArgument("spec field 'split.column': the rows have no column '" +
                                     spec.split.time_column + "'");
    }
    const auto validation_from = schema::ParseTimestamp(spec.split.validation_from);
    const auto test_from = spec.split.test_from.empty()
                               ? std::optional<schema::Timestamp>()
                               : schema::ParseTimestamp(spec.split.test_from);
    std::vector<size_t> parts[3];
    for (size_t r = 0; r < all.rows(); ++r) {
      const auto t = schema::ParseTimestamp((*times)[r], spec.split.time_format);
      if (!t) {
        ++report.untimed_rows;
        continue;
      }
      const std::string text = schema::FormatTimestamp(*t);
      if (date_min.empty() || text < date_min) date_min = text;
      if (date_max.empty() || text > date_max) date_max = text;
      const int part = (test_from && *t >= *test_from) ? 2 : (*t >= *validation_from ? 1 : 0);
      parts[part].push_back(r);
    }
    const char* names[] = {"train", "validation", "test"};
    for (int k = 0; k < 3; ++k) {
      if (k == 2 && !test_from) continue;
      raw.emplace_back(names[k], features::SelectRows(all, parts[k]));
    }
  }

  const bool regression = spec.task == Task::kRegression;
  for (const std::string& m : spec.metrics) {
    if (model::IsRegressionMetric(*model::ParseMetric(m)) != regression) {
      return Status::InvalidArgument("spec field 'metrics': '" + m + "' is not a metric of a " +
                                     (regression ? "regression" : "classification"));
    }
  }
  // Labels. The classes are the mapping's (in its order) or the training split's values; a
  // regression has one output, "value".
  std::vector<std::string> classes = spec.label.class_order;
  if (regression) classes = {"value"};
  if (classes.empty()) {
    const std::vector<std::string>* column = raw.front().second.Column(spec.label.column);
    if (column == nullptr) {
      return Status::InvalidArgument("spec field 'label': the training rows have no column '" +
                                     spec.label.column + "'");
    }
    std::map<std::string, int> seen;
    for (const std::string& v : *column) {
      if (auto c = ClassOf(spec.label, v)) seen[*c];
    }
    for (const auto& [c, unused] : seen) classes.push_back(c);
  }
  std::vector<Labelled> splits;
  if (regression) {
    ASSIGN_OR_RETURN(splits, RegressionSplits(spec, raw, report));
  }
  for (auto& [name, table] : raw) {
    if (regression) break;
    ASSIGN_OR_RETURN(const std::vector<std::string>* column, LabelColumn(spec, name, table));
    Labelled l;
    l.name = name;
    std::vector<size_t> keep;
    for (size_t r = 0; r < column->size(); ++r) {
      std::optional<std::string> c = ClassOf(spec.label, (*column)[r]);
      auto it = c ? std::find(classes.begin(), classes.end(), *c) : classes.end();
      if (it == classes.end()) {
        ++report.unlabelled_rows;
        continue;
      }
      keep.push_back(r);
      l.labels.push_back(static_cast<int32_t>(it - classes.begin()));
    }
    l.rows = features::SelectRows(table, keep);
    splits.push_back(std::move(l));
  }
  report.classes = classes;

  // Refusals, each naming the label's distribution.
  for (const Labelled& s : splits) {
    if (regression) break;
    std::vector<int64_t> counts(classes.size(), 0);
    for (int32_t y : s.labels) ++counts[y];
    const std::string dist = "label '" + spec.label.text + "' in the " +
                             std::to_string(s.labels.size()) + " " + s.name +
                             " rows: " + Distribution(classes, counts);
    if (s.labels.empty()) {
      return Status::FailedPrecondition("the " + s.name + " split is empty; " + dist);
    }
    if (s.name != "train") continue;
    int present = 0;
    for (int64_t n : counts) present += n > 0;
    if (present < 2) {
      return Status::FailedPrecondition("the label has " + std::to_string(present) +
                                        " class in the training rows, a model needs 2; " + dist);
    }
    for (size_t c = 0; c < classes.size(); ++c) {
      if (counts[c] < spec.min_class_rows) {
        return Status::FailedPrecondition("class '" + classes[c] + "' has " +
                                          std::to_string(counts[c]) +
                                          " training rows, fewer than min_class_rows " +
                                          std::to_string(spec.min_class_rows) + "; " + dist);
      }
    }
    if (spec.task == Task::kBinary && classes.size() != 2) {
      return Status::FailedPrecondition("task binary but the label has " +
                                        std::to_string(classes.size()) + " classes; " + dist);
    }
  }

  clock.Phase("features");
  Result<features::Pipeline> pipeline =
      features::Pipeline::Fit(spec.features, splits.front().rows, spec.seed);
  if (!pipeline.ok()) return Status::FailedPrecondition(pipeline.status().message());
  report.features = pipeline->cols();
  std::vector<features::SparseRows> matrices;
  for (const Labelled& s : splits) {
    Result<features::SparseRows> x = pipeline->Transform(s.rows);
    if (!x.ok()) return x.status().WithContext(s.name + " rows");
    matrices.push_back(std::move(*x));
  }

  clock.Phase("fit");
  std::vector<model::FeatureBlock> blocks;
  for (size_t b = 0; b < pipeline->defs().size(); ++b) {
    const int32_t end =
        b + 1 < pipeline->offsets().size() ? pipeline->offsets()[b + 1] : pipeline->cols();
    blocks.push_back({pipeline->defs()[b].name, pipeline->offsets()[b], end});
  }
  ASSIGN_OR_RETURN(std::unique_ptr<model::Classifier> classifier,
                   (*trainer)->Fit({matrices[0], splits[0].labels, static_cast<int>(classes.size()),
                                    spec.seed, splits[0].targets, blocks}));

  clock.Phase("evaluate");
  json metrics = json::object();
  // The reference comes from rows the model did not fit when there are some: its confidence
  // there is what the stream will show, not the training rows' inflated one.
  size_t reference_split = 0;
  for (size_t k = 0; k < splits.size(); ++k) {
    if (splits[k].name == "validation") reference_split = k;
  }
  std::vector<double> reference_proba;
  // The baseline a regression must beat: the training mean predicted for every row.
  double train_mean = 0;
  for (double v : splits[0].targets)
    train_mean += v / static_cast<double>(splits[0].targets.size());
  for (size_t k = 0; k < splits.size() && regression; ++k) {
    ASSIGN_OR_RETURN(std::vector<double> p, classifier->PredictProba(matrices[k]));
    if (k == reference_split && options.reference) reference_proba = p;
    SplitResult result;
    result.name = splits[k].name;
    result.rows = static_cast<int64_t>(splits[k].targets.size());
    ASSIGN_OR_RETURN(model::RegressionMetrics m, model::EvaluateRegression({splits[k].targets, p}));
    const std::vector<double> mean(splits[k].targets.size(), train_mean);
    ASSIGN_OR_RETURN(model::RegressionMetrics base,
                     model::EvaluateRegression({splits[k].targets, mean}));
    json j = {{"rows", result.rows},
              {"mae", m.mae},
              {"rmse", m.rmse},
              {"mean_baseline_mae", base.mae},
              {"mean_baseline_rmse", base.rmse}};
    if (m.r2.ok()) j["r2"] = *m.r2;
    metrics[result.name] = j;
    result.regression = m;
    result.baseline = base;
    report.splits.push_back(std::move(result));
  }
  for (size_t k = 0; k < splits.size() && !regression; ++k) {
    ASSIGN_OR_RETURN(std::vector<double> p, classifier->PredictProba(matrices[k]));
    if (k == reference_split && options.reference) reference_proba = p;
    const std::vector<int32_t> predicted = model::ArgMax(p, static_cast<int>(classes.size()));
    SplitResult result;
    result.name = splits[k].name;
    result.rows = static_cast<int64_t>(splits[k].labels.size());
    result.class_rows.assign(classes.size(), 0);
    for (int32_t y : splits[k].labels) ++result.class_rows[y];
    ASSIGN_OR_RETURN(result.metrics,
                     model::EvaluateClassification(
                         {static_cast<int>(classes.size()), splits[k].labels, predicted, p}));
    json m = {{"rows", result.rows},
              {"accuracy", result.metrics.accuracy},
              {"macro_recall", result.metrics.macro_recall},
              {"macro_f1", result.metrics.macro_f1},
              {"weighted_f1", result.metrics.weighted_f1}};
    if (result.metrics.roc_auc.ok()) m["roc_auc"] = *result.metrics.roc_auc;
    if (result.metrics.log_loss.ok()) m["log_loss"] = *result.metrics.log_loss;
    metrics[result.name] = m;
    report.splits.push_back(std::move(result));
  }

  clock.Phase("save");
  json lineage_inputs = json::array();
  for (Input& in : inputs) lineage_inputs.push_back(std::move(in));
  json rows = json::object();
  for (const SplitResult& s : report.splits) {
    rows[s.name] = {{"rows", s.rows}, {"classes", s.class_rows}};
  }
  report.lineage = {{"inputs", lineage_inputs},
                    {"rows", rows},
                    {"unlabelled_rows", report.unlabelled_rows},
                    {"untimed_rows", report.untimed_rows},
                    {"date_range", date_min.empty() ? json(nullptr) : json({date_min, date_max})},
                    {"git_commit", std::string(BuildCommit())}};
  if (!lake_lineage.is_null()) report.lineage["lake"] = lake_lineage;
  json record = {{"spec_name", spec.name}, {"spec_hash", spec.hash},    {"spec", spec.source_text},
                 {"seed", spec.seed},      {"lineage", report.lineage}, {"metrics", metrics}};
  if (regression) record["task"] = "regression";
  std::vector<model::ExtraFile> extra;
  // The training reference: the model's answers on held-out rows for the monitor (class
  // probabilities, or a regression's values with the rows' labels).
  if (options.reference) {
    const features::Table& all_rows = splits[reference_split].rows;
    const size_t n_classes = classes.size();
    std::vector<size_t> pick(all_rows.rows());
    std::iota(pick.begin(), pick.end(), size_t{0});
    if (pick.size() > options.reference_rows) {
      std::mt19937_64 rng(static_cast<uint64_t>(spec.seed));
      std::shuffle(pick.begin(), pick.end(), rng);
      pick.resize(options.reference_rows);
      std::sort(pick.begin(), pick.end());
    }
    std::vector<double> proba;
    proba.reserve(pick.size() * n_classes);
    for (size_t r : pick) {
      proba.insert(proba.end(), reference_proba.begin() + static_cast<ptrdiff_t>(r * n_classes),
                   reference_proba.begin() + static_cast<ptrdiff_t>((r + 1) * n_classes));
    }
    std::vector<double> targets;
    if (regression) {
      targets.reserve(pick.size());
      for (size_t r : pick) targets.push_back(splits[reference_split].targets[r]);
    }
    Result<std::string> bytes =
        options.reference(features::SelectRows(all_rows, pick), proba, classes, *pipeline,
                          regression ? &targets : nullptr);
    if (!bytes.ok()) return bytes.status().WithContext("the training reference");
    record["reference"] = {
        {"file", kReferenceFile}, {"split", splits[reference_split].name}, {"rows", pick.size()}};
    extra.push_back({kReferenceFile, std::move(*bytes)});
  }
  RETURN_IF_ERROR(
      model::SaveModel(options.out_dir, *pipeline, *classifier, classes, record, extra));
  clock.Close();
  return report;
}

}  // namespace covidflow::train
