// covidflow <command> [options]: the one binary of the whole pipeline.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "app/settings.h"
#include "cli/commands.h"
#include "config/config.h"

namespace covidflow::cli {
namespace {

constexpr Command kCommands[] = {
    {"demo", "generate → produce → process on embedded defaults, then a per-stage report",
     "[options]", "covidflow demo --count 100000", RunDemo},
    {"generate", "write a deterministic synthetic tweet stream (CSV or JSONL)", "[options]",
     "covidflow generate --count 1000 --seed 7 --out tweets.csv", RunGenerate},
    {"produce", "append a CSV/JSONL file (or stdin) to a topic as raw records", "[options]",
     "covidflow produce --from tweets.csv --to file://./covidflow-home/log --topic tweets.raw",
     RunProduce},
    {"process", "consume raw tweets → parse, validate, enrich → enriched and dead-letter topics",
     "[options]",
     "covidflow process --from file://./covidflow-home/log --group g1 --exit-when-idle --json",
     RunProcess},
    {"topic", "look inside a log: tail the last records or show partition stats",
     "tail|stats URI TOPIC [options]",
     "covidflow topic tail file://./covidflow-home/log tweets.dlq -n 5", RunTopic},
    {"lake", "Parquet lake: partitions, files, rows and sentiment by day; merge small files",
     "stats|compact [DIR] [options]", "covidflow lake stats ./covidflow-home/lake", RunLake},
    {"sentiment", "score text lines or a CSV column with a sentiment enricher, as JSONL",
     "[options] [FILE]", "echo 'I love this!' | covidflow sentiment", RunSentiment},
    {"monitor",
     "data drift of a current sample against a reference (Evidently's tests); live quality "
     "of the prediction log against delayed labels; drift per window of the enriched stream",
     "drift --reference SRC --current SRC [options] | quality --predictions LOG_URI[#topic] "
     "--labels FILE|LOG_URI#topic [options] | run [--reference SRC] [--enriched LOG_URI[#topic]] "
     "[--predictions LOG_URI[#topic] --labels FILE|LOG_URI#topic] [options]",
     "covidflow monitor drift --reference ref.csv --current "
     "lake:./covidflow-home/lake?from=2020-07-25",
     RunMonitor},
    {"runs", "tracked runs: list the newest, show one's params, metrics, lineage and tags",
     "list|show RUN_ID [options]", "covidflow runs list --experiment tweet-sentiment", RunRuns},
    {"models", "registered models: list, show, versions, register, promote, rollback, diff, audit",
     "list | show NAME | versions NAME | register NAME --artifact DIR [--run ID] | promote NAME "
     "VERSION [--alias A] --reason TEXT | rollback NAME [--alias A] --reason TEXT | diff NAME V1 "
     "V2 | audit NAME",
     "covidflow models promote tweets 3 --alias champion --reason 'better macro recall'",
     RunModels},
    {"audit",
     "the story of every model (or one): changes, retraining triggers, evaluations, staging "
     "gates, promotions, rejections and rollbacks, oldest first",
     "[MODEL] [--since TIME|AGE] [--json]", "covidflow audit --since 1h", RunAudit},
    {"train",
     "train a spec (docs/specs.md) on files or the lake; write the model artifact and the "
     "metrics, record the run in the registry and optionally register the model",
     "--spec FILE [--data FILE,... | --lake DIR [--from DATE] [--to DATE]] [--out DIR] "
     "[--registry URI] [--register NAME [--alias A]] [options]",
     "covidflow train --spec specs/tweet-sentiment.yaml --register tweets --alias challenger",
     RunTrain},
    {"predict", "score rows with a model artifact: one JSON line per row (class, probabilities)",
     "--model DIR|NAME@ALIAS --input FILE [--registry URI] [options]",
     "covidflow predict --model ./models/sentiment --input tweets.csv --out predictions.jsonl",
     RunPredict},
    {"serve",
     "the scoring server: MLflow's scoring protocol and Open Inference v2 over HTTP, following "
     "a registry alias (hot swap) or serving a model directory",
     "--model NAME@ALIAS|NAME/VERSION|NAME | --model-dir DIR [--registry URI] [--host H] "
     "[--port N] [--poll-interval S] [--json]",
     "covidflow serve --model tweet-sentiment@champion --port 8080", RunServe},
    {"dashboard",
     "the dashboard over an existing home: live charts of throughput, dead letters, sentiment, "
     "drift, live quality and the model timeline",
     "[--home DIR] [--port N] [--host H] [--interval S] [--json]",
     "covidflow dashboard --home covidflow-home --port 8050", RunDashboard},
    {"up",
     "one process: the processor (log → lake), the drift monitor, the retraining loop (triggers, "
     "train, evaluate, register, staging gate, promote, watch, roll back), the server following "
     "@champion, the dashboard and /metrics",
     "[--spec FILE] [--port N] [--dashboard-port N] [--min-rows N] [--new-rows N] [--interval S] "
     "[--watch S] [--window D] [--lateness D] [--reference SRC] [options]",
     "covidflow up --port 8080 --new-rows 50000", RunUp},
    {"evaluate",
     "a model (and the champion) on labelled rows: metrics, deltas with intervals, promotion",
     "--model DIR|NAME@ALIAS [--against DIR|NAME@ALIAS] --data FILE[,FILE...] | --lake DIR "
     "[--from D] [--to D] [--registry URI] [options]",
     "covidflow evaluate --model models/new --against tweet-sentiment@champion --data test.csv",
     RunEvaluate},
    {"config", "print the effective settings (show) or the settings reference (docs)", "show|docs",
     "covidflow config show --json", RunConfig},
};

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop.store(true); }

void PrintUsage(std::FILE* out) {
  std::fprintf(
      out,
      "covidflow: the machine-learning life cycle on a live stream of COVID-19 tweets\n\n"
      "Usage: covidflow <command> [options]   (covidflow <command> --help)\n\nCommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-10s %s\n", std::string(c.name).c_str(), std::string(c.summary).c_str());
  }
}

}  // namespace

