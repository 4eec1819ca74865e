#include "base/utf8.h"

#include <gtest/gtest.h>

#include <random>

namespace covidflow {
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
  EXPECT_EQ(ValidUtf8Prefix("ab\xC0\xAF"), 2u);           // overlong '/'
  EXPECT_EQ(ValidUtf8Prefix("\xE0\x80\xAF"), 0u);         // overlong
  EXPECT_EQ(ValidUtf8Prefix("x\xED\xA0\x80"), 1u);        // surrogate D800
  EXPECT_EQ(ValidUtf8Prefix("\xF4\x90\x80\x80"), 0u);     // above U+10FFFF
  EXPECT_EQ(ValidUtf8Prefix("abcdefghij\xE2\x80"), 10u);  // truncated at the end
  EXPECT_EQ(ValidUtf8Prefix("\x80"), 0u);                 // lone continuation
  EXPECT_EQ(ValidUtf8Prefix("\xFF"), 0u);
}

TEST(Utf8, RepairReplacesMaximalSubparts) {
  // As Python's bytes.decode("utf-8", "replace") does.
  EXPECT_EQ(Repaired("a\xC2z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(Repaired("\xE2\x80z"), "\xEF\xBF\xBDz");            // one subpart
  EXPECT_EQ(Repaired("\xF0\x9F\x8C"), "\xEF\xBF\xBD");          // one subpart
  EXPECT_EQ(Repaired("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // two bad bytes
  EXPECT_EQ(Repaired("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Repaired("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_TRUE(IsValidUtf8(Repaired("\xFF\xFE\xF8\x80\x80\xE0\xA0")));
}

// A plain decoder of the same rules (code points, not byte ranges), for the random test.
size_t ReferencePrefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c >> 6) != 2) return i;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return i;
}

// The 16- and 8-byte ASCII skips and the byte-wise tail agree with the reference on text
// that is mostly valid with the odd bad byte, at every length and alignment.
TEST(Utf8, AgreesWithAReferenceDecoderAtEveryLength) {
  std::mt19937 rng(7);
  const std::string pieces[] = {"a",
                                "tweet ",
                                "\xC3\xA9",
                                "\xE2\x80\xA6",
                                "\xF0\x9F\x8C\x8D",
                                "\xED\x9F\xBF",
                                "\xF4\x8F\xBF\xBF"};
  int invalid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const size_t target = rng() % 200;
    while (s.size() < target) {
      if (rng() % 40 == 0) {
        s.push_back(static_cast<char>(0x80 + rng() % 0x80));  // a stray high byte
      } else {
        s += pieces[rng() % std::size(pieces)];
      }
    }
    const size_t want = ReferencePrefix(s);
    invalid += want != s.size();
    ASSERT_EQ(ValidUtf8Prefix(s), want) << "round " << round << ", length " << s.size();
  }
  EXPECT_GT(invalid, 1000);
  EXPECT_LT(invalid, 19000);
}

TEST(Utf8, RepairReplacesMaximalSubpartsLikePython) {
  // Expected strings are Python's bytes.decode("utf-8", "replace") of each input.
  struct {
    std::string in, want;
  } cases[] = {
      {"a\xe2\x82"
       "b",
       "a\xEF\xBF\xBD"
       "b"},  // one U+FFFD for the truncated E2 82
      {"\xf0\x28", "\xEF\xBF\xBD("},
      {"\xc0\xaf", "\xEF\xBF\xBD\xEF\xBF\xBD"},                  // overlong: each byte replaced
      {"\xed\xa0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // surrogate
      {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},                  // U+10FFFF is fine
      {"\xf4\x90", "\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& c : cases) {
    std::string out;
    AppendRepairedUtf8(out, c.in);
    EXPECT_EQ(out, c.want);
    EXPECT_TRUE(IsValidUtf8(out));
  }
  EXPECT_FALSE(IsValidUtf8("abc\xff"));
}

TEST(Utf8, SequenceLengthDecodeAndEncodeRoundTrip) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1);
  EXPECT_EQ(Utf8SequenceLength("x\xC3\xA9", 1), 2);
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82", 0), -2);  // truncated: both bytes one subpart
  EXPECT_EQ(Utf8SequenceLength("\xC0\xAF", 0), -1);  // overlong lead
  for (uint32_t cp : {0x24u, 0xA2u, 0x939u, 0x20ACu, 0xD55Cu, 0xFFFDu, 0x10348u, 0x10FFFFu}) {
    std::string s;
    AppendUtf8CodePoint(s, cp);
    ASSERT_TRUE(IsValidUtf8(s)) << cp;
    int len = 0;
    EXPECT_EQ(DecodeUtf8At(s, 0, len), cp);
    EXPECT_EQ(static_cast<size_t>(len), s.size());
    EXPECT_EQ(Utf8SequenceLength(s, 0), len);
  }
}

}  // namespace
}  // namespace covidflow
