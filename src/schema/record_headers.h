#pragma once
// Header names and values of the records (docs/formats/records.md). On tweets.raw the
// producer says how to read the value, and the processor reads it that way (raw_record.h);
// on tweets.enriched and tweets.dlq the processor says where each output came from.
#include <string_view>

namespace covidflow::schema {

inline constexpr std::string_view kContentTypeHeader = "content-type";
inline constexpr std::string_view kContentTypeCsv = "text/csv";
inline constexpr std::string_view kContentTypeJson = "application/json";
// With text/csv: the header record of the file the row came from (mapped by column name).
inline constexpr std::string_view kCsvHeaderHeader = "csv-header";

// On every output: the source position of the input record and the processor group that
// wrote it. A processor's recovery scan reads them back to find what an earlier run of its
// group already wrote (docs/decisions/0002-exactly-once-outputs.md).
inline constexpr std::string_view kHeaderSourceTopic = "src-topic";
inline constexpr std::string_view kHeaderSourcePartition = "src-part";
inline constexpr std::string_view kHeaderSourceOffset = "src-offset";
inline constexpr std::string_view kHeaderGroup = "src-group";

}  // namespace covidflow::schema
