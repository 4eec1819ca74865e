#include "schema/utf8.h"

#include <gtest/gtest.h>

namespace covidflow::schema {
namespace {

std::string Repaired(std::string_view s) {
  std::string out;
  AppendRepairedUtf8(out, s);
  return out;
}

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII text that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x80\xA6 \xF0\x9F\x8C\x8D"));  // é … 🌍
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                           // U+10FFFF
}

TEST(Utf8, RejectsOverlongSurrogatesAndTruncation) {
  EXPECT_EQ(ValidUtf8Prefix("ab\xC0\xAF"), 2u);          // overlong '/'
  EXPECT_EQ(ValidUtf8Prefix("\xE0\x80\xAF"), 0u);        // overlong
  EXPECT_EQ(ValidUtf8Prefix("x\xED\xA0\x80"), 1u);       // surrogate D800
  EXPECT_EQ(ValidUtf8Prefix("\xF4\x90\x80\x80"), 0u);    // above U+10FFFF
  EXPECT_EQ(ValidUtf8Prefix("abcdefghij\xE2\x80"), 10u); // truncated at the end
  EXPECT_EQ(ValidUtf8Prefix("\x80"), 0u);                // lone continuation
  EXPECT_EQ(ValidUtf8Prefix("\xFF"), 0u);
}

TEST(Utf8, RepairReplacesMaximalSubparts) {
  // As Python's bytes.decode("utf-8", "replace") does.
  EXPECT_EQ(Repaired("a\xC2z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(Repaired("\xE2\x80z"), "\xEF\xBF\xBDz");                     // one subpart
  EXPECT_EQ(Repaired("\xF0\x9F\x8C"), "\xEF\xBF\xBD");                  // one subpart
  EXPECT_EQ(Repaired("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");          // two bad bytes
  EXPECT_EQ(Repaired("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Repaired("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_TRUE(IsValidUtf8(Repaired("\xFF\xFE\xF8\x80\x80\xE0\xA0")));
}

}  // namespace
}  // namespace covidflow::schema
