#include "model/hyperparameters.h"

#include <cmath>

#include "base/numbers.h"

namespace covidflow::model {
namespace {

Status Bad(std::string_view key, const std::string& value, std::string_view expected) {
  return Status::InvalidArgument("hyperparameter '" + std::string(key) + "': expected " +
                                 std::string(expected) + ", got '" + value + "'");
}

}  // namespace

const std::string* Hyperparameters::Get(std::string_view key) {
  read_.emplace(key);
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

Result<double> Hyperparameters::Double(std::string_view key, double fallback, double min,
                                       double max) {
  const std::string* text = Get(key);
  if (text == nullptr) return fallback;
  const std::optional<double> v = ParseDouble(*text);
  if (!v || !std::isfinite(*v) || *v < min || *v > max) {
    return Bad(key, *text,
               "a number in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return *v;
}

Result<int64_t> Hyperparameters::Int(std::string_view key, int64_t fallback, int64_t min,
                                     int64_t max) {
  const std::string* text = Get(key);
  if (text == nullptr) return fallback;
  const std::optional<int64_t> v = ParseIntIn(*text, min, max);
  if (!v) {
    return Bad(key, *text,
               "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return *v;
}

Result<bool> Hyperparameters::Bool(std::string_view key, bool fallback) {
  const std::string* text = Get(key);
  if (text == nullptr) return fallback;
  if (*text == "true") return true;
  if (*text == "false") return false;
  return Bad(key, *text, "true or false");
}

Result<std::string> Hyperparameters::Choice(std::string_view key, std::string_view fallback,
                                            std::initializer_list<std::string_view> allowed) {
  const std::string* text = Get(key);
  if (text == nullptr) return std::string(fallback);
  std::string names;
  for (std::string_view a : allowed) {
    if (*text == a) return *text;
    names += (names.empty() ? "" : ", ") + std::string(a);
  }
  return Bad(key, *text, "one of " + names);
}

Result<std::string> Hyperparameters::Text(std::string_view key, std::string_view fallback) {
  const std::string* text = Get(key);
  if (text == nullptr) return std::string(fallback);
  if (text->empty()) return Bad(key, *text, "a non-empty value");
  return *text;
}

Status Hyperparameters::CheckAllRead() const {
  std::string unknown;
  for (const auto& [key, value] : values_) {
    if (!read_.contains(key)) unknown += (unknown.empty() ? "'" : ", '") + key + "'";
  }
  if (unknown.empty()) return Status::Ok();
  std::string known;
  for (const std::string& k : read_) known += (known.empty() ? "" : ", ") + k;
  return Status::InvalidArgument("unknown hyperparameter " + unknown +
                                 "; this family knows: " + (known.empty() ? "(none)" : known));
}

}  // namespace covidflow::model
