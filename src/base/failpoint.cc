#include "base/failpoint.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace covidflow::failpoint {
namespace {

struct Point {
  Action action;
  int remaining;  // arrivals until it fires, counting this one
};

struct Registry {
  std::mutex mu;
  std::map<std::string, Point, std::less<>> points;
};

Registry& Points() {
  static Registry* registry = new Registry;  // never destroyed: points may be reached at exit
  return *registry;
}

// Whether any point may be armed; keeps unarmed points off the lock.
std::atomic<bool> g_maybe_armed{false};
std::once_flag g_env_once;

void LoadEnvironment() {
  const char* spec = std::getenv("CF_FAILPOINTS");
  if (spec == nullptr || *spec == '\0') return;
  Status s = ArmFromSpec(spec);
  // A mistyped spec must not let a crash test pass without crashing.
  if (!s.ok()) {
    std::fprintf(stderr, "CF_FAILPOINTS: %s\n", s.ToString().c_str());
    std::abort();
  }
}

Result<Action> ParseAction(std::string_view text) {
  if (text == "error") return Action::kError;
  if (text == "abort") return Action::kAbort;
  if (text == "kill") return Action::kKill;
  return Status::InvalidArgument("unknown failpoint action '" + std::string(text) +
                                 "' (error, abort, kill)");
}

}  // namespace

void Arm(std::string_view name, Action action, int hit) {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  r.points.insert_or_assign(std::string(name), Point{action, std::max(hit, 1)});
  g_maybe_armed.store(true, std::memory_order_release);
}

void Disarm(std::string_view name) {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  if (auto it = r.points.find(name); it != r.points.end()) r.points.erase(it);
}

void DisarmAll() {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  r.points.clear();
}

Status ArmFromSpec(std::string_view spec) {
  struct Entry {
    std::string name;
    Action action;
    int hit;
  };
  std::vector<Entry> entries;
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    const std::string_view entry = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::InvalidArgument("failpoint entry '" + std::string(entry) +
                                     "' is not name=action[@hit]");
    }
    std::string_view action = entry.substr(eq + 1);
    int hit = 1;
    if (const size_t at = action.find('@'); at != std::string_view::npos) {
      const std::string count(action.substr(at + 1));
      char* end = nullptr;
      const long n = std::strtol(count.c_str(), &end, 10);
      if (count.empty() || *end != '\0' || n < 1 || n > 1'000'000'000) {
        return Status::InvalidArgument("failpoint entry '" + std::string(entry) +
                                       "': hit must be a whole number from 1");
      }
      hit = static_cast<int>(n);
      action = action.substr(0, at);
    }
    ASSIGN_OR_RETURN(Action a, ParseAction(action));
    entries.push_back({std::string(entry.substr(0, eq)), a, hit});
  }
  for (const Entry& e : entries) Arm(e.name, e.action, e.hit);
  return Status::Ok();
}

std::vector<std::string> Armed() {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, point] : r.points) names.push_back(name);
  return names;
}

Status Reached(std::string_view name) {
  std::call_once(g_env_once, LoadEnvironment);
  if (!g_maybe_armed.load(std::memory_order_acquire)) return Status::Ok();
  Action action;
  {
    Registry& r = Points();
    std::lock_guard lock(r.mu);
    auto it = r.points.find(name);
    if (it == r.points.end() || --it->second.remaining > 0) return Status::Ok();
    action = it->second.action;
    r.points.erase(it);
  }
  switch (action) {
    case Action::kError:
      break;
    case Action::kAbort:
      std::abort();
    case Action::kKill:
      std::raise(SIGKILL);
      std::abort();  // not reached: SIGKILL cannot be caught
  }
  return Status::Internal("failpoint " + std::string(name));
}

}  // namespace covidflow::failpoint
