// ParseJsonRecord (declared in schema/parse.h): one JSON object in the tweet's JSON form.
#include <simdjson.h>

#include <string>

#include "base/utf8.h"
#include "schema/fields.h"
#include "schema/internal/values.h"
#include "schema/parse.h"

namespace covidflow::schema {

using internal::MakeError;
using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

std::string_view TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

ParseError WrongType(Reason reason, std::string_view field, element v, std::string_view want) {
  return MakeError(reason, field,
                   "field '" + std::string(field) + "' is " + std::string(TypeName(v.type())) +
                       ", expected " + std::string(want));
}

std::optional<ParseError> SetCountJson(element v, std::string_view field, int64_t* dst) {
  switch (v.type()) {
    case element_type::INT64: {
      const int64_t x = v.get_int64().value_unsafe();
      if (x < 0) {
        return MakeError(Reason::kBadNumber, field,
                         "field '" + std::string(field) + "' is negative, expected a count");
      }
      *dst = x;
      return std::nullopt;
    }
    case element_type::UINT64:
      return MakeError(Reason::kBadNumber, field,
                       "field '" + std::string(field) + "' is too large for a 64-bit count");
    case element_type::STRING:
      return internal::SetCount(v.get_string().value_unsafe(), field, dst);
    default:
      return WrongType(Reason::kBadNumber, field, v, "a count");
  }
}

std::optional<ParseError> SetBoolJson(element v, std::string_view field, bool* dst) {
  if (v.type() == element_type::BOOL) {
    *dst = v.get_bool().value_unsafe();
    return std::nullopt;
  }
  if (v.type() == element_type::STRING) {
    return internal::SetBool(v.get_string().value_unsafe(), field, dst);
  }
  return WrongType(Reason::kBadBool, field, v, "true or false");
}

std::optional<ParseError> SetHashtagsJson(element v, const ParseOptions& options, Tweet* out) {
  constexpr std::string_view kField = "hashtags";
  if (v.type() == element_type::STRING) {
    return internal::SetHashtagList(v.get_string().value_unsafe(), options, out);
  }
  if (v.type() != element_type::ARRAY) {
    return WrongType(Reason::kBadHashtags, kField, v, "an array of strings");
  }
  size_t n = 0;
  simdjson::dom::array items;
  if (v.get_array().get(items)) return WrongType(Reason::kBadHashtags, kField, v, "an array");
  for (element item : items) {
    if (item.type() != element_type::STRING) {
      out->hashtags.clear();
      return WrongType(Reason::kBadHashtags, kField, item, "a string in the hashtags array");
    }
    if (n == out->hashtags.size()) out->hashtags.emplace_back();
    std::string& tag = out->hashtags[n++];
    if (auto err = internal::SetText(item.get_string().value_unsafe(), false, kField, options, &tag,
                                     out)) {
      out->hashtags.clear();
      return err;
    }
  }
  out->hashtags.resize(n);
  return std::nullopt;
}

std::optional<ParseError> SetField(Field f, element v, const ParseOptions& options, Tweet* out) {
  std::optional<ParseError> err;
  VisitSeedField(f, *out, [&](const auto& def, auto& value) {
    using Def = std::remove_cvref_t<decltype(def)>;
    const std::string_view name = def.SeedName();
    if constexpr (Def::type == ValueType::kString) {
      if (v.type() != element_type::STRING) {
        err = WrongType(Reason::kMalformedJson, name, v, "a string");
      } else {
        err = internal::SetText(v.get_string().value_unsafe(), false, name, options, &value, out);
      }
    } else if constexpr (Def::type == ValueType::kTimestamp) {
      if (v.type() != element_type::STRING) {
        err = WrongType(Reason::kBadTimestamp, name, v, "a \"YYYY-MM-DD HH:MM:SS\" string");
      } else {
        err = internal::SetTimestamp(v.get_string().value_unsafe(), options.mapping[f].format, name,
                                     def.required, &value);
      }
    } else if constexpr (Def::type == ValueType::kInt64) {
      err = SetCountJson(v, name, &value);
    } else if constexpr (Def::type == ValueType::kBool) {
      err = SetBoolJson(v, name, &value);
    } else if constexpr (Def::type == ValueType::kStringList) {
      err = SetHashtagsJson(v, options, out);
    } else {
      static_assert(Def::type == ValueType::kString, "a seed type the JSON reader lacks");
    }
  });
  return err;
}

}  // namespace

