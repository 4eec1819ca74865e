#include "schema/text_writer.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace covidflow::schema {
namespace {

// The escaping rule written out byte by byte, to check the 16-bytes-at-a-time scan against.
std::string ReferenceJsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

TEST(JsonString, EveryByteAtEveryPositionOfABlockAndTheTail) {
  // Each byte value at positions 0..40 of a 41-byte ASCII text: covers both halves of the
  // 16-byte blocks, the boundary between blocks and the byte-wise tail.
  for (int b = 0; b < 256; ++b) {
    for (size_t pos = 0; pos < 41; ++pos) {
      std::string text(41, 'a');
      text[pos] = static_cast<char>(b);
      std::string got;
      AppendJsonString(got, text);
      ASSERT_EQ(got, ReferenceJsonString(text)) << "byte " << b << " at " << pos;
    }
  }
}

TEST(JsonString, RunsOfEscapesAndUtf8) {
  for (std::string_view text :
       {std::string_view(""), std::string_view("\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""),
        std::string_view("caf\xC3\xA9 \xF0\x9F\x8C\x8D \\ \x7f end"),
        std::string_view("line1\nline2\r\n\ttabbed \x01\x1f and a long tail without escapes")}) {
    std::string got = "prefix";
    AppendJsonString(got, text);
    EXPECT_EQ(got, "prefix" + ReferenceJsonString(text));
  }
}

TEST(TextWriter, AppendIntMatchesToChars) {
  std::mt19937_64 rng(5);
  std::vector<int64_t> values = {0,
                                 1,
                                 -1,
                                 9,
                                 10,
                                 -10,
                                 99,
                                 100,
                                 -100,
                                 999,
                                 1000,
                                 12345,
                                 -987654321,
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min()};
  for (int i = 0; i < 100000; ++i) {
    const int shift = static_cast<int>(rng() % 64);
    values.push_back(static_cast<int64_t>(rng() >> shift) * (rng() % 2 == 0 ? 1 : -1));
  }
  for (int64_t v : values) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    std::string out = "x";
    AppendInt(out, v);
    ASSERT_EQ(out, "x" + std::string(buf, end));
  }
}

}  // namespace
}  // namespace covidflow::schema
