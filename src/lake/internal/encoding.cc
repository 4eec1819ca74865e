#include "lake/internal/encoding.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace covidflow::lake::internal {
namespace {

void PutVarInt(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Bit-packs 8 values, LSB first, into bit_width bytes at dst.
char* PackGroup(const uint32_t* v, int bit_width, char* dst) {
  uint64_t acc = 0;
  int bits = 0;
  for (int i = 0; i < 8; ++i) {
    acc |= static_cast<uint64_t>(v[i]) << bits;
    bits += bit_width;
    if (bits >= 32) {
      const auto word = static_cast<uint32_t>(acc);
      std::memcpy(dst, &word, 4);
      dst += 4;
      acc >>= 32;
      bits -= 32;
    }
  }
  for (; bits > 0; bits -= 8, acc >>= 8) *dst++ = static_cast<char>(acc & 0xff);
  return dst;
}

size_t RunLength(const uint32_t* v, size_t i, size_t n) {
  size_t j = i + 1;
  while (j < n && v[j] == v[i]) ++j;
  return j - i;
}

}  // namespace

int BitWidth(uint32_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

void EncodeRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  const int value_bytes = (bit_width + 7) / 8;
  size_t i = 0;
  while (i < n) {
    const size_t run = RunLength(values, i, n);
    if (run >= 8 || bit_width == 0) {
      PutVarInt(static_cast<uint64_t>(run) << 1, out);
      uint32_t v = values[i];
      for (int b = 0; b < value_bytes; ++b) {
        out->push_back(static_cast<char>(v & 0xff));
        v >>= 8;
      }
      i += run;
      continue;
    }
    // Bit-packed groups until a long run starts at a group boundary or the data ends, at
    // most 63 of them so the run's header is one byte, written in place.
    constexpr size_t kMaxGroups = 63;
    const size_t header_pos = out->size();
    out->resize(header_pos + 1 + kMaxGroups * static_cast<size_t>(bit_width));
    char* dst = out->data() + header_pos + 1;
    size_t groups = 0;
    while (i < n && groups < kMaxGroups) {
      uint32_t group[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      const size_t take = std::min<size_t>(8, n - i);
      std::memcpy(group, values + i, take * sizeof(uint32_t));
      dst = PackGroup(group, bit_width, dst);
      ++groups;
      i += take;
      if (i < n && RunLength(values, i, n) >= 8) break;
    }
    (*out)[header_pos] = static_cast<char>((groups << 1) | 1);
    out->resize(static_cast<size_t>(dst - out->data()));
  }
}

Status DecodeRleHybrid(std::string_view data, int bit_width, size_t n, std::vector<uint32_t>* out) {
  if (bit_width < 0 || bit_width > 32) return Status::Corruption("rle: bad bit width");
  const size_t value_bytes = (bit_width + 7) / 8;
  size_t pos = 0;
  size_t remaining = n;
  out->reserve(out->size() + n);
  while (remaining > 0) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= data.size() || shift > 63) return Status::Corruption("rle: truncated header");
      const auto b = static_cast<uint8_t>(data[pos++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    if ((header & 1) == 0) {
      const uint64_t run = header >> 1;
      if (run == 0 || value_bytes > data.size() - pos) return Status::Corruption("rle: bad run");
      uint32_t v = 0;
      for (size_t b = 0; b < value_bytes; ++b) {
        v |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos + b])) << (8 * b);
      }
      pos += value_bytes;
      const size_t take = std::min<uint64_t>(run, remaining);
      out->insert(out->end(), take, v);
      remaining -= take;
    } else {
      const uint64_t groups = header >> 1;
      if (groups == 0 || groups > data.size()) {
        return Status::Corruption("rle: bad bit-packed run");
      }
      const size_t bytes = groups * bit_width;
      if (bytes > data.size() - pos) return Status::Corruption("rle: bit-packed run past end");
      const size_t count = std::min<uint64_t>(groups * 8, remaining);
      const auto* p = reinterpret_cast<const uint8_t*>(data.data() + pos);
      const uint64_t mask = bit_width == 32 ? 0xffffffffu : ((uint64_t{1} << bit_width) - 1);
      const size_t at = out->size();
      out->resize(at + count);
      uint32_t* dst = out->data() + at;
      size_t k = 0;
      // One unaligned 8-byte load per value while 8 bytes remain (a value spans at most 5).
      for (; k < count && (k * bit_width) / 8 + 8 <= bytes; ++k) {
        const size_t bit = k * bit_width;
        uint64_t word;
        std::memcpy(&word, p + bit / 8, 8);
        dst[k] = static_cast<uint32_t>((word >> (bit % 8)) & mask);
      }
      for (; k < count; ++k) {
        const size_t bit = k * bit_width;
        uint64_t word = 0;
        const size_t first = bit / 8;
        const size_t last = std::min(bytes, (bit + bit_width + 7) / 8 + 1);
        for (size_t b = first; b < last; ++b)
          word |= static_cast<uint64_t>(p[b]) << (8 * (b - first));
        dst[k] = static_cast<uint32_t>((word >> (bit % 8)) & mask);
      }
      pos += bytes;
      remaining -= count;
    }
  }
  return Status::Ok();
}

