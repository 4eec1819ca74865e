#pragma once
// Shared printing of stage results (process, demo, monitor run).
#include <nlohmann/json.hpp>
#include <string>

#include "app/monitor.h"
#include "process/processor.h"

namespace covidflow::cli {

nlohmann::json ProcessorCountsJson(const process::ProcessorCounts& c);
std::string ProcessorCountsText(const process::ProcessorCounts& c);
// A bad flag, setting or a missing input is 2 (the caller's to fix); anything else 1.
int ExitCode(const Status& status);
// The stream monitor's run (`monitor run`, `process --reference`): one JSON object, one line.
nlohmann::json StreamMonitorStatsJson(const app::StreamMonitorStats& m);
std::string StreamMonitorStatsText(const app::StreamMonitorStats& m);

}  // namespace covidflow::cli
