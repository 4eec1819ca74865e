#pragma once
// For tests that wait on real components: a deadline stretched by CF_TEST_TIMEOUT_MULTIPLIER
// (as librdkafka's tests stretch theirs with TEST_TIMEOUT_MULTIPLIER), so a slow or loaded
// machine lengthens the waits instead of failing them. Never a timing assertion: only how
// long a test waits before it gives up.
#include <chrono>
#include <cstdint>
#include <cstdlib>

namespace covidflow::testing {

// The multiplier from CF_TEST_TIMEOUT_MULTIPLIER (a positive number), 1 when unset or bad.
inline double TimeoutMultiplier() {
  const char* m = std::getenv("CF_TEST_TIMEOUT_MULTIPLIER");
  const double v = m != nullptr ? std::atof(m) : 1.0;
  return v > 0 ? v : 1.0;
}

// Now plus `seconds` times the multiplier.
inline std::chrono::steady_clock::time_point Deadline(int seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 * TimeoutMultiplier()));
}

}  // namespace covidflow::testing
