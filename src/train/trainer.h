#pragma once
// Training a spec end to end: read the rows, split them, read the labels, refuse what
// cannot give an honest model, fit the feature pipeline and the model on the training rows,
// evaluate every split with model/metrics.h, and write the model artifact (model/artifact.h)
// with the spec, its hash and the lineage (input digests, rows, classes, date range, build).
//
// Errors: kInvalidArgument for a spec or input that is wrong (the CLI exits 2);
// kFailedPrecondition when the data cannot give a model: a label with one class, a class
// with fewer than min_class_rows training rows, an empty split, a feature missing everywhere
// (the message names the label's distribution; the CLI exits 1).
//
// Threads: Train runs on the calling thread.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "features/table.h"
#include "model/metrics.h"
#include "train/spec.h"

namespace covidflow::train {

struct TrainOptions {
  // Rows for a time split (all files are read, then split by time). With a files split the
  // spec names the files and `data_files` must be empty.
  std::vector<std::string> data_files;
  // Rows from the lake instead (a time split only): its partitions in [from_date, to_date],
  // then the rows whose event time is in [from_ms, to_ms). The columns read are the ones the
  // spec's features, label and split name (`columns` is ignored). A missing lake, a column the
  // lake lacks, or no rows in the range is kInvalidArgument naming it.
  std::optional<features::LakeQuery> lake;
  std::string out_dir;  // where the artifact goes (must not exist or be empty)
  // Called at each phase ("read", "features", "fit", "evaluate", "save"), for progress.
  std::function<void(std::string_view phase)> on_phase;
  // The training reference (docs/formats/model.md): when set, up to `reference_rows` rows of
  // the validation split (the training split when there is none) drawn with the spec's seed,
  // with the model's probabilities on them (rows × classes) and its fitted feature pipeline
  // (for what it derives from them: the out-of-vocabulary rate), are handed to `reference`; the
  // bytes it returns are stored in the artifact as kReferenceFile. The caller derives the
  // watched columns (the monitor's), which this module does not know. A regression model's
  // `proba` is its predicted value a row (classes {"value"}) and `targets` the rows' labels;
  // `targets` is null for a classifier.
  std::function<Result<std::string>(const features::Table& rows, const std::vector<double>& proba,
                                    const std::vector<std::string>& classes,
                                    const features::Pipeline& pipeline,
                                    const std::vector<double>* targets)>
      reference;
  size_t reference_rows = 5000;
};

// The training reference's name in the artifact: JSON lines, one object per row.
inline constexpr char kReferenceFile[] = "reference.jsonl";

struct SplitResult {
  std::string name;  // train, validation, test
  int64_t rows = 0;
  std::vector<int64_t> class_rows;  // per class
  model::ClassificationMetrics metrics;
  // A regression's figures (then `metrics` and `class_rows` are empty), and the same figures
  // for the mean predictor: the training rows' mean predicted for every row.
  std::optional<model::RegressionMetrics> regression;
  std::optional<model::RegressionMetrics> baseline;
};

struct TrainReport {
  std::string spec_name;
  std::string model_dir;
  std::string family;
  std::vector<std::string> classes;
  int32_t features = 0;
  int64_t unlabelled_rows = 0;  // dropped: no label, or a value outside the mapping
  int64_t untimed_rows = 0;     // dropped from a time split: no parsable time
  std::vector<SplitResult> splits;
  std::vector<std::pair<std::string, double>> phase_seconds;
  // The lineage written into the artifact's manifest (docs/formats/model.md): inputs with
  // their digests, rows per split, date range, the build's commit. The registry records it.
  nlohmann::json lineage;
};

// The git commit this binary was configured from ("unknown" outside a checkout).
std::string_view BuildCommit();

Result<TrainReport> Train(const Spec& spec, const TrainOptions& options);

}  // namespace covidflow::train
