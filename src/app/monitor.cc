#include "app/monitor.h"

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "app/app.h"
#include "app/metrics_server.h"
#include "base/failpoint.h"
#include "base/logging.h"
#include "base/numbers.h"
#include "enrich/enrichment.h"
#include "model/artifact.h"
#include "monitor/table.h"
#include "schema/codec.h"
#include "serve/prediction_log.h"
#include "serve/service.h"
#include "train/trainer.h"

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

// A column's drift gauges: score, threshold, detected, PSI.
std::array<metrics::Gauge*, 4> ColumnDriftGauges(metrics::Registry& r, const std::string& column) {
  const metrics::Labels labels = {{"column", column}};
  return {
      &r.AddGauge("covidflow_drift_score",
                  "the column's drift statistic in the latest closed window (p-value or distance)",
                  labels),
      &r.AddGauge("covidflow_drift_threshold", "the threshold its method compares the score with",
                  labels),
      &r.AddGauge("covidflow_drift_detected", "1 when the column drifted in the latest window",
                  labels),
      &r.AddGauge("covidflow_drift_psi", "the column's PSI in the latest closed window", labels)};
}

monitor::LivePrediction FromRecord(serve::PredictionRecord r) {
  return {r.tweet_id.value_or(""),
          std::move(r.model),
          std::move(r.version),
          std::move(r.label),
          std::move(r.probabilities),
          r.time_ms,
          r.value};
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
    if (w->regression_metrics.ok()) {  // a regression model's version
      r.AddGauge("covidflow_live_mae", "mean absolute error of the latest labelled window", labels)
          .Set(w->regression_metrics->mae);
      r.AddGauge("covidflow_live_rmse", "root mean squared error of the latest labelled window",
                 labels)
          .Set(w->regression_metrics->rmse);
    }
    if (!w->metrics.ok()) continue;
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
  if (w.regression) {  // a regression model's version: its errors, lower is better
    j["task"] = "regression";
    if (w.regression_metrics.ok()) {
      j["mae"] = w.regression_metrics->mae;
      j["rmse"] = w.regression_metrics->rmse;
      if (w.regression_metrics->r2.ok()) {
        j["r2"] = *w.regression_metrics->r2;
      } else {
        j["r2"] = nullptr;
        j["r2_undefined"] = w.regression_metrics->r2.status().message();
      }
    } else {
      j["mae"] = j["rmse"] = j["r2"] = nullptr;
      j["undefined"] = w.regression_metrics.status().message();
    }
    return j;
  }
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

Result<monitor::Table> ReadModelReference(const std::string& dir) {
  Result<std::string> bytes = model::ReadArtifactFile(dir, train::kReferenceFile);
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("the model in " + dir +
                            " has no training reference (trained before train saved one); "
                            "give a lake range or a file");
  }
  if (!bytes.ok()) return bytes.status();
  return monitor::ReadTableBytes(dir + "/" + train::kReferenceFile, *bytes);
}

Result<ReferenceSample> ReadReference(const Settings& s, const std::string& src) {
  ReferenceSample out;
  out.name = src;
  constexpr std::string_view kModel = "model:";
  constexpr std::string_view kModelDir = "model-dir:";
  if (src.rfind(kModelDir, 0) == 0) {
    const std::string dir = src.substr(kModelDir.size());
    if (dir.empty()) return Status::InvalidArgument("model-dir: names no directory");
    ASSIGN_OR_RETURN(out.table, ReadModelReference(dir));
    out.model = std::filesystem::path(dir).filename().string();
    return out;
  }
  if (src.rfind(kModel, 0) == 0) {
    ASSIGN_OR_RETURN(ServedModel served,
                     LoadServedModel(s, src.substr(kModel.size()), "", "--reference model:"));
    ASSIGN_OR_RETURN(out.table, ReadModelReference(served.model->source));
    out.model = served.model->Id();
    out.name = "model:" + out.model;
    return out;
  }
  ASSIGN_OR_RETURN(out.table, monitor::ReadTable(src));
  return out;
}

