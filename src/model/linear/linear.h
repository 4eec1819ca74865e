#pragma once
// The `linear` family: L2-regularised logistic regression on sparse features, trained by
// liblinear (the library scikit-learn's LogisticRegression(solver="liblinear") wraps).
// Multiclass is one-vs-rest; probabilities are each class's logistic output normalised to
// sum to 1 (scikit-learn's "ovr" rule). The native file is liblinear's own text model,
// `linear.model`. Private to src/model: reached through model/family.h.
//
// Regression (TrainingData::num_classes 1): liblinear's L2-regularised L2-loss support vector
// regression (L2R_L2LOSS_SVR, primal); with epsilon 0 its loss is the squared error, so the
// model is ridge regression with the intercept regularised (λ = 1/(2C)). The value is w·x + b.
//
// Hyperparameters: C (inverse regularisation, default 1), class_weight (none | balanced),
// epsilon (regression only: errors below it cost nothing, default 0),
// tolerance (the solver's stopping criterion, default 0.01), bias (true: an intercept
// feature of value 1, regularised as liblinear does).
//
// Determinism: the primal trust-region Newton solver used here draws no random numbers;
// Fit still seeds rand() with the data's seed under a lock, since liblinear's other solvers
// use rand() and it is process-global.
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/classifier.h"
#include "model/hyperparameters.h"

namespace covidflow::model::linear {

Result<std::unique_ptr<Trainer>> MakeTrainer(Hyperparameters& params);
Result<std::unique_ptr<Classifier>> Load(const std::string& dir, int num_classes);

// One linear model as one liblinear file at `path` (another family keeping several, stack):
// SaveFile refuses a classifier of another family (kInvalidArgument); LoadFile checks the
// file as Load does (kCorruption).
Status SaveFile(const Classifier& classifier, const std::string& path);
Result<std::unique_ptr<Classifier>> LoadFile(const std::string& path, int num_classes);

// The score of class 1 of a fitted two-class logistic regression, as weights: one per
// feature, then the intercept's (0 without one). kInvalidArgument for another classifier.
Result<std::vector<double>> ClassOneScore(const Classifier& classifier);

// A logistic regression from its scores (another family composing one, stack's NB-weighted
// base): `scores` holds one vector for two classes (class 1's score) or one per class for
// more (one-vs-rest), each `num_features` weights then the intercept's. Its probabilities and
// file are those of a `linear` classifier fitted with those weights.
Result<std::unique_ptr<Classifier>> FromScores(int num_features,
                                               const std::vector<std::vector<double>>& scores);

}  // namespace covidflow::model::linear
