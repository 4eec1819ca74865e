#include "log/tests/log_conformance.h"

#include <gmock/gmock.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "base/testing/deadline.h"

namespace covidflow::log::testing {
namespace {

using std::chrono::milliseconds;

// A consumed record copied out of the poll's buffers.
struct Got {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Joins strings by append; gcc 12 warns (-Wrestrict, a false positive) on "lit" + to_string().
std::string Cat(std::string_view a, std::string_view b, std::string_view c = "") {
  std::string out(a);
  out.append(b);
  out.append(c);
  return out;
}

std::chrono::steady_clock::time_point Deadline(int seconds = 20) {
  return ::covidflow::testing::Deadline(seconds);
}

bool Before(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::steady_clock::now() < deadline;
}

// Polls until `want` records arrived or the deadline passed; returns what arrived.
std::vector<Got> PollN(Consumer& c, size_t want, int seconds = 20) {
  std::vector<Got> out;
  auto deadline = Deadline(seconds);
  while (out.size() < want && Before(deadline)) {
    auto polled = c.Poll(milliseconds(100));
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    if (!polled.ok()) break;
    for (const InRecord& r : *polled) {
      Got g{*r.topic,
            r.partition.value(),
            r.offset.value(),
            r.timestamp_ms,
            std::string(r.key),
            std::string(r.value),
            {}};
      for (const HeaderView& h : r.headers) g.headers.emplace_back(h.key, h.value);
      out.push_back(std::move(g));
    }
  }
  return out;
}

void Produce(Log& log, const std::string& topic, int count, std::optional<int> partition,
             const std::string& prefix = "v") {
  auto producer = log.NewProducer({});
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  for (int i = 0; i < count; ++i) {
    std::string value = Cat(prefix, std::to_string(i));
    OutRecord r;
    r.value = value;
    if (partition) r.partition = PartitionId(*partition);
    ASSERT_TRUE((*producer)->Send(topic, r).ok());
  }
  Status s = (*producer)->Flush();
  ASSERT_TRUE(s.ok()) << s.ToString();
}

std::unique_ptr<Consumer> NewConsumer(
    Log& log, const std::string& group,
    ConsumerOptions::Reset reset = ConsumerOptions::Reset::kEarliest) {
  ConsumerOptions o;
  o.group = group;
  o.reset = reset;
  auto c = log.NewConsumer(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

std::vector<std::pair<TopicPartition, Offset>> AllFrom(const std::string& topic, int partitions,
                                                       int64_t offset = 0) {
  std::vector<std::pair<TopicPartition, Offset>> v;
  for (int p = 0; p < partitions; ++p) v.push_back({{topic, PartitionId(p)}, Offset(offset)});
  return v;
}

}  // namespace

std::string LogUnderTestName(const ::testing::TestParamInfo<LogUnderTest>& info) {
  return info.param.name;
}

void LogConformanceTest::SetUp() {
  auto log = GetParam().make();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  log_ = std::move(log).value();
}

TEST_P(LogConformanceTest, CreateAndDescribeTopics) {
  ASSERT_TRUE(log_->CreateTopic("orders", 3).ok());
  EXPECT_TRUE(log_->CreateTopic("orders", 3).ok()) << "same count again is fine";
  EXPECT_EQ(log_->CreateTopic("orders", 4).code(), StatusCode::kAlreadyExists);
  auto info = log_->DescribeTopic("orders");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->name, "orders");
  ASSERT_EQ(info->partitions.size(), 3u);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(info->partitions[p].partition, PartitionId(p));
    EXPECT_EQ(info->partitions[p].start, Offset(0));
    EXPECT_EQ(info->partitions[p].end, Offset(0));
  }
  auto topics = log_->ListTopics();
  ASSERT_TRUE(topics.ok());
  EXPECT_THAT(*topics, ::testing::Contains("orders"));
  EXPECT_EQ(log_->DescribeTopic("no-such-topic").status().code(), StatusCode::kNotFound);
}

TEST_P(LogConformanceTest, SendToMissingTopicIsNotFound) {
  auto producer = log_->NewProducer({});
  ASSERT_TRUE(producer.ok());
  OutRecord r;
  r.value = "x";
  Status s = (*producer)->Send("no-such-topic", r);
  if (s.ok()) s = (*producer)->Flush();
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
}

TEST_P(LogConformanceTest, KeyedRecordsLandOnTheKeysPartition) {
  ASSERT_TRUE(log_->CreateTopic("keyed", 4).ok());
  auto producer = log_->NewProducer({});
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 200; ++i) {
    std::string key = Cat("user-", std::to_string(i));
    OutRecord r;
    r.key = key;
    r.value = key;
    ASSERT_TRUE((*producer)->Send("keyed", r).ok());
  }
  ASSERT_TRUE((*producer)->Flush().ok());
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("keyed", 4)).ok());
  std::vector<Got> got = PollN(**c, 200);
  ASSERT_EQ(got.size(), 200u);
  std::set<int32_t> used;
  for (const Got& g : got) {
    EXPECT_EQ(g.key, g.value);
    EXPECT_EQ(PartitionId(g.partition), PartitionForKey(g.key, 4)) << g.key;
    used.insert(g.partition);
  }
  EXPECT_EQ(used.size(), 4u) << "200 keys should reach every partition";
}