std::optional<ParseError> ParseJsonRecord(std::string_view raw, const ParseOptions& options,
                                          Tweet* out) {
  if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return MakeError(Reason::kEmptyRecord, "", "empty JSON record");
  }
  out->utf8_repaired = false;
  thread_local simdjson::dom::parser parser;
  thread_local std::string repaired;
  bool repaired_input = false;
  element doc;
  auto error = parser.parse(raw.data(), raw.size()).get(doc);
  if (error == simdjson::UTF8_ERROR) {
    if (options.utf8 == Utf8Policy::kReject) {
      return MakeError(Reason::kInvalidUtf8, "",
                       "record has invalid UTF-8 at byte " + std::to_string(ValidUtf8Prefix(raw)));
    }
    // Repairing the whole record keeps its JSON structure: U+FFFD only replaces bytes >= 0x80.
    repaired.clear();
    AppendRepairedUtf8(repaired, raw);
    repaired_input = true;
    error = parser.parse(repaired.data(), repaired.size()).get(doc);
  }
  if (error) {
    return MakeError(Reason::kMalformedJson, "",
                     std::string("not valid JSON: ") + simdjson::error_message(error));
  }
  if (doc.type() != element_type::OBJECT) {
    return MakeError(Reason::kMalformedJson, "",
                     "record is " + std::string(TypeName(doc.type())) + ", expected an object");
  }
  const ColumnMapping& mapping = options.mapping;
  std::array<bool, kFieldCount> mapped{};
  for (size_t f = 0; f < kFieldCount; ++f) mapped[f] = !mapping.columns[f].source.empty();
  // Every field starts at its default: keys may be absent, and *out is reused.
  internal::ResetUnmapped({}, out);
  std::array<bool, kFieldCount> seen{};
  size_t n_extra = 0;
  simdjson::dom::object object;
  if (doc.get_object().get(object)) {
    return MakeError(Reason::kMalformedJson, "", "record is not an object");
  }
  for (auto [key, value] : object) {
    int field = -1;
    for (size_t f = 0; f < kFieldCount; ++f) {
      if (mapping.columns[f].source == key) {
        field = static_cast<int>(f);
        break;
      }
    }
    if (field < 0) {
      if (!options.keep_extra_columns) continue;
      if (n_extra == out->extra.size()) out->extra.emplace_back();
      auto& [name, text] = out->extra[n_extra++];
      name.assign(key);
      if (value.type() == element_type::STRING) {
        text.assign(value.get_string().value_unsafe());
      } else {
        text = simdjson::minify(value);
      }
      if (text.size() > options.max_field_bytes) {
        return MakeError(Reason::kFieldTooLarge, key,
                         "key '" + std::string(key) + "' has " + std::to_string(text.size()) +
                             " bytes, over the limit of " +
                             std::to_string(options.max_field_bytes));
      }
      continue;
    }
    if (value.type() == element_type::NULL_VALUE) continue;  // absent: the default stays
    seen[static_cast<size_t>(field)] = true;
    if (auto err = SetField(static_cast<Field>(field), value, options, out)) return err;
  }
  out->extra.resize(n_extra);
  // A required field must be present, and a required text non-empty.
  std::optional<ParseError> missing;
  size_t i = 0;
  ForEachSeedField(*out, [&](const auto& def, const auto& value) {
    const size_t f = i++;
    if (missing || !def.required || !mapped[f]) return;
    bool empty = !seen[f];
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(value)>, std::string>) {
      empty = empty || value.empty();
    }
    if (empty) {
      missing = MakeError(Reason::kMissingField, def.SeedName(),
                          "field '" + std::string(def.SeedName()) + "' is missing or empty");
    }
  });
  if (missing) return missing;
  if (repaired_input) out->utf8_repaired = true;
  return std::nullopt;
}

}  // namespace covidflow::schema
