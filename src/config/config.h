#pragma once
// The effective configuration of one command: defaults < YAML file < environment < flags.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/settings.h"

namespace covidflow::config {

enum class Origin { kDefault, kFile, kEnv, kFlag };
std::string_view OriginName(Origin origin);

struct Value {
  const Setting* setting;
  std::string text;  // validated against the setting's type and bounds
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

  const std::string& Str(std::string_view key) const;
  int64_t Int(std::string_view key) const;
  double Double(std::string_view key) const;
  bool Bool(std::string_view key) const;
  // Setting values for `key` (for an explicit check: did the user give it?).
  const Value& Get(std::string_view key) const;

  const std::vector<std::string>& positional() const { return positional_; }
  bool help() const { return help_; }
  const std::string& config_file() const { return config_file_; }
  const std::vector<Value>& values() const { return values_; }

 private:
  Status Set(const Setting& s, std::string_view text, Origin origin, std::string_view where);

  std::vector<Value> values_;  // one per setting, in table order
  std::vector<std::string> positional_;
  std::string config_file_;
  bool help_ = false;
};

// Checks `text` against the setting; returns the canonical text ("true", "42").
Result<std::string> Validate(const Setting& s, std::string_view text);

// "Options:" block of a command's --help, from the table.
std::string FlagsHelp(std::string_view command);
// docs/configuration.md, from the table.
std::string ConfigurationMarkdown();

}  // namespace covidflow::config
