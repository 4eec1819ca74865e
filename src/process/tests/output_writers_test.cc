#include "process/output_writers.h"

#include <gtest/gtest.h>

#include <map>

#include "process/tests/file_log_fixture.h"
#include "schema/record_headers.h"

namespace covidflow::process {
namespace {

class OutputWritersTest : public testing::FileLogTest {
 protected:
  void SetUp() override {
    FileLogTest::SetUp();
    ASSERT_TRUE(log_->CreateTopic("tweets.enriched", 3).ok());
    ASSERT_TRUE(log_->CreateTopic("tweets.dlq", 2).ok());
    topics_ = OutputTopics{"tweets.raw", "tweets.enriched", "tweets.dlq", "g", 3, 2};
  }
  // A written batch by hand: record i of input partition i % 4, offset i / 4, value "v<i>";
  // every third a dead letter, every seventh nothing to write.
  Batch MakeBatch(int n) {
    Batch b;
    b.workers.resize(2);
    b.slots.resize(n);
    for (int i = 0; i < n; ++i) {
      Slot& s = b.slots[i];
      s.partition = PartitionId(i % 4);
      s.offset = Offset(i / 4);
      s.outcome = i % 7 == 0   ? Outcome::kAlreadyCommitted
                  : i % 3 == 0 ? Outcome::kDeadLetter
                               : Outcome::kEnriched;
      s.worker = static_cast<uint32_t>(i % 2);
      std::string& buf = b.workers[s.worker].buffer;
      s.begin = static_cast<uint32_t>(buf.size());
      buf += "v" + std::to_string(i);
      s.end = static_cast<uint32_t>(buf.size());
    }
    return b;
  }

  OutputTopics topics_;
};

TEST_F(OutputWritersTest, EachOutputPartitionGetsItsRecordsInInputOrder) {
  auto writers = OutputWriters::Open(*log_, topics_, 2, log::ProducerOptions{});
  ASSERT_TRUE(writers.ok()) << writers.status().ToString();
  EXPECT_EQ((*writers)->writers(), 2);
  const OutputMarks before = (*writers)->MarksOf(PartitionId(1));
  EXPECT_EQ(before, (OutputMarks{Offset(0), Offset(0)}));
  Batch b = MakeBatch(200);
  ASSERT_TRUE((*writers)->Send(b).ok());
  EXPECT_TRUE((*writers)->durable_pending());
  ASSERT_TRUE((*writers)->AwaitDurable().ok());
  EXPECT_FALSE((*writers)->durable_pending());
  EXPECT_TRUE((*writers)->AwaitDurable().ok());  // nothing pending

  // What each output partition should hold, in order.
  std::map<std::pair<std::string, int32_t>, std::vector<std::string>> expected;
  for (size_t i = 0; i < b.slots.size(); ++i) {
    const Slot& s = b.slots[i];
    if (s.outcome == Outcome::kAlreadyCommitted) continue;
    const bool dead = s.outcome == Outcome::kDeadLetter;
    const PartitionId q = dead ? topics_.DlqOf(s.partition) : topics_.EnrichedOf(s.partition);
    expected[{dead ? "tweets.dlq" : "tweets.enriched", q.value()}].push_back("v" +
                                                                             std::to_string(i));
  }
  auto consumer = log_->NewConsumer(log::ConsumerOptions{});
  ASSERT_TRUE(consumer.ok());
  std::vector<std::pair<TopicPartition, Offset>> positions;
  for (int q = 0; q < 3; ++q) positions.push_back({{"tweets.enriched", PartitionId(q)}, Offset(0)});
  for (int q = 0; q < 2; ++q) positions.push_back({{"tweets.dlq", PartitionId(q)}, Offset(0)});
  ASSERT_TRUE((*consumer)->Assign(positions).ok());
  std::map<std::pair<std::string, int32_t>, std::vector<std::string>> got;
  size_t total = 0, want = 0;
  for (const auto& [k, v] : expected) want += v.size();
  for (int tries = 0; tries < 100 && total < want; ++tries) {
    auto recs = (*consumer)->Poll(std::chrono::milliseconds(20));
    ASSERT_TRUE(recs.ok());
    for (const log::InRecord& r : *recs) {
      got[{*r.topic, r.partition.value()}].push_back(std::string(r.value));
      ++total;
      // The headers name the source position and the group.
      const int i = std::stoi(std::string(r.value.substr(1)));
      EXPECT_EQ(r.FindHeader(schema::kHeaderSourceTopic), "tweets.raw");
      EXPECT_EQ(r.FindHeader(schema::kHeaderSourcePartition), std::to_string(i % 4));
      EXPECT_EQ(r.FindHeader(schema::kHeaderSourceOffset), std::to_string(i / 4));
      EXPECT_EQ(r.FindHeader(schema::kHeaderGroup), "g");
    }
  }
  EXPECT_EQ(got, expected);

  // The marks advanced by what was sent: the ends of the outputs of input partition 1.
  const OutputMarks after = (*writers)->MarksOf(PartitionId(1));
  EXPECT_EQ(after.enriched.value(), static_cast<int64_t>(expected[{"tweets.enriched", 1}].size()));
  EXPECT_EQ(after.dlq.value(), static_cast<int64_t>(expected[{"tweets.dlq", 1}].size()));
  EXPECT_EQ(Records("tweets.enriched") + Records("tweets.dlq"), static_cast<int64_t>(want));
}

TEST_F(OutputWritersTest, MarksFollowOtherWritersOnRefresh) {
  auto writers = OutputWriters::Open(*log_, topics_, 1, log::ProducerOptions{});
  ASSERT_TRUE(writers.ok());
  // Another writer appends to the output of input partition 0: the marks lag (never pass
  // the true end) until they are read again.
  ProduceOutput("tweets.enriched", PartitionId(0), PartitionId(3), 0);
  ProduceOutput("tweets.dlq", PartitionId(0), PartitionId(3), 0);
  EXPECT_EQ((*writers)->MarksOf(PartitionId(0)), (OutputMarks{Offset(0), Offset(0)}));
  ASSERT_TRUE((*writers)->RefreshMarks().ok());
  EXPECT_EQ((*writers)->MarksOf(PartitionId(0)), (OutputMarks{Offset(1), Offset(1)}));
  EXPECT_EQ((*writers)->MarksOf(PartitionId(3)), (OutputMarks{Offset(1), Offset(0)}));
}

TEST_F(OutputWritersTest, DefaultIsOneWriterPerOutputPartition) {
  auto writers = OutputWriters::Open(*log_, topics_, 0, log::ProducerOptions{});
  ASSERT_TRUE(writers.ok());
  EXPECT_EQ((*writers)->writers(), 3);
}

}  // namespace
}  // namespace covidflow::process
