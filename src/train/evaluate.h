#pragma once
// `covidflow evaluate`: a trained model (the candidate) and optionally the current champion
// on the same labelled rows. The rows' labels are read with the candidate's own spec (the
// YAML recorded in its artifact), both models predict through their own feature pipelines,
// and model/comparison.h gives the metrics, the deltas with their bootstrap intervals,
// McNemar's test (classifiers) and the spec's promotion decision with its reason. A
// regression model (task regression) is compared on MAE, RMSE and R² of its values against
// the label's (log1p applied when the spec says so).
//
// Rows without a label under the spec (empty, or a value outside the spec's mapping) are
// left out and counted. Errors: kInvalidArgument for a bad input file, a model whose record
// has no spec, a regression label that is not a number, or two models of different tasks
// (a classifier against a regressor, or regressors of different labels); LoadModel's errors
// for a damaged artifact.
//
// Threads: Evaluate runs on the calling thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "features/table.h"
#include "model/comparison.h"

namespace covidflow::train {

struct EvaluateOptions {
  std::string model_dir;                // the candidate's artifact
  std::string against_dir;              // the champion's; empty = none
  std::vector<std::string> data_files;  // CSV, JSONL or Parquet (by extension), read in order
  // Rows from the lake instead: the partitions of [from_date, to_date], then the rows whose
  // event time is in [from_ms, to_ms) (features/table.h). The columns read are the ones both
  // models' pipelines and the label need (`columns` is ignored). A missing lake, or no rows
  // in the range, is kInvalidArgument.
  std::optional<features::LakeQuery> lake;
  model::BootstrapOptions bootstrap;
};

struct EvaluateReport {
  std::string spec_name;
  std::string promotion_rule;  // as written in the candidate's spec; may be empty
  int64_t input_rows = 0;
  int64_t unlabelled_rows = 0;
  // A classifier's comparison; for a regression model (task regression) `regression` instead,
  // and `comparison` stays empty.
  model::ModelComparison comparison;
  std::optional<model::RegressionComparison> regression;

  // The promotion decision of whichever task was compared.
  const std::optional<model::PromotionDecision>& decision() const;
};

Result<EvaluateReport> Evaluate(const EvaluateOptions& options);

}  // namespace covidflow::train