TEST_P(LogConformanceTest, AppendThenPollKeepsOrderWithDenseOffsets) {
  ASSERT_TRUE(log_->CreateTopic("ordered", 2).ok());
  Produce(*log_, "ordered", 500, 0, "a");
  Produce(*log_, "ordered", 300, 1, "b");
  Produce(*log_, "ordered", 500, 0, "c");
  auto info = log_->DescribeTopic("ordered");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->partitions[0].end, Offset(1000));
  EXPECT_EQ(info->partitions[1].end, Offset(300));
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("ordered", 2)).ok());
  std::vector<Got> got = PollN(**c, 1300);
  ASSERT_EQ(got.size(), 1300u);
  std::map<int32_t, std::vector<Got>> by_partition;
  for (Got& g : got) by_partition[g.partition].push_back(std::move(g));
  ASSERT_EQ(by_partition[0].size(), 1000u);
  ASSERT_EQ(by_partition[1].size(), 300u);
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(by_partition[0][i].offset, i);
    EXPECT_EQ(by_partition[0][i].value, Cat(i < 500 ? "a" : "c", std::to_string(i % 500)));
    EXPECT_EQ(by_partition[0][i].topic, "ordered");
  }
  for (int64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(by_partition[1][i].offset, i);
    EXPECT_EQ(by_partition[1][i].value, Cat("b", std::to_string(i)));
  }
}

// log::Consumer::Poll: a poll's views stay valid through the next Poll (the processor
// transforms one batch while it polls the next).
TEST_P(LogConformanceTest, PolledRecordsStayValidThroughTheNextPoll) {
  ASSERT_TRUE(log_->CreateTopic("twice", 1).ok());
  Produce(*log_, "twice", 400, 0, "value-");
  ConsumerOptions o;
  o.max_poll_records = 100;
  auto c = log_->NewConsumer(o);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("twice", 1)).ok());
  std::span<const InRecord> first;
  for (auto deadline = Deadline(); first.empty() && Before(deadline);) {
    auto polled = (*c)->Poll(milliseconds(100));
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    first = *polled;
  }
  ASSERT_FALSE(first.empty());
  std::span<const InRecord> second;
  for (auto deadline = Deadline(); second.empty() && Before(deadline);) {
    auto polled = (*c)->Poll(milliseconds(100));
    ASSERT_TRUE(polled.ok()) << polled.status().ToString();
    second = *polled;
  }
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(second.front().offset.value(), first.back().offset.value() + 1);
  for (const InRecord& r : first) {
    EXPECT_EQ(r.value, Cat("value-", std::to_string(r.offset.value())));
    EXPECT_EQ(*r.topic, "twice");
  }
  for (const InRecord& r : second) {
    EXPECT_EQ(r.value, Cat("value-", std::to_string(r.offset.value())));
  }
}

