#pragma once
// Writing CSV fields and JSON strings the way the reference files do. Shared by the
// generator (ingest/), the topic encoders (schema/) and the CLI's --json output.
#include <cstdint>
#include <string>
#include <string_view>

namespace covidflow::schema {

// Appends `field` as one RFC 4180 field: quoted (with "" for ") only when it contains a
// comma, a quote, CR or LF, exactly as the reference CSV files quote.
void AppendCsvField(std::string& out, std::string_view field);

// Appends `s` as a JSON string literal with quotes. Bytes >= 0x80 are copied as they are
// (the caller guarantees valid UTF-8); control characters are escaped.
void AppendJsonString(std::string& out, std::string_view s);

// Appends an integer in decimal.
void AppendInt(std::string& out, int64_t v);

// Appends a double in the shortest form that reads back to the same value.
void AppendDouble(std::string& out, double v);

}  // namespace covidflow::schema
