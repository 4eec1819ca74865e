#include "schema/raw_record.h"

#include <string>

namespace covidflow::schema {

std::optional<ParseError> ParseRawRecord(std::string_view value, const RawRecordHeaders& headers,
                                         const ParseOptions& options, CsvLayoutSource& layouts,
                                         Tweet* out) {
  const bool json = headers.content_type ? *headers.content_type == kContentTypeJson
                                         : (!value.empty() && value.front() == '{');
  if (json) return ParseJsonRecord(value, options, out);
  if (!headers.csv_header) {
    return ParseError{Reason::kUnknownFormat, "record has no content-type or csv-header header",
                      ""};
  }
  const Result<CsvLayout>& layout = layouts.LayoutFor(*headers.csv_header);
  if (!layout.ok()) {
    return ParseError{Reason::kUnknownHeader, "csv-header unusable: " + layout.status().message(),
                      ""};
  }
  return ParseCsvRecord(value, *layout, options, out);
}

}  // namespace covidflow::schema
