#include "lake/sink.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "base/failpoint.h"
#include "base/fs.h"
#include "lake/layout.h"
#include "lake/reader.h"

namespace covidflow::lake {
namespace {

namespace fs = std::filesystem;

Status Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + from + " -> " + to);
  }
  return Status::Ok();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string FilePrefix(const std::string& writer_id) { return "part-" + writer_id + "-"; }

// Deletes the inputs of finished compactions (files named in another file's replaces).
Status RemoveSuperseded(const std::string& dir) {
  ASSIGN_OR_RETURN(auto dates, ListPartitions(dir));
  for (const auto& date : dates) {
    const std::string pdir = PartitionDir(dir, date);
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(pdir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (EndsWith(name, kDataSuffix)) names.push_back(name);
    }
    if (ec) return Status::IoError("list " + pdir + ": " + ec.message());
    bool removed = false;
    for (const auto& name : names) {
      auto info = ReadFileInfo(pdir + "/" + name);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) continue;
        return info.status();
      }
      for (const auto& old : info->replaces) {
        if (old == name) continue;
        if (fs::exists(pdir + "/" + old)) {
          RETURN_IF_ERROR(RemoveFileIfExists(pdir + "/" + old));
          removed = true;
        }
      }
    }
    if (removed) RETURN_IF_ERROR(FsyncDir(pdir));
  }
  return Status::Ok();
}

}  // namespace

Status RecoverLake(const std::string& dir, const std::string& writer_id) {
  const std::string commits = dir + "/" + std::string(kCommitsDir);
  const std::string record_prefix = writer_id + "-";
  // 1. Roll forward every commit record of this writer: the commit point was reached.
  std::error_code ec;
  std::vector<std::string> records;
  for (fs::directory_iterator it(commits, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(record_prefix, 0) != 0) continue;
    if (EndsWith(name, kTmpSuffix)) {
      RETURN_IF_ERROR(RemoveFileIfExists(it->path().string()));  // before the commit point
    } else if (EndsWith(name, ".json")) {
      records.push_back(it->path().string());
    }
  }
  if (ec) return Status::IoError("list " + commits + ": " + ec.message());
  std::sort(records.begin(), records.end());
  for (const auto& record : records) {
    ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(record));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array()) {
      return Status::Corruption(record + ": not a commit record");
    }
    std::set<std::string> dirs;
    for (const auto& f : j["files"]) {
      if (!f.is_string()) return Status::Corruption(record + ": bad file entry");
      const std::string final_path = dir + "/" + f.get<std::string>();
      const std::string tmp = final_path + std::string(kTmpSuffix);
      if (fs::exists(tmp)) {
        RETURN_IF_ERROR(Rename(tmp, final_path));
      } else if (!fs::exists(final_path)) {
        return Status::Corruption(record + ": committed file " + final_path + " is missing");
      }
      dirs.insert(fs::path(final_path).parent_path().string());
    }
    for (const auto& d : dirs) RETURN_IF_ERROR(FsyncDir(d));
    RETURN_IF_ERROR(RemoveFileIfExists(record));
  }
  if (!records.empty()) RETURN_IF_ERROR(FsyncDir(commits));
  // 2. Remove this writer's data files that never reached a commit point.
  ASSIGN_OR_RETURN(auto dates, ListPartitions(dir));
  const std::string prefix = FilePrefix(writer_id);
  for (const auto& date : dates) {
    const std::string pdir = PartitionDir(dir, date);
    bool removed = false;
    for (fs::directory_iterator it(pdir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.rfind(prefix, 0) == 0 && EndsWith(name, kTmpSuffix)) {
        RETURN_IF_ERROR(RemoveFileIfExists(it->path().string()));
        removed = true;
      }
    }
    if (ec) return Status::IoError("list " + pdir + ": " + ec.message());
    if (removed) RETURN_IF_ERROR(FsyncDir(pdir));
  }
  // 3. Finish compactions that renamed their output in but did not remove the inputs.
  return RemoveSuperseded(dir);
}

LakeSink::LakeSink(std::string dir, SinkOptions options, UniqueFd lock)
    : dir_(std::move(dir)), options_(std::move(options)), lock_(std::move(lock)) {}

LakeSink::~LakeSink() = default;  // closing lock_ releases the flock

Result<std::unique_ptr<LakeSink>> LakeSink::Open(const std::string& dir, SinkOptions options) {
  if (options.writer_id.empty() ||
      options.writer_id.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
          std::string::npos) {
    return Status::InvalidArgument("lake writer_id '" + options.writer_id +
                                   "' must be letters, digits, '_' or '.'");
  }
  RETURN_IF_ERROR(MakeDirs(dir + "/" + std::string(kTweetsDir)));
  const std::string commits = dir + "/" + std::string(kCommitsDir);
  RETURN_IF_ERROR(MakeDirs(commits));
  // The lock file doubles as the writability probe: a read-only lake fails here.
  const std::string lock_path = commits + "/" + options.writer_id + ".lock";
  Result<UniqueFd> lock = OpenFile(lock_path, O_RDWR | O_CREAT);
  if (!lock.ok()) return lock.status().WithContext("open lake lock");
  if (::flock(lock->get(), LOCK_EX | LOCK_NB) != 0) {
    return Status::FailedPrecondition("lake " + dir + " is already open by writer '" +
                                      options.writer_id + "'");
  }
  if (::access((dir + "/" + std::string(kTweetsDir)).c_str(), W_OK) != 0) {
    const int err = errno;
    return Status::FromErrno(err, "lake directory " + dir + "/tweets is not writable");
  }
  std::unique_ptr<LakeSink> sink(new LakeSink(dir, std::move(options), std::move(*lock)));
  RETURN_IF_ERROR(RecoverLake(sink->dir_, sink->options_.writer_id));
  return sink;
}

