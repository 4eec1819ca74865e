// The commit protocol (docs/formats/lake.md): atomic multi-partition commits, recovery at
// every crash point, CommittedPositions, unwritable lakes; and stats and compaction.
#include "lake/sink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/failpoint.h"
#include "lake/layout.h"
#include "lake/reader.h"
#include "lake/stats.h"
#include "lake/tests/test_rows.h"

namespace covidflow::lake {
namespace {

namespace fs = std::filesystem;
using schema::EnrichedTweet;

using testing::TempDir;

std::vector<std::string> FilesEndingWith(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string p = e.path().string();
    if (p.ends_with(suffix)) out.push_back(p);
  }
  return out;
}

std::multiset<int64_t> Offsets(const std::vector<EnrichedTweet>& rows) {
  std::multiset<int64_t> s;
  for (const auto& r : rows) s.insert(r.source.offset.value());
  return s;
}

std::multiset<int64_t> Range(int64_t from, int64_t to) {
  std::multiset<int64_t> s;
  for (int64_t i = from; i < to; ++i) s.insert(i);
  return s;
}

std::vector<EnrichedTweet> ReadAll(const std::string& dir) {
  auto rows = ReadLake(dir);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? *rows : std::vector<EnrichedTweet>{};
}

TEST(LakeSink, CommitWritesOneFilePerDatePartitionAndPositions) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  for (auto& r : testing::MakeRows(300, 3, 0, 1)) (*sink)->Append(std::move(r));
  EXPECT_EQ((*sink)->buffered_rows(), 300u);
  // Nothing is visible before Commit.
  EXPECT_TRUE(ReadAll(dir.path()).empty());
  ASSERT_TRUE((*sink)->Commit().ok());
  EXPECT_EQ((*sink)->buffered_rows(), 0u);
  auto parts = ListPartitions(dir.path());
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(*parts, (std::vector<std::string>{"2020-07-25", "2020-07-26", "2020-07-27"}));
  const auto rows = ReadAll(dir.path());
  EXPECT_EQ(Offsets(rows), Range(0, 300));
  for (const auto& r : rows) {
    EXPECT_EQ(DateOf(r.tweet.date.seconds) >= "2020-07-25", true);
  }
  auto pos = (*sink)->CommittedPositions();
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(pos->at(TopicPartition{"tweets.raw", PartitionId(1)}), Offset(299));
  EXPECT_TRUE(FilesEndingWith(dir.path(), ".tmp").empty());
  EXPECT_TRUE(FilesEndingWith(dir.path() + "/_commits", ".json").empty());
}

TEST(LakeSink, RowsLandInTheirEventDatePartition) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  for (auto& r : testing::MakeRows(90, 3)) (*sink)->Append(std::move(r));
  ASSERT_TRUE((*sink)->Commit().ok());
  for (const auto& date : {"2020-07-25", "2020-07-26", "2020-07-27"}) {
    auto rows = ReadLake(dir.path(), LakeReadOptions{{"event_time"}, date, date});
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->size(), 30u) << date;
    for (const auto& r : *rows) EXPECT_EQ(DateOf(r.tweet.date.seconds), date);
  }
}

TEST(LakeSink, PositionsAreTheMaximumAcrossCommitsAndPartitions) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  for (auto& r : testing::MakeRows(50, 2, 0, 0)) (*sink)->Append(std::move(r));
  for (auto& r : testing::MakeRows(20, 2, 1000, 4)) (*sink)->Append(std::move(r));
  ASSERT_TRUE((*sink)->Commit().ok());
  for (auto& r : testing::MakeRows(50, 2, 50, 0)) (*sink)->Append(std::move(r));
  ASSERT_TRUE((*sink)->Commit().ok());
  ASSERT_TRUE((*sink)->Commit().ok());  // nothing buffered: no file
  auto pos = (*sink)->CommittedPositions();
  ASSERT_TRUE(pos.ok());
  const std::map<TopicPartition, Offset> want = {
      {TopicPartition{"tweets.raw", PartitionId(0)}, Offset(99)},
      {TopicPartition{"tweets.raw", PartitionId(4)}, Offset(1019)}};
  EXPECT_EQ(*pos, want);
  EXPECT_EQ(FilesEndingWith(dir.path(), ".parquet").size(), 4u);
}

