// ParseJsonRecord (declared in schema/parse.h): one JSON object in the tweet's JSON form.
#include <simdjson.h>

#include <string>

#include "schema/internal/values.h"
#include "schema/parse.h"
#include "base/utf8.h"

namespace covidflow::schema {

using internal::MakeError;
using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

std::string_view TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
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
    if (auto err = internal::SetText(item.get_string().value_unsafe(), false, kField, options,
                                     &tag, out)) {
      out->hashtags.clear();
      return err;
    }
  }
  out->hashtags.resize(n);
  return std::nullopt;
}

std::optional<ParseError> SetField(Field f, element v, const ParseOptions& options, Tweet* out) {
  const std::string_view name = FieldName(f);
  auto text = [&](std::string* dst) -> std::optional<ParseError> {
    if (v.type() != element_type::STRING) {
      return WrongType(Reason::kMalformedJson, name, v, "a string");
    }
    return internal::SetText(v.get_string().value_unsafe(), false, name, options, dst, out);
  };
  auto timestamp = [&](Timestamp* dst, bool required) -> std::optional<ParseError> {
    if (v.type() != element_type::STRING) {
      return WrongType(Reason::kBadTimestamp, name, v, "a \"YYYY-MM-DD HH:MM:SS\" string");
    }
    return internal::SetTimestamp(v.get_string().value_unsafe(),
                                  options.mapping[f].format, name, required, dst);
  };
  switch (f) {
    case Field::kUserName: return text(&out->user_name);
    case Field::kUserLocation: return text(&out->user_location);
    case Field::kUserDescription: return text(&out->user_description);
    case Field::kText: return text(&out->text);
    case Field::kSource: return text(&out->source);
    case Field::kUserCreated: return timestamp(&out->user_created, false);
    case Field::kDate: return timestamp(&out->date, true);
    case Field::kUserFollowers: return SetCountJson(v, name, &out->user_followers);
    case Field::kUserFriends: return SetCountJson(v, name, &out->user_friends);
    case Field::kUserFavourites: return SetCountJson(v, name, &out->user_favourites);
    case Field::kUserVerified: return SetBoolJson(v, name, &out->user_verified);
    case Field::kIsRetweet: return SetBoolJson(v, name, &out->is_retweet);
    case Field::kHashtags: return SetHashtagsJson(v, options, out);
  }
  return std::nullopt;
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
  for (Field f : {Field::kUserName, Field::kDate, Field::kText}) {
    const auto i = static_cast<size_t>(f);
    if (!mapped[i]) continue;
    const bool empty = f == Field::kUserName ? out->user_name.empty()
                       : f == Field::kText   ? out->text.empty()
                                             : false;
    if (!seen[i] || empty) {
      return MakeError(Reason::kMissingField, FieldName(f),
                       "field '" + std::string(FieldName(f)) + "' is missing or empty");
    }
  }
  if (repaired_input) out->utf8_repaired = true;
  return std::nullopt;
}

}  // namespace covidflow::schema
