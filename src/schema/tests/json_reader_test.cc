#include <gtest/gtest.h>

#include "schema/parse.h"
#include "schema/time.h"

namespace covidflow::schema {
namespace {

constexpr std::string_view kFull =
    R"({"user_name":"Ann","user_location":"Atlanta, GA","user_description":"",)"
    R"("user_created":"2017-05-26 05:46:42","user_followers":17,"user_friends":"3",)"
    R"("user_favourites":0,"user_verified":"True","date":"2020-07-25 11:28:59",)"
    R"("text":"Hi \"there\"\n\u00e9","hashtags":["COVID19","Vaccine"],)"
    R"("source":"Twitter for Android","is_retweet":false,"id":12})";

std::optional<ParseError> Parse(std::string_view raw, Tweet* t, ParseOptions o = {}) {
  return ParseJsonRecord(raw, o, t);
}

Reason ReasonOf(std::string_view raw, ParseOptions o = {}) {
  Tweet t;
  auto err = Parse(raw, &t, o);
  EXPECT_TRUE(err.has_value()) << raw;
  return err ? err->reason : Reason::kUnknownFormat;
}

TEST(ParseJsonRecord, ReadsTheJsonForm) {
  Tweet t;
  ASSERT_FALSE(Parse(kFull, &t));
  EXPECT_EQ(t.user_name, "Ann");
  EXPECT_EQ(t.user_location, "Atlanta, GA");
  EXPECT_EQ(FormatTimestamp(t.user_created), "2017-05-26 05:46:42");
  EXPECT_EQ(t.user_followers, 17);
  EXPECT_EQ(t.user_friends, 3);
  EXPECT_TRUE(t.user_verified);
  EXPECT_EQ(FormatTimestamp(t.date), "2020-07-25 11:28:59");
  EXPECT_EQ(t.text, "Hi \"there\"\n\xC3\xA9");
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"COVID19", "Vaccine"}));
  EXPECT_EQ(t.source, "Twitter for Android");
  EXPECT_FALSE(t.is_retweet);
  EXPECT_TRUE(t.extra.empty());
  ParseOptions keep;
  keep.keep_extra_columns = true;
  ASSERT_FALSE(Parse(kFull, &t, keep));
  ASSERT_EQ(t.extra.size(), 1u);
  EXPECT_EQ(t.extra[0], (std::pair<std::string, std::string>{"id", "12"}));
}

TEST(ParseJsonRecord, OptionalKeysDefaultAndRequiredOnesDoNot) {
  Tweet t;
  ASSERT_FALSE(Parse(kFull, &t));
  ASSERT_FALSE(Parse(R"({"user_name":"a","date":"2020-07-25 11:28:59","text":"t",)"
                     R"("hashtags":"['A', 'B']","user_followers":null})",
                     &t));
  EXPECT_EQ(t.user_followers, 0);  // reset, not left from the previous record
  EXPECT_EQ(t.user_location, "");
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(ReasonOf(R"({"user_name":"a","text":"t"})"), Reason::kMissingField);
  EXPECT_EQ(ReasonOf(R"({"user_name":"a","date":null,"text":"t"})"), Reason::kMissingField);
  EXPECT_EQ(ReasonOf(R"({"user_name":"","date":"2020-07-25 11:28:59","text":"t"})"),
            Reason::kMissingField);
  EXPECT_EQ(ReasonOf("{}"), Reason::kMissingField);
}

TEST(ParseJsonRecord, BadValues) {
  const std::string base = R"({"user_name":"a","date":"2020-07-25 11:28:59","text":"t",)";
  EXPECT_EQ(ReasonOf(base + R"("user_followers":-1})"), Reason::kBadNumber);
  EXPECT_EQ(ReasonOf(base + R"("user_followers":1.5})"), Reason::kBadNumber);
  EXPECT_EQ(ReasonOf(base + R"("user_followers":18446744073709551615})"), Reason::kBadNumber);
  EXPECT_EQ(ReasonOf(base + R"("user_followers":"12x"})"), Reason::kBadNumber);
  EXPECT_EQ(ReasonOf(base + R"("user_verified":1})"), Reason::kBadBool);
  EXPECT_EQ(ReasonOf(base + R"("user_verified":"yes"})"), Reason::kBadBool);
  EXPECT_EQ(ReasonOf(base + R"("user_created":"2020-07-25"})"), Reason::kBadTimestamp);
  EXPECT_EQ(ReasonOf(base + R"("user_created":1595676539})"), Reason::kBadTimestamp);
  EXPECT_EQ(ReasonOf(base + R"("user_created":"2001-01-01 00:00:00"})"), Reason::kOutOfRange);
  EXPECT_EQ(ReasonOf(base + R"("hashtags":[1]})"), Reason::kBadHashtags);
  EXPECT_EQ(ReasonOf(base + R"("hashtags":"COVID"})"), Reason::kBadHashtags);
  EXPECT_EQ(ReasonOf(base + R"("source":7})"), Reason::kMalformedJson);
}

TEST(ParseJsonRecord, MalformedEmptyAndOversized) {
  EXPECT_EQ(ReasonOf(""), Reason::kEmptyRecord);
  EXPECT_EQ(ReasonOf(" \r\n"), Reason::kEmptyRecord);
  EXPECT_EQ(ReasonOf("{"), Reason::kMalformedJson);
  EXPECT_EQ(ReasonOf("[1,2]"), Reason::kMalformedJson);
  EXPECT_EQ(ReasonOf(R"({"user_name":"a",})"), Reason::kMalformedJson);
  EXPECT_EQ(ReasonOf("{} {}"), Reason::kMalformedJson);
  const std::string big = R"({"user_name":"a","date":"2020-07-25 11:28:59","text":")" +
                          std::string(10 << 20, 'x') + "\"}";
  Tweet t;
  auto err = Parse(big, &t);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kFieldTooLarge);
  EXPECT_EQ(err->field, "text");
}

TEST(ParseJsonRecord, InvalidUtf8IsRepairedOrRejected) {
  const std::string raw =
      "{\"user_name\":\"a\xC2\",\"date\":\"2020-07-25 11:28:59\",\"text\":\"t\"}";
  Tweet t;
  ASSERT_FALSE(Parse(raw, &t));
  EXPECT_TRUE(t.utf8_repaired);
  EXPECT_EQ(t.user_name, "a\xEF\xBF\xBD");
  ParseOptions reject;
  reject.utf8 = Utf8Policy::kReject;
  EXPECT_EQ(ReasonOf(raw, reject), Reason::kInvalidUtf8);
}

TEST(ParseJsonRecord, KeysFollowTheMapping) {
  ParseOptions o;
  o.mapping = *ColumnMapping::Preset("corona-nlp");
  Tweet t;
  ASSERT_FALSE(Parse(R"({"UserName":"3799","TweetAt":"16-03-2020","OriginalTweet":"hi",)"
                     R"("Sentiment":"Neutral"})",
                     &t, o));
  EXPECT_EQ(t.user_name, "3799");
  EXPECT_EQ(FormatTimestamp(t.date), "2020-03-16 00:00:00");
}

}  // namespace
}  // namespace covidflow::schema
