#pragma once
// One conformance suite for the Log interface, run against every implementation (STYLE.md
// practice 7). An implementation instantiates it with a factory that makes a fresh, empty log:
//
//   INSTANTIATE_TEST_SUITE_P(File, LogConformanceTest,
//       ::testing::Values(LogUnderTest{"file", [] { return OpenFileLog(NewDir()); }}),
//       LogUnderTestName);
//
// Link the CMake target covidflow_log_conformance (an object library, so the TEST_Ps are
// linked in). Waits are bounded by kWait * CF_TEST_TIMEOUT_MULTIPLIER (env, default 1) and
// end as soon as the condition holds: no test asserts on time.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "log/log.h"

namespace covidflow::log::testing {

using LogFactory = std::function<Result<std::unique_ptr<Log>>()>;

struct LogUnderTest {
  std::string name;  // used in test names: [A-Za-z0-9_]
  LogFactory make;
};

std::string LogUnderTestName(const ::testing::TestParamInfo<LogUnderTest>& info);

class LogConformanceTest : public ::testing::TestWithParam<LogUnderTest> {
 protected:
  void SetUp() override;

  std::unique_ptr<Log> log_;
};

}  // namespace covidflow::log::testing
