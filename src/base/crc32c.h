#pragma once
// CRC32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the checksum of every
// record in a log segment and of the files of a model artifact. Uses SSE4.2's crc32 instruction
// when the CPU has it (checked once at run time; three interleaved streams on buffers of 384 bytes
// or more) and a slicing-by-8 table otherwise; both give identical values.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace covidflow {

// Extends `crc` (the value of a previous call, or 0 to start) with `n` bytes.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(std::string_view bytes) {
  return Crc32cExtend(0, bytes.data(), bytes.size());
}

// The portable slicing-by-8 path, exposed so tests can compare it with the hardware path.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);
// True when the SSE4.2 path is in use.
bool Crc32cHardwareAccelerated();

}  // namespace covidflow
