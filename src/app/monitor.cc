#include "app/monitor.h"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/app.h"
#include "app/metrics_server.h"
#include "base/failpoint.h"
#include "base/logging.h"
#include "monitor/table.h"
#include "schema/codec.h"
#include "serve/prediction_log.h"

namespace covidflow::app {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// "LOG_URI#topic" → {uri, topic}; `fallback_topic` when there is no '#'.
std::pair<std::string, std::string> SplitTopic(const std::string& source,
                                               const std::string& fallback_topic) {
  const size_t hash = source.rfind('#');
  if (hash == std::string::npos) return {source, fallback_topic};
  return {source.substr(0, hash), source.substr(hash + 1)};
}

Result<std::unique_ptr<log::Log>> OpenExistingLog(const std::string& uri, const Settings& s,
                                                  const std::string& flag) {
  if (Status st = CheckLogExists(uri); !st.ok()) return st.WithContext(flag);
  auto log = OpenLog(uri, s.log);
  if (!log.ok()) return log.status().WithContext(flag);
  return log;
}

monitor::LivePrediction FromRecord(serve::PredictionRecord r) {
  return {r.tweet_id.value_or(""), std::move(r.model),         std::move(r.version),
          std::move(r.label),      std::move(r.probabilities), r.time_ms};
}

Status PublishEvents(log::Log& log, const MonitorSettings& m, QualityRun& run) {
  std::vector<std::string> events;
  for (const monitor::WindowQuality& w : run.report.windows) {
    if (!w.closed || !w.metrics.ok()) continue;
    if (m.min_accuracy > 0 && w.metrics->accuracy < m.min_accuracy) {
      events.push_back(QualityEventJson(w, "accuracy", w.metrics->accuracy, m.min_accuracy));
    }
    if (m.min_macro_f1 > 0 && w.metrics->macro_f1 < m.min_macro_f1) {
      events.push_back(QualityEventJson(w, "macro_f1", w.metrics->macro_f1, m.min_macro_f1));
    }
  }
  if (events.empty()) return Status::Ok();
  if (!log.DescribeTopic(m.events_topic).ok()) RETURN_IF_ERROR(log.CreateTopic(m.events_topic, 1));
  ASSIGN_OR_RETURN(auto producer, log.NewProducer(log::ProducerOptions{}));
  for (const std::string& e : events) {
    log::OutRecord record;
    record.key = "quality";
    record.value = e;
    RETURN_IF_ERROR(producer->Send(m.events_topic, record));
  }
  RETURN_IF_ERROR(producer->Flush());
  run.events_published = static_cast<int64_t>(events.size());
  return Status::Ok();
}

}  // namespace

Result<QualityRun> RunQuality(const Settings& s) {
  const MonitorSettings& m = s.monitor;
  if (m.predictions.empty()) return Status::InvalidArgument("--predictions is required");
  if (m.labels.empty()) return Status::InvalidArgument("--labels is required");
  if (m.events_topic.empty()) return Status::InvalidArgument("--events-topic is empty");
  QualityRun run;
  auto window = monitor::ParseDurationMs(m.window);
  if (!window.ok()) return window.status().WithContext("--window");
  auto lateness = monitor::ParseDurationMs(m.lateness);
  if (!lateness.ok()) return lateness.status().WithContext("--lateness");
  run.window_ms = *window;
  run.lateness_ms = *lateness;
  std::tie(run.predictions_uri, run.predictions_topic) = SplitTopic(m.predictions, "predictions");
  if (run.predictions_topic.empty()) {
    return Status::InvalidArgument("--predictions " + m.predictions + ": empty topic");
  }
  monitor::QualityJoin join(
      {.window_ms = run.window_ms, .lateness_ms = run.lateness_ms, .model = m.model});
  ASSIGN_OR_RETURN(auto log, OpenExistingLog(run.predictions_uri, s, "--predictions"));
  if (Status st = (*log).DescribeTopic(run.predictions_topic).status(); !st.ok()) {
    return Status::NotFound("--predictions: no topic " + run.predictions_topic + " (" +
                            st.message() + ")");
  }
  RETURN_IF_ERROR(ForEachRecord(*log, run.predictions_topic, [&](const log::InRecord& r) {
    auto record = serve::DecodePrediction(r.value);
    if (record.ok()) {
      join.AddPrediction(FromRecord(std::move(*record)));
    } else {
      join.CountMalformed("prediction: " + record.status().message());
    }
    return Status::Ok();
  }));
  if (m.labels.find("://") == std::string::npos) {
    RETURN_IF_ERROR(monitor::ReadLabelFile(m.labels, m.id_column, m.label_column, join));
  } else {
    auto [uri, topic] = SplitTopic(m.labels, "");
    if (topic.empty()) return Status::InvalidArgument("--labels " + m.labels + ": no #topic");
    ASSIGN_OR_RETURN(auto labels_log, OpenExistingLog(uri, s, "--labels"));
    if (Status st = labels_log->DescribeTopic(topic).status(); !st.ok()) {
      return Status::NotFound("--labels: no topic " + topic + " (" + st.message() + ")");
    }
    RETURN_IF_ERROR(ForEachRecord(*labels_log, topic, [&](const log::InRecord& r) {
      auto label = monitor::ParseLabelJson(r.value, m.id_column, m.label_column, r.timestamp_ms);
      if (label.ok()) {
        join.AddLabel(std::move(*label));
      } else {
        join.CountMalformed(label.status().message());
      }
      return Status::Ok();
    }));
  }
  run.report = join.Report();
  RETURN_IF_ERROR(PublishEvents(*log, m, run));
  return run;
}

