#include "process/transform.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "process/tests/file_log_fixture.h"
#include "schema/codec.h"

namespace covidflow::process {
namespace {

// Tags each tweet; with `gate`, Apply waits until the gate opens (a batch held in flight).
class TagStep : public enrich::EnrichmentStep {
 public:
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false, open = false;
  };
  explicit TagStep(std::string id, Gate* gate = nullptr) : id_(std::move(id)), gate_(gate) {}
  std::string_view Id() const override { return id_; }
  void Apply(std::span<schema::EnrichedTweet* const> tweets) const override {
    calls_.fetch_add(1);
    for (schema::EnrichedTweet* t : tweets) t->enricher = id_;
    if (gate_ == nullptr) return;
    std::unique_lock<std::mutex> lock(gate_->mu);
    gate_->entered = true;
    gate_->cv.notify_all();
    gate_->cv.wait(lock, [&] { return gate_->open; });
  }
  int calls() const { return calls_.load(); }

 private:
  std::string id_;
  Gate* gate_;
  mutable std::atomic<int> calls_{0};
};

std::shared_ptr<const enrich::Enrichment> Tagging(std::shared_ptr<const TagStep> step) {
  return std::make_shared<const enrich::Enrichment>(
      std::vector<std::shared_ptr<const enrich::EnrichmentStep>>{std::move(step)});
}

class TransformTest : public testing::FileLogTest {
 protected:
  // Polls every record of tweets.raw (valid until the next Poll of consumer_).
  std::span<const log::InRecord> PollAll(size_t expected) {
    log::ConsumerOptions co;
    co.max_poll_records = 100000;
    auto consumer = log_->NewConsumer(co);
    EXPECT_TRUE(consumer.ok());
    consumer_ = std::move(consumer).value();
    EXPECT_TRUE(consumer_->Assign({{{"tweets.raw", PartitionId(0)}, Offset(0)}}).ok());
    auto recs = consumer_->Poll(std::chrono::milliseconds(500));
    EXPECT_TRUE(recs.ok());
    EXPECT_EQ(recs->size(), expected);
    return *recs;
  }
  // Rows on partition 0 only (ProduceRows alternates partitions).
  void ProduceOnPartition0(int n, int bad_every = 0) {
    std::vector<std::string> rows;
    for (int i = 0; i < n; ++i) {
      rows.push_back(bad_every > 0 && i % bad_every == 0 ? testing::Row(i, "x") : testing::Row(i));
      rows.push_back("");  // partition 1
    }
    ProduceRows(rows);
  }
  void Prepare(Batch& batch, std::span<const log::InRecord> recs) {
    batch.recs = recs;
    batch.slots.assign(recs.size(), Slot{});
    for (size_t i = 0; i < recs.size(); ++i) {
      batch.slots[i].partition = recs[i].partition;
      batch.slots[i].offset = recs[i].offset;
    }
  }
  static std::string_view Value(const Batch& b, const Slot& s) {
    return std::string_view(b.workers[s.worker].buffer).substr(s.begin, s.end - s.begin);
  }

