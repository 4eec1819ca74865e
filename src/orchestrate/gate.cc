#include "orchestrate/gate.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace covidflow::orchestrate {

namespace {

// The nearest-rank 99th percentile; 0 for none.
double P99(std::vector<double> ms) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  return ms[std::min(ms.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(ms.size())))];
}

}  // namespace

GateVerdict JudgeShadow(const std::vector<GatePrediction>& predictions, const GateBudget& budget) {
  std::map<std::string, const GatePrediction*> candidate;
  std::map<std::string, const GatePrediction*> champion;
  for (const GatePrediction& p : predictions) {
    (p.shadow ? candidate : champion).try_emplace(p.request_id, &p);
  }
  std::vector<double> candidate_ms;
  std::vector<double> champion_ms;
  for (const auto& [id, p] : candidate) candidate_ms.push_back(p->latency_ms);
  for (const auto& [id, p] : champion) champion_ms.push_back(p->latency_ms);
  int64_t both = 0;
  int64_t agree = 0;
  for (const auto& [id, p] : candidate) {
    auto it = champion.find(id);
    if (it == champion.end()) continue;
    ++both;
    agree += p->label == it->second->label;
  }
  GateVerdict g;
  const double p99 = P99(candidate_ms);
  const double agreement = both > 0 ? static_cast<double>(agree) / static_cast<double>(both) : 0;
  g.figures = {{"requests", static_cast<double>(budget.sent)},
               {"failed", static_cast<double>(budget.failed)},
               {"shadow_scored", static_cast<double>(candidate.size())},
               {"champion_scored", static_cast<double>(champion.size())},
               {"p99_ms", p99},
               {"champion_p99_ms", P99(champion_ms)},
               {"agreement", agreement}};
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%lld shadow requests through the server: %zu scored by the candidate, p99 %.2f ms "
                "(budget %.2f ms), agreement with the champion %.4f on %lld (minimum %.4f)",
                static_cast<long long>(budget.sent), candidate.size(), p99, budget.p99_ms,
                agreement, static_cast<long long>(both), budget.min_agreement);
  g.reason = buf;
  if (budget.failed > 0) {
    g.reason = std::to_string(budget.failed) + " requests failed; " + g.reason;
  } else if (candidate.empty()) {
    g.reason = "no shadow answer of the candidate on the prediction log; " + g.reason;
  } else if (p99 > budget.p99_ms) {
    g.reason = "p99 over the budget; " + g.reason;
  } else if (both == 0 || agreement < budget.min_agreement) {
    g.reason = "agreement under the minimum; " + g.reason;
  } else {
    g.pass = true;
  }
  return g;
}

}  // namespace covidflow::orchestrate