std::string QualityEventJson(const monitor::WindowQuality& w, std::string_view metric, double value,
                             double threshold) {
  nlohmann::json j = {{"v", 1},
                      {"type", "quality_below_threshold"},
                      {"model", w.model},
                      {"version", w.version},
                      {"window_start_ms", w.start_ms},
                      {"window_end_ms", w.end_ms},
                      {"metric", metric},
                      {"value", value},
                      {"threshold", threshold},
                      {"rows", w.joined}};
  return j.dump();
}

void SetQualityGauges(metrics::Registry& r, const monitor::QualityReport& report) {
  // The latest window with joined rows of each model version.
  std::map<std::pair<std::string, std::string>, const monitor::WindowQuality*> latest;
  for (const monitor::WindowQuality& w : report.windows) {
    if (w.joined > 0) latest[{w.model, w.version}] = &w;
  }
  for (const auto& [key, w] : latest) {
    const metrics::Labels labels = {{"model", w->model}, {"version", w->version}};
    r.AddGauge("covidflow_live_accuracy", "accuracy of the latest labelled window", labels)
        .Set(w->metrics->accuracy);
    r.AddGauge("covidflow_live_macro_f1", "macro-F1 of the latest labelled window", labels)
        .Set(w->metrics->macro_f1);
    if (w->metrics->roc_auc.ok()) {
      r.AddGauge("covidflow_live_roc_auc", "ROC-AUC of the latest labelled window", labels)
          .Set(*w->metrics->roc_auc);
    }
    r.AddGauge("covidflow_live_labelled_rows", "rows joined in the latest labelled window", labels)
        .Set(static_cast<double>(w->joined));
    r.AddGauge("covidflow_live_window_start_seconds", "start of the latest labelled window", labels)
        .Set(static_cast<double>(w->start_ms) / 1000.0);
  }
  const monitor::QualityCounts& c = report.counts;
  const std::pair<const char*, int64_t> outcomes[] = {{"joined", c.labels_joined},
                                                      {"late", c.labels_late},
                                                      {"unknown", c.labels_unknown},
                                                      {"duplicate", c.duplicate_labels}};
  for (const auto& [outcome, n] : outcomes) {
    r.AddGauge("covidflow_live_labels", "labels read by the run, by what became of them",
               {{"outcome", outcome}})
        .Set(static_cast<double>(n));
  }
  int64_t malformed = 0;
  for (const auto& [reason, n] : c.malformed) malformed += n;
  r.AddGauge("covidflow_live_malformed_records", "records of either input that could not be read")
      .Set(static_cast<double>(malformed));
}

Result<std::unique_ptr<QualityMetrics>> QualityMetrics::Start(const QualityRun& run, int port) {
  std::unique_ptr<QualityMetrics> m(new QualityMetrics());
  SetQualityGauges(m->registry_, run.report);
  ASSIGN_OR_RETURN(m->server_, StartMetricsServer(m->registry_, port));
  return m;
}

