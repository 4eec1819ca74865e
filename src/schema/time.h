#pragma once
// The one timestamp formatter and parser. The reference stream writes event times as
// "2020-07-25 11:28:59" (UTC, no zone suffix); every module formats and parses them here.
#include <optional>
#include <string>
#include <string_view>

#include "schema/tweet.h"

namespace covidflow::schema {

// The default column format, in the strftime-like notation of ParseTimestamp.
inline constexpr std::string_view kDefaultTimestampFormat = "%Y-%m-%d %H:%M:%S";

// The range a tweet's timestamps must fall in: from Twitter's launch (2006-03-21) up to,
// not including, 2100-01-01. Outside it a value is well-formed but impossible (kOutOfRange).
inline constexpr Timestamp kMinTimestamp{1142899200};  // 2006-03-21 00:00:00
inline constexpr Timestamp kEndTimestamp{4102444800};  // 2100-01-01 00:00:00
inline bool InTweetRange(Timestamp t) { return t >= kMinTimestamp && t < kEndTimestamp; }

// "2020-07-25 11:28:59". Years outside 0000..9999 are written with as many digits as needed.
std::string FormatTimestamp(Timestamp t);
void AppendTimestamp(std::string& out, Timestamp t);

// Parses exactly "YYYY-MM-DD HH:MM:SS" with a real calendar date (leap years checked) and
// 00..23:00..59:00..59. nullopt on anything else, including surrounding spaces.
std::optional<Timestamp> ParseTimestamp(std::string_view s);

// Parses `s` against `format`: %Y (4 digits), %m %d %H %M %S (2 digits, or 1 when the next
// character is not a digit, as "1-4-2020" files write them), %% and literal characters.
// Fields the format lacks default to the start of the unit (a date alone is midnight).
std::optional<Timestamp> ParseTimestamp(std::string_view s, std::string_view format);

// True when `format` uses only the directives ParseTimestamp(s, format) understands.
bool IsValidTimestampFormat(std::string_view format);

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

// The reference form in pieces, written into `out` without a terminator: "YYYY-MM-DD "
// (11 bytes) for a day number whose year is in 0..9999 (others are clamped), and "HH:MM:SS"
// (8 bytes) for a second of the day in [0, 86400).
void FormatDay(int64_t days, char* out);
void FormatClock(unsigned second_of_day, char* out);

}  // namespace covidflow::schema