// Producer::FlushDeferred: the durability wait runs on another thread while the producer
// sends on; every record arrives once, in order.
TEST_P(LogConformanceTest, DeferredFlushRunsBesideFurtherSends) {
  ASSERT_TRUE(log_->CreateTopic("deferred", 2).ok());
  auto producer = log_->NewProducer({});
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      std::string value = Cat("d", std::to_string(i));
      OutRecord r;
      r.value = value;
      r.partition = PartitionId(i % 2);
      ASSERT_TRUE((*producer)->Send("deferred", r).ok());
    }
  };
  send(0, 300);
  auto durable = (*producer)->FlushDeferred();
  ASSERT_TRUE(durable.ok()) << durable.status().ToString();
  Status synced;
  std::thread syncer([&] { synced = (*durable)(); });
  send(300, 600);
  syncer.join();
  EXPECT_TRUE(synced.ok()) << synced.ToString();
  auto second = (*producer)->FlushDeferred();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE((*second)().ok());
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("deferred", 2)).ok());
  std::vector<Got> got = PollN(**c, 600);
  ASSERT_EQ(got.size(), 600u);
  std::map<int32_t, std::vector<std::string>> by_partition;
  for (const Got& g : got) by_partition[g.partition].push_back(g.value);
  for (int p = 0; p < 2; ++p) {
    ASSERT_EQ(by_partition[p].size(), 300u);
    for (int k = 0; k < 300; ++k) {
      EXPECT_EQ(by_partition[p][k], Cat("d", std::to_string(2 * k + p)));
    }
  }
}

TEST_P(LogConformanceTest, HeadersKeysValuesAndTimestampsRoundTrip) {
  ASSERT_TRUE(log_->CreateTopic("headers", 1).ok());
  const std::string binary("\0\x01\xff\n,\"", 6);
  std::vector<Header> none;
  std::vector<Header> one = {{"source", "tweets.raw/0/17"}};
  std::vector<Header> three = {{"a", ""}, {"b", binary}, {"a", "second"}};
  auto producer = log_->NewProducer({});
  ASSERT_TRUE(producer.ok());
  OutRecord r0;
  r0.key = "k0";
  r0.value = "";
  r0.headers = none;
  r0.partition = PartitionId(0);
  r0.timestamp_ms = 1595676539000;
  OutRecord r1 = r0;
  r1.key = "";
  r1.value = binary;
  r1.headers = one;
  r1.timestamp_ms = 0;  // now
  OutRecord r2 = r0;
  const std::string large(100000, 'x');
  r2.value = large;
  r2.headers = three;
  ASSERT_TRUE((*producer)->Send("headers", r0).ok());
  ASSERT_TRUE((*producer)->Send("headers", r1).ok());
  ASSERT_TRUE((*producer)->Send("headers", r2).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("headers", 1)).ok());
  std::vector<Got> got = PollN(**c, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].key, "k0");
  EXPECT_EQ(got[0].value, "");
  EXPECT_TRUE(got[0].headers.empty());
  EXPECT_EQ(got[0].timestamp_ms, 1595676539000);
  EXPECT_EQ(got[1].value, binary);
  EXPECT_GT(got[1].timestamp_ms, 1600000000000) << "timestamp 0 means now";
  ASSERT_EQ(got[1].headers.size(), 1u);
  EXPECT_EQ(got[1].headers[0],
            std::make_pair(std::string("source"), std::string("tweets.raw/0/17")));
  EXPECT_EQ(got[2].value.size(), 100000u);
  ASSERT_EQ(got[2].headers.size(), 3u);
  EXPECT_EQ(got[2].headers[0].second, "");
  EXPECT_EQ(got[2].headers[1].second, binary);
  EXPECT_EQ(got[2].headers[2].second, "second");
}

