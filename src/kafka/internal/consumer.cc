#include "kafka/internal/consumer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace covidflow::kafka::internal {
namespace {

std::string TpText(const TopicPartition& tp) {
  return tp.topic + "/" + std::to_string(tp.partition.value());
}

}  // namespace

Result<std::unique_ptr<log::Consumer>> KafkaConsumer::Create(const std::string& bootstrap,
                                                             const KafkaOptions& options,
                                                             const log::ConsumerOptions& consumer) {
  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer(options, consumer));
  std::vector<std::pair<std::string, std::string>> settings = {
      // Offsets move only through Commit, after the caller's output is durable.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset",
       consumer.reset == log::ConsumerOptions::Reset::kLatest ? "latest" : "earliest"},
      {"session.timeout.ms", std::to_string(options.session_timeout.count())},
      {"heartbeat.interval.ms",
       std::to_string(std::max<int64_t>(100, options.session_timeout.count() / 5))},
      // Eager assignment: every revoke is a clean point to settle commits of what was owned.
      {"partition.assignment.strategy", "roundrobin"},
      {"fetch.wait.max.ms", "100"},
      // A bounded prefetch (KafkaOptions::fetch_queue_*): memory, not rate, grows past it.
      {"queued.min.messages", std::to_string(options.fetch_queue_records)},
      {"queued.max.messages.kbytes", std::to_string(options.fetch_queue_kbytes)},
      {"allow.auto.create.topics", "false"},
  };
  // librdkafka's assign() needs a group id even when the group is never joined nor
  // committed to; a group-less consumer gets a fixed placeholder that Commit never uses.
  settings.push_back({"group.id", consumer.group.empty() ? std::string("covidflow.no-group")
                                                         : options.name_prefix + consumer.group});
  ASSIGN_OR_RETURN(
      c->rk_,
      NewHandle(RD_KAFKA_CONSUMER, bootstrap, c.get(),
                consumer.group.empty() ? Callbacks::kNone : Callbacks::kRebalance, settings));
  // One queue for messages, rebalances and errors, all served by Poll on the owner's thread.
  rd_kafka_poll_set_consumer(c->rk_.get());
  return std::unique_ptr<log::Consumer>(std::move(c));
}

KafkaConsumer::~KafkaConsumer() {
  RotateMessages();  // twice: both generations are released
  RotateMessages();
  // Leaves the group at once so the partitions move now rather than after session_timeout.
  if (rk_) rd_kafka_consumer_close(rk_.get());
}

// The records of the Poll before last are released; the last Poll's stay valid through
// this one (the contract of log::Consumer::Poll).
void KafkaConsumer::RotateMessages() {
  for (rd_kafka_message_t* m : previous_.messages) rd_kafka_message_destroy(m);
  previous_.messages.clear();
  previous_.records.clear();
  previous_.headers.clear();
  std::swap(previous_.messages, messages_);
  std::swap(previous_.records, records_);
  std::swap(previous_.headers, headers_);
}

const std::string* KafkaConsumer::Name(const char* wire_topic) {
  auto it = names_.find(std::string_view(wire_topic));
  if (it == names_.end()) {
    std::string_view name(wire_topic);
    if (name.starts_with(options_.name_prefix)) name.remove_prefix(options_.name_prefix.size());
    it = names_.emplace(wire_topic, std::string(name)).first;
  }
  return &it->second;
}

void KafkaConsumer::OnError(rd_kafka_t* rk, int err, const char* reason) {
  if (err != RD_KAFKA_RESP_ERR__FATAL) return;  // transient: librdkafka reconnects itself
  char why[512];
  rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
  fatal_ = Status::FailedPrecondition(std::string("kafka consumer failed for good (") +
                                      rd_kafka_err2name(orig) + "): " + why + "; " + reason);
}