Result<std::string> TrainingReference(const Settings& s, const train::Spec& spec,
                                      const features::Table& rows, const std::vector<double>& proba,
                                      const std::vector<std::string>& classes,
                                      const features::Pipeline* pipeline,
                                      const std::vector<double>* targets) {
  const bool regression = targets != nullptr;
  if (regression &&
      (classes.size() != 1 || proba.size() != rows.rows() || targets->size() != rows.rows())) {
    return Status::Internal("a regression's reference needs one value and one label a row");
  }
  const std::vector<std::string>* text = nullptr;
  for (const features::FeatureDef& f : spec.features) {
    if (f.kind == features::FeatureKind::kText) {
      text = rows.Column(f.column);
      break;
    }
  }
  const std::vector<std::string>* location = rows.Column("user_location");
  auto parse_int = [](const std::string& v) { return ParseInt(v).value_or(0); };
  std::vector<schema::EnrichedTweet> tweets(rows.rows());
  std::set<std::string> keep = regression
                                   ? std::set<std::string>{"model_value"}
                                   : std::set<std::string>{"model_label", "model_confidence"};
  // The model's own rows as ModelStep scores the stream: a model without a vocabulary has no
  // out-of-vocabulary rate, and the column is left out.
  std::vector<double> oov;
  if (pipeline != nullptr) {
    Result<std::vector<double>> rates = pipeline->OutOfVocabulary(rows);
    if (rates.ok()) {
      oov = std::move(*rates);
      keep.insert("model_oov_rate");
    } else if (rates.status().code() != StatusCode::kNotFound) {
      return rates.status().WithContext("the out-of-vocabulary rate");
    }
  }
  if (text != nullptr) {
    keep.insert({"sentiment_positive", "sentiment_neutral", "sentiment_negative",
                 "sentiment_compound", "sentiment_label", "text_length"});
    for (size_t r = 0; r < tweets.size(); ++r) tweets[r].tweet.text = (*text)[r];
  }
  if (location != nullptr) {
    keep.insert({"country", "location_confidence"});
    for (size_t r = 0; r < tweets.size(); ++r) tweets[r].tweet.user_location = (*location)[r];
  }
  if (const auto* c = rows.Column("user_followers")) {
    keep.insert("user_followers");
    for (size_t r = 0; r < tweets.size(); ++r) tweets[r].tweet.user_followers = parse_int((*c)[r]);
  }
  if (const auto* c = rows.Column("user_friends")) {
    keep.insert("user_friends");
    for (size_t r = 0; r < tweets.size(); ++r) tweets[r].tweet.user_friends = parse_int((*c)[r]);
  }
  if (const auto* c = rows.Column("user_verified")) {
    keep.insert("user_verified");
    for (size_t r = 0; r < tweets.size(); ++r) tweets[r].tweet.user_verified = (*c)[r] == "True";
  }
  if (const auto* c = rows.Column("is_retweet")) {
    keep.insert("is_retweet");
    for (size_t r = 0; r < tweets.size(); ++r) tweets[r].tweet.is_retweet = (*c)[r] == "True";
  }
  // Settings made in code (the loop's, tests') leave process.enricher empty: the table's default.
  ASSIGN_OR_RETURN(std::shared_ptr<const enrich::Enrichment> enrichment,
                   MakeEnrichment(s.process.enricher.empty() ? "vader" : s.process.enricher,
                                  s.process.locations || s.process.enricher.empty()));
  std::vector<schema::EnrichedTweet*> pointers;
  for (schema::EnrichedTweet& t : tweets) pointers.push_back(&t);
  enrichment->Apply(pointers);
  const size_t k = classes.size();
  monitor::Table table;
  for (size_t r = 0; r < tweets.size(); ++r) {
    tweets[r].prediction.model = spec.name;  // scored, as ModelStep marks a streamed tweet
    if (regression) {
      tweets[r].prediction.value = proba[r];
    } else {
      const auto first = proba.begin() + static_cast<ptrdiff_t>(r * k);
      const auto best = std::max_element(first, first + static_cast<ptrdiff_t>(k));
      tweets[r].prediction.label = classes[static_cast<size_t>(best - first)];
      tweets[r].prediction.confidence = *best;
    }
    if (!oov.empty() && !std::isnan(oov[r])) tweets[r].prediction.oov_rate = oov[r];
    monitor::AppendEnriched(tweets[r], &table);
  }
  std::erase_if(table.columns,
                [&](const monitor::TableColumn& c) { return keep.count(c.name) == 0; });
  // A regression's labels beside its values: what live labels and a labelled sample are
  // compared with (the stream's windows have no such column, so they leave it out).
  if (regression) table.columns.push_back({"label", monitor::CellType::kFloat, *targets, {}, {}});
  return monitor::TableJsonLines(table);
}

