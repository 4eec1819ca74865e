#include "model/promotion.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include "base/numbers.h"

namespace covidflow::model {
namespace {

constexpr std::string_view kShape =
    "expected '<metric> on <split> <op> champion [+|- <margin>]' or "
    "'<metric> on <split> <op> <number>', with <op> one of >=, >, <=, <";

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

Result<double> Number(std::string_view word, std::string_view what) {
  const std::optional<double> value = ParseDouble(word);
  if (!value || !std::isfinite(*value)) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(word) +
                                   "' is not a number");
  }
  return *value;
}

std::string_view ComparisonText(Comparison c) {
  switch (c) {
    case Comparison::kGreaterEqual:
      return ">=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kLess:
      return "<";
  }
  return "?";
}

bool Holds(Comparison c, double left, double right) {
  switch (c) {
    case Comparison::kGreaterEqual:
      return left >= right;
    case Comparison::kGreater:
      return left > right;
    case Comparison::kLessEqual:
      return left <= right;
    case Comparison::kLess:
      return left < right;
  }
  return false;
}

// Enough digits to tell apart values that a margin of 0.001 separates, no more.
std::string Figure(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string Margin(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %g", v < 0 ? "-" : "+", std::abs(v));
  return buf;
}

}  // namespace

Result<PromotionRule> ParsePromotionRule(std::string_view text) {
  const std::vector<std::string_view> w = Words(text);
  auto bad = [&](std::string why) {
    return Status::InvalidArgument("promotion rule '" + std::string(text) + "': " + why + "; " +
                                   std::string(kShape));
  };
  if (w.size() != 5 && w.size() != 7) return bad("wrong number of words");
  PromotionRule rule;
  Result<Metric> metric = ParseMetric(w[0]);
  if (!metric.ok()) return bad(metric.status().message());
  rule.metric = *metric;
  if (w[1] != "on") return bad("'on' expected after the metric, got '" + std::string(w[1]) + "'");
  rule.split = std::string(w[2]);
  if (w[3] == ">=") {
    rule.comparison = Comparison::kGreaterEqual;
  } else if (w[3] == ">") {
    rule.comparison = Comparison::kGreater;
  } else if (w[3] == "<=") {
    rule.comparison = Comparison::kLessEqual;
  } else if (w[3] == "<") {
    rule.comparison = Comparison::kLess;
  } else {
    return bad("unknown comparison '" + std::string(w[3]) + "'");
  }
  // The comparison must point the metric's way, or the rule promotes worse models: an error
  // (rmse, mae, log_loss) must be at most the bar, a score (r2, accuracy, ...) at least.
  const bool at_least =
      rule.comparison == Comparison::kGreaterEqual || rule.comparison == Comparison::kGreater;
  if (at_least != HigherIsBetter(rule.metric)) {
    return bad(std::string(MetricName(rule.metric)) +
               (HigherIsBetter(rule.metric) ? " is higher-is-better: compare it with >= or >"
                                            : " is lower-is-better: compare it with <= or <"));
  }
  if (w[4] == "champion") {
    rule.against_champion = true;
    if (w.size() == 7) {
      if (w[5] != "+" && w[5] != "-") {
        return bad("'+' or '-' expected after 'champion', got '" + std::string(w[5]) + "'");
      }
      Result<double> margin = Number(w[6], "margin");
      if (!margin.ok()) return bad(margin.status().message());
      rule.value = w[5] == "+" ? *margin : -*margin;
    }
  } else {
    if (w.size() != 5) return bad("nothing may follow a fixed threshold");
    Result<double> threshold = Number(w[4], "threshold");
    if (!threshold.ok()) return bad(threshold.status().message());
    rule.value = *threshold;
  }
  std::string joined;
  for (std::string_view word : w) joined += (joined.empty() ? "" : " ") + std::string(word);
  rule.text = joined;
  return rule;
}

PromotionDecision DecidePromotion(const PromotionRule& rule, const Result<double>& candidate,
                                  std::optional<double> champion) {
  const std::string subject = std::string(MetricName(rule.metric)) + " on " + rule.split;
  if (!candidate.ok()) {
    return {false, "keep the champion: the candidate's " + subject +
                       " is undefined: " + candidate.status().message()};
  }
  if (rule.against_champion && !champion.has_value()) {
    return {true, "promote: there is no champion yet (candidate's " + subject + " " +
                      Figure(*candidate) + "; rule '" + rule.text + "')"};
  }
  const double bar = rule.against_champion ? *champion + rule.value : rule.value;
  const bool promote = Holds(rule.comparison, *candidate, bar);
  std::string reason = std::string(promote ? "promote: " : "keep the champion: ") + subject + " " +
                       Figure(*candidate) + " ";
  if (promote) {
    reason += ComparisonText(rule.comparison);
  } else {
    reason += "is not " + std::string(ComparisonText(rule.comparison));
  }
  reason += " " + Figure(bar);
  if (rule.against_champion) {
    reason += " (champion " + Figure(*champion) + " " + Margin(rule.value) + ")";
  } else {
    reason += " (fixed threshold)";
  }
  return {promote, reason};
}

}  // namespace covidflow::model
