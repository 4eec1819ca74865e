// monitor drift --reference SRC --current SRC: data drift with Evidently's default tests.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/monitor.h"
#include "base/fs.h"
#include "cli/commands.h"
#include "monitor/html_report.h"

namespace covidflow::cli {
namespace {

// Exit codes of `monitor drift` (docs/monitoring.md): a scheduler can branch on drift.
constexpr int kExitNoDrift = 0;
constexpr int kExitDatasetDrift = 3;

nlohmann::json ToJson(const app::DriftRun& run, const app::MonitorSettings& s) {
  nlohmann::json columns = nlohmann::json::array();
  for (const monitor::ColumnDrift& c : run.drift.columns) {
    columns.push_back(
        {{"column", c.column},
         {"kind", c.kind == monitor::ColumnKind::kNumeric ? "numeric" : "categorical"},
         {"method", monitor::MethodName(c.method)},
         {"score_is_p_value", monitor::IsPValue(c.method)},
         {"threshold", c.threshold},
         {"score", c.score},
         {"drifted", c.drifted},
         {"reference_rows", c.reference_rows},
         {"current_rows", c.current_rows},
         {"distinct_values", c.distinct_values},
         {"psi", c.psi},
         {"psi_level", monitor::PsiLevelName(c.psi_level)}});
  }
  return {{"reference", s.reference},
          {"current", s.current},
          {"reference_rows", run.reference_rows},
          {"current_rows", run.current_rows},
          {"columns", columns},
          {"skipped_text_columns", run.skipped},
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
  std::printf(
      "%s: %zu of %zu columns drifted (share %.3f, threshold 0.5); %zu reference rows, "
      "%zu current rows, %.3f s\n",
      run.drift.dataset_drift ? "DATASET DRIFT" : "no dataset drift", run.drift.drifted_columns,
      run.drift.columns.size(), run.drift.drift_share, run.reference_rows, run.current_rows,
      run.read_seconds + run.compare_seconds);
}

}  // namespace

int RunMonitor(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  if (pos.size() != 1 || pos[0] != "drift") {
    return Usage("monitor", "expected: monitor drift --reference SRC --current SRC");
  }
  auto run = app::RunDrift(s.monitor);
  if (!run.ok()) {
    return Fail("monitor", run.status(),
                run.status().code() == StatusCode::kInvalidArgument ||
                        run.status().code() == StatusCode::kNotFound
                    ? 2
                    : 1);
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
