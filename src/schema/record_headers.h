#pragma once
// Header names and values of raw records on tweets.raw (docs/formats/records.md):
// the producer says how to read the value, the processor reads it that way.
#include <string_view>

namespace covidflow::schema {

inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kContentTypeCsv = "text/csv";
inline constexpr std::string_view kContentTypeJson = "application/json";
// With text/csv: the header record of the file the row came from (mapped by column name).
inline constexpr std::string_view kCsvHeaderHeader = "csv-header";

}  // namespace covidflow::schema
