// The generator against the real readers: every generated record is accepted by schema's
// CSV/JSON reader, every malformed one is rejected with exactly the reason the generator
// reports, and the CSV and JSONL forms of a stream parse to the same tweets.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ingest/generator.h"
#include "schema/csv.h"
#include "schema/parse.h"
#include "schema/tweet.h"

namespace covidflow::ingest {
namespace {

using Format = GeneratorOptions::Format;

// Parses each record (CSV records through the layout of the generator's header); returns the
// reason name per record ("" when valid) and the valid tweets in order.
std::vector<std::string> Reasons(const GeneratorOptions& options, std::vector<std::string>* kinds,
                                 std::vector<schema::Tweet>* tweets) {
  Generator gen(options);
  schema::ParseOptions parse_options;
  Result<schema::CsvLayout> layout =
      schema::CsvLayout::FromHeader(gen.Header(), parse_options.mapping);
  EXPECT_TRUE(layout.ok()) << layout.status().ToString();
  std::vector<std::string> reasons;
  std::string record;
  schema::Tweet tweet;
  for (int64_t i = 0; i < options.count; ++i) {
    record.clear();
    gen.Next(&record);
    kinds->emplace_back(gen.last_malformed_kind());
    std::optional<schema::ParseError> error =
        options.format == Format::kCsv
            ? schema::ParseCsvRecord(record, *layout, parse_options, &tweet)
            : schema::ParseJsonRecord(record, parse_options, &tweet);
    reasons.emplace_back(error ? schema::ReasonName(error->reason) : "");
    if (!error) tweets->push_back(tweet);
  }
  return reasons;
}

TEST(GeneratorValidatorTest, ReaderRejectsExactlyTheMalformedRecordsWithTheirKind) {
  for (Format format : {Format::kCsv, Format::kJsonl}) {
    for (bool engagement : {false, true}) {
      SCOPED_TRACE(format == Format::kCsv ? "csv" : "jsonl");
      SCOPED_TRACE(engagement ? "with engagement" : "without engagement");
      GeneratorOptions o;
      o.count = 24000;
      o.format = format;
      o.malformed_rate = 0.05;
      o.drift_after = 12000;
      o.engagement_label = engagement;
      std::vector<std::string> kinds;
      std::vector<schema::Tweet> tweets;
      std::vector<std::string> reasons = Reasons(o, &kinds, &tweets);
      std::map<std::string, int64_t> dead_letters;
      for (size_t i = 0; i < reasons.size(); ++i) {
        ASSERT_EQ(reasons[i], kinds[i]) << "record " << i;
        if (!reasons[i].empty()) ++dead_letters[reasons[i]];
      }
      EXPECT_EQ(tweets.size(), 24000u - 1200u);
      Generator gen(o);
      std::string sink;
      for (int64_t i = 0; i < o.count; ++i) gen.Next(&sink);
      EXPECT_EQ(dead_letters, gen.stats().malformed_by_kind);
    }
  }
}

TEST(GeneratorValidatorTest, CsvAndJsonlParseToTheSameTweets) {
  GeneratorOptions o;
  o.count = 5000;
  o.drift_after = 2500;
  std::vector<std::string> kinds;
  std::vector<schema::Tweet> csv, jsonl;
  Reasons(o, &kinds, &csv);
  o.format = Format::kJsonl;
  Reasons(o, &kinds, &jsonl);
  ASSERT_EQ(csv.size(), 5000u);
  ASSERT_EQ(jsonl.size(), 5000u);
  for (size_t i = 0; i < csv.size(); ++i) {
    const schema::Tweet& a = csv[i];
    const schema::Tweet& b = jsonl[i];
    ASSERT_EQ(a.user_name, b.user_name) << i;
    ASSERT_EQ(a.user_location, b.user_location) << i;
    ASSERT_EQ(a.user_description, b.user_description) << i;
    ASSERT_EQ(a.user_created, b.user_created) << i;
    ASSERT_EQ(a.user_followers, b.user_followers) << i;
    ASSERT_EQ(a.user_friends, b.user_friends) << i;
    ASSERT_EQ(a.user_favourites, b.user_favourites) << i;
    ASSERT_EQ(a.user_verified, b.user_verified) << i;
    ASSERT_EQ(a.date, b.date) << i;
    ASSERT_EQ(a.text, b.text) << i;
    ASSERT_EQ(a.hashtags, b.hashtags) << i;
    ASSERT_EQ(a.source, b.source) << i;
    ASSERT_EQ(a.is_retweet, b.is_retweet) << i;
    ASSERT_FALSE(a.utf8_repaired) << "the generator writes valid UTF-8 only";
    ASSERT_LT(a.user_created, a.date) << i;
  }
}

}  // namespace
}  // namespace covidflow::ingest
