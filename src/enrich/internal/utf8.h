#pragma once
// The few UTF-8 operations the VADER scorer needs to see text the way Python 3 sees a str.
#include <cstdint>
#include <string>
#include <string_view>

namespace covidflow::enrich::internal {

inline constexpr uint32_t kReplacementChar = 0xFFFD;

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Appends `s` with every ill-formed sequence replaced by U+FFFD exactly as Python's
// bytes.decode("utf-8", errors="replace") does: one U+FFFD per maximal subpart of an
// ill-formed sequence (a valid lead byte plus the valid continuation bytes after it), or per
// single invalid byte.
void AppendReplacingInvalidUtf8(std::string& out, std::string_view s);

// The length of the well-formed UTF-8 sequence at s[i] (1 to 4), or minus the length of the
// maximal ill-formed subpart there (<= -1).
int WellFormedLength(std::string_view s, size_t i);

// Decodes the code point at s[i] of *well-formed* UTF-8 and returns it; sets `len` to its
// length in bytes (1 to 4).
inline uint32_t DecodeAt(std::string_view s, size_t i, int& len) {
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

// Python's str.isspace() for one code point: what str.split() and str.strip() cut on.
inline bool IsPythonSpace(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void AppendCodePoint(std::string& out, uint32_t cp);

}  // namespace covidflow::enrich::internal
