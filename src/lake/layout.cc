#include "lake/layout.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "lake/reader.h"

namespace covidflow::lake {

namespace fs = std::filesystem;

std::string DateOf(int64_t unix_seconds) {
  // Civil-from-days (Howard Hinnant's algorithm), valid for any int64 day count we meet.
  int64_t days = DayOf(unix_seconds) + 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::string PartitionDir(std::string_view lake_dir, std::string_view date) {
  std::string p(lake_dir);
  p += '/';
  p += kTweetsDir;
  p += '/';
  p += kPartitionPrefix;
  p += date;
  return p;
}

Result<std::vector<std::string>> ListPartitions(const std::string& lake_dir, std::string_view from,
                                                std::string_view to) {
  const fs::path tweets = fs::path(lake_dir) / kTweetsDir;
  std::error_code ec;
  std::vector<std::string> dates;
  if (!fs::exists(tweets, ec)) return dates;
  for (fs::directory_iterator it(tweets, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kPartitionPrefix, 0) != 0) continue;
    const std::string date = name.substr(kPartitionPrefix.size());
    if (!IsDate(date)) continue;
    if (!from.empty() && date < from) continue;
    if (!to.empty() && date > to) continue;
    dates.push_back(date);
  }
  if (ec) return Status::IoError("list " + tweets.string() + ": " + ec.message());
  std::sort(dates.begin(), dates.end());
  return dates;
}

Result<std::vector<LakeFile>> ListLakeFiles(const std::string& lake_dir, std::string_view from,
                                            std::string_view to) {
  ASSIGN_OR_RETURN(auto dates, ListPartitions(lake_dir, from, to));
  std::vector<LakeFile> out;
  for (const auto& date : dates) {
    const std::string dir = PartitionDir(lake_dir, date);
    std::vector<LakeFile> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() <= kDataSuffix.size() ||
          name.compare(name.size() - kDataSuffix.size(), kDataSuffix.size(), kDataSuffix) != 0) {
        continue;  // .tmp files and anything else are never read
      }
      std::error_code size_ec;
      const auto bytes = fs::file_size(it->path(), size_ec);
      files.push_back(LakeFile{date, name, it->path().string(), size_ec ? 0 : bytes});
    }
    if (ec) return Status::IoError("list " + dir + ": " + ec.message());
    // The replaces rule: drop inputs of a compaction whose output is present.
    std::set<std::string> replaced;
    for (const auto& f : files) {
      auto info = ReadFileInfo(f.path);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) continue;  // removed meanwhile
        return info.status();
      }
      replaced.insert(info->replaces.begin(), info->replaces.end());
    }
    for (auto& f : files) {
      if (!replaced.contains(f.name)) out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(), [](const LakeFile& a, const LakeFile& b) {
    return a.date != b.date ? a.date < b.date : a.name < b.name;
  });
  return out;
}

std::string UniqueName() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%016lld-%d-%08llx", static_cast<long long>(micros),
                static_cast<int>(::getpid()), static_cast<unsigned long long>(rng() & 0xffffffffu));
  return buf;
}

}  // namespace covidflow::lake
