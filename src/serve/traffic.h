#pragma once
// A challenger beside the served model (`serve --challenger NAME@ALIAS`): how live traffic is
// split between them, and the shadow scorer that scores copies of requests off the request
// path.
//
//   off     every request is answered by the champion; the challenger only follows its alias.
//   canary  a share of the requests is answered by the challenger instead (role "canary" in
//           the prediction log). Which requests is decided by the request id alone
//           (RequestPoint), so a retry with the same X-Request-Id lands on the same version.
//   shadow  the champion answers every request; a copy of its rows is queued for the
//           challenger, scored on the shadow scorer's thread and logged with role "shadow".
//           The request never waits for it: a full queue drops the copy (counted).
//
// Threads: TrafficControl's Get and Set, and ShadowScorer's Submit, may be called from any
// thread at once.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "features/table.h"
#include "metrics/registry.h"
#include "serve/model_source.h"
#include "serve/prediction_log.h"

namespace covidflow::serve {

enum class TrafficMode { kOff, kCanary, kShadow };
std::string_view TrafficModeName(TrafficMode mode);  // "off", "canary", "shadow"

struct TrafficSplit {
  TrafficMode mode = TrafficMode::kOff;
  double canary_share = 0;  // kCanary: the share of requests the challenger answers, [0, 1]
};

// The body of POST /admin/traffic: {"mode": "off"|"canary"|"shadow", "canary_share": S}, S a
// number in [0, 1], required with "canary" and refused with the other modes. kInvalidArgument
// naming the field for anything else (not JSON, not an object, an unknown field).
Result<TrafficSplit> ParseTrafficSplit(std::string_view body);

// The body of POST /admin/challenger: {"version": N, "mode": ..., "canary_share": S}, N a
// positive integer (a version of the served model); mode and canary_share as in
// ParseTrafficSplit, both optional (none = the split in force is kept).
struct ChallengerRequest {
  int64_t version = 0;
  std::optional<TrafficSplit> split;  // empty = keep the split in force
};
Result<ChallengerRequest> ParseChallengerRequest(std::string_view body);

// Where a request id falls in [0, 1): a 64-bit hash of its bytes (FNV-1a, then a finalising
// mix), uniform over ids, the same for the same id in every process and on every run.
double RequestPoint(std::string_view request_id);

// True when `split` sends the request `request_id` to the challenger to answer (canary, and
// its point below the share).
bool ToChallenger(const TrafficSplit& split, std::string_view request_id);

// The split in force; POST /admin/traffic changes it.
class TrafficControl {
 public:
  explicit TrafficControl(TrafficSplit initial) : split_(initial) {}
  TrafficSplit Get() const;
  void Set(TrafficSplit split);

 private:
  mutable std::mutex mu_;
  TrafficSplit split_;
};

// Scores queued copies of requests with the challenger on its own thread and logs each row
// with role shadow. Metrics: covidflow_serve_shadow_requests_total{result=scored|dropped|failed}
// and covidflow_serve_rows_total{model,version,role="shadow"}.
// Ownership: the prediction log (may be null) and the metrics registry outlive the scorer.
class ShadowScorer {
 public:
  ShadowScorer(PredictionLog* predictions, metrics::Registry& metrics, size_t capacity = 256);
  ~ShadowScorer();
  ShadowScorer(const ShadowScorer&) = delete;
  ShadowScorer& operator=(const ShadowScorer&) = delete;

  // Queues `rows` to be scored by `model` under `request_id`; never blocks on scoring. False
  // (and counted as dropped) when the queue is full or the scorer stopped.
  bool Submit(std::shared_ptr<const LoadedModel> model, std::string request_id,
              features::Table rows);
  // Returns when every copy queued so far has been scored (or failed).
  void Drain();
  // Scores what is queued, then ends the thread. Idempotent.
  void Stop();

 private:
  struct Job {
    std::shared_ptr<const LoadedModel> model;
    std::string request_id;
    features::Table rows;
  };
  void Run();

  PredictionLog* const predictions_;
  metrics::Registry& metrics_;
  metrics::Counter& scored_;
  metrics::Counter& dropped_;
  metrics::Counter& failed_;
  const size_t capacity_;

  std::mutex mu_;
  std::condition_variable wake_;  // the thread: a job queued, or stopping
  std::condition_variable idle_;  // Drain: the queue emptied and no job runs
  std::deque<Job> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace covidflow::serve
