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
// A base written `nb:words` is NB-weighted (NBSVM's logistic regression, Wang & Manning
// 2012): its columns binarised (a positive value is 1, others dropped) and, per class
// one-vs-rest (class 1 alone for two classes), scaled by the class's log-count ratio
// (LogCountRatio, on the rows that base is fitted on: within a fold, the fold's rows only)
// before a two-class `linear` fit; the ratio is then folded into the weights, so the fitted
// base is one linear classifier on the binarised columns.
//
// With `offsets: macro_recall`, the second level is also fitted K times on the same folds,
// and per-class offsets on its out-of-fold log-probabilities are chosen to maximise
// macro-recall on the training rows (MacroRecallOffsets); prediction multiplies the second
// level's probabilities by exp(offset) and normalises them again: a shift of the class priors,
// as balanced class weights are, so the probabilities are those of a model with priors tuned
// for macro-recall (their argmax is what the offsets were chosen for).
//
// Hyperparameters (checked at MakeTrainer; the feature names at Fit, against the blocks):
//   bases    base models separated by ';', each a ','-separated list of feature names
//            ("words;chars;nb:words,chars"); required
//   meta     feature names the second level sees directly ("vader,counts"); optional
//   folds    K (default 5, 2..20)
//   C, meta_C, class_weight (none | balanced, both levels), tolerance: as for `linear`
//   nb_C     the NB-weighted bases' C (default C); nb_alpha their ratio's smoothing (1)
//   offsets  none (default) | macro_recall
//
// Native files: `stack.json` (the format, the column ranges of each base and of the meta
// columns, the base and second-level file names) and one liblinear model file per base
// (`stack_base_<i>.model`) and for the second level (`stack_meta.model`);
// docs/formats/model.md. `stack.json` is stack_format 1 unless a base is NB-weighted
// (`"binary": true`) or there are class offsets (`"class_offsets"`): then 2. A stack classifier is
// written with classifier format version 2. Private to src/model: reached through model/family.h.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/classifier.h"
#include "model/hyperparameters.h"

namespace covidflow::model::stack {

Result<std::unique_ptr<Trainer>> MakeTrainer(Hyperparameters& params);
Result<std::unique_ptr<Classifier>> Load(const std::string& dir, int num_classes);

// The log-count ratio of class `cls` against the other rows' classes, per column j:
// ln((p[j] / |p|₁) / (q[j] / |q|₁)), p[j] = alpha + the number of rows of class `cls` with a
// positive x[j], q[j] the same over the other rows.
std::vector<double> LogCountRatio(const SparseRows& x, std::span<const int32_t> labels, int32_t cls,
                                  double alpha);

// Each class's rows dealt round-robin to `folds` folds in row order (no random numbers): the
// fold of each row. kInvalidArgument for a label outside 0..k-1.
Result<std::vector<int>> AssignFolds(std::span<const int32_t> labels, int k, int folds);

// A model fitted on some rows of a matrix and their labels.
using FitFunction = std::function<Result<std::unique_ptr<Classifier>>(
    const SparseRows& x, std::span<const int32_t> labels)>;

// Out-of-fold class probabilities (rows × k): the rows of fold f predicted by `fit` on the
// rows of the other folds (`fold` from AssignFolds), so nothing `fit` learns, an NB base's
// log-count ratios included, comes from the rows it predicts.
Result<std::vector<double>> OutOfFold(const FitFunction& fit, const SparseRows& x,
                                      std::span<const int32_t> labels, int k,
                                      std::span<const int> fold, int folds);

// An NB-weighted logistic regression on `x` (binary columns): per class (one-vs-rest; class 1
// alone for two classes) the columns scaled by LogCountRatio(x, labels, class, alpha), a
// two-class `base` fit (a `linear` trainer), and its weights multiplied back by the ratio: one
// `linear` classifier on the binary columns.
Result<std::unique_ptr<Classifier>> FitNb(const Trainer& base, const SparseRows& x,
                                          std::span<const int32_t> labels, int k, uint64_t seed,
                                          double alpha);

// Offsets (class 0's 0) added to ln(max(p, 1e-6)) of `probs` (rows × k) whose argmax has the
// highest macro-recall against `labels`: coordinate ascent on a grid of [-2, 2] by 0.02, a
// move taken only when it raises macro-recall (all 0 when nothing does).
Result<std::vector<double>> MacroRecallOffsets(std::span<const double> probs,
                                               std::span<const int32_t> labels, int k);

}  // namespace covidflow::model::stack