nlohmann::json QualityWindowJson(const monitor::WindowQuality& w) {
  nlohmann::json j = {{"window_start_ms", w.start_ms},
                      {"window_end_ms", w.end_ms},
                      {"closed", w.closed},
                      {"model", w.model},
                      {"version", w.version},
                      {"classes", w.classes},
                      {"predictions", w.predictions},
                      {"joined", w.joined},
                      {"unlabelled", w.unlabelled},
                      {"late_labels", w.late_labels},
                      {"foreign_labels", w.foreign_labels}};
  if (w.metrics.ok()) {
    j["accuracy"] = w.metrics->accuracy;
    j["macro_f1"] = w.metrics->macro_f1;
    if (w.metrics->roc_auc.ok()) {
      j["roc_auc"] = *w.metrics->roc_auc;
    } else {
      j["roc_auc"] = nullptr;
      j["roc_auc_undefined"] = w.metrics->roc_auc.status().message();
    }
  } else {
    j["accuracy"] = j["macro_f1"] = j["roc_auc"] = nullptr;
    j["undefined"] = w.metrics.status().message();
  }
  return j;
}

QualityMetrics::~QualityMetrics() { server_.reset(); }

Result<DriftRun> RunDrift(const MonitorSettings& s) {
  if (s.reference.empty()) return Status::InvalidArgument("--reference is required");
  if (s.current.empty()) return Status::InvalidArgument("--current is required");
  const auto t0 = std::chrono::steady_clock::now();
  auto reference = monitor::ReadTable(s.reference);
  if (!reference.ok()) return reference.status().WithContext("--reference");
  auto current = monitor::ReadTable(s.current);
  if (!current.ok()) return current.status().WithContext("--current");
  auto samples = monitor::PrepareSamples(*reference, *current, s.columns);
  if (!samples.ok()) return samples.status();
  DriftRun run;
  run.read_seconds = Since(t0);
  run.reference_rows = reference->rows;
  run.current_rows = current->rows;
  run.skipped = samples->skipped;
  monitor::DriftOptions options;
  options.threads = s.threads;
  const auto t1 = std::chrono::steady_clock::now();
  auto drift = monitor::CompareColumns(samples->reference, samples->current, options);
  if (!drift.ok()) return drift.status();
  run.compare_seconds = Since(t1);
  run.drift = std::move(*drift);
  return run;
}

nlohmann::json DriftColumnsJson(const monitor::DatasetDrift& drift) {
  nlohmann::json columns = nlohmann::json::array();
  for (const monitor::ColumnDrift& c : drift.columns) {
    columns.push_back(
        {{"column", c.column},
         {"kind", c.kind == monitor::ColumnKind::kNumeric ? "numeric" : "categorical"},
         {"method", monitor::MethodName(c.method)},
         {"score_is_p_value", monitor::IsPValue(c.method)},
         {"threshold", c.threshold},
         {"score", c.score},
         {"drifted", c.drifted},
         {"reference_rows", c.reference_rows},
         {"current_rows", c.current_rows},
         {"distinct_values", c.distinct_values},
         {"psi", c.psi},
         {"psi_level", monitor::PsiLevelName(c.psi_level)}});
  }
  return columns;
}

std::string DriftEventJson(const monitor::StreamWindow& w, std::string_view source,
                           std::string_view group, std::string_view reference,
                           const Result<monitor::DatasetDrift>& drift,
                           const std::vector<std::string>& skipped) {
  nlohmann::json j = {{"v", 1},
                      {"kind", "drift"},
                      {"source", source},
                      {"group", group},
                      {"reference", reference},
                      {"window_start_ms", w.start_ms},
                      {"window_end_ms", w.end_ms},
                      {"rows", w.table.rows}};
  if (!drift.ok()) {
    j["error"] = drift.status().ToString();
    return j.dump();
  }
  j["columns"] = DriftColumnsJson(*drift);
  j["skipped_text_columns"] = skipped;
  j["drifted_columns"] = drift->drifted_columns;
  j["drift_share"] = drift->drift_share;
  j["dataset_drift"] = drift->dataset_drift;
  return j.dump();
}

