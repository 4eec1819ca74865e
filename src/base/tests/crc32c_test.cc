#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace covidflow {
namespace {

// Known values from RFC 3720 (iSCSI) appendix B.4 and the common "123456789" check value.
TEST(Crc32cTest, MatchesPublishedVectors) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(descending), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, HardwareAndPortablePathsAgreeAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  // Up to past three long blocks (3 x 2048), through every short-block boundary.
  std::string data(7000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; start + len <= data.size(); len += (len < 800 ? 1 : 97)) {
      ASSERT_EQ(Crc32cExtend(0, data.data() + start, len),
                Crc32cExtendPortable(0, data.data() + start, len))
          << "start " << start << " len " << len;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsOneShot) {
  std::string a = "covid19 tweets ", b = "through a durable log";
  EXPECT_EQ(Crc32cExtend(Crc32c(a), b.data(), b.size()), Crc32c(a + b));
}

}  // namespace
}  // namespace covidflow