void KafkaConsumer::ResolveLatest(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions) {
  PartitionList copy(rd_kafka_topic_partition_list_copy(partitions));
  const int timeout = static_cast<int>(options_.request_timeout.count());
  if (rd_kafka_committed(rk, copy.get(), timeout) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  for (int i = 0; i < copy->cnt; ++i) {
    const rd_kafka_topic_partition_t& c = copy->elems[i];
    if (c.offset >= 0) continue;  // committed: resume there
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, c.topic, c.partition, &low, &high, timeout) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      partitions->elems[i].offset = high;
    }
  }
}

void KafkaConsumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (consumer_.reset == log::ConsumerOptions::Reset::kLatest) ResolveLatest(rk, partitions);
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, partitions);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rebalance_error_ = FromKafka(e, "taking an assignment");
      return;
    }
    assignment_.clear();
    for (int i = 0; i < partitions->cnt; ++i) {
      assignment_.insert(
          {*Name(partitions->elems[i].topic), PartitionId(partitions->elems[i].partition)});
    }
    return;
  }
  // Revoked (or the group failed): settle commits for what is being given up, first.
  std::set<TopicPartition> revoked;
  for (int i = 0; i < partitions->cnt; ++i) {
    revoked.insert(
        {*Name(partitions->elems[i].topic), PartitionId(partitions->elems[i].partition)});
  }
  log::CommitMap retry;
  for (const auto& [tp, point] : pending_commit_) {
    if (revoked.contains(tp)) retry[tp] = point;
  }
  if (!retry.empty() && err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && CommitOnce(retry).ok()) {
    for (const auto& [tp, point] : retry) {
      committed_[tp] = point.next.value();
      pending_commit_.erase(tp);
    }
  }
  for (const TopicPartition& tp : revoked) {
    auto p = polled_.find(tp);
    auto c = committed_.find(tp);
    if (p != polled_.end() && c != committed_.end() && p->second > c->second) {
      uncommitted_at_revoke_ += p->second - c->second;
    }
    polled_.erase(tp);
    committed_.erase(tp);
    pending_commit_.erase(tp);
    assignment_.erase(tp);
  }
  // Records of revoked partitions fetched in this Poll but not yet handed out are dropped:
  // their new owner reads them.
  std::erase_if(messages_, [&](rd_kafka_message_t* m) {
    if (!revoked.contains({*Name(rd_kafka_topic_name(m->rkt)), PartitionId(m->partition)})) {
      return false;
    }
    rd_kafka_message_destroy(m);
    return true;
  });
  rd_kafka_assign(rk, nullptr);
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) assignment_.clear();
}

Status KafkaConsumer::Subscribe(const std::vector<std::string>& topics) {
  if (consumer_.group.empty()) {
    return Status::FailedPrecondition("Subscribe needs a consumer group (ConsumerOptions.group)");
  }
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), Wire(t).c_str(), RD_KAFKA_PARTITION_UA);
  }
  return FromKafka(rd_kafka_subscribe(rk_.get(), list.get()), "subscribing");
}

Status KafkaConsumer::Assign(const std::vector<std::pair<TopicPartition, Offset>>& positions) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& [tp, offset] : positions) {
    rd_kafka_topic_partition_list_add(list.get(), Wire(tp.topic).c_str(), tp.partition.value())
        ->offset = offset.value();
  }
  RETURN_IF_ERROR(FromKafka(rd_kafka_assign(rk_.get(), list.get()), "assigning partitions"));
  manual_ = true;
  assignment_.clear();
  manual_positions_.clear();
  for (const auto& [tp, offset] : positions) {
    assignment_.insert(tp);
    manual_positions_[tp] = offset.value();
  }
  return Status::Ok();
}

