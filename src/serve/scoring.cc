#include "serve/scoring.h"

#include <utility>

namespace covidflow::serve {

Result<Scores> Score(std::shared_ptr<const LoadedModel> model, const features::Table& rows) {
  Scores s;
  s.rows = rows.rows();
  ASSIGN_OR_RETURN(s.probabilities, model->model.PredictProba(rows));
  const size_t k = model->model.classes.size();
  if (k == 0 || s.probabilities.size() != s.rows * k) {
    return Status::Internal("model " + model->Id() + " gave " +
                            std::to_string(s.probabilities.size()) + " probabilities for " +
                            std::to_string(s.rows) + " rows");
  }
  s.model = std::move(model);
  if (s.Regression()) return s;  // one value a row, no classes to choose among
  s.labels.resize(s.rows);
  for (size_t r = 0; r < s.rows; ++r) {
    size_t best = 0;
    for (size_t c = 1; c < k; ++c) {
      if (s.probabilities[r * k + c] > s.probabilities[r * k + best]) best = c;
    }
    s.labels[r] = best;
  }
  return s;
}

std::string TextColumn(const model::Model& model) {
  for (const features::FeatureDef& def : model.pipeline.defs()) {
    if (def.kind == features::FeatureKind::kText || def.kind == features::FeatureKind::kVader ||
        def.kind == features::FeatureKind::kTextCounts) {
      return def.column;
    }
  }
  const std::vector<std::string> columns = model.pipeline.InputColumns();
  return columns.empty() ? std::string("text") : columns.front();
}

}  // namespace covidflow::serve
