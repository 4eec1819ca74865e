#pragma once
// One conformance suite for the Registry interface, run against every backend (STYLE.md
// practice 7): the embedded registry here (embedded_conformance_test.cc), an MLflow server in
// the MLflow backend's tests. A backend instantiates it with a factory that opens a registry:
//
//   INSTANTIATE_TEST_SUITE_P(Embedded, RegistryConformanceTest,
//       ::testing::Values(RegistryUnderTest{"embedded", [] { return Open...(); }}),
//       RegistryUnderTestName);
//
// The factory may return the same store every time (one MLflow server for the whole run):
// every case names its experiments and models with UniqueName(), so cases never see each
// other's data. Link the CMake target covidflow_registry_conformance (an object library, so the
// TEST_Ps are linked in).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/testing/temp_dir.h"
#include "registry/registry.h"

namespace covidflow::registry::testing {

using RegistryFactory = std::function<Result<std::unique_ptr<Registry>>()>;

struct RegistryUnderTest {
  std::string name;  // used in test names: [A-Za-z0-9_]
  RegistryFactory make;
};

// GoogleTest prints the backend's name rather than the factory's bytes.
inline void PrintTo(const RegistryUnderTest& r, std::ostream* os) { *os << r.name; }

std::string RegistryUnderTestName(const ::testing::TestParamInfo<RegistryUnderTest>& info);

class RegistryConformanceTest : public ::testing::TestWithParam<RegistryUnderTest> {
 protected:
  void SetUp() override;

  // `base` made unique to this case and run ("tweets-3f9a0c1e").
  static std::string UniqueName(std::string_view base);
  // A directory of artifacts under the case's temp dir: `files` maps relative paths (with
  // sub-directories) to contents.
  std::string MakeArtifacts(std::string_view name, const std::map<std::string, std::string>& files);

  std::unique_ptr<Registry> registry_;
  ::covidflow::testing::TempDir dir_{"cf_registry_conformance"};
  const Change change_{"conformance", "a test"};
};

}  // namespace covidflow::registry::testing
