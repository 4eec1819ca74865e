#include "process/processor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "app/app.h"
#include "log/open.h"
#include "lake/stats.h"
#include "schema/codec.h"
#include "schema/record_headers.h"

namespace covidflow::process {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHeader =
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet";

std::string Row(int i, std::string_view followers = "12") {
  return "user" + std::to_string(i) + ",\"Atlanta, GA\",,2017-01-31 00:37:31," +
         std::string(followers) + ",92,814,False,2020-07-25 11:28:59,\"Great news, " +
         std::to_string(i) + "\",['COVID19'],Twitter for iPhone,False";
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cf_process_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto log = log::OpenFileLog(dir_.string());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    ASSERT_TRUE(log_->CreateTopic("tweets.raw", 2).ok());
    auto enricher = app::MakeEnricher("none");
    ASSERT_TRUE(enricher.ok());
    enricher_ = std::move(enricher).value();
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }

  // Appends CSV rows round-robin over the two partitions.
  void ProduceRows(const std::vector<std::string>& rows) {
    auto producer = log_->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok());
    std::vector<log::Header> headers{
        {std::string(schema::kContentTypeHeader), std::string(schema::kContentTypeCsv)},
        {std::string(schema::kCsvHeaderHeader), std::string(kHeader)}};
    for (size_t i = 0; i < rows.size(); ++i) {
      log::OutRecord r;
      r.value = rows[i];
      r.headers = headers;
      r.partition = PartitionId(static_cast<int32_t>(i % 2));
      ASSERT_TRUE((*producer)->Send("tweets.raw", r).ok());
    }
    ASSERT_TRUE((*producer)->Flush().ok());
  }

  ProcessorCounts RunToIdle(size_t batch = 64, std::string lake_dir = "") {
    ProcessorOptions o;
    o.lake_dir = std::move(lake_dir);
    o.exit_when_idle = true;
    o.idle = std::chrono::milliseconds(100);
    o.batch = batch;
    o.threads = 2;
    Processor p(*log_, *enricher_, {}, o);
    std::atomic<bool> stop{false};
    auto counts = p.Run(stop);
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : ProcessorCounts{};
  }

  int64_t Records(const std::string& topic) {
    auto info = log_->DescribeTopic(topic);
    EXPECT_TRUE(info.ok());
    int64_t n = 0;
    for (const auto& p : info->partitions) n += p.end.value() - p.start.value();
    return n;
  }

  fs::path dir_;
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<enrich::Enricher> enricher_;
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

}  // namespace
}  // namespace covidflow::process
