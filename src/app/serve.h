#pragma once
// covidflow serve's objects: the model (from the registry or a directory), the slot, the
// alias watcher, the metrics and the HTTP server with the scoring endpoints (serve/service.h).
#include <memory>
#include <string>

#include "app/settings.h"
#include "base/status.h"
#include "http/server.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "registry/registry.h"
#include "serve/model_source.h"
#include "serve/prediction_log.h"
#include "serve/service.h"
#include "serve/traffic.h"

namespace covidflow::app {

// Members are destroyed in reverse order: the server (requests in flight finish) first, then
// the watcher's thread, then what they used.
struct Serving {
  std::unique_ptr<log::Log> own_log;               // null when the caller's log is used, or none is
  std::unique_ptr<registry::Registry> registry;    // null with --model-dir
  std::unique_ptr<metrics::Registry> own_metrics;  // null when the caller's registry is used
  metrics::Registry* metrics = nullptr;            // the series of the server and the watcher
  // Every prediction, on serve.predictions_topic; null when that is empty. Closed (flushed)
  // after the server has stopped.
  std::unique_ptr<serve::PredictionLog> predictions;
  std::unique_ptr<serve::ModelSlot> slot;
  std::unique_ptr<serve::AliasWatcher> watcher;  // null unless serving NAME@ALIAS
  // With serve.challenger: its registry handle, slot, watcher (NAME@ALIAS only), the split
  // and the shadow scorer (which stops, scoring what is queued, after the server).
  std::unique_ptr<registry::Registry> challenger_registry;
  std::unique_ptr<serve::ModelSlot> challenger;
  std::unique_ptr<serve::AliasWatcher> challenger_watcher;
  std::unique_ptr<serve::TrafficControl> traffic;
  std::unique_ptr<serve::ShadowScorer> shadow;
  std::unique_ptr<http::Server> server;

  // "NAME/VERSION" (or the directory's name) of the model in the slot now.
  std::string ModelId() const;
  int64_t ModelVersion() const;
  const std::string& ModelName() const;
};

// Loads the model serve.model or serve.model_dir names (exactly one; kInvalidArgument naming
// them otherwise or for a bad reference), starts the watcher for NAME@ALIAS and the server
// on serve.host:serve.port. With serve.challenger, the challenger too (its own watcher for
// NAME@ALIAS), in canary mode with serve.canary_share > 0, shadow mode with serve.shadow, else
// off; kInvalidArgument for both, or either without a challenger. A model that fails to load or its
// smoke test is an error naming it. Its series go into `shared` when given (`up`: one registry for
// the whole process; it must outlive the Serving), else into a registry of its own. Predictions go
// to serve.predictions_topic of `log` when given (`up`: the process's log; it must outlive the
// Serving), else of the log log.uri names, opened here (unless the topic setting is empty).
Result<std::unique_ptr<Serving>> StartServing(const Settings& s,
                                              metrics::Registry* shared = nullptr,
                                              log::Log* log = nullptr);

}  // namespace covidflow::app
