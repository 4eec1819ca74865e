#include "serve/traffic.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/logging.h"
#include "serve/prediction_rows.h"
#include "serve/scoring.h"

namespace covidflow::serve {
namespace {

constexpr char kShadowHelp[] =
    "Copies of requests the challenger scored in shadow (scored), left out because the shadow "
    "queue was full (dropped), or could not score (failed).";

Status Bad(std::string_view what) {
  return Status::InvalidArgument("traffic split: " + std::string(what));
}

}  // namespace

std::string_view TrafficModeName(TrafficMode mode) {
  switch (mode) {
    case TrafficMode::kOff:
      return "off";
    case TrafficMode::kCanary:
      return "canary";
    case TrafficMode::kShadow:
      return "shadow";
  }
  return "off";
}

Result<TrafficSplit> ParseTrafficSplit(std::string_view body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("the body is not valid JSON");
  if (!j.is_object()) return Bad("expected a JSON object {\"mode\": ..., \"canary_share\": ...}");
  for (const auto& [key, value] : j.items()) {
    if (key != "mode" && key != "canary_share") {
      return Bad("unknown field '" + key + "' (expected mode, canary_share)");
    }
  }
  const auto mode = j.find("mode");
  if (mode == j.end() || !mode->is_string()) {
    return Bad("mode: expected \"off\", \"canary\" or \"shadow\"");
  }
  TrafficSplit split;
  const std::string name = mode->get<std::string>();
  if (name == "off") {
    split.mode = TrafficMode::kOff;
  } else if (name == "canary") {
    split.mode = TrafficMode::kCanary;
  } else if (name == "shadow") {
    split.mode = TrafficMode::kShadow;
  } else {
    return Bad("mode: '" + name + "' is not off, canary or shadow");
  }
  const auto share = j.find("canary_share");
  if (split.mode != TrafficMode::kCanary) {
    if (share != j.end()) return Bad("canary_share is only given with mode canary");
    return split;
  }
  if (share == j.end() || !share->is_number()) {
    return Bad("canary_share: mode canary needs a number in [0, 1]");
  }
  split.canary_share = share->get<double>();
  if (!std::isfinite(split.canary_share) || split.canary_share < 0 || split.canary_share > 1) {
    return Bad("canary_share: " + share->dump() + " is not in [0, 1]");
  }
  return split;
}

Result<ChallengerRequest> ParseChallengerRequest(std::string_view body) {
  auto bad = [](std::string_view what) {
    return Status::InvalidArgument("challenger: " + std::string(what));
  };
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("the body is not valid JSON");
  if (!j.is_object()) {
    return bad("expected a JSON object {\"version\": N, \"mode\": ..., \"canary_share\": ...}");
  }
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() <= 0) {
    return bad("version: expected a positive integer (a version of the served model)");
  }
  ChallengerRequest out;
  out.version = version->get<int64_t>();
  j.erase("version");
  if (!j.empty()) {
    // The rest is the split, checked field by field as POST /admin/traffic checks it.
    ASSIGN_OR_RETURN(out.split, ParseTrafficSplit(j.dump()));
  }
  return out;
}

double RequestPoint(std::string_view request_id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : request_id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  // The splitmix64 finaliser: FNV's low bits are weak for short, similar ids ("r1", "r2").
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

bool ToChallenger(const TrafficSplit& split, std::string_view request_id) {
  return split.mode == TrafficMode::kCanary && RequestPoint(request_id) < split.canary_share;
}

TrafficSplit TrafficControl::Get() const {
  std::lock_guard lock(mu_);
  return split_;
}

void TrafficControl::Set(TrafficSplit split) {
  std::lock_guard lock(mu_);
  split_ = split;
}

ShadowScorer::ShadowScorer(PredictionLog* predictions, metrics::Registry& metrics, size_t capacity)
    : predictions_(predictions),
      metrics_(metrics),
      scored_(metrics.AddCounter("covidflow_serve_shadow_requests_total", kShadowHelp,
                                 {{"result", "scored"}})),
      dropped_(metrics.AddCounter("covidflow_serve_shadow_requests_total", kShadowHelp,
                                  {{"result", "dropped"}})),
      failed_(metrics.AddCounter("covidflow_serve_shadow_requests_total", kShadowHelp,
                                 {{"result", "failed"}})),
      capacity_(capacity == 0 ? 1 : capacity) {
  thread_ = std::thread([this] { Run(); });
}

ShadowScorer::~ShadowScorer() { Stop(); }

bool ShadowScorer::Submit(std::shared_ptr<const LoadedModel> model, std::string request_id,
                          features::Table rows) {
  {
    std::lock_guard lock(mu_);
    if (stop_ || queue_.size() >= capacity_) {
      dropped_.Inc();
      return false;
    }
    queue_.push_back({std::move(model), std::move(request_id), std::move(rows)});
  }
  wake_.notify_one();
  return true;
}

void ShadowScorer::Drain() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void ShadowScorer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ShadowScorer::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      idle_.notify_all();
      if (stop_) return;
      continue;
    }
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    Result<Scores> scores = Score(job.model, job.rows);
    if (scores.ok()) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (predictions_ != nullptr) {
        predictions_->RecordAll(
            PredictionRecords(*scores, job.rows, {job.request_id, Role::kShadow, seconds, 0}));
      }
      metrics_
          .AddCounter("covidflow_serve_rows_total", "Rows scored by the scoring server, by role.",
                      {{"model", job.model->name},
                       {"version", std::to_string(job.model->version)},
                       {"role", std::string(RoleName(Role::kShadow))}})
          .Inc(static_cast<int64_t>(scores->rows));
      scored_.Inc();
    } else {
      failed_.Inc();
      Logf(LogLevel::kWarning, "serve: shadow %s did not score request %s: %s",
           job.model->Id().c_str(), job.request_id.c_str(), scores.status().ToString().c_str());
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace covidflow::serve
