#include "cli/metrics_report.h"

#include <algorithm>
#include <cstdio>

namespace covidflow::cli {
namespace {

void PutValue(nlohmann::json& j, const std::string& name, const Result<double>& v) {
  if (v.ok()) {
    j[name] = *v;
  } else {
    j[name] = nullptr;
    j[name + "_undefined"] = v.status().message();
  }
}

std::string Format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string ValueText(const Result<double>& v) {
  return v.ok() ? Format("%.4f", *v) : "n/a (" + v.status().message() + ")";
}

}  // namespace

nlohmann::json ClassificationMetricsJson(const model::ClassificationMetrics& m,
                                         const std::vector<std::string>& classes) {
  nlohmann::json j = {{"rows", m.rows},
                      {"accuracy", m.accuracy},
                      {"macro_precision", m.macro_precision},
                      {"macro_recall", m.macro_recall},
                      {"macro_f1", m.macro_f1},
                      {"weighted_f1", m.weighted_f1}};
  PutValue(j, "roc_auc", m.roc_auc);
  PutValue(j, "log_loss", m.log_loss);
  nlohmann::json per_class = nlohmann::json::array();
  nlohmann::json confusion = nlohmann::json::array();
  for (int c = 0; c < m.num_classes; ++c) {
    const model::ClassScores& s = m.per_class[static_cast<size_t>(c)];
    per_class.push_back({{"class", classes[static_cast<size_t>(c)]},
                         {"precision", s.precision},
                         {"recall", s.recall},
                         {"f1", s.f1},
                         {"support", s.support}});
    nlohmann::json row = nlohmann::json::array();
    for (int p = 0; p < m.num_classes; ++p) row.push_back(m.Confusion(c, p));
    confusion.push_back(row);
  }
  j["per_class"] = per_class;
  j["confusion"] = confusion;  // rows: true class; columns: predicted class
  return j;
}

std::string ClassificationMetricsText(const model::ClassificationMetrics& m,
                                      const std::vector<std::string>& classes,
                                      const std::string& indent) {
  std::string out = indent + "accuracy " + Format("%.4f", m.accuracy) + "  macro_recall " +
                    Format("%.4f", m.macro_recall) + "  macro_f1 " + Format("%.4f", m.macro_f1) +
                    "  weighted_f1 " + Format("%.4f", m.weighted_f1) + "  roc_auc " +
                    ValueText(m.roc_auc) + "  log_loss " + ValueText(m.log_loss) + "\n";
  size_t width = 5;
  for (const std::string& c : classes) width = std::max(width, c.size());
  char buf[256];
  for (int c = 0; c < m.num_classes; ++c) {
    const model::ClassScores& s = m.per_class[static_cast<size_t>(c)];
    std::snprintf(buf, sizeof buf, "%s  %-*s precision %.4f  recall %.4f  f1 %.4f  support %lld\n",
                  indent.c_str(), static_cast<int>(width), classes[static_cast<size_t>(c)].c_str(),
                  s.precision, s.recall, s.f1, static_cast<long long>(s.support));
    out += buf;
  }
  out += indent + "  confusion (rows: true, columns: predicted)\n";
  for (int c = 0; c < m.num_classes; ++c) {
    std::snprintf(buf, sizeof buf, "%s  %-*s", indent.c_str(), static_cast<int>(width),
                  classes[static_cast<size_t>(c)].c_str());
    out += buf;
    for (int p = 0; p < m.num_classes; ++p) {
      std::snprintf(buf, sizeof buf, " %8lld", static_cast<long long>(m.Confusion(c, p)));
      out += buf;
    }
    out += "\n";
  }
  return out;
}

nlohmann::json RegressionMetricsJson(const model::RegressionMetrics& m) {
  nlohmann::json j = {{"rows", m.rows}, {"mae", m.mae}, {"rmse", m.rmse}};
  PutValue(j, "r2", m.r2);
  return j;
}

std::string RegressionMetricsText(const model::RegressionMetrics& m, const std::string& indent) {
  return indent + "rows " + std::to_string(m.rows) + "  mae " + Format("%.4f", m.mae) + "  rmse " +
         Format("%.4f", m.rmse) + "  r2 " + ValueText(m.r2) + "\n";
}

}  // namespace covidflow::cli
