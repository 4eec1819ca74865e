#include "kafka/internal/producer.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace covidflow::kafka::internal {

Result<std::unique_ptr<log::Producer>> KafkaProducer::Create(const std::string& bootstrap,
                                                             const KafkaOptions& options,
                                                             const log::ProducerOptions& producer) {
  std::unique_ptr<KafkaProducer> p(new KafkaProducer(options));
  // Batches are bounded by librdkafka's own limit on one request (message.max.bytes).
  const size_t batch = std::clamp<size_t>(producer.batch_bytes, 16 << 10, 16 << 20);
  const std::vector<std::pair<std::string, std::string>> settings = {
      // Idempotence: acks=all, retries without duplicates or reordering per partition.
      {"enable.idempotence", "true"},
      {"compression.codec", std::string(CodecName(producer.compression))},
      {"linger.ms", std::to_string(options.linger.count())},
      {"batch.size", std::to_string(batch)},
      {"message.max.bytes", std::to_string(std::max<size_t>(batch, 1 << 20) + (64 << 10))},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"},
      {"message.timeout.ms", std::to_string(options.delivery_timeout.count())},
      // Send must answer kNotFound for a missing topic, never create it.
      {"allow.auto.create.topics", "false"},
  };
  ASSIGN_OR_RETURN(
      p->rk_, NewHandle(RD_KAFKA_PRODUCER, bootstrap, p.get(), Callbacks::kDelivery, settings));
  return std::unique_ptr<log::Producer>(std::move(p));
}

KafkaProducer::~KafkaProducer() {
  // Records not flushed by the caller are given a bounded chance, then dropped.
  if (rk_) rd_kafka_flush(rk_.get(), 5000);
}

void KafkaProducer::OnDelivery(const rd_kafka_message_t& message) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto seq = reinterpret_cast<uintptr_t>(message._private);
  if (seq >= done_base_ && seq - done_base_ < done_.size()) {
    done_[seq - done_base_] = 1;
    while (!done_.empty() && done_.front() != 0) {
      done_.pop_front();
      ++done_base_;
    }
  }
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (++failures_ == 1) {
    first_failure_ =
        FromKafka(message.err, std::string("delivery to ") + rd_kafka_topic_name(message.rkt) +
                                   "/" + std::to_string(message.partition));
  }
}

void KafkaProducer::OnError(rd_kafka_t* rk, int err, const char* reason) {
  if (err != RD_KAFKA_RESP_ERR__FATAL) return;  // others are retried inside librdkafka
  char why[512];
  rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof why);
  std::lock_guard<std::mutex> lock(mu_);
  fatal_ = Status::FailedPrecondition(std::string("kafka producer failed for good (") +
                                      rd_kafka_err2name(orig) + "): " + why + "; " + reason);
  fatal_set_ = true;
}

