#include "enrich/internal/unicode_case.h"

#include <algorithm>

namespace covidflow::enrich::internal {
namespace {

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
