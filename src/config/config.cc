#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/numbers.h"

namespace covidflow::config {

std::string_view OriginName(Origin origin) {
  switch (origin) {
    case Origin::kDefault:
      return "default";
    case Origin::kFile:
      return "file";
    case Origin::kEnv:
      return "env";
    case Origin::kFlag:
      return "flag";
  }
  return "?";
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// An int setting is parsed as an integer (not through double, which would round values
// above 2^53); bounds are checked in both cases.
Result<Typed> ParseNumber(const Setting& s, std::string_view text) {
  if (text.empty()) return Status::InvalidArgument(std::string(s.key) + ": empty value");
  Typed typed;
  double v = 0;
  bool ok = false;
  if (s.type == Type::kInt) {
    const std::optional<int64_t> i = ParseInt(text);
    ok = i.has_value();
    typed = i.value_or(0);
    v = static_cast<double>(i.value_or(0));
  } else {
    const std::optional<double> d = ParseDouble(text);
    ok = d.has_value() && std::isfinite(*d);
    v = d.value_or(0);
    typed = v;
  }
  if (!ok) {
    return Status::InvalidArgument(std::string(s.key) + ": " + Quoted(text) + " is not " +
                                   (s.type == Type::kInt ? "an integer" : "a number"));
  }
  if (s.min <= s.max && (v < s.min || v > s.max)) {
    std::ostringstream m;
    m << s.key << ": " << text << " is out of range [" << s.min << ", " << s.max << "]";
    return Status::InvalidArgument(m.str());
  }
  return typed;
}

}  // namespace

Result<Typed> Validate(const Setting& s, std::string_view text) {
  switch (s.type) {
    case Type::kString:
      return Typed(std::string(text));
    case Type::kInt:
    case Type::kDouble:
      return ParseNumber(s, text);
    case Type::kBool: {
      if (text == "true" || text == "1" || text == "yes" || text == "on") return Typed(true);
      if (text == "false" || text == "0" || text == "no" || text == "off") return Typed(false);
      return Status::InvalidArgument(std::string(s.key) + ": " + Quoted(text) +
                                     " is not a boolean (true or false)");
    }
    case Type::kEnum: {
      std::string_view rest = s.choices;
      for (int index = 0;; ++index) {
        size_t bar = rest.find('|');
        if (rest.substr(0, bar) == text) return Typed(Choice{index});
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
      return Status::InvalidArgument(std::string(s.key) + ": " + Quoted(text) + " is not one of " +
                                     std::string(s.choices));
    }
  }
  return Status::Internal("unknown setting type");
}

Status Config::Set(const Setting& s, std::string_view text, Origin origin, std::string_view where) {
  Result<Typed> v = Validate(s, text);
  if (!v.ok()) return v.status().WithContext(where);
  Value& value = values_[static_cast<size_t>(&s - AllSettings().data())];
  value.typed = std::move(v).value();
  value.text =
      s.type == Type::kBool ? (std::get<bool>(value.typed) ? "true" : "false") : std::string(text);
  value.origin = origin;
  return Status::Ok();
}

namespace {

// Flattens nested YAML maps into dotted keys: {process: {group: g}} -> process.group=g.
Status Flatten(const YAML::Node& node, const std::string& prefix,
               std::vector<std::pair<std::string, std::string>>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      RETURN_IF_ERROR(Flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out));
    }
    return Status::Ok();
  }
  if (node.IsScalar()) {
    out.emplace_back(prefix, node.Scalar());
    return Status::Ok();
  }
  if (node.IsNull()) return Status::Ok();
  return Status::InvalidArgument("setting '" + prefix + "' must be a single value");
}

Status LoadFile(const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  std::ifstream in(path);
  if (!in) return Status::FromErrno(errno, "cannot read config file " + path);
  try {
    YAML::Node root = YAML::Load(in);
    if (!root.IsNull() && !root.IsMap()) {
      return Status::InvalidArgument("config file " + path + ": the top level must be a map");
    }
    return Flatten(root, "", out).WithContext("config file " + path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("config file " + path + ": " + e.what());
  }
}

}  // namespace

