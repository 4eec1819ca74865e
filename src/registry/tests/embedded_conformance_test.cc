// The Registry conformance suite against the embedded registry (SQLite + artifact directory).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "registry/embedded.h"
#include "registry/tests/registry_conformance.h"

namespace covidflow::registry::testing {
namespace {

// Every case gets a fresh registry in a directory removed when the binary exits.
Result<std::unique_ptr<Registry>> NewEmbeddedRegistry() {
  static ::covidflow::testing::TempDir root("cf_registry_embedded");
  static int counter = 0;
  const std::string dir = root.Sub("r" + std::to_string(counter++));
  return OpenEmbeddedRegistry(EmbeddedOptions{dir + "/registry.db", dir + "/artifacts"});
}

INSTANTIATE_TEST_SUITE_P(Embedded, RegistryConformanceTest,
                         ::testing::Values(RegistryUnderTest{"embedded", NewEmbeddedRegistry}),
                         RegistryUnderTestName);

constexpr const char* kChildEnv = "CF_REGISTRY_TEST_CHILD";

// `covidflow up` holds several connections on one registry (the loop's, the server's, each
// model load's) while other processes (a person's `models promote`, a `train --register`)
// write to it. Each must see the others' commits: opening a second handle here once dropped
// this process's SQLite locks, another process then deleted -wal and -shm on close, and this
// process went on alone in the deleted files (an alias moved elsewhere was never seen, and its
// own moves were lost to the others). The other process is this binary run again (a fork
// alone would share SQLite's in-process lock table): with kChildEnv set to the registry's
// directory, the case checks that the alias is at version 1, moves it to 2 and exits.
TEST(EmbeddedRegistryProcessesTest, HandlesInTwoProcessesSeeEachOthersAliasMoves) {
  const Change change{"test", "two processes"};
  if (const char* child_dir = std::getenv(kChildEnv)) {
    const std::string d = child_dir;
    auto there = OpenEmbeddedRegistry(EmbeddedOptions{d + "/registry.db", d + "/artifacts"});
    if (!there.ok()) std::_Exit(10);
    auto held = (*there)->GetVersionByAlias("tweets", "champion");
    if (!held.ok() || held->version != 1) std::_Exit(11);
    if (!(*there)->SetAlias("tweets", "champion", 2, change).ok()) std::_Exit(12);
    there->reset();
    std::_Exit(0);
  }
  ::covidflow::testing::TempDir dir("cf_registry_two_processes");
  const EmbeddedOptions where{dir.Sub("r/registry.db"), dir.Sub("r/artifacts")};
  auto first = OpenEmbeddedRegistry(where);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Registry& here = **first;
  const std::string artifact = dir.Sub("artifact");
  ASSERT_TRUE(MakeDirs(artifact).ok());
  ASSERT_TRUE(ReplaceFileAtomically(artifact + "/MLmodel", "x", artifact + "/t").ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(here.RegisterVersion(NewVersion{"tweets", "", artifact, "", {}}, change).ok());
  }
  ASSERT_TRUE(here.SetAlias("tweets", "champion", 1, change).ok());
  // A second handle in this process, as `up` opens one for each model it loads.
  auto second = OpenEmbeddedRegistry(where);
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  // Rounds of: the other process reads what this one set and moves the alias; this one must
  // see the move, then moves it back. The child's exit code says what it saw.
  const std::string self = "/proc/self/exe";
  const std::string filter =
      "--gtest_filter=EmbeddedRegistryProcessesTest.HandlesInTwoProcessesSeeEachOthersAliasMoves";
  for (int round = 0; round < 3; ++round) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::setenv(kChildEnv, dir.Sub("r").c_str(), 1);
      ::execl(self.c_str(), self.c_str(), filter.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFEXITED(wstatus));
    ASSERT_EQ(WEXITSTATUS(wstatus), 0)
        << "round " << round << ": 11 = the other process did not see version 1";
    for (Registry* r : {&here, second->get()}) {
      auto held = r->GetVersionByAlias("tweets", "champion");
      ASSERT_TRUE(held.ok()) << held.status().ToString();
      EXPECT_EQ(held->version, 2) << "round " << round << ": the other process's move unseen";
    }
    ASSERT_TRUE(here.SetAlias("tweets", "champion", 1, change).ok());
  }
}

}  // namespace
}  // namespace covidflow::registry::testing
