#pragma once
// Functions behind `covidflow lake stats` and `covidflow lake compact`.
//
// Compaction keeps readers consistent without a lock: the merged file is written under a
// .tmp name, fsynced, renamed into the partition, and names its inputs in its
// "covidflow.replaces" metadata; only then are the inputs removed. Our readers
// (ListLakeFiles) skip files that another listed file replaces, so they see every row
// exactly once at every instant. External readers (pyarrow, DuckDB, Spark) do not know
// the rule and may count the partition's rows twice during the moment between the rename
// and the removal (docs/formats/lake.md). One compaction at a time per lake (a lock file).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/writer.h"

namespace covidflow::lake {

struct PartitionStats {
  std::string date;  // "YYYY-MM-DD"
  int64_t files = 0;
  int64_t rows = 0;
  uint64_t bytes = 0;
  int64_t positive = 0;  // rows by sentiment label
  int64_t neutral = 0;
  int64_t negative = 0;
};

struct LakeStats {
  int64_t partitions = 0;
  int64_t files = 0;
  int64_t rows = 0;
  uint64_t bytes = 0;
  std::vector<PartitionStats> by_day;  // sorted by date
};

// Reads every committed file's footer and its sentiment_label column. kNotFound when `dir`
// is not a directory.
Result<LakeStats> ComputeStats(const std::string& dir);

// Merges the committed files of partition `date` into one. A partition with fewer than two
// files is left alone. kNotFound when the partition does not exist.
Status CompactPartition(const std::string& dir, std::string_view date,
                        const WriterOptions& options = {});

}  // namespace covidflow::lake
