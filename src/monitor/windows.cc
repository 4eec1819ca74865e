#include "monitor/windows.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/numbers.h"

namespace covidflow::monitor {

DriftWindows::DriftWindows(int64_t window_ms, int64_t lateness_ms, WindowsState state)
    : window_ms_(window_ms), lateness_ms_(lateness_ms), state_(state) {}

int64_t DriftWindows::WindowStart(int64_t time_ms) const {
  // Floor division: times before 1970 fall in the window below, as after it.
  const int64_t q = time_ms / window_ms_;
  return (q - (time_ms % window_ms_ < 0 ? 1 : 0)) * window_ms_;
}

int64_t WindowsState::Watermark() const {
  int64_t watermark = kNone;
  int64_t latest_idle = kNone;
  for (const auto& [partition, time_ms] : partition_time_ms) {
    if (idle.count(partition) != 0) {
      latest_idle = std::max(latest_idle, time_ms);
      continue;
    }
    if (time_ms == kNone) return kNone;
    watermark = watermark == kNone ? time_ms : std::min(watermark, time_ms);
  }
  return watermark == kNone ? latest_idle : watermark;
}

void DriftWindows::Add(const schema::EnrichedTweet& t, int32_t partition, int64_t offset) {
  const int64_t time_ms = t.tweet.date.seconds * 1000;
  const int64_t start = WindowStart(time_ms);
  const int64_t end = start + window_ms_;
  const int64_t watermark = state_.Watermark();
  if ((watermark != WindowsState::kNone && end + lateness_ms_ <= watermark) ||
      (state_.closed_through_ms != WindowsState::kNone && end <= state_.closed_through_ms)) {
    ++counts_.late;
  } else {
    Open& w = open_[start];
    AppendEnriched(t, &w.table);
    auto [it, inserted] = w.first_offset.emplace(partition, offset);
    if (!inserted) it->second = std::min(it->second, offset);
    ++counts_.added;
  }
  state_.idle.erase(partition);
  auto [it, inserted] = state_.partition_time_ms.emplace(partition, time_ms);
  if (!inserted) it->second = std::max(it->second, time_ms);
}

std::vector<StreamWindow> DriftWindows::TakeClosed() {
  std::vector<StreamWindow> closed;
  const int64_t watermark = state_.Watermark();
  if (watermark == WindowsState::kNone) return closed;
  while (!open_.empty()) {
    auto it = open_.begin();
    const int64_t end = it->first + window_ms_;
    if (end + lateness_ms_ > watermark) break;
    closed.push_back({it->first, end, std::move(it->second.table)});
    open_.erase(it);
  }
  // Windows without rows close as well (a record for one is late from now on): every window
  // ending at or before the watermark less the lateness.
  int64_t through = std::max(state_.closed_through_ms, WindowStart(watermark - lateness_ms_));
  if (!closed.empty()) through = std::max(through, closed.back().end_ms);
  state_.closed_through_ms = through;
  return closed;
}

int64_t DriftWindows::ResumeOffset(int32_t partition, int64_t next) const {
  int64_t resume = next;
  for (const auto& [start, w] : open_) {
    auto it = w.first_offset.find(partition);
    if (it != w.first_offset.end()) resume = std::min(resume, it->second);
  }
  return resume;
}

std::string EncodeWindowsState(const WindowsState& state) {
  nlohmann::json j = nlohmann::json::object();
  if (state.closed_through_ms != WindowsState::kNone) {
    j["closed_through_ms"] = state.closed_through_ms;
  }
  nlohmann::json partitions = nlohmann::json::object();
  for (const auto& [partition, time_ms] : state.partition_time_ms) {
    if (time_ms != WindowsState::kNone) partitions[std::to_string(partition)] = time_ms;
  }
  j["partitions"] = std::move(partitions);
  return j.dump();
}

void MergeWindowsState(std::string_view metadata, WindowsState* state) {
  const nlohmann::json j = nlohmann::json::parse(metadata, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  auto closed = j.find("closed_through_ms");
  if (closed != j.end() && closed->is_number_integer()) {
    state->closed_through_ms = std::max(state->closed_through_ms, closed->get<int64_t>());
  }
  auto partitions = j.find("partitions");
  if (partitions == j.end() || !partitions->is_object()) return;
  for (const auto& [key, value] : partitions->items()) {
    const std::optional<int64_t> partition = ParseIntIn(key, INT32_MIN, INT32_MAX);
    if (!partition || !value.is_number_integer()) continue;
    auto [it, inserted] =
        state->partition_time_ms.emplace(static_cast<int32_t>(*partition), value.get<int64_t>());
    if (!inserted) it->second = std::max(it->second, value.get<int64_t>());
  }
}

}  // namespace covidflow::monitor
