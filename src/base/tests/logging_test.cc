#include "base/logging.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace covidflow {
namespace {

// Captures what is written to stderr (fd 2) while `fn` runs.
template <typename Fn>
std::string CaptureStderr(Fn fn) {
  std::string path = ::testing::TempDir() + "/logging_XXXXXX";
  int fd = ::mkstemp(path.data());
  EXPECT_GE(fd, 0);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  ::unlink(path.c_str());
  return out;
}

class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override { SetMinLogLevel(LogLevel::kInfo); }
};

TEST_F(LoggingTest, OneLinePerEventWithLevelAndPid) {
  SetMinLogLevel(LogLevel::kTrace);
  std::string out = CaptureStderr([] {
    Logf(LogLevel::kTrace, "commit p%d next=%lld", 3, 81920LL);
    LogLine(LogLevel::kWarning, "disk nearly full");
  });
  const std::string pid = std::to_string(::getpid());
  EXPECT_EQ(out, "trace pid=" + pid + " commit p3 next=81920\nwarning pid=" + pid +
                     " disk nearly full\n");
}

TEST_F(LoggingTest, LinesBelowTheMinimumLevelAreDropped) {
  EXPECT_EQ(MinLogLevel(), LogLevel::kInfo);
  EXPECT_FALSE(LogEnabled(LogLevel::kTrace));
  std::string out = CaptureStderr([] {
    Logf(LogLevel::kTrace, "hidden %d", 1);
    LogLine(LogLevel::kDebug, "hidden");
    LogLine(LogLevel::kError, "shown");
  });
  EXPECT_EQ(out, "error pid=" + std::to_string(::getpid()) + " shown\n");
}

TEST_F(LoggingTest, LongLinesAreWrittenWhole) {
  const std::string long_text(5000, 'x');
  std::string out = CaptureStderr([&] { Logf(LogLevel::kInfo, "%s|end", long_text.c_str()); });
  EXPECT_EQ(out, "info pid=" + std::to_string(::getpid()) + " " + long_text + "|end\n");
}

}  // namespace
}  // namespace covidflow
