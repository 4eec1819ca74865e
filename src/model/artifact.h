#pragma once
// A model artifact: the directory train writes and predict, serve and the registry read.
// It holds the fitted feature pipeline (`features.json`), the classifier (`classifier.json`
// and the family's native files, model/stored.h) and `manifest.json`: format version,
// family, classes, the checksums of the two other manifests, and the training record the
// caller gives (spec, its hash, lineage, metrics). docs/formats/model.md is the contract.
//
// LoadModel verifies before it parses: a missing, truncated, altered or newer-format file is
// an error naming the file (kCorruption, kFailedPrecondition, kNotFound), never a crash.
//
// Threads: a loaded Model is immutable; PredictProba may be called from many threads.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "features/pipeline.h"
#include "features/table.h"
#include "model/classifier.h"

namespace covidflow::model {

inline constexpr int kArtifactFormatVersion = 1;
inline constexpr char kArtifactManifest[] = "manifest.json";
inline constexpr char kFeaturesFile[] = "features.json";

struct Model {
  features::Pipeline pipeline;
  std::unique_ptr<Classifier> classifier;
  std::vector<std::string> classes;
  nlohmann::json record;  // what the trainer recorded (spec, spec_hash, lineage, metrics)

  // Features then probabilities: rows × classes.size(), row-major.
  Result<std::vector<double>> PredictProba(const features::Table& rows) const;
};

// A file the trainer adds to the artifact beside the model (the training reference):
// listed in the manifest with its size and checksum like the model's own files.
struct ExtraFile {
  std::string name;  // a plain name: no '/', not starting with '.'
  std::string bytes;
};

// Writes the artifact into `dir`, which must not exist or be empty. manifest.json is
// written last (atomically), so an interrupted write leaves no loadable artifact.
Status SaveModel(const std::string& dir, const features::Pipeline& pipeline,
                 const Classifier& classifier, const std::vector<std::string>& classes,
                 const nlohmann::json& record, const std::vector<ExtraFile>& extra = {});

// The bytes of `name` as the artifact's manifest lists it, size and checksum verified.
// kNotFound when the manifest does not list it (an artifact written before that file
// existed); kCorruption for a file that does not verify.
Result<std::string> ReadArtifactFile(const std::string& dir, const std::string& name);

Result<Model> LoadModel(const std::string& dir);

// nlohmann's dump with invalid UTF-8 replaced (dump() would throw on it).
std::string DumpJson(const nlohmann::json& j, int indent = -1);

}  // namespace covidflow::model
