#include "log/file/names.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "base/numbers.h"

namespace covidflow::log::file {

std::string TempPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const size_t slash = path.rfind('/');
  return DirName(path) + "/.tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1)) + "-" +
         (slash == std::string::npos ? path : path.substr(slash + 1));
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
    const std::optional<int64_t> base = ParseInt(std::string_view(n).substr(0, 20));
    if (!base) continue;  // out of range: not ours
    bases.push_back(*base);
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
