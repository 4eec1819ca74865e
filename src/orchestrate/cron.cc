#include "orchestrate/cron.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <vector>

#include "base/numbers.h"

namespace covidflow::orchestrate {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMinutes = 24 * 60;
// Ten years of days: every date that exists comes round within eight (29 February across a
// century year that is not a leap year).
constexpr int64_t kSearchDays = 3653;

struct Field {
  const char* name;
  int min;
  int max;
};
constexpr std::array<Field, 5> kFields = {{{"minute", 0, 59},
                                           {"hour", 0, 23},
                                           {"day-of-month", 1, 31},
                                           {"month", 1, 12},
                                           {"day-of-week", 0, 7}}};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<int> Number(std::string_view s) {
  if (s.size() > 4) return std::nullopt;
  const std::optional<int64_t> v = ParseInt(s);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

// Sets the bits of `field`'s values named by `text` in `bits` (indexed by value).
Status ParseField(std::string_view expr, const Field& field, std::string_view text,
                  std::bitset<64>* bits) {
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument("cron '" + std::string(expr) + "': " + field.name + " field '" +
                                   std::string(text) + "': " + std::string(what));
  };
  const std::string range = std::to_string(field.min) + "-" + std::to_string(field.max);
  for (std::string_view item : Split(text, ',')) {
    if (item.empty()) return bad("an empty list item");
    int step = 1;
    const size_t slash = item.find('/');
    std::string_view base = item.substr(0, slash);
    if (slash != std::string_view::npos) {
      std::optional<int> s = Number(item.substr(slash + 1));
      if (!s) return bad("the step '" + std::string(item.substr(slash + 1)) + "' is not a number");
      if (*s < 1) return bad("a step must be 1 or more");
      step = *s;
    }
    int lo = field.min;
    int hi = field.max;
    if (base != "*") {
      const size_t dash = base.find('-');
      std::optional<int> a = Number(base.substr(0, dash));
      if (!a) {
        return bad("'" + std::string(base.substr(0, dash)) +
                   "' is not a number (numbers only: no names)");
      }
      lo = *a;
      if (dash != std::string_view::npos) {
        std::optional<int> b = Number(base.substr(dash + 1));
        if (!b) return bad("'" + std::string(base.substr(dash + 1)) + "' is not a number");
        hi = *b;
      } else if (slash == std::string_view::npos) {
        hi = lo;  // a single value; `N/S` runs to the maximum
      }
      for (int v : {lo, hi}) {
        if (v < field.min || v > field.max) {
          return bad(std::to_string(v) + " is outside " + range);
        }
      }
      if (lo > hi) return bad("the range " + std::string(base) + " runs backwards");
    }
    for (int v = lo; v <= hi; v += step) bits->set(static_cast<size_t>(v));
  }
  return Status::Ok();
}

}  // namespace

Result<CronSchedule> ParseCron(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    return Status::InvalidArgument(
        "cron '" + std::string(text) + "': " + std::to_string(fields.size()) +
        " fields, expected 5 (minute hour day-of-month month day-of-week)");
  }
  std::array<std::bitset<64>, 5> bits;
  for (size_t f = 0; f < 5; ++f) RETURN_IF_ERROR(ParseField(text, kFields[f], fields[f], &bits[f]));
  CronSchedule c;
  c.text_ = std::string(text);
  for (size_t v = 0; v < 60; ++v) c.minutes_[v] = bits[0][v];
  for (size_t v = 0; v < 24; ++v) c.hours_[v] = bits[1][v];
  for (size_t v = 1; v <= 31; ++v) c.days_[v] = bits[2][v];
  for (size_t v = 1; v <= 12; ++v) c.months_[v] = bits[3][v];
  for (size_t v = 0; v < 7; ++v) c.weekdays_[v] = bits[4][v];
  if (bits[4][7]) c.weekdays_[0] = true;  // 7 is Sunday too
  c.any_day_ = fields[2].front() == '*';
  c.any_weekday_ = fields[4].front() == '*';
  if (!c.NextAfter(0)) {
    return Status::InvalidArgument(
        "cron '" + std::string(text) + "': names no date that exists (day-of-month '" +
        std::string(fields[2]) + "' in month '" + std::string(fields[3]) + "')");
  }
  return c;
}

std::optional<int64_t> CronSchedule::NextAfter(int64_t after_ms) const {
  using namespace std::chrono;
  const int64_t first = FloorDiv(after_ms, kMinuteMs) + 1;  // minutes since the epoch
  int64_t day = FloorDiv(first, kDayMinutes);
  int64_t from = first - day * kDayMinutes;  // the first minute of the day still open
  for (int64_t n = 0; n < kSearchDays; ++n, ++day, from = 0) {
    const sys_days date{days{day}};
    const year_month_day ymd{date};
    if (!months_[static_cast<unsigned>(ymd.month())]) continue;
    const bool dom = days_[static_cast<unsigned>(ymd.day())];
    const bool dow = weekdays_[weekday{date}.c_encoding()];
    // Vixie cron: two restricted day fields match either; a '*' one leaves the other to decide.
    const bool day_ok = (any_day_ || any_weekday_) ? (dom && dow) : (dom || dow);
    if (!day_ok) continue;
    for (int64_t h = from / 60; h < 24; ++h) {
      if (!hours_[static_cast<size_t>(h)]) continue;
      for (int64_t m = h == from / 60 ? from % 60 : 0; m < 60; ++m) {
        if (minutes_[static_cast<size_t>(m)]) return (day * kDayMinutes + h * 60 + m) * kMinuteMs;
      }
    }
  }
  return std::nullopt;
}

std::string UtcIso(int64_t ms) {
  using namespace std::chrono;
  const int64_t minutes = FloorDiv(ms, kMinuteMs);
  const int64_t day = FloorDiv(minutes, kDayMinutes);
  const int64_t in_day_ms = ms - day * kDayMinutes * kMinuteMs;
  const year_month_day ymd{sys_days{days{day}}};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(in_day_ms / 3'600'000), static_cast<int>(in_day_ms / 60'000 % 60),
                static_cast<int>(in_day_ms / 1000 % 60));
  return buf;
}

}  // namespace covidflow::orchestrate
