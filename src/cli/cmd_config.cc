// config show|docs: the effective settings, or the reference generated from the table.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace covidflow::cli {

int RunConfig(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  const std::string what = pos.empty() ? "show" : pos[0];
  if (pos.size() > 1 || (what != "show" && what != "docs")) {
    return Usage("config", "expected: config show|docs");
  }
  if (what == "docs") {
    std::printf("%s", config::ConfigurationMarkdown().c_str());
    return 0;
  }
  if (s.cli.json) {
    nlohmann::json j = nlohmann::json::object();
    for (const config::Value& v : c.values()) {
      j[std::string(v.setting->key)] = {{"value", v.text},
                                        {"origin", std::string(config::OriginName(v.origin))}};
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  if (!c.config_file().empty()) std::printf("# config file: %s\n", c.config_file().c_str());
  for (const config::Value& v : c.values()) {
    std::printf("%-28s = %-24s # %s\n", std::string(v.setting->key).c_str(),
                v.text.empty() ? "\"\"" : v.text.c_str(),
                std::string(config::OriginName(v.origin)).c_str());
  }
  return 0;
}

}  // namespace covidflow::cli
