#include <gtest/gtest.h>

#include "log/log.h"
#include "log/open.h"

namespace covidflow::log {
namespace {

// Kafka's murmur2 test vectors (UtilsTest.testMurmur2), as signed 32-bit values; the
// partition is toPositive(hash) % n, exactly as Kafka's default partitioner.
TEST(PartitionForKeyTest, MatchesKafkasDefaultPartitioner) {
  struct Case {
    const char* key;
    int32_t murmur2;
  };
  const Case cases[] = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
      {"", 275646681},
  };
  for (const Case& c : cases) {
    const uint32_t positive = static_cast<uint32_t>(c.murmur2) & 0x7fffffffu;
    for (int n : {1, 3, 7, 50, 1000}) {
      EXPECT_EQ(PartitionForKey(c.key, n).value(), static_cast<int32_t>(positive % n))
          << c.key << " over " << n;
    }
  }
  EXPECT_EQ(PartitionForKey("foobar", 50).value(), 16);
}

TEST(OpenFileLogTest, EmptyDirectoryAndBadOptionsAreInvalid) {
  EXPECT_EQ(OpenFileLog("").status().code(), StatusCode::kInvalidArgument);
  OpenOptions small;
  small.segment_bytes = 100;
  EXPECT_EQ(OpenFileLog("/tmp/unused", small).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::log
