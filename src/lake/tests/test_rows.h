#pragma once
// Deterministic enriched tweets for the lake's tests, interop driver and benchmark:
// unicode, empty strings, unresolved locations (nulls in the lake), extreme integers and
// timestamps at the edges Python's datetime can hold.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "base/testing/temp_dir.h"
#include "schema/fields.h"
#include "schema/tweet.h"

namespace covidflow::lake::testing {

using ::covidflow::testing::TempDir;

inline constexpr int64_t kDay = 86400;
inline constexpr int64_t k20200725 = 1595635200;  // 2020-07-25 00:00:00 UTC

// A reproducible stream: `n` rows spread over `days` days from 2020-07-25, offsets dense
// from `first_offset` in topic "tweets.raw" partition `partition`.
inline std::vector<schema::EnrichedTweet> MakeRows(size_t n, int days = 3, int64_t first_offset = 0,
                                                   int32_t partition = 0, uint64_t seed = 1) {
  static const char* kWords[] = {"covid", "vaccine", "mask",           "lockdown",   "😷",
                                 "新冠",  "naïve",   "\"quoted\"",     "comma,here", "line\nbreak",
                                 "stay",  "home",    "https://t.co/x", "#COVID19",   "tests",
                                 "cases"};
  static const char* kSources[] = {"Twitter for Android", "Twitter for iPhone", "Twitter Web App",
                                   "TweetDeck", ""};
  static const char* kLabels[] = {"negative", "neutral", "positive"};
  static const char* kCountries[] = {"US", "IN", "GB", "", "", "BR"};
  static const char* kTags[] = {"COVID19", "Vaccine", "StayHome", "коронавирус", "マスク"};
  std::vector<schema::EnrichedTweet> rows(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  for (size_t i = 0; i < n; ++i) {
    auto& r = rows[i];
    const uint64_t user = next() % (n / 4 + 1);
    r.tweet.user_name = "user_" + std::to_string(user);
    r.tweet.user_location = user % 3 == 0 ? "" : (user % 3 == 1 ? "New York, NY" : "India 🇮🇳");
    r.tweet.user_description =
        user % 5 == 0 ? "" : "描述 description of user " + std::to_string(user);
    r.tweet.user_created.seconds = 1262304000 + static_cast<int64_t>(user * 7919 % 300000000);
    r.tweet.user_followers = static_cast<int64_t>(next() % 100000);
    r.tweet.user_friends = static_cast<int64_t>(user % 5000);
    r.tweet.user_favourites = static_cast<int64_t>(next() % 20000);
    r.tweet.user_verified = user % 17 == 0;
    r.tweet.date.seconds =
        k20200725 + static_cast<int64_t>(i % days) * kDay + static_cast<int64_t>(next() % kDay);
    const size_t words = 5 + next() % 30;
    for (size_t w = 0; w < words; ++w) {
      if (w) r.tweet.text += ' ';
      r.tweet.text += kWords[next() % (sizeof(kWords) / sizeof(kWords[0]))];
    }
    const size_t tags = next() % 4;
    for (size_t t = 0; t < tags; ++t) r.tweet.hashtags.push_back(kTags[next() % 5]);
    r.tweet.source = kSources[next() % 5];
    r.tweet.is_retweet = next() % 7 == 0;
    const double pos = static_cast<double>(next() % 1000) / 1000.0;
    const double neg = (1.0 - pos) * static_cast<double>(next() % 1000) / 1000.0;
    r.sentiment.positive = pos;
    r.sentiment.negative = neg;
    r.sentiment.neutral = 1.0 - pos - neg;
    r.sentiment.compound = pos - neg;
    r.sentiment.label = pos > 0.6   ? schema::Sentiment::Label::kPositive
                        : neg > 0.3 ? schema::Sentiment::Label::kNegative
                                    : schema::Sentiment::Label::kNeutral;
    r.enricher = "vader";
    r.location.country = kCountries[user % 6];
    r.location.region = r.location.country == "US" ? "US-NY" : "";
    r.location.confidence = r.location.country.empty() ? 0.0 : 0.9;
    r.source.topic = "tweets.raw";
    r.source.partition = PartitionId(partition);
    r.source.offset = Offset(first_offset + static_cast<int64_t>(i));
    r.ingest_time_ms = 1595635200000 + static_cast<int64_t>(i);
    if (i % 3 != 0) {  // a third of the rows was not scored by a model: nulls
      r.prediction.model = i % 3 == 1 ? "tweet-sentiment/3" : "tweet-sentiment/4";
      // From the row's index, not next(): the other columns keep their values.
      r.prediction.label = kLabels[i % 3];
      r.prediction.confidence = static_cast<double>(i % 1000) / 1000.0;
      r.prediction.probabilities = "{\"negative\":0.25,\"positive\":0.75}";
    }
    if (i % 6 == 5) {  // a sixth by a regression model: a value, no label nor probabilities
      r.prediction.model = "retweets/2";
      r.prediction.label.clear();
      r.prediction.confidence = 0;
      r.prediction.probabilities.clear();
      r.prediction.value = static_cast<double>(i % 1000) / 8.0 - 12.5;
    }
  }
  return rows;
}

// Rows at the edges of every type.
inline std::vector<schema::EnrichedTweet> EdgeRows() {
  auto rows = MakeRows(6, 1, 1000, 3, 7);
  auto& a = rows[0];
  a.tweet.user_name = "";
  a.tweet.user_location = "";
  a.tweet.user_description = "";
  a.tweet.text = "";
  a.tweet.source = "";
  a.tweet.hashtags = {};
  a.location.country = "";
  a.location.region = "";
  a.tweet.user_followers = std::numeric_limits<int64_t>::max();
  a.tweet.user_friends = std::numeric_limits<int64_t>::min();
  a.tweet.user_favourites = 0;
  a.tweet.user_created.seconds = -62135596800;  // 0001-01-01 00:00:00
  a.tweet.date.seconds = 253402300799;          // 9999-12-31 23:59:59
  a.sentiment.compound = -1.0;
  a.sentiment.positive = 5e-324;
  a.sentiment.negative = 1.7976931348623157e308;
  a.ingest_time_ms = 253402300799999;  // 9999-12-31 23:59:59.999
  auto& b = rows[1];
  b.tweet.text =
      "emoji 😷🦠💉 CJK 新冠病毒 RTL مرحبا combining é\u0301 zero-width \u200b";
  b.tweet.user_name = "名前 👩‍⚕️";
  b.tweet.hashtags = {"", "COVID19", "😷", "a,b", "'quote'"};
  b.tweet.date.seconds = 0;  // the epoch
  b.tweet.user_created.seconds = -1;
  b.sentiment.neutral = -0.0;
  b.enricher = "model@3";
  b.location.country = "FR";
  b.location.region = "";
  b.source.partition = PartitionId(std::numeric_limits<int32_t>::max());
  b.source.offset = Offset(std::numeric_limits<int64_t>::max());
  auto& c = rows[2];
  c.tweet.text = std::string(100000, 'x');  // a long value
  c.tweet.user_followers = -1;
  c.ingest_time_ms = -62135596800000;  // 0001-01-01
  return rows;
}

// The integer inside an integer column's value: the value itself, or a NamedType's (PartitionId).
template <typename T>
struct RawOf {
  using type = T;
};
template <typename T, typename Tag>
struct RawOf<NamedType<T, Tag>> {
  using type = T;
};

// Rows at the edges of every column's type, made from the field table (schema/fields.h), so a
// column added there is covered here without an edit: row 0 holds each type's low edge (empty
// strings and lists, which are null in a nullable column; the smallest integer, double and
// timestamp), row 1 its high edge (a 100 kB string of 4-byte characters, a 1,000-element list,
// the largest values), row 2 the values next to zero (one character, -0.0, the smallest
// subnormal, -1 and the second before the epoch). EdgeRows() above stays as it was when
// tests/data/schema_v1.parquet was written from it.
inline std::vector<schema::EnrichedTweet> TypeEdgeRows() {
  using schema::ValueType;
  std::vector<schema::EnrichedTweet> rows(3);
  constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01 00:00:00
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31 23:59:59
  std::string big;                               // 100 kB of a 4-byte character
  for (int i = 0; i < 25000; ++i) big += "😷";
  schema::ForEachColumn([&](auto index) {
    constexpr const auto& def = schema::kColumnDef<decltype(index)::value>;
    using Def = std::remove_cvref_t<decltype(def)>;
    for (size_t r = 0; r < rows.size(); ++r) {
      auto& v = Def::Ref(rows[r]);
      using T = std::remove_cvref_t<decltype(v)>;
      if constexpr (Def::type == ValueType::kString) {
        v = r == 0 ? T() : r == 1 ? T(big) : T("x");
      } else if constexpr (Def::type == ValueType::kStringList) {
        v = r == 0 ? T() : r == 1 ? T(1000, "tag") : T{""};
      } else if constexpr (Def::type == ValueType::kInt32 || Def::type == ValueType::kInt64) {
        using Raw = typename RawOf<T>::type;
        const Raw raw = r == 0   ? std::numeric_limits<Raw>::min()
                        : r == 1 ? std::numeric_limits<Raw>::max()
                                 : Raw{-1};
        v = T(raw);
      } else if constexpr (Def::type == ValueType::kDouble) {
        v = r == 0   ? std::numeric_limits<double>::lowest()
            : r == 1 ? std::numeric_limits<double>::max()
                     : (index.value % 2 == 0 ? -0.0 : 5e-324);
      } else if constexpr (Def::type == ValueType::kBool) {
        v = r == 1;
      } else if constexpr (Def::type == ValueType::kTimestamp) {
        v.seconds = r == 0 ? kMinSeconds : r == 1 ? kMaxSeconds : -1;
      } else if constexpr (Def::type == ValueType::kTimestampMillis) {
        v = r == 0 ? kMinSeconds * 1000 : r == 1 ? kMaxSeconds * 1000 + 999 : -1;
      } else if constexpr (Def::type == ValueType::kLabel) {
        v = r == 0   ? schema::Sentiment::Label::kNegative
            : r == 1 ? schema::Sentiment::Label::kPositive
                     : schema::Sentiment::Label::kNeutral;
      } else {
        static_assert(Def::type != Def::type, "a value type without edge rows");
      }
    }
  });
  return rows;
}

}  // namespace covidflow::lake::testing