Status KafkaProducer::Fatal() {
  if (!fatal_set_.load(std::memory_order_relaxed)) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

Status KafkaProducer::Send(std::string_view topic, const log::OutRecord& record) {
  RETURN_IF_ERROR(Fatal());
  // Most Sends go to the topic of the previous one: skip the lookup then.
  if (topic != last_topic_ || last_partitions_ == 0) {
    wire_topic_.assign(options_.name_prefix);
    wire_topic_.append(topic);
    auto known = partitions_.find(wire_topic_);
    if (known == partitions_.end()) {
      ASSIGN_OR_RETURN(int count, PartitionCount(rk_.get(), wire_topic_, options_));
      known = partitions_.emplace(wire_topic_, count).first;
    }
    last_topic_.assign(topic);
    last_partitions_ = known->second;
  }
  int32_t partition = RD_KAFKA_PARTITION_UA;
  if (record.partition) {
    partition = record.partition->value();
    if (partition < 0 || partition >= last_partitions_) {
      return Status::InvalidArgument("partition " + std::to_string(partition) + " of topic " +
                                     std::string(topic) + " (it has " +
                                     std::to_string(last_partitions_) + ")");
    }
  } else if (!record.key.empty()) {
    // The project's murmur2 mapping, so a key lands where it would in the embedded log.
    partition = log::PartitionForKey(record.key, last_partitions_).value();
  }

  vus_.clear();
  auto add = [&](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
    vus_.emplace_back();
    vus_.back().vtype = type;
    return vus_.back();
  };
  add(RD_KAFKA_VTYPE_TOPIC).u.cstr = wire_topic_.c_str();
  add(RD_KAFKA_VTYPE_PARTITION).u.i32 = partition;
  add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
  // A non-null pointer keeps an empty value empty rather than null.
  static const char kEmpty[1] = {0};
  auto& value = add(RD_KAFKA_VTYPE_VALUE);
  value.u.mem.ptr = const_cast<char*>(record.value.empty() ? kEmpty : record.value.data());
  value.u.mem.size = record.value.size();
  if (!record.key.empty()) {
    auto& key = add(RD_KAFKA_VTYPE_KEY);
    key.u.mem.ptr = const_cast<char*>(record.key.data());
    key.u.mem.size = record.key.size();
  }
  if (record.timestamp_ms != 0) add(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 = record.timestamp_ms;
  // Header names must be NUL-terminated for librdkafka; values are (pointer, size).
  // header_names_ is sized before pointers into it are taken, so they stay valid.
  if (header_names_.size() < record.headers.size()) header_names_.resize(record.headers.size());
  for (size_t i = 0; i < record.headers.size(); ++i) {
    const log::Header& h = record.headers[i];
    header_names_[i].assign(h.key);
    auto& header = add(RD_KAFKA_VTYPE_HEADER);
    header.u.header.name = header_names_[i].c_str();
    header.u.header.val = h.value.empty() ? kEmpty : h.value.data();
    header.u.header.size = static_cast<ssize_t>(h.value.size());
  }

  // The record's number comes back in its delivery report (see done_).
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = next_seq_;
    done_.push_back(0);
  }
  add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(seq));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options_.delivery_timeout;
  std::chrono::milliseconds backoff(10);
  while (true) {
    rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), vus_.data(), vus_.size());
    if (error == nullptr) break;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    const auto now = std::chrono::steady_clock::now();
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && now <= deadline) {
      rd_kafka_error_destroy(error);
      // Backpressure: the local queue is full, so serve delivery reports until it drains.
      rd_kafka_poll(rk_.get(), 10);
      RETURN_IF_ERROR(Fatal());
      continue;
    }
    if ((code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
         code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) &&
        now + backoff <= start + options_.retry_budget) {
      // This handle's metadata may predate the topic (created a moment ago by another
      // client) or its partitions: let librdkafka refresh it and try again.
      rd_kafka_error_destroy(error);
      rd_kafka_poll(rk_.get(), static_cast<int>(backoff.count()));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      RETURN_IF_ERROR(Fatal());
      continue;
    }
    {
      // Never queued: no report will come, so its number is taken back.
      std::lock_guard<std::mutex> lock(mu_);
      done_.pop_back();
    }
    return FromKafkaError(error, "producing to " + std::string(topic));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++next_seq_;
  }
  if (++sends_since_poll_ >= 1024) {
    sends_since_poll_ = 0;
    rd_kafka_poll(rk_.get(), 0);
  }
  return Status::Ok();
}

// Flush and AwaitDeliveries wait this long at most: librdkafka retries failed sends itself
// until delivery_timeout, so the bound only needs a margin over it.
std::chrono::milliseconds KafkaProducer::FlushBound() const {
  return options_.delivery_timeout + std::chrono::seconds(5);
}

Status KafkaProducer::FailuresLocked() const {
  if (failures_ == 0) return Status::Ok();
  return first_failure_.WithContext(std::to_string(failures_) + " record(s) not delivered");
}

Status KafkaProducer::Flush() {
  // Waits for every outstanding delivery report.
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), static_cast<int>(FlushBound().count()));
  sends_since_poll_ = 0;
  RETURN_IF_ERROR(Fatal());
  std::lock_guard<std::mutex> lock(mu_);
  Status result = FailuresLocked();
  if (result.ok() && err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = FromKafka(err, std::to_string(rd_kafka_outq_len(rk_.get())) +
                                " record(s) still unacknowledged after flush");
  }
  failures_ = 0;
  first_failure_ = Status::Ok();
  return result;
}

Status KafkaProducer::AwaitDeliveries(uint64_t until) {
  const auto deadline = std::chrono::steady_clock::now() + FlushBound();
  while (true) {
    RETURN_IF_ERROR(Fatal());
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Any failure fails the wait (and the caller's batch), as it fails Flush.
      RETURN_IF_ERROR(FailuresLocked());
      if (done_base_ >= until) return Status::Ok();
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::Timeout(std::to_string(until - done_base_) +
                               " record(s) still unacknowledged after the delivery timeout");
      }
    }
    rd_kafka_poll(rk_.get(), 5);  // serves delivery reports on this thread
  }
}

Result<log::Producer::Durable> KafkaProducer::FlushDeferred() {
  RETURN_IF_ERROR(Fatal());
  uint64_t until;
  {
    std::lock_guard<std::mutex> lock(mu_);
    until = next_seq_;
  }
  return Durable([this, until] { return AwaitDeliveries(until); });
}

}  // namespace covidflow::kafka::internal
