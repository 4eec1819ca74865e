#pragma once
// Printing of model metrics (model/metrics.h), shared by train and evaluate: one JSON shape
// and one text layout. An undefined metric is JSON null with "<name>_undefined": reason, and
// "n/a (reason)" in text.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/metrics.h"

namespace covidflow::cli {

nlohmann::json ClassificationMetricsJson(const model::ClassificationMetrics& m,
                                         const std::vector<std::string>& classes);
// Headline metrics on one line, then per-class scores and the confusion matrix, each line
// starting with `indent`.
std::string ClassificationMetricsText(const model::ClassificationMetrics& m,
                                      const std::vector<std::string>& classes,
                                      const std::string& indent);

// {"rows", "mae", "rmse", "r2"} (r2 null with "r2_undefined" on fewer than 2 rows).
nlohmann::json RegressionMetricsJson(const model::RegressionMetrics& m);
// "rows N  mae X  rmse Y  r2 Z" on one line, starting with `indent`.
std::string RegressionMetricsText(const model::RegressionMetrics& m, const std::string& indent);

}  // namespace covidflow::cli