// A crash at each point of Commit, then a restart: the lake holds the batch entirely or
// not at all, and positions agree with what it holds.
class CrashPoints : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashPoints, RecoveryLeavesAllOrNothing) {
  TempDir dir;
  const std::string point = GetParam();
  const bool committed = point != "after_tmp_files";
  {
    auto sink = LakeSink::Open(dir.path());
    ASSERT_TRUE(sink.ok());
    for (auto& r : testing::MakeRows(100, 3, 0)) (*sink)->Append(std::move(r));
    ASSERT_TRUE((*sink)->Commit().ok());
    for (auto& r : testing::MakeRows(100, 3, 100)) (*sink)->Append(std::move(r));
    failpoint::Arm("lake.commit." + point, failpoint::Action::kError);
    ASSERT_FALSE((*sink)->Commit().ok());
    ASSERT_TRUE(failpoint::Armed().empty()) << point << " was not reached";
  }  // the process "dies"
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  EXPECT_TRUE(FilesEndingWith(dir.path(), ".tmp").empty()) << point;
  EXPECT_TRUE(FilesEndingWith(dir.path() + "/_commits", ".json").empty()) << point;
  EXPECT_EQ(Offsets(ReadAll(dir.path())), Range(0, committed ? 200 : 100)) << point;
  auto pos = (*sink)->CommittedPositions();
  ASSERT_TRUE(pos.ok());
  EXPECT_EQ(pos->at(TopicPartition{"tweets.raw", PartitionId(0)}), Offset(committed ? 199 : 99));
}

INSTANTIATE_TEST_SUITE_P(Commit, CrashPoints,
                         ::testing::Values("after_tmp_files", "after_commit_record",
                                           "after_first_rename", "after_all_renames"));

TEST(LakeSink, LeftoverTmpFilesAreRemovedOnOpen) {
  TempDir dir;
  const std::string pdir = PartitionDir(dir.path(), "2020-07-25");
  fs::create_directories(pdir);
  std::ofstream(pdir + "/part-w0-123.parquet.tmp") << "half a file";
  std::ofstream(pdir + "/part-other-123.parquet.tmp") << "another writer's, in flight";
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  EXPECT_FALSE(fs::exists(pdir + "/part-w0-123.parquet.tmp"));
  EXPECT_TRUE(fs::exists(pdir + "/part-other-123.parquet.tmp"));
  EXPECT_TRUE(ReadAll(dir.path()).empty());
}

TEST(LakeSink, OneWriterIdIsOpenedOnce) {
  TempDir dir;
  auto a = LakeSink::Open(dir.path());
  ASSERT_TRUE(a.ok());
  auto b = LakeSink::Open(dir.path());
  EXPECT_EQ(b.status().code(), StatusCode::kFailedPrecondition);
  auto c = LakeSink::Open(dir.path(), SinkOptions{{}, "w1"});
  EXPECT_TRUE(c.ok());
  auto bad = LakeSink::Open(dir.path(), SinkOptions{{}, "../x"});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(LakeSink, UnwritableDirectoryIsAClearErrorAtOpen) {
  TempDir dir;
  if (::geteuid() == 0) {
    // root ignores permissions; a lake path under a regular file fails for everyone.
    std::ofstream(dir.path() + "/file") << "x";
    auto sink = LakeSink::Open(dir.path() + "/file/lake");
    EXPECT_EQ(sink.status().code(), StatusCode::kIoError);
    EXPECT_NE(sink.status().message().find("file/lake"), std::string::npos)
        << sink.status().ToString();
    return;
  }
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  auto sink = LakeSink::Open(dir.path() + "/lake");
  EXPECT_EQ(sink.status().code(), StatusCode::kIoError) << sink.status().ToString();
}

TEST(LakeSink, FailedCommitKeepsRowsBufferedAndShowsNothing) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  for (auto& r : testing::MakeRows(10, 1)) (*sink)->Append(std::move(r));
  // Replace the partition directory with a file: the commit cannot write there.
  std::ofstream(dir.path() + "/tweets/date=2020-07-25") << "in the way";
  const Status st = (*sink)->Commit();
  EXPECT_EQ(st.code(), StatusCode::kIoError) << st.ToString();
  EXPECT_EQ((*sink)->buffered_rows(), 10u);
  fs::remove(dir.path() + "/tweets/date=2020-07-25");
  EXPECT_TRUE(FilesEndingWith(dir.path(), ".tmp").empty());
  ASSERT_TRUE((*sink)->Commit().ok());
  EXPECT_EQ(Offsets(ReadAll(dir.path())), Range(0, 10));
}

