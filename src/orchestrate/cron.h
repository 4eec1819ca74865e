#pragma once
// A 5-field cron expression for the schedule trigger, in UTC:
//
//   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12)  day-of-week (0-7, 0 and 7 =
//   Sunday)
//
// Each field is `*` or a comma-separated list of items; an item is a number `N`, a range `A-B`
// (A <= B), or either of those or `*` followed by a step `/S` (S >= 1: every S-th value from
// the start of the range; `N/S` runs from N to the field's maximum). Numbers only (no month or
// day names, no `@daily`). As in Vixie cron, when both day fields are restricted (neither
// starts with `*`) a day matches if either does; otherwise both must.
//
// ParseCron refuses an expression that is malformed, out of range or names no date that exists
// (day 30 of February) with kInvalidArgument naming the field and the value at fault.
//
// Threads: a CronSchedule is an immutable value.
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace covidflow::orchestrate {

class CronSchedule {
 public:
  // The first minute strictly after `after_ms` (milliseconds since the epoch, UTC) that the
  // expression names, in milliseconds since the epoch; nullopt when none falls within ten
  // years (ParseCron refuses such expressions, so a parsed one always has a next time).
  std::optional<int64_t> NextAfter(int64_t after_ms) const;
  const std::string& text() const { return text_; }

 private:
  friend Result<CronSchedule> ParseCron(std::string_view text);
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1-31
  std::bitset<13> months_;    // 1-12
  std::bitset<7> weekdays_;   // 0 = Sunday
  bool any_day_ = false;      // day-of-month starts with '*'
  bool any_weekday_ = false;  // day-of-week starts with '*'
  std::string text_;
};

Result<CronSchedule> ParseCron(std::string_view text);

// "2026-12-07T03:00:00Z" for milliseconds since the epoch (the trigger's reasons).
std::string UtcIso(int64_t ms);

}  // namespace covidflow::orchestrate
