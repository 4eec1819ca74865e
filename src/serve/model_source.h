#pragma once
// Where a served model comes from and how it is held: a reference ("NAME@ALIAS",
// "NAME/VERSION", "NAME" = the latest version) resolved in a registry, the version's
// artifacts downloaded once into a cache directory keyed by name and version, the artifact
// loaded (model::LoadModel verifies every checksum) and smoke-tested on fixed example tweets
// before anyone scores with it. A model can also come straight from an artifact directory.
//
// ModelSlot holds the model in use. A request takes the pointer once (Load) and scores with
// it to the end, so a swap never changes the model under a request in flight; the old model
// is freed when the last request holding it lets go.
//
// Threads: a LoadedModel is immutable and may be shared; ModelSlot's Load and Swap may be
// called from any threads. LoadFromRegistry may run concurrently for different versions
// (each download goes to its own temporary directory and is renamed into place).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/artifact.h"
#include "registry/registry.h"

namespace covidflow::serve {

struct ModelRef {
  std::string name;
  std::string alias;    // set for NAME@ALIAS
  int64_t version = 0;  // set for NAME/VERSION; 0 with no alias = the latest version

  // "NAME@ALIAS", "NAME/VERSION" or "NAME".
  std::string ToString() const;
};

// kInvalidArgument naming `field` for an empty name, an empty alias, a version that is not a
// positive integer, or a name the registry would refuse.
Result<ModelRef> ParseModelRef(std::string_view text, std::string_view field = "--model");

struct LoadedModel {
  std::string name;     // the registered model, or the directory's base name
  int64_t version = 0;  // 0 for a model served from a directory
  std::string run_id;   // the run that produced it; may be empty
  std::string source;   // the directory it was loaded from (the cache entry or --model-dir)
  model::Model model;
  std::chrono::system_clock::time_point loaded_at;

  // "NAME/VERSION", or NAME for a directory's model: how responses and logs name it.
  std::string Id() const;
};

// Resolves `ref` (the alias or latest version at this moment), downloads the version into
// `cache_dir`/NAME/VERSION unless a verified copy is there, loads and smoke-tests it.
// kNotFound naming the model, alias or version; an artifact that fails to load or to score
// is an error naming the version and the reason.
Result<std::shared_ptr<const LoadedModel>> LoadFromRegistry(registry::Registry& registry,
                                                            const ModelRef& ref,
                                                            const std::string& cache_dir);

// The version `ref` resolves to now (the alias's target, the given version, or the latest).
Result<int64_t> ResolveVersion(registry::Registry& registry, const ModelRef& ref);

// Loads and smoke-tests the artifact directory `dir`; named by its base name, version 0.
Result<std::shared_ptr<const LoadedModel>> LoadFromDir(const std::string& dir);

// Scores a few fixed example tweets (every input column of the pipeline set to the tweet's
// text); an error unless each row gets one finite probability per class summing to 1 (a
// regression model: one finite value per row).
Status SmokeTest(const model::Model& model);

class ModelSlot {
 public:
  explicit ModelSlot(std::shared_ptr<const LoadedModel> initial);
  // Never null.
  std::shared_ptr<const LoadedModel> Load() const;
  // Installs `next` (not null) and returns the previous model.
  std::shared_ptr<const LoadedModel> Swap(std::shared_ptr<const LoadedModel> next);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const LoadedModel> current_;
};

}  // namespace covidflow::serve
