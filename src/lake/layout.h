#pragma once
// Where things live in a lake directory (docs/formats/lake.md):
//   <lake>/tweets/date=YYYY-MM-DD/part-<unique>.parquet   committed data files
//   <lake>/tweets/date=YYYY-MM-DD/part-<unique>.parquet.tmp   being written (never read)
//   <lake>/_commits/<unique>.json   a commit in progress (roll-forward record)
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::lake {

inline constexpr std::string_view kTweetsDir = "tweets";
inline constexpr std::string_view kCommitsDir = "_commits";
inline constexpr std::string_view kPartitionPrefix = "date=";
inline constexpr std::string_view kDataSuffix = ".parquet";
inline constexpr std::string_view kTmpSuffix = ".tmp";

inline constexpr int64_t kSecondsPerDay = 86400;

// The UTC day number of a Unix time (days since 1970-01-01, rounded down).
constexpr int64_t DayOf(int64_t unix_seconds) {
  return unix_seconds / kSecondsPerDay - (unix_seconds % kSecondsPerDay < 0 ? 1 : 0);
}
// "YYYY-MM-DD" of a Unix time in UTC.
std::string DateOf(int64_t unix_seconds);
// True for a well-formed "YYYY-MM-DD".
bool IsDate(std::string_view s);

std::string PartitionDir(std::string_view lake_dir, std::string_view date);

struct LakeFile {
  std::string date;  // "YYYY-MM-DD"
  std::string name;  // "part-....parquet"
  std::string path;
  uint64_t bytes = 0;
};

// Partition dates present, sorted, within [from, to] (inclusive; empty = unbounded).
Result<std::vector<std::string>> ListPartitions(const std::string& lake_dir,
                                                std::string_view from = "",
                                                std::string_view to = "");

// The committed files a reader should read, sorted by date then name. Within a partition a
// file named in another listed file's "covidflow.replaces" metadata is left out: after a
// compaction renames its output in, the inputs are superseded even before they are removed.
Result<std::vector<LakeFile>> ListLakeFiles(const std::string& lake_dir, std::string_view from = "",
                                            std::string_view to = "");

// A name no other writer picks: "<micros since epoch>-<pid>-<random hex>".
std::string UniqueName();

}  // namespace covidflow::lake
