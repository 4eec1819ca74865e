#include "app/dashboard.h"

#include <chrono>
#include <filesystem>
#include <utility>

#include "app/app.h"

namespace covidflow::app {

web::DashboardSources DashboardSourcesFrom(const Settings& s, log::Log* log,
                                           registry::Registry* registry) {
  web::DashboardSources sources;
  sources.log = log;
  sources.registry = registry;
  sources.topics.raw = s.process.processor.input_topic;
  sources.topics.enriched = s.process.processor.enriched_topic;
  sources.topics.dead_letters = s.process.processor.dlq_topic;
  sources.topics.processor_group = s.process.processor.group;
  sources.topics.events = s.monitor.events_topic;
  return sources;
}

Result<std::unique_ptr<DashboardServer>> StartDashboard(const Settings& s) {
  auto d = std::make_unique<DashboardServer>();
  const std::string log_uri = LogUri(s.cli);
  RETURN_IF_ERROR(CheckLogExists(log_uri));
  ASSIGN_OR_RETURN(d->log, OpenLog(log_uri, s.log));
  std::error_code ec;
  if (!s.registry.uri.empty() || std::filesystem::exists(HomeDir(s.cli) + "/registry", ec)) {
    ASSIGN_OR_RETURN(d->registry, OpenRegistry(s.registry.uri, s.cli));
  }
  web::DashboardOptions options;
  options.interval = std::chrono::milliseconds(static_cast<int64_t>(s.dashboard.interval_s * 1000));
  ASSIGN_OR_RETURN(
      d->dashboard,
      web::Dashboard::Start(DashboardSourcesFrom(s, d->log.get(), d->registry.get()), options));
  http::Router router;
  RETURN_IF_ERROR(d->dashboard->Mount(router));
  http::ServerOptions server;
  server.host = s.dashboard.host;
  server.port = s.dashboard.port;
  server.threads = 2;            // a few browser tabs polling small documents
  server.max_body_bytes = 1024;  // GET only
  Result<std::unique_ptr<http::Server>> started =
      http::Server::Start(std::move(router), std::move(server));
  if (!started.ok()) return started.status().WithContext("dashboard");
  d->server = std::move(*started);
  return d;
}

}  // namespace covidflow::app
