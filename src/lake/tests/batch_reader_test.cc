// The batch reader against the row reader on generated lakes: the same rows in the same order,
// with projections, date ranges, batch sizes, compaction in the middle of a read, and damaged
// files reported as kCorruption naming the file.
#include "lake/batch_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lake/internal/tweet_columns.h"
#include "lake/layout.h"
#include "lake/reader.h"
#include "lake/sink.h"
#include "lake/stats.h"
#include "lake/tests/test_rows.h"

namespace covidflow::lake {
namespace {

namespace fs = std::filesystem;
using schema::EnrichedTweet;
using testing::TempDir;

const internal::ColumnSpec& Spec(std::string_view name) {
  return internal::TweetColumns()[static_cast<size_t>(internal::FindColumn(name))];
}

// Expects row r of column `v` to hold the value of `row`.
void ExpectValue(const ColumnVector& v, size_t r, const EnrichedTweet& row, size_t where) {
  const internal::ColumnSpec& c = Spec(v.name);
  switch (c.kind) {
    case internal::ColumnKind::kString:
      ASSERT_EQ(v.String(r), c.get_str(row)) << v.name << " row " << where;
      break;
    case internal::ColumnKind::kOptionalString:
      ASSERT_EQ(v.String(r), c.get_str(row)) << v.name << " row " << where;
      ASSERT_EQ(v.valid.at(r), c.get_str(row).empty() ? 0 : 1) << v.name << " row " << where;
      break;
    case internal::ColumnKind::kStringList: {
      std::vector<std::string> got;
      for (auto s = v.list_offsets.at(r); s < v.list_offsets.at(r + 1); ++s) {
        got.emplace_back(v.String(static_cast<size_t>(s)));
      }
      ASSERT_EQ(got, c.get_list(row)) << v.name << " row " << where;
      break;
    }
    case internal::ColumnKind::kDouble: {
      const double x = v.doubles.at(r), y = c.get_double(row);
      ASSERT_EQ(std::memcmp(&x, &y, 8), 0) << v.name << " row " << where;
      break;
    }
    case internal::ColumnKind::kBool:
      ASSERT_EQ(v.bools.at(r) != 0, c.get_bool(row)) << v.name << " row " << where;
      break;
    default:
      ASSERT_EQ(v.ints.at(r), c.get_int(row)) << v.name << " row " << where;
  }
}

// Reads everything through a BatchReader and checks it row by row against ReadLake.
void ExpectSameAsReadLake(const std::string& lake, const BatchReaderOptions& options) {
  auto want = ReadLake(lake, LakeReadOptions{options.columns, options.from_date, options.to_date});
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto reader = BatchReader::Open(lake, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const std::vector<std::string> names =
      options.columns.empty() ? LakeColumnNames() : options.columns;
  size_t row = 0;
  ColumnBatch batch;
  while (true) {
    auto more = (*reader)->NextInto(&batch);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ASSERT_GT(batch.num_rows, 0u);
    ASSERT_LE(batch.num_rows, options.batch_rows);
    // Only the last batch may be short.
    if (row + batch.num_rows < want->size()) {
      ASSERT_EQ(batch.num_rows, options.batch_rows);
    }
    ASSERT_EQ(batch.columns.size(), names.size());
    for (size_t c = 0; c < names.size(); ++c) {
      const ColumnVector& v = batch.columns[c];
      ASSERT_EQ(v.name, names[c]);
      for (size_t r = 0; r < batch.num_rows; ++r) {
        ASSERT_LT(row + r, want->size());
        ExpectValue(v, r, (*want)[row + r], row + r);
      }
    }
    row += batch.num_rows;
  }
  EXPECT_EQ(row, want->size());
  EXPECT_EQ((*reader)->rows_read(), static_cast<int64_t>(want->size()));
}

// A lake of `commits` commits of `per_commit` rows each over `days` days: each commit is one
// file per partition, so every partition holds several files.
void MakeLake(const std::string& dir, int commits, size_t per_commit, int days,
              WriterOptions writer = {}) {
  auto sink = LakeSink::Open(dir, SinkOptions{writer, "w0"});
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  for (int c = 0; c < commits; ++c) {
    auto rows = testing::MakeRows(per_commit, days, static_cast<int64_t>(c * per_commit), 0,
                                  static_cast<uint64_t>(c + 1));
    if (c == 0) {
      const auto edge = testing::EdgeRows();
      for (auto e : edge) {
        e.tweet.date.seconds = testing::k20200725 + 3600;  // in range, first partition
        rows.push_back(e);
      }
    }
    for (auto& r : rows) (*sink)->Append(std::move(r));
    ASSERT_TRUE((*sink)->Commit().ok());
  }
}

WriterOptions SmallGroups() {
  WriterOptions o;
  o.row_group_bytes = 60000;  // many row groups per file
  o.page_bytes = 4096;        // many pages per chunk
  o.compression = Compression::kSnappy;
  return o;
}

TEST(BatchReader, EveryColumnEqualsReadLakeAcrossDatesFilesAndBatchSizes) {
  TempDir dir;
  MakeLake(dir.path(), 3, 2000, 3);
  for (size_t batch : {1u, 7u, 1000u, 65536u}) {
    SCOPED_TRACE(batch);
    ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{}, "", "", batch});
  }
}

TEST(BatchReader, ManyRowGroupsAndPagesPerFileEveryCodec) {
  for (Compression codec : {Compression::kZstd, Compression::kSnappy, Compression::kNone}) {
    TempDir dir;
    WriterOptions o = SmallGroups();
    o.compression = codec;
    MakeLake(dir.path(), 2, 3000, 2, o);
    ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{}, "", "", 777});
    // PLAIN everywhere (no dictionaries).
    TempDir plain;
    o.dictionary = false;
    MakeLake(plain.path(), 2, 1500, 2, o);
    ExpectSameAsReadLake(plain.path(), BatchReaderOptions{{}, "", "", 500});
  }
}

