#include "lake/internal/tweet_columns.h"

#include <array>

namespace covidflow::lake::internal {
namespace {

using K = ColumnKind;
constexpr int64_t kMicrosPerSecond = 1'000'000;

ColumnSpec Str(const char* name, std::string_view (*get)(const Row&),
               void (*set)(Row&, std::string_view), bool optional = false) {
  ColumnSpec c{name, optional ? K::kOptionalString : K::kString, true};
  c.get_str = get;
  c.set_str = set;
  return c;
}
ColumnSpec Int(const char* name, ColumnKind kind, int64_t (*get)(const Row&),
               void (*set)(Row&, int64_t), bool dictionary = true) {
  ColumnSpec c{name, kind, dictionary};
  c.get_int = get;
  c.set_int = set;
  return c;
}
ColumnSpec Dbl(const char* name, double (*get)(const Row&), void (*set)(Row&, double)) {
  ColumnSpec c{name, K::kDouble, true};
  c.get_double = get;
  c.set_double = set;
  return c;
}
ColumnSpec Bool(const char* name, bool (*get)(const Row&), void (*set)(Row&, bool)) {
  ColumnSpec c{name, K::kBool, false};
  c.get_bool = get;
  c.set_bool = set;
  return c;
}

#define CF_STR(field) \
  [](const Row& r) -> std::string_view { return r.field; }, \
  [](Row& r, std::string_view v) { r.field.assign(v); }

const std::vector<ColumnSpec>& Table() {
  static const std::vector<ColumnSpec> kColumns = [] {
    std::vector<ColumnSpec> c;
    c.push_back(Str("user_name", CF_STR(tweet.user_name)));
    c.push_back(Str("user_location", CF_STR(tweet.user_location)));
    c.push_back(Str("user_description", CF_STR(tweet.user_description)));
    // Timestamps are whole seconds in the stream; micros is what Spark and pandas expect.
    c.push_back(Int(
        "user_created", K::kTimestampMicros,
        [](const Row& r) { return r.tweet.user_created.seconds * kMicrosPerSecond; },
        [](Row& r, int64_t v) { r.tweet.user_created.seconds = v / kMicrosPerSecond; },
        /*dictionary=*/false));
    c.push_back(Int(
        "user_followers", K::kInt64, [](const Row& r) { return r.tweet.user_followers; },
        [](Row& r, int64_t v) { r.tweet.user_followers = v; }));
    c.push_back(Int(
        "user_friends", K::kInt64, [](const Row& r) { return r.tweet.user_friends; },
        [](Row& r, int64_t v) { r.tweet.user_friends = v; }));
    c.push_back(Int(
        "user_favourites", K::kInt64, [](const Row& r) { return r.tweet.user_favourites; },
        [](Row& r, int64_t v) { r.tweet.user_favourites = v; }));
    c.push_back(Bool(
        "user_verified", [](const Row& r) { return r.tweet.user_verified; },
        [](Row& r, bool v) { r.tweet.user_verified = v; }));
    c.push_back(Int(
        // Not "date": that is the hive partition key (date=YYYY-MM-DD), and readers that
        // discover partitions (DuckDB, pyarrow, Spark) would collide the two.
        "event_time", K::kTimestampMicros,
        [](const Row& r) { return r.tweet.date.seconds * kMicrosPerSecond; },
        [](Row& r, int64_t v) { r.tweet.date.seconds = v / kMicrosPerSecond; },
        /*dictionary=*/false));
    c.push_back(Str("text", CF_STR(tweet.text)));
    {
      ColumnSpec h{"hashtags", K::kStringList, true};
      h.get_list = [](const Row& r) -> const std::vector<std::string>& { return r.tweet.hashtags; };
      h.mut_list = [](Row& r) { return &r.tweet.hashtags; };
      c.push_back(h);
    }
    c.push_back(Str("source", CF_STR(tweet.source)));
    c.push_back(Bool(
        "is_retweet", [](const Row& r) { return r.tweet.is_retweet; },
        [](Row& r, bool v) { r.tweet.is_retweet = v; }));
    c.push_back(Dbl(
        "sentiment_positive", [](const Row& r) { return r.sentiment.positive; },
        [](Row& r, double v) { r.sentiment.positive = v; }));
    c.push_back(Dbl(
        "sentiment_neutral", [](const Row& r) { return r.sentiment.neutral; },
        [](Row& r, double v) { r.sentiment.neutral = v; }));
    c.push_back(Dbl(
        "sentiment_negative", [](const Row& r) { return r.sentiment.negative; },
        [](Row& r, double v) { r.sentiment.negative = v; }));
    c.push_back(Dbl(
        "sentiment_compound", [](const Row& r) { return r.sentiment.compound; },
        [](Row& r, double v) { r.sentiment.compound = v; }));
    c.push_back(Str(
        "sentiment_label", [](const Row& r) { return LabelName(r.sentiment.label); },
        [](Row& r, std::string_view v) { r.sentiment.label = LabelFromName(v); }));
    c.push_back(Str("enricher", CF_STR(enricher)));
    // Unresolved locations are null in the lake (empty in the struct), so SQL's
    // "country IS NULL" finds them.
    c.push_back(Str("country", CF_STR(location.country), /*optional=*/true));
    c.push_back(Str("region", CF_STR(location.region), /*optional=*/true));
    c.push_back(Dbl(
        "location_confidence", [](const Row& r) { return r.location.confidence; },
        [](Row& r, double v) { r.location.confidence = v; }));
    c.push_back(Str("source_topic", CF_STR(source.topic)));
    c.push_back(Int(
        "source_partition", K::kInt32,
        [](const Row& r) -> int64_t { return r.source.partition.value(); },
        [](Row& r, int64_t v) { r.source.partition = PartitionId(static_cast<int32_t>(v)); }));
    c.push_back(Int(
        "source_offset", K::kInt64, [](const Row& r) { return r.source.offset.value(); },
        [](Row& r, int64_t v) { r.source.offset = Offset(v); }, /*dictionary=*/false));
    c.push_back(Int(
        "ingest_time", K::kTimestampMillis, [](const Row& r) { return r.ingest_time_ms; },
        [](Row& r, int64_t v) { r.ingest_time_ms = v; }, /*dictionary=*/false));
    return c;
  }();
  return kColumns;
}

#undef CF_STR

}  // namespace

std::span<const ColumnSpec> TweetColumns() { return Table(); }

int FindColumn(std::string_view name) {
  const auto cols = TweetColumns();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (name == cols[i].name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view LabelName(schema::Sentiment::Label label) {
  switch (label) {
    case schema::Sentiment::Label::kNegative:
      return "negative";
    case schema::Sentiment::Label::kNeutral:
      return "neutral";
    case schema::Sentiment::Label::kPositive:
      return "positive";
  }
  return "neutral";
}

schema::Sentiment::Label LabelFromName(std::string_view name) {
  if (name == "negative") return schema::Sentiment::Label::kNegative;
  if (name == "positive") return schema::Sentiment::Label::kPositive;
  return schema::Sentiment::Label::kNeutral;
}

}  // namespace covidflow::lake::internal
