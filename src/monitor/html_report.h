#pragma once
// The drift report people read: one self-contained HTML page (inline CSS and SVG, no script,
// nothing fetched) with the dataset verdict, a table of every column's method, threshold,
// score, verdict and PSI, and per column a histogram of the reference against the current
// data. Viewable offline; what it shows is what `monitor drift --json` prints.
#include <string>

#include "monitor/drift.h"

namespace covidflow::monitor {

struct ReportLabels {
  std::string reference;  // where each side came from, shown in the title
  std::string current;
};

std::string DriftHtml(const DatasetDrift& drift, const ReportLabels& labels);

}  // namespace covidflow::monitor
