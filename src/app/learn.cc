#include "app/learn.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "app/app.h"
#include "app/monitor.h"
#include "base/fs.h"
#include "features/table.h"
#include "lake/layout.h"
#include "model/artifact.h"
#include "model/classifier.h"
#include "model/metrics.h"
#include "registry/names.h"
#include "registry/registry.h"
#include "serve/model_source.h"
#include "train/spec.h"

namespace covidflow::app {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time, the figure that means something on a shared machine, where wall time includes
// waiting for a core.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// UTC time as 20201206T153000Z: sortable, and a valid directory name everywhere.
std::string UtcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// A --model or --against value: the artifact directory at that path when there is one, else a
// registry reference (NAME@ALIAS, NAME/VERSION, NAME) resolved, downloaded into the cache and
// smoke-tested by the one loader of served models. A value that is neither stays a path, so
// a missing directory reads as one.
Result<std::string> ModelDirOf(const Settings& s, const std::string& value,
                               std::string_view field) {
  std::error_code ec;
  if (value.empty() || std::filesystem::is_directory(value, ec) ||
      !serve::ParseModelRef(value, field).ok()) {
    return value;
  }
  ASSIGN_OR_RETURN(ServedModel served, LoadServedModel(s, value, "", field));
  return served.model->source;
}

Result<features::FileFormat> InputFormat(const PredictSettings& s) {
  switch (s.format) {
    case PredictSettings::Format::kCsv:
      return features::FileFormat::kCsv;
    case PredictSettings::Format::kJsonl:
      return features::FileFormat::kJsonl;
    case PredictSettings::Format::kLines:
      return features::FileFormat::kLines;
    case PredictSettings::Format::kAuto:
      break;
  }
  return features::ParseFileFormat("auto", s.input);
}

// Appends the shortest decimal text that reads back as exactly `v` (JSON has no NaN: null).
void AppendNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

// HOME/models/<spec>/<stamp>, or <stamp>-2, -3... when a run of the same second has it.
std::string FreshModelDir(const std::string& home, const std::string& spec,
                          const std::string& stamp) {
  const std::string base = (std::filesystem::path(home) / "models" / spec / stamp).string();
  std::string dir = base;
  for (int n = 2; PathExists(dir); ++n) dir = base + "-" + std::to_string(n);
  return dir;
}

// A key MLflow accepts and registry/names.h passes: letters, digits, '_', '-', '.', ' ';
// anything else (a '/', a control character, non-ASCII) becomes '_', and ".." becomes "_.".
std::string RegistryKey(std::string_view raw) {
  std::string key;
  for (char c : raw) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ' ';
    key += ok ? c : '_';
  }
  for (size_t at = key.find(".."); at != std::string::npos; at = key.find("..", at)) key[at] = '_';
  return key.substr(0, registry::kMaxNameBytes);
}

// The tags that say which spec a run or version came from.
registry::StringMap SpecTags(const train::Spec& spec) {
  return {{"covidflow.spec_name", spec.name},
          {"covidflow.spec_hash", spec.hash},
          {"covidflow.family", spec.family}};
}

