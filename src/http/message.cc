#include "http/message.h"

#include <algorithm>

namespace covidflow::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::optional<std::string_view> Find(const Fields& fields, std::string_view name,
                                     bool ignore_case) {
  for (const auto& [k, v] : fields) {
    if (ignore_case ? EqualsIgnoreCase(k, name) : k == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Request::PathParam(std::string_view name) const {
  return Find(path_params, name, false).value_or(std::string_view());
}

std::optional<std::string_view> FindHeader(const Fields& headers, std::string_view name) {
  return Find(headers, name, true);
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  return Find(query, name, false);
}

}  // namespace covidflow::http
