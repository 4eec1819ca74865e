#include "schema/codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/utf8.h"

namespace covidflow::schema {
namespace {

EnrichedTweet Sample() {
  EnrichedTweet e;
  Tweet& t = e.tweet;
  t.user_name = "Ann \"A\"";
  t.user_location = "Atlanta, GA";
  t.user_description = "line1\nline2\t\x01";
  t.user_created = Timestamp{1495777602};
  t.user_followers = 17;
  t.user_friends = INT64_MAX;
  t.user_favourites = 0;
  t.user_verified = true;
  t.date = Timestamp{1595676539};
  t.text = "caf\xC3\xA9 \xF0\x9F\x8C\x8D";
  t.hashtags = {"COVID19", "Vaccine"};
  t.source = "Twitter for Android";
  t.extra = {{"id", "1337"}, {"retweets", "0"}};
  t.utf8_repaired = true;
  e.sentiment = {0.1, 0.7, 0.2, -0.3612, Sentiment::Label::kNegative};
  e.enricher = "vader";
  e.location = {"US", "US-GA", 0.9};
  e.source = {"tweets.raw", PartitionId(3), Offset(123456789)};
  e.ingest_time_ms = 1700000000123;
  return e;
}

TEST(Codec, EnrichedRoundTrips) {
  const EnrichedTweet e = Sample();
  std::string json;
  AppendEnrichedJson(json, e);
  auto back = DecodeEnrichedJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << json;
  const Tweet& a = e.tweet;
  const Tweet& b = back->tweet;
  EXPECT_EQ(b.user_name, a.user_name);
  EXPECT_EQ(b.user_location, a.user_location);
  EXPECT_EQ(b.user_description, a.user_description);
  EXPECT_EQ(b.user_created, a.user_created);
  EXPECT_EQ(b.user_followers, a.user_followers);
  EXPECT_EQ(b.user_friends, a.user_friends);
  EXPECT_EQ(b.user_favourites, a.user_favourites);
  EXPECT_EQ(b.user_verified, a.user_verified);
  EXPECT_EQ(b.date, a.date);
  EXPECT_EQ(b.text, a.text);
  EXPECT_EQ(b.hashtags, a.hashtags);
  EXPECT_EQ(b.source, a.source);
  EXPECT_EQ(b.is_retweet, a.is_retweet);
  EXPECT_EQ(b.extra, a.extra);
  EXPECT_EQ(b.utf8_repaired, a.utf8_repaired);
  EXPECT_EQ(back->sentiment.positive, e.sentiment.positive);
  EXPECT_EQ(back->sentiment.compound, e.sentiment.compound);
  EXPECT_EQ(back->sentiment.label, e.sentiment.label);
  EXPECT_EQ(back->enricher, e.enricher);
  EXPECT_EQ(back->location.country, "US");
  EXPECT_EQ(back->location.region, "US-GA");
  EXPECT_EQ(back->location.confidence, 0.9);
  EXPECT_EQ(back->source, e.source);
  EXPECT_EQ(back->ingest_time_ms, e.ingest_time_ms);
  EXPECT_NE(json.find("\"source\":\"Twitter for Android\""), std::string::npos);
  EXPECT_NE(json.find("\"date\":\"2020-07-25 11:28:59\""), std::string::npos);
}

TEST(Codec, AScoredTweetCarriesTheModelAndAnUnscoredOneDoesNot) {
  EnrichedTweet e = Sample();
  std::string unscored;
  AppendEnrichedJson(unscored, e);
  EXPECT_EQ(unscored.find("\"model\""), std::string::npos);
  auto plain = DecodeEnrichedJson(unscored);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->prediction.model.empty());

  const std::vector<std::string> classes = {"negative", "neutral", "positive"};
  const double p[] = {0.125, 0.25, 0.625};
  e.prediction.model = "tweet-sentiment/3";
  e.prediction.label = "positive";
  e.prediction.confidence = 0.625;
  AppendProbabilitiesJson(e.prediction.probabilities, classes, p);
  EXPECT_EQ(e.prediction.probabilities, R"({"negative":0.125,"neutral":0.25,"positive":0.625})");
  std::string json;
  AppendEnrichedJson(json, e);
  EXPECT_NE(json.find(R"("model":{"id":"tweet-sentiment/3","label":"positive","confidence":0.625,)"
                      R"("probabilities":{"negative":0.125,"neutral":0.25,"positive":0.625},)"
                      R"("oov_rate":null})"),
            std::string::npos)
      << json;
  auto back = DecodeEnrichedJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->prediction.model, e.prediction.model);
  EXPECT_EQ(back->prediction.label, e.prediction.label);
  EXPECT_EQ(back->prediction.confidence, e.prediction.confidence);
  EXPECT_EQ(back->prediction.probabilities, e.prediction.probabilities);
  EXPECT_FALSE(back->prediction.oov_rate.has_value());
  // The rest is unchanged by the model's key.
  EXPECT_EQ(json.substr(0, unscored.size() - 1), unscored.substr(0, unscored.size() - 1));