Result<DriftRun> RunDrift(const Settings& settings) {
  const MonitorSettings& s = settings.monitor;
  if (s.reference.empty()) return Status::InvalidArgument("--reference is required");
  if (s.current.empty()) return Status::InvalidArgument("--current is required");
  const auto t0 = std::chrono::steady_clock::now();
  auto sample = ReadReference(settings, s.reference);
  if (!sample.ok()) return sample.status().WithContext("--reference");
  const monitor::Table* reference = &sample->table;
  auto current = monitor::ReadTable(s.current);
  if (!current.ok()) return current.status().WithContext("--current");
  auto samples = monitor::PrepareSamples(*reference, *current, s.columns);
  if (!samples.ok()) return samples.status();
  DriftRun run;
  run.read_seconds = Since(t0);
  run.reference_rows = reference->rows;
  run.current_rows = current->rows;
  run.skipped = samples->skipped;
  run.empty = samples->empty;
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
                           const std::vector<std::string>& skipped,
                           const std::vector<std::string>& empty) {
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
  j["skipped_empty_columns"] = empty;
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
  auto idle = monitor::ParseDurationMs(m.idle_partition);
  if (!idle.ok()) return idle.status().WithContext("--idle-partition");
  std::unique_ptr<StreamMonitor> mon(new StreamMonitor());
  mon->idle_partition_ = std::chrono::milliseconds(*idle);
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
  mon->events_topic_ = m.events_topic;
  mon->exit_when_idle_ = m.exit_when_idle;
  mon->columns_ = m.columns;
  mon->drift_options_.threads = m.threads;
  if (drift) {
    const std::string model_ref = m.reference.rfind("model:", 0) == 0 ? m.reference.substr(6) : "";
    auto ref = serve::ParseModelRef(model_ref, "--reference");
    if (!model_ref.empty() && ref.ok() && !ref->alias.empty()) {
      // Follows the alias as serve does: the slot holds the version whose reference is in use.
      auto served = LoadServedModel(s, model_ref, "", "--reference model:");
      if (!served.ok()) return served.status().WithContext("--reference");
      auto table = ReadModelReference(served->model->source);
      if (!table.ok()) return table.status().WithContext("--reference");
      mon->reference_ = std::move(*table);
      mon->reference_name_ = "model:" + served->model->Id();
      mon->model_registry_ = std::move(served->registry);
      mon->reference_slot_ = std::make_unique<serve::ModelSlot>(std::move(served->model));
      mon->watcher_metrics_ = std::make_unique<metrics::Registry>();
      mon->watcher_ =
          std::make_unique<serve::AliasWatcher>(*mon->model_registry_, *ref, served->cache_dir,
                                                *mon->reference_slot_, *mon->watcher_metrics_);
      mon->reference_poll_ = std::chrono::duration<double>(m.reference_poll);
      mon->last_reference_check_ = std::chrono::steady_clock::now();
    } else {
      auto reference = ReadReference(s, m.reference);
      if (!reference.ok()) return reference.status().WithContext("--reference");
      mon->reference_ = std::move(reference->table);
      mon->reference_name_ = reference->name;
    }
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
  if (mon->reference_slot_ != nullptr) {
    mon->reference_version_ =
        &registry.AddGauge("covidflow_monitor_reference_version",
                           "the registry version whose training reference windows compare with");
    mon->reference_version_->Set(static_cast<double>(mon->reference_slot_->Load()->version));
  }

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
    // Beside a live writer, so does one without records so far (the writer may not have
    // reached it yet) until monitor.idle_partition passes without one (Poll); a batch run
    // (--exit-when-idle) reads a finished topic, whose empty partitions hold nothing back.
    const auto now = std::chrono::steady_clock::now();
    for (const log::PartitionInfo& p : info->partitions) {
      if (p.end.value() > p.start.value() || !m.exit_when_idle) {
        state.partition_time_ms.emplace(p.partition.value(), monitor::WindowsState::kNone);
        mon->last_record_[p.partition.value()] = now;
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
    log::Log* l = &log;
    if (uri != events_uri) {
      ASSIGN_OR_RETURN(mon->quality_log_, OpenExistingLog(uri, s, "--predictions"));
      l = mon->quality_log_.get();
    }
    mon->quality_source_log_ = l;
    mon->predictions_topic_ = topic;
    ASSIGN_OR_RETURN(bool there, ReadTopicFromStart(*l, topic, &mon->predictions_));
    if (!there) {
      LogLine(LogLevel::kInfo, "monitor: no topic " + topic + " on " + uri +
                                   " yet (no prediction logged so far): read as empty, "
                                   "looked for again at each poll");
    }
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
      mon->labels_topic_ = labels_topic;
      ASSIGN_OR_RETURN(there, ReadTopicFromStart(*l, labels_topic, &mon->labels_));
      if (!there) {
        LogLine(LogLevel::kInfo, "monitor: no labels topic " + labels_topic +
                                     " yet: read as empty, looked for again at each poll");
      }
    }
  }
  return mon;
}

StreamMonitor::~StreamMonitor() {
  // Producers and consumers go before the logs that made them.
  watcher_.reset();
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
          quality_published_count_->Value(),
          reference_swaps_};
}

