#include "process/processor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <span>
#include <string>

#include "enrich/enrichers.h"
#include "enrich/enrichment.h"
#include "lake/sink.h"
#include "lake/stats.h"
#include "process/tests/file_log_fixture.h"
#include "schema/codec.h"
#include "schema/record_headers.h"

namespace covidflow::process {
namespace {

using schema::kHeaderGroup;
using schema::kHeaderSourceOffset;
using schema::kHeaderSourcePartition;
using schema::kHeaderSourceTopic;
using testing::Row;

class ProcessorTest : public testing::FileLogTest {
 protected:
  void SetUp() override {
    FileLogTest::SetUp();
    slot_ = testing::NoEnrichment();
    ASSERT_NE(slot_, nullptr);
  }

  ProcessorCounts RunToIdle(size_t batch = 64, std::string lake_dir = "") {
    ProcessorOptions o;
    o.exit_when_idle = true;
    o.idle = std::chrono::milliseconds(100);
    o.batch = batch;
    o.threads = 2;
    std::unique_ptr<lake::LakeSink> lake;
    if (!lake_dir.empty()) {
      auto opened = lake::LakeSink::Open(lake_dir, lake::SinkOptions{});
      EXPECT_TRUE(opened.ok()) << opened.status().ToString();
      if (!opened.ok()) return ProcessorCounts{};
      lake = std::move(opened).value();
    }
    Processor p(*log_, *slot_, lake.get(), o);
    std::atomic<bool> stop{false};
    auto counts = p.Run(stop);
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : ProcessorCounts{};
  }

  std::unique_ptr<enrich::EnrichmentSlot> slot_;
};

TEST_F(ProcessorTest, EveryRecordBecomesEnrichedOrDeadLetter) {
  std::vector<std::string> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(i % 10 == 3 ? Row(i, "12x") : Row(i));
  rows.push_back("only,three,fields");
  ProduceRows(rows);
  ProcessorCounts c = RunToIdle();
  EXPECT_EQ(c.consumed, 1001);
  EXPECT_EQ(c.enriched, 900);
  EXPECT_EQ(c.dead_letters, 101);
  EXPECT_EQ(c.dead_letters_by_reason["bad_number"], 100);
  EXPECT_EQ(c.dead_letters_by_reason["column_count"], 1);
  EXPECT_EQ(c.recovered, 0);
  EXPECT_EQ(Records("tweets.enriched"), 900);
  EXPECT_EQ(Records("tweets.dlq"), 101);
  // Committed: a second run has nothing to do.
  ProcessorCounts again = RunToIdle();
  EXPECT_EQ(again.consumed, 0);
}

TEST_F(ProcessorTest, OutputsCarryTheirSourcePosition) {
  ProduceRows({Row(0), Row(1, "-5x")});
  RunToIdle();
  log::ConsumerOptions o;
  auto consumer = log_->NewConsumer(o);
  ASSERT_TRUE(consumer.ok());
  ASSERT_TRUE((*consumer)
                  ->Assign({{{"tweets.enriched", PartitionId(0)}, Offset(0)},
                            {{"tweets.dlq", PartitionId(1)}, Offset(0)}})
                  .ok());
  int seen = 0;
  for (int tries = 0; tries < 20 && seen < 2; ++tries) {
    auto recs = (*consumer)->Poll(std::chrono::milliseconds(50));
    ASSERT_TRUE(recs.ok());
    for (const auto& r : *recs) {
      ++seen;
      if (*r.topic == "tweets.enriched") {
        auto t = schema::DecodeEnrichedJson(r.value);
        ASSERT_TRUE(t.ok()) << t.status().ToString();
        EXPECT_EQ(t->source.partition, PartitionId(0));
        EXPECT_EQ(t->source.offset, Offset(0));
        EXPECT_EQ(t->tweet.user_location, "Atlanta, GA");
        EXPECT_EQ(r.FindHeader(kHeaderSourcePartition), "0");
      } else {
        auto d = schema::DecodeDeadLetterJson(r.value);
        ASSERT_TRUE(d.ok()) << d.status().ToString();
        EXPECT_EQ(d->reason, schema::Reason::kBadNumber);
        EXPECT_EQ(d->raw, Row(1, "-5x"));
        EXPECT_EQ(d->source.partition, PartitionId(1));
        EXPECT_EQ(r.FindHeader(kHeaderSourceOffset), "0");
      }
    }
  }
  EXPECT_EQ(seen, 2);
}

// An earlier run wrote outputs for inputs it never committed (it crashed between the
// flush and the commit). The next run must count them and not write them again.
TEST_F(ProcessorTest, ReplayAfterCrashWritesNothingTwice) {
  std::vector<std::string> rows;
  for (int i = 0; i < 200; ++i) rows.push_back(Row(i));
  ProduceRows(rows);
  ASSERT_TRUE(log_->CreateTopic("tweets.enriched", 2).ok());
  ASSERT_TRUE(log_->CreateTopic("tweets.dlq", 2).ok());
  {
    // The crashed run's first commit for partition 0 (made before any output, with the
    // outputs' ends as marks), taken here by a group member that owns the partition.
    log::ConsumerOptions co;
    co.group = "covidflow-processor";
    auto member = log_->NewConsumer(co);
    ASSERT_TRUE(member.ok());
    ASSERT_TRUE((*member)->Subscribe({"tweets.raw"}).ok());
    ASSERT_TRUE((*member)->Poll(std::chrono::milliseconds(100)).ok());
    ASSERT_TRUE((*member)
                    ->Commit({{{"tweets.raw", PartitionId(0)},
                               log::CommitPoint{Offset(0), "v1 enriched=0 dlq=0"}}})
                    .ok());
  }
  {
    // What the crashed run left: outputs for partition 0 offsets 0..9, no commit after.
    auto producer = log_->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok());
    for (int off = 0; off < 10; ++off) {
      std::vector<log::Header> h{{std::string(kHeaderSourceTopic), "tweets.raw"},
                                 {std::string(kHeaderSourcePartition), "0"},
                                 {std::string(kHeaderSourceOffset), std::to_string(off)},
                                 {std::string(kHeaderGroup), "covidflow-processor"}};
      log::OutRecord r;
      r.value = "{}";
      r.headers = h;
      r.partition = PartitionId(0);
      ASSERT_TRUE((*producer)->Send("tweets.enriched", r).ok());
    }
    ASSERT_TRUE((*producer)->Flush().ok());
  }
  // Small batches: the replay spans several. The lake is new, so the 10 recovered records
  // are parsed again for it while their topic outputs are not written again.
  ProcessorCounts c = RunToIdle(/*batch=*/7, (dir_ / "lake").string());
  EXPECT_EQ(c.consumed, 200);
  EXPECT_EQ(c.recovered, 10);
  EXPECT_EQ(c.enriched, 200);
  EXPECT_EQ(c.lake_rows, 200);
  EXPECT_EQ(Records("tweets.enriched"), 200);  // 10 from the crashed run + 190 new
  auto stats = lake::ComputeStats((dir_ / "lake").string());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->rows, 200);
}

