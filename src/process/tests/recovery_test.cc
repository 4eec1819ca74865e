#include "process/recovery.h"

#include <gtest/gtest.h>

#include "process/tests/file_log_fixture.h"
#include "schema/codec.h"

namespace covidflow::process {
namespace {

constexpr char kGroup[] = "covidflow-processor";

class RecoveryTest : public testing::FileLogTest {
 protected:
  void SetUp() override {
    FileLogTest::SetUp();
    ASSERT_TRUE(log_->CreateTopic("tweets.enriched", 2).ok());
    ASSERT_TRUE(log_->CreateTopic("tweets.dlq", 2).ok());
    topics_ = OutputTopics{"tweets.raw", "tweets.enriched", "tweets.dlq", kGroup, 2, 2};
    // A group member that owns both input partitions.
    log::ConsumerOptions co;
    co.group = kGroup;
    auto member = log_->NewConsumer(co);
    ASSERT_TRUE(member.ok());
    member_ = std::move(member).value();
    ASSERT_TRUE(member_->Subscribe({"tweets.raw"}).ok());
    ASSERT_TRUE(member_->Poll(std::chrono::milliseconds(100)).ok());
  }

  void CommitInput(PartitionId p, int64_t next, const std::string& marks) {
    ASSERT_TRUE(member_->Commit({{{"tweets.raw", p}, log::CommitPoint{Offset(next), marks}}}).ok());
  }
  std::optional<log::CommitPoint> Committed(PartitionId p) {
    auto c = member_->Committed({{"tweets.raw", p}});
    EXPECT_TRUE(c.ok());
    auto it = c->find({"tweets.raw", p});
    if (it == c->end()) return std::nullopt;
    return it->second;
  }
  std::string DeadLetterJson(schema::Reason reason) {
    schema::DeadLetter d;
    d.reason = reason;
    d.raw = "x";
    d.source = {"tweets.raw", PartitionId(0), Offset(0)};
    std::string out;
    schema::AppendDeadLetterJson(out, d);
    return out;
  }

  OutputTopics topics_;
  std::unique_ptr<log::Consumer> member_;
  ProcessorProbe probe_{false};
};

TEST_F(RecoveryTest, FirstSightCommitsBeforeAnyOutputWithTheCurrentEnds) {
  // Outputs of another input partition already sit in the output partition of p0.
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(2), 0);
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(2), 1);
  Recovery recovery(*log_, *member_, topics_, probe_);
  EXPECT_TRUE(recovery.NeedsLogState(PartitionId(0), Offset(5)));
  auto a = recovery.Admit(PartitionId(0), Offset(5));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->verdict, Recovery::Verdict::kNew);
  auto c = Committed(PartitionId(0));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->next, Offset(5));
  EXPECT_EQ(c->metadata, "v1 enriched=2 dlq=0");
  // Recovered now: the next record reads nothing.
  EXPECT_FALSE(recovery.NeedsLogState(PartitionId(0), Offset(6)));
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(6))->verdict, Recovery::Verdict::kNew);
}

TEST_F(RecoveryTest, ScanFindsThisGroupsOutputsPastTheMarks) {
  CommitInput(PartitionId(0), 0, "v1 enriched=1 dlq=0");
  // Before the marks: not scanned (it was committed).
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(0), 9);
  for (int off = 0; off < 5; ++off) {
    ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(0), off);
  }
  ProduceOutput("tweets.dlq", PartitionId(0), PartitionId(0), 5,
                DeadLetterJson(schema::Reason::kBadNumber));
  ProduceOutput("tweets.dlq", PartitionId(0), PartitionId(0), 6, "not json");
  // Another group's output, and another input partition's (p2 maps to the same outputs).
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(0), 7, "{}", "other-group");
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(2), 8);

  Recovery recovery(*log_, *member_, topics_, probe_);
  using V = Recovery::Verdict;
  auto first = recovery.Admit(PartitionId(0), Offset(0));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->verdict, V::kRecovered);
  EXPECT_EQ(first->recovered_reason, "");
  for (int off = 1; off < 5; ++off) {
    EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(off))->verdict, V::kRecovered) << off;
  }
  auto dead = recovery.Admit(PartitionId(0), Offset(5));
  EXPECT_EQ(dead->verdict, V::kRecovered);
  EXPECT_EQ(dead->recovered_reason, "bad_number");
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(6))->recovered_reason, "unknown");
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(7))->verdict, V::kNew);
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(8))->verdict, V::kNew);
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(9))->verdict, V::kNew);
  // No commit was needed: the partition had one.
  EXPECT_EQ(Committed(PartitionId(0))->metadata, "v1 enriched=1 dlq=0");
}

