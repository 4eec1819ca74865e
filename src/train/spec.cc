#include "train/spec.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <regex>

#include "base/crc32c.h"
#include "base/fs.h"
#include "base/numbers.h"
#include "model/promotion.h"
#include "schema/time.h"

namespace covidflow::train {
namespace {

Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("spec field '" + field + "': " + why);
}

Result<std::string> Scalar(const YAML::Node& node, const std::string& field) {
  if (!node.IsDefined() || node.IsNull()) return Bad(field, "is required");
  if (!node.IsScalar()) return Bad(field, "must be a single value");
  return node.as<std::string>();
}

Result<std::vector<std::string>> Paths(const YAML::Node& node, const std::string& field,
                                       const std::string& base_dir) {
  std::vector<std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  auto add = [&](const std::string& p) {
    out.push_back(p.starts_with("/") || base_dir.empty() ? p : base_dir + "/" + p);
  };
  if (node.IsScalar()) {
    add(node.as<std::string>());
  } else if (node.IsSequence()) {
    for (const YAML::Node& p : node) {
      if (!p.IsScalar()) return Bad(field, "must be a file path or a list of them");
      add(p.as<std::string>());
    }
  } else {
    return Bad(field, "must be a file path or a list of them");
  }
  return out;
}

Result<int> IntField(const YAML::Node& node, const std::string& field, int fallback, int min,
                     int max) {
  if (!node.IsDefined()) return fallback;
  ASSIGN_OR_RETURN(std::string text, Scalar(node, field));
  const std::optional<int64_t> v = ParseIntIn(text, min, max);
  if (!v) {
    return Bad(field, "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                          "], got '" + text + "'");
  }
  return static_cast<int>(*v);
}

Status ParsePair(const YAML::Node& node, const std::string& field, int* lo, int* hi) {
  if (!node.IsDefined()) return Status::Ok();
  if (!node.IsSequence() || node.size() != 2) return Bad(field, "must be [min, max]");
  ASSIGN_OR_RETURN(*lo, IntField(node[0], field, 0, 0, 16));
  ASSIGN_OR_RETURN(*hi, IntField(node[1], field, 0, 0, 16));
  return Status::Ok();
}

Status ParseLabel(const YAML::Node& node, LabelSpec& label) {
  if (!node.IsDefined()) return Bad("label", "is required");
  if (node.IsScalar()) {
    // "retweets > 0" or a bare column name.
    label.text = node.as<std::string>();
    static const std::regex kLog1p(R"(^\s*log1p\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$)");
    std::smatch fm;
    if (std::regex_match(label.text, fm, kLog1p)) {
      label.column = fm[1];
      label.transform = "log1p";
      return Status::Ok();
    }
    static const std::regex kExpr(
        R"(^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*(-?[0-9.eE+-]+)\s*$)");
    std::smatch m;
    if (std::regex_match(label.text, m, kExpr)) {
      label.column = m[1];
      label.op = m[2];
      const std::string number = m[3];
      const std::optional<double> threshold = ParseDouble(number);
      if (!threshold || !std::isfinite(*threshold)) {
        return Bad("label", "'" + number + "' is not a number");
      }
      label.threshold = *threshold;
      label.class_order = {"false", "true"};
      return Status::Ok();
    }
    static const std::regex kColumn(R"(^[A-Za-z_][A-Za-z0-9_]*$)");
    if (!std::regex_match(label.text, kColumn)) {
      return Bad("label", "'" + label.text +
                              "' is neither a column name nor '<column> <op> <number>' "
                              "(op: > >= < <= == !=)");
    }
    label.column = label.text;
    return Status::Ok();
  }
  if (!node.IsMap()) return Bad("label", "must be a column, an expression or a map");
  ASSIGN_OR_RETURN(label.column, Scalar(node["column"], "label.column"));
  label.text = label.column;
  if (node["mapping"].IsDefined()) {
    if (!node["mapping"].IsMap() || node["mapping"].size() == 0) {
      return Bad("label.mapping", "must map raw values to class names");
    }
    for (const auto& kv : node["mapping"]) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        return Bad("label.mapping", "keys and values must be single values");
      }
      const std::string cls = kv.second.as<std::string>();
      if (cls.empty()) return Bad("label.mapping", "a class name is empty");
      label.mapping[kv.first.as<std::string>()] = cls;
      if (std::find(label.class_order.begin(), label.class_order.end(), cls) ==
          label.class_order.end()) {
        label.class_order.push_back(cls);
      }
    }
  }
  return Status::Ok();
}

