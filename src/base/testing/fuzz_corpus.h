#pragma once
// For unit tests: replays every file kept under tests/fuzz/corpus/<name>/ (regressions
// included) through a fuzz target's body, so fixed crashes stay fixed in the gcc build.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace covidflow::testing {

// Returns how many files were replayed; each runs under a SCOPED_TRACE of its path.
// `source_dir` is the project root (the CF_SOURCE_DIR of cf_test).
template <typename Body>
int ReplayFuzzCorpus(std::string_view source_dir, std::string_view name, Body&& body) {
  const std::filesystem::path dir = std::filesystem::path(source_dir) / "tests/fuzz/corpus" / name;
  EXPECT_TRUE(std::filesystem::is_directory(dir)) << "missing corpus " << dir;
  if (!std::filesystem::is_directory(dir)) return 0;
  int replayed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    body(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++replayed;
  }
  return replayed;
}

}  // namespace covidflow::testing
