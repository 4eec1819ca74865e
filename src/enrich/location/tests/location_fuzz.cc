// libFuzzer target: arbitrary bytes as a user_location. Build with -DCF_FUZZ=ON (clang); the
// target is declared in tests/fuzz/location.cmake. Inputs worth keeping (crashes once fixed,
// hard cases) go to tests/fuzz/corpus/location/ and are replayed by enrich_location_test.
#include <cstddef>
#include <cstdint>

#include "enrich/location/tests/location_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  covidflow::enrich::location::fuzz::FuzzLocationBytes(data, size);
  return 0;
}