TEST(BatchReader, ProjectionInTheCallersOrder) {
  TempDir dir;
  MakeLake(dir.path(), 2, 1500, 2, SmallGroups());
  ExpectSameAsReadLake(
      dir.path(),
      BatchReaderOptions{{"sentiment_compound", "text", "hashtags", "country"}, "", "", 999});
  ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{"event_time"}, "", "", 4096});
  auto bad = BatchReader::Open(dir.path(), BatchReaderOptions{{"date"}, "", "", 65536});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, DateRangesPruneAndMatch) {
  TempDir dir;
  MakeLake(dir.path(), 2, 1200, 4);
  ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{}, "2020-07-26", "2020-07-27", 300});
  ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{"text"}, "2020-07-27", "", 300});
  ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{"text"}, "", "2020-07-25", 300});
  // A range with no partition: no rows.
  auto reader = BatchReader::Open(dir.path(), BatchReaderOptions{{}, "2021-01-01", "2021-12-31"});
  ASSERT_TRUE(reader.ok());
  auto batch = (*reader)->Next();
  ASSERT_TRUE(batch.ok());
  EXPECT_FALSE(batch->has_value());
  // Partitions outside the range are never opened: a corrupt file there is not noticed.
  const auto files = ListLakeFiles(dir.path(), "2020-07-28", "2020-07-28");
  ASSERT_TRUE(files.ok() && !files->empty());
  std::ofstream(files->front().path, std::ios::trunc) << "garbage";
  ExpectSameAsReadLake(dir.path(), BatchReaderOptions{{}, "2020-07-25", "2020-07-27", 300});
}

TEST(BatchReader, EmptyAndMissingLakesHaveNoRows) {
  TempDir dir;
  {
    auto sink = LakeSink::Open(dir.path());  // the layout, no files
    ASSERT_TRUE(sink.ok());
  }
  for (const std::string& lake : {dir.path(), dir.path() + "/missing"}) {
    auto reader = BatchReader::Open(lake, {});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok());
    EXPECT_FALSE(batch->has_value());
  }
  EXPECT_EQ(BatchReader::Open(dir.path(), BatchReaderOptions{{}, "", "", 0}).status().code(),
            StatusCode::kInvalidArgument);
}

// Memory follows the batch: a batch of N rows holds N values per column, whatever the lake.
TEST(BatchReader, BatchesHoldAtMostBatchRows) {
  TempDir dir;
  MakeLake(dir.path(), 2, 5000, 2);
  auto reader = BatchReader::Open(
      dir.path(), BatchReaderOptions{{"text", "hashtags", "user_followers"}, "", "", 256});
  ASSERT_TRUE(reader.ok());
  size_t batches = 0;
  while (true) {
    auto batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch->has_value()) break;
    ++batches;
    const ColumnBatch& b = **batch;
    EXPECT_LE(b.num_rows, 256u);
    EXPECT_EQ(b.Find("text")->offsets.size(), b.num_rows + 1);
    EXPECT_EQ(b.Find("hashtags")->list_offsets.size(), b.num_rows + 1);
    EXPECT_EQ(b.Find("user_followers")->ints.size(), b.num_rows);
    EXPECT_LE(b.Find("text")->bytes.size(), b.num_rows * 1024);
    EXPECT_EQ(b.Find("country"), nullptr);
  }
  EXPECT_EQ(batches, (10000 + testing::EdgeRows().size() + 255) / 256);
}

