#pragma once
// The enriched tweet's columns, listed once: name, value type, nullability, and where the
// value lives in schema::EnrichedTweet. The first kFieldCount columns are the 13 seed fields of
// DESIGN.md in the reference files' order (the Field enum); the rest is what enrichment adds.
//
// Who reads this table: the CSV and JSON readers and the JSON codec (seed names, types, the
// required fields), the generator (header and JSON keys), the lake (its Parquet columns, in this
// order, under these names), and the learning half (which columns exist and their types, by
// name at run time: Columns(), FindColumn()).
//
// Two views of one list:
//   - compile time: kColumnDefs, a tuple of typed definitions; ForEachSeedField /
//     VisitSeedField / ForEachColumn expand to straight-line code per field (fold
//     expressions), so hot paths (parsing, encoding) pay no run-time dispatch;
//   - run time: Columns(), a span of ColumnInfo built from the same tuple.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "schema/tweet.h"

namespace covidflow::schema {

// What a column holds.
enum class ValueType : uint8_t {
  kString,           // UTF-8 text (std::string)
  kStringList,       // a list of UTF-8 strings (std::vector<std::string>): hashtags
  kInt32,            // PartitionId
  kInt64,            // int64_t, or Offset
  kDouble,           // double
  kBool,             // bool
  kTimestamp,        // schema::Timestamp: whole seconds since the epoch, UTC
  kTimestampMillis,  // int64_t milliseconds since the epoch, UTC
  kLabel,            // Sentiment::Label, written as its name ("negative", "neutral", "positive")
};
// "string", "string_list", "int32", "int64", "double", "bool", "timestamp",
// "timestamp_millis", "label".
std::string_view ValueTypeName(ValueType type);

// One column, as seen at run time.
struct ColumnInfo {
  std::string_view name;  // the column's name in the lake and for features ("event_time")
  ValueType type;
  // An empty value means "unknown" and is stored as null in the lake (country, region).
  bool nullable = false;
  // Seed fields only: the seed column name (CSV header, JSON key: "date"), and whether a
  // record without a value for it is rejected (user_name, date, text).
  std::optional<Field> seed;
  std::string_view seed_name;
  bool required = false;
};

// A compile-time column: Path is the chain of member pointers from EnrichedTweet to the value.
// A seed column's path starts with &EnrichedTweet::tweet, so it can also be applied to a Tweet.
template <ValueType Type, auto... Path>
struct ColumnDef {
  static constexpr ValueType type = Type;
  std::string_view name;
  std::string_view seed_name = {};  // set for the seed fields (defaults to `name` there)
  bool nullable = false;
  bool required = false;

  // The seed column name (CSV header, JSON key) of a seed column.
  constexpr std::string_view SeedName() const { return seed_name.empty() ? name : seed_name; }

  // The value in an EnrichedTweet (or, for a seed column, in a Tweet), by reference.
  template <typename Row>
  static constexpr auto& Ref(Row& row) {
    if constexpr (std::is_same_v<std::remove_const_t<Row>, Tweet>) {
      return RefInTweet<Path...>(row);
    } else {
      return (row.*....*Path);
    }
  }

