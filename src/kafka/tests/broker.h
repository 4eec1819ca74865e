#pragma once
// The broker the "kafka"-labelled tests run against: CF_KAFKA_BOOTSTRAP, set by
// tests/integration/kafka_env.sh. Each log gets a fresh name prefix, so tests sharing the
// broker never see each other's topics or groups.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "kafka/kafka_log.h"

namespace covidflow::kafka::testing {

inline Result<std::string> BrokerAddress() {
  const char* b = std::getenv("CF_KAFKA_BOOTSTRAP");
  if (b == nullptr || *b == '\0') {
    return Status::FailedPrecondition(
        "CF_KAFKA_BOOTSTRAP is not set: these tests need a real Kafka broker. Run "
        "tests/integration/kafka_env.sh, or start one with scripts/kafka/start.sh DIR and set "
        "CF_KAFKA_BOOTSTRAP=$(cat DIR/bootstrap)");
  }
  return std::string(b);
}

inline KafkaOptions TestOptions() {
  static int counter = 0;
  KafkaOptions o;
  o.name_prefix = "t" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".";
  // A member that leaves without closing frees its partitions in seconds, not ten.
  o.session_timeout = std::chrono::milliseconds(6000);
  return o;
}

inline Result<std::unique_ptr<log::Log>> NewTestLog(KafkaOptions options = TestOptions()) {
  ASSIGN_OR_RETURN(std::string bootstrap, BrokerAddress());
  return OpenKafkaLog(bootstrap, options);
}

}  // namespace covidflow::kafka::testing