// A compaction between two batches removes files the reader has listed: the reader keeps its
// open descriptors (this partition) or lists again (later partitions), never doubling a row.
TEST(BatchReader, CompactionDuringAReadShowsEveryRowOnce) {
  TempDir dir;
  MakeLake(dir.path(), 3, 1000, 2);
  auto want = ReadLake(dir.path(), LakeReadOptions{{"source_offset", "text"}, "", ""});
  ASSERT_TRUE(want.ok());
  auto reader =
      BatchReader::Open(dir.path(), BatchReaderOptions{{"source_offset", "text"}, "", "", 100});
  ASSERT_TRUE(reader.ok());
  std::vector<int64_t> offsets;
  bool compacted = false;
  while (true) {
    auto batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch->has_value()) break;
    const auto& ints = (*batch)->Find("source_offset")->ints;
    offsets.insert(offsets.end(), ints.begin(), ints.end());
    if (!compacted) {
      ASSERT_TRUE(CompactPartition(dir.path(), "2020-07-25").ok());
      ASSERT_TRUE(CompactPartition(dir.path(), "2020-07-26").ok());
      compacted = true;
    }
  }
  std::vector<int64_t> expect;
  for (const auto& r : *want) expect.push_back(r.source.offset.value());
  std::sort(offsets.begin(), offsets.end());
  std::sort(expect.begin(), expect.end());
  EXPECT_EQ(offsets, expect);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Reads all of `bytes` through OpenBytes; the status of the first failure, or OK.
Status ReadAllBytes(const std::string& bytes, size_t batch_rows = 333) {
  auto reader = BatchReader::OpenBytes(bytes, BatchReaderOptions{{}, "", "", batch_rows});
  if (!reader.ok()) return reader.status();
  ColumnBatch batch;
  while (true) {
    auto more = (*reader)->NextInto(&batch);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
  }
}

class DamagedBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeLake(dir_.path(), 1, 3000, 1, SmallGroups());
    auto files = ListLakeFiles(dir_.path());
    ASSERT_TRUE(files.ok() && files->size() == 1);
    path_ = files->front().path;
    bytes_ = ReadBytes(path_);
  }
  void ExpectCorruption(const std::string& bytes, const std::string& what) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
    auto reader = BatchReader::Open(dir_.path(), BatchReaderOptions{{}, "", "", 500});
    ASSERT_TRUE(reader.ok());
    Status st;
    while (st.ok()) {
      auto batch = (*reader)->Next();
      if (!batch.ok()) {
        st = batch.status();
        break;
      }
      if (!batch->has_value()) break;
    }
    ASSERT_FALSE(st.ok()) << what;
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << what << ": " << st.ToString();
    EXPECT_NE(st.message().find(fs::path(path_).filename().string()), std::string::npos)
        << what << ": " << st.ToString();
  }
  TempDir dir_;
  std::string path_;
  std::string bytes_;
};

TEST_F(DamagedBatch, TruncatedFlippedAndBadMagic) {
  // ListLakeFiles reads footers too, so some damage is reported while listing; the name is
  // in the message either way.
  for (int tenth = 1; tenth < 10; ++tenth) {
    ExpectCorruption(bytes_.substr(0, bytes_.size() * tenth / 10), "truncated");
  }
  std::string b = bytes_;
  b[0] = 'X';
  ExpectCorruption(b, "bad magic");
  for (size_t at : {bytes_.size() / 5, bytes_.size() / 3, bytes_.size() / 2}) {
    b = bytes_;
    b[at] ^= 0x5a;
    ExpectCorruption(b, "flipped page byte at " + std::to_string(at));
  }
}

// Any damage to a file's bytes gives rows or kCorruption/kInvalidArgument, never a crash:
// bytes flipped across the pages and, more densely, across the footer.
TEST_F(DamagedBatch, FlippedBytesAreCaughtOrHarmless) {
  ASSERT_TRUE(ReadAllBytes(bytes_).ok());
  uint32_t footer_len;
  std::memcpy(&footer_len, bytes_.data() + bytes_.size() - 8, 4);
  const size_t footer = bytes_.size() - 8 - footer_len;
  const size_t page_stride = std::max<size_t>(1, footer / 150);
  const size_t footer_stride = std::max<size_t>(1, footer_len / 400);
  for (size_t i = 0; i < bytes_.size(); i += i < footer ? page_stride : footer_stride) {
    std::string b = bytes_;
    b[i] ^= 0xff;
    const Status st = ReadAllBytes(b);
    if (!st.ok()) {
      EXPECT_TRUE(st.code() == StatusCode::kCorruption || st.code() == StatusCode::kInvalidArgument)
          << "byte " << i << ": " << st.ToString();
    }
  }
}

// Inputs the fuzzer found or that sit at the edges, kept as named regressions.
TEST(BatchReaderRegressions, TinyAndEmptyInputs) {
  EXPECT_EQ(ReadAllBytes("").code(), StatusCode::kCorruption);
  EXPECT_EQ(ReadAllBytes("PAR1").code(), StatusCode::kCorruption);
  EXPECT_EQ(ReadAllBytes(std::string("PAR1\0\0\0\0PAR1", 12)).code(), StatusCode::kCorruption);
  EXPECT_EQ(ReadAllBytes(std::string("PAR1\xff\xff\xff\x7fPAR1", 12)).code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace covidflow::lake
