#include "log/file/record.h"

#include <gtest/gtest.h>

#include <cstring>

namespace covidflow::log::file {
namespace {

// A segment of `n` sealed records with values "value-<i>".
std::string Segment(int n, int64_t base = 0, std::vector<size_t>* starts = nullptr) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    size_t start = out.size();
    if (starts) starts->push_back(start);
    std::string value = "value-" + std::to_string(i);
    std::vector<Header> headers = {{"h", std::to_string(i)}};
    AppendRecord(&out, 1000 + i, "key", value, headers);
    SealRecord(out.data() + start, base + i);
  }
  return out;
}

ScanStart From(int64_t base) { return ScanStart{0, base, 0}; }

TEST(RecordTest, EncodedRecordParsesBack) {
  std::string bytes;
  std::vector<Header> headers = {{"a", "1"}, {"", ""}};
  AppendRecord(&bytes, 42, "k", "v", headers);
  ASSERT_EQ(bytes.size(), EncodedSize("k", "v", headers));
  SealRecord(bytes.data(), 7);
  RecordView r;
  ASSERT_EQ(ParseRecord(bytes, &r), ParseResult::kOk);
  EXPECT_EQ(r.offset, 7);
  EXPECT_EQ(r.timestamp_ms, 42);
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.value, "v");
  EXPECT_EQ(r.size, bytes.size());
  std::vector<HeaderView> hv;
  DecodeHeaders(r, &hv);
  ASSERT_EQ(hv.size(), 2u);
  EXPECT_EQ(hv[0].key, "a");
  EXPECT_EQ(hv[0].value, "1");
  EXPECT_EQ(hv[1].key, "");
}

TEST(RecordTest, EveryPrefixOfARecordIsIncompleteOrBadNeverOk) {
  std::string bytes = Segment(1);
  for (size_t n = 0; n < bytes.size(); ++n) {
    RecordView r;
    EXPECT_NE(ParseRecord(std::string_view(bytes).substr(0, n), &r), ParseResult::kOk) << n;
  }
}

TEST(RecordTest, EveryFlippedBitIsDetected) {
  const std::string bytes = Segment(1);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string copy = bytes;
      copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
      RecordView r;
      EXPECT_NE(ParseRecord(copy, &r), ParseResult::kOk) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(ScanSegmentTest, CleanSegment) {
  std::string seg = Segment(100, 500);
  auto scan = ScanSegment(seg, 500, "s", 256, From(500));
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_EQ(scan->records, 100);
  EXPECT_EQ(scan->next_offset, 600);
  EXPECT_EQ(scan->valid_end, seg.size());
  EXPECT_EQ(scan->torn_bytes, 0u);
  EXPECT_FALSE(scan->index.empty());
  for (const IndexEntry& e : scan->index) {
    RecordView r;
    ASSERT_EQ(ParseRecord(std::string_view(seg).substr(e.position), &r), ParseResult::kOk);
    EXPECT_EQ(r.offset, 500 + e.relative_offset);
  }
}

TEST(ScanSegmentTest, RecordWithUnexpectedOffsetIsCorruption) {
  std::string seg = Segment(3, 0) + Segment(1, 7);
  auto scan = ScanSegment(seg, 0, "seg.log", 4096, From(0));
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.status().code(), StatusCode::kCorruption);
  EXPECT_NE(scan.status().message().find("expected 3"), std::string::npos);
}

TEST(ScanSegmentTest, ValidRecordAfterFindsRecordsAtAnyAlignment) {
  std::string seg = Segment(2);
  std::string garbage = "xyz";
  EXPECT_TRUE(ValidRecordAfter(garbage + seg, 0));
  EXPECT_FALSE(ValidRecordAfter(garbage + std::string(1000, '\0'), 0));
  EXPECT_FALSE(ValidRecordAfter(Segment(1), 0)) << "a record at position 0 is not after 0";
}

TEST(IndexTest, DecodeKeepsTheMonotonicPrefixInsideTheSegment) {
  std::vector<IndexEntry> entries = {{10, 4096}, {20, 8200}, {15, 9000}, {30, 9500}};
  std::string bytes = EncodeIndex(entries) + "abc";  // trailing partial entry
  auto decoded = DecodeIndex(bytes, 100000);
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[1].relative_offset, 20u);
  EXPECT_EQ(DecodeIndex(bytes, 5000).size(), 1u) << "entries past the segment's end are dropped";
}

}  // namespace
}  // namespace covidflow::log::file
