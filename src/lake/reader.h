#pragma once
// Our row reader for our own lake files: column projection, and partition pruning by date
// range at the lake level. It returns whole files or lakes as rows; to read many rows in
// bounded memory (training), use BatchReader (batch_reader.h), which decodes the same way.
//
// A corrupt or truncated file yields kCorruption naming the file, never a crash: every
// offset and length read from the file is checked against the bytes actually present,
// and page checksums (CRC-32) are verified.
//
// Threads: the functions are free and reentrant; call them from any thread.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/writer.h"
#include "schema/tweet.h"

namespace covidflow::lake {

// What a file's footer says, without reading its pages.
struct FileInfo {
  std::string path;
  uint64_t file_bytes = 0;
  int64_t num_rows = 0;
  int num_row_groups = 0;
  std::map<std::string, std::string> metadata;  // key-value metadata
  SourceRanges source_ranges;                   // from kSourceOffsetsKey
  std::vector<std::string> replaces;            // from kReplacesKey (compaction)
};
Result<FileInfo> ReadFileInfo(const std::string& path);

struct ReadOptions {
  // Column names (docs/formats/lake.md) to decode; empty means all. The fields of other
  // columns keep their default values in the returned rows.
  std::vector<std::string> columns;
};

// Reads every row of one file.
Result<std::vector<schema::EnrichedTweet>> ReadFile(const std::string& path,
                                                    const ReadOptions& options = {});
// The same over a file's bytes already in memory (tests and the fuzzer use it).
Result<std::vector<schema::EnrichedTweet>> ReadFileBytes(std::string_view bytes,
                                                         const ReadOptions& options = {});

// The column names of the lake schema, in file order.
std::vector<std::string> LakeColumnNames();

struct LakeReadOptions {
  std::vector<std::string> columns;  // as ReadOptions::columns
  std::string from_date;             // "YYYY-MM-DD", inclusive; empty = unbounded
  std::string to_date;               // inclusive; empty = unbounded
};

// Reads the committed rows of the partitions within [from_date, to_date]: only the
// partitions in range are listed and opened. Files are picked by ListLakeFiles's rule, so a
// concurrent compaction never shows rows twice or loses them.
Result<std::vector<schema::EnrichedTweet>> ReadLake(const std::string& lake_dir,
                                                    const LakeReadOptions& options = {});

}  // namespace covidflow::lake
