#include "serve/prediction_log.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/crc32c.h"
#include "base/failpoint.h"
#include "base/logging.h"
#include "schema/text_writer.h"

namespace covidflow::serve {
namespace {

constexpr std::array<std::string_view, 4> kRoleNames = {"champion", "challenger", "shadow",
                                                        "canary"};
// The format's version: a reader refuses versions it does not know (fields are only ever
// added within one version).
constexpr int64_t kFormatVersion = 1;
// The writer wakes early when this many records wait, so a burst is written in batches of
// about this size instead of filling the queue until the next interval.
constexpr size_t kWakeRecords = 4096;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DigestHex(uint32_t digest) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08" PRIx32, digest);
  return buf;
}

Status FieldError(std::string_view field, std::string_view what) {
  return Status::InvalidArgument("prediction record: field '" + std::string(field) + "' " +
                                 std::string(what));
}

}  // namespace

std::string_view RoleName(Role role) { return kRoleNames[static_cast<size_t>(role)]; }

Result<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return Status::InvalidArgument("unknown prediction role '" + std::string(name) +
                                 "' (expected champion, challenger, shadow or canary)");
}

uint32_t InputDigest(std::string_view canonical_row) { return Crc32c(canonical_row); }

std::string EncodePrediction(const PredictionRecord& r) {
  std::string out;
  out.reserve(256 + r.request_id.size() + r.model.size() + r.probabilities.size() * 32);
  out += "{\"v\":";
  schema::AppendInt(out, kFormatVersion);
  out += ",\"request_id\":";
  schema::AppendJsonString(out, r.request_id);
  out += ",\"row\":";
  schema::AppendInt(out, r.row);
  if (r.tweet_id) {
    out += ",\"tweet_id\":";
    schema::AppendJsonString(out, *r.tweet_id);
  }
  out += ",\"input_digest\":\"";
  out += DigestHex(r.input_digest);
  out += "\",\"model\":";
  schema::AppendJsonString(out, r.model);
  out += ",\"version\":";
  schema::AppendJsonString(out, r.version);
  out += ",\"role\":\"";
  out += RoleName(r.role);
  out += "\",\"label\":";
  schema::AppendJsonString(out, r.label);
  out += ",\"probabilities\":{";
  for (size_t i = 0; i < r.probabilities.size(); ++i) {
    if (i > 0) out += ',';
    schema::AppendJsonString(out, r.probabilities[i].first);
    out += ':';
    schema::AppendDouble(out, r.probabilities[i].second);
  }
  out += '}';
  if (r.value) {
    out += ",\"value\":";
    schema::AppendDouble(out, *r.value);
  }
  out += ",\"latency_seconds\":";
  schema::AppendDouble(out, r.latency_seconds);
  out += ",\"time_ms\":";
  schema::AppendInt(out, r.time_ms);
  out += '}';
  return out;
}

