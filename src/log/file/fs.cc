#include "log/file/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>

namespace covidflow::log::file {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("empty directory path");
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::FromErrno(errno, "mkdir " + prefix);
    }
    if (pos == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  if (!S_ISDIR(st.st_mode)) return Status::IoError(path + " is not a directory");
  return Status::Ok();
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  return UniqueFd(fd);
}

Result<size_t> PreadFull(int fd, char* buf, size_t n, uint64_t pos) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read");
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY));
  ASSIGN_OR_RETURN(uint64_t size, FileSize(fd.get()));
  std::string data(size, '\0');
  ASSIGN_OR_RETURN(size_t n, PreadFull(fd.get(), data.data(), size, 0));
  data.resize(n);
  return data;
}

Status PwriteFull(int fd, std::string_view data, uint64_t pos, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t r =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write " + path + " at byte " + std::to_string(pos + done) +
                                          " (" + std::to_string(done) + " of " +
                                          std::to_string(data.size()) + " bytes written)");
    }
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + dir);
  return Status::Ok();
}

Status ReplaceFileAtomically(const std::string& path, std::string_view data) {
  static std::atomic<uint64_t> counter{0};
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string tmp = dir + "/.tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter.fetch_add(1)) + "-" +
                    (slash == std::string::npos ? path : path.substr(slash + 1));
  {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC));
    Status s = PwriteFull(fd.get(), data, 0, tmp);
    if (s.ok() && ::fsync(fd.get()) != 0) s = Status::FromErrno(errno, "fsync " + tmp);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = Status::FromErrno(errno, "rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(dir);
}

Result<uint64_t> FileSize(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, "fstat");
  return static_cast<uint64_t>(st.st_size);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Status::FromErrno(errno, "opendir " + dir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

std::string SegmentFileName(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld.log", static_cast<long long>(base_offset));
  return buf;
}

std::string IndexFileName(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld.index", static_cast<long long>(base_offset));
  return buf;
}

Result<std::vector<int64_t>> ListSegments(const std::string& partition_dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(partition_dir));
  std::vector<int64_t> bases;
  for (const std::string& n : names) {
    if (n.size() != 24 || n.compare(20, 4, ".log") != 0) continue;
    if (!std::all_of(n.begin(), n.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    int64_t base = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + 20, base);
    if (ec != std::errc() || end != n.data() + 20) continue;  // out of range: not ours
    bases.push_back(base);
  }
  std::sort(bases.begin(), bases.end());
  return bases;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 249 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace covidflow::log::file