// The spec flattened into params (MLflow's write-once key → text, at most 6,000 bytes each;
// the backend splits the batch within MLflow's 100 per call), the metrics of every split,
// tags and lineage.
registry::RunData RunDataOf(const train::Spec& spec, const std::string& spec_path,
                            const train::TrainReport& report) {
  registry::RunData d;
  auto param = [&d](std::string_view key, std::string value) {
    if (value.size() > registry::kMaxParamValueBytes) value.resize(registry::kMaxParamValueBytes);
    d.params[RegistryKey(key)] = std::move(value);
  };
  param("task", spec.task == train::Task::kBinary       ? "binary"
                : spec.task == train::Task::kRegression ? "regression"
                                                        : "multiclass");
  param("seed", std::to_string(spec.seed));
  param("label", spec.label.text);
  param("min_class_rows", std::to_string(spec.min_class_rows));
  param("model.family", spec.family);
  for (const auto& [key, value] : spec.hyperparameters) param("model." + key, value);
  for (size_t i = 0; i < spec.features.size(); ++i) {
    const features::FeatureDef& f = spec.features[i];
    const std::string p = "feature." + (f.name.empty() ? std::to_string(i) : f.name) + ".";
    param(p + "kind", std::string(features::FeatureKindName(f.kind)));
    param(p + "column", f.column);
    if (f.kind == features::FeatureKind::kText) {
      param(p + "word_ngrams", std::to_string(f.word_min) + "-" + std::to_string(f.word_max));
      param(p + "char_ngrams", std::to_string(f.char_min) + "-" + std::to_string(f.char_max));
      param(p + "hash_bits", std::to_string(f.hash_bits));
      param(p + "min_df", std::to_string(f.min_df));
      param(p + "sublinear_tf", f.sublinear_tf ? "true" : "false");
    } else if (f.kind == features::FeatureKind::kCategorical) {
      param(p + "min_count", std::to_string(f.min_count));
    } else if (f.kind == features::FeatureKind::kHour ||
               f.kind == features::FeatureKind::kWeekday) {
      param(p + "time_format", f.time_format);
    }
  }
  const train::SplitSpec& split = spec.split;
  param("split.by", split.by == train::SplitSpec::By::kFiles ? "files" : "time");
  if (split.by == train::SplitSpec::By::kTime) {
    param("split.time_column", split.time_column);
    param("split.validation_from", split.validation_from);
    param("split.test_from", split.test_from);
  }

  // Metrics: one point each, step 0, named <split>_<metric> as in the spec's promotion rule.
  for (const train::SplitResult& r : report.splits) {
    d.metrics.push_back({RegistryKey(r.name + "_rows"), static_cast<double>(r.rows), 0, 0});
    if (r.regression) {
      for (model::Metric metric : {model::Metric::kMae, model::Metric::kRmse, model::Metric::kR2}) {
        Result<double> value = model::MetricOf(*r.regression, metric);
        if (!value.ok() || !std::isfinite(*value)) continue;
        d.metrics.push_back(
            {RegistryKey(r.name + "_" + std::string(model::MetricName(metric))), *value, 0, 0});
      }
      continue;
    }
    for (int m = static_cast<int>(model::Metric::kAccuracy);
         m <= static_cast<int>(model::Metric::kLogLoss); ++m) {
      const auto metric = static_cast<model::Metric>(m);
      Result<double> value = model::MetricOf(r.metrics, metric);
      // A metric the split cannot give (ROC-AUC without both classes) is left out, not faked.
      if (!value.ok() || !std::isfinite(*value)) continue;
      d.metrics.push_back(
          {RegistryKey(r.name + "_" + std::string(model::MetricName(metric))), *value, 0, 0});
    }
  }
  for (const auto& [phase, seconds] : report.phase_seconds) {
    d.metrics.push_back({RegistryKey("seconds_" + phase), seconds, 0, 0});
  }

  d.tags = SpecTags(spec);
  d.tags["covidflow.model_dir"] = report.model_dir;
  d.tags["covidflow.classes"] = nlohmann::json(report.classes).dump();

  // Lineage: where the rows came from, so `models diff` shows it side by side.
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(spec_path, ec);
  d.lineage["spec"] = ec ? spec_path : abs.lexically_normal().string();
  d.lineage["spec.hash"] = spec.hash;
  const nlohmann::json& l = report.lineage;
  if (l.is_object()) {
    if (l.contains("git_commit")) d.lineage["code.version"] = l["git_commit"].get<std::string>();
    if (l.contains("inputs")) {
      for (size_t i = 0; i < l["inputs"].size(); ++i) {
        d.lineage["input." + std::to_string(i)] = model::DumpJson(l["inputs"][i]);
      }
    }
    if (l.contains("date_range") && l["date_range"].is_array() && l["date_range"].size() == 2) {
      d.lineage["data.window"] =
          l["date_range"][0].get<std::string>() + ".." + l["date_range"][1].get<std::string>();
    }
  }
  for (const train::SplitResult& r : report.splits) {
    d.lineage[RegistryKey("split." + r.name)] = std::to_string(r.rows) + " rows";
  }
  return d;
}

