#pragma once
// covidflow serve's objects: the model (from the registry or a directory), the slot, the
// alias watcher, the metrics and the HTTP server with the scoring endpoints (serve/service.h).
#include <memory>
#include <string>

#include "app/settings.h"
#include "base/status.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "registry/registry.h"
#include "serve/model_source.h"
#include "serve/service.h"

namespace covidflow::app {

// Members are destroyed in reverse order: the server (requests in flight finish) first, then
// the watcher's thread, then what they used.
struct Serving {
  std::unique_ptr<registry::Registry> registry;    // null with --model-dir
  std::unique_ptr<metrics::Registry> own_metrics;  // null when the caller's registry is used
  metrics::Registry* metrics = nullptr;            // the series of the server and the watcher
  std::unique_ptr<serve::ModelSlot> slot;
  std::unique_ptr<serve::AliasWatcher> watcher;  // null unless serving NAME@ALIAS
  std::unique_ptr<http::Server> server;

  // "NAME/VERSION" (or the directory's name) of the model in the slot now.
  std::string ModelId() const;
  int64_t ModelVersion() const;
  const std::string& ModelName() const;
};

// Loads the model serve.model or serve.model_dir names (exactly one; kInvalidArgument naming
// them otherwise or for a bad reference), starts the watcher for NAME@ALIAS and the server
// on serve.host:serve.port. A model that fails to load or its smoke test is an error naming it.
// Its series go into `shared` when given (`up`: one registry for the whole process; it must
// outlive the Serving), else into a registry of its own.
Result<std::unique_ptr<Serving>> StartServing(const Settings& s,
                                              metrics::Registry* shared = nullptr);

}  // namespace covidflow::app
