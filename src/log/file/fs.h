#pragma once
// Small POSIX helpers for the embedded log: an owning fd, whole-file reads, atomic replace
// (write temp, fsync, rename, fsync dir), directory listing and the segment file names.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::log::file {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// mkdir -p; kIoError naming the path that failed.
Status MakeDirs(const std::string& path);
Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode = 0644);
Result<std::string> ReadWholeFile(const std::string& path);
// Reads up to n bytes at pos (fewer only at end of file).
Result<size_t> PreadFull(int fd, char* buf, size_t n, uint64_t pos);
// Writes all of `data` at pos; on failure reports how many bytes did reach the file.
Status PwriteFull(int fd, std::string_view data, uint64_t pos, const std::string& path);
Status FsyncDir(const std::string& dir);
// Replaces `path` with `data` atomically: write a unique temp file, fsync it, rename over
// `path`, fsync the directory. A crash leaves either the old or the new contents.
Status ReplaceFileAtomically(const std::string& path, std::string_view data);
Result<uint64_t> FileSize(int fd);
bool PathExists(const std::string& path);
// Names in a directory, without "." and "..", unsorted.
Result<std::vector<std::string>> ListDir(const std::string& dir);

// "00000000000000001234.log" and ".index" for a segment whose first offset is 1234.
std::string SegmentFileName(int64_t base_offset);
std::string IndexFileName(int64_t base_offset);
// Base offsets of the segments in a partition directory, ascending.
Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir);

// A name safe as one path component: [A-Za-z0-9._-], 1..249 bytes, not "." or "..", not
// starting with '.' (reserved for temporary files).
bool IsValidName(std::string_view name);

}  // namespace covidflow::log::file
