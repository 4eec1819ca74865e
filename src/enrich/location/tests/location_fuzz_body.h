#pragma once
// The body of location_normalizer_fuzz (tests/fuzz/location.cmake), shared with the unit test
// that replays the kept inputs in tests/fuzz/corpus/location/. Aborts when an invariant breaks.
#include <cstddef>
#include <cstdint>

namespace covidflow::enrich::location::fuzz {

// Normalizes `data` and checks the output contract: the country is empty or two capitals, the
// region is empty or "<country>-<1..3 capitals or digits>" (never without a country), the
// confidence is 0 when nothing is resolved and in [kMinConfidence, 1] otherwise, and the
// answer does not change when the same bytes are normalized again.
void FuzzLocationBytes(const uint8_t* data, size_t size);

}  // namespace covidflow::enrich::location::fuzz
