#include "lake/internal/encoding.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <utility>

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

namespace {

// Values [k, end) of a bit-packed run of width kWidth, each read with one unaligned 8-byte load
// (the caller guarantees 8 bytes from each value's first byte). A compile-time width lets the
// compiler turn the shifts and masks into constants.
template <size_t kWidth>
void UnpackFast(const uint8_t* packed, size_t k, size_t end, uint32_t* out) {
  constexpr uint64_t kMask = kWidth == 32 ? 0xffffffffu : ((uint64_t{1} << kWidth) - 1);
  for (; k < end; ++k) {
    const size_t bit = k * kWidth;
    uint64_t word;
    std::memcpy(&word, packed + bit / 8, 8);
    *out++ = static_cast<uint32_t>((word >> (bit % 8)) & kMask);
  }
}

using Unpacker = void (*)(const uint8_t*, size_t, size_t, uint32_t*);
template <size_t... kWidths>
constexpr std::array<Unpacker, sizeof...(kWidths)> MakeUnpackers(
    std::index_sequence<kWidths...> /*widths*/) {
  return {&UnpackFast<kWidths>...};
}
// Indexed by bit width 0..32 (0 is never called: a zero-width run is all zeros).
constexpr auto kUnpackers = MakeUnpackers(std::make_index_sequence<33>());

}  // namespace

Status RleHybridDecoder::Reset(std::string_view data, int bit_width) {
  if (bit_width < 0 || bit_width > 32) return Status::Corruption("rle: bad bit width");
  data_ = data;
  pos_ = 0;
  bit_width_ = bit_width;
  repeat_left_ = 0;
  packed_next_ = packed_count_ = 0;
  return Status::Ok();
}

Status RleHybridDecoder::Next(size_t max, uint32_t* buf, size_t capacity, bool* repeated,
                              uint32_t* value, size_t* count) {
  if (repeat_left_ == 0 && packed_next_ == packed_count_) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= data_.size() || shift > 63) return Status::Corruption("rle: truncated header");
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    if ((header & 1) == 0) {
      const size_t value_bytes = (static_cast<size_t>(bit_width_) + 7) / 8;
      repeat_left_ = header >> 1;
      if (repeat_left_ == 0 || value_bytes > data_.size() - pos_) {
        return Status::Corruption("rle: bad run");
      }
      uint32_t v = 0;
      for (size_t b = 0; b < value_bytes; ++b) {
        v |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_ + b])) << (8 * b);
      }
      pos_ += value_bytes;
      repeat_value_ = v;
    } else {
      const uint64_t groups = header >> 1;
      if (groups == 0 || groups > data_.size()) {
        return Status::Corruption("rle: bad bit-packed run");
      }
      packed_bytes_ = groups * static_cast<size_t>(bit_width_);
      if (packed_bytes_ > data_.size() - pos_) {
        return Status::Corruption("rle: bit-packed run past end");
      }
      packed_ = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
      pos_ += packed_bytes_;
      packed_next_ = 0;
      packed_count_ = groups * 8;
    }
  }
  if (repeat_left_ > 0) {
    *repeated = true;
    *value = repeat_value_;
    *count = static_cast<size_t>(std::min<uint64_t>(repeat_left_, max));
    repeat_left_ -= *count;
    return Status::Ok();
  }
  *repeated = false;
  const size_t n = std::min({max, capacity, packed_count_ - packed_next_});
  const size_t bw = static_cast<size_t>(bit_width_);
  const uint64_t mask = bw == 32 ? 0xffffffffu : ((uint64_t{1} << bw) - 1);
  const size_t end = packed_next_ + n;
  if (bw == 0) {
    std::fill_n(buf, n, 0u);
  } else {
    // One unaligned 8-byte load per value while 8 bytes remain (a value spans at most 5): the
    // values before fast_end start at least 8 bytes before the run's end.
    const size_t fast_end = packed_bytes_ < 8 ? 0 : std::min(end, (packed_bytes_ - 8) * 8 / bw + 1);
    size_t k = packed_next_;
    uint32_t* out = buf;
    if (k < fast_end) {
      kUnpackers[bw](packed_, k, fast_end, out);
      out += fast_end - k;
      k = fast_end;
    }
    for (; k < end; ++k) {
      const size_t bit = k * bw;
      uint64_t word = 0;
      const size_t first = bit / 8;
      const size_t last = std::min(packed_bytes_, (bit + bw + 7) / 8 + 1);
      for (size_t b = first; b < last; ++b) {
        word |= static_cast<uint64_t>(packed_[b]) << (8 * (b - first));
      }
      *out++ = static_cast<uint32_t>((word >> (bit % 8)) & mask);
    }
  }
  packed_next_ = end;
  *count = n;
  return Status::Ok();
}

Status DecodeRleHybrid(std::string_view data, int bit_width, size_t n, std::vector<uint32_t>* out) {
  RleHybridDecoder decoder;
  RETURN_IF_ERROR(decoder.Reset(data, bit_width));
  const size_t start = out->size();
  out->resize(start + n);
  uint32_t* dst = out->data() + start;
  size_t remaining = n;
  while (remaining > 0) {
    bool repeated = false;
    uint32_t value = 0;
    size_t count = 0;
    RETURN_IF_ERROR(decoder.Next(remaining, dst, remaining, &repeated, &value, &count));
    if (repeated) std::fill_n(dst, count, value);
    dst += count;
    remaining -= count;
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
