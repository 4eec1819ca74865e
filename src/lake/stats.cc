#include "lake/stats.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "lake/layout.h"
#include "lake/reader.h"
#include "lake/sink.h"

namespace covidflow::lake {

namespace fs = std::filesystem;

Result<LakeStats> ComputeStats(const std::string& dir) {
  // A mistyped path would otherwise read as an empty lake.
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no lake at " + dir);
  ASSIGN_OR_RETURN(auto files, ListLakeFiles(dir));
  LakeStats stats;
  for (const auto& f : files) {
    if (stats.by_day.empty() || stats.by_day.back().date != f.date) {
      stats.by_day.push_back(PartitionStats{f.date});
    }
    PartitionStats& p = stats.by_day.back();
    ASSIGN_OR_RETURN(auto rows, ReadFile(f.path, ReadOptions{{"sentiment_label"}}));
    ++p.files;
    p.rows += static_cast<int64_t>(rows.size());
    p.bytes += f.bytes;
    for (const auto& r : rows) {
      switch (r.sentiment.label) {
        case schema::Sentiment::Label::kPositive:
          ++p.positive;
          break;
        case schema::Sentiment::Label::kNeutral:
          ++p.neutral;
          break;
        case schema::Sentiment::Label::kNegative:
          ++p.negative;
          break;
      }
    }
  }
  for (const auto& p : stats.by_day) {
    ++stats.partitions;
    stats.files += p.files;
    stats.rows += p.rows;
    stats.bytes += p.bytes;
  }
  return stats;
}

Status CompactPartition(const std::string& dir, std::string_view date,
                        const WriterOptions& options) {
  if (!IsDate(date)) {
    std::string message(date);
    message += " is not a date (YYYY-MM-DD)";
    return Status::InvalidArgument(std::move(message));
  }
  const std::string pdir = PartitionDir(dir, date);
  if (!fs::exists(pdir)) return Status::NotFound("no partition " + pdir);
  // One compactor at a time: a second one would merge files the first is removing.
  const std::string lock_path = dir + "/" + std::string(kCommitsDir) + "/compact.lock";
  RETURN_IF_ERROR(MakeDirs(dir + "/" + std::string(kCommitsDir)));
  ASSIGN_OR_RETURN(const UniqueFd lock, OpenFile(lock_path, O_RDWR | O_CREAT));  // held to return
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::FailedPrecondition("another compaction is running on " + dir);
  }
  // Leftovers of a crashed compaction: its .tmp output, and inputs it superseded.
  std::error_code ec;
  for (fs::directory_iterator it(pdir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("part-compact-", 0) == 0 && name.ends_with(kTmpSuffix)) {
      fs::remove(it->path(), ec);
    }
  }
  ASSIGN_OR_RETURN(auto files, ListLakeFiles(dir, date, date));
  if (files.size() < 2) return Status::Ok();

  std::vector<schema::EnrichedTweet> rows;
  nlohmann::json replaces = nlohmann::json::array();
  for (const auto& f : files) {
    ASSIGN_OR_RETURN(auto part, ReadFile(f.path));
    rows.insert(rows.end(), std::make_move_iterator(part.begin()),
                std::make_move_iterator(part.end()));
    replaces.push_back(f.name);
  }
  const std::string name = "part-compact-" + UniqueName() + std::string(kDataSuffix);
  const std::string final_path = pdir + "/" + name;
  const std::string tmp = final_path + std::string(kTmpSuffix);
  Status st = WriteParquetFile(tmp, rows, options, {{std::string(kReplacesKey), replaces.dump()}});
  if (st.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    st = Status::FromErrno(errno, "rename " + tmp);
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st.WithContext("compact " + pdir);
  }
  RETURN_IF_ERROR(FsyncDir(pdir));
  // The merged file is visible and supersedes its inputs; removing them is cleanup.
  for (const auto& f : files) {
    RETURN_IF_ERROR(RemoveFileIfExists(f.path).WithContext("compacted input"));
  }
  return FsyncDir(pdir);
}

}  // namespace covidflow::lake