// Vectors appended whole are held in place (rows of interleaved days, beside single rows),
// kept through a failed commit, and given back with their rows once committed.
TEST(LakeSink, WholeVectorsAreCommittedInPlaceAndGivenBack) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  std::vector<EnrichedTweet> a = testing::MakeRows(60, 3, 0, 1);  // days interleave
  std::vector<EnrichedTweet> b = testing::MakeRows(40, 2, 100, 1);
  std::reverse(b.begin(), b.end());
  (*sink)->Append(std::move(a));
  for (auto& r : testing::MakeRows(5, 1, 200, 1)) (*sink)->Append(std::move(r));
  (*sink)->Append(std::move(b));
  EXPECT_EQ((*sink)->buffered_rows(), 105u);
  std::ofstream(dir.path() + "/tweets/date=2020-07-26") << "in the way";
  EXPECT_FALSE((*sink)->Commit().ok());
  EXPECT_TRUE((*sink)->TakeCommittedRows().empty());  // not committed: still the sink's
  fs::remove(dir.path() + "/tweets/date=2020-07-26");
  ASSERT_TRUE((*sink)->Commit().ok());
  std::multiset<int64_t> want = Range(0, 60);
  want.merge(Range(100, 140));
  want.merge(Range(200, 205));
  EXPECT_EQ(Offsets(ReadAll(dir.path())), want);
  for (const auto& date : {"2020-07-25", "2020-07-26", "2020-07-27"}) {
    auto rows = ReadLake(dir.path(), LakeReadOptions{{"event_time"}, date, date});
    ASSERT_TRUE(rows.ok());
    for (const auto& r : *rows) EXPECT_EQ(DateOf(r.tweet.date.seconds), date);
  }
  const auto given = (*sink)->TakeCommittedRows();
  ASSERT_EQ(given.size(), 2u);
  EXPECT_EQ(given[0].size(), 60u);
  EXPECT_EQ(given[1].size(), 40u);
  EXPECT_EQ(given[1].front().source.offset, Offset(139));
  EXPECT_TRUE((*sink)->TakeCommittedRows().empty());
}

TEST(LakeLayout, DayOfRoundsDownAndDateOfFormatsIt) {
  EXPECT_EQ(DayOf(0), 0);
  EXPECT_EQ(DayOf(86399), 0);
  EXPECT_EQ(DayOf(86400), 1);
  EXPECT_EQ(DayOf(-1), -1);
  EXPECT_EQ(DayOf(-86400), -1);
  EXPECT_EQ(DayOf(-86401), -2);
  EXPECT_EQ(DateOf(-1), "1969-12-31");
  EXPECT_EQ(DateOf(DayOf(1595676539) * kSecondsPerDay), "2020-07-25");
}

TEST(LakeStats, CountsPartitionsFilesRowsAndSentimentByDay) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  auto rows = testing::MakeRows(600, 2);
  std::map<std::string, std::array<int64_t, 3>> want;  // date -> neg, neu, pos
  for (const auto& r : rows)
    ++want[DateOf(r.tweet.date.seconds)][static_cast<int>(r.sentiment.label)];
  for (size_t i = 0; i < rows.size(); ++i) {
    (*sink)->Append(rows[i]);
    if (i % 200 == 199) {
      ASSERT_TRUE((*sink)->Commit().ok());
    }
  }
  auto stats = ComputeStats(dir.path());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->partitions, 2);
  EXPECT_EQ(stats->files, 6);
  EXPECT_EQ(stats->rows, 600);
  EXPECT_GT(stats->bytes, 0u);
  ASSERT_EQ(stats->by_day.size(), 2u);
  for (const auto& d : stats->by_day) {
    EXPECT_EQ(d.negative, want[d.date][0]) << d.date;
    EXPECT_EQ(d.neutral, want[d.date][1]) << d.date;
    EXPECT_EQ(d.positive, want[d.date][2]) << d.date;
  }
}

