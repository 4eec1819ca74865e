#pragma once
// Parquet's value and level encodings, compression and page checksums. Private to the lake
// module. Every decoder checks bounds and reports kCorruption; none trusts a length.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::lake::internal {

// Parquet CompressionCodec values we write and read.
enum class Codec : int32_t { kUncompressed = 0, kSnappy = 1, kZstd = 6 };

// Appends the RLE / bit-packed hybrid encoding of `values` (each < 2^bit_width) to *out,
// without a length prefix. Runs of 8 or more equal values become RLE runs; the rest is
// bit-packed in groups of 8.
void EncodeRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out);

// Reads the hybrid encoding run by run, so that a reader can turn a repeated run into one fill
// and gather a bit-packed run straight into its output, without an index vector in between.
class RleHybridDecoder {
 public:
  // Starts on `data` (no length prefix); kCorruption for a bit width outside [0, 32].
  Status Reset(std::string_view data, int bit_width);
  // The next at most `max` (> 0) values: either `*count` copies of `*value` (`*repeated`), or
  // `*count` values (at most `capacity`) written to `buf`. kCorruption past the data's end or
  // on a malformed run header.
  Status Next(size_t max, uint32_t* buf, size_t capacity, bool* repeated, uint32_t* value,
              size_t* count);

 private:
  std::string_view data_;
  size_t pos_ = 0;
  int bit_width_ = 0;
  uint64_t repeat_left_ = 0;  // values left in the current repeated run
  uint32_t repeat_value_ = 0;
  const uint8_t* packed_ = nullptr;  // the current bit-packed run
  size_t packed_bytes_ = 0;
  size_t packed_next_ = 0;  // index of its next value
  size_t packed_count_ = 0;
};

// Decodes exactly `n` values of the hybrid encoding from `data` into *out (appended).
Status DecodeRleHybrid(std::string_view data, int bit_width, size_t n, std::vector<uint32_t>* out);

// Bits needed for values in [0, max_value].
int BitWidth(uint32_t max_value);

// Compresses `in` with `codec`, appending to *out (replaced, not appended, when
// uncompressed callers pass the input through).
Status Compress(Codec codec, int zstd_level, std::string_view in, std::string* out);
// Decompresses `in` into out[0, uncompressed_size), which it must fill exactly.
Status Decompress(Codec codec, std::string_view in, char* out, size_t uncompressed_size);

// CRC-32 (polynomial 0x04C11DB7, reflected; the gzip one), as Parquet's PageHeader.crc asks.
uint32_t Crc32(std::string_view data);

}  // namespace covidflow::lake::internal
