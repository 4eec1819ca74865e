// GroupProgressMetrics over a real embedded log: the per-partition lag series of an input topic
// that appears after registration.
#include "app/metrics_server.h"

#include <gtest/gtest.h>

#include <string>

#include "app/app.h"
#include "base/testing/temp_dir.h"

namespace covidflow::app {
namespace {

using ::covidflow::testing::TempDir;

size_t CountLines(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    if (at == 0 || text[at - 1] == '\n') ++n;
  }
  return n;
}

TEST(GroupProgressMetrics, PartitionSeriesAppearForATopicCreatedAfterRegistration) {
  TempDir dir;
  auto log = OpenLog("file://" + dir.path() + "/log", LogSettings{});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  metrics::Registry registry;
  auto progress = GroupProgressMetrics::Register(registry, **log, "g", "in", {"out"});
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  const std::string series = "covidflow_consumer_partition_lag_records{";
  EXPECT_EQ(CountLines(registry.Exposition(), series), 0u);
  // Before the topic exists there is nothing to add, and that is not an error.
  (*progress)->AddNewPartitions();
  EXPECT_EQ(CountLines(registry.Exposition(), series), 0u);

  ASSERT_TRUE((*log)->CreateTopic("in", 3).ok());
  auto producer = (*log)->NewProducer({});
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 5; ++i) {
    log::OutRecord r;
    r.value = "x";
    r.partition = PartitionId(i % 3);
    ASSERT_TRUE((*producer)->Send("in", r).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  (*progress)->AddNewPartitions();
  (*progress)->AddNewPartitions();  // idempotent: each partition once
  const std::string text = registry.Exposition();
  EXPECT_EQ(CountLines(text, series), 3u) << text;
  // Nothing committed: each partition's lag is what was appended to it (2, 2, 1).
  EXPECT_NE(text.find(series + "group=\"g\",partition=\"0\",topic=\"in\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find(series + "group=\"g\",partition=\"2\",topic=\"in\"} 1\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace covidflow::app
