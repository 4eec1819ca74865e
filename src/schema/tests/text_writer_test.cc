#include "schema/text_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace covidflow::schema {
namespace {

// The escaping rule written out byte by byte, to check the 16-bytes-at-a-time scan against.
std::string ReferenceJsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
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

}  // namespace
}  // namespace covidflow::schema
