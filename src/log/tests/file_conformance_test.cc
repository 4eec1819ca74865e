// The Log conformance suite against the embedded log (file://).
#include "log/open.h"
#include "log/tests/log_conformance.h"
#include "log/tests/test_util.h"

namespace covidflow::log::testing {
namespace {

// Every log made for a test lives in a directory removed when the test binary exits.
Result<std::unique_ptr<Log>> NewFileLog() {
  static ::covidflow::testing::TempDir root("cf_log_conformance");
  static int counter = 0;
  OpenOptions options;
  options.rebalance_interval = std::chrono::milliseconds(20);
  return OpenFileLog(root.path() + "/log-" + std::to_string(counter++), options);
}

INSTANTIATE_TEST_SUITE_P(File, LogConformanceTest,
                         ::testing::Values(LogUnderTest{"file", NewFileLog}), LogUnderTestName);

}  // namespace
}  // namespace covidflow::log::testing
