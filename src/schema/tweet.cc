#include "schema/tweet.h"

#include <array>

#include "schema/fields.h"

namespace covidflow::schema {

namespace {

constexpr std::array<std::string_view, kReasonCount> kReasonNames = {
    "malformed_csv", "malformed_json", "column_count",   "missing_field",  "bad_number",
    "bad_timestamp", "bad_bool",       "bad_hashtags",   "invalid_utf8",   "field_too_large",
    "out_of_range",  "empty_record",   "unknown_format", "unknown_header",
};

}  // namespace

std::string_view ReasonName(Reason reason) {
  const auto i = static_cast<size_t>(reason);
  return i < kReasonNames.size() ? kReasonNames[i] : std::string_view("unknown");
}

bool ReasonFromName(std::string_view name, Reason* reason) {
  for (size_t i = 0; i < kReasonNames.size(); ++i) {
    if (kReasonNames[i] == name) {
      *reason = static_cast<Reason>(i);
      return true;
    }
  }
  return false;
}

std::string_view FieldName(Field field) { return Columns()[static_cast<size_t>(field)].seed_name; }

bool FieldFromName(std::string_view name, Field* field) {
  for (const ColumnInfo& c : Columns().first(kFieldCount)) {
    if (c.seed_name == name) {
      *field = *c.seed;
      return true;
    }
  }
  return false;
}

}  // namespace covidflow::schema
