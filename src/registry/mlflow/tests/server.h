#pragma once
// The MLflow server the "mlflow"-labelled tests run against: CF_MLFLOW_URI when set, else the
// URL that scripts/mlflow/start.sh wrote into $CF_MLFLOW_DIR/url (the ctest fixture
// mlflow_server sets CF_MLFLOW_DIR and starts one server for every such test).
#include <cstdlib>
#include <string>

#include "base/fs.h"

namespace covidflow::registry::mlflow {

// The base URL, or "" with `why` filled in.
inline std::string TestServerUrl(std::string* why) {
  if (const char* u = std::getenv("CF_MLFLOW_URI"); u != nullptr && *u != '\0') return u;
  const char* dir = std::getenv("CF_MLFLOW_DIR");
  if (dir == nullptr || *dir == '\0') {
    *why =
        "neither CF_MLFLOW_URI nor CF_MLFLOW_DIR is set: these tests need a real MLflow "
        "server. Run them through ctest (the mlflow_server fixture starts one) or start one "
        "with scripts/mlflow/start.sh DIR and set CF_MLFLOW_URI=$(cat DIR/url)";
    return "";
  }
  auto url = ReadWholeFile(std::string(dir) + "/url");
  if (!url.ok()) {
    *why = "no MLflow server URL in " + std::string(dir) + "/url: " + url.status().ToString();
    return "";
  }
  std::string s = *url;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace covidflow::registry::mlflow
