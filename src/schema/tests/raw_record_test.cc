#include "schema/raw_record.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace covidflow::schema {
namespace {

constexpr std::string_view kHeader =
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet";
constexpr std::string_view kRow =
    "ann,\"Atlanta, GA\",,2017-01-31 00:37:31,12,92,814,False,2020-07-25 11:28:59,"
    "\"Great news\",['COVID19'],Twitter for iPhone,False";
constexpr std::string_view kJson =
    R"({"user_name":"bob","date":"2020-07-25 11:28:59","text":"hello"})";

// Counts the layouts asked for, so the tests see which reader ran.
class Layouts : public CsvLayoutSource {
 public:
  const Result<CsvLayout>& LayoutFor(std::string_view header) override {
    ++asked;
    auto it = layouts_.find(std::string(header));
    if (it == layouts_.end()) {
      it = layouts_.emplace(std::string(header), CsvLayout::FromHeader(header, ColumnMapping()))
               .first;
    }
    return it->second;
  }
  int asked = 0;

 private:
  std::map<std::string, Result<CsvLayout>> layouts_;
};

struct Kv {
  std::string_view key;
  std::string_view value;
};

TEST(RawRecordTest, FindsTheFirstOfEachHeaderInOnePass) {
  std::vector<Kv> headers{{"x", "1"},
                          {kCsvHeaderHeader, "a,b"},
                          {kContentTypeHeader, kContentTypeCsv},
                          {kCsvHeaderHeader, "c,d"},
                          {kContentTypeHeader, kContentTypeJson}};
  RawRecordHeaders found = FindRawRecordHeaders(headers);
  EXPECT_EQ(found.content_type, kContentTypeCsv);
  EXPECT_EQ(found.csv_header, "a,b");
  EXPECT_FALSE(FindRawRecordHeaders(std::vector<Kv>{}).content_type.has_value());
}

TEST(RawRecordTest, CsvWithItsHeader) {
  Layouts layouts;
  Tweet t;
  auto err = ParseRawRecord(kRow, {kContentTypeCsv, kHeader}, ParseOptions(), layouts, &t);
  EXPECT_FALSE(err.has_value()) << err->message;
  EXPECT_EQ(t.user_name, "ann");
  EXPECT_EQ(t.user_location, "Atlanta, GA");
  EXPECT_EQ(layouts.asked, 1);
}

TEST(RawRecordTest, JsonByContentTypeOrByFirstByte) {
  Layouts layouts;
  Tweet t;
  EXPECT_FALSE(ParseRawRecord(kJson, {kContentTypeJson, std::nullopt}, ParseOptions(), layouts, &t)
                   .has_value());
  EXPECT_EQ(t.user_name, "bob");
  t = Tweet();
  // No content-type: a value starting with '{' is JSON, even with a csv-header beside it.
  EXPECT_FALSE(
      ParseRawRecord(kJson, {std::nullopt, kHeader}, ParseOptions(), layouts, &t).has_value());
  EXPECT_EQ(t.user_name, "bob");
  EXPECT_EQ(layouts.asked, 0);
  // A JSON content type wins over the first byte: a CSV row under it is malformed JSON.
  auto err = ParseRawRecord(kRow, {kContentTypeJson, kHeader}, ParseOptions(), layouts, &t);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kMalformedJson);
}

TEST(RawRecordTest, NoFormatIsUnknownFormat) {
  Layouts layouts;
  Tweet t;
  auto err = ParseRawRecord(kRow, {}, ParseOptions(), layouts, &t);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kUnknownFormat);
  // text/csv without the header it needs is no better.
  err = ParseRawRecord(kRow, {kContentTypeCsv, std::nullopt}, ParseOptions(), layouts, &t);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kUnknownFormat);
}

// The header is the problem, not the row: the reason and message say so, naming every
// column the mapping misses, the known mappings, and the preset that reads the header.
TEST(RawRecordTest, UnusableCsvHeaderIsUnknownHeader) {
  Layouts layouts;
  Tweet t;
  auto err = ParseRawRecord(kRow, {kContentTypeCsv, "UserName,Location,TweetAt,OriginalTweet"},
                            ParseOptions(), layouts, &t);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kUnknownHeader);
  EXPECT_EQ(ReasonName(err->reason), "unknown_header");
  EXPECT_NE(err->message.find("csv-header unusable"), std::string::npos);
  EXPECT_NE(err->message.find("lacks column(s) 'user_name', 'user_location', 'user_description'"),
            std::string::npos)
      << err->message;
  EXPECT_NE(err->message.find("known mappings: reference, corona-nlp"), std::string::npos);
  EXPECT_NE(err->message.find("it fits --mapping corona-nlp"), std::string::npos);
  err = ParseRawRecord(kRow, {kContentTypeCsv, "just,two"}, ParseOptions(), layouts, &t);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kUnknownHeader);
  EXPECT_EQ(err->message.find("it fits"), std::string::npos) << err->message;
}

}  // namespace
}  // namespace covidflow::schema
