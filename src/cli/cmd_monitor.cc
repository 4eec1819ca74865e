// monitor drift --reference SRC --current SRC: data drift with Evidently's default tests.
// monitor quality --predictions LOG_URI[#topic] --labels SRC: live quality per window.
// monitor run [--reference SRC] [--predictions LOG_URI --labels SRC]: drift per event-time
// window of the enriched stream and live quality per closed window, until SIGTERM (or idle,
// with --exit-when-idle).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/metrics_server.h"
#include "app/monitor.h"
#include "base/fs.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "monitor/html_report.h"

namespace covidflow::cli {
namespace {

// Exit codes of `monitor drift` (docs/monitoring.md): a scheduler can branch on drift.
constexpr int kExitNoDrift = 0;
constexpr int kExitDatasetDrift = 3;

nlohmann::json ToJson(const app::DriftRun& run, const app::MonitorSettings& s) {
  return {{"reference", s.reference},
          {"current", s.current},
          {"reference_rows", run.reference_rows},
          {"current_rows", run.current_rows},
          {"columns", app::DriftColumnsJson(run.drift)},
          {"skipped_text_columns", run.skipped},
          {"skipped_empty_columns", run.empty},
          {"drifted_columns", run.drift.drifted_columns},
          {"drift_share", run.drift.drift_share},
          {"dataset_drift", run.drift.dataset_drift},
          {"seconds", {{"read", run.read_seconds}, {"compare", run.compare_seconds}}}};
}

void PrintText(const app::DriftRun& run) {
  std::printf("%-28s %-11s %-13s %10s %12s  %-8s %8s\n", "column", "kind", "method", "threshold",
              "score", "verdict", "psi");
  for (const monitor::ColumnDrift& c : run.drift.columns) {
    std::printf("%-28s %-11s %-13s %10.4g %12.6g  %-8s %8.4f %s\n", c.column.c_str(),
                c.kind == monitor::ColumnKind::kNumeric ? "numeric" : "categorical",
                std::string(monitor::MethodName(c.method)).c_str(), c.threshold, c.score,
                c.drifted ? "DRIFT" : "ok", c.psi,
                std::string(monitor::PsiLevelName(c.psi_level)).c_str());
  }
  for (const std::string& name : run.skipped) {
    std::printf("%-28s free text: not compared (compare figures derived from it)\n", name.c_str());
  }
  for (const std::string& name : run.empty) {
    std::printf("%-28s no value on one side: not compared\n", name.c_str());
  }
  std::printf(
      "%s: %zu of %zu columns drifted (share %.3f, threshold 0.5); %zu reference rows, "
      "%zu current rows, %.3f s\n",
      run.drift.dataset_drift ? "DATASET DRIFT" : "no dataset drift", run.drift.drifted_columns,
      run.drift.columns.size(), run.drift.drift_share, run.reference_rows, run.current_rows,
      run.read_seconds + run.compare_seconds);
}

nlohmann::json ToJson(const app::QualityRun& run) {
  const monitor::QualityCounts& c = run.report.counts;
  nlohmann::json windows = nlohmann::json::array();
  for (const monitor::WindowQuality& w : run.report.windows) {
    windows.push_back(app::QualityWindowJson(w));
  }
  return {{"predictions", run.predictions_uri + "#" + run.predictions_topic},
          {"window_ms", run.window_ms},
          {"lateness_ms", run.lateness_ms},
          {"watermark_ms", c.watermark_ms},
          {"windows", windows},
          {"prediction_counts",
           {{"read", c.predictions_read},
            {"without_tweet_id", c.predictions_without_tweet_id},
            {"other_models", c.predictions_of_other_models},
            {"duplicate", c.duplicate_predictions}}},
          {"label_counts",
           {{"read", c.labels_read},
            {"joined", c.labels_joined},
            {"late", c.labels_late},
            {"unknown", c.labels_unknown},
            {"duplicate", c.duplicate_labels}}},
          {"malformed", c.malformed},
          {"events_published", run.events_published}};
}

std::string Figure(const Result<double>& v) {
  if (!v.ok()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f", *v);
  return buf;
}

void PrintText(const app::QualityRun& run) {
  std::printf("%-20s %-20s %-8s %7s %7s %6s %5s %9s %9s %9s\n", "window (UTC ms)", "model",
              "version", "preds", "joined", "unlab", "late", "accuracy", "macro_f1", "roc_auc");
  for (const monitor::WindowQuality& w : run.report.windows) {
    const bool ok = w.metrics.ok();
    std::printf("%-20lld %-20s %-8s %7lld %7lld %6lld %5lld %9s %9s %9s%s\n",
                static_cast<long long>(w.start_ms), w.model.c_str(), w.version.c_str(),
                static_cast<long long>(w.predictions), static_cast<long long>(w.joined),
                static_cast<long long>(w.unlabelled), static_cast<long long>(w.late_labels),
                ok ? Figure(w.metrics->accuracy).c_str() : "-",
                ok ? Figure(w.metrics->macro_f1).c_str() : "-",
                ok ? Figure(w.metrics->roc_auc).c_str() : "-", w.closed ? "" : "  (open)");
    if (w.regression && w.regression_metrics.ok()) {  // a regression model: its errors
      std::printf("%-20s mae %s  rmse %s  r2 %s\n", "", Figure(w.regression_metrics->mae).c_str(),
                  Figure(w.regression_metrics->rmse).c_str(),
                  Figure(w.regression_metrics->r2).c_str());
    }
  }
  const monitor::QualityCounts& c = run.report.counts;
  int64_t malformed = 0;
  for (const auto& [reason, n] : c.malformed) malformed += n;
  std::printf(
      "labels: %lld read, %lld joined, %lld late, %lld unknown id, %lld duplicate; "
      "%lld malformed records; %lld events published\n",
      static_cast<long long>(c.labels_read), static_cast<long long>(c.labels_joined),
      static_cast<long long>(c.labels_late), static_cast<long long>(c.labels_unknown),
      static_cast<long long>(c.duplicate_labels), static_cast<long long>(malformed),
      static_cast<long long>(run.events_published));
}

int RunQualityCommand(const app::Settings& s) {
  InstallStopHandlers();
  auto run = app::RunQuality(s);
  if (!run.ok()) {
    return Fail("monitor", run.status(), ExitCode(run.status()));
  }
  if (s.cli.json) {
    std::printf("%s\n", ToJson(*run).dump().c_str());
  } else {
    PrintText(*run);
  }
  std::fflush(stdout);
  if (s.monitor.metrics_port == 0) return 0;
  auto served = app::QualityMetrics::Start(*run, s.monitor.metrics_port);
  if (!served.ok()) return Fail("monitor", served.status());
  std::fprintf(stderr, "covidflow monitor: metrics at http://127.0.0.1:%d/metrics until SIGTERM\n",
               (*served)->port());
  // The gauges hold the run's figures until a scraper has read them and the process is told
  // to stop.
  while (!StopRequested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

int RunStreamCommand(const app::Settings& s) {
  InstallStopHandlers();
  metrics::Registry registry;
  auto opened = app::StreamMonitor::Open(s, registry);
  if (!opened.ok()) return Fail("monitor", opened.status(), ExitCode(opened.status()));
  app::StreamMonitor& monitor = **opened;
  int port = 0;
  decltype(app::StartMetricsServer(registry, 0)) server(nullptr);
  if (s.monitor.metrics_port != 0) {
    server = app::StartMetricsServer(registry, s.monitor.metrics_port);
    if (!server.ok()) return Fail("monitor", server.status());
    port = (*server)->port();
  }
  // Scripts read the port from this line.
  std::fprintf(stderr, "covidflow monitor: watching the stream; metrics port %d\n", port);
  std::fflush(stderr);
  // The signal handler only sets a flag; this thread passes it on within 50 ms.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load() && !StopRequested().load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    monitor.Stop();
  });
  const Status st = monitor.Run();
  done.store(true);
  watcher.join();
  const app::StreamMonitorStats stats = monitor.stats();
  if (s.cli.json) {
    std::printf("%s\n", StreamMonitorStatsJson(stats).dump().c_str());
  } else {
    std::printf("%s", StreamMonitorStatsText(stats).c_str());
  }
  if (!st.ok()) return Fail("monitor", st);
  return 0;
}

}  // namespace

int RunMonitor(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  if (pos.size() == 1 && pos[0] == "quality") return RunQualityCommand(s);
  if (pos.size() == 1 && pos[0] == "run") return RunStreamCommand(s);
  if (pos.size() != 1 || pos[0] != "drift") {
    return Usage("monitor",
                 "expected: monitor drift --reference SRC --current SRC, monitor quality "
                 "--predictions LOG_URI[#topic] --labels SRC, or monitor run [--reference SRC] "
                 "[--predictions LOG_URI --labels SRC]");
  }
  auto run = app::RunDrift(s);
  if (!run.ok()) {
    return Fail("monitor", run.status(), ExitCode(run.status()));
  }
  if (!s.monitor.html.empty()) {
    const std::string html =
        monitor::DriftHtml(run->drift, {s.monitor.reference, s.monitor.current});
    if (Status st = ReplaceFileAtomically(s.monitor.html, html, s.monitor.html + ".tmp");
        !st.ok()) {
      return Fail("monitor", st);
    }
  }
  if (s.cli.json) {
    std::printf("%s\n", ToJson(*run, s.monitor).dump().c_str());
  } else {
    PrintText(*run);
  }
  return run->drift.dataset_drift ? kExitDatasetDrift : kExitNoDrift;
}

}  // namespace covidflow::cli
