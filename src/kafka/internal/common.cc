#include "kafka/internal/common.h"

#include <algorithm>
#include <thread>

namespace covidflow::kafka::internal {
namespace {

std::string Describe(rd_kafka_resp_err_t err, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += rd_kafka_err2str(err);
  m += " (";
  m += rd_kafka_err2name(err);
  m += ")";
  return m;
}

int StatsCallback(rd_kafka_t*, char* json, size_t len, void* opaque) {
  const auto* client = static_cast<const Client*>(opaque);
  if (client != nullptr && client->options().on_stats) {
    auto stats = ParseStatistics(std::string_view(json, len));
    if (stats.ok()) client->options().on_stats(*stats);
  }
  return 0;  // librdkafka frees the JSON
}

void DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<Client*>(opaque)->OnDelivery(*message);
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  static_cast<Client*>(opaque)->OnError(rk, err, reason);
}

void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Client*>(opaque)->OnRebalance(rk, err, partitions);
}

}  // namespace

Status FromKafka(rd_kafka_resp_err_t err, std::string_view what) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::Ok();
    // A bounded wait ran out: the request may succeed later.
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
      return Status::Timeout(Describe(err, what));
    // The cluster is down, moving leaders or loading state: back off and retry.
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return Status::Unavailable(Describe(err, what));
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
      return Status::NotFound(Describe(err, what));
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return Status::AlreadyExists(Describe(err, what));
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR__BAD_COMPRESSION:
    case RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE:
      return Status::Corruption(Describe(err, what));
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_COMMIT_OFFSET_SIZE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return Status::InvalidArgument(Describe(err, what));
    // The group moved on without this member, or this client is not allowed to do it.
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
    case RD_KAFKA_RESP_ERR__NO_OFFSET:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__FATAL:
      return Status::FailedPrecondition(Describe(err, what));
    case RD_KAFKA_RESP_ERR__FS:
      return Status::IoError(Describe(err, what));
    default:
      return Status::Internal(Describe(err, what));
  }
}

Status FromKafkaError(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return Status::Ok();
  Status s = FromKafka(rd_kafka_error_code(error), what);
  if (rd_kafka_error_is_fatal(error)) {
    s = Status::FailedPrecondition(std::string(what) + ": fatal: " + rd_kafka_error_string(error));
  } else if (!s.retriable() && rd_kafka_error_is_retriable(error)) {
    s = Status::Unavailable(std::string(what) + ": " + rd_kafka_error_string(error));
  }
  rd_kafka_error_destroy(error);
  return s;
}

Status RetryRetriable(const KafkaOptions& options, const std::function<Status()>& attempt) {
  const auto deadline = std::chrono::steady_clock::now() + options.retry_budget;
  std::chrono::milliseconds backoff(100);
  int attempts = 0;
  while (true) {
    Status s = attempt();
    ++attempts;
    if (s.ok() || !s.retriable()) return s;
    if (std::chrono::steady_clock::now() + backoff >= deadline) {
      return s.WithContext("gave up after " + std::to_string(attempts) + " attempts over " +
                           std::to_string(options.retry_budget.count()) + " ms");
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

void HandleDeleter::operator()(rd_kafka_t* rk) const {
  if (rk != nullptr) rd_kafka_destroy(rk);
}

Result<Handle> NewHandle(rd_kafka_type_t type, const std::string& bootstrap, Client* client,
                         Callbacks callbacks,
                         const std::vector<std::pair<std::string, std::string>>& overrides) {
  const KafkaOptions& options = client->options();
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", bootstrap},
      {"client.id", options.client_id},
      {"socket.timeout.ms", std::to_string(std::max<int64_t>(10, options.request_timeout.count()))},
      // Reconnect quickly after a broker restart rather than after librdkafka's 10 s maximum.
      {"reconnect.backoff.max.ms", "1000"},
      {"log.connection.close", "false"},
  };
  if (options.statistics_interval.count() > 0 && options.on_stats) {
    settings.push_back(
        {"statistics.interval.ms", std::to_string(options.statistics_interval.count())});
    rd_kafka_conf_set_stats_cb(conf, StatsCallback);
  }
  settings.insert(settings.end(), overrides.begin(), overrides.end());
  settings.insert(settings.end(), options.extra.begin(), options.extra.end());
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::InvalidArgument("kafka setting " + key + "=" + value + ": " + errstr);
    }
  }
  rd_kafka_conf_set_opaque(conf, client);
  rd_kafka_conf_set_error_cb(conf, ErrorCallback);
  if (callbacks == Callbacks::kDelivery) rd_kafka_conf_set_dr_msg_cb(conf, DeliveryCallback);
  if (callbacks == Callbacks::kRebalance) rd_kafka_conf_set_rebalance_cb(conf, RebalanceCallback);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("creating a kafka client: ") + errstr);
  }
  return Handle(rk);
}

Result<int> PartitionCount(rd_kafka_t* rk, const std::string& wire_topic,
                           const KafkaOptions& options) {
  int count = 0;
  Status s = RetryRetriable(options, [&]() -> Status {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, wire_topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk, 0, rkt, &md, static_cast<int>(options.request_timeout.count()));
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromKafka(err, "metadata of topic " + wire_topic);
    Status result;
    if (md->topic_cnt != 1) {
      result = Status::Internal("metadata of topic " + wire_topic + ": no topic in the answer");
    } else if (md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result = FromKafka(md->topics[0].err, "topic " + wire_topic);
    } else {
      count = md->topics[0].partition_cnt;
      // A topic made a moment ago may not have its partitions announced yet.
      if (count == 0)
        result = Status::Unavailable("topic " + wire_topic + " has no partitions yet");
    }
    rd_kafka_metadata_destroy(md);
    return result;
  });
  if (!s.ok()) return s;
  return count;
}

}  // namespace covidflow::kafka::internal
