#pragma once
// A fresh embedded log in a temporary directory per test, and the raw rows the processor
// tests feed it.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/testing/temp_dir.h"
#include "enrich/enrichers.h"
#include "enrich/enrichment.h"
#include "log/log.h"
#include "log/open.h"
#include "schema/record_headers.h"

namespace covidflow::process::testing {

inline constexpr std::string_view kCsvHeader =
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet";

// A valid CSV row (with followers "12"); a non-number in `followers` makes it a dead letter.
inline std::string Row(int i, std::string_view followers = "12") {
  return "user" + std::to_string(i) + ",\"Atlanta, GA\",,2017-01-31 00:37:31," +
         std::string(followers) + ",92,814,False,2020-07-25 11:28:59,\"Great news, " +
         std::to_string(i) + "\",['COVID19'],Twitter for iPhone,False";
}

// An enrichment slot holding the "none" sentiment step alone (no scoring).
inline std::unique_ptr<enrich::EnrichmentSlot> NoEnrichment() {
  auto none = enrich::MakeEnricher("none");
  EXPECT_TRUE(none.ok()) << none.status().ToString();
  if (!none.ok()) return nullptr;
  std::vector<std::shared_ptr<const enrich::EnrichmentStep>> steps{
      std::make_shared<const enrich::SentimentStep>(std::move(none).value())};
  return std::make_unique<enrich::EnrichmentSlot>(
      std::make_shared<const enrich::Enrichment>(std::move(steps)));
}

class FileLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    auto log = log::OpenFileLog(dir_.string());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    ASSERT_TRUE(log_->CreateTopic("tweets.raw", 2).ok());
  }
  void TearDown() override { log_.reset(); }

  // Appends CSV rows round-robin over the two input partitions.
  void ProduceRows(const std::vector<std::string>& rows) {
    auto producer = log_->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok());
    std::vector<log::Header> headers{
        {std::string(schema::kContentTypeHeader), std::string(schema::kContentTypeCsv)},
        {std::string(schema::kCsvHeaderHeader), std::string(kCsvHeader)}};
    for (size_t i = 0; i < rows.size(); ++i) {
      log::OutRecord r;
      r.value = rows[i];
      r.headers = headers;
      r.partition = PartitionId(static_cast<int32_t>(i % 2));
      ASSERT_TRUE((*producer)->Send("tweets.raw", r).ok());
    }
    ASSERT_TRUE((*producer)->Flush().ok());
  }

  // An output as a processor of `group` writes it for input (tweets.raw, p, offset).
  void ProduceOutput(const std::string& topic, PartitionId q, PartitionId p, int64_t offset,
                     const std::string& value = "{}",
                     const std::string& group = "covidflow-processor") {
    auto producer = log_->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok());
    std::vector<log::Header> h{
        {std::string(schema::kHeaderSourceTopic), "tweets.raw"},
        {std::string(schema::kHeaderSourcePartition), std::to_string(p.value())},
        {std::string(schema::kHeaderSourceOffset), std::to_string(offset)},
        {std::string(schema::kHeaderGroup), group}};
    log::OutRecord r;
    r.value = value;
    r.headers = h;
    r.partition = q;
    ASSERT_TRUE((*producer)->Send(topic, r).ok());
    ASSERT_TRUE((*producer)->Flush().ok());
  }

  // The values of every record of `topic`, partition by partition.
  std::vector<std::string> Values(const std::string& topic) {
    std::vector<std::string> values;
    auto info = log_->DescribeTopic(topic);
    EXPECT_TRUE(info.ok());
    auto consumer = log_->NewConsumer(log::ConsumerOptions{});
    EXPECT_TRUE(consumer.ok());
    std::vector<std::pair<TopicPartition, Offset>> positions;
    int64_t total = 0;
    for (const auto& pi : info->partitions) {
      positions.push_back({{topic, pi.partition}, pi.start});
      total += pi.end.value() - pi.start.value();
    }
    EXPECT_TRUE((*consumer)->Assign(positions).ok());
    for (int tries = 0; tries < 100 && static_cast<int64_t>(values.size()) < total; ++tries) {
      auto recs = (*consumer)->Poll(std::chrono::milliseconds(20));
      EXPECT_TRUE(recs.ok());
      for (const auto& r : *recs) values.push_back(std::string(r.value));
    }
    return values;
  }

  int64_t Records(const std::string& topic) {
    auto info = log_->DescribeTopic(topic);
    EXPECT_TRUE(info.ok());
    int64_t n = 0;
    for (const auto& p : info->partitions) n += p.end.value() - p.start.value();
    return n;
  }

  covidflow::testing::TempDir tmp_{"cf_process"};
  std::filesystem::path dir_;
  std::unique_ptr<log::Log> log_;
};

}  // namespace covidflow::process::testing
