#pragma once
// The project's one set of POSIX file helpers: an owning descriptor, directory creation and
// fsync, whole-file reads and positioned I/O, and the durable replace of a file's contents.
// Every module that writes files durably (the embedded log, the lake) goes through these, so
// the write-fsync-rename-fsync sequence exists once. Errors are kIoError naming the path,
// except a missing file, which is kNotFound where noted. Thread-compatible: no shared state.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow {

// Owns one file descriptor and closes it on destruction; move-only.
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
  // Gives up ownership: the caller closes the returned descriptor.
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// mkdir -p (new directories get `mode`, less the umask); Ok when `path` already is a directory,
// kIoError naming the component that failed or when `path` exists and is not a directory.
Status MakeDirs(const std::string& path, int mode = 0755);
// open(2) with O_CLOEXEC added. kNotFound when the file (or a parent) does not exist.
Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode = 0644);
// The whole file, read to its end. kNotFound when it does not exist.
Result<std::string> ReadWholeFile(const std::string& path);
// Reads up to n bytes at pos (fewer only at end of file).
Result<size_t> PreadFull(int fd, char* buf, size_t n, uint64_t pos);
// Writes all of `data` at pos; on failure reports how many bytes did reach the file.
Status PwriteFull(int fd, std::string_view data, uint64_t pos, const std::string& path);
// Writes all of `data` at the descriptor's current position (a file, pipe or stdout);
// kIoError "write <what>: <reason>".
Status WriteFull(int fd, std::string_view data, std::string_view what);
// fsync of a directory, so that a create, rename or unlink in it survives power loss.
Status FsyncDir(const std::string& dir);
// Replaces the contents of `path` with `data` so that a crash leaves either the old or the
// new contents, never a mix: writes `temp_path`, fsyncs it, renames it over `path`, fsyncs
// the directory of `path`. `temp_path` must be in the same directory as `path` (rename is
// atomic only within a file system); on failure it is removed. The caller names the temp file
// because recovery code recognises leftovers by name, and each on-disk format documents its
// own (the lake appends ".tmp", the embedded log uses a hidden ".tmp-<pid>-<n>-" prefix).
Status ReplaceFileAtomically(const std::string& path, std::string_view data,
                             const std::string& temp_path);
// Copies the regular files and directories under `from` (recursively) to the new directory
// `to`, which must not exist, with modes `file_mode` and `dir_mode`; every file and directory
// written is fsynced before it returns, so a rename of `to` afterwards publishes a durable
// tree. kInvalidArgument naming an entry that is neither (a symlink, a socket): a copy never
// follows links out of `from`. kNotFound when `from` does not exist.
Status CopyTreeDurably(const std::string& from, const std::string& to, int file_mode = 0644,
                       int dir_mode = 0755);
// rm -rf: removes `path` and everything under it; Ok when it does not exist.
Status RemoveTree(const std::string& path);
// unlink(2) that treats a file already gone as success.
Status RemoveFileIfExists(const std::string& path);
Result<uint64_t> FileSize(int fd);
bool PathExists(const std::string& path);
// Names in a directory, without "." and "..", unsorted.
Result<std::vector<std::string>> ListDir(const std::string& dir);
// The directory part of a path ("." when it has none).
std::string DirName(const std::string& path);

}  // namespace covidflow
