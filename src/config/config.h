#pragma once
// The effective configuration of one command: defaults < YAML file < environment < flags.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "config/settings.h"
#include "config/settings_table.h"

namespace covidflow::config {

enum class Origin { kDefault, kFile, kEnv, kFlag };
std::string_view OriginName(Origin origin);

// The value of a kEnum setting: its position in the setting's choices ("csv|jsonl": csv = 0).
struct Choice {
  int index = 0;
  friend bool operator==(Choice, Choice) = default;
};

// A validated value, by the setting's type: kString → std::string, kInt → int64_t,
// kDouble → double, kBool → bool, kEnum → Choice.
using Typed = std::variant<std::string, int64_t, double, bool, Choice>;

struct Value {
  const Setting* setting;
  Typed typed;       // parsed once, when the value is set
  std::string text;  // as given (booleans canonical: "true"/"false"), for `config show`
  Origin origin;
};

// Looks up an environment variable; std::getenv in production, a map in tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

class Config {
 public:
  // Parses `args` (what follows the command name) for `command`. Recognises --config FILE
  // (else $COVIDFLOW_CONFIG), --set KEY=VALUE, --help/-h, and each setting's flag.
  // Errors are one line for a person: unknown flag, bad value, unreadable or bad file.
  static Result<Config> Load(std::string_view command, std::span<const std::string> args,
                             const EnvLookup& env);

  // The value of a setting. There is no lookup by string: a Key comes from K("..."), which
  // does not compile for a key that is not in the table. app/settings.cc reads these to
  // fill the modules' option structs; nothing else should.
  const Value& Get(Key key) const { return values_[key.index]; }

  const std::vector<std::string>& positional() const { return positional_; }
  bool help() const { return help_; }
  const std::string& config_file() const { return config_file_; }
  const std::vector<Value>& values() const { return values_; }

 private:
  Status Set(const Setting& s, std::string_view text, Origin origin, std::string_view where);

  std::vector<Value> values_;  // one per setting, in table order (Key::index)
  std::vector<std::string> positional_;
  std::string config_file_;
  bool help_ = false;
};

// Checks `text` against the setting's type, bounds or choices; returns the typed value.
// The error is one line naming the setting.
Result<Typed> Validate(const Setting& s, std::string_view text);

// "Options:" block of a command's --help, from the table.
std::string FlagsHelp(std::string_view command);
// docs/configuration.md, from the table.
std::string ConfigurationMarkdown();

}  // namespace covidflow::config
