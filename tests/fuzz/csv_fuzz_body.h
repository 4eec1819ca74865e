#pragma once
// The body of the CSV reader fuzz target, shared with schema_fuzz_regressions_test (gcc),
// which replays every kept corpus file. Returns "" when every invariant held, else what broke.
#include <cstddef>
#include <cstdint>
#include <string>

namespace covidflow::schema::fuzz {

// The input is split into records; the first is tried as a header under a free mapping,
// and every record is parsed under the reference header with both UTF-8 policies.
std::string FuzzCsvBytes(const uint8_t* data, size_t size);

}  // namespace covidflow::schema::fuzz
