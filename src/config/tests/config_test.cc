#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <variant>

#include "base/testing/temp_dir.h"

namespace covidflow::config {
namespace {

EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

Result<Config> LoadArgs(std::string_view cmd, std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
  return Config::Load(cmd, args, MapEnv(std::move(env)));
}

template <typename T>
const T& As(const Config& c, Key key) {
  return std::get<T>(c.Get(key).typed);
}

std::string WriteTemp(const std::string& text) {
  static const testing::TempDir dir("cf_config_test");
  static int files = 0;
  const std::string path = dir.Sub(std::to_string(files++) + ".yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigTest, DefaultsFromTable) {
  auto c = LoadArgs("process", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(As<std::string>(*c, K("process.group")), "covidflow-processor");
  EXPECT_EQ(As<int64_t>(*c, K("process.batch")), 8192);
  EXPECT_FALSE(As<bool>(*c, K("json")));
  EXPECT_EQ(c->Get(K("process.group")).origin, Origin::kDefault);
}

TEST(ConfigTest, PrecedenceFileEnvFlag) {
  std::string file =
      WriteTemp("process:\n  group: from-file\n  batch: 10\nlog:\n  partitions: 8\n");
  auto c = LoadArgs("process", {"--config", file, "--batch", "20"},
                    {{"COVIDFLOW_PROCESS_GROUP", "from-env"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(As<std::string>(*c, K("process.group")), "from-env");
  EXPECT_EQ(c->Get(K("process.group")).origin, Origin::kEnv);
  EXPECT_EQ(As<int64_t>(*c, K("process.batch")), 20);
  EXPECT_EQ(c->Get(K("process.batch")).origin, Origin::kFlag);
  EXPECT_EQ(As<int64_t>(*c, K("log.partitions")), 8);
  EXPECT_EQ(c->Get(K("log.partitions")).origin, Origin::kFile);
  std::remove(file.c_str());
}

TEST(ConfigTest, FlagsForms) {
  auto c = LoadArgs(
      "process", {"--exit-when-idle", "--group=g1", "--set", "log.fsync=never", "--json", "pos1"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(As<bool>(*c, K("process.exit_when_idle")));
  EXPECT_EQ(As<std::string>(*c, K("process.group")), "g1");
  EXPECT_EQ(As<Choice>(*c, K("log.fsync")).index, 0);  // never|interval|every-flush
  EXPECT_EQ(c->Get(K("log.fsync")).text, "never");
  EXPECT_TRUE(As<bool>(*c, K("json")));
  ASSERT_EQ(c->positional().size(), 1u);
  EXPECT_EQ(c->positional()[0], "pos1");
}

TEST(ConfigTest, ValuesAreStoredTyped) {
  auto c =
      LoadArgs("generate", {"--malformed-rate", "0.25", "--format", "jsonl", "--engagement=yes"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(As<double>(*c, K("generate.malformed_rate")), 0.25);
  EXPECT_EQ(As<Choice>(*c, K("generate.format")), Choice{1});
  EXPECT_TRUE(As<bool>(*c, K("generate.engagement")));
  // Bounds are checked on the double, the value itself is kept exact as an integer.
  auto big = LoadArgs("generate", {"--count", "8999999999999999999"});
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(As<int64_t>(*big, K("generate.count")), 8999999999999999999);
  // `config show` prints what was given; booleans in one spelling.
  EXPECT_EQ(c->Get(K("generate.engagement")).text, "true");
  EXPECT_EQ(c->Get(K("generate.malformed_rate")).text, "0.25");
}

TEST(ConfigTest, EnumChoicesByPosition) {
  const Setting& s = SettingOf(K("kafka.compression"));
  ASSERT_EQ(ChoiceCount(s), 5u);
  const char* names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  for (int i = 0; i < 5; ++i) {
    auto v = Validate(s, names[i]);
    ASSERT_TRUE(v.ok()) << names[i];
    EXPECT_EQ(std::get<Choice>(*v).index, i);
  }
  EXPECT_FALSE(Validate(s, "lz").ok());
  EXPECT_FALSE(Validate(s, "lz4|zstd").ok());
}

TEST(ConfigTest, ClearErrors) {
  auto unknown = LoadArgs("process", {"--frobnicate"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "unknown flag --frobnicate for 'process' (covidflow process --help)");
  // A flag of another command is unknown here.
  EXPECT_FALSE(LoadArgs("process", {"--count", "3"}).ok());

  auto range = LoadArgs("process", {"--batch", "0"});
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.status().message().find("out of range"), std::string::npos);

  auto notint = LoadArgs("generate", {"--count", "12x"});
  ASSERT_FALSE(notint.ok());
  EXPECT_EQ(notint.status().message(), "--count: generate.count: '12x' is not an integer");

  auto badenum = LoadArgs("generate", {"--format", "xml"});
  ASSERT_FALSE(badenum.ok());
  EXPECT_NE(badenum.status().message().find("csv|jsonl"), std::string::npos);

  EXPECT_FALSE(LoadArgs("process", {"--batch"}).ok());
  EXPECT_FALSE(LoadArgs("process", {}, {{"COVIDFLOW_PROCESS_BATCH", "lots"}}).ok());
  EXPECT_FALSE(LoadArgs("process", {"--config", "/nonexistent/cf.yaml"}).ok());

  std::string bad_yaml = WriteTemp("process: [unclosed\n");
  EXPECT_FALSE(LoadArgs("process", {"--config", bad_yaml}).ok());
  std::string unknown_key = WriteTemp("process:\n  grop: x\n");
  auto uk = LoadArgs("process", {"--config", unknown_key});
  ASSERT_FALSE(uk.ok());
  EXPECT_NE(uk.status().message().find("unknown setting 'process.grop'"), std::string::npos);
  std::remove(bad_yaml.c_str());
  std::remove(unknown_key.c_str());
}

TEST(ConfigTest, EveryDefaultValidatesAndEveryFlagIsUniquePerCommand) {
  for (const Setting& s : AllSettings()) {
    EXPECT_TRUE(Validate(s, s.default_value).ok()) << s.key << " default " << s.default_value;
  }
  for (std::string_view cmd : {"generate", "produce", "process", "topic", "demo", "sentiment"}) {
    std::map<std::string_view, std::string_view> seen;
    for (const Setting& s : AllSettings()) {
      if (s.flag.empty() || !AppliesTo(s, cmd)) continue;
      EXPECT_TRUE(seen.emplace(s.flag, s.key).second)
          << cmd << ": flag " << s.flag << " used by " << seen[s.flag] << " and " << s.key;
    }
  }
}

TEST(ConfigTest, HelpAndDocsComeFromTheTable) {
  std::string help = FlagsHelp("process");
  EXPECT_NE(help.find("--group"), std::string::npos);
  EXPECT_EQ(help.find("--count"), std::string::npos);
  std::string md = ConfigurationMarkdown();
  EXPECT_NE(md.find("`COVIDFLOW_PROCESS_GROUP`"), std::string::npos);
}

}  // namespace
}  // namespace covidflow::config