Result<std::unique_ptr<StreamMonitor>> StreamMonitor::Open(const Settings& s,
                                                           metrics::Registry& registry) {
  const MonitorSettings& m = s.monitor;
  const bool drift = !m.reference.empty();
  const bool quality = !m.predictions.empty();
  if (!drift && !quality) {
    return Status::InvalidArgument("--reference (drift) or --predictions (quality) is required");
  }
  if (quality && m.labels.empty()) return Status::InvalidArgument("--labels is required");
  if (m.events_topic.empty()) return Status::InvalidArgument("--events-topic is empty");
  if (m.group.empty()) return Status::InvalidArgument("--group is empty");
  auto window = monitor::ParseDurationMs(m.window);
  if (!window.ok()) return window.status().WithContext("--window");
  auto lateness = monitor::ParseDurationMs(m.lateness);
  if (!lateness.ok()) return lateness.status().WithContext("--lateness");
  std::unique_ptr<StreamMonitor> mon(new StreamMonitor());
  const std::string& default_topic = s.process.processor.enriched_topic;
  std::string uri;
  std::string topic;
  std::tie(uri, topic) = m.enriched.empty() ? std::pair{LogUri(s.cli), default_topic}
                                            : SplitTopic(m.enriched, default_topic);
  if (topic.empty()) return Status::InvalidArgument("--enriched " + m.enriched + ": empty topic");
  const std::string events_uri = uri;
  mon->source_ = uri + "#" + topic;
  mon->topic_ = topic;
  mon->group_ = m.group;
  mon->reference_name_ = m.reference;
  mon->events_topic_ = m.events_topic;
  mon->exit_when_idle_ = m.exit_when_idle;
  mon->columns_ = m.columns;
  mon->drift_options_.threads = m.threads;
  if (drift) {
    auto reference = monitor::ReadTable(m.reference);
    if (!reference.ok()) return reference.status().WithContext("--reference");
    mon->reference_ = std::move(*reference);
    for (const std::string& c : m.columns) {
      if (mon->reference_.Find(c) == nullptr) {
        return Status::InvalidArgument("--columns: the reference has no column '" + c + "'");
      }
    }
  }
  ASSIGN_OR_RETURN(mon->log_, OpenExistingLog(uri, s, "--enriched"));
  log::Log& log = *mon->log_;
  if (!log.DescribeTopic(m.events_topic).ok()) RETURN_IF_ERROR(log.CreateTopic(m.events_topic, 1));
  ASSIGN_OR_RETURN(mon->producer_, log.NewProducer(s.producer));
  mon->registry_ = &registry;
  const char* kRecords = "covidflow_monitor_records_total";
  const char* kRecordsHelp = "enriched records read by the stream monitor, by what became of them";
  mon->windowed_ = &registry.AddCounter(kRecords, kRecordsHelp, {{"outcome", "windowed"}});
  mon->late_ = &registry.AddCounter(kRecords, kRecordsHelp, {{"outcome", "late"}});
  mon->malformed_ = &registry.AddCounter(kRecords, kRecordsHelp, {{"outcome", "malformed"}});
  mon->published_ = &registry.AddCounter("covidflow_monitor_windows_total",
                                         "closed windows whose drift event was published");
  mon->quality_published_count_ =
      &registry.AddCounter("covidflow_monitor_quality_windows_total",
                           "closed windows of a model version whose quality event was published");
  mon->open_ = &registry.AddGauge("covidflow_monitor_open_windows", "windows not closed yet");
  mon->watermark_ =
      &registry.AddGauge("covidflow_monitor_watermark_seconds",
                         "the earliest of the partitions' latest event times read, Unix seconds");

  // What this group published before: a crash may have come between publishing and
  // committing (drift), and the join is rebuilt from the inputs' starts (quality).
  monitor::WindowsState state;
  if (quality) {
    std::tie(uri, topic) = SplitTopic(m.predictions, "predictions");
    if (topic.empty())
      return Status::InvalidArgument("--predictions " + m.predictions + ": empty topic");
    mon->predictions_source_ = uri + "#" + topic;
  }
  RETURN_IF_ERROR(ForEachRecord(log, m.events_topic, [&](const log::InRecord& r) {
    // Other writers share the topic: a record of another shape is none of ours, never an error.
    const auto j = nlohmann::json::parse(r.value, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return Status::Ok();
    auto text = [&](const char* key) {
      auto it = j.find(key);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto number = [&](const char* key) -> std::optional<int64_t> {
      auto it = j.find(key);
      if (it == j.end() || !it->is_number_integer()) return std::nullopt;
      return it->get<int64_t>();
    };
    if (text("group") != mon->group_) return Status::Ok();
    const std::string kind = text("kind");
    if (kind == "drift" && text("source") == mon->source_ && number("window_end_ms")) {
      state.closed_through_ms = std::max(state.closed_through_ms, *number("window_end_ms"));
    } else if (kind == "quality" && text("source") == mon->predictions_source_ &&
               number("window_start_ms")) {
      mon->quality_published_.insert({*number("window_start_ms"), text("model"), text("version")});
    }
    return Status::Ok();
  }));

  if (drift) {
    auto info = log.DescribeTopic(mon->topic_);
    if (!info.ok()) {
      return Status::NotFound("--enriched: no topic " + mon->topic_ + " (" +
                              info.status().message() + ")");
    }
    ASSIGN_OR_RETURN(mon->consumer_, log.NewConsumer({.group = m.group}));
    std::vector<TopicPartition> partitions;
    for (const log::PartitionInfo& p : info->partitions) {
      partitions.push_back({mon->topic_, p.partition});
    }
    ASSIGN_OR_RETURN(log::CommitMap committed, mon->consumer_->Committed(partitions));
    for (const auto& [tp, point] : committed) monitor::MergeWindowsState(point.metadata, &state);
    // A partition with records and no time yet holds the watermark back until it is read.
    for (const log::PartitionInfo& p : info->partitions) {
      if (p.end.value() > p.start.value()) {
        state.partition_time_ms.emplace(p.partition.value(), monitor::WindowsState::kNone);
      }
    }
    mon->windows_ = std::make_unique<monitor::DriftWindows>(*window, *lateness, state);
    RETURN_IF_ERROR(mon->consumer_->Subscribe({mon->topic_}));
  }

  if (quality) {
    mon->join_ = std::make_unique<monitor::QualityJoin>(
        monitor::QualityOptions{.window_ms = *window, .lateness_ms = *lateness, .model = m.model});
    mon->id_column_ = m.id_column;
    mon->label_column_ = m.label_column;
    // Both inputs are read from their starts, outside any group (the join is in memory).
    auto from_start = [&](const std::string& log_uri, const std::string& name,
                          const std::string& flag, std::unique_ptr<log::Consumer>* out) -> Status {
      log::Log* l = &log;
      if (log_uri != events_uri) {
        if (mon->quality_log_ == nullptr) {
          ASSIGN_OR_RETURN(mon->quality_log_, OpenExistingLog(log_uri, s, flag));
        }
        l = mon->quality_log_.get();
      }
      auto info = l->DescribeTopic(name);
      if (!info.ok()) {
        return Status::NotFound(flag + ": no topic " + name + " (" + info.status().message() + ")");
      }
      std::vector<std::pair<TopicPartition, Offset>> positions;
      for (const log::PartitionInfo& p : info->partitions) {
        positions.push_back({{name, p.partition}, p.start});
      }
      ASSIGN_OR_RETURN(*out, l->NewConsumer(log::ConsumerOptions{}));
      return (*out)->Assign(positions);
    };
    RETURN_IF_ERROR(from_start(uri, topic, "--predictions", &mon->predictions_));
    if (m.labels.find("://") == std::string::npos) {
      RETURN_IF_ERROR(monitor::ReadLabelFile(m.labels, m.id_column, m.label_column, *mon->join_));
    } else {
      auto [labels_uri, labels_topic] = SplitTopic(m.labels, "");
      if (labels_topic.empty()) {
        return Status::InvalidArgument("--labels " + m.labels + ": no #topic");
      }
      if (labels_uri != uri) {
        return Status::InvalidArgument("--labels " + m.labels +
                                       ": monitor run reads labels from the predictions' log");
      }
      RETURN_IF_ERROR(from_start(labels_uri, labels_topic, "--labels", &mon->labels_));
    }
  }
  return mon;
}

StreamMonitor::~StreamMonitor() {
  // Producers and consumers go before the logs that made them.
  producer_.reset();
  consumer_.reset();
  predictions_.reset();
  labels_.reset();
}

StreamMonitorStats StreamMonitor::stats() const {
  return {windowed_->Value() + late_->Value() + malformed_->Value(),
          malformed_->Value(),
          late_->Value(),
          published_->Value(),
          static_cast<int64_t>(open_->Value()),
          quality_published_count_->Value()};
}

Status StreamMonitor::Run() {
  auto last_commit = std::chrono::steady_clock::now();
  auto last_report = last_commit;
  while (!stop_.load()) {
    bool read = false;
    if (consumer_ != nullptr) RETURN_IF_ERROR(Poll(&read));
    if (join_ != nullptr) {
      RETURN_IF_ERROR(PollQuality(&read));
      // The join is reported once its inputs are caught up (a window is published with the
      // labels that had arrived), at most every second while they flow.
      if (quality_new_ && quality_caught_up_ && (!read || Since(last_report) > 1.0)) {
        RETURN_IF_ERROR(PublishQuality());
        last_report = std::chrono::steady_clock::now();
      }
    }
    if (!read) {
      if (exit_when_idle_ && !quality_new_) break;
      continue;
    }
    if (consumer_ == nullptr) continue;
    RETURN_IF_ERROR(PublishClosed());
    // Progress within open windows is committed now and then, so a restart reads less again.
    if (dirty_ && Since(last_commit) > 5.0) {
      RETURN_IF_ERROR(Commit());
      last_commit = std::chrono::steady_clock::now();
    }
  }
  return dirty_ ? Commit() : Status::Ok();
}

Status StreamMonitor::PollQuality(bool* read) {
  const auto timeout = std::chrono::milliseconds(consumer_ == nullptr ? 200 : 0);
  const size_t full = log::ConsumerOptions{}.max_poll_records;
  ASSIGN_OR_RETURN(auto predictions, predictions_->Poll(timeout));
  for (const log::InRecord& r : predictions) {
    auto record = serve::DecodePrediction(r.value);
    if (record.ok()) {
      join_->AddPrediction(FromRecord(std::move(*record)));
    } else {
      join_->CountMalformed("prediction: " + record.status().message());
    }
  }
  size_t labels_read = 0;
  if (labels_ != nullptr) {
    ASSIGN_OR_RETURN(auto labels, labels_->Poll(std::chrono::milliseconds(0)));
    labels_read = labels.size();
    for (const log::InRecord& r : labels) {
      auto label = monitor::ParseLabelJson(r.value, id_column_, label_column_, r.timestamp_ms);
      if (label.ok()) {
        join_->AddLabel(std::move(*label));
      } else {
        join_->CountMalformed(label.status().message());
      }
    }
  }
  quality_caught_up_ = predictions.size() < full && labels_read < full;
  if (!predictions.empty() || labels_read > 0) {
    quality_new_ = true;
    *read = true;
  }
  return Status::Ok();
}

Status StreamMonitor::PublishQuality() {
  quality_new_ = false;
  const monitor::QualityReport report = join_->Report();
  int64_t published = 0;
  for (const monitor::WindowQuality& w : report.windows) {
    if (!w.closed || !quality_published_.insert({w.start_ms, w.model, w.version}).second) continue;
    nlohmann::json j = QualityWindowJson(w);
    j["v"] = 1;
    j["kind"] = "quality";
    j["source"] = predictions_source_;
    j["group"] = group_;
    const std::string event = j.dump();
    log::OutRecord record;
    record.key = "quality";
    record.value = event;
    RETURN_IF_ERROR(producer_->Send(events_topic_, record));
    ++published;
  }
  if (published > 0) RETURN_IF_ERROR(producer_->Flush());
  quality_published_count_->Inc(published);
  SetQualityGauges(*registry_, report);
  return Status::Ok();
}

Status StreamMonitor::Poll(bool* read) {
  ASSIGN_OR_RETURN(auto records,
                   consumer_->Poll(std::chrono::milliseconds(join_ == nullptr ? 200 : 100)));
  if (records.empty()) {
    // Idle: what was read is committed, so a stop loses nothing.
    if (dirty_) RETURN_IF_ERROR(Commit());
    return Status::Ok();
  }
  *read = true;
  for (const log::InRecord& r : records) {
    next_[r.partition.value()] = r.offset.value() + 1;
    auto tweet = schema::DecodeEnrichedJson(r.value);
    if (!tweet.ok()) {
      malformed_->Inc();
      continue;
    }
    const int64_t late = windows_->counts().late;
    windows_->Add(*tweet, r.partition.value(), r.offset.value());
    (windows_->counts().late > late ? late_ : windowed_)->Inc();
  }
  dirty_ = true;
  if (const int64_t w = windows_->state().Watermark(); w != monitor::WindowsState::kNone) {
    watermark_->Set(static_cast<double>(w) / 1000.0);
  }
  return Status::Ok();
}

Status StreamMonitor::PublishClosed() {
  std::vector<monitor::StreamWindow> closed = windows_->TakeClosed();
  open_->Set(static_cast<double>(windows_->open_windows()));
  if (closed.empty()) return Status::Ok();
  metrics::Registry& r = *registry_;
  for (const monitor::StreamWindow& w : closed) {
    std::vector<std::string> skipped;
    // As `monitor drift` compares two tables: the same columns, usage and statistics.
    Result<monitor::DatasetDrift> drift = [&]() -> Result<monitor::DatasetDrift> {
      ASSIGN_OR_RETURN(auto samples, monitor::PrepareSamples(reference_, w.table, columns_));
      skipped = samples.skipped;
      return monitor::CompareColumns(samples.reference, samples.current, drift_options_);
    }();
    const std::string event = DriftEventJson(w, source_, group_, reference_name_, drift, skipped);
    log::OutRecord record;
    record.key = "drift";
    record.value = event;
    RETURN_IF_ERROR(producer_->Send(events_topic_, record));
    if (!drift.ok()) {
      LogLine(LogLevel::kWarning,
              "monitor: window " + std::to_string(w.start_ms) + ": " + drift.status().ToString());
      continue;
    }
    for (const monitor::ColumnDrift& c : drift->columns) {
      const metrics::Labels labels = {{"column", c.column}};
      r.AddGauge("covidflow_drift_score",
                 "the column's drift statistic in the latest closed window (p-value or distance)",
                 labels)
          .Set(c.score);
      r.AddGauge("covidflow_drift_threshold", "the threshold its method compares the score with",
                 labels)
          .Set(c.threshold);
      r.AddGauge("covidflow_drift_detected", "1 when the column drifted in the latest window",
                 labels)
          .Set(c.drifted ? 1 : 0);
      r.AddGauge("covidflow_drift_psi", "the column's PSI in the latest closed window", labels)
          .Set(c.psi);
    }
    r.AddGauge("covidflow_drift_dataset_detected", "1 when the latest closed window drifted")
        .Set(drift->dataset_drift ? 1 : 0);
    r.AddGauge("covidflow_drift_share", "share of drifted columns in the latest closed window")
        .Set(drift->drift_share);
    r.AddGauge("covidflow_drift_window_start_seconds", "start of the latest closed window")
        .Set(static_cast<double>(w.start_ms) / 1000.0);
    r.AddGauge("covidflow_drift_window_rows", "rows of the latest closed window")
        .Set(static_cast<double>(w.table.rows));
  }
  RETURN_IF_ERROR(producer_->Flush());
  published_->Inc(static_cast<int64_t>(closed.size()));
  // A crash here has published windows the commit does not know of: Open reads them back.
  CF_FAILPOINT("monitor.run.after_events");
  return Commit();
}

Status StreamMonitor::Commit() {
  log::CommitMap points;
  const std::string metadata = monitor::EncodeWindowsState(windows_->state());
  for (const auto& [partition, next] : next_) {
    points[{topic_, PartitionId(partition)}] = {Offset(windows_->ResumeOffset(partition, next)),
                                                metadata};
  }
  if (!points.empty()) RETURN_IF_ERROR(consumer_->Commit(points));
  dirty_ = false;
  return Status::Ok();
}

}  // namespace covidflow::app