TEST_P(LogConformanceTest, FindHeaderReturnsTheFirstMatch) {
  ASSERT_TRUE(log_->CreateTopic("find", 1).ok());
  std::vector<Header> hs = {{"x", "1"}, {"y", "2"}, {"x", "3"}};
  auto producer = log_->NewProducer({});
  ASSERT_TRUE(producer.ok());
  OutRecord r;
  r.value = "v";
  r.headers = hs;
  ASSERT_TRUE((*producer)->Send("find", r).ok());
  ASSERT_TRUE((*producer)->Flush().ok());
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("find", 1)).ok());
  auto deadline = Deadline();
  while (Before(deadline)) {
    auto polled = (*c)->Poll(milliseconds(100));
    ASSERT_TRUE(polled.ok());
    if (polled->empty()) continue;
    const InRecord& in = polled->front();
    EXPECT_EQ(in.FindHeader("x"), std::optional<std::string_view>("1"));
    EXPECT_EQ(in.FindHeader("y"), std::optional<std::string_view>("2"));
    EXPECT_EQ(in.FindHeader("z"), std::nullopt);
    return;
  }
  FAIL() << "record never arrived";
}

TEST_P(LogConformanceTest, CommitAndCommittedKeepOffsetAndMetadata) {
  ASSERT_TRUE(log_->CreateTopic("commits", 1).ok());
  Produce(*log_, "commits", 10, 0);
  const TopicPartition tp{"commits", PartitionId(0)};
  {
    auto c = NewConsumer(*log_, "g1");
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Subscribe({"commits"}).ok());
    std::vector<Got> got = PollN(*c, 10);
    ASSERT_EQ(got.size(), 10u);
    auto none = c->Committed({tp});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty()) << "nothing committed yet";
    Status s = c->Commit({{tp, CommitPoint{Offset(6), "lake-file-0007"}}});
    ASSERT_TRUE(s.ok()) << s.ToString();
    auto committed = c->Committed({tp});
    ASSERT_TRUE(committed.ok()) << committed.status().ToString();
    ASSERT_EQ(committed->count(tp), 1u);
    EXPECT_EQ(committed->at(tp).next, Offset(6));
    EXPECT_EQ(committed->at(tp).metadata, "lake-file-0007");
  }
  // A new member of the group resumes at the commit.
  auto c2 = NewConsumer(*log_, "g1");
  ASSERT_NE(c2, nullptr);
  ASSERT_TRUE(c2->Subscribe({"commits"}).ok());
  std::vector<Got> got = PollN(*c2, 4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.front().offset, 6);
  EXPECT_EQ(got.back().offset, 9);
  // Another group has its own commits.
  auto other = NewConsumer(*log_, "g2");
  ASSERT_NE(other, nullptr);
  auto committed = other->Committed({tp});
  ASSERT_TRUE(committed.ok());
  EXPECT_TRUE(committed->empty());
}

TEST_P(LogConformanceTest, CommitOfAPartitionNotOwnedIsRejected) {
  ASSERT_TRUE(log_->CreateTopic("owned", 1).ok());
  ASSERT_TRUE(log_->CreateTopic("other", 1).ok());
  auto c = NewConsumer(*log_, "g");
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Subscribe({"owned"}).ok());
  PollN(*c, 0);
  Status s = c->Commit({{TopicPartition{"other", PartitionId(0)}, CommitPoint{Offset(1), ""}}});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
}

TEST_P(LogConformanceTest, SeekMovesTheReadPosition) {
  ASSERT_TRUE(log_->CreateTopic("seek", 1).ok());
  Produce(*log_, "seek", 50, 0);
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("seek", 1)).ok());
  ASSERT_EQ(PollN(**c, 50).size(), 50u);
  const TopicPartition tp{"seek", PartitionId(0)};
  ASSERT_TRUE((*c)->Seek(tp, Offset(17)).ok());
  std::vector<Got> got = PollN(**c, 33);
  ASSERT_EQ(got.size(), 33u);
  EXPECT_EQ(got.front().offset, 17);
  EXPECT_EQ(got.front().value, "v17");
  ASSERT_TRUE((*c)->Seek(tp, Offset(3)).ok());
  got = PollN(**c, 1);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front().offset, 3);
}

