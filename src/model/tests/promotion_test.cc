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

}  // namespace
}  // namespace covidflow::model
