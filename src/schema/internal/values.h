#pragma once
// Value rules shared by the CSV and JSON readers (private to schema/): one place decides
// what a count, a boolean, a hashtag list and a text field may hold.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/parse.h"
#include "schema/tweet.h"

namespace covidflow::schema::internal {

ParseError MakeError(Reason reason, std::string_view field, std::string message);

// `value` quoted for a message: at most 60 bytes, invalid UTF-8 repaired.
std::string Quoted(std::string_view value);

// Stores a text field, removing RFC 4180 "" escapes when `unescape` is set, applying the
// UTF-8 policy (a repair sets out->utf8_repaired) and the size limit. `utf8_checked`: the
// caller already found `value` valid UTF-8 (as part of a whole record), so it is not
// checked again.
std::optional<ParseError> SetText(std::string_view value, bool unescape, std::string_view field,
                                  const ParseOptions& options, std::string* dst, Tweet* out,
                                  bool utf8_checked = false);

// A count: decimal digits only, no sign, fits in int64.
std::optional<ParseError> SetCount(std::string_view value, std::string_view field, int64_t* dst);

// True/False (also true/false, TRUE/FALSE as spreadsheets re-save them).
std::optional<ParseError> SetBool(std::string_view value, std::string_view field, bool* dst);

// A timestamp in `format` ("" = the default) inside the accepted range; an empty value is
// kMissingField for the event time `date` and kBadTimestamp otherwise.
std::optional<ParseError> SetTimestamp(std::string_view value, std::string_view format,
                                       std::string_view field, bool required, Timestamp* dst);

// The reference string form: "" (no hashtags) or a Python list literal of strings,
// "['COVID19', 'Vaccine']". Applies the UTF-8 policy to the whole value first (unless
// `utf8_checked`, as for SetText).
std::optional<ParseError> SetHashtagList(std::string_view value, const ParseOptions& options,
                                         Tweet* out, bool utf8_checked = false);

// Sets every field the mapping does not feed to its default.
void ResetUnmapped(const std::array<bool, kFieldCount>& mapped, Tweet* t);

// Unescapes RFC 4180 "" into `dst` (replacing its contents).
void AssignUnescaped(std::string_view value, std::string* dst);

}  // namespace covidflow::schema::internal
