#include "registry/mlmodel.h"

#include <ctime>

#include "registry/pyfunc_source.h"  // generated from python/covidflow_pyfunc/__init__.py

namespace covidflow::registry {

namespace {

// "2026-12-07 02:30:00.123000", MLflow's own format for utc_time_created.
std::string UtcTime(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03d000", static_cast<int>(ms % 1000));
  return std::string(buf) + frac;
}

}  // namespace

std::vector<ArtifactFile> PyfuncFlavorFiles(int64_t created_ms, const std::string& model_uuid) {
  std::string mlmodel;
  mlmodel += "flavors:\n";
  mlmodel += "  covidflow:\n";
  mlmodel += "    artifact: manifest.json\n";
  mlmodel += "    predict: covidflow predict --model . --input FILE --format jsonl\n";
  mlmodel += "  python_function:\n";
  mlmodel += "    loader_module: covidflow_pyfunc\n";
  mlmodel += "    code: code\n";
  mlmodel += "    data: .\n";
  mlmodel += "model_uuid: " + model_uuid + "\n";
  mlmodel += "utc_time_created: '" + UtcTime(created_ms) + "'\n";
  return {{kMlmodelFile, std::move(mlmodel)},
          {"code/covidflow_pyfunc/__init__.py", std::string(kPyfuncSource)}};
}

}  // namespace covidflow::registry
