#pragma once
// The dashboard: one HTML page with live charts (uPlot, embedded in the binary) and the JSON
// endpoints it polls, mounted on an http::Router — the standalone `covidflow dashboard` server
// or the one `covidflow up` runs. Routes (docs/http_api.md, "Dashboard"):
//   GET /                      the page
//   GET /static/{file}         uPlot's script and style sheet, the page's script and style
//   GET /api/{document}        throughput, dead-letters, sentiment, drift, quality, models,
//                              status (web/sampler.h)
//
// A sampler thread reads the sources every `interval` (web/sampler.h); handlers only hand out
// the documents of its last sample, so a slow log or registry never holds a request, and a
// request never holds the sampler.
//
// Lifecycle and threads: Start() takes the first sample and starts the thread; Stop() (or the
// destructor) joins it. Mount() adds routes whose handlers reference this object: stop the
// server that routes to them before destroying the dashboard. The sources must outlive it.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "http/router.h"
#include "log/log.h"
#include "registry/registry.h"
#include "web/sampler.h"

namespace covidflow::web {

// Where the dashboard reads from; `up` passes its in-process objects, `covidflow dashboard`
// opens them over an existing home.
struct DashboardSources {
  log::Log* log = nullptr;                 // required: the pipeline's topics
  registry::Registry* registry = nullptr;  // the model timeline; null = none
  Topics topics;
};

struct DashboardOptions {
  std::chrono::milliseconds interval{1000};  // between samples; the page polls as often
  SamplerOptions sampler;
};

class Dashboard {
 public:
  // kInvalidArgument for a null log or an interval under 10 ms.
  static Result<std::unique_ptr<Dashboard>> Start(DashboardSources sources,
                                                  DashboardOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Adds the routes above (kAlreadyExists when the router has one of them).
  Status Mount(http::Router& router) const;
  // Idempotent.
  void Stop();

 private:
  Dashboard() = default;
  void Run();

  DashboardOptions options_;
  std::unique_ptr<Sampler> sampler_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace covidflow::web
