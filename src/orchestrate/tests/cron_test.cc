// The schedule trigger's cron expressions: the next time each names (across day, month, year
// and leap-year ends, with lists, ranges and steps, and Vixie cron's rule for the two day
// fields), and expressions refused with the field and value at fault.
#include "orchestrate/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "orchestrate/loop.h"

namespace covidflow::orchestrate {
namespace {

// Milliseconds since the epoch of a UTC time.
int64_t Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  const sys_days day = year_month_day{year{y}, month{mo}, std::chrono::day{d}};
  return (static_cast<int64_t>(day.time_since_epoch().count()) * 86400 + h * 3600 + mi * 60 + s) *
         1000;
}

// The next time `expr` names after `after`, as "YYYY-MM-DDTHH:MM:SSZ" ("" when none).
std::string Next(const std::string& expr, int64_t after) {
  Result<CronSchedule> c = ParseCron(expr);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().ToString();
  if (!c.ok()) return "";
  std::optional<int64_t> t = c->NextAfter(after);
  return t ? UtcIso(*t) : "";
}

TEST(CronTest, EveryMinuteIsTheNextWholeMinuteStrictlyAfter) {
  EXPECT_EQ(Next("* * * * *", Utc(2026, 12, 7, 15, 4, 0)), "2026-12-07T15:05:00Z");
  EXPECT_EQ(Next("* * * * *", Utc(2026, 12, 7, 15, 4, 0) + 1), "2026-12-07T15:05:00Z");
  EXPECT_EQ(Next("* * * * *", Utc(2026, 12, 7, 15, 4, 59) + 999), "2026-12-07T15:05:00Z");
}

TEST(CronTest, CrossesDayMonthAndYearEnds) {
  EXPECT_EQ(Next("30 2 * * *", Utc(2026, 12, 7, 2, 30)), "2026-12-08T02:30:00Z");
  EXPECT_EQ(Next("0 0 1 * *", Utc(2026, 1, 31, 12)), "2026-02-01T00:00:00Z");
  EXPECT_EQ(Next("59 23 31 * *", Utc(2026, 4, 1)), "2026-05-31T23:59:00Z");  // April has 30
  EXPECT_EQ(Next("0 0 * * *", Utc(2026, 12, 31, 23, 59)), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Next("15 6 1 1 *", Utc(2026, 1, 1, 6, 15)), "2027-01-01T06:15:00Z");
  // 29 February: the next leap year; 2100 is not one.
  EXPECT_EQ(Next("0 12 29 2 *", Utc(2025, 3, 1)), "2028-02-29T12:00:00Z");
  EXPECT_EQ(Next("0 12 29 2 *", Utc(2096, 3, 1)), "2104-02-29T12:00:00Z");
  // Before the epoch too (the loop's first run counts from 0).
  EXPECT_EQ(Next("0 0 1 1 *", Utc(1969, 6, 1)), "1970-01-01T00:00:00Z");
}

TEST(CronTest, ListsRangesAndSteps) {
  const int64_t t = Utc(2026, 12, 7, 15, 4);  // a Monday
  EXPECT_EQ(Next("*/15 * * * *", t), "2026-12-07T15:15:00Z");
  EXPECT_EQ(Next("5,20,40 * * * *", t), "2026-12-07T15:05:00Z");
  EXPECT_EQ(Next("5,20,40 * * * *", Utc(2026, 12, 7, 15, 40)), "2026-12-07T16:05:00Z");
  EXPECT_EQ(Next("0 9-17/4 * * *", t), "2026-12-07T17:00:00Z");  // 9, 13, 17
  EXPECT_EQ(Next("0 9-17/4 * * *", Utc(2026, 12, 7, 17)), "2026-12-08T09:00:00Z");
  EXPECT_EQ(Next("10/20 * * * *", t), "2026-12-07T15:10:00Z");  // 10, 30, 50
  EXPECT_EQ(Next("10/20 * * * *", Utc(2026, 12, 7, 15, 50)), "2026-12-07T16:10:00Z");
  EXPECT_EQ(Next("0 0 * 2-3,11 *", t), "2027-02-01T00:00:00Z");
  EXPECT_EQ(Next("  0\t0  *  *  *  ", t), "2026-12-08T00:00:00Z");  // any white space
}

TEST(CronTest, DaysOfTheWeekAndVixieCronsRuleForTheTwoDayFields) {
  const int64_t monday = Utc(2026, 12, 7, 12);
  EXPECT_EQ(Next("0 0 * * 0", monday), "2026-12-13T00:00:00Z");                   // Sunday
  EXPECT_EQ(Next("0 0 * * 7", monday), "2026-12-13T00:00:00Z");                   // 7 is Sunday too
  EXPECT_EQ(Next("0 0 * * 1-5", Utc(2026, 12, 11, 12)), "2026-12-14T00:00:00Z");  // Fri → Mon
  // Both restricted: the 15th or any Friday, whichever comes first.
  EXPECT_EQ(Next("0 0 15 * 5", monday), "2026-12-11T00:00:00Z");
  EXPECT_EQ(Next("0 0 15 * 5", Utc(2026, 12, 11, 1)), "2026-12-15T00:00:00Z");
  // A day-of-month starting with '*' leaves the weekday to decide: every Friday.
  EXPECT_EQ(Next("0 0 */1 * 5", monday), "2026-12-11T00:00:00Z");
  // 31 February cannot be, but the weekday can: both restricted, so Mondays in February.
  EXPECT_EQ(Next("0 0 31 2 1", monday), "2027-02-01T00:00:00Z");
}

TEST(CronTest, BadExpressionsAreRefusedNamingTheFieldAndValue) {
  struct Case {
    const char* expr;
    const char* says;
  };
  for (const Case& c : {
           Case{"", "0 fields, expected 5"},
           Case{"* * * *", "4 fields, expected 5"},
           Case{"* * * * * *", "6 fields, expected 5"},
           Case{"60 * * * *", "minute field '60': 60 is outside 0-59"},
           Case{"* 24 * * *", "hour field '24': 24 is outside 0-23"},
           Case{"* * 0 * *", "day-of-month field '0': 0 is outside 1-31"},
           Case{"* * * 13 *", "month field '13': 13 is outside 1-12"},
           Case{"* * * * 8", "day-of-week field '8': 8 is outside 0-7"},
           Case{"5-1 * * * *", "the range 5-1 runs backwards"},
           Case{"*/0 * * * *", "a step must be 1 or more"},
           Case{"*/x * * * *", "the step 'x' is not a number"},
           Case{"1,,2 * * * *", "an empty list item"},
           Case{"* * * jan *", "'jan' is not a number (numbers only: no names)"},
           Case{"-1 * * * *", "'' is not a number"},
           Case{"@daily", "1 fields, expected 5"},
           Case{"0 0 30 2 *", "names no date that exists"},
           Case{"0 0 31 4,6,9,11 *", "names no date that exists"},
       }) {
    Result<CronSchedule> got = ParseCron(c.expr);
    ASSERT_FALSE(got.ok()) << c.expr;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.expr;
    EXPECT_NE(got.status().message().find(c.says), std::string::npos)
        << c.expr << " → " << got.status().message();
  }
}

TEST(CronTest, TheScheduleTriggerFiresAtTheFirstTimeNamedAfterTheLastRun) {
  TriggerOptions o;
  o.min_rows = 100;
  o.on_drift = false;
  o.cooldown_ms = 60'000;
  o.cron = "0 3 * * *";
  TriggerMemory m;
  m.champion_rows = 1000;
  m.last_run_ms = Utc(2026, 12, 7, 3, 0, 30);  // a run started just after today's 03:00
  Observation obs;
  obs.lake_rows = 1000;
  obs.champion = 1;
  obs.now_ms = Utc(2026, 12, 8, 2, 59, 59);
  EXPECT_FALSE(EvaluateTriggers(o, obs, m));
  obs.now_ms = Utc(2026, 12, 8, 3);
  std::optional<Trigger> t = EvaluateTriggers(o, obs, m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "schedule");
  EXPECT_EQ(t->reason, "cron '0 3 * * *' (UTC) was due at 2026-12-08T03:00:00Z");
  // The run it starts moves last_run_ms; until then the cooldown holds it back.
  obs.now_ms += 1000;
  EXPECT_FALSE(EvaluateTriggers(o, obs, m));
  m.last_run_ms = obs.now_ms;
  obs.now_ms = Utc(2026, 12, 9, 2, 59);
  EXPECT_FALSE(EvaluateTriggers(o, obs, m));
  // A time missed while the loop was stopped fires once when it is back.
  obs.now_ms = Utc(2026, 12, 12, 10);
  t = EvaluateTriggers(o, obs, m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "cron '0 3 * * *' (UTC) was due at 2026-12-09T03:00:00Z");
}

TEST(CronTest, ABadExpressionIsRefusedWhenTheLoopStarts) {
  TriggerOptions o;
  o.cron = "0 25 * * *";
  Status s = CheckTriggers(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "loop.cron (--cron): cron '0 25 * * *': hour field '25': 25 is outside 0-23");
  o.cron = "";
  EXPECT_TRUE(CheckTriggers(o).ok());
  o.cron = "*/5 * * * 1-5";
  EXPECT_TRUE(CheckTriggers(o).ok());
}

}  // namespace
}  // namespace covidflow::orchestrate
