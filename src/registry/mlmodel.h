#pragma once
// MLflow's model format for every version covidflow registers, on both backends: an `MLmodel`
// file with a `python_function` flavor whose loader is the project's Python package
// `covidflow_pyfunc` (python/covidflow_pyfunc/, shipped in the version's `code/` folder), so
// MLflow users load a version with mlflow.pyfunc.load_model("models:/NAME@champion") or
// spark_udf and score through `covidflow predict` itself
// (docs/decisions/0007-pyfunc-calls-the-binary.md). The model files stay at the version's
// root (the flavor's `data` is "."), where covidflow reads them.
#include <cstdint>
#include <string>
#include <vector>

namespace covidflow::registry {

inline constexpr char kMlmodelFile[] = "MLmodel";

struct ArtifactFile {
  std::string path;  // relative, '/'-separated
  std::string bytes;
};

// MLmodel and code/covidflow_pyfunc/__init__.py. `created_ms` goes into utc_time_created,
// `model_uuid` into model_uuid.
std::vector<ArtifactFile> PyfuncFlavorFiles(int64_t created_ms, const std::string& model_uuid);

}  // namespace covidflow::registry
