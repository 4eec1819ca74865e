#pragma once
// covidflow's subcommands. Each takes its effective configuration and its positional
// arguments, prints its result (as JSON with --json), and returns the process exit code:
// 0 success, 1 the work failed (the message says why), 2 the command line was wrong.
#include <atomic>
#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"

namespace covidflow::cli {

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;    // after "covidflow <name> "
  std::string_view example;
  int (*run)(const config::Config& c);
};

int RunGenerate(const config::Config& c);
int RunProduce(const config::Config& c);
int RunProcess(const config::Config& c);
int RunTopic(const config::Config& c);
int RunDemo(const config::Config& c);
int RunConfig(const config::Config& c);
int RunSentiment(const config::Config& c);
int RunLake(const config::Config& c);

// Prints "covidflow <command>: error: <message>" on stderr and returns `code`.
int Fail(std::string_view command, const Status& status, int code = 1);
int Usage(std::string_view command, std::string_view message);

// Set by SIGINT/SIGTERM: long-running commands finish their batch, commit, and stop.
const std::atomic<bool>& StopRequested();
void InstallStopHandlers();

}  // namespace covidflow::cli
