#pragma once
// The `stack` family: stacked generalisation over the feature pipeline's blocks. Each base
// model is a `linear` logistic regression on some of the feature blocks (TrainingData::blocks,
// by feature name); its out-of-fold class probabilities on the training rows (K folds, each
// class's rows dealt round-robin to the folds in row order, so no random numbers) become,
// as ln(max(p, 1e-6)), the columns of a second-level `linear` logistic regression that also
// sees the `meta` blocks as they are (dense scores: VADER, the text counts). Each base is
// then refitted on all training rows; prediction runs the bases on the row's blocks and the
// second level on their log-probabilities and the meta columns.
//
// Hyperparameters (checked at MakeTrainer; the feature names at Fit, against the blocks):
//   bases   base models separated by ';', each a ','-separated list of feature names
//           ("words;chars;words,chars"); required
//   meta    feature names the second level sees directly ("vader,counts"); optional
//   folds   K (default 5, 2..20)
//   C, meta_C, class_weight (none | balanced, both levels), tolerance: as for `linear`
//
// Native files: `stack.json` (the format, the column ranges of each base and of the meta
// columns, the base and second-level file names) and one liblinear model file per base
// (`stack_base_<i>.model`) and for the second level (`stack_meta.model`);
// docs/formats/model.md. A stack classifier is written with classifier format version 2.
// Private to src/model: reached through model/family.h.
#include <memory>
#include <string>

#include "base/status.h"
#include "model/classifier.h"
#include "model/hyperparameters.h"

namespace covidflow::model::stack {

Result<std::unique_ptr<Trainer>> MakeTrainer(Hyperparameters& params);
Result<std::unique_ptr<Classifier>> Load(const std::string& dir, int num_classes);

}  // namespace covidflow::model::stack
