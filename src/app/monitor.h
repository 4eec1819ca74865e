#pragma once
// The monitor commands' wiring: MonitorSettings → the two samples → drift; the prediction
// log and the delayed labels → live quality, its events and gauges; the enriched stream →
// drift per window (StreamMonitor).
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "app/settings.h"
#include "base/status.h"
#include "features/table.h"
#include "http/server.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "monitor/drift.h"
#include "monitor/quality.h"
#include "monitor/table.h"
#include "monitor/windows.h"
#include "serve/model_source.h"
#include "serve/prediction_log.h"
#include "train/spec.h"

namespace covidflow::serve {
class AliasWatcher;
}

namespace covidflow::app {

struct DriftRun {
  monitor::DatasetDrift drift;
  std::vector<std::string> skipped;  // free-text columns left out
  std::vector<std::string> empty;    // columns with no value on a side, left out
  size_t reference_rows = 0;
  size_t current_rows = 0;
  double read_seconds = 0;     // reading and preparing both samples
  double compare_seconds = 0;  // the statistics
};

// A reference sample: SRC as monitor/table.h reads it (files, lake:DIR?from&to), or a
// model's training reference saved in its artifact (TrainingReference): model:NAME@ALIAS,
// model:NAME/VERSION, model:NAME (the latest), resolved in the registry of registry.uri and
// downloaded into serve's cache as serve does, or model-dir:DIR. The one parser of --reference.
// kInvalidArgument for a malformed reference; kNotFound for a missing file, model or alias, or
// an artifact saved without a training reference (one trained before it existed).
struct ReferenceSample {
  monitor::Table table;
  std::string name;   // as the events name it: SRC, or "model:NAME/VERSION" for a registry model
  std::string model;  // the model it came from ("NAME/VERSION", a directory's name), or ""
};
Result<ReferenceSample> ReadReference(const Settings& s, const std::string& src);
// The training reference of the artifact in `dir`, checked against its manifest.
Result<monitor::Table> ReadModelReference(const std::string& dir);

// train's TrainOptions::reference: the rows the trainer drew, as the stream's windows hold
// them (monitor/table.h's lake columns) so that `monitor run` compares like with like. Each
// row becomes an enriched tweet (the text of the spec's first text feature, user_location,
// user_followers, user_friends, user_verified, is_retweet when the rows have them), enriched
// as `process` enriches with the same settings (process.enricher, process.locations); the
// model's answer is model_label and model_confidence — a regression model's (`targets` set:
// the rows' labels) model_value, with the labels as `label` — and with its fitted `pipeline`
// the text's out-of-vocabulary rate under it, model_oov_rate (as the stream's ModelStep
// computes it). Columns the rows cannot give (no text, no location...) are left out rather
// than filled with defaults the stream would not show.
Result<std::string> TrainingReference(const Settings& s, const train::Spec& spec,
                                      const features::Table& rows, const std::vector<double>& proba,
                                      const std::vector<std::string>& classes,
                                      const features::Pipeline* pipeline = nullptr,
                                      const std::vector<double>* targets = nullptr);

// Reads --reference (ReadReference) and --current (monitor/table.h), picks the columns
// (--columns, or every shared one but free text) and compares them. kInvalidArgument names the
// flag or column at fault; a missing file is kNotFound.
Result<DriftRun> RunDrift(const Settings& s);

struct QualityRun {
  monitor::QualityReport report;
  std::string predictions_uri;  // the log, without the topic
  std::string predictions_topic;
  int64_t window_ms = 0;
  int64_t lateness_ms = 0;
  int64_t events_published = 0;
};

// monitor quality: reads the whole prediction topic (serve's DecodePrediction; a record it
// refuses is counted as malformed) and the labels (a file, or a whole topic of a log), joins
// them (monitor/quality.h) and publishes an event on `events_topic` of the prediction log for
// each closed window below --min-accuracy or --min-macro-f1. kInvalidArgument names the flag
// at fault; a missing log or file is kNotFound.
Result<QualityRun> RunQuality(const Settings& s);

// The event of one window below a threshold: a JSON object (docs/monitoring.md).
std::string QualityEventJson(const monitor::WindowQuality& w, std::string_view metric, double value,
                             double threshold);

// The gauges of a quality run, per model and version, of its latest window with joined rows:
//   covidflow_live_accuracy{model,version}, covidflow_live_macro_f1, covidflow_live_roc_auc
//   (binary and multiclass one-vs-rest; absent when undefined), covidflow_live_labelled_rows,
//   covidflow_live_window_start_seconds
// and the run's label counts: covidflow_live_labels{outcome=joined|late|unknown|duplicate}
// and covidflow_live_malformed_records. Served at 127.0.0.1:port/metrics (0 = a free port).
class QualityMetrics {
 public:
  static Result<std::unique_ptr<QualityMetrics>> Start(const QualityRun& run, int port);
  ~QualityMetrics();
  int port() const { return server_->port(); }
  const metrics::Registry& registry() const { return registry_; }

