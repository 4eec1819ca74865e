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

}  // namespace
}  // namespace covidflow::kafka
