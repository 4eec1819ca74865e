// The Log conformance suite (src/log/tests/log_conformance.h) against a real Kafka broker:
// the same semantics the embedded log proves, proven by the same tests.
#include "kafka/tests/broker.h"
#include "log/tests/log_conformance.h"

namespace covidflow::log::testing {
namespace {

Result<std::unique_ptr<Log>> NewKafkaLog() { return kafka::testing::NewTestLog(); }

INSTANTIATE_TEST_SUITE_P(Kafka, LogConformanceTest,
                         ::testing::Values(LogUnderTest{"kafka", NewKafkaLog}), LogUnderTestName);

}  // namespace
}  // namespace covidflow::log::testing
