// The Registry conformance suite against a real MLflow server (label "mlflow", fixture
// mlflow_server): the same cases the embedded registry passes. The cases name their models
// and experiments uniquely, so they share the one server.
#include "registry/mlflow/mlflow_registry.h"
#include "registry/mlflow/tests/server.h"
#include "registry/tests/registry_conformance.h"

namespace covidflow::registry::testing {
namespace {

Result<std::unique_ptr<Registry>> OpenTestServer() {
  std::string why;
  const std::string url = mlflow::TestServerUrl(&why);
  if (url.empty()) return Status::FailedPrecondition(why);
  return mlflow::OpenMlflowRegistry(url);
}

INSTANTIATE_TEST_SUITE_P(Mlflow, RegistryConformanceTest,
                         ::testing::Values(RegistryUnderTest{"mlflow", OpenTestServer}),
                         RegistryUnderTestName);

}  // namespace
}  // namespace covidflow::registry::testing
