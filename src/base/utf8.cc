#include "base/utf8.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace covidflow {

namespace {

// Length of the valid sequence at p[0..n), or minus the length of its maximal invalid
// subpart (at least 1). Ranges from the Unicode standard, table 3-7.
int Sequence(const unsigned char* p, size_t n) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return 1;
  int len;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  if (n < 2 || p[1] < lo || p[1] > hi) return -1;
  for (int i = 2; i < len; ++i) {
    if (static_cast<size_t>(i) >= n || p[i] < 0x80 || p[i] > 0xBF) return -i;
  }
  return len;
}

// Index of the first byte >= 0x80 in p[i..n), or n. SSE2 (part of x86-64) tests 16 bytes
// at a time, else 8.
size_t SkipAscii(const unsigned char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const int mask = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ULL) break;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

}  // namespace

size_t ValidUtf8Prefix(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while ((i = SkipAscii(p, i, n)) < n) {
    const int len = Sequence(p + i, n - i);
    if (len < 0) return i;
    i += static_cast<size_t>(len);
  }
  return n;
}

int Utf8SequenceLength(std::string_view s, size_t i) {
  return Sequence(reinterpret_cast<const unsigned char*>(s.data()) + i, s.size() - i);
}

void AppendUtf8CodePoint(std::string& out, uint32_t cp) {
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

void AppendRepairedUtf8(std::string& out, std::string_view s) {
  while (!s.empty()) {
    const size_t valid = ValidUtf8Prefix(s);
    out.append(s.data(), valid);
    s.remove_prefix(valid);
    if (s.empty()) break;
    const int len = Sequence(reinterpret_cast<const unsigned char*>(s.data()), s.size());
    out.append("\xEF\xBF\xBD");
    s.remove_prefix(static_cast<size_t>(-len));
  }
}

}  // namespace covidflow
