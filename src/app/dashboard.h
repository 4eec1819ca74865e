#pragma once
// covidflow dashboard's objects: the home's log and registry, the web::Dashboard over them
// and an HTTP server routing to it. `up` mounts a web::Dashboard on its own server instead,
// with its in-process log and registry (DashboardSourcesFrom gives it the topic names).
#include <memory>

#include "app/settings.h"
#include "base/status.h"
#include "http/server.h"
#include "log/log.h"
#include "registry/registry.h"
#include "web/dashboard.h"

namespace covidflow::app {

// The topics the settings name (process.*, monitor.events_topic), with `log` and `registry`.
web::DashboardSources DashboardSourcesFrom(const Settings& s, log::Log* log,
                                           registry::Registry* registry);

// Members are destroyed in reverse order: the server first (no handler runs after), then the
// dashboard's sampler, then what it reads.
struct DashboardServer {
  std::unique_ptr<log::Log> log;
  std::unique_ptr<registry::Registry> registry;  // null when the home has none yet
  std::unique_ptr<web::Dashboard> dashboard;
  std::unique_ptr<http::Server> server;
};

// Opens the home's log (kNotFound "no log at DIR" when there is none: the dashboard shows an
// existing home, it makes none) and registry (registry.uri; the default HOME/registry only
// when it exists), starts the dashboard and serves it on dashboard.host:dashboard.port.
Result<std::unique_ptr<DashboardServer>> StartDashboard(const Settings& s);

}  // namespace covidflow::app
