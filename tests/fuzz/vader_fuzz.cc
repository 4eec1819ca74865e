// libFuzzer target: arbitrary bytes as a tweet text for the VADER scorer and the `sentiment`
// command. Build with -DCF_FUZZ=ON (clang); declared in tests/fuzz/vader.cmake. Inputs worth
// keeping go to tests/fuzz/corpus/vader/ and are replayed by enrich_vader_test.
#include <cstddef>
#include <cstdint>

#include "enrich/tests/vader_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  covidflow::enrich::fuzz::FuzzVaderBytes(data, size);
  return 0;
}
