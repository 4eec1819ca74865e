#include "config/settings.h"

#include <cctype>
#include <string>

#include "config/settings_table.h"

namespace covidflow::config {

std::span<const Setting> AllSettings() { return kSettings; }

const Setting* FindSetting(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::string EnvName(std::string_view key) {
  std::string env = "COVIDFLOW_";
  for (char c : key) {
    env.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return env;
}

bool AppliesTo(const Setting& s, std::string_view command) {
  if (s.commands == "*") return true;
  std::string_view rest = s.commands;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    if (rest.substr(0, sp) == command) return true;
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  return false;
}

}  // namespace covidflow::config
