// Round trips through our writer and reader, and the reader's handling of damaged files.
#include "lake/reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "lake/batch_reader.h"
#include "lake/internal/encoding.h"
#include "lake/internal/tweet_columns.h"
#include "lake/tests/test_rows.h"
#include "lake/writer.h"

namespace covidflow::lake {
namespace {

namespace fs = std::filesystem;
using schema::EnrichedTweet;

using testing::TempDir;

// Compares every lake column of two rows; `columns` empty means all.
void ExpectSameColumns(const EnrichedTweet& a, const EnrichedTweet& b, size_t row) {
  for (const auto& c : internal::TweetColumns()) {
    switch (c.kind) {
      case internal::ColumnKind::kString:
      case internal::ColumnKind::kOptionalString:
        EXPECT_EQ(c.get_str(a), c.get_str(b)) << c.name << " row " << row;
        break;
      case internal::ColumnKind::kStringList:
        EXPECT_EQ(c.get_list(a), c.get_list(b)) << c.name << " row " << row;
        break;
      case internal::ColumnKind::kDouble: {
        const double x = c.get_double(a), y = c.get_double(b);
        EXPECT_EQ(std::memcmp(&x, &y, 8), 0)
            << c.name << " row " << row << ": " << x << " vs " << y;
        break;
      }
      case internal::ColumnKind::kBool:
        EXPECT_EQ(c.get_bool(a), c.get_bool(b)) << c.name << " row " << row;
        break;
      default:
        EXPECT_EQ(c.get_int(a), c.get_int(b)) << c.name << " row " << row;
    }
  }
}

void ExpectSameRows(const std::vector<EnrichedTweet>& want, const std::vector<EnrichedTweet>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) ExpectSameColumns(want[i], got[i], i);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

struct Case {
  const char* name;
  WriterOptions options;
};

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, EveryValueComesBack) {
  TempDir dir;
  const std::string path = dir.path() + "/f.parquet";
  auto rows = testing::MakeRows(3000);
  const auto edge = testing::EdgeRows();
  rows.insert(rows.begin() + 100, edge.begin(), edge.end());
  const auto type_edges = testing::TypeEdgeRows();
  rows.insert(rows.begin() + 2000, type_edges.begin(), type_edges.end());
  const Status st = WriteParquetFile(path, rows, GetParam().options);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameRows(rows, *got);
}

// The test rows cover the whole field table: every column takes more than one value in
// MakeRows, a nullable column is both null and not, and TypeEdgeRows gives each column three
// different values. A column added to schema/fields.h that the test rows leave at its default
// fails here, not silently in the round trips above.
TEST(TestRows, EveryColumnOfTheFieldTableVaries) {
  const auto rows = testing::MakeRows(300);
  const auto edges = testing::TypeEdgeRows();
  // One call's rows are one stream: one topic, one partition, one enricher.
  const std::vector<std::string_view> per_stream = {"enricher", "source_topic", "source_partition"};
  for (auto name : per_stream) EXPECT_TRUE(schema::FindColumn(name).has_value()) << name;
  schema::ForEachColumn([&](auto index) {
    constexpr const auto& def = schema::kColumnDef<decltype(index)::value>;
    using Def = std::remove_cvref_t<decltype(def)>;
    size_t differ = 0;
    size_t empty = 0;
    for (const auto& r : rows) {
      const auto& v = Def::Ref(r);
      if (!(v == Def::Ref(rows[0]))) ++differ;
      if constexpr (Def::type == schema::ValueType::kString) empty += v.empty() ? 1 : 0;
    }
    if (std::find(per_stream.begin(), per_stream.end(), def.name) == per_stream.end()) {
      EXPECT_GT(differ, 0u) << def.name << " has one value in every row of MakeRows";
    }
    if (def.nullable) {
      EXPECT_GT(empty, 0u) << def.name << " is never null in MakeRows";
      EXPECT_LT(empty, rows.size()) << def.name << " is always null in MakeRows";
    }
    // A bool has two values: rows 0 and 1 hold them.
    const size_t distinct = Def::type == schema::ValueType::kBool ? 2 : edges.size();
    for (size_t i = 0; i < distinct; ++i) {
      for (size_t j = i + 1; j < distinct; ++j) {
        EXPECT_FALSE(Def::Ref(edges[i]) == Def::Ref(edges[j]))
            << def.name << ": edge rows " << i << " and " << j << " hold the same value";
      }
    }
  });
}

WriterOptions With(Compression c, bool dict = true, size_t page = 1 << 20,
                   size_t group = 64 << 20) {
  WriterOptions o;
  o.compression = c;
  o.dictionary = dict;
  o.page_bytes = page;
  o.row_group_bytes = group;
  o.dictionary_page_bytes = page;
  return o;
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundTrip,
                         ::testing::Values(Case{"zstd", With(Compression::kZstd)},
                                           Case{"snappy", With(Compression::kSnappy)},
                                           Case{"none", With(Compression::kNone)},
                                           Case{"plain", With(Compression::kZstd, false)},
                                           Case{"small_pages_many_groups",
                                                With(Compression::kSnappy, true, 2048, 50000)}),
                         [](const auto& p) { return std::string(p.param.name); });

// A file our writer wrote at schema version 1, before the model's columns
// (tests/data/schema_v1.parquet: testing::EdgeRows() as they were then, zstd) reads with those
// columns empty, by both readers.
TEST(Reader, ASchemaVersion1FileReadsWithTheModelColumnsEmpty) {
  const std::string path = std::string(CF_SOURCE_DIR) + "/src/lake/tests/data/schema_v1.parquet";
  auto info = ReadFileInfo(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->metadata.at("covidflow.schema_version"), "1");
  auto got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  auto want = testing::EdgeRows();
  for (auto& r : want) r.prediction = {};
  ExpectSameRows(want, *got);

  const std::string bytes = ReadBytes(path);  // outlives the reader, which views it
  auto reader = BatchReader::OpenBytes(bytes, {.columns = {"text", "model", "model_confidence"}});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto batch = (*reader)->Next();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_TRUE(batch->has_value());
  const size_t n = want.size();
  ASSERT_EQ((*batch)->num_rows, n);
  const ColumnVector* model = (*batch)->Find("model");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->valid, ValueVector<uint8_t>(n, 0));  // all null
  EXPECT_EQ(model->offsets, ValueVector<int64_t>(n + 1, 0));
  EXPECT_EQ((*batch)->Find("model_confidence")->doubles, ValueVector<double>(n, 0.0));
  EXPECT_EQ((*batch)->Find("text")->offsets.size(), n + 1);
}

