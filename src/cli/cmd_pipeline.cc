// generate, produce, process: the stages of the data's path as commands.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/app.h"
#include "app/metrics_server.h"
#include "app/monitor.h"
#include "app/process_progress.h"
#include "base/logging.h"
#include "cli/commands.h"
#include "cli/report.h"

namespace covidflow::cli {

int RunGenerate(const config::Config&, const app::Settings& s) {
  const std::string& out = s.generate.out;
  Result<ingest::GeneratorStats> stats = app::GenerateFile(s.generate.generator, out);
  if (!stats.ok()) return Fail("generate", stats.status());
  nlohmann::json j = {{"records", stats->records},
                      {"malformed", stats->malformed},
                      {"malformed_by_kind", stats->malformed_by_kind},
                      {"bytes", stats->bytes}};
  // Data may be on stdout: the summary goes to stderr unless the data went to a file.
  std::FILE* where = out == "-" ? stderr : stdout;
  if (s.cli.json) {
    std::fprintf(where, "%s\n", j.dump().c_str());
  } else {
    std::fprintf(where, "generated %lld tweets (%lld malformed), %lld bytes\n",
                 static_cast<long long>(stats->records), static_cast<long long>(stats->malformed),
                 static_cast<long long>(stats->bytes));
  }
  return 0;
}

int RunProduce(const config::Config&, const app::Settings& s) {
  if (auto mapping = app::MappingFrom(s.process.mapping); !mapping.ok()) {
    return Usage("produce", mapping.status().message());
  }
  auto input = app::OpenInput(s.produce.from);
  if (!input.ok()) return Fail("produce", input.status());
  std::string uri = app::LogUri(s.cli, s.produce.to);
  auto log = app::OpenLog(uri, s.log);
  if (!log.ok()) return Fail("produce", log.status());
  const std::string& topic = s.produce.source.topic;
  // The file source's probe keeps its series here; served while the input lasts (a live pipe,
  // --rate), and its end-of-run snapshot is what --json prints.
  metrics::Registry registry;
  std::unique_ptr<http::Server> server;
  if (s.produce.metrics_port != 0) {
    auto started = app::StartMetricsServer(registry, s.produce.metrics_port);
    if (!started.ok()) return Fail("produce", started.status());
    server = std::move(started).value();
    std::fprintf(stderr, "covidflow produce: metrics at http://%s:%d/metrics\n",
                 server->host().c_str(), server->port());
  }
  auto counts =
      app::ProduceFile(s, **log, std::move(input).value(), s.produce.from, topic, &registry);
  server.reset();
  if (!counts.ok()) return Fail("produce", counts.status());
  if (s.cli.json) {
    nlohmann::json j = {{"records", counts->records},
                        {"bytes", counts->bytes},
                        {"seconds", counts->seconds},
                        {"read", counts->read},
                        {"input_bytes", counts->input_bytes},
                        {"skipped_by_reason", counts->skipped_by_reason},
                        {"phase_seconds", counts->phase_seconds},
                        {"topic", topic},
                        {"log", uri}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("produced %lld records (%.1f MB) to %s in %.2f s\n",
                static_cast<long long>(counts->records), counts->bytes / 1e6, topic.c_str(),
                counts->seconds);
  }
  return 0;
}

namespace {

// Drift windows inside `process` (`--reference SRC`, monitor.reference): the stream monitor of
// `monitor run` over the enriched topic this run writes, its series on this process's
// /metrics, its events on monitor.events_topic of the same log, its progress in the group
// monitor.group. A run that stops when caught up runs it after the processor's last commit,
// until it has read the topic to its end; a long-running one runs it on a thread beside the
// processor from the moment the topic exists, and stops it with the processor.
app::Settings MonitorSettings(const app::Settings& s, const std::string& uri, bool exit_when_idle) {
  app::Settings ms = s;
  ms.monitor.enriched = uri + "#" + s.process.processor.enriched_topic;
  ms.monitor.predictions.clear();
  ms.monitor.exit_when_idle = exit_when_idle;
  return ms;
}

class MonitorBeside {
 public:
  ~MonitorBeside() { (void)Stop(); }

  void Start(app::Settings ms, std::string uri, metrics::Registry& registry) {
    thread_ = std::thread([this, ms = std::move(ms), uri = std::move(uri), &registry] {
      Status done = Run(ms, uri, registry);
      std::lock_guard lock(mu_);
      status_ = done;
      if (!done.ok()) LogLine(LogLevel::kError, "process: monitor stopped: " + done.ToString());
    });
  }
  // Stops the monitor (it commits what it read) and returns how its thread ended.
  Status Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      if (monitor_ != nullptr) monitor_->Stop();
    }
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  Status Run(const app::Settings& ms, const std::string& uri, metrics::Registry& registry) {
    ASSIGN_OR_RETURN(std::unique_ptr<log::Log> log, app::OpenLog(uri, ms.log));
    // The processor creates the topic when it starts; wait for it.
    while (!log->DescribeTopic(ms.process.processor.enriched_topic).ok()) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<app::StreamMonitor> opened,
                     app::StreamMonitor::Open(ms, registry));
    app::StreamMonitor* monitor = nullptr;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
      monitor_ = std::move(opened);
      monitor = monitor_.get();
    }
    return monitor->Run();
  }

