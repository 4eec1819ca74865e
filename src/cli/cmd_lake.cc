// lake stats|compact [DIR]: look at and tidy the Parquet lake.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "cli/commands.h"
#include "lake/stats.h"

namespace covidflow::cli {

int RunLake(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  if (pos.empty() || pos.size() > 2 || (pos[0] != "stats" && pos[0] != "compact")) {
    return Usage("lake", "expected: lake stats|compact [DIR]");
  }
  std::string dir = pos.size() == 2 ? pos[1] : s.lake.dir;
  if (dir.empty()) dir = app::HomeDir(s.cli) + "/lake";
  if (pos[0] == "compact") {
    const std::string& date = s.lake.date;
    if (date.empty()) return Usage("lake", "compact needs --date YYYY-MM-DD");
    if (Status st = lake::CompactPartition(dir, date); !st.ok()) return Fail("lake", st);
    if (s.cli.json) {
      std::printf("%s\n", nlohmann::json({{"compacted", date}, {"lake", dir}}).dump().c_str());
    } else {
      std::printf("compacted %s/tweets/date=%s\n", dir.c_str(), date.c_str());
    }
    return 0;
  }
  auto stats = lake::ComputeStats(dir);
  if (!stats.ok()) return Fail("lake", stats.status());
  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : stats->by_day) {
    days.push_back({{"date", d.date},
                    {"files", d.files},
                    {"rows", d.rows},
                    {"bytes", d.bytes},
                    {"positive", d.positive},
                    {"neutral", d.neutral},
                    {"negative", d.negative}});
  }
  if (s.cli.json) {
    nlohmann::json j = {{"lake", dir},           {"partitions", stats->partitions},
                        {"files", stats->files}, {"rows", stats->rows},
                        {"bytes", stats->bytes}, {"by_day", days}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("lake %s: %lld partitions, %lld files, %lld rows, %.1f MB\n", dir.c_str(),
              static_cast<long long>(stats->partitions), static_cast<long long>(stats->files),
              static_cast<long long>(stats->rows), stats->bytes / 1e6);
  for (const auto& d : stats->by_day) {
    double t = std::max<int64_t>(1, d.rows);
    std::printf("  %s  %3lld files %8lld rows  pos %5.1f%%  neu %5.1f%%  neg %5.1f%%\n",
                d.date.c_str(), static_cast<long long>(d.files), static_cast<long long>(d.rows),
                100 * d.positive / t, 100 * d.neutral / t, 100 * d.negative / t);
  }
  return 0;
}

}  // namespace covidflow::cli