  std::unique_ptr<log::Consumer> consumer_;
};

TEST_F(TransformTest, EachRecordBecomesWhatItsSlotSays) {
  ProduceOnPartition0(1000, /*bad_every=*/10);
  auto recs = PollAll(1000);
  Batch batch;
  Prepare(batch, recs);
  batch.slots[1].outcome = Outcome::kAlreadyCommitted;
  batch.slots[2].outcome = Outcome::kRecovered;  // output exists, lake row wanted
  batch.slots[2].to_lake = true;
  batch.slots[3].outcome = Outcome::kRecovered;  // output exists, no lake row
  batch.slots[4].to_lake = true;
  Transformer t(schema::ParseOptions(), 3);
  auto step = std::make_shared<const TagStep>("tag");
  t.Start(batch, Tagging(step));
  Transformer::Join(batch);

  int enriched = 0, dead = 0;
  for (size_t i = 0; i < batch.slots.size(); ++i) {
    const Slot& s = batch.slots[i];
    if (i == 1) {
      EXPECT_EQ(s.outcome, Outcome::kAlreadyCommitted);
    } else if (i == 2 || i == 3) {
      EXPECT_EQ(s.outcome, Outcome::kRecovered);
    } else if (i % 10 == 0) {
      ASSERT_EQ(s.outcome, Outcome::kDeadLetter) << i;
      EXPECT_EQ(s.reason, schema::Reason::kBadNumber);
      auto d = schema::DecodeDeadLetterJson(Value(batch, s));
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      EXPECT_EQ(d->source.offset, s.offset);
      ++dead;
    } else {
      ASSERT_EQ(s.outcome, Outcome::kEnriched) << i;
      auto e = schema::DecodeEnrichedJson(Value(batch, s));
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_EQ(e->source.offset, s.offset);
      EXPECT_EQ(e->source.partition, PartitionId(0));
      EXPECT_EQ(e->enricher, "tag");
      EXPECT_EQ(e->tweet.user_name, "user" + std::to_string(i));
      ++enriched;
    }
  }
  EXPECT_EQ(dead, 100);
  EXPECT_EQ(enriched, 1000 - 100 - 3);
  // Lake rows: the recovered record that wants one and the new one marked for the lake.
  std::vector<int64_t> lake;
  for (const Worker& wk : batch.workers) {
    for (const auto& row : wk.lake_rows) lake.push_back(row.source.offset.value());
  }
  std::sort(lake.begin(), lake.end());
  EXPECT_EQ(lake, (std::vector<int64_t>{2, 4}));
  // One Apply per chunk of valid tweets of each worker's share, never per record.
  EXPECT_GT(step->calls(), 3);
  EXPECT_LT(step->calls(), 100);
  EXPECT_EQ(t.layouts(), 1u);  // one csv-header, one layout
}

TEST_F(TransformTest, InFlightBatchKeepsItsEnrichmentAndTheNextTakesTheSwap) {
  ProduceOnPartition0(10);
  auto recs = PollAll(10);
  TagStep::Gate gate;
  auto old_step = std::make_shared<const TagStep>("old", &gate);
  enrich::EnrichmentSlot slot(Tagging(old_step));
  std::weak_ptr<const enrich::Enrichment> old_enrichment = slot.Load();
  old_step.reset();

  Transformer t(schema::ParseOptions(), 1);
  Batch first;
  Prepare(first, recs);
  t.Start(first, slot.Load());
  {
    std::unique_lock<std::mutex> lock(gate.mu);
    gate.cv.wait(lock, [&] { return gate.entered; });
  }
  // A promotion while the batch is in flight: the slot no longer holds the old enrichment,
  // the batch does.
  slot.Swap(Tagging(std::make_shared<const TagStep>("new")));
  EXPECT_FALSE(old_enrichment.expired());
  {
    std::lock_guard<std::mutex> lock(gate.mu);
    gate.open = true;
  }
  gate.cv.notify_all();
  Transformer::Join(first);
  for (const Slot& s : first.slots) {
    auto e = schema::DecodeEnrichedJson(Value(first, s));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->enricher, "old");
  }

  Batch second;
  Prepare(second, recs);
  t.Start(second, slot.Load());
  Transformer::Join(second);
  for (const Slot& s : second.slots) {
    auto e = schema::DecodeEnrichedJson(Value(second, s));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->enricher, "new");
  }
  // Once the batch that held it takes the next enrichment, the old one is gone.
  EXPECT_FALSE(old_enrichment.expired());
  t.Start(first, slot.Load());
  Transformer::Join(first);
  EXPECT_TRUE(old_enrichment.expired());
}

TEST_F(TransformTest, FieldsOfAStepNoLongerInUseDoNotLinger) {
  ProduceOnPartition0(4);
  auto recs = PollAll(4);
  Transformer t(schema::ParseOptions(), 1);
  Batch batch;
  Prepare(batch, recs);
  t.Start(batch, Tagging(std::make_shared<const TagStep>("tag")));
  Transformer::Join(batch);
  Prepare(batch, recs);
  t.Start(batch, std::make_shared<const enrich::Enrichment>());  // no step at all
  Transformer::Join(batch);
  for (const Slot& s : batch.slots) {
    auto e = schema::DecodeEnrichedJson(Value(batch, s));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->enricher, "");
  }
}

}  // namespace
}  // namespace covidflow::process
