#include "model/artifact.h"

#include <algorithm>

#include "base/crc32c.h"
#include "base/fs.h"
#include "model/stored.h"

namespace covidflow::model {

using nlohmann::json;

std::string DumpJson(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

Result<std::vector<double>> Model::PredictProba(const features::Table& rows) const {
  // A slice of rows at a time: one feature matrix of a slice stays in cache and is reused,
  // where the whole table's matrix (hundreds of bytes a tweet) was written to fresh pages
  // and read back. The probabilities are the same: each row is scored on its own.
  // The matrix is the calling thread's, kept between calls: a server scoring a few rows per
  // request builds no matrix per request (at most one slice's capacity stays per thread).
  constexpr size_t kSliceRows = 1024;
  thread_local features::SparseRows x;
  const size_t n = rows.rows();
  if (n <= kSliceRows) {
    RETURN_IF_ERROR(pipeline.TransformRange(rows, 0, n, x));
    return classifier->PredictProba(x);
  }
  std::vector<double> out;
  out.reserve(n * classes.size());
  for (size_t begin = 0; begin < n; begin += kSliceRows) {
    RETURN_IF_ERROR(pipeline.TransformRange(rows, begin, std::min(n, begin + kSliceRows), x));
    ASSIGN_OR_RETURN(std::vector<double> p, classifier->PredictProba(x));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

namespace {

Status WriteFile(const std::string& path, const std::string& bytes) {
  return ReplaceFileAtomically(path, bytes, path + ".tmp");
}

json FileEntry(const std::string& name, const std::string& bytes) {
  return {{"name", name}, {"size", bytes.size()}, {"crc32c", Crc32c(bytes)}};
}

// Reads a file listed in the manifest and checks its size and checksum.
Result<std::string> ReadListed(const std::string& dir, const json& files, const std::string& name,
                               const std::string& manifest) {
  for (const json& entry : files) {
    if (!entry.is_object() || !entry.contains("name") || entry["name"] != name) continue;
    if (!entry.contains("size") || !entry["size"].is_number_unsigned() ||
        !entry.contains("crc32c") || !entry["crc32c"].is_number_unsigned()) {
      return Status::Corruption(manifest + ": the entry of " + name + " lacks size or crc32c");
    }
    const std::string path = dir + "/" + name;
    Result<std::string> bytes = ReadWholeFile(path);
    if (!bytes.ok()) {
      return Status::Corruption(
          path + ": listed in the manifest but cannot be read: " + bytes.status().message());
    }
    if (bytes->size() != entry["size"].get<uint64_t>()) {
      return Status::Corruption(path + ": truncated or extended: " + std::to_string(bytes->size()) +
                                " bytes, the manifest says " +
                                std::to_string(entry["size"].get<uint64_t>()));
    }
    if (Crc32c(*bytes) != entry["crc32c"].get<uint64_t>()) {
      return Status::Corruption(path + ": checksum mismatch (the file was altered)");
    }
    return bytes;
  }
  return Status::Corruption(manifest + ": does not list " + name);
}

}  // namespace

Status SaveModel(const std::string& dir, const features::Pipeline& pipeline,
                 const Classifier& classifier, const std::vector<std::string>& classes,
                 const json& record, const std::vector<ExtraFile>& extra) {
  for (const ExtraFile& f : extra) {
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name[0] == '.' ||
        f.name == kArtifactManifest || f.name == kFeaturesFile || f.name == kClassifierManifest) {
      return Status::InvalidArgument("artifact file name '" + f.name + "' is not allowed");
    }
  }
  if (PathExists(dir)) {
    ASSIGN_OR_RETURN(std::vector<std::string> present, ListDir(dir));
    if (!present.empty()) {
      return Status::AlreadyExists(dir + ": the model directory exists and is not empty");
    }
  }
  RETURN_IF_ERROR(MakeDirs(dir));
  const std::string features = DumpJson(pipeline.ToJson()) + "\n";
  RETURN_IF_ERROR(WriteFile(dir + "/" + kFeaturesFile, features));
  RETURN_IF_ERROR(SaveClassifier(dir, classifier, classes));
  ASSIGN_OR_RETURN(std::string classifier_manifest, ReadWholeFile(dir + "/" + kClassifierManifest));
  json files = {FileEntry(kFeaturesFile, features),
                FileEntry(kClassifierManifest, classifier_manifest)};
  for (const ExtraFile& f : extra) {
    RETURN_IF_ERROR(WriteFile(dir + "/" + f.name, f.bytes));
    files.push_back(FileEntry(f.name, f.bytes));
  }
  json manifest = {{"format_version", kArtifactFormatVersion},
                   {"family", std::string(classifier.Family())},
                   {"classes", classes},
                   {"features", pipeline.cols()},
                   {"files", files},
                   {"record", record}};
  return WriteFile(dir + "/" + kArtifactManifest, DumpJson(manifest, 2) + "\n");
}

Result<Model> LoadModel(const std::string& dir) {
  const std::string path = dir + "/" + kArtifactManifest;
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(path + ": no such file (is '" + dir + "' a model directory?)");
    }
    return text.status();
  }
  json manifest = json::parse(*text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return Status::Corruption(path + ": not valid JSON (truncated or corrupt)");
  }
  if (!manifest.contains("format_version") || !manifest["format_version"].is_number_integer()) {
    return Status::Corruption(path + ": no integer format_version");
  }
  const int version = manifest["format_version"].get<int>();
  if (version > kArtifactFormatVersion) {
    return Status::FailedPrecondition(
        path + ": format version " + std::to_string(version) + " is newer than this build reads (" +
        std::to_string(kArtifactFormatVersion) + "); upgrade covidflow");
  }
  if (version < 1) return Status::Corruption(path + ": format_version must be at least 1");
  if (!manifest.contains("files") || !manifest["files"].is_array()) {
    return Status::Corruption(path + ": no files list");
  }
  ASSIGN_OR_RETURN(std::string features_text,
                   ReadListed(dir, manifest["files"], kFeaturesFile, path));
  RETURN_IF_ERROR(ReadListed(dir, manifest["files"], kClassifierManifest, path).status());
  json features_state = json::parse(features_text, nullptr, false);
  if (features_state.is_discarded()) {
    return Status::Corruption(dir + "/" + kFeaturesFile + ": not valid JSON");
  }
  Result<features::Pipeline> pipeline = features::Pipeline::FromJson(features_state);
  if (!pipeline.ok()) return pipeline.status().WithContext(dir + "/" + kFeaturesFile);
  ASSIGN_OR_RETURN(LoadedClassifier loaded, LoadClassifier(dir));
  return Model{std::move(*pipeline), std::move(loaded.classifier), std::move(loaded.classes),
               manifest.contains("record") ? manifest["record"] : json::object()};
}

Result<std::string> ReadArtifactFile(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + kArtifactManifest;
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  json manifest = json::parse(text, nullptr, false);
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_array()) {
    return Status::Corruption(path + ": not a manifest with a files list");
  }
  for (const json& entry : manifest["files"]) {
    if (entry.is_object() && entry.contains("name") && entry["name"] == name) {
      return ReadListed(dir, manifest["files"], name, path);
    }
  }
  return Status::NotFound(path + " lists no " + name);
}

}  // namespace covidflow::model
