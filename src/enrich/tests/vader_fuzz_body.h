#pragma once
// The body of vader_fuzz (tests/fuzz/vader.cmake), shared with the unit test that replays
// the kept inputs in tests/fuzz/corpus/vader/. Aborts when an invariant breaks.
#include <cstddef>
#include <cstdint>

namespace covidflow::enrich::fuzz {

// Scores `data` as one text and checks the output contract: compound in [-1, 1]; neg, neu,
// pos in [0, 1] and, unless all zero (no words), summing to 1 within rounding; the cloud
// shape summing to 1 with the label agreeing with compound; the same bytes scoring the same
// again. Then runs the `sentiment` command over the bytes as lines and as CSV (the output
// must be one JSON object per line).
void FuzzVaderBytes(const uint8_t* data, size_t size);

}  // namespace covidflow::enrich::fuzz
