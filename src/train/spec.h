#pragma once
// A training spec (YAML, docs/specs.md): what to learn from which rows, how to split them,
// how to judge the result. ParseSpec checks every field and names the first bad one
// ("spec field 'model.hyperparameters.C': ..."); the CLI turns that into exit code 2.
//
// Threads: a plain value.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "features/pipeline.h"
#include "model/hyperparameters.h"

namespace covidflow::train {

enum class Task { kBinary, kMulticlass, kRegression };

// How a row's class is read: a column's value (optionally mapped), or a comparison
// `<column> <op> <number>` giving the classes "false" and "true". A regression's label is a
// numeric column, or `log1p(<column>)` (ln(1 + value), for counts such as retweets).
struct LabelSpec {
  std::string column;
  std::map<std::string, std::string> mapping;  // raw value → class name; empty = identity
  std::vector<std::string> class_order;        // the mapping's classes in the order written
  // The expression form: column op threshold.
  std::string op;  // "", ">", ">=", "<", "<=", "==", "!="
  double threshold = 0;
  std::string text;       // as written, for messages and the manifest
  std::string transform;  // regression: "" or "log1p"
};

// Split by named files (paths relative to the spec's folder unless absolute), or by the
// event time of a column: train before validation_from, validation before test_from, test
// after.
struct SplitSpec {
  enum class By { kFiles, kTime } by = By::kFiles;
  std::vector<std::string> train_files;
  std::vector<std::string> validation_files;
  std::vector<std::string> test_files;
  std::string time_column;
  std::string time_format = "%Y-%m-%d %H:%M:%S";
  std::string validation_from;
  std::string test_from;
};

struct Spec {
  std::string name;
  Task task = Task::kMulticlass;
  uint64_t seed = 0;
  LabelSpec label;
  std::vector<features::FeatureDef> features;
  std::string family;
  model::Hyperparameters::Values hyperparameters;
  SplitSpec split;
  std::vector<std::string> metrics;  // metric names (model/metrics.h)
  std::string promotion;             // kept as written; `covidflow evaluate` applies it
  int min_class_rows = 10;           // fewer training rows in a class: training refuses
  std::string source_text;           // the YAML as read
  std::string hash;                  // hex CRC32C of source_text, for the manifest
};

// Parses YAML text. `base_dir` resolves relative file paths of the split.
Result<Spec> ParseSpec(const std::string& yaml, const std::string& base_dir);
// Reads and parses a spec file (its folder is the base directory).
Result<Spec> ReadSpec(const std::string& path);

// The class of one raw label value under the spec, or nullopt when the row has no label
// (empty value, or not a number for an expression).
std::optional<std::string> ClassOf(const LabelSpec& label, const std::string& raw);

// A regression label's value for one raw value: nullopt for an empty value (no label);
// kInvalidArgument for a value that is not a finite number (or below -1 under log1p).
Result<std::optional<double>> ValueOf(const LabelSpec& label, const std::string& raw);

}  // namespace covidflow::train