// Tags each tweet with its id; the first call swaps the slot to `next` (a promotion
// arriving while a batch is in flight).
class TagStep : public enrich::EnrichmentStep {
 public:
  TagStep(std::string id, enrich::EnrichmentSlot* slot = nullptr,
          std::shared_ptr<const enrich::Enrichment> next = nullptr)
      : id_(std::move(id)), slot_(slot), next_(std::move(next)) {}
  std::string_view Id() const override { return id_; }
  void Apply(std::span<schema::EnrichedTweet* const> tweets) const override {
    for (schema::EnrichedTweet* t : tweets) t->enricher = id_;
    if (slot_ != nullptr && !swapped_.exchange(true)) slot_->Swap(next_);
  }

 private:
  std::string id_;
  enrich::EnrichmentSlot* slot_;
  std::shared_ptr<const enrich::Enrichment> next_;
  mutable std::atomic<bool> swapped_{false};
};

TEST_F(ProcessorTest, SwappedEnrichmentIsTakenAtTheNextBatch) {
  std::vector<std::string> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(Row(i));
  ProduceRows(rows);
  auto b = std::make_shared<const enrich::Enrichment>(
      std::vector<std::shared_ptr<const enrich::EnrichmentStep>>{std::make_shared<TagStep>("B")});
  auto a = std::make_shared<const enrich::Enrichment>(
      std::vector<std::shared_ptr<const enrich::EnrichmentStep>>{
          std::make_shared<TagStep>("A", slot_.get(), b)});
  slot_->Swap(a);
  a.reset();
  ProcessorCounts c = RunToIdle(/*batch=*/64);
  EXPECT_EQ(c.enriched, 1000);
  // Per input partition, in offset order: the first batch's tweets went through A (which
  // swapped the slot while that batch was in flight), every later one through B.
  std::map<int32_t, std::map<int64_t, std::string>> by_partition;
  for (const std::string& v : Values("tweets.enriched")) {
    auto t = schema::DecodeEnrichedJson(v);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    by_partition[t->source.partition.value()][t->source.offset.value()] = t->enricher;
  }
  int64_t tagged_a = 0, tagged_b = 0;
  for (const auto& [p, tags] : by_partition) {
    bool seen_b = false;
    for (const auto& [offset, tag] : tags) {
      if (tag == "A") {
        EXPECT_FALSE(seen_b) << "p" << p << " offset " << offset << " went through A after B";
        ++tagged_a;
      } else {
        EXPECT_EQ(tag, "B");
        seen_b = true;
        ++tagged_b;
      }
    }
  }
  EXPECT_GT(tagged_a, 0);
  EXPECT_LE(tagged_a, 64);  // one batch
  EXPECT_EQ(tagged_a + tagged_b, 1000);
  EXPECT_EQ(slot_->Load()->Id(), "B");
}

}  // namespace
}  // namespace covidflow::process
