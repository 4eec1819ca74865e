#include "registry/names.h"

#include <string>

#include "base/numbers.h"
#include "base/utf8.h"

namespace covidflow::registry {

namespace {

Status Refuse(std::string_view field, std::string_view name, std::string_view why) {
  std::string shown(name.substr(0, 64));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (name.size() > 64) shown += "...";
  std::string message(field);
  message += " '";
  message += shown;
  message += "' is refused: ";
  message += why;
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

Status ValidateName(std::string_view field, std::string_view name) {
  if (name.empty()) return Refuse(field, name, "it is empty");
  if (name.size() > kMaxNameBytes) {
    return Refuse(field, name,
                  "it is " + std::to_string(name.size()) + " bytes, over the limit of " +
                      std::to_string(kMaxNameBytes));
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Refuse(field, name, "it contains a control character");
    if (c == '/' || c == '\\') return Refuse(field, name, "it contains a path separator");
  }
  if (name.find("..") != std::string_view::npos) return Refuse(field, name, "it contains '..'");
  if (name == ".") return Refuse(field, name, "'.' is not a name");
  if (!IsValidUtf8(name)) return Refuse(field, name, "it is not valid UTF-8");
  return Status::Ok();
}

Status ValidateAlias(std::string_view alias) {
  RETURN_IF_ERROR(ValidateName("alias", alias));
  if (alias == "latest") return Refuse("alias", alias, "'latest' is reserved");
  if (alias.size() > 1 && (alias[0] == 'v' || alias[0] == 'V') &&
      alias.find_first_not_of("0123456789", 1) == std::string_view::npos) {
    return Refuse("alias", alias, "it reads as a version number");
  }
  return Status::Ok();
}

Status ValidateTags(std::string_view field, const StringMap& tags) {
  for (const auto& [key, value] : tags) {
    RETURN_IF_ERROR(ValidateName(field, key));
    if (value.size() > kMaxTagValueBytes) {
      return Refuse(field, key,
                    "its value is over " + std::to_string(kMaxTagValueBytes) + " bytes");
    }
  }
  return Status::Ok();
}

Status ValidateRunData(const RunData& data) {
  for (const auto& [key, value] : data.params) {
    RETURN_IF_ERROR(ValidateName("param", key));
    if (value.size() > kMaxParamValueBytes) {
      return Refuse("param", key,
                    "its value is over " + std::to_string(kMaxParamValueBytes) + " bytes");
    }
  }
  for (const Metric& m : data.metrics) RETURN_IF_ERROR(ValidateName("metric", m.key));
  RETURN_IF_ERROR(ValidateTags("tag", data.tags));
  return ValidateTags("lineage key", data.lineage);
}

Status ValidateChange(const Change& change) {
  if (change.actor.empty()) {
    return Status::InvalidArgument("a change needs an actor (--actor, or the OS user)");
  }
  RETURN_IF_ERROR(ValidateName("actor", change.actor));
  if (change.reason.size() > kMaxTagValueBytes) {
    return Status::InvalidArgument("reason is over " + std::to_string(kMaxTagValueBytes) +
                                   " bytes");
  }
  return Status::Ok();
}

Result<int64_t> ParseVersion(std::string_view text) {
  const std::optional<int64_t> v = ParseIntIn(text, 1, INT64_MAX);
  if (!v) {
    return Status::InvalidArgument("version '" + std::string(text.substr(0, 64)) +
                                   "' is not a positive integer");
  }
  return *v;
}

}  // namespace covidflow::registry
