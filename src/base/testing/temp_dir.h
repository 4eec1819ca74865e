#pragma once
// For tests, benchmarks and fuzz bodies: the project's one temporary directory. Free of
// GoogleTest so fuzz targets and benchmarks can use it too.
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace covidflow::testing {

// A fresh directory "<TMPDIR or /tmp>/<prefix>_XXXXXX", removed with everything in it when
// the object is destroyed, even where a test took away its permissions (they are given back
// first). Creation failure aborts: a test cannot run without its directory.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "cf_test") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "_XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror(("mkdtemp " + tmpl).c_str());
      std::abort();
    }
    path_ = std::move(tmpl);
  }
  ~TempDir() {
    RestorePermissions(path_);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  // Gives the owner rwx on `dir` and every directory below it, so remove_all can go through.
  static void RestorePermissions(const std::string& dir) {
    if (::chmod(dir.c_str(), S_IRWXU) != 0) return;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) RestorePermissions(it->path().string());
    }
  }

  std::string path_;
};

}  // namespace covidflow::testing
