#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace covidflow {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;

// tables[k][b]: the CRC of byte b followed by k zero bytes, for slicing-by-8.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // x86-64 and aarch64 little-endian targets only
  return v;
}

// The CRC register after `n` zero bytes, from register value `crc` (no pre/post inversion):
// the linear map that moves a CRC computed over a block past the n bytes that follow it.
uint32_t ShiftSlow(uint32_t crc, size_t n) {
  for (size_t i = 0; i < n; ++i) crc = (crc >> 8) ^ kTables[0][crc & 0xFF];
  return crc;
}

// ShiftSlow for a fixed n as four byte tables (the map is linear over GF(2)).
struct ShiftTables {
  std::array<std::array<uint32_t, 256>, 4> t;
  explicit ShiftTables(size_t n) {
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) t[k][b] = ShiftSlow(b << (8 * k), n);
    }
  }
  uint32_t operator()(uint32_t crc) const {
    return t[0][crc & 0xFF] ^ t[1][(crc >> 8) & 0xFF] ^ t[2][(crc >> 16) & 0xFF] ^ t[3][crc >> 24];
  }
};

#if defined(__x86_64__)
// Three independent streams hide the crc32 instruction's 3-cycle latency: the buffer is
// cut into three adjacent blocks, each gets its own register, and the three are joined by
// shifting the earlier ones past the later blocks.
constexpr size_t kLongBlock = 2048;
constexpr size_t kShortBlock = 128;

__attribute__((target("sse4.2"))) uint64_t ThreeWay(uint64_t c, const unsigned char*& p, size_t& n,
                                                    size_t block, const ShiftTables& shift) {
  while (n >= 3 * block) {
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < block; i += 8) {
      c = _mm_crc32_u64(c, LoadLe64(p + i));
      c1 = _mm_crc32_u64(c1, LoadLe64(p + block + i));
      c2 = _mm_crc32_u64(c2, LoadLe64(p + 2 * block + i));
    }
    c = shift(static_cast<uint32_t>(c)) ^ c1;
    c = shift(static_cast<uint32_t>(c)) ^ c2;
    p += 3 * block;
    n -= 3 * block;
  }
  return c;
}

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const unsigned char* p,
                                                       size_t n) {
  static const ShiftTables kShiftLong(kLongBlock), kShiftShort(kShortBlock);
  uint64_t c = ~crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  c = ThreeWay(c, p, n, kLongBlock, kShiftLong);
  c = ThreeWay(c, p, n, kShortBlock, kShiftShort);
  while (n >= 8) {
    c = _mm_crc32_u64(c, LoadLe64(p));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(c);
}

bool DetectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
bool DetectSse42() { return false; }
#endif

const bool kHaveSse42 = DetectSse42();

}  // namespace

uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t v = LoadLe64(p) ^ c;
    c = kTables[7][v & 0xFF] ^ kTables[6][(v >> 8) & 0xFF] ^ kTables[5][(v >> 16) & 0xFF] ^
        kTables[4][(v >> 24) & 0xFF] ^ kTables[3][(v >> 32) & 0xFF] ^ kTables[2][(v >> 40) & 0xFF] ^
        kTables[1][(v >> 48) & 0xFF] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
    --n;
  }
  return ~c;
}

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
#if defined(__x86_64__)
  if (kHaveSse42) return ExtendSse42(crc, static_cast<const unsigned char*>(data), n);
#endif
  return Crc32cExtendPortable(crc, data, n);
}

bool Crc32cHardwareAccelerated() { return kHaveSse42; }

}  // namespace covidflow
