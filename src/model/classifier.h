#pragma once
// The interface every model family implements, and what train, predict, serve and monitor use.
//
// A Trainer (made by a family from validated hyperparameters) fits a Classifier on sparse
// feature rows with class indices as labels. A Classifier gives calibrated probabilities for
// each of its classes and saves its native files into a directory; the family loads them back
// (see family.h and stored.h for the directory's manifest).
//
// A regressor (task regression) is the same interface with one output: NumClasses() == 1 and
// PredictProba gives each row's predicted value (any real number, not a probability). The
// families that regress (linear: L2-regularised squared-loss regression; gbt:
// reg:squarederror) fit one when TrainingData::num_classes is 1, from `targets`.
//
// Threads: a fitted Classifier is immutable; PredictProba may be called from any number of
// threads at once (a served model is shared). A Trainer is used by one thread at a time.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/sparse.h"

namespace covidflow::model {

class Classifier {
 public:
  virtual ~Classifier() = default;

  // The registered name of the family that made it ("linear", "gbt", "decision_tree").
  virtual std::string_view Family() const = 0;
  // The number of classes k; probabilities come in class-index order 0..k-1. 1 for a
  // regressor.
  virtual int NumClasses() const = 0;
  bool IsRegressor() const { return NumClasses() == 1; }
  // Row-major rows × k probabilities, each row summing to 1 (a regressor: one value a row).
  // Columns at or beyond the number of features seen in training are ignored.
  virtual Result<std::vector<double>> PredictProba(const SparseRows& rows) const = 0;
  // The classifier.json format version its files need (docs/formats/model.md): 1, or 2 for
  // a family that version 1 readers do not know (stack). Written as low as possible so older
  // builds still read what they can.
  virtual int FormatVersion() const { return 1; }
  // Writes the family's native files into `dir` (which exists) and returns their names,
  // relative to `dir`, so the caller can checksum them.
  virtual Result<std::vector<std::string>> Save(const std::string& dir) const = 0;
};

// A named range of feature columns [begin, end): one feature definition's block (the feature
// pipeline's layout). Families that treat blocks apart (stack) read them; the others ignore
// them.
struct FeatureBlock {
  std::string name;
  int32_t begin = 0;
  int32_t end = 0;
};

// What a trainer fits on. `labels[r]` is the class index of row r, in [0, num_classes).
// num_classes == 1 asks for a regressor: `targets[r]` is row r's value and `labels` is unused.
// `seed` makes every random choice of the family reproducible: same data, same seed →
// byte-identical saved files.
struct TrainingData {
  const SparseRows& x;
  std::span<const int32_t> labels;
  int num_classes = 0;
  uint64_t seed = 0;
  std::span<const double> targets = {};
  std::span<const FeatureBlock> blocks = {};
};

class Trainer {
 public:
  virtual ~Trainer() = default;
  virtual Result<std::unique_ptr<Classifier>> Fit(const TrainingData& data) const = 0;
};

// The index of the largest probability in each row (the first on ties).
std::vector<int32_t> ArgMax(std::span<const double> probabilities, int num_classes);

}  // namespace covidflow::model
