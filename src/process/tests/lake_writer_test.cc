// LakeWriter: the lake on cf-lake — batches committed in order, the positions wanted, rows of
// partitions no longer owned dropped, errors kept; and the processor on the embedded log with
// a failure at each step of cf-lake, then a restart: every row in the lake exactly once.
#include "process/lake_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/failpoint.h"
#include "lake/reader.h"
#include "lake/sink.h"
#include "lake/tests/test_rows.h"
#include "process/processor.h"
#include "process/tests/file_log_fixture.h"

namespace covidflow::process {
namespace {

using covidflow::testing::TempDir;

std::unique_ptr<lake::LakeSink> OpenSink(const std::string& dir) {
  auto sink = lake::LakeSink::Open(dir);
  EXPECT_TRUE(sink.ok()) << sink.status().ToString();
  return sink.ok() ? std::move(sink).value() : nullptr;
}

// A batch whose two workers hold `rows` (alternately) as their lake rows.
Batch BatchOf(std::vector<schema::EnrichedTweet> rows) {
  Batch b;
  b.workers.resize(2);
  for (size_t i = 0; i < rows.size(); ++i) b.workers[i % 2].lake_rows.push_back(rows[i]);
  return b;
}

// (partition, offset) of every row in the lake, with multiplicity.
std::multiset<std::pair<int32_t, int64_t>> LakeRows(const std::string& dir) {
  std::multiset<std::pair<int32_t, int64_t>> out;
  auto rows = lake::ReadLake(dir);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (!rows.ok()) return out;
  for (const auto& r : *rows) out.insert({r.source.partition.value(), r.source.offset.value()});
  return out;
}

std::multiset<std::pair<int32_t, int64_t>> Positions(int32_t partition, int64_t from, int64_t to) {
  std::multiset<std::pair<int32_t, int64_t>> out;
  for (int64_t o = from; o < to; ++o) out.insert({partition, o});
  return out;
}

const auto kOwnAll = [](PartitionId) { return true; };

// Submits `rows` as one batch of partitions all owned and waits for its lake commit.
Status SubmitAndAwait(LakeWriter& writer, std::vector<schema::EnrichedTweet> rows) {
  Batch b = BatchOf(std::move(rows));
  ASSIGN_OR_RETURN(const LakeWriter::Ticket t, writer.Submit(b, kOwnAll));
  return writer.AwaitCommitted(t);
}

TEST(LakeWriter, CommitsBatchesInOrderAndWantsOnlyNewOffsets) {
  TempDir dir;
  auto sink = OpenSink(dir.path());
  ASSERT_NE(sink, nullptr);
  LakeWriter writer(sink.get(), "tweets.raw", /*capacity=*/2);
  ASSERT_TRUE(writer.Open().ok());
  EXPECT_TRUE(writer.Wants(PartitionId(0), Offset(0)));
  std::vector<LakeWriter::Ticket> tickets;
  for (int k = 0; k < 5; ++k) {
    Batch b = BatchOf(lake::testing::MakeRows(100, 2, k * 100, 0));
    auto t = writer.Submit(b, kOwnAll);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tickets.push_back(*t);
    // The workers keep empty vectors; the rows are the writer's now.
    EXPECT_TRUE(b.workers[0].lake_rows.empty());
    EXPECT_TRUE(b.workers[1].lake_rows.empty());
    // Submitted rows are not wanted again, committed or not.
    EXPECT_FALSE(writer.Wants(PartitionId(0), Offset(k * 100 + 99)));
    EXPECT_TRUE(writer.Wants(PartitionId(0), Offset(k * 100 + 100)));
  }
  for (size_t i = 1; i < tickets.size(); ++i) EXPECT_GT(tickets[i], tickets[i - 1]);
  ASSERT_TRUE(writer.AwaitCommitted(tickets.back()).ok());
  EXPECT_EQ(writer.rows_committed(), 500);
  EXPECT_GE(writer.files_committed(), 5);
  EXPECT_EQ(LakeRows(dir.path()), Positions(0, 0, 500));
}

TEST(LakeWriter, RowsOfPartitionsNotOwnedAreDropped) {
  TempDir dir;
  auto sink = OpenSink(dir.path());
  ASSERT_NE(sink, nullptr);
  LakeWriter writer(sink.get(), "tweets.raw");
  ASSERT_TRUE(writer.Open().ok());
  auto rows = lake::testing::MakeRows(50, 1, 0, 0);
  auto other = lake::testing::MakeRows(50, 1, 0, 1);
  rows.insert(rows.end(), other.begin(), other.end());
  Batch b = BatchOf(std::move(rows));
  auto t = writer.Submit(b, [](PartitionId p) { return p == PartitionId(0); });
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(writer.AwaitCommitted(*t).ok());
  EXPECT_EQ(LakeRows(dir.path()), Positions(0, 0, 50));
  EXPECT_TRUE(writer.Wants(PartitionId(1), Offset(0)));  // left to the partition's next owner
}

TEST(LakeWriter, ReopenedWriterSkipsWhatTheLakeHolds) {
  TempDir dir;
  {
    auto sink = OpenSink(dir.path());
    ASSERT_NE(sink, nullptr);
    LakeWriter writer(sink.get(), "tweets.raw");
    ASSERT_TRUE(writer.Open().ok());
    ASSERT_TRUE(SubmitAndAwait(writer, lake::testing::MakeRows(80, 2, 0, 3)).ok());
  }
  auto sink = OpenSink(dir.path());
  ASSERT_NE(sink, nullptr);
  LakeWriter writer(sink.get(), "tweets.raw");
  ASSERT_TRUE(writer.Open().ok());
  EXPECT_FALSE(writer.Wants(PartitionId(3), Offset(79)));
  EXPECT_TRUE(writer.Wants(PartitionId(3), Offset(80)));
  EXPECT_TRUE(writer.Wants(PartitionId(0), Offset(0)));
  LakeWriter other_topic(sink.get(), "other.topic");
  ASSERT_TRUE(other_topic.Open().ok());
  EXPECT_TRUE(other_topic.Wants(PartitionId(3), Offset(0)));
}

TEST(LakeWriter, NoSinkWantsNothingAndAwaitsNothing) {
  LakeWriter writer(nullptr, "tweets.raw");
  ASSERT_TRUE(writer.Open().ok());
  EXPECT_FALSE(writer.Wants(PartitionId(0), Offset(0)));
  Batch b = BatchOf(lake::testing::MakeRows(3, 1));
  auto t = writer.Submit(b, kOwnAll);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(writer.AwaitCommitted(*t).ok());
}

// A failure on cf-lake is kept: the batch's wait and every later Submit return it, and the
// lake holds exactly the batches committed before it.
class LakeWriterFailure : public ::testing::TestWithParam<std::string> {};

TEST_P(LakeWriterFailure, IsReturnedToEveryLaterCall) {
  TempDir dir;
  auto sink = OpenSink(dir.path());
  ASSERT_NE(sink, nullptr);
  LakeWriter writer(sink.get(), "tweets.raw");
  ASSERT_TRUE(writer.Open().ok());
  failpoint::Arm(GetParam(), failpoint::Action::kError, /*hit=*/2);
  ASSERT_TRUE(SubmitAndAwait(writer, lake::testing::MakeRows(10, 1, 0, 0)).ok());
  const Status failed = SubmitAndAwait(writer, lake::testing::MakeRows(10, 1, 10, 0));
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find(GetParam()), std::string::npos) << failed.ToString();
  EXPECT_TRUE(failpoint::Armed().empty());
  Batch b3 = BatchOf(lake::testing::MakeRows(10, 1, 20, 0));
  EXPECT_FALSE(writer.Submit(b3, kOwnAll).ok());
  EXPECT_EQ(writer.rows_committed(), 10);
  // before_append: nothing of batch 2 is in the lake; after_commit: all of it is.
  const int64_t end = GetParam() == "process.lake.after_commit" ? 20 : 10;
  EXPECT_EQ(LakeRows(dir.path()), Positions(0, 0, end));
  failpoint::DisarmAll();
}

INSTANTIATE_TEST_SUITE_P(Points, LakeWriterFailure,
                         ::testing::Values("process.lake.before_append",
                                           "process.lake.after_commit"));

// The processor on the embedded log with the lake: a failure at a step of cf-lake stops the
// run with that error; the restarted run leaves every record once in the topics and every
// enriched one once in the lake.
class ProcessorLakeFailure : public testing::FileLogTest,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    FileLogTest::SetUp();
    slot_ = testing::NoEnrichment();
    ASSERT_NE(slot_, nullptr);
  }
  Result<ProcessorCounts> Run() {
    ProcessorOptions o;
    o.exit_when_idle = true;
    o.idle = std::chrono::milliseconds(100);
    o.batch = 25;
    o.threads = 2;
    auto sink = lake::LakeSink::Open((dir_ / "lake").string());
    if (!sink.ok()) return sink.status();
    Processor p(*log_, *slot_, sink->get(), o);
    std::atomic<bool> stop{false};
    return p.Run(stop);
  }
  std::unique_ptr<enrich::EnrichmentSlot> slot_;
};

