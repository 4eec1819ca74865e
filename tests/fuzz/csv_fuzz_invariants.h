#pragma once
// Invariants every reader output must keep, checked by both reader fuzz targets.
#include <string>
#include <string_view>

#include "schema/parse.h"
#include "schema/tweet.h"

namespace covidflow::schema::fuzz {

// A parsed tweet: valid UTF-8 in every string, no repair under kReject, counts >= 0,
// timestamps in range where mapped, and an exact enriched-JSON round trip.
std::string CheckParsed(const Tweet& t, const ParseOptions& o);
// A rejection: the dead letter of `raw` round-trips through its JSON byte for byte.
std::string CheckRejected(std::string_view raw, const ParseError& e);

}  // namespace covidflow::schema::fuzz