 private:
  QualityMetrics() = default;
  metrics::Registry registry_;
  std::unique_ptr<http::Server> server_;
};

// monitor run: the long-running monitor of the enriched stream. Per tumbling event-time
// window (monitor/windows.h) it compares the window's rows with the reference, as `monitor
// drift` does (monitor/table.h, monitor/drift.h), and publishes one "drift" event per closed
// window on the events topic and gauges in a registry; with the prediction log and delayed
// labels, one "quality" event per closed window and model version (monitor/quality.h). `covidflow
// monitor run` runs it in its own process; `up` runs it on a thread of its own.
//
// Durability: the consumer group (monitor.group) commits, after the events of the windows
// closed so far are flushed, the first offset each partition's open windows still need, with
// the watermark in the commit's metadata; on start, the events topic tells which windows were
// already published (a crash between the events and the commit publishes nothing twice). So a
// kill -9 and a restart neither re-emit nor skip a window.
//
// Reference: with --reference model:NAME@ALIAS the alias is checked every
// monitor.reference_poll seconds (serve's AliasWatcher, on the Run thread); when it names
// another version, that version's training reference replaces the old one for every window
// closed afterwards, and the events name it (`reference`: "model:NAME/VERSION").
//
// Live quality: a prediction or labels topic that does not exist yet (no prediction logged
// so far) is read as empty and looked for again at each poll, with a log line saying so.
//
// Threads: Run on one thread; Stop and the registry's scrapes from any other.
struct StreamMonitorStats {
  int64_t records = 0;    // read from the enriched topic
  int64_t malformed = 0;  // records that are not an enriched tweet
  int64_t late = 0;       // in a window already closed (monitor/windows.h)
  int64_t windows = 0;    // closed windows published by this run
  int64_t open_windows = 0;
  int64_t quality_windows = 0;  // closed quality windows published by this run
  int64_t reference_swaps = 0;  // training references replaced by an alias move
};

class StreamMonitor {
 public:
  // Drift, when monitor.reference is set: reads the reference, opens the log of
  // monitor.enriched and the group monitor.group. Live quality, when monitor.predictions is
  // set (monitor.labels too): opens the prediction topic and the labels (a file, read now, or
  // a topic). Events go to monitor.events_topic on the log of monitor.enriched (default: the
  // log of --log). kInvalidArgument names the setting at fault (neither part asked for is
  // one); a missing log, topic or file is kNotFound. The series (docs/monitoring.md) go into
  // `registry`, which must outlive this object.
  static Result<std::unique_ptr<StreamMonitor>> Open(const Settings& s,
                                                     metrics::Registry& registry);
  ~StreamMonitor();

  // Consumes until Stop (or, with monitor.exit_when_idle, until a poll brings nothing),
  // publishing each closed window (drift) and each closed window and model version
  // (quality); commits before returning.
  Status Run();
  void Stop() { stop_.store(true); }

  StreamMonitorStats stats() const;

 private:
  StreamMonitor() = default;
  Status Poll(bool* read);
  Status PublishClosed();
  Status Commit();
  Status PollQuality(bool* read);
  Status PublishQuality();
  // The alias moved: take the new version's training reference.
  Status CheckReference();

  std::string source_;  // LOG_URI#topic, as the events name it
  std::string topic_;
  std::string group_;
  std::string reference_name_;
  std::string events_topic_;
  bool exit_when_idle_ = false;
  std::vector<std::string> columns_;
  monitor::Table reference_;
  monitor::DriftOptions drift_options_;
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<log::Consumer> consumer_;
  std::unique_ptr<log::Producer> producer_;
  std::unique_ptr<monitor::DriftWindows> windows_;
  std::map<int32_t, int64_t> next_;  // partition → the next offset to read
  // Partitions holding the watermark back → when their last record came (or the start).
  std::map<int32_t, std::chrono::steady_clock::time_point> last_record_;
  std::chrono::milliseconds idle_partition_{10000};
  bool dirty_ = false;  // read something since the last commit
  std::atomic<bool> stop_{false};
  metrics::Registry* registry_ = nullptr;
  metrics::Counter* windowed_ = nullptr;
  metrics::Counter* late_ = nullptr;
  metrics::Counter* malformed_ = nullptr;
  metrics::Counter* published_ = nullptr;
  metrics::Gauge* open_ = nullptr;
  metrics::Gauge* watermark_ = nullptr;
  std::set<std::string> gauged_columns_;  // columns with drift gauges

