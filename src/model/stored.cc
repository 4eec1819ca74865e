#include "model/stored.h"

#include <nlohmann/json.hpp>

#include "base/crc32c.h"
#include "base/fs.h"
#include "model/family.h"

namespace covidflow::model {
namespace {

using nlohmann::json;

Status CorruptManifest(const std::string& path, std::string_view why) {
  return Status::Corruption(path + ": " + std::string(why));
}

// Checks one listed file's size and checksum against the manifest entry.
Status VerifyFile(const std::string& dir, const json& entry, const std::string& manifest) {
  if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
      !entry.contains("size") || !entry["size"].is_number_unsigned() || !entry.contains("crc32c") ||
      !entry["crc32c"].is_number_unsigned()) {
    return CorruptManifest(manifest, "a file entry lacks name, size or crc32c");
  }
  const std::string name = entry["name"].get<std::string>();
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
    return CorruptManifest(manifest, "file name '" + name + "' is not a plain name");
  }
  const std::string path = dir + "/" + name;
  Result<std::string> bytes = ReadWholeFile(path);
  if (!bytes.ok()) {
    return Status::Corruption(path + ": listed in " + kClassifierManifest +
                              " but cannot be read: " + bytes.status().message());
  }
  const uint64_t size = entry["size"].get<uint64_t>();
  if (bytes->size() != size) {
    return Status::Corruption(path + ": truncated or extended: " + std::to_string(bytes->size()) +
                              " bytes, the manifest says " + std::to_string(size));
  }
  if (Crc32c(*bytes) != entry["crc32c"].get<uint64_t>()) {
    return Status::Corruption(path + ": checksum mismatch (the file was altered)");
  }
  return Status::Ok();
}

}  // namespace

Status SaveClassifier(const std::string& dir, const Classifier& classifier,
                      const std::vector<std::string>& classes) {
  if (static_cast<int>(classes.size()) != classifier.NumClasses()) {
    return Status::InvalidArgument("SaveClassifier: " + std::to_string(classes.size()) +
                                   " class names for a classifier of " +
                                   std::to_string(classifier.NumClasses()) + " classes");
  }
  RETURN_IF_ERROR(MakeDirs(dir));
  ASSIGN_OR_RETURN(std::vector<std::string> names, classifier.Save(dir));
  json files = json::array();
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(dir + "/" + name));
    files.push_back({{"name", name}, {"size", bytes.size()}, {"crc32c", Crc32c(bytes)}});
  }
  json manifest = {{"format_version", classifier.FormatVersion()},
                   {"family", std::string(classifier.Family())},
                   {"classes", classes},
                   {"files", files}};
  const std::string path = dir + "/" + kClassifierManifest;
  return ReplaceFileAtomically(path, manifest.dump(2) + "\n", path + ".tmp");
}

Result<LoadedClassifier> LoadClassifier(const std::string& dir) {
  const std::string path = dir + "/" + kClassifierManifest;
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(path + ": no such file (is '" + dir + "' a model directory?)");
    }
    return text.status();
  }
  json manifest = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return CorruptManifest(path, "not valid JSON (truncated or corrupt)");
  }
  if (!manifest.contains("format_version") || !manifest["format_version"].is_number_integer()) {
    return CorruptManifest(path, "no integer format_version");
  }
  const int version = manifest["format_version"].get<int>();
  if (version > kClassifierFormatVersion) {
    return Status::FailedPrecondition(
        path + ": format version " + std::to_string(version) + " is newer than this build reads (" +
        std::to_string(kClassifierFormatVersion) + "); upgrade covidflow");
  }
  if (version < 1) return CorruptManifest(path, "format_version must be at least 1");
  if (!manifest.contains("family") || !manifest["family"].is_string() ||
      !manifest.contains("classes") || !manifest["classes"].is_array() ||
      !manifest.contains("files") || !manifest["files"].is_array()) {
    return CorruptManifest(path, "family, classes or files missing or of the wrong type");
  }
  LoadedClassifier out;
  for (const json& c : manifest["classes"]) {
    if (!c.is_string()) return CorruptManifest(path, "a class name is not a string");
    out.classes.push_back(c.get<std::string>());
  }
  // One "class" is a regressor's one output (classifier.h).
  if (out.classes.empty()) return CorruptManifest(path, "no classes");
  for (const json& entry : manifest["files"]) RETURN_IF_ERROR(VerifyFile(dir, entry, path));
  const std::string family_name = manifest["family"].get<std::string>();
  Result<Family> family = Families().Find(family_name);
  if (!family.ok()) return family.status().WithContext(path);
  ASSIGN_OR_RETURN(out.classifier, family->load(dir, static_cast<int>(out.classes.size())));
  if (out.classifier->NumClasses() != static_cast<int>(out.classes.size())) {
    return Status::Corruption(dir + ": the " + family_name + " model has " +
                              std::to_string(out.classifier->NumClasses()) +
                              " classes, the manifest lists " + std::to_string(out.classes.size()));
  }
  return out;
}

}  // namespace covidflow::model
