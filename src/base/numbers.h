#pragma once
// The project's one parser of numbers in text (settings, specs, file names, offsets, metadata):
// the whole string must be the number, in the C locale, so "12 ", "+3", "0x10", "" and "1e3"
// (for an integer) are refused rather than read in part as strtol would. Callers check ranges
// and say what they expected in their own words.
#include <cstdint>
#include <optional>
#include <string_view>

namespace covidflow {

// A decimal integer with an optional leading '-', fitting in int64_t.
std::optional<int64_t> ParseInt(std::string_view text);

// A decimal integer in [min, max].
std::optional<int64_t> ParseIntIn(std::string_view text, int64_t min, int64_t max);

// A decimal or scientific number (std::from_chars' general format: "inf" and "nan" included;
// callers that need a finite number check std::isfinite).
std::optional<double> ParseDouble(std::string_view text);

}  // namespace covidflow
