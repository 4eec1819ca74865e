// Every librdkafka error the adapter meets is sorted into a project code that decides the
// caller's next step.
#include <gtest/gtest.h>

#include "kafka/internal/common.h"

namespace covidflow::kafka::internal {
namespace {

TEST(KafkaErrors, TransientClusterStatesAreRetriable) {
  for (rd_kafka_resp_err_t e :
       {RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR__TIMED_OUT,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT}) {
    Status s = FromKafka(e, "op");
    EXPECT_TRUE(s.retriable()) << rd_kafka_err2name(e) << " -> " << s.ToString();
  }
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR__TIMED_OUT, "op").code(), StatusCode::kTimeout);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR__TRANSPORT, "op").code(), StatusCode::kUnavailable);
}

TEST(KafkaErrors, PermanentErrorsSayWhatToDoInstead) {
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "op").code(), StatusCode::kNotFound);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "op").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, "op").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "op").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR__BAD_MSG, "op").code(), StatusCode::kCorruption);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, "op").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "op").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(FromKafka(RD_KAFKA_RESP_ERR__FATAL, "op").code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(FromKafka(RD_KAFKA_RESP_ERR_NO_ERROR, "op").ok());
}

TEST(KafkaErrors, MessageNamesTheOperationAndTheKafkaError) {
  Status s = FromKafka(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "metadata of topic x");
  EXPECT_NE(s.message().find("metadata of topic x"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("UNKNOWN_TOPIC_OR_PART"), std::string::npos) << s.message();
}

TEST(KafkaErrors, RetryStopsAtTheFirstPermanentError) {
  KafkaOptions o;
  int calls = 0;
  Status s = RetryRetriable(o, [&] {
    ++calls;
    return calls < 3 ? Status::Unavailable("busy") : Status::NotFound("gone");
  });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(calls, 3);
}

TEST(KafkaErrors, RetryGivesUpWhenTheBudgetIsSpent) {
  KafkaOptions o;
  o.retry_budget = std::chrono::milliseconds(500);
  int calls = 0;
  Status s = RetryRetriable(o, [&] {
    ++calls;
    return Status::Unavailable("down");
  });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_GE(calls, 2) << "retried at least once";
  EXPECT_LE(calls, 5) << "backoff 100, 200, ... ms fits a handful of tries in 500 ms";
  EXPECT_NE(s.message().find("gave up after"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace covidflow::kafka::internal