TEST_P(ProcessorLakeFailure, RestartLeavesEveryRowOnce) {
  std::vector<std::string> rows;
  for (int i = 0; i < 300; ++i) rows.push_back(testing::Row(i, i % 10 == 0 ? "x" : "12"));
  ProduceRows(rows);
  failpoint::Arm(GetParam(), failpoint::Action::kError, /*hit=*/3);
  auto failed = Run();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find(GetParam()), std::string::npos)
      << failed.status().ToString();
  EXPECT_TRUE(failpoint::Armed().empty());
  failpoint::DisarmAll();
  auto counts = Run();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(Records("tweets.enriched") + Records("tweets.dlq"), 300);
  EXPECT_EQ(Records("tweets.dlq"), 30);
  // The lake: the 270 enriched tweets, each once (rows i % 10 != 0; partition i % 2,
  // offset i / 2).
  std::multiset<std::pair<int32_t, int64_t>> want;
  for (int i = 0; i < 300; ++i) {
    if (i % 10 != 0) want.insert({i % 2, i / 2});
  }
  EXPECT_EQ(LakeRows((dir_ / "lake").string()), want);
}

INSTANTIATE_TEST_SUITE_P(Points, ProcessorLakeFailure,
                         ::testing::Values("process.lake.before_append",
                                           "process.lake.after_commit"));

}  // namespace
}  // namespace covidflow::process
