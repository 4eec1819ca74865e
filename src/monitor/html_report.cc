#include "monitor/html_report.h"

#include <algorithm>
#include <cstdio>

namespace covidflow::monitor {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Num(double v, const char* format = "%.6g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Paired bars (reference grey, current blue) of every bar's share, to scale of the largest.
std::string Histogram(const ColumnDrift& c) {
  constexpr double kWidth = 640;
  constexpr double kHeight = 160;
  double top = 0;
  for (const HistogramBar& b : c.histogram) top = std::max({top, b.reference, b.current});
  if (top <= 0) top = 1;
  const double slot = kWidth / static_cast<double>(std::max<size_t>(1, c.histogram.size()));
  std::string svg = "<svg width=\"" + Num(kWidth) + "\" height=\"" + Num(kHeight + 4) +
                    "\" role=\"img\" aria-label=\"histogram of " + Escape(c.column) + "\">";
  for (size_t k = 0; k < c.histogram.size(); ++k) {
    const HistogramBar& b = c.histogram[k];
    const double x = slot * static_cast<double>(k);
    const double hr = kHeight * b.reference / top;
    const double hc = kHeight * b.current / top;
    svg += "<g><title>" + Escape(b.label) + ": reference " + Num(100 * b.reference, "%.2f") +
           "%, current " + Num(100 * b.current, "%.2f") + "%</title>";
    svg += "<rect class=\"ref\" x=\"" + Num(x + 1) + "\" y=\"" + Num(kHeight - hr) + "\" width=\"" +
           Num(std::max(1.0, slot / 2 - 1)) + "\" height=\"" + Num(hr) + "\"/>";
    svg += "<rect class=\"cur\" x=\"" + Num(x + slot / 2) + "\" y=\"" + Num(kHeight - hc) +
           "\" width=\"" + Num(std::max(1.0, slot / 2 - 1)) + "\" height=\"" + Num(hc) + "\"/></g>";
  }
  svg += "</svg>";
  if (!c.histogram.empty()) {
    svg += "<div class=\"axis\"><span>" + Escape(c.histogram.front().label) + "</span><span>" +
           Escape(c.histogram.back().label) + "</span></div>";
  }
  return svg;
}

}  // namespace

std::string DriftHtml(const DatasetDrift& drift, const ReportLabels& labels) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>covidflow drift report</title><style>"
      "body{font-family:sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;"
      "text-align:left}.drift{color:#b00020;font-weight:bold}.ok{color:#2e7d32}"
      "rect.ref{fill:#9e9e9e}rect.cur{fill:#1e88e5}.axis{display:flex;"
      "justify-content:space-between;width:640px;font-size:12px;color:#666}"
      ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}"
      "</style></head><body>\n<h1>Data drift</h1>\n<p>Reference: <code>" +
      Escape(labels.reference) + "</code><br>Current: <code>" + Escape(labels.current) +
      "</code></p>\n";
  h += std::string("<p class=\"") + (drift.dataset_drift ? "drift" : "ok") + "\">" +
       (drift.dataset_drift ? "Dataset drift detected" : "No dataset drift") + ": " +
       std::to_string(drift.drifted_columns) + " of " + std::to_string(drift.columns.size()) +
       " columns drifted (share " + Num(drift.drift_share, "%.3f") +
       "; the dataset drifts at 0.5 or more).</p>\n";
  h += "<table><tr><th>column</th><th>kind</th><th>rows ref / cur</th><th>method</th>"
       "<th>threshold</th><th>score</th><th>verdict</th><th>PSI</th></tr>\n";
  for (const ColumnDrift& c : drift.columns) {
    h += "<tr><td><a href=\"#col-" + Escape(c.column) + "\">" + Escape(c.column) + "</a></td><td>" +
         (c.kind == ColumnKind::kNumeric ? "numeric" : "categorical") + "</td><td>" +
         std::to_string(c.reference_rows) + " / " + std::to_string(c.current_rows) + "</td><td>" +
         std::string(MethodName(c.method)) + (IsPValue(c.method) ? " (p-value)" : " (distance)") +
         "</td><td>" + Num(c.threshold) + "</td><td>" + Num(c.score) + "</td><td class=\"" +
         (c.drifted ? "drift\">drift" : "ok\">no drift") + "</td><td>" + Num(c.psi, "%.4f") + " (" +
         std::string(PsiLevelName(c.psi_level)) + ")</td></tr>\n";
  }
  h += "</table>\n<p class=\"legend\"><span style=\"background:#9e9e9e\"></span>reference"
       "<span style=\"background:#1e88e5\"></span>current (share of each side's rows)</p>\n";
  for (const ColumnDrift& c : drift.columns) {
    h += "<h2 id=\"col-" + Escape(c.column) + "\">" + Escape(c.column) + " — " +
         (c.drifted ? "<span class=\"drift\">drift</span>" : "<span class=\"ok\">no drift</span>") +
         "</h2>\n<p>" + std::string(MethodName(c.method)) + " = " + Num(c.score) + " (threshold " +
         Num(c.threshold) + "), PSI " + Num(c.psi, "%.4f") + "</p>\n" + Histogram(c) + "\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace covidflow::monitor