  // A model:NAME@ALIAS reference: the registry, the slot the watcher swaps, the watcher.
  std::unique_ptr<registry::Registry> model_registry_;
  std::unique_ptr<serve::ModelSlot> reference_slot_;
  std::unique_ptr<metrics::Registry> watcher_metrics_;  // model loads: not the monitor's series
  std::unique_ptr<serve::AliasWatcher> watcher_;
  std::chrono::steady_clock::time_point last_reference_check_;
  std::chrono::duration<double> reference_poll_{5.0};
  int64_t reference_swaps_ = 0;
  metrics::Gauge* reference_version_ = nullptr;

  // Live quality: the join holds the whole prediction topic and the labels (read again from
  // their starts after a restart; the windows published before are skipped by key).
  std::unique_ptr<monitor::QualityJoin> join_;
  std::string predictions_source_;         // LOG_URI#topic
  std::unique_ptr<log::Log> quality_log_;  // when not the events' log
  std::unique_ptr<log::Consumer> predictions_;
  std::unique_ptr<log::Consumer> labels_;   // a labels topic; a file was read by Open
  log::Log* quality_source_log_ = nullptr;  // the log of the predictions (and labels) topics
  std::string predictions_topic_;
  std::string labels_topic_;  // "" for a labels file
  std::string id_column_;
  std::string label_column_;
  bool quality_new_ = false;        // read something since the last report
  bool quality_caught_up_ = false;  // the last polls of both inputs were not full
  std::set<std::tuple<int64_t, std::string, std::string>> quality_published_;
  metrics::Counter* quality_published_count_ = nullptr;
};

// The JSON of one quality window (monitor quality --json's windows, the quality events): a
// figure undefined on its rows is null with the reason beside it.
nlohmann::json QualityWindowJson(const monitor::WindowQuality& w);

// The live-quality gauges of a report (QualityMetrics, the stream monitor).
void SetQualityGauges(metrics::Registry& r, const monitor::QualityReport& report);

// The per-column figures of `monitor drift --json` and of the drift events: one helper.
nlohmann::json DriftColumnsJson(const monitor::DatasetDrift& drift);

// The event of one closed window (docs/formats/monitor_events.md): the figures of `drift`, or
// its error.
std::string DriftEventJson(const monitor::StreamWindow& w, std::string_view source,
                           std::string_view group, std::string_view reference,
                           const Result<monitor::DatasetDrift>& drift,
                           const std::vector<std::string>& skipped,
                           const std::vector<std::string>& empty = {});

// Assigns `*out` to every partition of `topic` from its start; leaves it null (false) when the
// topic does not exist yet.
Result<bool> ReadTopicFromStart(log::Log& log, const std::string& topic,
                                std::unique_ptr<log::Consumer>* out);

// The delayed label an enriched record (docs/formats/records.md) carries: the processor's
// sentiment.label, keyed by the tweet's id (a kept extra column "tweet_id", else "id") or, without
// one, by its source position "TOPIC/PARTITION/OFFSET" — the request id the stream's prediction
// of that tweet carries (serve/stream_step.h). Arrival: the record's timestamp.
// kInvalidArgument naming what is missing.
Result<monitor::DelayedLabel> EnrichedLabel(std::string_view value, int64_t timestamp_ms);

// A prediction as up's join reads it: keyed by its tweet id, else its request id (the stream's
// predictions carry the tweet's source position there; the server's without a tweet id never
// find a label and count as unlabelled).
monitor::LivePrediction StreamKeyed(serve::PredictionRecord record);

// up's live quality: the prediction log (the server's and the stream's predictions of `model`)
// joined by tweet (monitor/quality.h) with the processor's VADER labels on the enriched topic,
// which stand in for labels people give later. Both topics are read from their starts (a
// restart reads them again: nothing to persist) and followed by Poll.
// Threads: one thread.
class StreamLabelQuality {
 public:
  static Result<std::unique_ptr<StreamLabelQuality>> Open(log::Log& log,
                                                          std::string predictions_topic,
                                                          std::string enriched_topic,
                                                          std::string model);
  // Reads what both topics gained since the last poll (a topic not there yet is looked for
  // again at the next).
  Status Poll();
  const monitor::QualityJoin& join() const { return *join_; }

 private:
  explicit StreamLabelQuality(log::Log& log) : log_(log) {}
  log::Log& log_;
  std::string predictions_topic_;
  std::string enriched_topic_;
  std::unique_ptr<monitor::QualityJoin> join_;
  std::unique_ptr<log::Consumer> predictions_;
  std::unique_ptr<log::Consumer> labels_;
};

}  // namespace covidflow::app
