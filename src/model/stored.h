#pragma once
// A classifier on disk: the family's native files plus `classifier.json`, which names the
// family, the classes and each file's size and CRC32C, and carries a format version. The
// layout is docs/formats/model.md (the model artifact adds the feature pipeline and the
// training manifest beside it).
//
// LoadClassifier checks before it parses: an unknown or newer format version, a missing,
// truncated or altered file each give a kCorruption or kFailedPrecondition error naming the
// file, never a crash.
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/classifier.h"

namespace covidflow::model {

// The newest classifier.json version this build reads; each classifier writes its own
// FormatVersion() (1 for linear, gbt, decision_tree; 2 for stack).
inline constexpr int kClassifierFormatVersion = 2;
inline constexpr char kClassifierManifest[] = "classifier.json";

struct LoadedClassifier {
  std::unique_ptr<Classifier> classifier;
  std::vector<std::string> classes;  // the class names, in class-index order
};

// Saves into `dir` (created when missing). `classes` are the names of the class indices.
Status SaveClassifier(const std::string& dir, const Classifier& classifier,
                      const std::vector<std::string>& classes);

// Reads classifier.json in `dir`, verifies every file, and dispatches on its family.
Result<LoadedClassifier> LoadClassifier(const std::string& dir);

}  // namespace covidflow::model