TEST(LakeCompact, MergesAPartitionIntoOneFileWithTheSameRows) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  for (int batch = 0; batch < 5; ++batch) {
    for (auto& r : testing::MakeRows(40, 2, batch * 40)) (*sink)->Append(std::move(r));
    ASSERT_TRUE((*sink)->Commit().ok());
  }
  auto before_pos = (*sink)->CommittedPositions();
  ASSERT_TRUE(before_pos.ok());
  ASSERT_TRUE(CompactPartition(dir.path(), "2020-07-25").ok());
  auto files = ListLakeFiles(dir.path(), "2020-07-25", "2020-07-25");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 1u);
  EXPECT_EQ(FilesEndingWith(PartitionDir(dir.path(), "2020-07-25"), ".parquet").size(), 1u);
  EXPECT_EQ(FilesEndingWith(PartitionDir(dir.path(), "2020-07-26"), ".parquet").size(), 5u);
  EXPECT_EQ(Offsets(ReadAll(dir.path())), Range(0, 200));
  auto after_pos = (*sink)->CommittedPositions();
  ASSERT_TRUE(after_pos.ok());
  EXPECT_EQ(*after_pos, *before_pos);
  EXPECT_EQ(CompactPartition(dir.path(), "2021-01-01").code(), StatusCode::kNotFound);
  EXPECT_EQ(CompactPartition(dir.path(), "yesterday").code(), StatusCode::kInvalidArgument);
}

TEST(LakeCompact, ReadersNeverSeeDoubledRowsBetweenRenameAndRemoval) {
  // The state a crash (or a slow compactor) leaves after the rename and before removal:
  // output and inputs side by side. Our readers pick files by the replaces rule.
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  for (int batch = 0; batch < 3; ++batch) {
    for (auto& r : testing::MakeRows(30, 1, batch * 30)) (*sink)->Append(std::move(r));
    ASSERT_TRUE((*sink)->Commit().ok());
  }
  const std::string pdir = PartitionDir(dir.path(), "2020-07-25");
  const std::string saved = dir.path() + "/saved";
  fs::create_directories(saved);
  for (const auto& f : FilesEndingWith(pdir, ".parquet")) {
    fs::copy_file(f, saved + "/" + fs::path(f).filename().string());
  }
  ASSERT_TRUE(CompactPartition(dir.path(), "2020-07-25").ok());
  for (const auto& f : FilesEndingWith(saved, ".parquet")) {
    fs::copy_file(f, pdir + "/" + fs::path(f).filename().string());
  }
  EXPECT_EQ(FilesEndingWith(pdir, ".parquet").size(), 4u);
  EXPECT_EQ(Offsets(ReadAll(dir.path())), Range(0, 90));
  auto stats = ComputeStats(dir.path());
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->rows, 90);
  // Reopening the sink finishes the compaction's cleanup.
  sink->reset();
  auto again = LakeSink::Open(dir.path());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(FilesEndingWith(pdir, ".parquet").size(), 1u);
}

TEST(LakeReader, CorruptFileInTheLakeIsReportedWithItsName) {
  TempDir dir;
  auto sink = LakeSink::Open(dir.path());
  ASSERT_TRUE(sink.ok());
  for (auto& r : testing::MakeRows(30, 1)) (*sink)->Append(std::move(r));
  ASSERT_TRUE((*sink)->Commit().ok());
  const auto files = FilesEndingWith(dir.path(), ".parquet");
  ASSERT_EQ(files.size(), 1u);
  fs::resize_file(files[0], fs::file_size(files[0]) / 2);
  auto rows = ReadLake(dir.path());
  EXPECT_EQ(rows.status().code(), StatusCode::kCorruption);
  EXPECT_NE(rows.status().message().find(fs::path(files[0]).filename().string()), std::string::npos)
      << rows.status().ToString();
}

}  // namespace
}  // namespace covidflow::lake
