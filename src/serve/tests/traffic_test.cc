// The traffic split between the champion and a challenger: the admin body, the canary's
// choice by request id (share honoured on many ids, the same id always the same way).
#include "serve/traffic.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace covidflow::serve {
namespace {

TEST(TrafficSplitTest, ParsesTheThreeModes) {
  auto off = ParseTrafficSplit(R"({"mode": "off"})");
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->mode, TrafficMode::kOff);
  auto shadow = ParseTrafficSplit(R"({"mode": "shadow"})");
  ASSERT_TRUE(shadow.ok()) << shadow.status().ToString();
  EXPECT_EQ(shadow->mode, TrafficMode::kShadow);
  auto canary = ParseTrafficSplit(R"({"mode": "canary", "canary_share": 0.25})");
  ASSERT_TRUE(canary.ok()) << canary.status().ToString();
  EXPECT_EQ(canary->mode, TrafficMode::kCanary);
  EXPECT_EQ(canary->canary_share, 0.25);
  EXPECT_EQ(ParseTrafficSplit(R"({"mode": "canary", "canary_share": 1})")->canary_share, 1.0);
  EXPECT_EQ(ParseTrafficSplit(R"({"mode": "canary", "canary_share": 0})")->canary_share, 0.0);
}

TEST(TrafficSplitTest, BadBodiesAreRefusedNamingTheField) {
  struct Case {
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{\"mode\": ", "not valid JSON"},
      {"[]", "JSON object"},
      {"{}", "mode"},
      {R"({"mode": 3})", "mode"},
      {R"({"mode": "blue"})", "'blue'"},
      {R"({"mode": "canary"})", "canary_share"},
      {R"({"mode": "canary", "canary_share": "0.5"})", "canary_share"},
      {R"({"mode": "canary", "canary_share": 1.5})", "not in [0, 1]"},
      {R"({"mode": "canary", "canary_share": -0.1})", "not in [0, 1]"},
      {R"({"mode": "shadow", "canary_share": 0.1})", "only given with mode canary"},
      {R"({"mode": "off", "share": 0.1})", "unknown field 'share'"},
  };
  for (const Case& c : cases) {
    auto r = ParseTrafficSplit(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.body << ": " << r.status().message();
  }
}

TEST(CanaryTest, TheShareIsHonouredOnManyIds) {
  constexpr int kIds = 20000;
  for (double share : {0.0, 0.01, 0.1, 0.5, 0.9, 1.0}) {
    const TrafficSplit split{TrafficMode::kCanary, share};
    int to_challenger = 0;
    for (int i = 0; i < kIds; ++i) to_challenger += ToChallenger(split, "req-" + std::to_string(i));
    // Binomial: 4 standard deviations of kIds draws at most ~0.014 of kIds.
    EXPECT_NEAR(static_cast<double>(to_challenger) / kIds, share, 0.015) << share;
    if (share == 0.0) {
      EXPECT_EQ(to_challenger, 0);
    }
    if (share == 1.0) {
      EXPECT_EQ(to_challenger, kIds);
    }
  }
}

TEST(CanaryTest, MadeIdsSpreadToo) {
  // The server's own ids are 16 hex digits; sequential-looking ones must not cluster.
  const TrafficSplit split{TrafficMode::kCanary, 0.2};
  int to_challenger = 0;
  char id[17];
  for (int i = 0; i < 10000; ++i) {
    std::snprintf(id, sizeof id, "%016x", i);
    to_challenger += ToChallenger(split, id);
  }
  EXPECT_NEAR(to_challenger / 10000.0, 0.2, 0.02);
}

TEST(CanaryTest, TheSameIdAlwaysGoesTheSameWay) {
  const TrafficSplit split{TrafficMode::kCanary, 0.3};
  for (int i = 0; i < 1000; ++i) {
    const std::string id = "order-" + std::to_string(i);
    const double point = RequestPoint(id);
    EXPECT_GE(point, 0.0);
    EXPECT_LT(point, 1.0);
    EXPECT_EQ(RequestPoint(std::string(id)), point);
    EXPECT_EQ(ToChallenger(split, id), point < 0.3);
  }
  // Fixed across processes and runs: the function of the bytes alone.
  EXPECT_EQ(RequestPoint("abc"), RequestPoint(std::string("ab") + "c"));
  EXPECT_NE(RequestPoint("abc"), RequestPoint("abd"));
}

TEST(CanaryTest, OnlyCanaryModeSendsRequestsToTheChallenger) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = std::to_string(i);
    EXPECT_FALSE(ToChallenger({TrafficMode::kOff, 1.0}, id));
    EXPECT_FALSE(ToChallenger({TrafficMode::kShadow, 1.0}, id));
  }
}

TEST(TrafficControlTest, SetIsSeenByGet) {
  TrafficControl control({TrafficMode::kShadow, 0});
  EXPECT_EQ(control.Get().mode, TrafficMode::kShadow);
  control.Set({TrafficMode::kCanary, 0.4});
  EXPECT_EQ(control.Get().mode, TrafficMode::kCanary);
  EXPECT_EQ(control.Get().canary_share, 0.4);
}

}  // namespace
}  // namespace covidflow::serve
