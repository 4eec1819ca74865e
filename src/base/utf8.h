#pragma once
// The project's one UTF-8 module: validation and repair, strict per Unicode (no overlong
// forms, no surrogates, nothing above U+10FFFF), plus decoding and encoding of code points.
// Repair replaces each maximal invalid subpart by U+FFFD, the rule of the Unicode standard
// (section 3.9) that Python's bytes.decode("utf-8", errors="replace") and browsers follow, so
// the schema readers and the VADER scorer (which must see text as Python 3 does) agree.
//
// Why base/: schema's readers validate every record with it and enrich's scorer decodes with
// it; enrich sits above schema, but enrich/location, features and others need it without
// the schema module, and it depends on nothing but the standard library.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace covidflow {

inline constexpr uint32_t kUtf8ReplacementChar = 0xFFFD;

// Length of the longest valid UTF-8 prefix of `s` (== s.size() when all of it is valid).
// ASCII runs are checked 16 bytes at a time (SSE2), else 8.
size_t ValidUtf8Prefix(std::string_view s);
inline bool IsValidUtf8(std::string_view s) { return ValidUtf8Prefix(s) == s.size(); }

// Appends `s` with every maximal invalid subpart replaced by U+FFFD (EF BF BD): one U+FFFD
// per valid lead byte plus the valid continuation bytes after it, or per single invalid byte.
void AppendRepairedUtf8(std::string& out, std::string_view s);

// The length of the well-formed UTF-8 sequence at s[i] (1 to 4), or minus the length of the
// maximal ill-formed subpart there (<= -1). Requires i < s.size().
int Utf8SequenceLength(std::string_view s, size_t i);

// Decodes the code point at s[i] of *well-formed* UTF-8 and returns it; sets `len` to its
// length in bytes (1 to 4).
inline uint32_t DecodeUtf8At(std::string_view s, size_t i, int& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    len = 1;
    return b0;
  }
  auto cont = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(s[k]) & 0x3F);
  };
  if (b0 < 0xE0) {
    len = 2;
    return ((b0 & 0x1Fu) << 6) | cont(i + 1);
  }
  if (b0 < 0xF0) {
    len = 3;
    return ((b0 & 0x0Fu) << 12) | (cont(i + 1) << 6) | cont(i + 2);
  }
  len = 4;
  return ((b0 & 0x07u) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
}

// Appends the UTF-8 encoding of code point `cp` (<= U+10FFFF).
void AppendUtf8CodePoint(std::string& out, uint32_t cp);

}  // namespace covidflow
