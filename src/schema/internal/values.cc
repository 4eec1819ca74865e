#include "schema/internal/values.h"

#include <cstring>

#include "base/utf8.h"
#include "schema/fields.h"
#include "schema/time.h"

namespace covidflow::schema::internal {

ParseError MakeError(Reason reason, std::string_view field, std::string message) {
  return ParseError{reason, std::move(message), std::string(field)};
}

std::string Quoted(std::string_view value) {
  constexpr size_t kMax = 60;
  std::string q = "'";
  const bool cut = value.size() > kMax;
  AppendRepairedUtf8(q, cut ? value.substr(0, kMax) : value);
  q += cut ? "'..." : "'";
  return q;
}

void AssignUnescaped(std::string_view value, std::string* dst) {
  dst->clear();
  size_t start = 0;
  while (true) {
    const void* q = std::memchr(value.data() + start, '"', value.size() - start);
    if (q == nullptr) break;
    const size_t i = static_cast<size_t>(static_cast<const char*>(q) - value.data());
    dst->append(value.data() + start, i + 1 - start);  // keep one quote of the pair
    start = i + 2 <= value.size() && value[i + 1] == '"' ? i + 2 : i + 1;
  }
  dst->append(value.data() + start, value.size() - start);
}

std::optional<ParseError> SetText(std::string_view value, bool unescape, std::string_view field,
                                  const ParseOptions& options, std::string* dst, Tweet* out,
                                  bool utf8_checked) {
  if (value.size() > options.max_field_bytes) {
    return MakeError(Reason::kFieldTooLarge, field,
                     "field '" + std::string(field) + "' has " + std::to_string(value.size()) +
                         " bytes, over the limit of " + std::to_string(options.max_field_bytes));
  }
  // Removing "" pairs never changes UTF-8 validity, so the raw value is checked once.
  const size_t valid = utf8_checked ? value.size() : ValidUtf8Prefix(value);
  if (valid == value.size()) {
    if (unescape) {
      AssignUnescaped(value, dst);
    } else {
      dst->assign(value);
    }
    return std::nullopt;
  }
  if (options.utf8 == Utf8Policy::kReject) {
    return MakeError(
        Reason::kInvalidUtf8, field,
        "field '" + std::string(field) + "' has invalid UTF-8 at byte " + std::to_string(valid));
  }
  thread_local std::string unescaped;
  std::string_view source = value;
  if (unescape) {
    AssignUnescaped(value, &unescaped);
    source = unescaped;
  }
  dst->clear();
  AppendRepairedUtf8(*dst, source);
  out->utf8_repaired = true;
  return std::nullopt;
}

std::optional<ParseError> SetCount(std::string_view value, std::string_view field, int64_t* dst) {
  auto bad = [&](const char* why) {
    return MakeError(Reason::kBadNumber, field,
                     "field '" + std::string(field) + "': " + Quoted(value) + " " + why);
  };
  if (value.empty()) return bad("is empty, expected a count");
  if (value[0] == '-') return bad("is negative, expected a count");
  uint64_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return bad("is not a decimal count");
    if (v > (static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(c - '0')) / 10) {
      return bad("is too large for a 64-bit count");
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *dst = static_cast<int64_t>(v);
  return std::nullopt;
}

std::optional<ParseError> SetBool(std::string_view value, std::string_view field, bool* dst) {
  if (value == "True" || value == "true" || value == "TRUE") {
    *dst = true;
  } else if (value == "False" || value == "false" || value == "FALSE") {
    *dst = false;
  } else {
    return MakeError(
        Reason::kBadBool, field,
        "field '" + std::string(field) + "': " + Quoted(value) + " is not True or False");
  }
  return std::nullopt;
}

std::optional<ParseError> SetTimestamp(std::string_view value, std::string_view format,
                                       std::string_view field, bool required, Timestamp* dst) {
  if (value.empty() && required) {
    return MakeError(Reason::kMissingField, field, "field '" + std::string(field) + "' is empty");
  }
  std::optional<Timestamp> t =
      format.empty() ? ParseTimestamp(value) : ParseTimestamp(value, format);
  if (!t) {
    return MakeError(Reason::kBadTimestamp, field,
                     "field '" + std::string(field) + "': " + Quoted(value) +
                         " is not a valid timestamp in the format '" +
                         std::string(format.empty() ? kDefaultTimestampFormat : format) + "'");
  }
  if (!InTweetRange(*t)) {
    return MakeError(Reason::kOutOfRange, field,
                     "field '" + std::string(field) + "': " + Quoted(value) +
                         " is outside 2006-03-21 .. 2099-12-31");
  }
  *dst = *t;
  return std::nullopt;
}

namespace {

// Parses a Python list-of-strings literal into out->hashtags, reusing its strings.
bool ParseListLiteral(std::string_view s, std::vector<std::string>* tags) {
  size_t n = 0;
  auto skip_space = [&](size_t& i) {
    while (i < s.size() && s[i] == ' ') ++i;
  };
  size_t i = 0;
  skip_space(i);
  if (i == s.size() || s[i] != '[') return false;
  ++i;
  skip_space(i);
  while (true) {
    if (i == s.size()) return false;
    if (s[i] == ']') {  // also after a trailing comma, as Python allows
      ++i;
      break;
    }
    const char quote = s[i];
    if (quote != '\'' && quote != '"') return false;
    ++i;
    if (n == tags->size()) tags->emplace_back();
    std::string& tag = (*tags)[n++];
    tag.clear();
    while (true) {
      if (i == s.size()) return false;
      const char c = s[i++];
      if (c == quote) break;
      if (c == '\\') {
        if (i == s.size()) return false;
        tag.push_back(s[i++]);
      } else {
        tag.push_back(c);
      }
    }
    skip_space(i);
    if (i < s.size() && s[i] == ',') {
      ++i;
      skip_space(i);
    } else {
      if (i == s.size() || s[i] != ']') return false;
    }
  }
  skip_space(i);
  if (i != s.size()) return false;
  tags->resize(n);
  return true;
}

}  // namespace

std::optional<ParseError> SetHashtagList(std::string_view value, const ParseOptions& options,
                                         Tweet* out, bool utf8_checked) {
  constexpr std::string_view kField = "hashtags";
  if (value.size() > options.max_field_bytes) {
    return MakeError(Reason::kFieldTooLarge, kField,
                     "field 'hashtags' has " + std::to_string(value.size()) +
                         " bytes, over the limit of " + std::to_string(options.max_field_bytes));
  }
  if (value.empty()) {
    out->hashtags.clear();
    return std::nullopt;
  }
  thread_local std::string repaired;
  const size_t valid = utf8_checked ? value.size() : ValidUtf8Prefix(value);
  if (valid != value.size()) {
    if (options.utf8 == Utf8Policy::kReject) {
      return MakeError(Reason::kInvalidUtf8, kField,
                       "field 'hashtags' has invalid UTF-8 at byte " + std::to_string(valid));
    }
    repaired.clear();
    AppendRepairedUtf8(repaired, value);
    value = repaired;
    out->utf8_repaired = true;
  }
  if (!ParseListLiteral(value, &out->hashtags)) {
    out->hashtags.clear();
    return MakeError(Reason::kBadHashtags, kField,
                     "field 'hashtags': " + Quoted(value) +
                         " is not a list of strings like ['COVID19', 'Vaccine']");
  }
  return std::nullopt;
}

void ResetUnmapped(const std::array<bool, kFieldCount>& mapped, Tweet* t) {
  size_t i = 0;
  ForEachSeedField(*t, [&](const auto&, auto& value) {
    if (mapped[i++]) return;
    if constexpr (requires { value.clear(); }) {
      value.clear();  // keeps the storage for the next record
    } else {
      value = {};
    }
  });
}

}  // namespace covidflow::schema::internal
