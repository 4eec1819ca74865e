#include "base/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace covidflow {
namespace {

TEST(ParseIntTest, ReadsTheWholeStringOrNothing) {
  EXPECT_EQ(ParseInt("0"), 0);
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-7"), -7);
  EXPECT_EQ(ParseInt("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseInt("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  for (const char* bad : {"", " 1", "1 ", "+1", "0x10", "1e3", "1.0", "12a", "-",
                          "9223372036854775808", "-9223372036854775809"}) {
    EXPECT_EQ(ParseInt(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParseIntTest, InChecksBothBounds) {
  EXPECT_EQ(ParseIntIn("1", 1, 3), 1);
  EXPECT_EQ(ParseIntIn("3", 1, 3), 3);
  EXPECT_EQ(ParseIntIn("0", 1, 3), std::nullopt);
  EXPECT_EQ(ParseIntIn("4", 1, 3), std::nullopt);
  EXPECT_EQ(ParseIntIn("x", 1, 3), std::nullopt);
}

TEST(ParseDoubleTest, ReadsTheWholeStringOrNothing) {
  EXPECT_EQ(ParseDouble("0.5"), 0.5);
  EXPECT_EQ(ParseDouble("-2"), -2.0);
  EXPECT_EQ(ParseDouble("1e-3"), 1e-3);
  EXPECT_TRUE(std::isinf(*ParseDouble("inf")));
  EXPECT_TRUE(std::isnan(*ParseDouble("nan")));
  for (const char* bad : {"", " 1", "1 ", "+1", "1,5", "0.5x", "e3", "."}) {
    EXPECT_EQ(ParseDouble(bad), std::nullopt) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace covidflow
