// base/failpoint: arming by call and by spec, firing once at the chosen hit, and the actions
// that end the process (checked in a forked child).
#include "base/failpoint.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

namespace covidflow {
namespace {

Status Step(int* progress) {
  ++*progress;
  CF_FAILPOINT("test.step");
  ++*progress;
  return Status::Ok();
}

class FailpointTest : public ::testing::Test {
 protected:
  void TearDown() override { failpoint::DisarmAll(); }
};

TEST_F(FailpointTest, UnarmedPointsDoNothing) {
  int progress = 0;
  EXPECT_TRUE(Step(&progress).ok());
  EXPECT_EQ(progress, 2);
}

TEST_F(FailpointTest, ErrorStopsTheFunctionAtThePointOnce) {
  failpoint::Arm("test.step", failpoint::Action::kError);
  EXPECT_EQ(failpoint::Armed(), std::vector<std::string>{"test.step"});
  int progress = 0;
  Status s = Step(&progress);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("test.step"), std::string::npos);
  EXPECT_EQ(progress, 1) << "code after the point must not run";
  EXPECT_TRUE(failpoint::Armed().empty());
  EXPECT_TRUE(Step(&progress).ok()) << "a point fires once";
}

TEST_F(FailpointTest, FiresOnTheChosenHit) {
  failpoint::Arm("test.step", failpoint::Action::kError, 3);
  int progress = 0;
  EXPECT_TRUE(Step(&progress).ok());
  EXPECT_TRUE(Step(&progress).ok());
  EXPECT_FALSE(Step(&progress).ok());
  EXPECT_TRUE(Step(&progress).ok());
}

TEST_F(FailpointTest, OtherNamesAndDisarmedPointsDoNotFire) {
  failpoint::Arm("test.other", failpoint::Action::kError);
  int progress = 0;
  EXPECT_TRUE(Step(&progress).ok());
  failpoint::Arm("test.step", failpoint::Action::kError);
  failpoint::Disarm("test.step");
  EXPECT_TRUE(Step(&progress).ok());
  EXPECT_EQ(failpoint::Armed(), std::vector<std::string>{"test.other"});
}

TEST_F(FailpointTest, SpecArmsEveryEntry) {
  ASSERT_TRUE(failpoint::ArmFromSpec("a.one=error,b.two=kill@4,,c.three=abort@1").ok());
  EXPECT_EQ(failpoint::Armed(), (std::vector<std::string>{"a.one", "b.two", "c.three"}));
}

// A delay holds the arriving thread (at least as long as asked: a lower bound, which load can
// only lengthen), then the point goes on alone or acts.
TEST_F(FailpointTest, DelayHoldsTheThreadThenGoesOnOrActs) {
  ASSERT_TRUE(failpoint::ArmFromSpec("test.step=delay:50@2").ok());
  int progress = 0;
  EXPECT_TRUE(Step(&progress).ok());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(Step(&progress).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  EXPECT_EQ(progress, 4) << "a delay alone lets the code after the point run";
  EXPECT_TRUE(failpoint::Armed().empty());

  ASSERT_TRUE(failpoint::ArmFromSpec("test.step=delay:30+error").ok());
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Step(&progress).code(), StatusCode::kInternal);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(30));
  EXPECT_EQ(progress, 5);
}

TEST_F(FailpointTest, BadSpecsAreRejectedWholeAndNamed) {
  for (const char* bad :
       {"noaction", "=error", "x=explode", "x=kill@0", "x=kill@", "x=kill@2z", "ok=error,x=boom",
        "x=delay", "x=delay:", "x=delay:-1", "x=delay:5s", "x=delay:700000", "x=delay:10+",
        "x=delay:10+boom", "x=delay:10+delay:5"}) {
    Status s = failpoint::ArmFromSpec(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(failpoint::Armed().empty()) << bad << " armed a point";
  }
}

// The process-ending actions, in a child so the test binary survives.
int ChildStatusAfterReaching(failpoint::Action action, int delay_ms = 0) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    failpoint::Arm("test.step", action, 1, delay_ms);
    int progress = 0;
    (void)Step(&progress);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_F(FailpointTest, KillStopsTheProcessDead) {
  const int status = ChildStatusAfterReaching(failpoint::Action::kKill);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST_F(FailpointTest, KillAfterADelayStopsTheProcessDead) {
  const int status = ChildStatusAfterReaching(failpoint::Action::kKill, 20);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST_F(FailpointTest, AbortAborts) {
  const int status = ChildStatusAfterReaching(failpoint::Action::kAbort);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
}

}  // namespace
}  // namespace covidflow
