#pragma once
// A Parquet writer for the enriched-tweet schema (one fixed schema, docs/formats/lake.md).
// Written from the public apache/parquet-format specification; see
// docs/decisions/0001-parquet-writer.md for why we do not link Arrow.
//
// What it writes: format version 1 files with data page v1; PLAIN and RLE_DICTIONARY
// values (a column chunk falls back to PLAIN when its dictionary would exceed
// dictionary_page_bytes); RLE levels;
// snappy or zstd pages with a CRC-32 per page; min/max/null_count statistics per column
// chunk; key-value metadata with the source offset ranges, schema version and enricher ids.
//
// Ownership and threads: a ParquetWriter owns its file descriptor; one thread at a time.
// Lifecycle: Create -> Write* -> Close. Without Close the file has no footer and is not a
// Parquet file (callers write to a temporary name, so it is never visible).
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/status.h"
#include "schema/tweet.h"

namespace covidflow::lake {

enum class Compression { kNone, kSnappy, kZstd };

struct WriterOptions {
  Compression compression = Compression::kZstd;
  int zstd_level = 1;                      // the level Arrow uses by default
  size_t row_group_bytes = 64 << 20;       // estimated uncompressed bytes per row group
  size_t page_bytes = 1 << 20;             // estimated uncompressed bytes per data page
  size_t dictionary_page_bytes = 1 << 20;  // above this a chunk falls back to PLAIN
  bool dictionary = true;
  bool fsync = true;  // fsync the file in Close
  // Threads used inside one Write (the calling thread is one of them; the others are started
  // and joined within the call, never more than `threads` at once). With more than one, a
  // row group's columns are gathered from the rows by column groups in parallel and its
  // pages are compressed in parallel. The output is byte-identical for any value. 1 suits
  // callers whose cores are already busy (the processor's lake sink runs beside its
  // parse/enrich workers); 2 suits a batch write on a 2-core machine.
  int threads = 1;
};

// The source offsets one file holds for one topic-partition. Offsets need not be dense
// (dead letters and other dates' rows are elsewhere); count says how many are here.
struct SourceRange {
  Offset first;
  Offset last;
  int64_t count = 0;
  bool operator==(const SourceRange&) const = default;
};
using SourceRanges = std::map<TopicPartition, SourceRange>;

// Key-value metadata keys every lake file carries.
inline constexpr std::string_view kSchemaVersionKey = "covidflow.schema_version";
inline constexpr std::string_view kEnrichersKey = "covidflow.enrichers";
inline constexpr std::string_view kSourceOffsetsKey = "covidflow.source_offsets";
// Written by compaction: the file names (in the same partition) this file replaces.
inline constexpr std::string_view kReplacesKey = "covidflow.replaces";
// 2: the model's columns appended (model, model_label, model_confidence, model_probabilities);
// 3: a regression model's model_value appended. Readers read version 1 and 2 files too, with
// the columns they lack empty.
inline constexpr int kSchemaVersion = 3;

// JSON: [{"topic":"t","partition":0,"first":5,"last":9,"count":5}, ...]
std::string EncodeSourceRanges(const SourceRanges& ranges);
Result<SourceRanges> DecodeSourceRanges(std::string_view json);

using KeyValues = std::vector<std::pair<std::string, std::string>>;

class ParquetWriter {
 public:
  // Creates (truncates) `path`. kIoError with the path when the OS refuses.
  static Result<std::unique_ptr<ParquetWriter>> Create(std::string path, WriterOptions options);
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  // Writes `rows` as one or more row groups (split by row_group_bytes). The rows are not
  // retained. kInvalidArgument for a timestamp outside the representable range. On any
  // error nothing of this call is kept: the file is put back as it was before the call.
  Status Write(std::span<const schema::EnrichedTweet> rows);
  // The same for rows that lie elsewhere (the lake sink's rows of one date, in place).
  Status Write(std::span<const schema::EnrichedTweet* const> rows);

  // Writes the footer (with `extra` key-value pairs after the standard ones), fsyncs and
  // closes. The writer is unusable afterwards.
  Status Close(const KeyValues& extra = {});

  int64_t rows() const { return rows_; }
  uint64_t bytes_written() const { return offset_; }
  const SourceRanges& source_ranges() const { return ranges_; }

 private:
  struct ColumnBuffers;
  // The buffers the last writer closed on this thread left for the next one.
  static std::unique_ptr<ColumnBuffers>& SpareBuffers();
  ParquetWriter(std::string path, WriterOptions options, int fd);
  Status GatherAndWrite(std::span<const schema::EnrichedTweet* const> rows, SourceRanges& ranges,
                        std::vector<std::string>& enrichers);
  Status WriteRowGroup(ColumnBuffers& buffers, size_t num_rows);
  // Puts the file back to `offset` bytes and `row_groups` row groups after a failed Write.
  void RollBack(uint64_t offset, size_t row_groups);
  Status Append(std::string_view bytes);
  Status FlushBuffer();
  Status WriteAll(std::string_view bytes);

  std::string path_;
  WriterOptions options_;
  int fd_ = -1;
  uint64_t offset_ = 0;
  std::string buffer_;
  int64_t rows_ = 0;
  SourceRanges ranges_;
  std::vector<std::string> enrichers_;
  std::vector<std::string> row_groups_;     // serialized RowGroup structs
  std::unique_ptr<ColumnBuffers> buffers_;  // reused across row groups until Close
};

// Create + Write + Close.
Status WriteParquetFile(const std::string& path, std::span<const schema::EnrichedTweet> rows,
                        const WriterOptions& options, const KeyValues& extra = {});
// The same for rows that lie elsewhere (a named function: `{}` would be ambiguous).
Status WriteParquetFileOf(const std::string& path,
                          std::span<const schema::EnrichedTweet* const> rows,
                          const WriterOptions& options, const KeyValues& extra = {});

}  // namespace covidflow::lake