std::vector<const schema::EnrichedTweet*>& LakeSink::BufferOf(int64_t unix_seconds) {
  const int64_t day = DayOf(unix_seconds);
  if (last_buffer_ == nullptr || day != last_day_) {
    last_buffer_ = &buffers_[day];  // map nodes do not move
    last_day_ = day;
  }
  return *last_buffer_;
}

void LakeSink::Append(const schema::EnrichedTweet& row) {
  singles_.push_back(row);
  BufferOf(row.tweet.date.seconds).push_back(&singles_.back());
  ++buffered_;
}

void LakeSink::Append(schema::EnrichedTweet&& row) {
  singles_.push_back(std::move(row));
  BufferOf(singles_.back().tweet.date.seconds).push_back(&singles_.back());
  ++buffered_;
}

void LakeSink::Append(std::vector<schema::EnrichedTweet>&& rows) {
  held_.push_back(std::move(rows));
  for (const schema::EnrichedTweet& row : held_.back()) {
    BufferOf(row.tweet.date.seconds).push_back(&row);
  }
  buffered_ += held_.back().size();
}

std::vector<std::vector<schema::EnrichedTweet>> LakeSink::TakeCommittedRows() {
  return std::exchange(committed_, {});
}

Status LakeSink::Commit() {
  if (buffered_ == 0) return Status::Ok();
  const std::string unique = options_.writer_id + "-" + UniqueName();
  struct Pending {
    std::string dir, final_path, tmp_path, relative;
  };
  std::vector<Pending> pending;
  auto discard = [&pending] {
    for (const auto& p : pending) ::unlink(p.tmp_path.c_str());
  };
  // 1. Every partition's file under a .tmp name, fsynced, with its directory entry synced.
  for (const auto& [day, rows] : buffers_) {
    if (rows.empty()) continue;
    const std::string date = DateOf(day * kSecondsPerDay);
    const std::string pdir = PartitionDir(dir_, date);
    const bool fresh = !fs::exists(pdir);
    Status st = MakeDirs(pdir);
    const std::string name = "part-" + unique + std::string(kDataSuffix);
    Pending p{pdir, pdir + "/" + name, pdir + "/" + name + std::string(kTmpSuffix),
              std::string(kTweetsDir) + "/" + std::string(kPartitionPrefix) + date + "/" + name};
    if (st.ok()) {
      pending.push_back(p);
      st = WriteParquetFileOf(p.tmp_path, rows, options_.writer);
    }
    if (st.ok()) st = FsyncDir(pdir);
    if (st.ok() && fresh) st = FsyncDir(dir_ + "/" + std::string(kTweetsDir));
    if (!st.ok()) {
      discard();
      return st.WithContext("lake commit");
    }
  }
  CF_FAILPOINT("lake.commit.after_tmp_files");
  // 2. The commit point: a record naming the files, durably renamed into _commits/.
  nlohmann::json record;
  record["files"] = nlohmann::json::array();
  for (const auto& p : pending) record["files"].push_back(p.relative);
  const std::string commits = dir_ + "/" + std::string(kCommitsDir);
  const std::string record_path = commits + "/" + unique + ".json";
  Status st =
      ReplaceFileAtomically(record_path, record.dump(), record_path + std::string(kTmpSuffix));
  if (!st.ok()) {
    ::unlink(record_path.c_str());
    discard();
    return st.WithContext("lake commit");
  }
  CF_FAILPOINT("lake.commit.after_commit_record");
  // 3. Publish. The rows are committed now: a failure from here is finished by recovery
  // (the next Open), never undone, and the rows must not be written again.
  buffers_.clear();
  last_buffer_ = nullptr;
  buffered_ = 0;
  singles_.clear();
  for (auto& rows : held_) committed_.push_back(std::move(rows));
  held_.clear();
  files_committed_ += static_cast<int64_t>(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    RETURN_IF_ERROR(Rename(pending[i].tmp_path, pending[i].final_path));
    if (i == 0) CF_FAILPOINT("lake.commit.after_first_rename");
  }
  for (const auto& p : pending) RETURN_IF_ERROR(FsyncDir(p.dir));
  CF_FAILPOINT("lake.commit.after_all_renames");
  return RemoveFileIfExists(record_path);
}

Result<std::map<TopicPartition, Offset>> LakeSink::CommittedPositions() const {
  ASSIGN_OR_RETURN(auto files, ListLakeFiles(dir_));
  std::map<TopicPartition, Offset> out;
  for (const auto& f : files) {
    ASSIGN_OR_RETURN(FileInfo info, ReadFileInfo(f.path));
    for (const auto& [tp, range] : info.source_ranges) {
      auto [it, fresh] = out.try_emplace(tp, range.last);
      if (!fresh && range.last > it->second) it->second = range.last;
    }
  }
  return out;
}

}  // namespace covidflow::lake
