#pragma once
// The record frame of a segment file (docs/formats/log.md) and the scan that checks a
// segment: encode, seal (offset + checksum), parse, and the torn-tail-versus-corruption rule.
// Pure functions over bytes: the writer, the reader, recovery and the fuzzer share them.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "log/log.h"

namespace covidflow::log::file {

// length (u32) + crc32c (u32) precede the body.
inline constexpr size_t kFrameBytes = 8;
// offset (i64) + timestamp (i64) + key length (u32) + value length (u32) + header count (u32).
inline constexpr size_t kMinBodyBytes = 28;
// Larger bodies are refused by the producer and treated as a bad length by readers.
inline constexpr size_t kMaxBodyBytes = 64u << 20;

// A parsed record; the views point into the bytes given to ParseRecord.
struct RecordView {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string_view key;
  std::string_view value;
  std::string_view headers;  // header_count encoded (key, value) pairs
  uint32_t header_count = 0;
  size_t size = 0;  // frame + body
};

enum class ParseResult {
  kOk,
  kIncomplete,  // the bytes end before the record does (a live tail or a torn write)
  kBad,         // bad length, bad checksum or inconsistent inner lengths
};

// Frame + body size of a record with these contents.
size_t EncodedSize(std::string_view key, std::string_view value, std::span<const Header> headers);
// Appends a record with offset and checksum left zero; SealRecord fills them in once the
// offset is known (at write time, under the partition lock).
void AppendRecord(std::string* out, int64_t timestamp_ms, std::string_view key,
                  std::string_view value, std::span<const Header> headers);
void SealRecord(char* record, int64_t offset);

// Parses the record at the start of `bytes`. On kBad, `why` names the check that failed.
ParseResult ParseRecord(std::string_view bytes, RecordView* out, const char** why = nullptr);
// Appends the headers of a record that parsed kOk (ParseRecord checked their structure).
void DecodeHeaders(const RecordView& record, std::vector<HeaderView>* out);

// True when a record with a valid checksum starts anywhere after position `from`. This is
// what separates a torn tail (nothing valid follows: truncate) from corruption in the middle
// (valid data follows: report). Cost grows with the bytes after `from`; it only runs when a
// bad record was found.
bool ValidRecordAfter(std::string_view bytes, size_t from);

// One sparse index entry: the record with offset base + relative_offset starts at position.
struct IndexEntry {
  uint32_t relative_offset = 0;
  uint32_t position = 0;
};
inline constexpr size_t kIndexEntryBytes = 8;

struct ScanResult {
  size_t valid_end = 0;               // position after the last good record
  int64_t next_offset = 0;            // offset after the last good record
  int64_t records = 0;                // good records scanned
  size_t torn_bytes = 0;              // bytes after valid_end holding no valid record
  const char* torn_reason = nullptr;  // what was wrong at valid_end when torn_bytes > 0
  std::vector<IndexEntry> index;      // entries for records at or after index_from + interval
  size_t last_indexed = 0;            // position of the last entry (or index_from if none)
};

struct ScanStart {
  size_t position = 0;
  int64_t offset = 0;       // the offset expected at `position`
  size_t last_indexed = 0;  // the position of the last existing index entry
};

// Checks every record of a segment from `start` to the end of `bytes`. Returns kCorruption,
// naming `file` and the byte position, when a bad record is followed by valid data or a
// record carries an unexpected offset. A bad or partial record with nothing valid after it is
// a torn tail, reported in torn_bytes for the caller to truncate (writer) or wait on (reader).
Result<ScanResult> ScanSegment(std::string_view bytes, int64_t base_offset, std::string_view file,
                               size_t index_interval, const ScanStart& start);

// Encodes/decodes an index file's bytes. Decoding keeps the longest prefix whose entries
// increase strictly in both fields and point inside `segment_size`; a trailing partial entry
// is ignored. The result is a hint: readers verify the record an entry points at.
std::string EncodeIndex(std::span<const IndexEntry> entries);
std::vector<IndexEntry> DecodeIndex(std::string_view bytes, uint64_t segment_size);

}  // namespace covidflow::log::file