Status Compress(Codec codec, int zstd_level, std::string_view in, std::string* out) {
  switch (codec) {
    case Codec::kUncompressed:
      out->assign(in);
      return Status::Ok();
    case Codec::kSnappy: {
      out->resize(snappy::MaxCompressedLength(in.size()));
      size_t len = 0;
      snappy::RawCompress(in.data(), in.size(), out->data(), &len);
      out->resize(len);
      return Status::Ok();
    }
    case Codec::kZstd: {
      // One context per thread, reused: creating one per page cost more than compressing.
      static thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> ctx(ZSTD_createCCtx(),
                                                                                 ZSTD_freeCCtx);
      out->resize(ZSTD_compressBound(in.size()));
      const size_t len =
          ZSTD_compressCCtx(ctx.get(), out->data(), out->size(), in.data(), in.size(), zstd_level);
      if (ZSTD_isError(len))
        return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(len));
      out->resize(len);
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("unknown codec");
}

Status Decompress(Codec codec, std::string_view in, char* out, size_t uncompressed_size) {
  switch (codec) {
    case Codec::kUncompressed:
      if (in.size() != uncompressed_size) return Status::Corruption("page size mismatch");
      std::memcpy(out, in.data(), in.size());
      return Status::Ok();
    case Codec::kSnappy: {
      size_t len = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &len) || len != uncompressed_size) {
        return Status::Corruption("snappy: bad page length");
      }
      if (!snappy::RawUncompress(in.data(), in.size(), out)) {
        return Status::Corruption("snappy: corrupt page");
      }
      return Status::Ok();
    }
    case Codec::kZstd: {
      // The frame states its size: check it before decompressing.
      if (ZSTD_getFrameContentSize(in.data(), in.size()) != uncompressed_size) {
        return Status::Corruption("zstd: page length disagrees with its header");
      }
      static thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(),
                                                                                 ZSTD_freeDCtx);
      const size_t len =
          ZSTD_decompressDCtx(ctx.get(), out, uncompressed_size, in.data(), in.size());
      if (ZSTD_isError(len) || len != uncompressed_size) {
        return Status::Corruption("zstd: corrupt page");
      }
      return Status::Ok();
    }
  }
  return Status::Corruption("unsupported codec " + std::to_string(static_cast<int>(codec)));
}

uint32_t Crc32(std::string_view data) {
  // zlib's CRC-32 is the same polynomial, several times faster than a byte table.
  uLong c = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  size_t n = data.size();
  while (n > 0) {
    const auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace covidflow::lake::internal
