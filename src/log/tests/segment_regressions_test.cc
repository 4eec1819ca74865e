// Replays the kept segment fuzz inputs: the seed corpus and every crash found
// (tests/fuzz/corpus/segment/regressions/), through the fuzz target's own body.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "log/file/record.h"
#include "segment_fuzz_body.h"

namespace covidflow::log {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ReplayDirectory(const std::filesystem::path& dir, size_t min_files) {
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << "missing corpus directory " << dir;
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename().string().starts_with(".")) continue;
    const std::string bytes = ReadFile(entry.path());
    SCOPED_TRACE(entry.path().string());
    fuzz::FuzzSegmentBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++replayed;
  }
  EXPECT_GE(replayed, min_files) << "expected kept inputs in " << dir;
}

TEST(SegmentRegressions, SeedCorpusReplays) {
  ReplayDirectory(std::filesystem::path(CF_SOURCE_DIR) / "tests/fuzz/corpus/segment", 4);
}

TEST(SegmentRegressions, KeptCrashInputsReplay) {
  ReplayDirectory(std::filesystem::path(CF_SOURCE_DIR) / "tests/fuzz/corpus/segment/regressions",
                  1);
}

// The seeds are written by an independent Python encoder of docs/formats/log.md
// (tests/fuzz/segment_make_seeds.py): the C++ reader must accept its clean segment whole.
TEST(SegmentRegressions, PythonEncoderOfTheFormatDocAgreesWithTheReader) {
  const auto path = std::filesystem::path(CF_SOURCE_DIR) / "tests/fuzz/corpus/segment/ten_records";
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing " << path;
  const std::string bytes = ReadFile(path);
  auto scan = file::ScanSegment(bytes, 0, path.string(), 4096, file::ScanStart{});
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_EQ(scan->records, 10);
  EXPECT_EQ(scan->torn_bytes, 0u);
  file::RecordView r;
  ASSERT_EQ(file::ParseRecord(bytes, &r), file::ParseResult::kOk);
  EXPECT_EQ(r.key, "user-0");
  EXPECT_EQ(r.value, "tweet text 0, with a comma");
  EXPECT_EQ(r.timestamp_ms, 1595676539000);
  std::vector<HeaderView> headers;
  file::DecodeHeaders(r, &headers);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].key, "source");
  EXPECT_EQ(headers[0].value, "tweets.raw/0/0");
}

}  // namespace
}  // namespace covidflow::log
