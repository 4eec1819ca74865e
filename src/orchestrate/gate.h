#pragma once
// The staging gate's verdict on shadow traffic: the candidate, set as the scoring server's shadow
// challenger, scored a copy of each of the gate's requests beside the champion, and both
// answers are on the prediction log. JudgeShadow pairs them by request id and judges the
// candidate's latency (p99 of its own scoring time within a budget) and its agreement with the
// champion (the share of requests where both gave the same label). Pure: no clock, no I/O.
#include <cstdint>
#include <string>
#include <vector>

#include "orchestrate/loop.h"

namespace covidflow::orchestrate {

// One prediction of a gate request read back from the prediction log.
struct GatePrediction {
  std::string request_id;
  bool shadow = false;  // the candidate's (role shadow), else the champion's answer
  std::string label;
  double latency_ms = 0;  // the model's time on the request
};

struct GateBudget {
  int64_t sent = 0;          // requests the gate sent
  int64_t failed = 0;        // of them, not answered 200 by the server
  double p99_ms = 50;        // the candidate's p99 latency must be within this
  double min_agreement = 0;  // the share of requests both label alike must reach this
};

// The verdict and its figures: requests, failed, shadow_scored (candidate answers read back),
// champion_scored, p99_ms (the candidate's), champion_p99_ms, agreement (over the requests both
// answered). Fails naming the reason for a failed request, no candidate answer, a p99 over the
// budget or an agreement under the minimum. A request answered twice by one side counts once.
GateVerdict JudgeShadow(const std::vector<GatePrediction>& predictions, const GateBudget& budget);

}  // namespace covidflow::orchestrate
