#pragma once
// The tree families on XGBoost's C API (Debian libxgboost-dev 1.7, `xgboost/c_api.h` only;
// the only place XGBoost is included):
//
//   gbt            gradient-boosted trees: binary:logistic (sigmoid output) for two classes,
//                  multi:softprob (softmax output) for more, histogram tree method.
//   decision_tree  the reference's one tree: the same booster with one round, shrinkage 1
//                  and no L2 penalty on leaves, so the model is a single tree whose leaves
//                  carry one Newton step from the prior; probabilities are its sigmoid /
//                  softmax. Why not a Gini CART of our own:
//                  docs/decisions/0005-trees-on-xgboost.md.
//
// Absent entries of the sparse rows are XGBoost's "missing" (each split learns a default
// direction), as with scipy sparse input in Python.
//
// Hyperparameters (gbt defaults; decision_tree fixes rounds=1, eta=1, lambda=0):
//   rounds (200), max_depth (6), eta (0.1), min_child_weight (1), subsample (1),
//   colsample_bytree (1), lambda (1), alpha (0), max_bin (256), class_weight (none | balanced),
//   threads (1: training on one thread is byte-for-byte reproducible).
// The native file is XGBoost's JSON model, `gbt.json`. XGBoost's saving does not create
// folders: the caller's directory must exist (Classifier::Save's contract).
//
// Threads: PredictProba takes a per-model lock around XGBoost's predict call (the booster
// keeps prediction caches), so a shared model is safe and predictions are serialised.
#include <memory>
#include <string>

#include "base/status.h"
#include "model/classifier.h"
#include "model/hyperparameters.h"

namespace covidflow::model::gbt {

Result<std::unique_ptr<Trainer>> MakeGbtTrainer(Hyperparameters& params);
Result<std::unique_ptr<Trainer>> MakeDecisionTreeTrainer(Hyperparameters& params);
Result<std::unique_ptr<Classifier>> LoadGbt(const std::string& dir, int num_classes);
Result<std::unique_ptr<Classifier>> LoadDecisionTree(const std::string& dir, int num_classes);

}  // namespace covidflow::model::gbt