Result<bool> ReadTopicFromStart(log::Log& l, const std::string& topic,
                                std::unique_ptr<log::Consumer>* out) {
  auto info = l.DescribeTopic(topic);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound) return false;
    return info.status();
  }
  std::vector<std::pair<TopicPartition, Offset>> positions;
  for (const log::PartitionInfo& p : info->partitions) {
    positions.push_back({{topic, p.partition}, p.start});
  }
  ASSIGN_OR_RETURN(*out, l.NewConsumer(log::ConsumerOptions{}));
  RETURN_IF_ERROR((*out)->Assign(positions));
  return true;
}

Status StreamMonitor::CheckReference() {
  if (watcher_ == nullptr || Since(last_reference_check_) < reference_poll_.count()) {
    return Status::Ok();
  }
  last_reference_check_ = std::chrono::steady_clock::now();
  Result<bool> swapped = watcher_->CheckNow();
  if (!swapped.ok()) {
    LogLine(LogLevel::kWarning,
            "monitor: --reference " + reference_name_ + " kept: " + swapped.status().ToString());
    return Status::Ok();
  }
  if (!*swapped) return Status::Ok();
  const std::shared_ptr<const serve::LoadedModel> next = reference_slot_->Load();
  const std::string name = "model:" + next->Id();
  Result<monitor::Table> table = ReadModelReference(next->source);
  if (table.ok()) {
    for (const std::string& c : columns_) {
      if (table->Find(c) == nullptr) {
        table = Status::InvalidArgument("it has no column '" + c + "' (--columns)");
        break;
      }
    }
  }
  if (!table.ok()) {
    // The stream keeps being watched against the reference it had rather than against none.
    LogLine(LogLevel::kWarning, "monitor: " + name + " cannot be the reference (" +
                                    table.status().ToString() + "); windows keep comparing with " +
                                    reference_name_);
    return Status::Ok();
  }
  LogLine(LogLevel::kInfo, "monitor: the alias moved: windows closed from now on compare with " +
                               name + " (was " + reference_name_ + ")");
  reference_ = std::move(*table);
  reference_name_ = name;
  ++reference_swaps_;
  reference_version_->Set(static_cast<double>(next->version));
  return Status::Ok();
}

