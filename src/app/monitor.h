#pragma once
// The monitor commands' wiring: MonitorSettings → the two samples → drift.
#include <string>
#include <vector>

#include "app/settings.h"
#include "base/status.h"
#include "monitor/drift.h"

namespace covidflow::app {

struct DriftRun {
  monitor::DatasetDrift drift;
  std::vector<std::string> skipped;  // free-text columns left out
  size_t reference_rows = 0;
  size_t current_rows = 0;
  double read_seconds = 0;     // reading and preparing both samples
  double compare_seconds = 0;  // the statistics
};

// Reads --reference and --current (monitor/table.h), picks the columns (--columns, or every
// shared one but free text) and compares them. kInvalidArgument names the flag or column at
// fault; a missing file is kNotFound.
Result<DriftRun> RunDrift(const MonitorSettings& s);

}  // namespace covidflow::app