// The lake range of train or evaluate flags; nullopt without a lake.
Result<std::optional<features::LakeQuery>> LakeQueryOf(const LakeRangeSettings& r,
                                                       std::string_view command) {
  const std::string prefix(command);
  if (r.dir.empty()) {
    if (!r.from.empty() || !r.to.empty()) {
      return Status::InvalidArgument(prefix + ".from/" + prefix + ".to (--from/--to) need " +
                                     prefix + ".lake (--lake)");
    }
    return std::optional<features::LakeQuery>();
  }
  for (const auto& [value, key] : {std::pair{&r.from, "from"}, std::pair{&r.to, "to"}}) {
    if (!value->empty() && !lake::IsDate(*value)) {
      return Status::InvalidArgument(prefix + "." + key + " (--" + key + "): '" + *value +
                                     "' is not a date YYYY-MM-DD");
    }
  }
  if (!r.from.empty() && !r.to.empty() && r.to < r.from) {
    return Status::InvalidArgument(prefix + ".to (--to) " + r.to + " is before " + prefix +
                                   ".from (--from) " + r.from + ": the range is empty");
  }
  features::LakeQuery q;
  q.dir = r.dir;
  q.from_date = r.from;
  q.to_date = r.to;
  return std::optional<features::LakeQuery>(std::move(q));
}

}  // namespace

Result<TrainRun> RunTrain(const Settings& s, std::function<void(std::string_view phase)> on_phase) {
  const TrainSettings& t = s.train;
  if (t.spec.empty()) return Status::InvalidArgument("--spec FILE is required");
  TrainRequest request;
  ASSIGN_OR_RETURN(request.spec, train::ReadSpec(t.spec));
  request.spec_path = t.spec;
  request.options.data_files = t.data_files;
  ASSIGN_OR_RETURN(request.options.lake, LakeQueryOf(t.lake, "train"));
  request.options.out_dir = t.out;
  request.options.on_phase = std::move(on_phase);
  request.experiment = t.experiment;
  request.register_model = t.register_model;
  request.alias = t.alias;
  return TrainSpec(s, std::move(request));
}

Result<train::TrainReport> TrainWithReference(const Settings& s, const train::Spec& spec,
                                              train::TrainOptions options) {
  // Every trained model carries the sample `monitor` compares the stream with.
  if (!options.reference) {
    options.reference = [&s, &spec](const features::Table& rows, const std::vector<double>& proba,
                                    const std::vector<std::string>& classes,
                                    const features::Pipeline& pipeline,
                                    const std::vector<double>* targets) {
      return TrainingReference(s, spec, rows, proba, classes, &pipeline, targets);
    };
  }
  return train::Train(spec, options);
}

Result<TrainRun> TrainSpec(const Settings& s, TrainRequest request) {
  const train::Spec& spec = request.spec;
  TrainRecord record;
  record.experiment = request.experiment.empty() ? spec.name : request.experiment;
  record.model = request.register_model;
  record.alias = request.alias;
  // Every name is checked before the run exists: a typo costs no training and leaves no run.
  RETURN_IF_ERROR(registry::ValidateName("train.experiment", record.experiment));
  if (!record.model.empty())
    RETURN_IF_ERROR(registry::ValidateName("train.register", record.model));
  if (!record.alias.empty()) {
    if (record.model.empty()) {
      return Status::InvalidArgument("train.alias (--alias) needs train.register (--register)");
    }
    RETURN_IF_ERROR(registry::ValidateAlias(record.alias));
  }
  const registry::Change change = ChangeFrom(s.registry);
  RETURN_IF_ERROR(registry::ValidateChange(change));

  train::TrainOptions& options = request.options;
  const std::string stamp = UtcStamp();
  if (options.out_dir.empty()) options.out_dir = FreshModelDir(HomeDir(s.cli), spec.name, stamp);
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> reg, OpenRegistry(s.registry.uri, s.cli));
  record.registry = reg->Describe();
  ASSIGN_OR_RETURN(registry::Run run,
                   reg->CreateRun({record.experiment, spec.name + " " + stamp, 0, SpecTags(spec)}));
  record.run_id = run.id;
  // From here on the run ends FINISHED or FAILED, never stays RUNNING.
  auto fail = [&](const Status& why) {
    registry::RunData error;
    error.tags["covidflow.error"] = why.ToString().substr(0, registry::kMaxTagValueBytes);
    (void)reg->LogRunData(run.id, error);
    (void)reg->EndRun(run.id, registry::RunStatus::kFailed);
    return why;
  };
  Result<train::TrainReport> report = TrainWithReference(s, spec, options);
  if (!report.ok()) return fail(report.status());
  Status done = reg->LogRunData(run.id, RunDataOf(spec, request.spec_path, *report));
  if (done.ok()) done = reg->LogArtifacts(run.id, report->model_dir, registry::kRunModelArtifact);
  if (done.ok() && !record.model.empty()) {
    registry::NewVersion nv;
    nv.model = record.model;
    nv.run_id = run.id;
    nv.artifact_dir = report->model_dir;
    // Logged just above: the MLflow backend stores it once.
    nv.run_artifact_path = std::string(registry::kRunModelArtifact);
    nv.description = "trained from spec " + spec.name + " (" + spec.hash + ")";
    nv.tags = SpecTags(spec);
    Result<registry::ModelVersion> v = reg->RegisterVersion(nv, change);
    if (v.ok()) {
      record.version = v->version;
      if (!record.alias.empty()) {
        done = reg->SetAlias(record.model, record.alias, record.version, change);
      }
    } else {
      done = v.status();
    }
  }
  if (!done.ok()) return fail(done);
  RETURN_IF_ERROR(reg->EndRun(run.id, registry::RunStatus::kFinished));
  return TrainRun{std::move(*report), std::move(record)};
}