TEST_P(LogConformanceTest, AssignStartsAtTheGivenOffset) {
  ASSERT_TRUE(log_->CreateTopic("assign", 1).ok());
  Produce(*log_, "assign", 20, 0);
  auto c = log_->NewConsumer({});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Assign(AllFrom("assign", 1, 12)).ok());
  std::vector<Got> got = PollN(**c, 8);
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got.front().offset, 12);
  EXPECT_EQ(got.back().offset, 19);
  const std::vector<TopicPartition> expected = {TopicPartition{"assign", PartitionId(0)}};
  EXPECT_EQ((*c)->Assignment(), expected);
}

TEST_P(LogConformanceTest, GroupSplitsPartitionsBetweenTwoConsumers) {
  ASSERT_TRUE(log_->CreateTopic("split", 4).ok());
  auto a = NewConsumer(*log_, "workers");
  auto b = NewConsumer(*log_, "workers");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Subscribe({"split"}).ok());
  ASSERT_TRUE(b->Subscribe({"split"}).ok());
  auto deadline = Deadline(60);
  std::vector<TopicPartition> as, bs;
  while (Before(deadline)) {
    ASSERT_TRUE(a->Poll(milliseconds(50)).ok());
    ASSERT_TRUE(b->Poll(milliseconds(50)).ok());
    as = a->Assignment();
    bs = b->Assignment();
    if (as.size() == 2 && bs.size() == 2) break;
  }
  ASSERT_EQ(as.size(), 2u) << "a owns " << as.size() << ", b owns " << bs.size();
  ASSERT_EQ(bs.size(), 2u);
  std::set<TopicPartition> both(as.begin(), as.end());
  both.insert(bs.begin(), bs.end());
  EXPECT_EQ(both.size(), 4u) << "each partition has exactly one owner";

  for (int p = 0; p < 4; ++p) Produce(*log_, "split", 25, p, Cat("p", std::to_string(p), "-"));
  std::vector<Got> from_a, from_b;
  deadline = Deadline(60);
  while (from_a.size() + from_b.size() < 100 && Before(deadline)) {
    for (auto [c, out] : {std::pair{a.get(), &from_a}, std::pair{b.get(), &from_b}}) {
      std::vector<Got> got = PollN(*c, 1, 1);
      out->insert(out->end(), got.begin(), got.end());
    }
  }
  ASSERT_EQ(from_a.size() + from_b.size(), 100u);
  std::set<std::string> values;
  for (const Got& g : from_a) {
    EXPECT_NE(std::find(as.begin(), as.end(), TopicPartition{"split", PartitionId(g.partition)}),
              as.end());
    values.insert(g.value);
  }
  for (const Got& g : from_b) {
    EXPECT_NE(std::find(bs.begin(), bs.end(), TopicPartition{"split", PartitionId(g.partition)}),
              bs.end());
    values.insert(g.value);
  }
  EXPECT_EQ(values.size(), 100u) << "no record twice";
}

TEST_P(LogConformanceTest, ResetEarliestReadsFromTheStart) {
  ASSERT_TRUE(log_->CreateTopic("early", 1).ok());
  Produce(*log_, "early", 5, 0);
  auto c = NewConsumer(*log_, "from-start", ConsumerOptions::Reset::kEarliest);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Subscribe({"early"}).ok());
  std::vector<Got> got = PollN(*c, 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got.front().offset, 0);
}

TEST_P(LogConformanceTest, ResetLatestSkipsWhatWasThere) {
  ASSERT_TRUE(log_->CreateTopic("late", 1).ok());
  Produce(*log_, "late", 5, 0, "old");
  auto c = NewConsumer(*log_, "from-end", ConsumerOptions::Reset::kLatest);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Subscribe({"late"}).ok());
  auto deadline = Deadline();
  while (c->Assignment().empty() && Before(deadline)) {
    auto polled = c->Poll(milliseconds(100));
    ASSERT_TRUE(polled.ok());
    EXPECT_TRUE(polled->empty()) << "old records must be skipped";
  }
  ASSERT_FALSE(c->Assignment().empty());
  Produce(*log_, "late", 3, 0, "new");
  std::vector<Got> got = PollN(*c, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].value, "new0");
  EXPECT_EQ(got[0].offset, 5);
  EXPECT_EQ(got[2].value, "new2");
}

}  // namespace covidflow::log::testing
