// The staging gate's verdict on the shadow answers read back from the prediction log.
#include "orchestrate/gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace covidflow::orchestrate {
namespace {

using ::testing::HasSubstr;

// `n` requests: the champion answers "pos" in 1 ms; the candidate agrees on all but `disagree`,
// in `candidate_ms` each.
std::vector<GatePrediction> Answers(int n, int disagree, double candidate_ms) {
  std::vector<GatePrediction> out;
  for (int i = 0; i < n; ++i) {
    const std::string id = "gate-1-" + std::to_string(i);
    out.push_back({id, false, "pos", 1.0});
    out.push_back({id, true, i < disagree ? "neg" : "pos", candidate_ms});
  }
  return out;
}

TEST(GateTest, PassesWithinTheBudgetAndAgreeingAndSaysWhy) {
  const GateVerdict g = JudgeShadow(Answers(100, 10, 2.0), {100, 0, 5.0, 0.8});
  EXPECT_TRUE(g.pass) << g.reason;
  EXPECT_DOUBLE_EQ(g.figures.at("agreement"), 0.9);
  EXPECT_DOUBLE_EQ(g.figures.at("p99_ms"), 2.0);
  EXPECT_DOUBLE_EQ(g.figures.at("champion_p99_ms"), 1.0);
  EXPECT_DOUBLE_EQ(g.figures.at("shadow_scored"), 100);
  EXPECT_THAT(g.reason, HasSubstr("100 shadow requests through the server"));
}

TEST(GateTest, FailsOnLatencyAgreementFailuresOrNoCandidateAnswer) {
  EXPECT_THAT(JudgeShadow(Answers(100, 0, 9.0), {100, 0, 5.0, 0}).reason,
              HasSubstr("p99 over the budget"));
  EXPECT_FALSE(JudgeShadow(Answers(100, 0, 9.0), {100, 0, 5.0, 0}).pass);
  const GateVerdict disagree = JudgeShadow(Answers(100, 30, 1.0), {100, 0, 5.0, 0.8});
  EXPECT_FALSE(disagree.pass);
  EXPECT_THAT(disagree.reason, HasSubstr("agreement under the minimum"));
  EXPECT_FALSE(JudgeShadow(Answers(100, 0, 1.0), {100, 2, 5.0, 0}).pass);
  std::vector<GatePrediction> champion_only;
  for (const GatePrediction& p : Answers(10, 0, 1.0)) {
    if (!p.shadow) champion_only.push_back(p);
  }
  const GateVerdict none = JudgeShadow(champion_only, {10, 0, 5.0, 0});
  EXPECT_FALSE(none.pass);
  EXPECT_THAT(none.reason, HasSubstr("no shadow answer"));
}

TEST(GateTest, TheP99IsTheNearestRankAndARepeatedAnswerCountsOnce) {
  std::vector<GatePrediction> answers = Answers(200, 0, 1.0);
  answers[1].latency_ms = 50;     // one slow candidate answer of 200: under the 99th percentile
  answers[3].latency_ms = 60;     // and a second: now at it
  answers.push_back(answers[1]);  // the log holds one answer twice
  const GateVerdict g = JudgeShadow(answers, {200, 0, 100.0, 0});
  EXPECT_DOUBLE_EQ(g.figures.at("shadow_scored"), 200);
  EXPECT_DOUBLE_EQ(g.figures.at("p99_ms"), 50);
}

}  // namespace
}  // namespace covidflow::orchestrate