Result<PredictionRecord> DecodePrediction(std::string_view line) {
  const auto j = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("prediction record: not a JSON object");
  }
  auto field = [&](const char* name) -> const nlohmann::ordered_json* {
    const auto it = j.find(name);
    return it == j.end() ? nullptr : &*it;
  };
  auto string_field = [&](const char* name, std::string& out) -> Status {
    const auto* f = field(name);
    if (f == nullptr) return FieldError(name, "is missing");
    if (!f->is_string()) return FieldError(name, "is not a string");
    out = f->get<std::string>();
    return Status::Ok();
  };
  auto int_field = [&](const char* name, int64_t& out) -> Status {
    const auto* f = field(name);
    if (f == nullptr) return FieldError(name, "is missing");
    if (!f->is_number_integer()) return FieldError(name, "is not an integer");
    out = f->get<int64_t>();
    return Status::Ok();
  };
  auto number_field = [&](const char* name, double& out) -> Status {
    const auto* f = field(name);
    if (f == nullptr) return FieldError(name, "is missing");
    if (!f->is_number()) return FieldError(name, "is not a number");
    out = f->get<double>();
    return Status::Ok();
  };

  int64_t version = 0;
  RETURN_IF_ERROR(int_field("v", version));
  if (version != kFormatVersion) {
    return FieldError("v", "is " + std::to_string(version) + ", this reader knows 1");
  }
  PredictionRecord r;
  RETURN_IF_ERROR(string_field("request_id", r.request_id));
  RETURN_IF_ERROR(int_field("row", r.row));
  if (const auto* t = field("tweet_id"); t != nullptr) {
    if (!t->is_string()) return FieldError("tweet_id", "is not a string");
    r.tweet_id = t->get<std::string>();
  }
  std::string digest;
  RETURN_IF_ERROR(string_field("input_digest", digest));
  if (digest.size() != 8 || !std::all_of(digest.begin(), digest.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return FieldError("input_digest", "is not 8 lowercase hex digits");
  }
  r.input_digest = static_cast<uint32_t>(std::stoul(digest, nullptr, 16));
  RETURN_IF_ERROR(string_field("model", r.model));
  RETURN_IF_ERROR(string_field("version", r.version));
  std::string role;
  RETURN_IF_ERROR(string_field("role", role));
  ASSIGN_OR_RETURN(r.role, ParseRole(role));
  RETURN_IF_ERROR(string_field("label", r.label));
  const auto* probabilities = field("probabilities");
  if (probabilities == nullptr) return FieldError("probabilities", "is missing");
  if (!probabilities->is_object()) return FieldError("probabilities", "is not an object");
  for (const auto& [name, p] : probabilities->items()) {
    if (!p.is_number()) return FieldError("probabilities", "has a value that is not a number");
    r.probabilities.emplace_back(name, p.get<double>());
  }
  if (field("value") != nullptr) {
    double value = 0;
    RETURN_IF_ERROR(number_field("value", value));
    r.value = value;
  }
  RETURN_IF_ERROR(number_field("latency_seconds", r.latency_seconds));
  RETURN_IF_ERROR(int_field("time_ms", r.time_ms));
  return r;
}

struct PredictionLog::Series {
  explicit Series(metrics::Registry& r)
      : logged(r.AddCounter("covidflow_predictions_logged_total",
                            "Predictions written to the prediction log topic")),
        dropped_queue_full(r.AddCounter(
            "covidflow_predictions_dropped_total",
            "Predictions not written to the prediction log, by reason: queue_full (the bounded "
            "queue was full) or write_error (the log refused the batch)",
            {{"reason", "queue_full"}})),
        dropped_write_error(r.AddCounter(
            "covidflow_predictions_dropped_total",
            "Predictions not written to the prediction log, by reason: queue_full (the bounded "
            "queue was full) or write_error (the log refused the batch)",
            {{"reason", "write_error"}})),
        queued(r.AddGauge("covidflow_predictions_queued_records",
                          "Predictions waiting in the prediction log's queue")) {}
  metrics::Counter& logged;
  metrics::Counter& dropped_queue_full;
  metrics::Counter& dropped_write_error;
  metrics::Gauge& queued;
};

PredictionLog::PredictionLog(log::Log& log, PredictionLogOptions options,
                             metrics::Registry* metrics)
    : log_(log),
      options_(std::move(options)),
      series_(metrics != nullptr ? std::make_unique<Series>(*metrics) : nullptr) {}

Result<std::unique_ptr<PredictionLog>> PredictionLog::Open(log::Log& log,
                                                           const PredictionLogOptions& options,
                                                           metrics::Registry* metrics) {
  if (options.topic.empty()) return Status::InvalidArgument("prediction log: empty topic name");
  if (options.queue_capacity == 0) {
    return Status::InvalidArgument("prediction log: queue capacity must be at least 1");
  }
  if (options.flush_interval.count() <= 0) {
    return Status::InvalidArgument("prediction log: flush interval must be positive");
  }
  // A topic that exists keeps its partitions (the monitor may have made it first).
  if (!log.DescribeTopic(options.topic).ok()) {
    RETURN_IF_ERROR(log.CreateTopic(options.topic, options.partitions)
                        .WithContext("prediction log topic " + options.topic));
  }
  std::unique_ptr<PredictionLog> p(new PredictionLog(log, options, metrics));
  ASSIGN_OR_RETURN(p->producer_, log.NewProducer(options.producer));
  p->writer_ = std::thread([raw = p.get()] { raw->Run(); });
  return p;
}

