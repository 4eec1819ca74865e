// Kafka-specific behaviour beyond the conformance suite, on the real broker (label "kafka").
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "base/testing/deadline.h"
#include "kafka/tests/broker.h"

namespace covidflow::kafka::testing {
namespace {

using std::chrono::milliseconds;

using ::covidflow::testing::Deadline;

std::string ProducedValue(int64_t i) {
  return "value-" + std::to_string(i) + std::string(100, 'x');
}

void ProduceTo(log::Log& log, const std::string& topic, int partition, int count,
               log::Compression compression = log::Compression::kNone) {
  log::ProducerOptions po;
  po.compression = compression;
  auto producer = log.NewProducer(po);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  for (int i = 0; i < count; ++i) {
    std::string value = ProducedValue(i);
    log::OutRecord r;
    r.value = value;
    r.partition = PartitionId(partition);
    ASSERT_TRUE((*producer)->Send(topic, r).ok());
  }
  Status s = (*producer)->Flush();
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// Polls `consumer`, assigned at offset 0 of a partition ProduceTo filled with `count` records,
// until it has them all: each in offset order with its value.
void ExpectProducedInOrder(log::Consumer& consumer, int64_t count, const std::string& what) {
  int64_t next = 0;
  auto deadline = Deadline(30);
  while (next < count && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer.Poll(milliseconds(100));
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    for (const log::InRecord& r : *polled) {
      ASSERT_EQ(r.offset, Offset(next)) << what;
      ASSERT_EQ(r.value, ProducedValue(next)) << what;
      ++next;
    }
  }
  EXPECT_EQ(next, count) << what;
}

TEST(KafkaLog, UriNamesTheBootstrapAddress) {
  auto log = NewTestLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->Uri(), "kafka://" + *BrokerAddress());
}

TEST(KafkaLog, EveryCompressionCodecRoundTrips) {
  auto log = NewTestLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  using log::Compression;
  for (Compression compression : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                  Compression::kLz4, Compression::kZstd}) {
    const std::string codec(CodecName(compression));
    const std::string topic = "codec-" + codec;
    ASSERT_TRUE((*log)->CreateTopic(topic, 1).ok());
    ProduceTo(**log, topic, 0, 300, compression);
    auto c = (*log)->NewConsumer({});
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Assign({{{topic, PartitionId(0)}, Offset(0)}}).ok());
    ExpectProducedInOrder(**c, 300, codec);
  }
}

