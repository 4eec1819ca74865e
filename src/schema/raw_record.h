#pragma once
// Reading one raw record of tweets.raw the way its headers say (docs/formats/records.md):
//   content-type application/json, or no content-type and a value starting with '{'
//     → the JSON record reader;
//   otherwise a csv-header header → the CSV reader with the layout of that header;
//   otherwise → dead letter kUnknownFormat.
// An unusable csv-header (a header the mapping cannot read) rejects its records as
// kUnknownHeader: the header is the problem, not the row.
#include <optional>
#include <string_view>

#include "base/status.h"
#include "schema/csv.h"
#include "schema/parse.h"
#include "schema/record_headers.h"
#include "schema/tweet.h"

namespace covidflow::schema {

// The headers of a raw record that decide how it is read (the first of each).
struct RawRecordHeaders {
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> csv_header;
};

// From any range of headers with `key` and `value` string views, in one pass.
template <typename Headers>
RawRecordHeaders FindRawRecordHeaders(const Headers& headers) {
  RawRecordHeaders found;
  for (const auto& h : headers) {
    if (!found.content_type && h.key == kContentTypeHeader) {
      found.content_type = h.value;
    } else if (!found.csv_header && h.key == kCsvHeaderHeader) {
      found.csv_header = h.value;
    }
  }
  return found;
}

// Where ParseRawRecord gets the layout of a csv-header value. Callers cache layouts (most
// records of a stream share one header); the returned reference must stay valid while the
// caller uses the parsed tweet.
class CsvLayoutSource {
 public:
  virtual ~CsvLayoutSource() = default;
  virtual const Result<CsvLayout>& LayoutFor(std::string_view csv_header) = 0;
};

// Parses + validates `value` into *out (reusing its storage). nullopt = valid.
std::optional<ParseError> ParseRawRecord(std::string_view value, const RawRecordHeaders& headers,
                                         const ParseOptions& options, CsvLayoutSource& layouts,
                                         Tweet* out);

}  // namespace covidflow::schema
