#include "kafka/kafka_log.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "kafka/internal/common.h"
#include "kafka/internal/consumer.h"
#include "kafka/internal/producer.h"

namespace covidflow::kafka {
namespace {

using internal::FromKafka;
using internal::Handle;

// The latest statistics of each client of one log, by instance name. Shared with the
// clients' callbacks, so it outlives whichever of them goes first.
class StatsBoard {
 public:
  void Record(const KafkaStats& s) {
    std::lock_guard lock(mu_);
    latest_[s.name] = s;
  }
  std::vector<KafkaStats> Latest() const {
    std::lock_guard lock(mu_);
    std::vector<KafkaStats> out;
    for (const auto& [name, s] : latest_) out.push_back(s);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, KafkaStats> latest_;
};

class KafkaLog final : public log::Log, public internal::Client {
 public:
  KafkaLog(std::string bootstrap, const KafkaOptions& options, std::shared_ptr<StatsBoard> board)
      : Client(options), bootstrap_(std::move(bootstrap)), board_(std::move(board)) {}

  std::map<std::string, int64_t> ClientMetrics() const override {
    return SumStatistics(board_->Latest());
  }

  Status Connect() {
    // Metadata handle for admin calls, topic descriptions and watermarks. It sends no
    // records, so it emits no statistics that could be mistaken for the producer's.
    ASSIGN_OR_RETURN(rk_,
                     internal::NewHandle(
                         RD_KAFKA_PRODUCER, bootstrap_, this, internal::Callbacks::kNone,
                         {{"allow.auto.create.topics", "false"}, {"statistics.interval.ms", "0"}}));
    const auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
    std::chrono::milliseconds backoff(100);
    int attempts = 0;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const rd_kafka_metadata_t* md = nullptr;
      ++attempts;
      err = rd_kafka_metadata(rk_.get(), 0, nullptr, &md,
                              static_cast<int>(std::clamp<int64_t>(
                                  left.count(), 100, options_.request_timeout.count())));
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        return Status::Ok();
      }
      if (!FromKafka(err, "").retriable() ||
          std::chrono::steady_clock::now() + backoff >= deadline) {
        break;
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
    Status s = FromKafka(err, "no Kafka broker answered at " + bootstrap_ + " within " +
                                  std::to_string(options_.connect_timeout.count()) + " ms (" +
                                  std::to_string(attempts) + " attempts)");
    return s.retriable() ? Status::Unavailable(s.message()) : s;
  }

  Status CreateTopic(std::string_view topic, int partitions) override {
    if (partitions < 1) return Status::InvalidArgument("a topic needs at least one partition");
    const std::string wire = Wire(topic);
    Status created =
        internal::RetryRetriable(options_, [&] { return CreateOnce(wire, partitions); });
    if (created.code() == StatusCode::kAlreadyExists) {
      // Another client may have created it a moment ago: wait until metadata shows it.
      int existing = 0;
      Status seen = internal::RetryRetriable(options_, [&]() -> Status {
        Result<int> count = internal::PartitionCount(rk_.get(), wire, options_);
        if (count.status().code() == StatusCode::kNotFound) {
          return Status::Unavailable("topic " + wire + " exists but is not visible yet");
        }
        if (!count.ok()) return count.status();
        existing = *count;
        return Status::Ok();
      });
      if (!seen.ok()) return seen;
      if (existing == partitions) return Status::Ok();
      return Status::AlreadyExists("topic " + std::string(topic) + " exists with " +
                                   std::to_string(existing) + " partitions, not " +
                                   std::to_string(partitions));
    }
    RETURN_IF_ERROR(created);
    // The controller has the topic; wait until metadata shows every partition, so a Send
    // right after CreateTopic finds it.
    return internal::RetryRetriable(options_, [&]() -> Status {
      Result<int> count = internal::PartitionCount(rk_.get(), wire, options_);
      if (count.status().code() == StatusCode::kNotFound) {
        return Status::Unavailable("topic " + wire + " not visible yet");
      }
      if (!count.ok()) return count.status();
      if (*count < partitions) return Status::Unavailable("topic " + wire + " partially visible");
      return Status::Ok();
    });
  }

