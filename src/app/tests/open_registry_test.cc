// app::OpenRegistry: the one place a registry URI is read, and the embedded store's modes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "app/app.h"
#include "base/fs.h"
#include "base/testing/temp_dir.h"

namespace covidflow::app {
namespace {

using ::covidflow::testing::TempDir;

int ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 0777);
}

// Registers one version through `uri` and returns where its artifacts went.
std::string RegisterOne(const std::string& uri, const CliOptions& cli, const std::string& src) {
  auto reg = OpenRegistry(uri, cli);
  EXPECT_TRUE(reg.ok()) << reg.status().ToString();
  if (!reg.ok()) return {};
  auto v = (*reg)->RegisterVersion(registry::NewVersion{"m", "", src, "", {}},
                                   registry::Change{"tester", ""});
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? v->source : std::string();
}

TEST(OpenRegistryTest, DefaultDirectoryAndSqliteUris) {
  TempDir dir("cf_open_registry");
  ASSERT_TRUE(MakeDirs(dir.Sub("src")).ok());
  ASSERT_TRUE(ReplaceFileAtomically(dir.Sub("src/f"), "x", dir.Sub("src/f.tmp")).ok());
  CliOptions cli;
  cli.home = dir.Sub("home");

  EXPECT_EQ(RegisterOne("", cli, dir.Sub("src")).rfind(dir.Sub("home/registry/artifacts/"), 0), 0u);
  EXPECT_TRUE(PathExists(dir.Sub("home/registry/registry.db")));

  EXPECT_EQ(
      RegisterOne(dir.Sub("plain"), cli, dir.Sub("src")).rfind(dir.Sub("plain/artifacts/"), 0), 0u);
  EXPECT_TRUE(PathExists(dir.Sub("plain/registry.db")));

  EXPECT_EQ(RegisterOne("sqlite:///" + dir.Sub("lite/reg.db"), cli, dir.Sub("src"))
                .rfind(dir.Sub("lite/artifacts/"), 0),
            0u);
  EXPECT_TRUE(PathExists(dir.Sub("lite/reg.db")));
}

TEST(OpenRegistryTest, TheStoreIsPrivateToItsOwner) {
  TempDir dir("cf_open_registry");
  ASSERT_TRUE(MakeDirs(dir.Sub("src/sub")).ok());
  ASSERT_TRUE(ReplaceFileAtomically(dir.Sub("src/sub/f"), "x", dir.Sub("src/sub/f.tmp")).ok());
  CliOptions cli;
  const std::string source = RegisterOne(dir.Sub("reg"), cli, dir.Sub("src"));
  ASSERT_FALSE(source.empty());
  EXPECT_EQ(ModeOf(dir.Sub("reg")), 0700);
  EXPECT_EQ(ModeOf(dir.Sub("reg/registry.db")), 0600);
  EXPECT_EQ(ModeOf(dir.Sub("reg/artifacts")), 0700);
  EXPECT_EQ(ModeOf(source), 0700);
  EXPECT_EQ(ModeOf(source + "/sub"), 0700);
  EXPECT_EQ(ModeOf(source + "/sub/f"), 0600);
  // SQLite's write-ahead log exists while a connection is open and takes the database's mode.
  auto open = OpenRegistry(dir.Sub("reg"), cli);
  ASSERT_TRUE(open.ok());
  ASSERT_TRUE((*open)->GetOrCreateExperiment("e").ok());
  EXPECT_EQ(ModeOf(dir.Sub("reg/registry.db-wal")), 0600);
}

TEST(OpenRegistryTest, UnknownSchemesAreRefusedNamingTheSetting) {
  CliOptions cli;
  for (const char* bad : {"s3://bucket/x", "sqlite:///", "file:///tmp/x"}) {
    auto reg = OpenRegistry(bad, cli);
    ASSERT_FALSE(reg.ok()) << bad;
    EXPECT_EQ(reg.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(reg.status().message().find("registry.uri"), std::string::npos)
        << reg.status().ToString();
  }
}

TEST(OpenRegistryTest, TheActorIsTheFlagOrTheOsUser) {
  RegistrySettings s;
  s.reason = "why";
  EXPECT_EQ(ChangeFrom(s).actor, registry::DefaultActor());
  EXPECT_FALSE(ChangeFrom(s).actor.empty());
  s.actor = "ci-bot";
  EXPECT_EQ(ChangeFrom(s).actor, "ci-bot");
  EXPECT_EQ(ChangeFrom(s).reason, "why");
}

}  // namespace
}  // namespace covidflow::app
