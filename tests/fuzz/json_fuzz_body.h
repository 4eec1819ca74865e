#pragma once
// The body of the JSON reader fuzz target, shared with schema_fuzz_regressions_test (gcc).
// Returns "" when every invariant held, else what broke.
#include <cstddef>
#include <cstdint>
#include <string>

namespace covidflow::schema::fuzz {

// The whole input is one JSON record, parsed with both UTF-8 policies.
std::string FuzzJsonBytes(const uint8_t* data, size_t size);

}  // namespace covidflow::schema::fuzz