  // The out-of-vocabulary rate, and a record written before it existed (no key).
  e.prediction.oov_rate = 0.25;
  json.clear();
  AppendEnrichedJson(json, e);
  EXPECT_NE(json.find(R"("positive":0.625},"oov_rate":0.25}})"), std::string::npos) << json;
  back = DecodeEnrichedJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->prediction.oov_rate, 0.25);
  const std::string older = json.substr(0, json.find(R"(,"oov_rate")")) + "}}";
  back = DecodeEnrichedJson(older);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << " " << older;
  EXPECT_FALSE(back->prediction.oov_rate.has_value());
}

TEST(Codec, ARegressionModelsTweetCarriesItsValueAndNoClass) {
  EnrichedTweet e = Sample();
  e.prediction.model = "retweets/2";
  e.prediction.value = -1.5;
  e.prediction.oov_rate = 0.25;
  std::string json;
  AppendEnrichedJson(json, e);
  EXPECT_NE(json.find(R"("model":{"id":"retweets/2","value":-1.5,"oov_rate":0.25}})"),
            std::string::npos)
      << json;
  auto back = DecodeEnrichedJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->prediction.model, "retweets/2");
  EXPECT_EQ(back->prediction.value, -1.5);
  EXPECT_TRUE(back->prediction.label.empty());
  EXPECT_TRUE(back->prediction.probabilities.empty());
  EXPECT_EQ(back->prediction.oov_rate, 0.25);
  // A value that is not a number is refused naming the field.
  std::string bad = json;
  bad.replace(bad.find("-1.5"), 4, R"("x")");
  auto refused = DecodeEnrichedJson(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("value"), std::string::npos)
      << refused.status().ToString();
}

// The processor skips the second UTF-8 check for tweets its readers returned: the bytes
// must be the same as with the check.
TEST(Codec, CheckedTweetsEncodeTheSameWithoutTheSecondUtf8Check) {
  const EnrichedTweet e = Sample();
  std::string checked, safe;
  AppendEnrichedJson(checked, e, /*tweet_utf8_checked=*/true);
  AppendEnrichedJson(safe, e);
  EXPECT_EQ(checked, safe);
}

TEST(Codec, InvalidUtf8NeverReachesTheOutput) {
  EnrichedTweet e = Sample();
  e.tweet.text = "bad \xC2";
  std::string json;
  AppendEnrichedJson(json, e);
  EXPECT_TRUE(IsValidUtf8(json));
  auto back = DecodeEnrichedJson(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->tweet.text, "bad \xEF\xBF\xBD");
}

TEST(Codec, DeadLetterRawAsStringOrBase64) {
  for (std::string raw : {std::string("a,\"b\nc\",-5"), std::string("x\xC2\xFFy\0z", 6),
                          std::string(), std::string("\xF0", 1), std::string("ab\xFF", 3)}) {
    DeadLetter d;
    d.raw = raw;
    d.reason = Reason::kBadNumber;
    d.message = "field 'user_followers': '\xC2' is negative";
    d.field = "user_followers";
    d.source = {"tweets.raw", PartitionId(1), Offset(7)};
    d.ingest_time_ms = 42;
    std::string json;
    AppendDeadLetterJson(json, d);
    EXPECT_TRUE(IsValidUtf8(json));
    EXPECT_EQ(json.find("raw_base64") != std::string::npos, !IsValidUtf8(raw));
    auto back = DecodeDeadLetterJson(json);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->raw, raw);
    EXPECT_EQ(back->reason, Reason::kBadNumber);
    EXPECT_EQ(back->field, "user_followers");
    EXPECT_EQ(back->source, d.source);
    EXPECT_EQ(back->ingest_time_ms, 42);
  }
}

TEST(Codec, Base64) {
  std::string out;
  AppendBase64(out, "Man");
  AppendBase64(out, "Ma");
  AppendBase64(out, "M");
  EXPECT_EQ(out, "TWFuTWE=TQ==");
  std::string back;
  EXPECT_TRUE(DecodeBase64("TWE=", &back));
  EXPECT_EQ(back, "Ma");
  EXPECT_FALSE(DecodeBase64("TWE", &back));
  EXPECT_FALSE(DecodeBase64("T=E=", &back));
  EXPECT_FALSE(DecodeBase64("TW!=", &back));
}

TEST(Codec, ReasonNamesRoundTrip) {
  for (int i = 0; i < kReasonCount; ++i) {
    Reason r;
    ASSERT_TRUE(ReasonFromName(ReasonName(static_cast<Reason>(i)), &r));
    EXPECT_EQ(static_cast<int>(r), i);
  }
  EXPECT_EQ(ReasonName(Reason::kBadTimestamp), "bad_timestamp");
}

TEST(Codec, RejectsWhatTheEncoderDoesNotWrite) {
  EXPECT_FALSE(DecodeEnrichedJson("{}").ok());
  EXPECT_FALSE(DecodeEnrichedJson("not json").ok());
  EXPECT_FALSE(DecodeDeadLetterJson(R"({"reason":"nope"})").ok());
}

}  // namespace
}  // namespace covidflow::schema
