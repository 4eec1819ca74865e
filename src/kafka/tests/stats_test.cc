// librdkafka's statistics JSON becomes the small KafkaStats a stage exports.
#include <gtest/gtest.h>

#include "kafka/kafka_log.h"

namespace covidflow::kafka {
namespace {

// Trimmed from a real consumer's statistics (the fields ParseStatistics reads, plus noise).
constexpr std::string_view kConsumerStats = R"({
  "name": "covidflow#consumer-2", "client_id": "covidflow", "type": "consumer",
  "ts": 1, "time": 1, "replyq": 0, "msg_cnt": 0, "msg_size": 0,
  "tx": 40, "txmsgs": 0, "txmsg_bytes": 0, "rx": 41, "rxmsgs": 1500, "rxmsg_bytes": 90000,
  "brokers": {
    "127.0.0.1:9092/bootstrap": {"name": "127.0.0.1:9092/bootstrap", "nodeid": -1, "state": "UP"},
    "127.0.0.1:9092/1": {"name": "127.0.0.1:9092/1", "nodeid": 1, "state": "UP"},
    "127.0.0.1:9093/2": {"name": "127.0.0.1:9093/2", "nodeid": 2, "state": "DOWN"},
    "GroupCoordinator": {"name": "GroupCoordinator", "nodeid": 1, "state": "UP"}
  },
  "topics": {
    "tweets.raw": {"topic": "tweets.raw", "partitions": {
      "0": {"partition": 0, "consumer_lag": 120},
      "1": {"partition": 1, "consumer_lag": -1},
      "2": {"partition": 2, "consumer_lag": 30},
      "-1": {"partition": -1, "consumer_lag": 99}
    }}
  },
  "cgrp": {"state": "up", "join_state": "steady", "rebalance_cnt": 3}
})";

TEST(KafkaStats, ReadsCountersBrokersLagAndGroup) {
  auto s = ParseStatistics(kConsumerStats);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->client, "consumer");
  EXPECT_EQ(s->rx_messages, 1500);
  EXPECT_EQ(s->rx_bytes, 90000);
  EXPECT_EQ(s->brokers_total, 3) << "the bootstrap entry is not a broker";
  EXPECT_EQ(s->brokers_up, 2);
  EXPECT_EQ(s->consumer_lag, 150) << "unknown lag (-1) and the internal partition -1 are skipped";
  EXPECT_EQ(s->rebalances, 3);
  EXPECT_EQ(s->group_state, "up");
}

TEST(KafkaStats, ProducerWithoutGroupOrTopics) {
  auto s = ParseStatistics(R"({"type":"producer","msg_cnt":7,"txmsgs":100,"txmsg_bytes":5000})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->client, "producer");
  EXPECT_EQ(s->queued_messages, 7);
  EXPECT_EQ(s->tx_messages, 100);
  EXPECT_EQ(s->tx_bytes, 5000);
  EXPECT_EQ(s->consumer_lag, 0);
  EXPECT_EQ(s->group_state, "");
}

TEST(KafkaStats, GarbageIsCorruption) {
  EXPECT_EQ(ParseStatistics("not json").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseStatistics("[1,2]").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ParseStatistics("{\"no_type\":1}").status().code(), StatusCode::kCorruption);
}

TEST(KafkaStats, NameIsTheHandleInstance) {
  auto s = ParseStatistics(kConsumerStats);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "covidflow#consumer-2");
}

TEST(KafkaStats, SumsPerClientTypeAndTakesTheBestBrokerView) {
  KafkaStats p1{.client = "producer",
                .name = "p1",
                .queued_messages = 3,
                .tx_messages = 100,
                .tx_bytes = 9000,
                .brokers_up = 1,
                .brokers_total = 1};
  KafkaStats p2{.client = "producer",
                .name = "p2",
                .tx_messages = 50,
                .tx_bytes = 1000,
                .brokers_up = 0,
                .brokers_total = 1};
  KafkaStats c1{.client = "consumer",
                .name = "c1",
                .rx_messages = 70,
                .rx_bytes = 700,
                .brokers_up = 1,
                .brokers_total = 1,
                .consumer_lag = 12,
                .rebalances = 2};
  std::map<std::string, int64_t> m = SumStatistics({p1, p2, c1});
  EXPECT_EQ(m["producer.clients"], 2);
  EXPECT_EQ(m["producer.tx_messages"], 150);
  EXPECT_EQ(m["producer.tx_bytes"], 10000);
  EXPECT_EQ(m["producer.queued_messages"], 3);
  EXPECT_EQ(m["consumer.clients"], 1);
  EXPECT_EQ(m["consumer.rx_messages"], 70);
  EXPECT_EQ(m["consumer.lag"], 12);
  EXPECT_EQ(m["consumer.rebalances"], 2);
  EXPECT_EQ(m["brokers.up"], 1);
  EXPECT_EQ(m["brokers.total"], 1);
  EXPECT_TRUE(SumStatistics({}).empty());
}

TEST(KafkaProperties, KeyValueListBecomesExtraSettings) {
  auto p =
      ParseProperties(" security.protocol=SASL_SSL, sasl.mechanisms=PLAIN,,sasl.password=a=b ");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->size(), 3u);
  EXPECT_EQ(p->at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(p->at("sasl.mechanisms"), "PLAIN");
  EXPECT_EQ(p->at("sasl.password"), "a=b") << "only the first '=' splits";
  EXPECT_TRUE(ParseProperties("")->empty());
}

TEST(KafkaProperties, ItemWithoutKeyOrValueSeparatorIsInvalid) {
  for (std::string_view bad : {"acks", "a=1,=2", "linger.ms=5,oops"}) {
    auto p = ParseProperties(bad);
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(p.status().message().find("not key=value"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace covidflow::kafka