TEST(Reader, EmptyFileHasNoRows) {
  TempDir dir;
  const std::string path = dir.path() + "/e.parquet";
  ASSERT_TRUE(WriteParquetFile(path, {}, WriterOptions{}).ok());
  auto got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->empty());
}

TEST(Reader, ProjectionDecodesOnlyTheNamedColumns) {
  TempDir dir;
  const std::string path = dir.path() + "/p.parquet";
  const auto rows = testing::MakeRows(500);
  ASSERT_TRUE(WriteParquetFile(path, rows, WriterOptions{}).ok());
  auto got = ReadFile(path, ReadOptions{{"text", "sentiment_compound", "hashtags"}});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ((*got)[i].tweet.text, rows[i].tweet.text);
    EXPECT_EQ((*got)[i].tweet.hashtags, rows[i].tweet.hashtags);
    EXPECT_EQ((*got)[i].sentiment.compound, rows[i].sentiment.compound);
    EXPECT_EQ((*got)[i].tweet.user_name, "");  // not projected
    EXPECT_EQ((*got)[i].source.offset, Offset(0));
  }
  auto bad = ReadFile(path, ReadOptions{{"no_such_column"}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(Reader, FileInfoCarriesOffsetsEnrichersAndSchemaVersion) {
  TempDir dir;
  const std::string path = dir.path() + "/i.parquet";
  auto rows = testing::MakeRows(100, 1, 500, 2);
  auto more = testing::MakeRows(10, 1, 70, 5);
  more[3].enricher = "model@4";
  rows.insert(rows.end(), more.begin(), more.end());
  ASSERT_TRUE(WriteParquetFile(path, rows, WriterOptions{}, {{"k", "v"}}).ok());
  auto info = ReadFileInfo(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->num_rows, 110);
  EXPECT_EQ(info->metadata.at("covidflow.schema_version"), "3");
  EXPECT_EQ(info->metadata.at("covidflow.enrichers"), "vader,model@4");
  EXPECT_EQ(info->metadata.at("k"), "v");
  const SourceRanges want = {
      {TopicPartition{"tweets.raw", PartitionId(2)}, SourceRange{Offset(500), Offset(599), 100}},
      {TopicPartition{"tweets.raw", PartitionId(5)}, SourceRange{Offset(70), Offset(79), 10}}};
  EXPECT_EQ(info->source_ranges, want);
}

TEST(Writer, TimestampOutsideMicrosRangeIsRejected) {
  TempDir dir;
  auto rows = testing::MakeRows(2);
  rows[1].tweet.date.seconds = std::numeric_limits<int64_t>::max() / 1000;
  const Status st = WriteParquetFile(dir.path() + "/x.parquet", rows, WriterOptions{});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

// A failed Write keeps nothing, even when it had already written row groups (more than the
// writer buffers, so some reached the file): the file goes back to where the call started
// and the writer stays usable.
TEST(Writer, FailedWriteLeavesTheFileAsBefore) {
  TempDir dir;
  const std::string path = dir.path() + "/w.parquet";
  WriterOptions o;
  o.row_group_bytes = 200000;  // many row groups per Write
  o.compression = Compression::kNone;
  auto first = testing::MakeRows(300, 1, 0);
  auto bad = testing::MakeRows(20000, 1, 300);
  bad[19000].tweet.date.seconds = std::numeric_limits<int64_t>::max() / 1000;
  auto last = testing::MakeRows(200, 1, 20300);
  auto writer = ParquetWriter::Create(path, o);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Write(first).ok());
  const uint64_t bytes = (*writer)->bytes_written();
  EXPECT_EQ((*writer)->Write(bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*writer)->bytes_written(), bytes);
  ASSERT_TRUE((*writer)->Write(last).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto got = ReadFile(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  std::vector<EnrichedTweet> want = first;
  want.insert(want.end(), last.begin(), last.end());
  ExpectSameRows(want, *got);
  auto info = ReadFileInfo(path);
  ASSERT_TRUE(info.ok());
  const SourceRanges ranges = {
      {TopicPartition{"tweets.raw", PartitionId(0)}, SourceRange{Offset(0), Offset(20499), 500}}};
  EXPECT_EQ(info->source_ranges, ranges);
}

TEST(Writer, UnwritableDirectoryIsAClearIoError) {
  if (::geteuid() == 0) {
    // root ignores permissions; a path under a regular file fails for everyone.
    TempDir dir;
    WriteBytes(dir.path() + "/file", "x");
    const Status st = WriteParquetFile(dir.path() + "/file/x.parquet", testing::MakeRows(1), {});
    EXPECT_EQ(st.code(), StatusCode::kIoError);
    EXPECT_NE(st.message().find(dir.path() + "/file/x.parquet"), std::string::npos) << st.message();
    return;
  }
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  const Status st = WriteParquetFile(dir.path() + "/x.parquet", testing::MakeRows(1), {});
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("x.parquet"), std::string::npos) << st.message();
}

// Damaged files: the reader reports kCorruption naming the file, and never crashes.
class Damaged : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/d.parquet";
    auto rows = testing::MakeRows(2000);
    ASSERT_TRUE(WriteParquetFile(path_, rows, With(Compression::kZstd, true, 8192)).ok());
    bytes_ = ReadBytes(path_);
  }
  void ExpectCorruption(const std::string& bytes, const char* what) {
    WriteBytes(path_, bytes);
    auto got = ReadFile(path_);
    ASSERT_FALSE(got.ok()) << what;
    EXPECT_EQ(got.status().code(), StatusCode::kCorruption)
        << what << ": " << got.status().ToString();
    EXPECT_NE(got.status().message().find("d.parquet"), std::string::npos)
        << what << ": " << got.status().ToString();
  }
  TempDir dir_;
  std::string path_;
  std::string bytes_;
};

TEST_F(Damaged, EmptyFile) { ExpectCorruption("", "empty"); }

TEST_F(Damaged, TruncatedAtEveryTenthOfTheFile) {
  for (int tenth = 1; tenth < 10; ++tenth) {
    ExpectCorruption(bytes_.substr(0, bytes_.size() * tenth / 10), "truncated");
  }
  ExpectCorruption(bytes_.substr(0, bytes_.size() - 1), "truncated by one byte");
}

TEST_F(Damaged, BadMagic) {
  std::string b = bytes_;
  b[0] = 'X';
  ExpectCorruption(b, "bad header magic");
}

TEST_F(Damaged, FooterLengthPastStart) {
  std::string b = bytes_;
  const uint32_t huge = 0x7fffffff;
  std::memcpy(b.data() + b.size() - 8, &huge, 4);
  ExpectCorruption(b, "footer length");
}

TEST_F(Damaged, FlippedByteInAPageFailsItsChecksum) {
  std::string b = bytes_;
  b[b.size() / 3] ^= 0x5a;
  ExpectCorruption(b, "flipped page byte");
}

TEST_F(Damaged, EveryFlippedFooterByteIsCaughtOrHarmless) {
  // Flip each footer byte in turn: the read may succeed (a flip in a statistic or a name we
  // do not check) but must never crash or hang; a failure is kCorruption.
  const uint32_t footer_len = [&] {
    uint32_t v;
    std::memcpy(&v, bytes_.data() + bytes_.size() - 8, 4);
    return v;
  }();
  const size_t start = bytes_.size() - 8 - footer_len;
  const size_t stride = std::max<size_t>(1, footer_len / 500);
  for (size_t i = start; i < bytes_.size() - 8; i += stride) {
    std::string b = bytes_;
    b[i] ^= 0xff;
    WriteBytes(path_, b);
    auto got = ReadFile(path_);
    if (!got.ok()) {
      EXPECT_TRUE(got.status().code() == StatusCode::kCorruption ||
                  got.status().code() == StatusCode::kInvalidArgument)
          << "byte " << i << ": " << got.status().ToString();
    }
  }
}

TEST(Reader, MissingFileIsNotFound) {
  auto got = ReadFile("/nonexistent/lake/x.parquet");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace covidflow::lake

namespace covidflow::lake {
namespace {

TEST(Writer, ThreadedEncodingIsByteIdentical) {
  TempDir dir;
  const auto rows = testing::MakeRows(5000);
  WriterOptions one = With(Compression::kZstd, true, 16384, 300000);
  WriterOptions four = one;
  four.threads = 4;
  ASSERT_TRUE(WriteParquetFile(dir.path() + "/one.parquet", rows, one).ok());
  ASSERT_TRUE(WriteParquetFile(dir.path() + "/four.parquet", rows, four).ok());
  const std::string a = ReadBytes(dir.path() + "/one.parquet");
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, ReadBytes(dir.path() + "/four.parquet"));
}

// The hybrid decoder read in uneven steps (runs split across steps, a small buffer) gives the
// encoded values at every bit width; truncated input is kCorruption.
TEST(LakeEncoding, RleHybridDecoderStepsThroughRunsAtEveryWidth) {
  for (int width = 0; width <= 32; ++width) {
    const uint64_t limit = width == 32 ? 0xffffffffull : (uint64_t{1} << width) - 1;
    std::vector<uint32_t> values;
    for (uint32_t i = 0; i < 1000; ++i) {
      // Stretches of equal values (RLE runs) between varied ones (bit-packed groups).
      const uint64_t v = (i / 50) % 2 == 0 ? (i * 2654435761ull) : (i / 50);
      values.push_back(static_cast<uint32_t>(v & limit));
    }
    std::string encoded;
    internal::EncodeRleHybrid(values.data(), values.size(), width, &encoded);
    std::vector<uint32_t> whole;
    ASSERT_TRUE(internal::DecodeRleHybrid(encoded, width, values.size(), &whole).ok());
    EXPECT_EQ(whole, values) << "width " << width;

    internal::RleHybridDecoder decoder;
    ASSERT_TRUE(decoder.Reset(encoded, width).ok());
    std::vector<uint32_t> stepped;
    uint32_t buf[7];
    for (size_t step = 1; stepped.size() < values.size(); step = step % 13 + 1) {
      bool repeated = false;
      uint32_t value = 0;
      size_t count = 0;
      const size_t max = std::min(step, values.size() - stepped.size());
      ASSERT_TRUE(decoder.Next(max, buf, 7, &repeated, &value, &count).ok());
      ASSERT_GT(count, 0u);
      ASSERT_LE(count, max);
      if (repeated) {
        stepped.insert(stepped.end(), count, value);
      } else {
        stepped.insert(stepped.end(), buf, buf + count);
      }
    }
    EXPECT_EQ(stepped, values) << "width " << width;

    if (width > 0) {
      std::vector<uint32_t> out;
      EXPECT_EQ(internal::DecodeRleHybrid(std::string_view(encoded).substr(0, encoded.size() / 2),
                                          width, values.size(), &out)
                    .code(),
                StatusCode::kCorruption)
          << "width " << width;
    }
  }
  internal::RleHybridDecoder decoder;
  EXPECT_EQ(decoder.Reset("x", 33).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace covidflow::lake
