// dashboard [--home DIR] [--port N]: the dashboard over an existing home until SIGINT or
// SIGTERM.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/dashboard.h"
#include "cli/commands.h"

namespace covidflow::cli {

int RunDashboard(const config::Config&, const app::Settings& s) {
  InstallStopHandlers();
  Result<std::unique_ptr<app::DashboardServer>> d = app::StartDashboard(s);
  if (!d.ok()) {
    const StatusCode code = d.status().code();
    return Fail("dashboard", d.status(),
                code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ? 2 : 1);
  }
  const http::Server& server = *(*d)->server;
  const std::string url = "http://" + server.host() + ":" + std::to_string(server.port()) + "/";
  // Scripts read the port from this line (or from --json's first line with --port 0).
  std::fprintf(stderr, "covidflow dashboard: listening on %s\n", url.c_str());
  if (s.cli.json) {
    std::printf("%s\n",
                nlohmann::json{{"url", url}, {"host", server.host()}, {"port", server.port()}}
                    .dump()
                    .c_str());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  // The signal handler only sets a flag; this thread notices it within 100 ms.
  while (!StopRequested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  d->reset();
  return 0;
}

}  // namespace covidflow::cli
