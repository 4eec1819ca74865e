// libFuzzer target: arbitrary bytes as a segment file for the scan, reader and recovery.
// Build with -DCF_FUZZ=ON (clang); crashes found are kept in corpus/segment/regressions/
// and replayed by log_test (SegmentRegressions).
#include <cstddef>
#include <cstdint>

#include "segment_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  covidflow::log::fuzz::FuzzSegmentBytes(data, size);
  return 0;
}
