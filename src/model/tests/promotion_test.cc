#include "model/promotion.h"

#include <gtest/gtest.h>

namespace covidflow::model {
namespace {

TEST(PromotionRuleParse, AgainstTheChampionWithAMargin) {
  Result<PromotionRule> r = ParsePromotionRule("  macro_recall on test >= champion + 0.005 ");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->metric, Metric::kMacroRecall);
  EXPECT_EQ(r->split, "test");
  EXPECT_EQ(r->comparison, Comparison::kGreaterEqual);
  EXPECT_TRUE(r->against_champion);
  EXPECT_DOUBLE_EQ(r->value, 0.005);
  EXPECT_EQ(r->text, "macro_recall on test >= champion + 0.005");
  r = ParsePromotionRule("log_loss on validation < champion - 0.01");
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->value, -0.01);
  r = ParsePromotionRule("roc_auc on test > champion");
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->value, 0.0);
}

TEST(PromotionRuleParse, FixedThreshold) {
  Result<PromotionRule> r = ParsePromotionRule("weighted_f1 on validation >= 0.95");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->against_champion);
  EXPECT_DOUBLE_EQ(r->value, 0.95);
}

TEST(PromotionRuleParse, BadRulesSayWhichPartIsWrong) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c :
       {Case{"recall on test >= champion", "unknown metric 'recall'"},
        Case{"macro_recall in test >= champion", "'on' expected"},
        Case{"macro_recall on test => champion", "unknown comparison '=>'"},
        Case{"macro_recall on test >= champion * 2", "'+' or '-' expected"},
        Case{"macro_recall on test >= champion + x", "margin 'x'"},
        Case{"macro_recall on test >= 0.7x", "threshold '0.7x'"},
        Case{"macro_recall on test", "wrong number of words"}, Case{"", "wrong number of words"}}) {
    Result<PromotionRule> r = ParsePromotionRule(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
}

TEST(PromotionDecide, ComparesWithTheChampionPlusMargin) {
  const PromotionRule rule = *ParsePromotionRule("macro_recall on test >= champion + 0.005");
  PromotionDecision d = DecidePromotion(rule, 0.7123, 0.7050);
  EXPECT_TRUE(d.promote);
  EXPECT_EQ(d.reason, "promote: macro_recall on test 0.7123 >= 0.7100 (champion 0.7050 + 0.005)");
  d = DecidePromotion(rule, 0.7080, 0.7050);
  EXPECT_FALSE(d.promote);
  EXPECT_EQ(d.reason,
            "keep the champion: macro_recall on test 0.7080 is not >= 0.7100 (champion 0.7050 + "
            "0.005)");
}

TEST(PromotionDecide, NoChampionUndefinedCandidateAndLosses) {
  const PromotionRule rule = *ParsePromotionRule("roc_auc on test > champion");
  PromotionDecision d = DecidePromotion(rule, 0.8, std::nullopt);
  EXPECT_TRUE(d.promote);
  EXPECT_NE(d.reason.find("no champion yet"), std::string::npos);
  d = DecidePromotion(rule, Status::FailedPrecondition("ROC-AUC is undefined: one class"), 0.7);
  EXPECT_FALSE(d.promote);
  EXPECT_NE(d.reason.find("undefined"), std::string::npos);
  const PromotionRule loss = *ParsePromotionRule("log_loss on test <= champion - 0.01");
  EXPECT_TRUE(DecidePromotion(loss, 0.50, 0.52).promote);
  EXPECT_FALSE(DecidePromotion(loss, 0.515, 0.52).promote);
  const PromotionRule fixed = *ParsePromotionRule("weighted_f1 on validation >= 0.95");
  EXPECT_FALSE(DecidePromotion(fixed, 0.94, 0.99).promote);
  EXPECT_NE(DecidePromotion(fixed, 0.96, std::nullopt).reason.find("fixed threshold"),
            std::string::npos);
}

TEST(PromotionRuleParse, TheComparisonMustPointTheMetricsWay) {
  // Errors must go down, scores up; the other way round would promote worse models.
  for (const char* text : {"rmse on test >= champion", "mae on validation > champion - 0.1",
                           "log_loss on test >= champion", "rmse on test >= 0.5"}) {
    Result<PromotionRule> r = ParsePromotionRule(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("is lower-is-better: compare it with <= or <"),
              std::string::npos)
        << r.status().message();
  }
  for (const char* text : {"r2 on test <= champion", "macro_recall on test < 0.9"}) {
    Result<PromotionRule> r = ParsePromotionRule(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.status().message().find("is higher-is-better: compare it with >= or >"),
              std::string::npos)
        << r.status().message();
  }
  for (const char* text : {"rmse on test <= champion - 0.01", "mae on test < champion",
                           "r2 on test >= champion + 0.01", "rmse on test <= 0.7"}) {
    EXPECT_TRUE(ParsePromotionRule(text).ok()) << text;
  }
}

TEST(PromotionDecide, RegressionErrorsMustFallAndR2Rise) {
  const PromotionRule rmse = *ParsePromotionRule("rmse on test <= champion - 0.01");
  EXPECT_EQ(rmse.value, -0.01);
  PromotionDecision d = DecidePromotion(rmse, 0.580, 0.594);
  EXPECT_TRUE(d.promote);
  EXPECT_EQ(d.reason, "promote: rmse on test 0.5800 <= 0.5840 (champion 0.5940 - 0.01)");
  d = DecidePromotion(rmse, 0.590, 0.594);  // lower, but not by the margin
  EXPECT_FALSE(d.promote);
  EXPECT_EQ(d.reason,
            "keep the champion: rmse on test 0.5900 is not <= 0.5840 (champion 0.5940 - 0.01)");
  EXPECT_FALSE(DecidePromotion(rmse, 0.600, 0.594).promote);  // higher: worse
  const PromotionRule r2 = *ParsePromotionRule("r2 on test >= champion + 0.01");
  EXPECT_TRUE(DecidePromotion(r2, 0.25, 0.22).promote);
  EXPECT_FALSE(DecidePromotion(r2, 0.20, 0.22).promote);
}

}  // namespace
}  // namespace covidflow::model
