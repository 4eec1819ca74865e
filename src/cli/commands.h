#pragma once
// covidflow's subcommands. Each takes its settings as typed structs (app/settings.h) and the
// loaded configuration (for its positional arguments; `config show` prints its values), calls
// app/ for the objects it needs, prints its result (as JSON with --json), and returns the
// process exit code: 0 success, 1 the work failed (the message says why), 2 the command line
// was wrong. No command reads a setting by key.
#include <atomic>
#include <string>
#include <string_view>

#include "app/settings.h"
#include "base/status.h"
#include "config/config.h"

namespace covidflow::cli {

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;  // after "covidflow <name> "
  std::string_view example;
  int (*run)(const config::Config& c, const app::Settings& s);
};

int RunGenerate(const config::Config& c, const app::Settings& s);
int RunProduce(const config::Config& c, const app::Settings& s);
int RunProcess(const config::Config& c, const app::Settings& s);
int RunTopic(const config::Config& c, const app::Settings& s);
int RunDemo(const config::Config& c, const app::Settings& s);
int RunConfig(const config::Config& c, const app::Settings& s);
int RunSentiment(const config::Config& c, const app::Settings& s);
int RunLake(const config::Config& c, const app::Settings& s);
int RunMonitor(const config::Config& c, const app::Settings& s);
int RunRuns(const config::Config& c, const app::Settings& s);
int RunModels(const config::Config& c, const app::Settings& s);
int RunAudit(const config::Config& c, const app::Settings& s);
int RunTrain(const config::Config& c, const app::Settings& s);
int RunPredict(const config::Config& c, const app::Settings& s);
int RunEvaluate(const config::Config& c, const app::Settings& s);
int RunServe(const config::Config& c, const app::Settings& s);
int RunDashboard(const config::Config& c, const app::Settings& s);
int RunUp(const config::Config& c, const app::Settings& s);

// Prints "covidflow <command>: error: <message>" on stderr and returns `code`.
int Fail(std::string_view command, const Status& status, int code = 1);
int Usage(std::string_view command, std::string_view message);

// Set by SIGINT/SIGTERM: long-running commands finish their batch, commit, and stop.
const std::atomic<bool>& StopRequested();
void InstallStopHandlers();

}  // namespace covidflow::cli
