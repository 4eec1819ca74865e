// The progress line of `covidflow process`: its format, and a line drawn from a probe's
// counts and a real embedded log's lag.
#include "app/process_progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "app/app.h"
#include "base/testing/temp_dir.h"
#include "process/probe.h"

namespace covidflow::app {
namespace {

using ::covidflow::testing::TempDir;

TEST(FormatProgressLine, RateOverTheIntervalLagAndDeadLetters) {
  const ProgressSample previous{.seconds = 1.0, .consumed = 200'000, .dead_letters = 10, .lag = 5};
  const ProgressSample now{
      .seconds = 1.5, .consumed = 1'200'000, .dead_letters = 1'234, .lag = 80'000};
  EXPECT_EQ(FormatProgressLine(previous, now),
            "process: 1,200,000 records · 2,000,000 records/s · lag 80,000 · 1,234 dead letters");
}

TEST(FormatProgressLine, NoTimeNoRateAndAnUnknownLag) {
  const ProgressSample s{.seconds = 2.0, .consumed = 999, .dead_letters = 0, .lag = std::nullopt};
  EXPECT_EQ(FormatProgressLine(s, s),
            "process: 999 records · 0 records/s · lag ? · 0 dead letters");
  const ProgressSample zero{};
  EXPECT_EQ(FormatProgressLine(zero, zero),
            "process: 0 records · 0 records/s · lag ? · 0 dead letters");
}

TEST(ProgressLine, DrawsTheProbesCountsAndTheGroupsLagThenEndsTheLine) {
  TempDir dir;
  auto log = OpenLog("file://" + dir.path() + "/log", LogSettings{});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE((*log)->CreateTopic("tweets.raw", 2).ok());
  auto producer = (*log)->NewProducer({});
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 10; ++i) {
    log::OutRecord r;
    r.value = "x";
    r.partition = PartitionId(i % 2);
    ASSERT_TRUE((*producer)->Send("tweets.raw", r).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());

  metrics::Registry registry;
  process::ProcessorProbe probe(false, &registry);
  for (int i = 0; i < 5; ++i) probe.RecordEnriched();
  probe.RecordDeadLetter("malformed_csv");
  probe.RecordDeadLetter("malformed_csv");
  EXPECT_EQ(process::LiveCountsIn(registry).consumed, 7);
  EXPECT_EQ(process::LiveCountsIn(registry).dead_letters, 2);

  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    process::ProcessorOptions options;  // group covidflow-processor, never committed: lag 10
    auto line = ProgressLine::Start(**log, options, registry, out);
    ASSERT_TRUE(line.ok()) << line.status().ToString();
  }  // destruction draws the last line and ends it
  std::rewind(out);
  std::string text;
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) text += static_cast<char>(c);
  std::fclose(out);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("process: 7 records · "), std::string::npos) << text;
  EXPECT_NE(text.find(" · lag 10 · 2 dead letters"), std::string::npos) << text;
}

}  // namespace
}  // namespace covidflow::app
