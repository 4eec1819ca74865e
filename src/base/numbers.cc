#include "base/numbers.h"

#include <charconv>
#include <system_error>

namespace covidflow {

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseIntIn(std::string_view text, int64_t min, int64_t max) {
  const std::optional<int64_t> v = ParseInt(text);
  if (!v || *v < min || *v > max) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view text) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

}  // namespace covidflow
