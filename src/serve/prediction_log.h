#pragma once
// The prediction log: every prediction the server or the stream makes (which model and
// version, in which role, on which input, with which answer, how fast) as one JSON line on a
// topic of the project's Log (`predictions` by default), for monitoring to read back (live
// quality joins it with delayed labels by tweet id; drift watches its labels and
// confidences). The record format is written down in docs/formats/predictions.md.
//
// PredictionLog is the writer. The request path only queues: Record takes a short lock,
// appends to a bounded queue and returns; a full queue drops the record and counts it
// (covidflow_predictions_dropped_total{reason="queue_full"}) rather than stall a request or
// grow without bound. One writer thread takes the queue in batches, sends them to the topic
// and flushes, at least every `flush_interval`. Close (and the destructor) writes what is
// queued and flushes before returning.
//
// Ownership and threads: the Log and the metrics registry outlive the PredictionLog. Record
// may be called from any thread at once; Close from one thread, once (later calls return
// its first result).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "log/log.h"
#include "metrics/registry.h"

namespace covidflow::serve {

// Why a model answered: the served model (champion), a challenger taking a share of the
// traffic whose answer is returned (canary), or one scoring a copy that nobody sees (shadow).
// kChallenger is a challenger scored beside the champion outside the request path (the
// stream, an evaluation).
enum class Role { kChampion, kChallenger, kShadow, kCanary };
std::string_view RoleName(Role role);
// kInvalidArgument naming the value for anything but the four names.
Result<Role> ParseRole(std::string_view name);

struct PredictionRecord {
  std::string request_id;               // the request's id (server) or the record's position
  int64_t row = 0;                      // the row's index within the request
  std::optional<std::string> tweet_id;  // when the input names one: the join key for labels
  uint32_t input_digest = 0;            // InputDigest of the row as the model read it
  std::string model;
  std::string version;  // the registry version ("3"), or "" for a model served from a directory
  Role role = Role::kChampion;
  std::string label;  // "" for a regression model
  // Per class, in the model's class order; empty for a regression model.
  std::vector<std::pair<std::string, double>> probabilities;
  std::optional<double> value;  // a regression model's predicted value
  double latency_seconds = 0;   // the request's scoring time, or the batch's for the stream
  int64_t time_ms = 0;          // when it was made, milliseconds since the Unix epoch (UTC)
};

// The digest of an input row: CRC32C of its canonical bytes (the row's fields as the model
// read them). It tells two inputs apart for deduplication and replays; it is no security hash.
uint32_t InputDigest(std::string_view canonical_row);

// One record as one JSON line (no trailing newline); docs/formats/predictions.md.
std::string EncodePrediction(const PredictionRecord& record);
// Reads one back. kInvalidArgument naming the field for a line that is not a record of a
// version this code knows (unknown fields are ignored: the format grows by adding fields).
Result<PredictionRecord> DecodePrediction(std::string_view line);

struct PredictionLogOptions {
  std::string topic = "predictions";
  int partitions = 1;  // when the topic has to be created
  // Records waiting to be written; a full queue drops new records.
  size_t queue_capacity = 65536;
  // The writer flushes at least this often while records arrive.
  std::chrono::milliseconds flush_interval{200};
  log::ProducerOptions producer{.fsync = log::FsyncPolicy::kInterval};
};

struct PredictionLogCounts {
  int64_t queued = 0;
  int64_t written = 0;  // sent and flushed
  int64_t dropped_queue_full = 0;
  int64_t dropped_write_error = 0;
};

class PredictionLog {
 public:
  // Creates `options.topic` when missing (a topic that exists is used with its partitions)
  // and starts the writer. `metrics`: null = counts only.
  static Result<std::unique_ptr<PredictionLog>> Open(log::Log& log,
                                                     const PredictionLogOptions& options,
                                                     metrics::Registry* metrics = nullptr);
  ~PredictionLog();
  PredictionLog(const PredictionLog&) = delete;
  PredictionLog& operator=(const PredictionLog&) = delete;

  // Queues one record; never blocks on the log. False when the queue was full and the
  // record was dropped (counted), or after Close.
  bool Record(PredictionRecord record);
  // Queues `records` under one lock (a request's rows); those that do not fit are dropped and
  // counted. The number queued.
  size_t RecordAll(std::vector<PredictionRecord> records);
  // Writes every queued record, flushes, stops the writer. The first write error since Open,
  // if any (the records of a failed batch are counted as dropped; the writer goes on with a
  // new producer).
  Status Close();

  PredictionLogCounts Counts() const;
  const std::string& topic() const { return options_.topic; }

 private:
  struct Series;
  PredictionLog(log::Log& log, PredictionLogOptions options, metrics::Registry* metrics);
  void Run();
  // Sends and flushes one batch; on failure drops the producer (the next batch makes one).
  Status Write(const std::vector<PredictionRecord>& batch);

  log::Log& log_;
  const PredictionLogOptions options_;
  std::unique_ptr<Series> series_;
  std::unique_ptr<log::Producer> producer_;  // the writer thread's

  mutable std::mutex mu_;
  std::condition_variable wake_;  // the writer: records queued, or closing
  std::deque<PredictionRecord> queue_;
  bool closing_ = false;
  std::optional<Status> close_result_;  // set by the first Close
  Status first_error_;
  PredictionLogCounts counts_;
  std::thread writer_;
};

}  // namespace covidflow::serve
