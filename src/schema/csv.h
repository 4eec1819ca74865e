#pragma once
// The CSV tweet reader: RFC 4180 records (quoted fields with embedded commas, quotes and
// newlines; CRLF or LF), a header row mapped by column NAME, every record parsed and
// validated into a Tweet or rejected with a reason.
//
// Use: split the input with CsvSplitter; turn the first record into a CsvLayout; pass each
// following record to ParseCsvRecord. CsvLayout is immutable and may be shared by threads;
// a CsvSplitter belongs to one thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "schema/parse.h"
#include "schema/tweet.h"

namespace covidflow::schema {

// Splits a buffer into raw records without copying. A record ends at an LF outside quotes;
// a CR before that LF is not part of the record. A quote opens a quoted field only at the
// start of a field (as Python's csv and Excel read it); elsewhere it is a literal character.
class CsvSplitter {
 public:
  explicit CsvSplitter(std::string_view data) : data_(data) {}

  // The next raw record without its terminator; false at the end. An unterminated quote
  // makes the rest of the input one record, which ParseCsvRecord rejects as kMalformedCsv.
  // Empty lines come back as empty records.
  bool Next(std::string_view* record);
  // Bytes consumed so far, terminators included.
  size_t position() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// Splits one raw record from CsvSplitter (a final CR is dropped) into its fields, unquoted,
// "" unescaped, reusing *fields' strings. Strict RFC 4180 inside a record: after a closing
// quote only a comma or the end may follow, and a quote must close; otherwise kMalformedCsv.
// An empty record is one empty field. For readers of CSV that is not tweets (ParseCsvRecord
// splits tweets itself, without copying).
std::optional<ParseError> SplitCsvFields(std::string_view raw, std::vector<std::string>* fields);

// The header row mapped through a ColumnMapping: which column feeds which seed field.
class CsvLayout {
 public:
  // InvalidArgument when the header is malformed, lacks a mapped column, or names one twice.
  // A UTF-8 byte-order mark before the first name is ignored.
  static Result<CsvLayout> FromHeader(std::string_view header_record, const ColumnMapping& mapping);

  size_t columns() const { return columns_.size(); }
  const std::string& column_name(size_t i) const { return columns_[i].name; }

 private:
  friend std::optional<ParseError> ParseCsvRecord(std::string_view, const CsvLayout&,
                                                  const ParseOptions&, Tweet*);
  static constexpr int8_t kNotAField = -1;
  struct Column {
    std::string name;
    int8_t field = kNotAField;  // a Field, or kNotAField (an extra column)
  };
  std::vector<Column> columns_;
  std::array<bool, kFieldCount> mapped_{};
  std::array<std::string, kFieldCount> formats_;  // "" = the default timestamp format
};

// Parses + validates one raw record into *out, reusing *out's storage (no allocation per
// record once its strings have grown). nullopt = valid. Thread-safe for distinct `out`s.
std::optional<ParseError> ParseCsvRecord(std::string_view raw, const CsvLayout& layout,
                                         const ParseOptions& options, Tweet* out);

}  // namespace covidflow::schema