Result<train::EvaluateReport> RunEvaluate(const Settings& s) {
  train::EvaluateOptions options = s.evaluate;
  ASSIGN_OR_RETURN(options.model_dir, ModelDirOf(s, options.model_dir, "evaluate.model"));
  ASSIGN_OR_RETURN(options.against_dir, ModelDirOf(s, options.against_dir, "evaluate.against"));
  ASSIGN_OR_RETURN(options.lake, LakeQueryOf(s.evaluate_lake, "evaluate"));
  return train::Evaluate(options);
}

Result<PredictRun> RunPredict(const Settings& settings) {
  const PredictSettings& s = settings.predict;
  if (s.model.empty()) return Status::InvalidArgument("--model DIR|NAME@ALIAS is required");
  if (s.input.empty()) return Status::InvalidArgument("--input FILE is required");
  PredictRun run;
  auto t = Clock::now();
  ASSIGN_OR_RETURN(run.model_dir, ModelDirOf(settings, s.model, "predict.model"));
  ASSIGN_OR_RETURN(model::Model m, model::LoadModel(run.model_dir));
  run.load_seconds = Since(t);

  t = Clock::now();
  ASSIGN_OR_RETURN(features::FileFormat format, InputFormat(s));
  ASSIGN_OR_RETURN(features::Table rows, features::ReadTable(s.input, format, s.column));
  run.read_seconds = Since(t);
  run.rows = static_cast<int64_t>(rows.rows());

  t = Clock::now();
  const double cpu = ProcessCpuSeconds();
  ASSIGN_OR_RETURN(std::vector<double> proba, m.PredictProba(rows));
  run.predict_seconds = Since(t);
  run.predict_cpu_seconds = ProcessCpuSeconds() - cpu;

  t = Clock::now();
  // Each class name as a JSON string once; rows are then numbers between them.
  const size_t k = m.classes.size();
  std::vector<std::string> quoted(k);
  for (size_t c = 0; c < k; ++c) quoted[c] = model::DumpJson(nlohmann::json(m.classes[c]));
  std::string out;
  out.reserve(rows.rows() * (32 + k * 32));
  const bool regression = m.classifier->IsRegressor();
  const std::vector<int32_t> best =
      regression ? std::vector<int32_t>() : model::ArgMax(proba, static_cast<int>(k));
  for (size_t r = 0; r < rows.rows() && regression; ++r) {
    out += "{\"value\":";  // a regression's one output (model/classifier.h)
    AppendNumber(out, proba[r]);
    out += "}\n";
  }
  for (size_t r = 0; r < rows.rows() && !regression; ++r) {
    const double* p = proba.data() + r * k;
    out += "{\"class\":";
    out += quoted[static_cast<size_t>(best[r])];
    out += ",\"probabilities\":{";
    for (size_t c = 0; c < k; ++c) {
      if (c) out += ',';
      out += quoted[c];
      out += ':';
      AppendNumber(out, p[c]);
    }
    out += "}}\n";
  }
  if (s.out == "-") {
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
      return Status::IoError("writing predictions to stdout");
    }
  } else {
    RETURN_IF_ERROR(ReplaceFileAtomically(s.out, out, s.out + ".tmp"));
  }
  run.write_seconds = Since(t);
  return run;
}

}  // namespace covidflow::app