Result<std::span<const log::InRecord>> KafkaConsumer::Poll(std::chrono::milliseconds timeout) {
  RotateMessages();
  if (!fatal_.ok()) return fatal_;
  const size_t max = std::max<size_t>(1, consumer_.max_poll_records);
  Status failure;
  rd_kafka_message_t* m =
      rd_kafka_consumer_poll(rk_.get(), static_cast<int>(std::max<int64_t>(0, timeout.count())));
  while (m != nullptr) {
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      messages_.push_back(m);
    } else {
      // Consumer errors are reports: librdkafka keeps retrying the fetch. Only damaged data
      // and a dead client reach the caller.
      Status s = FromKafka(m->err, "consuming");
      if (s.code() == StatusCode::kCorruption && failure.ok()) failure = s;
      rd_kafka_message_destroy(m);
    }
    if (messages_.size() >= max || !fatal_.ok()) break;
    m = rd_kafka_consumer_poll(rk_.get(), 0);
  }
  if (!rebalance_error_.ok()) {
    Status s = rebalance_error_;
    rebalance_error_ = Status::Ok();
    return s;
  }
  if (!fatal_.ok()) return fatal_;
  if (!failure.ok() && messages_.empty()) return failure;

  // Header views first (the vector must not grow once spans point into it), then records.
  std::vector<std::pair<size_t, size_t>> header_ranges(messages_.size());
  for (size_t i = 0; i < messages_.size(); ++i) {
    header_ranges[i].first = headers_.size();
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(messages_[i], &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t h = 0;
           rd_kafka_header_get_all(hdrs, h, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++h) {
        headers_.push_back({std::string_view(name),
                            std::string_view(static_cast<const char*>(value), value ? size : 0)});
      }
    }
    header_ranges[i].second = headers_.size();
  }
  records_.resize(messages_.size());
  // Per-record work stays off maps and strings: the topic name is looked up once per topic
  // handle, and positions are folded per partition once per batch.
  struct Span {
    const std::string* topic;
    int32_t partition;
    int64_t first, next;
  };
  std::vector<Span> spans;
  const rd_kafka_topic_t* last_rkt = nullptr;
  const std::string* last_name = nullptr;
  for (size_t i = 0; i < messages_.size(); ++i) {
    const rd_kafka_message_t* msg = messages_[i];
    log::InRecord& r = records_[i];
    if (msg->rkt != last_rkt) {
      last_rkt = msg->rkt;
      last_name = Name(rd_kafka_topic_name(msg->rkt));
    }
    r.topic = last_name;
    r.partition = PartitionId(msg->partition);
    r.offset = Offset(msg->offset);
    rd_kafka_timestamp_type_t type;
    r.timestamp_ms = rd_kafka_message_timestamp(msg, &type);
    r.key = msg->key ? std::string_view(static_cast<const char*>(msg->key), msg->key_len)
                     : std::string_view();
    r.value = msg->payload ? std::string_view(static_cast<const char*>(msg->payload), msg->len)
                           : std::string_view();
    r.headers = std::span<const log::HeaderView>(headers_.data() + header_ranges[i].first,
                                                 header_ranges[i].second - header_ranges[i].first);
    auto span = std::find_if(spans.begin(), spans.end(), [&](const Span& x) {
      return x.topic == last_name && x.partition == msg->partition;
    });
    if (span == spans.end()) {
      spans.push_back({last_name, msg->partition, msg->offset, msg->offset + 1});
    } else {
      span->next = msg->offset + 1;
    }
  }
  for (const Span& x : spans) {
    TopicPartition tp{*x.topic, PartitionId(x.partition)};
    polled_[tp] = x.next;
    committed_.try_emplace(tp, x.first);  // first record seen: nothing before it is ours
    if (manual_) manual_positions_[tp] = x.next;
  }
  return std::span<const log::InRecord>(records_);
}

std::vector<TopicPartition> KafkaConsumer::Assignment() const {
  return {assignment_.begin(), assignment_.end()};
}