Status ParseFeatures(const YAML::Node& node, std::vector<features::FeatureDef>& out) {
  if (!node.IsDefined() || !node.IsSequence() || node.size() == 0) {
    return Bad("features", "must be a non-empty list");
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node f = node[i];
    const std::string at = "features[" + std::to_string(i) + "]";
    if (!f.IsMap()) return Bad(at, "must be a map with name, kind and column");
    features::FeatureDef d;
    ASSIGN_OR_RETURN(std::string kind, Scalar(f["kind"], at + ".kind"));
    Result<features::FeatureKind> k = features::ParseFeatureKind(kind);
    if (!k.ok()) return Bad(at + ".kind", k.status().message());
    d.kind = *k;
    ASSIGN_OR_RETURN(d.column, Scalar(f["column"], at + ".column"));
    d.name = f["name"].IsDefined() ? f["name"].as<std::string>() : d.column + "_" + kind;
    static const char* kKnown[] = {"name",        "kind",        "column",     "word_ngrams",
                                   "char_ngrams", "hash_bits",   "min_df",     "sublinear_tf",
                                   "min_count",   "time_format", "char_tokens"};
    for (const auto& kv : f) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
        return Bad(at + "." + key, "unknown option");
      }
    }
    RETURN_IF_ERROR(ParsePair(f["word_ngrams"], at + ".word_ngrams", &d.word_min, &d.word_max));
    RETURN_IF_ERROR(ParsePair(f["char_ngrams"], at + ".char_ngrams", &d.char_min, &d.char_max));
    ASSIGN_OR_RETURN(d.hash_bits, IntField(f["hash_bits"], at + ".hash_bits", d.hash_bits, 10, 24));
    ASSIGN_OR_RETURN(d.min_df, IntField(f["min_df"], at + ".min_df", d.min_df, 1, 1000000));
    ASSIGN_OR_RETURN(d.min_count,
                     IntField(f["min_count"], at + ".min_count", d.min_count, 1, 1000000));
    if (f["sublinear_tf"].IsDefined()) {
      ASSIGN_OR_RETURN(std::string s, Scalar(f["sublinear_tf"], at + ".sublinear_tf"));
      if (s != "true" && s != "false") return Bad(at + ".sublinear_tf", "must be true or false");
      d.sublinear_tf = s == "true";
    }
    if (f["char_tokens"].IsDefined()) {
      ASSIGN_OR_RETURN(d.char_tokens, Scalar(f["char_tokens"], at + ".char_tokens"));
    }
    if (f["time_format"].IsDefined()) {
      ASSIGN_OR_RETURN(d.time_format, Scalar(f["time_format"], at + ".time_format"));
    }
    Status valid = d.Validate();
    if (!valid.ok()) return Bad(at, valid.message());
    for (const features::FeatureDef& other : out) {
      if (other.name == d.name) return Bad(at + ".name", "'" + d.name + "' is used twice");
    }
    out.push_back(std::move(d));
  }
  return Status::Ok();
}