PredictionLog::~PredictionLog() { (void)Close(); }

bool PredictionLog::Record(PredictionRecord record) {
  if (record.time_ms == 0) record.time_ms = NowMs();
  size_t depth = 0;
  {
    std::lock_guard lock(mu_);
    if (closing_) return false;
    if (queue_.size() >= options_.queue_capacity) {
      ++counts_.dropped_queue_full;
      if (series_) series_->dropped_queue_full.Inc();
      return false;
    }
    queue_.push_back(std::move(record));
    ++counts_.queued;
    depth = queue_.size();
  }
  if (series_) series_->queued.Set(static_cast<double>(depth));
  if (depth == kWakeRecords) wake_.notify_one();
  return true;
}

size_t PredictionLog::RecordAll(std::vector<PredictionRecord> records) {
  const int64_t now = NowMs();
  for (PredictionRecord& r : records) {
    if (r.time_ms == 0) r.time_ms = now;
  }
  size_t queued = 0;
  size_t depth = 0;
  int64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (closing_) return 0;
    const size_t room =
        queue_.size() < options_.queue_capacity ? options_.queue_capacity - queue_.size() : 0;
    queued = std::min(room, records.size());
    queue_.insert(queue_.end(), std::make_move_iterator(records.begin()),
                  std::make_move_iterator(records.begin() + static_cast<std::ptrdiff_t>(queued)));
    dropped = static_cast<int64_t>(records.size() - queued);
    counts_.queued += static_cast<int64_t>(queued);
    counts_.dropped_queue_full += dropped;
    depth = queue_.size();
  }
  if (series_) {
    series_->queued.Set(static_cast<double>(depth));
    if (dropped > 0) series_->dropped_queue_full.Inc(dropped);
  }
  if (depth >= kWakeRecords && depth - queued < kWakeRecords) wake_.notify_one();
  return queued;
}

Status PredictionLog::Close() {
  {
    std::lock_guard lock(mu_);
    if (close_result_) return *close_result_;
    closing_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  std::lock_guard lock(mu_);
  close_result_ = first_error_;
  return *close_result_;
}

PredictionLogCounts PredictionLog::Counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void PredictionLog::Run() {
  std::vector<PredictionRecord> batch;
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait_for(lock, options_.flush_interval,
                   [&] { return closing_ || queue_.size() >= kWakeRecords; });
    if (queue_.empty()) {
      if (closing_) return;
      continue;
    }
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    lock.unlock();
    if (series_) series_->queued.Set(0);
    const Status written = Write(batch);
    const auto n = static_cast<int64_t>(batch.size());
    if (series_) (written.ok() ? series_->logged : series_->dropped_write_error).Inc(n);
    if (!written.ok()) {
      Logf(LogLevel::kWarning, "prediction log: %lld predictions not written to %s: %s",
           static_cast<long long>(n), options_.topic.c_str(), written.ToString().c_str());
    }
    batch.clear();
    lock.lock();
    if (written.ok()) {
      counts_.written += n;
    } else {
      counts_.dropped_write_error += n;
      if (first_error_.ok()) first_error_ = written;
    }
  }
}

Status PredictionLog::Write(const std::vector<PredictionRecord>& batch) {
  if (producer_ == nullptr) {
    ASSIGN_OR_RETURN(producer_, log_.NewProducer(options_.producer));
  }
  Status status = [&]() -> Status {
    std::string line;
    for (const auto& r : batch) {
      line = EncodePrediction(r);
      log::OutRecord out;
      // Keyed by tweet when there is one, so one tweet's predictions share a partition.
      out.key = r.tweet_id ? std::string_view(*r.tweet_id) : std::string_view(r.request_id);
      out.value = line;
      out.timestamp_ms = r.time_ms;
      RETURN_IF_ERROR(producer_->Send(options_.topic, out));
    }
    CF_FAILPOINT("serve.prediction_log.before_flush");
    return producer_->Flush();
  }();
  // After a failed send or flush the producer is done with (log.h); the next batch makes one.
  if (!status.ok()) producer_.reset();
  return status;
}

}  // namespace covidflow::serve
