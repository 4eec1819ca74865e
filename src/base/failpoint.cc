#include "base/failpoint.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "base/numbers.h"

namespace covidflow::failpoint {
namespace {

struct Point {
  Action action;
  int remaining;  // arrivals until it fires, counting this one
  int delay_ms;   // held this long before acting
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

struct ParsedAction {
  Action action;
  int delay_ms = 0;
};

// "error", "abort", "kill", "delay:MS" or "delay:MS+error|abort|kill".
Result<ParsedAction> ParseAction(std::string_view text) {
  const auto unknown = [&] {
    return Status::InvalidArgument("unknown failpoint action '" + std::string(text) +
                                   "' (error, abort, kill, delay:MS, delay:MS+ACTION)");
  };
  ParsedAction parsed{Action::kDelay};
  std::string_view rest = text;
  if (rest.starts_with("delay:")) {
    rest.remove_prefix(6);
    const size_t plus = rest.find('+');
    const std::optional<int64_t> n = ParseIntIn(rest.substr(0, plus), 0, 600'000);
    if (!n) {
      return Status::InvalidArgument("failpoint action '" + std::string(text) +
                                     "': the delay must be 0 to 600000 milliseconds");
    }
    parsed.delay_ms = static_cast<int>(*n);
    if (plus == std::string_view::npos) return parsed;
    rest = rest.substr(plus + 1);
  }
  if (rest == "error") {
    parsed.action = Action::kError;
  } else if (rest == "abort") {
    parsed.action = Action::kAbort;
  } else if (rest == "kill") {
    parsed.action = Action::kKill;
  } else {
    return unknown();
  }
  return parsed;
}

}  // namespace

void Arm(std::string_view name, Action action, int hit, int delay_ms) {
  Registry& r = Points();
  std::lock_guard lock(r.mu);
  r.points.insert_or_assign(std::string(name),
                            Point{action, std::max(hit, 1), std::max(delay_ms, 0)});
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
    ParsedAction action;
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
      const std::optional<int64_t> n = ParseIntIn(action.substr(at + 1), 1, 1'000'000'000);
      if (!n) {
        return Status::InvalidArgument("failpoint entry '" + std::string(entry) +
                                       "': hit must be a whole number from 1");
      }
      hit = static_cast<int>(*n);
      action = action.substr(0, at);
    }
    ASSIGN_OR_RETURN(ParsedAction a, ParseAction(action));
    entries.push_back({std::string(entry.substr(0, eq)), a, hit});
  }
  for (const Entry& e : entries) Arm(e.name, e.action.action, e.hit, e.action.delay_ms);
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
  int delay_ms = 0;
  {
    Registry& r = Points();
    std::lock_guard lock(r.mu);
    auto it = r.points.find(name);
    if (it == r.points.end() || --it->second.remaining > 0) return Status::Ok();
    action = it->second.action;
    delay_ms = it->second.delay_ms;
    r.points.erase(it);
  }
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  switch (action) {
    case Action::kDelay:
      return Status::Ok();
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
