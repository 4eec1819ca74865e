// Replays every input kept in tests/fuzz/corpus/{csv,json}/ (seeds and regressions/, the
// crashes libFuzzer found) through the same code as the fuzz targets: the gcc build must
// neither crash nor break the invariants the targets check.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "csv_fuzz_body.h"
#include "json_fuzz_body.h"

namespace covidflow::schema {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Inputs(const std::string& target) {
  const fs::path dir = fs::path(CF_SOURCE_DIR) / "tests/fuzz/corpus" / target;
  std::vector<fs::path> files;
  EXPECT_TRUE(fs::is_directory(dir)) << "missing corpus " << dir;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(FuzzRegressions, CsvCorpusReplays) {
  auto files = Inputs("csv");
  EXPECT_GE(files.size(), 5u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    const std::string data = Slurp(f);
    EXPECT_EQ(fuzz::FuzzCsvBytes(reinterpret_cast<const uint8_t*>(data.data()), data.size()), "");
  }
}

TEST(FuzzRegressions, JsonCorpusReplays) {
  auto files = Inputs("json");
  EXPECT_GE(files.size(), 5u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    const std::string data = Slurp(f);
    EXPECT_EQ(fuzz::FuzzJsonBytes(reinterpret_cast<const uint8_t*>(data.data()), data.size()), "");
  }
}

}  // namespace
}  // namespace covidflow::schema
