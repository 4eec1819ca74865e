#pragma once
// The file source: a CSV or JSONL byte stream (file or stdin) → raw records on a topic.
// Each CSV row goes as its exact bytes with the file's header record in a `csv-header`
// header; each JSONL line as its bytes. The producer does not parse fields: validation is
// the processor's job, so a malformed row still travels and becomes a dead letter there.
//
// Records are spread round-robin over the topic's partitions (tweets have no natural key
// in the seed schema). Reading is streamed in 4 MiB chunks, so `generate | produce` works
// on a live pipe; a record is sent only once its terminator (or EOF) has been read.
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "log/log.h"
#include "schema/parse.h"

namespace covidflow::ingest {

struct FileSourceOptions {
  std::string topic = "tweets.raw";
  enum class Format { kAuto, kCsv, kJsonl } format = Format::kAuto;
  double rate = 0;     // records per second, 0 = unlimited
  int partitions = 4;  // when the topic has to be created
  std::string name;    // file name (for format detection by extension and messages)
  // CSV only: the header must be readable by this mapping (schema::CsvLayout::FromHeader), or
  // nothing is sent and the error names the missing columns and the known mappings.
  std::optional<schema::ColumnMapping> mapping;
};

struct FileSourceCounts {
  int64_t records = 0;
  int64_t bytes = 0;
  double seconds = 0;
};

// Reads `fd` to EOF and sends every record, then flushes. Creates the topic if missing.
Result<FileSourceCounts> ProduceFromFd(int fd, log::Log& log, log::Producer& producer,
                                       const FileSourceOptions& options);

}  // namespace covidflow::ingest