const std::atomic<bool>& StopRequested() { return g_stop; }

void InstallStopHandlers() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

int Fail(std::string_view command, const Status& status, int code) {
  std::fprintf(stderr, "covidflow %s: error: %s\n", std::string(command).c_str(),
               status.ToString().c_str());
  return code;
}

int Usage(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "covidflow %s: error: %s (covidflow %s --help)\n",
               std::string(command).c_str(), std::string(message).c_str(),
               std::string(command).c_str());
  return 2;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    std::printf("covidflow %s\n", CF_VERSION);
    return 0;
  }
  const Command* cmd = nullptr;
  for (const Command& c : kCommands) {
    if (c.name == name) cmd = &c;
  }
  if (cmd == nullptr) {
    std::fprintf(stderr, "covidflow: error: unknown command '%s' (covidflow --help)\n",
                 name.c_str());
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  Result<config::Config> c = config::Config::Load(name, args, config::ProcessEnv());
  if (!c.ok()) {
    std::fprintf(stderr, "covidflow %s: error: %s\n", name.c_str(), c.status().message().c_str());
    return 2;
  }
  if (c->help()) {
    std::printf("covidflow %s: %s\n\nUsage: covidflow %s %s\nExample: %s\n\n%s", name.c_str(),
                std::string(cmd->summary).c_str(), name.c_str(), std::string(cmd->usage).c_str(),
                std::string(cmd->example).c_str(), config::FlagsHelp(name).c_str());
    return 0;
  }
  return cmd->run(*c, app::BindSettings(*c));
}

}  // namespace covidflow::cli

int main(int argc, char** argv) { return covidflow::cli::Main(argc, argv); }