Status ParseSplit(const YAML::Node& node, const std::string& base_dir, SplitSpec& split) {
  if (!node.IsDefined() || !node.IsMap()) return Bad("split", "is required (a map)");
  ASSIGN_OR_RETURN(std::string by, Scalar(node["by"], "split.by"));
  if (by == "files") {
    split.by = SplitSpec::By::kFiles;
    ASSIGN_OR_RETURN(split.train_files, Paths(node["train"], "split.train", base_dir));
    ASSIGN_OR_RETURN(split.validation_files,
                     Paths(node["validation"], "split.validation", base_dir));
    ASSIGN_OR_RETURN(split.test_files, Paths(node["test"], "split.test", base_dir));
    if (split.train_files.empty()) return Bad("split.train", "names no file");
    return Status::Ok();
  }
  if (by == "time") {
    split.by = SplitSpec::By::kTime;
    ASSIGN_OR_RETURN(split.time_column, Scalar(node["column"], "split.column"));
    if (node["time_format"].IsDefined()) {
      ASSIGN_OR_RETURN(split.time_format, Scalar(node["time_format"], "split.time_format"));
    }
    ASSIGN_OR_RETURN(split.validation_from,
                     Scalar(node["validation_from"], "split.validation_from"));
    if (!schema::ParseTimestamp(split.validation_from)) {
      return Bad("split.validation_from",
                 "'" + split.validation_from + "' is not 'YYYY-MM-DD HH:MM:SS'");
    }
    if (node["test_from"].IsDefined()) {
      ASSIGN_OR_RETURN(split.test_from, Scalar(node["test_from"], "split.test_from"));
      if (!schema::ParseTimestamp(split.test_from)) {
        return Bad("split.test_from", "'" + split.test_from + "' is not 'YYYY-MM-DD HH:MM:SS'");
      }
      if (split.test_from < split.validation_from) {
        return Bad("split.test_from", "is before split.validation_from");
      }
    }
    ASSIGN_OR_RETURN(split.train_files, Paths(node["files"], "split.files", base_dir));
    return Status::Ok();
  }
  return Bad("split.by", "'" + by + "': expected files or time");
}

