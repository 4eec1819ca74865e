#pragma once
// What the readers share: the column mapping, the parse options and the error a rejected
// record carries. The CSV reader is in schema/csv.h, the JSON record reader is declared here.
// Rules (required fields, ranges, the UTF-8 rule) are written down in docs/formats/records.md.
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "schema/tweet.h"

namespace covidflow::schema {

// What to do with bytes that are not valid UTF-8 in a field the tweet carries.
//   kRepair: replace each maximal invalid subpart by U+FFFD and set Tweet::utf8_repaired.
//   kReject: dead-letter the record with Reason::kInvalidUtf8.
enum class Utf8Policy { kRepair, kReject };

// Which input column feeds each seed field. The default is the reference identity (every
// seed field from the column of the same name, timestamps as "YYYY-MM-DD HH:MM:SS"), under
// which a CSV header must hold all 13 seed columns. A field with no source column keeps its
// default (empty string, 0, false, epoch, no hashtags).
struct ColumnMapping {
  struct Column {
    std::string source;  // the input column name (CSV header name or JSON key); "" = absent
    std::string format;  // timestamp fields only: a ParseTimestamp format; "" = the default
  };
  std::array<Column, kFieldCount> columns;

  ColumnMapping();  // the reference identity

  // "user_name=UserName,user_location=Location,date=TweetAt:%d-%m-%Y,text=OriginalTweet":
  // field=Column[:format] pairs. Unlisted fields are absent; user_name, date and text must
  // be listed (a tweet without them is useless downstream).
  static Result<ColumnMapping> Parse(std::string_view spec);
  // "reference" (the identity) or "corona-nlp" (Corona_NLP_train.csv's columns).
  static Result<ColumnMapping> Preset(std::string_view name);
  // The names Preset knows, in the order error messages list them.
  static std::span<const std::string_view> PresetNames();
  // The spec that Parse reads back to this mapping.
  std::string ToString() const;

  const Column& operator[](Field f) const { return columns[static_cast<size_t>(f)]; }
  bool mapped(Field f) const { return !(*this)[f].source.empty(); }
};

struct ParseOptions {
  Utf8Policy utf8 = Utf8Policy::kRepair;
  // Any single field longer than this (in the input's bytes) rejects the record.
  size_t max_field_bytes = 1 << 20;
  // Columns (CSV) or keys (JSON) that feed no seed field: kept in Tweet::extra, or ignored.
  bool keep_extra_columns = false;
  ColumnMapping mapping;
};

// Why a record was rejected, for a dead letter. `field` is the seed field or input column.
struct ParseError {
  Reason reason;
  std::string message;
  std::string field;
};

// Parses + validates one JSON object (one JSONL line, or the value of an application/json
// record) into *out, reusing *out's storage. Keys are the mapping's source names (the seed
// column names by default). nullopt = valid. Thread-safe (per-thread parser state).
std::optional<ParseError> ParseJsonRecord(std::string_view raw, const ParseOptions& options,
                                          Tweet* out);

}  // namespace covidflow::schema
