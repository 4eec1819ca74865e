#include "schema/time.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

namespace covidflow::schema {
namespace {

TEST(Timestamp, ParsesAndFormatsTheReferenceForm) {
  auto t = ParseTimestamp("2020-07-25 11:28:59");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->seconds, 1595676539);
  EXPECT_EQ(FormatTimestamp(*t), "2020-07-25 11:28:59");
  EXPECT_EQ(FormatTimestamp(Timestamp{0}), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTimestamp(Timestamp{-1}), "1969-12-31 23:59:59");
}

TEST(Timestamp, RejectsImpossibleDatesAndShapes) {
  EXPECT_FALSE(ParseTimestamp("2020-13-01 00:00:00"));
  EXPECT_FALSE(ParseTimestamp("2019-02-29 00:00:00"));
  EXPECT_TRUE(ParseTimestamp("2020-02-29 00:00:00"));
  EXPECT_FALSE(ParseTimestamp("2020-07-25 24:00:00"));
  EXPECT_FALSE(ParseTimestamp("2020-07-25 11:60:00"));
  EXPECT_FALSE(ParseTimestamp("2020-07-25T11:28:59"));
  EXPECT_FALSE(ParseTimestamp(" 2020-07-25 11:28:59"));
  EXPECT_FALSE(ParseTimestamp("2020-07-25"));
  EXPECT_FALSE(ParseTimestamp(""));
}

TEST(Timestamp, RoundTripsEveryDayOverTwoCenturies) {
  for (int64_t day = DaysFromCivil(1900, 1, 1); day < DaysFromCivil(2101, 1, 1); day += 1) {
    const Timestamp t{day * 86400 + 3723};
    auto back = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(back.has_value()) << FormatTimestamp(t);
    ASSERT_EQ(*back, t);
  }
}

// The formatter keeps the last day's date per thread: random jumps between days, back and
// forth, and the same day again must all match the C library's gmtime.
TEST(Timestamp, FormatMatchesGmtimeAcrossDayChanges) {
  std::mt19937_64 rng(11);
  auto reference = [](int64_t seconds) {
    const std::time_t tt = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return std::string(buf);
  };
  const int64_t lo = DaysFromCivil(1000, 1, 1) * 86400;
  const int64_t hi = DaysFromCivil(9999, 12, 31) * 86400 + 86399;
  int64_t t = 1595676539;
  for (int i = 0; i < 100000; ++i) {
    switch (rng() % 3) {
      case 0:
        t = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
        break;
      case 1:
        t += static_cast<int64_t>(rng() % 7200) - 3600;
        break;  // near the last one
      default:
        break;  // the same again
    }
    ASSERT_EQ(FormatTimestamp(Timestamp{t}), reference(t)) << t;
  }
}

TEST(Timestamp, ParsesConfiguredFormats) {
  auto t = ParseTimestamp("16-03-2020", "%d-%m-%Y");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatTimestamp(*t), "2020-03-16 00:00:00");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("1-4-2020 7:05", "%d-%m-%Y %H:%M")),
            "2020-04-01 07:05:00");
  EXPECT_FALSE(ParseTimestamp("31-04-2020", "%d-%m-%Y"));
  EXPECT_FALSE(ParseTimestamp("16-03-20", "%d-%m-%Y"));
  EXPECT_FALSE(ParseTimestamp("16-03-2020x", "%d-%m-%Y"));
  EXPECT_TRUE(IsValidTimestampFormat("%Y/%m/%d %%"));
  EXPECT_FALSE(IsValidTimestampFormat("%Y-%b"));
  EXPECT_FALSE(IsValidTimestampFormat("%"));
}

TEST(Timestamp, TweetRangeStartsAtTwitterLaunch) {
  EXPECT_FALSE(InTweetRange(*ParseTimestamp("2006-03-20 23:59:59")));
  EXPECT_TRUE(InTweetRange(*ParseTimestamp("2006-03-21 00:00:00")));
  EXPECT_TRUE(InTweetRange(*ParseTimestamp("2099-12-31 23:59:59")));
  EXPECT_FALSE(InTweetRange(*ParseTimestamp("2100-01-01 00:00:00")));
}

}  // namespace
}  // namespace covidflow::schema
