#include "app/monitor.h"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/metrics_server.h"
#include "monitor/table.h"
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

Result<std::unique_ptr<QualityMetrics>> QualityMetrics::Start(const QualityRun& run, int port) {
  std::unique_ptr<QualityMetrics> m(new QualityMetrics());
  // The latest window with joined rows of each model version.
  std::map<std::pair<std::string, std::string>, const monitor::WindowQuality*> latest;
  for (const monitor::WindowQuality& w : run.report.windows) {
    if (w.joined > 0) latest[{w.model, w.version}] = &w;
  }
  metrics::Registry& r = m->registry_;
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
  const monitor::QualityCounts& c = run.report.counts;
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
  ASSIGN_OR_RETURN(m->server_, StartMetricsServer(m->registry_, port));
  return m;
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

}  // namespace covidflow::app
