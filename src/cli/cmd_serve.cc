// serve --model NAME@ALIAS | --model-dir DIR: the scoring server (docs/http_api.md) until
// SIGINT or SIGTERM; up: the processor, the retraining loop and the server in one process.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/serve.h"
#include "app/up.h"
#include "cli/commands.h"

namespace covidflow::cli {

int RunServe(const config::Config&, const app::Settings& s) {
  InstallStopHandlers();
  Result<std::unique_ptr<app::Serving>> serving = app::StartServing(s);
  if (!serving.ok()) {
    return Fail("serve", serving.status(),
                serving.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  app::Serving& sv = **serving;
  const std::string url = "http://" + sv.server->host() + ":" + std::to_string(sv.server->port());
  // Scripts read the port from this line (or from --json's first line with --port 0).
  std::fprintf(stderr, "covidflow serve: listening on %s:%d, serving %s\n",
               sv.server->host().c_str(), sv.server->port(), sv.ModelId().c_str());
  if (sv.challenger != nullptr) {
    const serve::TrafficSplit split = sv.traffic->Get();
    std::fprintf(stderr, "covidflow serve: challenger %s, traffic %s (canary share %g)\n",
                 sv.challenger->Load()->Id().c_str(),
                 std::string(serve::TrafficModeName(split.mode)).c_str(), split.canary_share);
  }
  if (s.cli.json) {
    std::printf("%s\n",
                nlohmann::json{{"url", url},
                               {"host", sv.server->host()},
                               {"port", sv.server->port()},
                               {"model", sv.ModelName()},
                               {"version", sv.ModelVersion()},
                               {"predictions", s.serve.predictions_topic},
                               {"challenger", sv.challenger != nullptr
                                                  ? nlohmann::json(sv.challenger->Load()->Id())
                                                  : nlohmann::json(nullptr)}}
                    .dump()
                    .c_str());
  }
  std::fflush(stdout);
  std::fflush(stderr);
  // The signal handler only sets a flag; this thread notices it within 100 ms.
  while (!StopRequested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(stderr, "covidflow serve: stopping (serving %s)\n", sv.ModelId().c_str());
  serving->reset();
  return 0;
}

int RunUp(const config::Config& c, const app::Settings& s) {
  if (!c.positional().empty()) return Usage("up", "takes no positional arguments");
  InstallStopHandlers();
  // One line per endpoint and per decision of the loop, flushed: scripts follow it.
  Status done = app::RunUp(s, StopRequested(), [](const std::string& line) {
    std::printf("covidflow up: %s\n", line.c_str());
    std::fflush(stdout);
  });
  if (!done.ok()) {
    return Fail("up", done, done.code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  std::printf("covidflow up: stopped\n");
  return 0;
}

}  // namespace covidflow::cli
