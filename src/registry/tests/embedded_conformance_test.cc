// The Registry conformance suite against the embedded registry (SQLite + artifact directory).
#include "base/testing/temp_dir.h"
#include "registry/embedded.h"
#include "registry/tests/registry_conformance.h"

namespace covidflow::registry::testing {
namespace {

// Every case gets a fresh registry in a directory removed when the binary exits.
Result<std::unique_ptr<Registry>> NewEmbeddedRegistry() {
  static ::covidflow::testing::TempDir root("cf_registry_embedded");
  static int counter = 0;
  const std::string dir = root.Sub("r" + std::to_string(counter++));
  return OpenEmbeddedRegistry(EmbeddedOptions{dir + "/registry.db", dir + "/artifacts"});
}

INSTANTIATE_TEST_SUITE_P(Embedded, RegistryConformanceTest,
                         ::testing::Values(RegistryUnderTest{"embedded", NewEmbeddedRegistry}),
                         RegistryUnderTestName);

}  // namespace
}  // namespace covidflow::registry::testing
