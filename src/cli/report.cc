#include "cli/report.h"

#include <cstdio>

namespace covidflow::cli {

nlohmann::json ProcessorCountsJson(const process::ProcessorCounts& c) {
  return {{"consumed", c.consumed},
          {"enriched", c.enriched},
          {"dead_letters", c.dead_letters},
          {"recovered", c.recovered},
          {"batches", c.batches},
          {"lost_commits", c.lost_commits},
          {"handed_over", c.handed_over},
          {"seconds", c.seconds},
          {"active_seconds", c.active_seconds},
          {"tweets_per_second", c.active_seconds > 0 ? c.consumed / c.active_seconds : 0.0},
          {"dead_letters_by_reason", c.dead_letters_by_reason},
          {"phase_seconds", c.phase_seconds},
          {"lake_rows", c.lake_rows},
          {"lake_files", c.lake_files}};
}

std::string ProcessorCountsText(const process::ProcessorCounts& c) {
  char line[256];
  std::string s;
  std::snprintf(line, sizeof line,
                "consumed %lld = enriched %lld + dead letters %lld  (%.0f tweets/s, %lld batches",
                static_cast<long long>(c.consumed), static_cast<long long>(c.enriched),
                static_cast<long long>(c.dead_letters),
                c.active_seconds > 0 ? c.consumed / c.active_seconds : 0.0,
                static_cast<long long>(c.batches));
  s += line;
  if (c.recovered > 0) {
    std::snprintf(line, sizeof line, ", %lld already written by an earlier run",
                  static_cast<long long>(c.recovered));
    s += line;
  }
  s += ")\n";
  for (const auto& [reason, n] : c.dead_letters_by_reason) {
    std::snprintf(line, sizeof line, "  dead letters: %-16s %lld\n", reason.c_str(),
                  static_cast<long long>(n));
    s += line;
  }
  return s;
}

int ExitCode(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound
             ? 2
             : 1;
}

nlohmann::json StreamMonitorStatsJson(const app::StreamMonitorStats& m) {
  return {{"records", m.records},
          {"malformed", m.malformed},
          {"late", m.late},
          {"windows_published", m.windows},
          {"open_windows", m.open_windows},
          {"quality_windows_published", m.quality_windows}};
}

std::string StreamMonitorStatsText(const app::StreamMonitorStats& m) {
  char line[320];
  std::snprintf(line, sizeof line,
                "%lld records read (%lld late, %lld malformed); %lld drift windows published, "
                "%lld open; %lld quality windows published\n",
                static_cast<long long>(m.records), static_cast<long long>(m.late),
                static_cast<long long>(m.malformed), static_cast<long long>(m.windows),
                static_cast<long long>(m.open_windows), static_cast<long long>(m.quality_windows));
  return line;
}

}  // namespace covidflow::cli