  std::mutex mu_;
  bool stopping_ = false;
  std::unique_ptr<app::StreamMonitor> monitor_;
  Status status_;
  std::thread thread_;
};

}  // namespace

int RunProcess(const config::Config&, const app::Settings& s) {
  InstallStopHandlers();
  // Settings first: a bad one exits 2 before the log directory is created.
  auto options = app::ProcessorOptionsFrom(s);
  if (!options.ok()) return Usage("process", options.status().message());
  std::string uri = app::LogUri(s.cli, s.process.from);
  // A long-running processor may start before its producer; one that stops when caught up
  // has nothing to wait for, so a missing log is a mistyped path.
  if (options->exit_when_idle) {
    if (Status st = app::CheckLogExists(uri); !st.ok()) return Fail("process", st);
  }
  auto log = app::OpenLog(uri, s.log);
  if (!log.ok()) return Fail("process", log.status());
  if (options->trace) SetMinLogLevel(LogLevel::kTrace);
  auto metrics = app::ProcessMetrics::Start(**log, *options, s.process.metrics_port);
  if (!metrics.ok()) return Fail("process", metrics.status());
  if ((*metrics)->port() != 0) {
    std::fprintf(stderr, "covidflow process: metrics at %s\n", (*metrics)->url().c_str());
  }
  const bool exit_when_idle = options->exit_when_idle;
  const bool monitored = !s.monitor.reference.empty();
  MonitorBeside beside;
  if (monitored && !exit_when_idle) {
    beside.Start(MonitorSettings(s, uri, false), uri, (*metrics)->registry());
  }
  // The progress line: on a terminal only (not under --json or --trace, not into a pipe).
  std::unique_ptr<app::ProgressLine> progress;
  if (!s.cli.json && !options->trace && isatty(STDERR_FILENO)) {
    auto started = app::ProgressLine::Start(**log, *options, (*metrics)->registry(), stderr);
    if (started.ok()) progress = std::move(started).value();  // a display: never fails the run
  }
  auto counts = app::RunProcessor(s, **log, std::move(options).value(), s.lake.dir, StopRequested(),
                                  &(*metrics)->registry());
  progress.reset();  // its last line drawn before any other output
  Status monitor_status = beside.Stop();
  if (!counts.ok()) return Fail("process", counts.status());
  std::unique_ptr<app::StreamMonitor> after;
  if (monitored && exit_when_idle && monitor_status.ok()) {
    auto opened = app::StreamMonitor::Open(MonitorSettings(s, uri, true), (*metrics)->registry());
    if (!opened.ok()) {
      return Fail("process", opened.status().WithContext("monitor"), ExitCode(opened.status()));
    }
    after = std::move(opened).value();
    monitor_status = after->Run();
  }
  if (s.cli.json) {
    nlohmann::json out = ProcessorCountsJson(*counts);
    out["log_metrics"] = (*log)->ClientMetrics();
    if (after != nullptr) out["monitor"] = StreamMonitorStatsJson(after->stats());
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s", ProcessorCountsText(*counts).c_str());
    if (after != nullptr)
      std::printf("monitor: %s", StreamMonitorStatsText(after->stats()).c_str());
  }
  if (!monitor_status.ok()) return Fail("process", monitor_status.WithContext("monitor"));
  // A run that enriched nothing is almost always a wrong input or mapping, not a result.
  if (counts->consumed > 0 && counts->enriched == 0 && !s.process.allow_all_rejected) {
    std::string reasons;
    for (const auto& [reason, n] : counts->dead_letters_by_reason) {
      reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    }
    return Fail("process",
                Status::FailedPrecondition(
                    "every one of the " + std::to_string(counts->consumed) +
                    " records consumed was rejected (" + reasons +
                    "); nothing was enriched (--allow-all-rejected accepts such a run)"));
  }
  return 0;
}

}  // namespace covidflow::cli
