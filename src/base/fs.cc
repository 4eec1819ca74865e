#include "base/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace covidflow {
namespace {

Status OpenError(int err, const std::string& path) {
  if (err == ENOENT) return Status::NotFound(path + ": no such file or directory");
  return Status::FromErrno(err, "open " + path);
}

}  // namespace

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

Status MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return Status::InvalidArgument("empty directory path");
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 &&
        errno != EEXIST) {
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
  if (fd < 0) return OpenError(errno, path);
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
  Result<size_t> n = PreadFull(fd.get(), data.data(), size, 0);
  if (!n.ok()) return n.status().WithContext(path);
  data.resize(*n);
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

Status WriteFull(int fd, std::string_view data, std::string_view what) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write " + std::string(what));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync directory " + dir);
  return Status::Ok();
}

Status ReplaceFileAtomically(const std::string& path, std::string_view data,
                             const std::string& temp_path) {
  {
    ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(temp_path, O_WRONLY | O_CREAT | O_TRUNC));
    Status s = PwriteFull(fd.get(), data, 0, temp_path);
    if (s.ok() && ::fsync(fd.get()) != 0) s = Status::FromErrno(errno, "fsync " + temp_path);
    if (!s.ok()) {
      ::unlink(temp_path.c_str());
      return s;
    }
  }
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    Status s = Status::FromErrno(errno, "rename " + temp_path + " to " + path);
    ::unlink(temp_path.c_str());
    return s;
  }
  return FsyncDir(DirName(path));
}

Status CopyTreeDurably(const std::string& from, const std::string& to, int file_mode,
                       int dir_mode) {
  struct stat st;
  if (::lstat(from.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(from + ": no such file or directory");
    return Status::FromErrno(errno, "stat " + from);
  }
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(from + " is not a directory");
  if (::mkdir(to.c_str(), static_cast<mode_t>(dir_mode)) != 0) {
    return Status::FromErrno(errno, "mkdir " + to);
  }
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(from));
  for (const std::string& name : names) {
    const std::string src = from + "/" + name;
    const std::string dst = to + "/" + name;
    if (::lstat(src.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + src);
    if (S_ISDIR(st.st_mode)) {
      RETURN_IF_ERROR(CopyTreeDurably(src, dst, file_mode, dir_mode));
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      return Status::InvalidArgument(src + " is not a regular file or a directory");
    }
    ASSIGN_OR_RETURN(UniqueFd in, OpenFile(src, O_RDONLY));
    ASSIGN_OR_RETURN(UniqueFd out, OpenFile(dst, O_WRONLY | O_CREAT | O_EXCL, file_mode));
    std::string buf(1 << 20, '\0');
    uint64_t pos = 0;
    while (true) {
      ASSIGN_OR_RETURN(size_t n, PreadFull(in.get(), buf.data(), buf.size(), pos));
      if (n == 0) break;
      RETURN_IF_ERROR(PwriteFull(out.get(), std::string_view(buf.data(), n), pos, dst));
      pos += n;
    }
    if (::fsync(out.get()) != 0) return Status::FromErrno(errno, "fsync " + dst);
  }
  return FsyncDir(to);
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::IoError("remove " + path + ": " + ec.message());
  return Status::Ok();
}

Status RemoveFileIfExists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "remove " + path);
  }
  return Status::Ok();
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

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace covidflow
