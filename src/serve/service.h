#pragma once
// The scoring server's endpoints on an http::Router, and the watcher that follows an alias.
// docs/http_api.md documents every endpoint; protocol.h the bodies.
//
//   MLflow scoring protocol   GET /ping, GET /health, GET /version, POST /invocations
//   Open Inference v2         GET /v2, /v2/health/live, /v2/health/ready,
//                             /v2/models/{name}[/versions/{version}][/ready],
//                             POST /v2/models/{name}[/versions/{version}]/infer
//   covidflow                 GET /metrics; POST /admin/reload (a bearer token);
//                             GET /admin/traffic, POST /admin/traffic (a bearer token);
//                             POST /admin/challenger (a bearer token)
//
// Every request takes the slot's model once (ModelSlot::Load) and uses it to the end, so
// each response names the version that produced it (in the body and in the header
// X-Covidflow-Model: NAME/VERSION) and a swap never fails a request. Errors: MLflow's
// endpoints answer MLflow's error shape, v2's the v2 shape (http::ErrorShape); a body that is
// not JSON or has the wrong shape or types, or too many rows, is 400; an unknown model or
// version 404; another content type on /invocations 415.
//
// Request ids: X-Request-Id when the request has one (1 to 256 visible ASCII characters, else
// 400), v2's "id" over it, otherwise one made here (16 hex digits); every response echoes it in
// X-Request-Id, and v2's answer in "id".
//
// The prediction log (ServiceOptions::predictions): every row a request scores is one
// PredictionRecord (request id, row, tweet id when the input has a tweet_id or id column, input
// digest, model, version, role, label, probabilities, the model's time on the request), queued
// on the request's thread and written by the log's own thread (prediction_log.h).
//
// A challenger (ServiceOptions::challenger, traffic.h): in canary mode the requests whose id
// falls under the share are answered by the challenger (role canary in the log, the response
// names its version); in shadow mode the champion answers and the rows are queued for the
// challenger on the shadow scorer (role shadow). A v2 request naming a version
// (/versions/{v}) gets that version, whatever the split. GET /admin/traffic shows the split and
// the two versions; POST /admin/traffic {"mode": "off"|"canary"|"shadow", "canary_share": S}
// changes it (the bearer token as /admin/reload; 400 for a bad body, 409 for canary or shadow
// without a challenger). POST /admin/challenger {"version": N, "mode": ..., "canary_share": S}
// names the challenger: version N of the served model is loaded from the registry and
// smoke-tested (as the alias watcher does), swapped into the challenger slot, then the split
// (when given) is set; a version that does not exist is 404, one that fails to load or its smoke
// test is answered with that error (the slot and the split unchanged), 409 without a challenger
// slot, without a registry (a directory's model) or when the challenger follows an alias.
//
// Metrics (the registry given): covidflow_serve_requests_total{endpoint,code,model,version},
// covidflow_serve_request_duration_seconds{endpoint},
// covidflow_serve_rows_total{model,version,role}, covidflow_serve_model_loads_total{result},
// covidflow_serve_model_swaps_total, covidflow_serve_model_version{model} (the version in the
// slot), covidflow_serve_challenger_version{model}, covidflow_serve_canary_share,
// covidflow_serve_shadow_requests_total{result} (traffic.h).
//
// Threads: handlers run on the server's workers; the watcher on its own thread. The slot,
// registry and metrics registry outlive the service and the watcher.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "http/router.h"
#include "metrics/registry.h"
#include "registry/registry.h"
#include "serve/model_source.h"
#include "serve/prediction_log.h"
#include "serve/traffic.h"

namespace covidflow::serve {

struct ServiceOptions {
  size_t max_rows = 10000;  // rows in one request; more is 400
  // The bearer token of POST /admin/reload; empty = the endpoint answers 403.
  std::string token;
  // Where every prediction goes; null = not logged. It outlives the routes' use of it (the
  // server stops before it closes).
  PredictionLog* predictions = nullptr;
  // A challenger: its slot, the split in force and the shadow scorer; null = none (all three
  // or none). They outlive the routes' use of them.
  ModelSlot* challenger = nullptr;
  TrafficControl* traffic = nullptr;
  ShadowScorer* shadow = nullptr;
  // Where POST /admin/challenger loads versions from, and its download cache; null = that
  // endpoint answers 409 (a model from a directory, or a challenger that follows an alias:
  // its watcher would move it back). Used by one request at a time; it outlives the routes.
  registry::Registry* challenger_registry = nullptr;
  std::string challenger_cache_dir;
};

class AliasWatcher;

// Adds every endpoint to `router`. `watcher` may be null (a pinned version or a directory):
// /admin/reload then answers 409.
Status AddScoringRoutes(http::Router& router, ModelSlot& slot, metrics::Registry& metrics,
                        AliasWatcher* watcher, ServiceOptions options);

// Follows `ref` in the registry: each CheckNow resolves it; when it names another version
// than the slot holds, that version is loaded, smoke-tested and swapped in. A version that
// fails is not swapped in, its reason is logged once and it is not tried again until the
// reference moves on. Start runs CheckNow every `interval` on a thread until Stop. A
// challenger's watcher (`challenger`) sets covidflow_serve_challenger_version instead of
// covidflow_serve_model_version.
class AliasWatcher {
 public:
  AliasWatcher(registry::Registry& registry, ModelRef ref, std::string cache_dir, ModelSlot& slot,
               metrics::Registry& metrics, bool challenger = false);
  ~AliasWatcher();
  AliasWatcher(const AliasWatcher&) = delete;
  AliasWatcher& operator=(const AliasWatcher&) = delete;

  // One check; true when a new version was swapped in. An error says why the reference
  // could not be resolved or the version was refused (the slot keeps its model).
  Result<bool> CheckNow();

  void Start(std::chrono::milliseconds interval);
  // Idempotent; returns when the thread has ended.
  void Stop();

 private:
  registry::Registry& registry_;
  const ModelRef ref_;
  const std::string cache_dir_;
  ModelSlot& slot_;
  metrics::Registry& metrics_;
  const bool challenger_;

  std::mutex check_mu_;  // one check at a time (the thread and /admin/reload)
  int64_t refused_ = 0;  // the last version refused, not retried while the ref holds it
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace covidflow::serve
