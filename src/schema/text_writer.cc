#include "schema/text_writer.h"

#include <array>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace covidflow::schema {

void AppendCsvField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  size_t start = 0;
  for (size_t q = field.find('"'); q != std::string_view::npos; q = field.find('"', q + 1)) {
    out.append(field.substr(start, q + 1 - start));
    out.push_back('"');
    start = q + 1;
  }
  out.append(field.substr(start));
  out.push_back('"');
}

namespace {

// 0: copy; otherwise the character after the backslash ('u' = \u00XX).
constexpr std::array<char, 256> MakeJsonEscapes() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['"'] = '"';
  t['\\'] = '\\';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  return t;
}
constexpr std::array<char, 256> kJsonEscapes = MakeJsonEscapes();

// Index of the first byte of s[from..] that needs escaping, or s.size(). SSE2 (part of
// x86-64) tests 16 bytes at a time; most tweet text has nothing to escape.
size_t NextJsonEscape(std::string_view s, size_t from) {
  size_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Control bytes (unsigned v < 0x20): exactly those with min(v, 0x1f) == v.
    __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
    __m128i hit =
        _mm_or_si128(ctrl, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < s.size(); ++i) {
    if (kJsonEscapes[static_cast<unsigned char>(s[i])] != 0) return i;
  }
  return s.size();
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t start = 0;
  for (size_t i = NextJsonEscape(s, 0); i < s.size(); i = NextJsonEscape(s, i + 1)) {
    char e = kJsonEscapes[static_cast<unsigned char>(s[i])];
    if (e == 0) continue;
    out.append(s.data() + start, i - start);
    out.push_back('\\');
    out.push_back(e);
    if (e == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      unsigned char c = static_cast<unsigned char>(s[i]);
      out.append("00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

void AppendInt(std::string& out, int64_t v) {
  // Two digits per step from the right (counts and offsets are mostly a few digits).
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  while (u >= 100) {
    const auto pair = static_cast<unsigned>(u % 100);
    u /= 100;
    p -= 2;
    std::memcpy(p, kPairs + 2 * pair, 2);
  }
  if (u >= 10) {
    p -= 2;
    std::memcpy(p, kPairs + 2 * u, 2);
  } else {
    *--p = static_cast<char>('0' + u);
  }
  if (v < 0) *--p = '-';
  out.append(p, static_cast<size_t>(end - p));
}

void AppendDouble(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

}  // namespace covidflow::schema
