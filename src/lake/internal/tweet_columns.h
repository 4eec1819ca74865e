#pragma once
// The lake's columns: schema/fields.h's table (names, order, types, nullability, where each
// value lives) with what Parquet adds (the column kind, whether to try a dictionary) and
// getters/setters the writer and reader call. A column is added in schema/fields.h and
// nowhere else. Private to the lake module.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schema/tweet.h"

namespace covidflow::lake::internal {

enum class ColumnKind {
  kString,           // BYTE_ARRAY (STRING), required
  kOptionalString,   // BYTE_ARRAY (STRING), optional: an empty value is written as null
  kStringList,       // LIST<STRING>: required group / repeated group list / required element
  kInt64,            // INT64, required
  kInt32,            // INT32, required
  kDouble,           // DOUBLE, required
  kBool,             // BOOLEAN, required
  kTimestampMicros,  // INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true), from seconds
  kTimestampMillis,  // INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true)
};

using Row = schema::EnrichedTweet;

struct ColumnSpec {
  const char* name;
  ColumnKind kind;
  // Try dictionary encoding. Off for event and ingest times and offsets: nearly unique per
  // row, so a dictionary only costs hashing, and PLAIN + zstd came out smaller on real tweets.
  bool dictionary = true;
  // Exactly one getter/setter pair is set, by kind.
  std::string_view (*get_str)(const Row&) = nullptr;
  void (*set_str)(Row&, std::string_view) = nullptr;
  const std::vector<std::string>& (*get_list)(const Row&) = nullptr;
  std::vector<std::string>* (*mut_list)(Row&) = nullptr;
  int64_t (*get_int)(const Row&) = nullptr;  // int64, int32, timestamps (in the column's unit)
  void (*set_int)(Row&, int64_t) = nullptr;
  double (*get_double)(const Row&) = nullptr;
  void (*set_double)(Row&, double) = nullptr;
  bool (*get_bool)(const Row&) = nullptr;
  void (*set_bool)(Row&, bool) = nullptr;
};

// Leaf columns in file order.
std::span<const ColumnSpec> TweetColumns();

// Index into TweetColumns() or -1.
int FindColumn(std::string_view name);

schema::Sentiment::Label LabelFromName(std::string_view name);

}  // namespace covidflow::lake::internal
