#pragma once
// Scoring rows with a loaded model: the rows are a features::Table (named columns, as
// training read them), so raw tweets in the reference schema and feature rows go through the
// model's own feature pipeline, the one training fitted: no train/serve skew. Each row gets
// the most probable class, the probability of every class (in the model's class order) and
// the model name and version that produced it; a regression model's row gets its one value
// instead (Regression(), Value; no labels).
//
// Threads: Score is safe from many threads at once (a LoadedModel is immutable).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "features/table.h"
#include "serve/model_source.h"

namespace covidflow::serve {

struct Scores {
  std::shared_ptr<const LoadedModel> model;  // the model that scored every row
  size_t rows = 0;
  // rows × model->model.classes.size(), row-major; a regressor's: one value per row.
  std::vector<double> probabilities;
  std::vector<size_t> labels;  // per row, the index of the most probable class; empty for a
                               // regressor

  bool Regression() const { return model->model.classifier->IsRegressor(); }
  double Value(size_t row) const { return probabilities[row]; }  // a regressor's
  const std::vector<std::string>& classes() const { return model->model.classes; }
  const std::string& Label(size_t row) const { return classes()[labels[row]]; }
  double Probability(size_t row, size_t cls) const {
    return probabilities[row * classes().size() + cls];
  }
};

// kInvalidArgument naming the column when a column the model reads is absent from `rows`.
// Ties go to the class listed first.
Result<Scores> Score(std::shared_ptr<const LoadedModel> model, const features::Table& rows);

// The column a bare string fills (an "instances": ["text", ...] row, a v2 BYTES input, a
// line of text): the column of the model's first text-like feature (text, vader,
// text_counts), else its first input column.
std::string TextColumn(const model::Model& model);

}  // namespace covidflow::serve