Result<Config> Config::Load(std::string_view command, std::span<const std::string> args,
                            const EnvLookup& env) {
  Config c;
  for (const Setting& s : AllSettings()) {
    c.values_.push_back(Value{&s, Typed(), std::string(), Origin::kDefault});
    // A default that does not validate is a mistake in the table (config_test checks them).
    RETURN_IF_ERROR(c.Set(s, s.default_value, Origin::kDefault, "the default"));
  }

  // First pass: find --config so the file applies before env and flags.
  if (auto e = env("COVIDFLOW_CONFIG")) c.config_file_ = *e;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return Status::InvalidArgument("--config needs a file name");
      c.config_file_ = args[i + 1];
    } else if (args[i].starts_with("--config=")) {
      c.config_file_ = args[i].substr(9);
    }
  }
  if (!c.config_file_.empty()) {
    std::vector<std::pair<std::string, std::string>> entries;
    RETURN_IF_ERROR(LoadFile(c.config_file_, entries));
    for (const auto& [key, text] : entries) {
      const Setting* s = FindSetting(key);
      if (s == nullptr) {
        return Status::InvalidArgument("config file " + c.config_file_ + ": unknown setting '" +
                                       key + "' (covidflow config show lists them)");
      }
      RETURN_IF_ERROR(c.Set(*s, text, Origin::kFile, "config file " + c.config_file_));
    }
  }

  for (const Setting& s : AllSettings()) {
    std::string name = EnvName(s.key);
    if (auto e = env(name)) RETURN_IF_ERROR(c.Set(s, *e, Origin::kEnv, name));
  }

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      c.help_ = true;
      continue;
    }
    if (a == "--config") {
      ++i;
      continue;
    }
    if (a.starts_with("--config=")) continue;
    if (a == "--") {
      for (++i; i < args.size(); ++i) c.positional_.push_back(args[i]);
      break;
    }
    if (a.size() < 2 || a[0] != '-' || a == "-") {
      c.positional_.push_back(a);
      continue;
    }
    std::string flag = a;
    std::optional<std::string> inline_value;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      flag = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    if (flag == "--set") {
      std::string kv;
      if (inline_value) {
        kv = *inline_value;
      } else if (i + 1 < args.size()) {
        kv = args[++i];
      } else {
        return Status::InvalidArgument("--set needs KEY=VALUE");
      }
      size_t eq = kv.find('=');
      const Setting* s = eq == std::string::npos ? nullptr : FindSetting(kv.substr(0, eq));
      if (s == nullptr) {
        return Status::InvalidArgument("--set " + kv + ": unknown setting (covidflow config show)");
      }
      RETURN_IF_ERROR(c.Set(*s, kv.substr(eq + 1), Origin::kFlag, "--set"));
      continue;
    }
    const Setting* match = nullptr;
    for (const Setting& s : AllSettings()) {
      if (s.flag == flag && AppliesTo(s, command)) {
        match = &s;
        break;
      }
    }
    if (match == nullptr) {
      return Status::InvalidArgument("unknown flag " + flag + " for '" + std::string(command) +
                                     "' (covidflow " + std::string(command) + " --help)");
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (match->type == Type::kBool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument(flag + " needs a value");
    }
    RETURN_IF_ERROR(c.Set(*match, value, Origin::kFlag, flag));
  }
  return c;
}

namespace {

std::string TypeText(const Setting& s) {
  switch (s.type) {
    case Type::kString:
      return "string";
    case Type::kInt:
      return "int";
    case Type::kDouble:
      return "number";
    case Type::kBool:
      return "bool";
    case Type::kEnum:
      return std::string(s.choices);
  }
  return "";
}

std::string Bounds(const Setting& s) {
  if (s.min > s.max || (s.type != Type::kInt && s.type != Type::kDouble)) return "";
  std::ostringstream o;
  o << "[" << s.min << ", " << s.max << "]";
  return o.str();
}

}  // namespace

std::string FlagsHelp(std::string_view command) {
  std::ostringstream o;
  o << "Options:\n";
  for (const Setting& s : AllSettings()) {
    if (!AppliesTo(s, command) || s.flag.empty()) continue;
    std::string left = "  " + std::string(s.flag);
    if (s.type != Type::kBool) left += " <" + TypeText(s) + ">";
    o << left;
    o << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << s.help;
    if (!s.default_value.empty()) o << " (default: " << s.default_value << ")";
    o << "\n";
  }
  o << "  --config <file>                   YAML config file (env COVIDFLOW_CONFIG)\n"
    << "  --set <key>=<value>               any setting by key (covidflow config show)\n"
    << "  -h, --help                        this help\n"
    << "Every setting also reads COVIDFLOW_<KEY> from the environment (process.group -> "
       "COVIDFLOW_PROCESS_GROUP).\n";
  return o.str();
}

std::string ConfigurationMarkdown() {
  std::ostringstream o;
  o << "# covidflow configuration\n\n"
    << "Generated from `src/config/settings_table.h` by `covidflow config docs`; do not edit.\n\n"
    << "Precedence: defaults < YAML file (`--config FILE` or `COVIDFLOW_CONFIG`) < environment "
       "(`COVIDFLOW_<KEY>`, dots as underscores) < flags (`--flag` or `--set key=value`).\n"
       "In YAML, `process.group` is written `process: {group: g}`.\n\n"
    << "| key | type | default | bounds | flag | commands | env | help |\n"
    << "|---|---|---|---|---|---|---|---|\n";
  for (const Setting& s : AllSettings()) {
    o << "| `" << s.key << "` | " << TypeText(s) << " | `" << s.default_value << "` | " << Bounds(s)
      << " | " << (s.flag.empty() ? "" : "`" + std::string(s.flag) + "`") << " | " << s.commands
      << " | `" << EnvName(s.key) << "` | " << s.help << " |\n";
  }
  return o.str();
}

}  // namespace covidflow::config