Status StreamMonitor::Run() {
  auto last_commit = std::chrono::steady_clock::now();
  auto last_report = last_commit;
  while (!stop_.load()) {
    bool read = false;
    RETURN_IF_ERROR(CheckReference());
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
  const bool labels_missing = labels_ == nullptr && !labels_topic_.empty();
  if (predictions_ == nullptr || labels_missing) {
    for (auto [topic, consumer] :
         {std::pair{&predictions_topic_, &predictions_}, std::pair{&labels_topic_, &labels_}}) {
      if (*consumer != nullptr || topic->empty()) continue;
      ASSIGN_OR_RETURN(bool there, ReadTopicFromStart(*quality_source_log_, *topic, consumer));
      if (there) LogLine(LogLevel::kInfo, "monitor: topic " + *topic + " appeared; reading it");
    }
  }
  if (predictions_ == nullptr) {
    // Nothing to join yet; the drift side (if any) paces the loop, else this wait does.
    if (consumer_ == nullptr) std::this_thread::sleep_for(timeout);
    quality_caught_up_ = true;
    return Status::Ok();
  }
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
  const auto now = std::chrono::steady_clock::now();
  for (const log::InRecord& r : records) last_record_[r.partition.value()] = now;
  // A partition silent for monitor.idle_partition stops holding the watermark back.
  for (auto it = last_record_.begin(); it != last_record_.end();) {
    if (now - it->second < idle_partition_) {
      ++it;
      continue;
    }
    if (windows_->state().partition_time_ms.count(it->first) != 0 &&
        windows_->state().idle.count(it->first) == 0) {
      LogLine(LogLevel::kInfo, "monitor: partition " + std::to_string(it->first) + " of " + topic_ +
                                   " brought no record for " +
                                   std::to_string(idle_partition_.count()) +
                                   " ms: it holds the watermark back no more until its next one");
      windows_->MarkIdle(it->first);
      *read = true;  // windows it held open may close now
    }
    it = last_record_.erase(it);
  }
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
    std::vector<std::string> empty;
    // As `monitor drift` compares two tables: the same columns, usage and statistics.
    Result<monitor::DatasetDrift> drift = [&]() -> Result<monitor::DatasetDrift> {
      ASSIGN_OR_RETURN(auto samples, monitor::PrepareSamples(reference_, w.table, columns_));
      skipped = samples.skipped;
      empty = samples.empty;
      return monitor::CompareColumns(samples.reference, samples.current, drift_options_);
    }();
    const std::string event =
        DriftEventJson(w, source_, group_, reference_name_, drift, skipped, empty);
    // A column this window does not compare (no value in it, text now, an error) must not
    // keep an older window's figures: its gauges read NaN until a window compares it again.
    std::set<std::string> compared;
    if (drift.ok()) {
      for (const monitor::ColumnDrift& c : drift->columns) compared.insert(c.column);
    }
    for (const std::string& column : gauged_columns_) {
      if (compared.count(column) != 0) continue;
      for (metrics::Gauge* g : ColumnDriftGauges(r, column)) {
        g->Set(std::numeric_limits<double>::quiet_NaN());
      }
    }
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
      gauged_columns_.insert(c.column);
      const std::array<metrics::Gauge*, 4> g = ColumnDriftGauges(r, c.column);
      g[0]->Set(c.score);
      g[1]->Set(c.threshold);
      g[2]->Set(c.drifted ? 1 : 0);
      g[3]->Set(c.psi);
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

Result<monitor::DelayedLabel> EnrichedLabel(std::string_view value, int64_t timestamp_ms) {
  nlohmann::json j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::InvalidArgument("enriched: not a JSON object");
  monitor::DelayedLabel label;
  const nlohmann::json* extra = j.contains("extra") ? &j["extra"] : nullptr;
  for (const char* column : {"tweet_id", "id"}) {
    if (extra != nullptr && extra->is_object() && extra->contains(column) &&
        (*extra)[column].is_string() && !(*extra)[column].get<std::string>().empty()) {
      label.tweet_id = (*extra)[column].get<std::string>();
      break;
    }
  }
  if (label.tweet_id.empty()) {
    const nlohmann::json& at = j.contains("source_position") ? j["source_position"] : j;
    if (!at.is_object() || !at.contains("topic") || !at["topic"].is_string() ||
        !at.contains("partition") || !at["partition"].is_number_integer() ||
        !at.contains("offset") || !at["offset"].is_number_integer()) {
      return Status::InvalidArgument("enriched: no tweet id and no source_position");
    }
    label.tweet_id = at["topic"].get<std::string>() + "/" +
                     std::to_string(at["partition"].get<int64_t>()) + "/" +
                     std::to_string(at["offset"].get<int64_t>());
  }
  const nlohmann::json* sentiment = j.contains("sentiment") ? &j["sentiment"] : nullptr;
  if (sentiment == nullptr || !sentiment->is_object() || !sentiment->contains("label") ||
      !(*sentiment)["label"].is_string()) {
    return Status::InvalidArgument("enriched: no sentiment.label");
  }
  label.label = (*sentiment)["label"].get<std::string>();
  if (timestamp_ms > 0) label.time_ms = timestamp_ms;
  return label;
}

monitor::LivePrediction StreamKeyed(serve::PredictionRecord r) {
  if (!r.tweet_id) r.tweet_id = r.request_id;
  return FromRecord(std::move(r));
}

Result<std::unique_ptr<StreamLabelQuality>> StreamLabelQuality::Open(log::Log& log,
                                                                     std::string predictions_topic,
                                                                     std::string enriched_topic,
                                                                     std::string model) {
  std::unique_ptr<StreamLabelQuality> q(new StreamLabelQuality(log));
  q->predictions_topic_ = std::move(predictions_topic);
  q->enriched_topic_ = std::move(enriched_topic);
  monitor::QualityOptions options;
  options.model = std::move(model);
  q->join_ = std::make_unique<monitor::QualityJoin>(options);
  return q;
}

Status StreamLabelQuality::Poll() {
  for (auto [topic, consumer] :
       {std::pair{&predictions_topic_, &predictions_}, std::pair{&enriched_topic_, &labels_}}) {
    if (*consumer == nullptr) RETURN_IF_ERROR(ReadTopicFromStart(log_, *topic, consumer).status());
  }
  const size_t full = log::ConsumerOptions{}.max_poll_records;
  // Predictions first, then labels: a label read in this poll finds its prediction.
  for (bool more = predictions_ != nullptr; more;) {
    ASSIGN_OR_RETURN(auto records, predictions_->Poll(std::chrono::milliseconds(0)));
    for (const log::InRecord& r : records) {
      auto record = serve::DecodePrediction(r.value);
      if (record.ok()) {
        join_->AddPrediction(StreamKeyed(std::move(*record)));
      } else {
        join_->CountMalformed("prediction: " + record.status().message());
      }
    }
    more = records.size() >= full;
  }
  for (bool more = labels_ != nullptr; more;) {
    ASSIGN_OR_RETURN(auto records, labels_->Poll(std::chrono::milliseconds(0)));
    for (const log::InRecord& r : records) {
      auto label = EnrichedLabel(r.value, r.timestamp_ms);
      if (label.ok()) {
        join_->AddLabel(std::move(*label));
      } else {
        join_->CountMalformed(label.status().message());
      }
    }
    more = records.size() >= full;
  }
  return Status::Ok();
}

}  // namespace covidflow::app