Status KafkaConsumer::CommitOnce(const log::CommitMap& points) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(points.size())));
  for (const auto& [tp, point] : points) {
    rd_kafka_topic_partition_t* p =
        rd_kafka_topic_partition_list_add(list.get(), Wire(tp.topic).c_str(), tp.partition.value());
    p->offset = point.next.value();
    if (!point.metadata.empty()) {
      // The list frees metadata with free(), so it must come from malloc.
      p->metadata = std::malloc(point.metadata.size());
      std::memcpy(p->metadata, point.metadata.data(), point.metadata.size());
      p->metadata_size = point.metadata.size();
    }
  }
  RETURN_IF_ERROR(
      FromKafka(rd_kafka_commit(rk_.get(), list.get(), /*async=*/0), "committing offsets"));
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return FromKafka(list->elems[i].err, std::string("committing ") + list->elems[i].topic + "/" +
                                               std::to_string(list->elems[i].partition));
    }
  }
  return Status::Ok();
}

Status KafkaConsumer::Commit(const log::CommitMap& points) {
  if (consumer_.group.empty() || manual_) {
    return Status::FailedPrecondition("Commit needs a subscribed consumer group");
  }
  for (const auto& [tp, point] : points) {
    if (!assignment_.contains(tp)) {
      return Status::FailedPrecondition("commit of " + TpText(tp) +
                                        ", which this member does not own (not assigned, or "
                                        "revoked by a rebalance: its new owner reads it again)");
    }
  }
  Status s = RetryRetriable(options_, [&] { return CommitOnce(points); });
  if (!s.ok()) {
    if (s.retriable()) {
      for (const auto& [tp, point] : points) pending_commit_[tp] = point;
    }
    return s;
  }
  for (const auto& [tp, point] : points) {
    committed_[tp] = point.next.value();
    pending_commit_.erase(tp);
  }
  return Status::Ok();
}

Result<log::CommitMap> KafkaConsumer::Committed(const std::vector<TopicPartition>& partitions) {
  if (consumer_.group.empty()) {
    return Status::FailedPrecondition("Committed needs a consumer group");
  }
  log::CommitMap out;
  Status s = RetryRetriable(options_, [&]() -> Status {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const TopicPartition& tp : partitions) {
      rd_kafka_topic_partition_list_add(list.get(), Wire(tp.topic).c_str(), tp.partition.value());
    }
    RETURN_IF_ERROR(
        FromKafka(rd_kafka_committed(rk_.get(), list.get(),
                                     static_cast<int>(options_.request_timeout.count())),
                  "reading committed offsets"));
    out.clear();
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = list->elems[i];
      if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return FromKafka(p.err, std::string("committed offset of ") + p.topic);
      }
      if (p.offset < 0) continue;  // never committed
      std::string metadata;
      if (p.metadata != nullptr)
        metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
      out[TopicPartition{*Name(p.topic), PartitionId(p.partition)}] =
          log::CommitPoint{Offset(p.offset), std::move(metadata)};
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status KafkaConsumer::Seek(const TopicPartition& tp, Offset offset) {
  if (!assignment_.contains(tp)) {
    return Status::FailedPrecondition("seek on " + TpText(tp) +
                                      ", which this consumer does not own");
  }
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), Wire(tp.topic).c_str(), tp.partition.value())
      ->offset = offset.value();
  Status s =
      FromKafkaError(rd_kafka_seek_partitions(rk_.get(), list.get(),
                                              static_cast<int>(options_.request_timeout.count())),
                     "seeking " + TpText(tp));
  if (s.ok() && list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    s = FromKafka(list->elems[0].err, "seeking " + TpText(tp));
  }
  if (!s.ok() && manual_) {
    // A partition whose fetcher has not started yet cannot seek; assigning again with the
    // new position has the same effect.
    manual_positions_[tp] = offset.value();
    std::vector<std::pair<TopicPartition, Offset>> positions;
    for (const auto& [p, o] : manual_positions_) positions.push_back({p, Offset(o)});
    return Assign(positions);
  }
  if (s.ok()) {
    if (manual_) manual_positions_[tp] = offset.value();
    polled_[tp] = offset.value();
  }
  return s;
}

}  // namespace covidflow::kafka::internal
