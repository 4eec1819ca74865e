// Replays every kept input of the location fuzz target (tests/fuzz/corpus/location/) through
// the fuzz body, so a fixed crash stays fixed without building with libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "enrich/location/tests/location_fuzz_body.h"

namespace covidflow::enrich::location {
namespace {

TEST(LocationFuzzCorpus, EveryKeptInputKeepsTheContract) {
  const std::filesystem::path dir =
      std::filesystem::path(CF_SOURCE_DIR) / "tests/fuzz/corpus/location";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << "missing corpus " << dir;
  int replayed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().string());
    fuzz::FuzzLocationBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++replayed;
  }
  EXPECT_GE(replayed, 10) << "the seed corpus has at least 10 inputs";
}

}  // namespace
}  // namespace covidflow::enrich::location
