#pragma once
// Each setting is declared once (settings_table.h): key, type, default, bounds, the
// commands that take it, and its help. The loader (config.h), every command's --help,
// `covidflow config show` and docs/configuration.md all read that one table. Modules never
// read files, environment variables or this table; app/ binds each row to a field of a
// module's options struct (app/settings.h).
#include <span>
#include <string>
#include <string_view>

namespace covidflow::config {

enum class Type { kString, kInt, kDouble, kBool, kEnum };

struct Setting {
  std::string_view key;  // "process.group": the YAML path and the env var name
  Type type;
  std::string_view default_value;
  std::string_view flag;      // "--group" (without value); "" = no flag
  std::string_view commands;  // space-separated commands that take it; "*" = every command
  std::string_view help;
  double min = 0;  // numeric bounds (inclusive); ignored when min > max
  double max = -1;
  std::string_view choices = {};  // kEnum: "csv|jsonl"
};

// The table, in the order `config show` prints it.
std::span<const Setting> AllSettings();
const Setting* FindSetting(std::string_view key);
// "COVIDFLOW_PROCESS_GROUP" for "process.group".
std::string EnvName(std::string_view key);
bool AppliesTo(const Setting& s, std::string_view command);

}  // namespace covidflow::config