TEST_F(RecoveryTest, CommitMarksStayAtTheScanStartWhileReplaysRemain) {
  CommitInput(PartitionId(0), 0, "v1 enriched=0 dlq=0");
  for (int off = 0; off < 4; ++off) {
    ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(0), off);
  }
  Recovery recovery(*log_, *member_, topics_, probe_);
  ASSERT_TRUE(recovery.Admit(PartitionId(0), Offset(0)).ok());
  EXPECT_EQ(recovery.pending_replays(PartitionId(0)), 4u);
  const OutputMarks now{Offset(10), Offset(3)};
  const OutputMarks scan_start{Offset(0), Offset(0)};
  // Committing up to 2: offsets 2 and 3 are still to come, so the marks stay.
  EXPECT_EQ(recovery.CommitMarks(PartitionId(0), Offset(2), now), scan_start);
  EXPECT_EQ(recovery.pending_replays(PartitionId(0)), 2u);
  EXPECT_EQ(recovery.CommitMarks(PartitionId(0), Offset(4), now), now);
  EXPECT_EQ(recovery.pending_replays(PartitionId(0)), 0u);
  // A partition that was never recovered commits the current ends.
  EXPECT_EQ(recovery.CommitMarks(PartitionId(1), Offset(4), now), now);
}

TEST_F(RecoveryTest, UnreadableMarksScanFromTheOutputsStart) {
  CommitInput(PartitionId(1), 0, "garbage");
  ProduceOutput("tweets.enriched", PartitionId(1), PartitionId(1), 0);
  Recovery recovery(*log_, *member_, topics_, probe_);
  EXPECT_EQ(recovery.Admit(PartitionId(1), Offset(0))->verdict, Recovery::Verdict::kRecovered);
}

TEST_F(RecoveryTest, CommittedRecordsAreNotAdmittedAgain) {
  Recovery recovery(*log_, *member_, topics_, probe_);
  ASSERT_TRUE(recovery.Admit(PartitionId(0), Offset(0)).ok());
  ASSERT_TRUE(recovery.Admit(PartitionId(0), Offset(1)).ok());
  recovery.Committed({{PartitionId(0), Offset(2)}});
  // Delivered again (the consumer went back): below the commit, nothing to do.
  EXPECT_TRUE(recovery.NeedsLogState(PartitionId(0), Offset(1)));
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(1))->verdict,
            Recovery::Verdict::kAlreadyCommitted);
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(2))->verdict, Recovery::Verdict::kNew);
}

TEST_F(RecoveryTest, RewindRecoversAfresh) {
  CommitInput(PartitionId(0), 0, "v1 enriched=0 dlq=0");
  Recovery recovery(*log_, *member_, topics_, probe_);
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(0))->verdict, Recovery::Verdict::kNew);
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(1))->verdict, Recovery::Verdict::kNew);
  // Meanwhile (say, a refused commit and a redelivery) outputs of 0 and 1 were written.
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(0), 0);
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(0), 1);
  EXPECT_TRUE(recovery.NeedsLogState(PartitionId(0), Offset(0)));
  EXPECT_EQ(recovery.Admit(PartitionId(0), Offset(0))->verdict, Recovery::Verdict::kRecovered);
}

TEST_F(RecoveryTest, LostAndUnownedPartitionsAreForgotten) {
  Recovery recovery(*log_, *member_, topics_, probe_);
  ASSERT_TRUE(recovery.Admit(PartitionId(0), Offset(0)).ok());
  ASSERT_TRUE(recovery.Admit(PartitionId(1), Offset(0)).ok());
  recovery.ForgetUnowned({{"tweets.raw", PartitionId(1)}});
  EXPECT_TRUE(recovery.NeedsLogState(PartitionId(0), Offset(1)));
  EXPECT_FALSE(recovery.NeedsLogState(PartitionId(1), Offset(1)));
  recovery.CommitLost({{PartitionId(1), Offset(1)}});
  EXPECT_TRUE(recovery.NeedsLogState(PartitionId(1), Offset(1)));
}

}  // namespace
}  // namespace covidflow::process
