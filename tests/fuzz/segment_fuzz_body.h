#pragma once
// The body of segment_reader_fuzz, shared with the unit test that replays the kept inputs
// (tests/fuzz/corpus/segment/ and its regressions/). Aborts when an invariant breaks.
#include <cstddef>
#include <cstdint>

namespace covidflow::log::fuzz {

// Feeds `data` as a segment file to the scan, the reader and writer recovery, and checks that
// they agree: the reader returns exactly the records the scan accepts, recovery keeps exactly
// those bytes, and all three call the same inputs corrupt.
void FuzzSegmentBytes(const uint8_t* data, size_t size);

}  // namespace covidflow::log::fuzz
