#pragma once
// The promotion rule of a training spec, and the decision it gives with its reason.
//
//   <metric> on <split> <op> champion [(+|-) <margin>]  e.g. macro_recall on test >= champion
//   <metric> on <split> <op> <number>                   e.g. weighted_f1 on validation >= 0.95
//
// <metric> is a name from metrics.h, <split> a word naming the rows (train, validation,
// test, or any split the spec declares), <op> one of >=, >, <=, <, pointing the metric's way
// (HigherIsBetter): >= or > for scores (accuracy, macro_recall, roc_auc, r2, ...), <= or < for
// losses and errors (log_loss, mae, rmse), e.g. `rmse on test <= champion - 0.01` (at least
// 0.01 lower than the champion's). A rule the other way round would promote worse models and
// is refused. A rule against the champion promotes the first model when there is no champion
// yet (and says so).
//
// Threads: pure functions; any thread.
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "model/metrics.h"

namespace covidflow::model {

enum class Comparison { kGreaterEqual, kGreater, kLessEqual, kLess };

struct PromotionRule {
  Metric metric = Metric::kAccuracy;
  std::string split;
  Comparison comparison = Comparison::kGreaterEqual;
  bool against_champion = false;
  // The margin added to the champion's value, or the fixed threshold.
  double value = 0;
  std::string text;  // the rule as written, trimmed
};

// kInvalidArgument saying which part is wrong and what was expected.
Result<PromotionRule> ParsePromotionRule(std::string_view text);

struct PromotionDecision {
  bool promote = false;
  // One line a person can read in an audit log: the values compared and the verdict, e.g.
  // "promote: macro_recall on test 0.7123 >= 0.7100 (champion 0.7050 + 0.005)".
  std::string reason;
};

// `candidate` is the candidate's value of rule.metric on rule.split (an error when it is
// undefined there: then the decision is to keep the champion); `champion` the current
// champion's on the same rows, absent when there is none.
PromotionDecision DecidePromotion(const PromotionRule& rule, const Result<double>& candidate,
                                  std::optional<double> champion);

}  // namespace covidflow::model