// The prefetch bound (queued.min.messages, queued.max.messages.kbytes) at its smallest still
// hands out every record in order: it limits memory, never what is read.
TEST(KafkaLog, SmallestFetchQueueStillReadsEveryRecord) {
  KafkaOptions options = TestOptions();
  options.fetch_queue_records = 1;
  options.fetch_queue_kbytes = 1;
  auto log = NewTestLog(options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE((*log)->CreateTopic("prefetch", 1).ok());
  ProduceTo(**log, "prefetch", 0, 3000);
  auto c = (*log)->NewConsumer({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE((*c)->Assign({{{"prefetch", PartitionId(0)}, Offset(0)}}).ok());
  ExpectProducedInOrder(**c, 3000, "prefetch");
}

TEST(KafkaLog, ZeroPartitionsIsInvalidArgument) {
  auto log = NewTestLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->CreateTopic("none", 0).code(), StatusCode::kInvalidArgument);
}

TEST(KafkaLog, StatisticsReachTheCallback) {
  std::mutex mu;
  std::optional<KafkaStats> last_producer;
  KafkaOptions o = TestOptions();
  o.statistics_interval = milliseconds(100);
  o.on_stats = [&](const KafkaStats& s) {
    std::lock_guard lock(mu);
    if (s.client == "producer") last_producer = s;
  };
  auto log = NewTestLog(o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE((*log)->CreateTopic("stats", 1).ok());
  auto producer = (*log)->NewProducer({});
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 500; ++i) {
    log::OutRecord r;
    r.value = "s";
    ASSERT_TRUE((*producer)->Send("stats", r).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  // Statistics are emitted from the producer's poll; keep polling through Flush.
  auto deadline = Deadline(20);
  int64_t sent = 0, up = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE((*producer)->Flush().ok());
    {
      std::lock_guard lock(mu);
      if (last_producer) {
        sent = last_producer->tx_messages;
        up = last_producer->brokers_up;
      }
    }
    if (sent >= 500 && up >= 1) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_GE(sent, 500);
  EXPECT_GE(up, 1);
  // The same numbers reach the log's metrics, summed over its clients.
  std::map<std::string, int64_t> metrics = (*log)->ClientMetrics();
  EXPECT_EQ(metrics["producer.clients"], 1);
  EXPECT_GE(metrics["producer.tx_messages"], 500);
  EXPECT_GE(metrics["brokers.up"], 1);
}

// A rebalance moves a partition to another member: the old owner can no longer commit it,
// and the new owner starts exactly at the old owner's last commit.
TEST(KafkaLog, RevokedPartitionResumesAtTheLastCommit) {
  auto log = NewTestLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE((*log)->CreateTopic("moves", 2).ok());
  ProduceTo(**log, "moves", 0, 10);
  ProduceTo(**log, "moves", 1, 10);
  log::ConsumerOptions co;
  co.group = "movers";
  auto a = (*log)->NewConsumer(co);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Subscribe({"moves"}).ok());
  int got = 0;
  auto deadline = Deadline(30);
  while (got < 20 && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*a)->Poll(milliseconds(100));
    ASSERT_TRUE(polled.ok());
    got += static_cast<int>(polled->size());
  }
  ASSERT_EQ(got, 20);
  const TopicPartition p0{"moves", PartitionId(0)}, p1{"moves", PartitionId(1)};
  ASSERT_TRUE((*a)->Commit({{p0, {Offset(10), "a0"}}, {p1, {Offset(4), "a1"}}}).ok());

  auto b = (*log)->NewConsumer(co);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->Subscribe({"moves"}).ok());
  std::map<TopicPartition, int64_t> first_offset;
  deadline = Deadline(60);
  while (std::chrono::steady_clock::now() < deadline &&
         ((*a)->Assignment().size() != 1 || (*b)->Assignment().size() != 1 ||
          first_offset.count(p1) == 0)) {
    for (auto* c : {a->get(), b->get()}) {
      auto polled = c->Poll(milliseconds(50));
      ASSERT_TRUE(polled.ok()) << polled.status().ToString();
      for (const log::InRecord& r : *polled) {
        first_offset.try_emplace({*r.topic, r.partition}, r.offset.value());
      }
    }
  }
  ASSERT_EQ((*a)->Assignment().size(), 1u);
  ASSERT_EQ((*b)->Assignment().size(), 1u);
  EXPECT_EQ(first_offset[p1], 4) << "p1 resumes at the commit, whoever owns it now";
  EXPECT_EQ(first_offset.count(p0), 0u) << "p0 was committed to its end";
  const TopicPartition lost = (*b)->Assignment().front();
  EXPECT_EQ((*a)->Commit({{lost, {Offset(10), ""}}}).code(), StatusCode::kFailedPrecondition);
  auto committed = (*b)->Committed({p0, p1});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(committed->at(p0).metadata, "a0");
  EXPECT_EQ(committed->at(p1).next, Offset(4));
}

// Workers starting together all create their output topics: every one must succeed.
TEST(KafkaLog, ConcurrentCreatesOfOneTopicAllSucceed) {
  KafkaOptions o = TestOptions();
  std::vector<std::unique_ptr<log::Log>> logs;
  for (int i = 0; i < 4; ++i) {
    auto log = NewTestLog(o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    logs.push_back(std::move(log).value());
  }
  std::vector<Status> results(logs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < logs.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = logs[i]->CreateTopic("raced", 3); });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(KafkaLog, SubscribeWithoutAGroupIsAPreconditionFailure) {
  auto log = NewTestLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto c = (*log)->NewConsumer({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Subscribe({"x"}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*c)->Committed({{"x", PartitionId(0)}}).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace covidflow::kafka::testing