Result<Spec> ParseNode(const YAML::Node& root, const std::string& base_dir) {
  if (!root.IsMap()) return Bad("(top level)", "a spec is a YAML map");
  static const char* kKnown[] = {"name",      "task",           "seed",       "label",
                                 "features",  "model",          "split",      "metrics",
                                 "promotion", "min_class_rows", "description"};
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Bad(key, "unknown field");
    }
  }
  Spec spec;
  ASSIGN_OR_RETURN(spec.name, Scalar(root["name"], "name"));
  static const std::regex kName(R"(^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$)");
  if (!std::regex_match(spec.name, kName)) {
    return Bad("name", "'" + spec.name + "' must be letters, digits, '.', '_' or '-'");
  }
  ASSIGN_OR_RETURN(std::string task, Scalar(root["task"], "task"));
  if (task == "binary") {
    spec.task = Task::kBinary;
  } else if (task == "multiclass") {
    spec.task = Task::kMulticlass;
  } else if (task == "regression") {
    spec.task = Task::kRegression;
  } else {
    return Bad("task", "'" + task + "': expected binary, multiclass or regression");
  }
  if (root["seed"].IsDefined()) {
    ASSIGN_OR_RETURN(std::string seed, Scalar(root["seed"], "seed"));
    const std::optional<int64_t> value = ParseIntIn(seed, 0, INT64_MAX);
    if (!value) return Bad("seed", "must be a non-negative integer, got '" + seed + "'");
    spec.seed = static_cast<uint64_t>(*value);
  }
  RETURN_IF_ERROR(ParseLabel(root["label"], spec.label));
  if (spec.task == Task::kBinary && spec.label.class_order.size() > 2) {
    return Bad("label.mapping", "a binary task maps to two classes");
  }
  if (spec.task == Task::kRegression && (!spec.label.op.empty() || !spec.label.mapping.empty())) {
    return Bad("label", "'" + spec.label.text +
                            "': a regression's label is a numeric column or log1p(column), not a "
                            "comparison or a mapping");
  }
  if (spec.task != Task::kRegression && !spec.label.transform.empty()) {
    return Bad("label", "'" + spec.label.text + "': log1p(...) is a regression's label");
  }
  RETURN_IF_ERROR(ParseFeatures(root["features"], spec.features));
  const YAML::Node model = root["model"];
  if (!model.IsDefined() || !model.IsMap()) return Bad("model", "is required (a map)");
  ASSIGN_OR_RETURN(spec.family, Scalar(model["family"], "model.family"));
  if (model["hyperparameters"].IsDefined()) {
    if (!model["hyperparameters"].IsMap()) {
      return Bad("model.hyperparameters", "must be a map of name: value");
    }
    for (const auto& kv : model["hyperparameters"]) {
      if (!kv.second.IsScalar()) {
        return Bad("model.hyperparameters." + kv.first.as<std::string>(), "must be one value");
      }
      spec.hyperparameters[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  RETURN_IF_ERROR(ParseSplit(root["split"], base_dir, spec.split));
  if (root["metrics"].IsDefined()) {
    if (!root["metrics"].IsSequence()) return Bad("metrics", "must be a list of metric names");
    for (const YAML::Node& m : root["metrics"]) {
      if (!m.IsScalar()) return Bad("metrics", "must be a list of metric names");
      spec.metrics.push_back(m.as<std::string>());
    }
  }
  if (root["promotion"].IsDefined()) {
    ASSIGN_OR_RETURN(spec.promotion, Scalar(root["promotion"], "promotion"));
    // Checked now, so a rule that evaluate would refuse (or that would promote worse models)
    // stops training before any work.
    Result<model::PromotionRule> rule = model::ParsePromotionRule(spec.promotion);
    if (!rule.ok()) return Bad("promotion", rule.status().message());
    const bool regression = spec.task == Task::kRegression;
    if (model::IsRegressionMetric(rule->metric) != regression) {
      return Bad("promotion", std::string(model::MetricName(rule->metric)) +
                                  (regression ? " is a classifier's metric; a regression is "
                                                "judged on mae, rmse or r2"
                                              : " is a regressor's metric; the task is " + task));
    }
  }
  ASSIGN_OR_RETURN(spec.min_class_rows,
                   IntField(root["min_class_rows"], "min_class_rows", 10, 1, 1000000));
  return spec;
}

}  // namespace

Result<Spec> ParseSpec(const std::string& yaml, const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("spec is not valid YAML: line " +
                                   std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Result<Spec> spec = Status::Internal("unparsed");
  try {
    spec = ParseNode(root, base_dir);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("spec: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!spec.ok()) return spec;
  spec->source_text = yaml;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", Crc32c(yaml));
  spec->hash = hex;
  return spec;
}

Result<Spec> ReadSpec(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return Status::InvalidArgument("spec " + path + ": " + text.status().message());
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  Result<Spec> spec = ParseSpec(*text, dir);
  if (!spec.ok()) return spec.status().WithContext(path);
  return spec;
}

std::optional<std::string> ClassOf(const LabelSpec& label, const std::string& raw) {
  if (raw.empty()) return std::nullopt;
  if (!label.op.empty()) {
    char* end = nullptr;
    double v = std::strtod(raw.c_str(), &end);
    if (*end != '\0') {
      if (raw == "True" || raw == "true") {
        v = 1;
      } else if (raw == "False" || raw == "false") {
        v = 0;
      } else {
        return std::nullopt;
      }
    }
    bool r = false;
    if (label.op == ">") r = v > label.threshold;
    if (label.op == ">=") r = v >= label.threshold;
    if (label.op == "<") r = v < label.threshold;
    if (label.op == "<=") r = v <= label.threshold;
    if (label.op == "==") r = v == label.threshold;
    if (label.op == "!=") r = v != label.threshold;
    return r ? "true" : "false";
  }
  if (label.mapping.empty()) return raw;
  auto it = label.mapping.find(raw);
  if (it == label.mapping.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<double>> ValueOf(const LabelSpec& label, const std::string& raw) {
  if (raw.empty()) return std::optional<double>();
  char* end = nullptr;
  double v = std::strtod(raw.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v)) {
    return Status::InvalidArgument("'" + raw + "' is not a number");
  }
  if (label.transform == "log1p") {
    if (v <= -1) return Status::InvalidArgument("'" + raw + "' is not above -1 (log1p)");
    v = std::log1p(v);
  }
  return std::optional<double>(v);
}

}  // namespace covidflow::train