 private:
  template <auto First, auto... Rest, typename Row>
  static constexpr auto& RefInTweet(Row& row) {
    static_assert(sizeof...(Rest) > 0, "not a seed column");
    return (row.*....*Rest);
  }
};

namespace fields_internal {
template <ValueType T, auto M>
using Seed = ColumnDef<T, &EnrichedTweet::tweet, M>;
template <ValueType T, auto... P>
using Enriched = ColumnDef<T, P...>;
using V = ValueType;
using E = EnrichedTweet;
}  // namespace fields_internal

// THE list. Adding a column here adds it to the lake files (a new schema version: see
// docs/formats/lake.md) and to every reader of this table.
inline constexpr auto kColumnDefs = [] {
  using namespace fields_internal;
  return std::tuple{
      Seed<V::kString, &Tweet::user_name>{.name = "user_name", .required = true},
      Seed<V::kString, &Tweet::user_location>{.name = "user_location"},
      Seed<V::kString, &Tweet::user_description>{.name = "user_description"},
      Seed<V::kTimestamp, &Tweet::user_created>{.name = "user_created"},
      Seed<V::kInt64, &Tweet::user_followers>{.name = "user_followers"},
      Seed<V::kInt64, &Tweet::user_friends>{.name = "user_friends"},
      Seed<V::kInt64, &Tweet::user_favourites>{.name = "user_favourites"},
      Seed<V::kBool, &Tweet::user_verified>{.name = "user_verified"},
      // Not "date" in the lake: that is the hive partition key (date=YYYY-MM-DD), and readers
      // that discover partitions (DuckDB, pyarrow, Spark) would collide the two.
      Seed<V::kTimestamp, &Tweet::date>{
          .name = "event_time", .seed_name = "date", .required = true},
      Seed<V::kString, &Tweet::text>{.name = "text", .required = true},
      Seed<V::kStringList, &Tweet::hashtags>{.name = "hashtags"},
      Seed<V::kString, &Tweet::source>{.name = "source"},
      Seed<V::kBool, &Tweet::is_retweet>{.name = "is_retweet"},
      Enriched<V::kDouble, &E::sentiment, &Sentiment::positive>{.name = "sentiment_positive"},
      Enriched<V::kDouble, &E::sentiment, &Sentiment::neutral>{.name = "sentiment_neutral"},
      Enriched<V::kDouble, &E::sentiment, &Sentiment::negative>{.name = "sentiment_negative"},
      Enriched<V::kDouble, &E::sentiment, &Sentiment::compound>{.name = "sentiment_compound"},
      Enriched<V::kLabel, &E::sentiment, &Sentiment::label>{.name = "sentiment_label"},
      Enriched<V::kString, &E::enricher>{.name = "enricher"},
      // Unresolved locations are empty in the struct and null in the lake, so SQL's
      // "country IS NULL" finds them.
      Enriched<V::kString, &E::location, &Location::country>{.name = "country", .nullable = true},
      Enriched<V::kString, &E::location, &Location::region>{.name = "region", .nullable = true},
      Enriched<V::kDouble, &E::location, &Location::confidence>{.name = "location_confidence"},
      Enriched<V::kString, &E::source, &SourcePosition::topic>{.name = "source_topic"},
      Enriched<V::kInt32, &E::source, &SourcePosition::partition>{.name = "source_partition"},
      Enriched<V::kInt64, &E::source, &SourcePosition::offset>{.name = "source_offset"},
      Enriched<V::kTimestampMillis, &E::ingest_time_ms>{.name = "ingest_time"},
      // Schema version 2: the model's answer (process --model), null when no model scored the
      // tweet. Appended, so a version-1 file's columns are a prefix of these.
      Enriched<V::kString, &E::prediction, &ModelPrediction::model>{.name = "model",
                                                                    .nullable = true},
      Enriched<V::kString, &E::prediction, &ModelPrediction::label>{.name = "model_label",
                                                                    .nullable = true},
      Enriched<V::kDouble, &E::prediction, &ModelPrediction::confidence>{.name =
                                                                             "model_confidence"},
      Enriched<V::kString, &E::prediction, &ModelPrediction::probabilities>{
          .name = "model_probabilities", .nullable = true},
      // Schema version 3: a regression model's predicted value (its label, confidence and
      // probabilities are then null, 0 and null); 0 when no regression model scored the tweet.
      Enriched<V::kDouble, &E::prediction, &ModelPrediction::value>{.name = "model_value"},
  };
}();

inline constexpr size_t kColumnCount = std::tuple_size_v<decltype(kColumnDefs)>;
// The columns of lake schema version 1 (before the model's columns): files written then have
// these, a prefix of the table.
inline constexpr size_t kColumnCountV1 = 26;
// Schema version 2 added the classifier's four columns (model .. model_probabilities), version 3
// the regression's model_value.
inline constexpr size_t kColumnCountV2 = kColumnCountV1 + 4;
static_assert(kColumnCount == kColumnCountV2 + 1);
static_assert(kFieldCount <= kColumnCount);

// The definition of column I, and of seed field F (column static_cast<size_t>(F)).
template <size_t I>
inline constexpr const auto& kColumnDef = std::get<I>(kColumnDefs);
template <Field F>
inline constexpr const auto& kSeedDef = std::get<static_cast<size_t>(F)>(kColumnDefs);

// The C++ type of a column's value in the row.
template <size_t I>
using ColumnValue = std::remove_cvref_t<decltype(std::remove_cvref_t<decltype(kColumnDef<I>)>::Ref(
    std::declval<EnrichedTweet&>()))>;

// Calls f(def, value&) for each seed field of `t` (a Tweet, const or not) in Field order.
// `def` is the column's ColumnDef: its type is known at compile time
// (std::remove_cvref_t<decltype(def)>::type), so f can branch with if constexpr.
template <typename Tw, typename F>
constexpr void ForEachSeedField(Tw& t, F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) { (f(kColumnDef<I>, kColumnDef<I>.Ref(t)), ...); }
  (std::make_index_sequence<kFieldCount>{});
}

// Calls f(def, value&) for the one seed field `field` of `t`. A table of one function per
// field (f inlined in each) dispatches with one indirect call, as a switch's jump table would.
template <typename Tw, typename F>
void VisitSeedField(Field field, Tw& t, F&& f) {
  using Fn = std::remove_reference_t<F>;
  static constexpr auto kTable = []<size_t... I>(std::index_sequence<I...>) {
    return std::array<void (*)(Tw&, Fn&), kFieldCount>{
        +[](Tw& row, Fn& fn) { fn(kColumnDef<I>, kColumnDef<I>.Ref(row)); }...};
  }
  (std::make_index_sequence<kFieldCount>{});
  kTable[static_cast<size_t>(field)](t, f);
}

// Calls f(std::integral_constant<size_t, I>{}) for every column I, in table order.
template <typename F>
constexpr void ForEachColumn(F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<size_t, I>{}), ...); }
  (std::make_index_sequence<kColumnCount>{});
}

// The run-time view, in table order.
std::span<const ColumnInfo> Columns();
// The index of the column named `name` in Columns(), or nullopt.
std::optional<size_t> FindColumn(std::string_view name);

}  // namespace covidflow::schema