  Result<log::TopicInfo> DescribeTopic(std::string_view topic) override {
    const std::string wire = Wire(topic);
    ASSIGN_OR_RETURN(int count, internal::PartitionCount(rk_.get(), wire, options_));
    log::TopicInfo info;
    info.name = std::string(topic);
    for (int p = 0; p < count; ++p) {
      int64_t low = 0, high = 0;
      Status s = internal::RetryRetriable(options_, [&] {
        return FromKafka(
            rd_kafka_query_watermark_offsets(rk_.get(), wire.c_str(), p, &low, &high,
                                             static_cast<int>(options_.request_timeout.count())),
            "watermarks of " + wire + "/" + std::to_string(p));
      });
      if (!s.ok()) return s;
      info.partitions.push_back({PartitionId(p), Offset(low), Offset(high)});
    }
    return info;
  }

  Result<std::vector<std::string>> ListTopics() override {
    std::vector<std::string> out;
    Status listed = internal::RetryRetriable(options_, [&]() -> Status {
      const rd_kafka_metadata_t* md = nullptr;
      RETURN_IF_ERROR(
          FromKafka(rd_kafka_metadata(rk_.get(), 1, nullptr, &md,
                                      static_cast<int>(options_.request_timeout.count())),
                    "listing topics"));
      out.clear();
      for (int i = 0; i < md->topic_cnt; ++i) {
        std::string_view name(md->topics[i].topic);
        if (name.starts_with("__") || !name.starts_with(options_.name_prefix)) continue;
        name.remove_prefix(options_.name_prefix.size());
        out.emplace_back(name);
      }
      rd_kafka_metadata_destroy(md);
      return Status::Ok();
    });
    if (!listed.ok()) return listed;
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<std::unique_ptr<log::Producer>> NewProducer(const log::ProducerOptions& o) override {
    return internal::KafkaProducer::Create(bootstrap_, options_, o);
  }

  Result<std::unique_ptr<log::Consumer>> NewConsumer(const log::ConsumerOptions& o) override {
    return internal::KafkaConsumer::Create(bootstrap_, options_, o);
  }

  std::string Uri() const override { return "kafka://" + bootstrap_; }

 private:
  std::string Wire(std::string_view topic) const {
    return options_.name_prefix + std::string(topic);
  }

  Status CreateOnce(const std::string& wire, int partitions) {
    char errstr[512];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(
        wire.c_str(), partitions, options_.replication_factor, errstr, sizeof errstr);
    if (nt == nullptr) return Status::InvalidArgument("topic " + wire + ": " + errstr);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_.get());
    rd_kafka_AdminOptions_t* admin =
        rd_kafka_AdminOptions_new(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(
        admin, static_cast<int>(options_.request_timeout.count()), errstr, sizeof errstr);
    rd_kafka_CreateTopics(rk_.get(), &nt, 1, admin, queue);
    // The request timeout bounds the admin call; the margin covers queueing.
    rd_kafka_event_t* ev =
        rd_kafka_queue_poll(queue, static_cast<int>(options_.request_timeout.count()) + 2000);
    Status s;
    if (ev == nullptr) {
      s = Status::Timeout("creating topic " + wire + ": no answer");
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      s = FromKafka(rd_kafka_event_error(ev), "creating topic " + wire);
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* why = rd_kafka_topic_result_error_string(results[i]);
          s = FromKafka(err, "creating topic " + wire + (why ? std::string(": ") + why : ""));
        }
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(admin);
    rd_kafka_queue_destroy(queue);
    rd_kafka_NewTopic_destroy(nt);
    return s;
  }

  std::string bootstrap_;
  std::shared_ptr<StatsBoard> board_;
  Handle rk_;
};

}  // namespace

std::string_view CodecName(log::Compression compression) {
  switch (compression) {
    case log::Compression::kNone:
      return "none";
    case log::Compression::kGzip:
      return "gzip";
    case log::Compression::kSnappy:
      return "snappy";
    case log::Compression::kLz4:
      return "lz4";
    case log::Compression::kZstd:
      return "zstd";
  }
  return "none";
}

Result<std::unique_ptr<log::Log>> OpenKafkaLog(std::string_view bootstrap,
                                               const KafkaOptions& options) {
  if (bootstrap.starts_with("kafka://")) bootstrap.remove_prefix(8);
  while (bootstrap.ends_with('/')) bootstrap.remove_suffix(1);
  if (bootstrap.empty()) return Status::InvalidArgument("kafka:// needs HOST:PORT");
  auto board = std::make_shared<StatsBoard>();
  KafkaOptions with_board = options;
  with_board.on_stats = [board, user = options.on_stats](const KafkaStats& s) {
    board->Record(s);
    if (user) user(s);
  };
  auto log = std::make_unique<KafkaLog>(std::string(bootstrap), with_board, board);
  RETURN_IF_ERROR(log->Connect());
  return std::unique_ptr<log::Log>(std::move(log));
}

}  // namespace covidflow::kafka
