#include "enrich/internal/utf8.h"

#include <algorithm>
#include <cstring>

#include "enrich/internal/unicode_case.h"

namespace covidflow::enrich::internal {
namespace {

// The allowed range of the second byte after a lead byte, per the Unicode well-formed
// table (this is what rules out overlongs, surrogates and > U+10FFFF). Returns the number
// of continuation bytes the lead needs, 0 for a byte that cannot start a sequence.
int SequenceShape(unsigned char lead, unsigned char& lo, unsigned char& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) return 1;
  if (lead == 0xE0) {
    lo = 0xA0;
    return 2;
  }
  if (lead == 0xED) {
    hi = 0x9F;
    return 2;
  }
  if (lead >= 0xE1 && lead <= 0xEF) return 2;
  if (lead == 0xF0) {
    lo = 0x90;
    return 3;
  }
  if (lead >= 0xF1 && lead <= 0xF3) return 3;
  if (lead == 0xF4) {
    hi = 0x8F;
    return 3;
  }
  return 0;
}

bool InRanges(const CodeRange* ranges, size_t size, uint32_t cp) {
  const CodeRange* end = ranges + size;
  const CodeRange* it =
      std::upper_bound(ranges, end, cp, [](uint32_t v, const CodeRange& r) { return v < r.first; });
  return it != ranges && cp <= (it - 1)->last;
}

// Two bits per BMP code point (bit 0: breaks caps, bit 1: uppercase), so the common case
// is one load instead of two binary searches. Built once from the range tables.
struct BmpCase {
  uint8_t bits[0x10000 / 4] = {};
  BmpCase() {
    for (size_t r = 0; r < kBreaksCapsRangesSize; ++r) Mark(kBreaksCapsRanges[r], 1);
    for (size_t r = 0; r < kUppercaseRangesSize; ++r) Mark(kUppercaseRanges[r], 2);
  }
  void Mark(const CodeRange& range, uint8_t bit) {
    for (uint32_t cp = range.first; cp <= range.last && cp <= 0xFFFF; ++cp) {
      bits[cp >> 2] |= static_cast<uint8_t>(bit << ((cp & 3) * 2));
    }
  }
  uint8_t Get(uint32_t cp) const { return (bits[cp >> 2] >> ((cp & 3) * 2)) & 3; }
};

const BmpCase& Bmp() {
  static const BmpCase* const kBmp = new BmpCase();
  return *kBmp;
}

}  // namespace

int WellFormedLength(std::string_view s, size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return 1;
  unsigned char lo, hi;
  const int need = SequenceShape(lead, lo, hi);
  if (need == 0) return -1;
  for (int k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return -k;
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return -k;
  }
  return need + 1;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Runs of ASCII are the common case: skip them eight bytes at a time.
    while (i + 8 <= s.size()) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const int len = WellFormedLength(s, i);
    if (len < 0) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

void AppendReplacingInvalidUtf8(std::string& out, std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const int len = WellFormedLength(s, i);
    if (len > 0) {
      out.append(s.substr(i, static_cast<size_t>(len)));
      i += static_cast<size_t>(len);
    } else {
      AppendCodePoint(out, kReplacementChar);
      i += static_cast<size_t>(-len);
    }
  }
}

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool BreaksCaps(uint32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  if (cp <= 0xFFFF) return (Bmp().Get(cp) & 1) != 0;
  return InRanges(kBreaksCapsRanges, kBreaksCapsRangesSize, cp);
}

bool IsUppercase(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  if (cp <= 0xFFFF) return (Bmp().Get(cp) & 2) != 0;
  return InRanges(kUppercaseRanges, kUppercaseRangesSize, cp);
}

}  // namespace covidflow::enrich::internal
