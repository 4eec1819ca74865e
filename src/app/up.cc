#include "app/up.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "app/app.h"
#include "app/dashboard.h"
#include "app/learn.h"
#include "app/metrics_server.h"
#include "app/monitor.h"
#include "app/serve.h"
#include "base/logging.h"
#include "base/numbers.h"
#include "http/client.h"
#include "http/error.h"
#include "http/metrics_handler.h"
#include "lake/reader.h"
#include "lake/stats.h"
#include "model/metrics.h"
#include "monitor/quality.h"
#include "monitor/table.h"
#include "orchestrate/gate.h"
#include "orchestrate/loop.h"
#include "schema/codec.h"
#include "schema/text_writer.h"
#include "schema/time.h"
#include "serve/prediction_log.h"
#include "serve/scoring.h"
#include "serve/stream_step.h"
#include "train/evaluate.h"
#include "train/spec.h"
#include "train/trainer.h"

namespace covidflow::app {

namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// 32 hex digits from the OS's entropy: the scoring server's bearer token when serve.token is
// not set.
std::string RandomToken() {
  std::random_device entropy;
  std::string out;
  for (int i = 0; i < 4; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(entropy()));
    out += buf;
  }
  return out;
}

struct LakeRow {
  int64_t time_s = 0;
  std::string text;
  std::string label;
  schema::Tweet user;  // with `user_fields`: the fields of the user the monitor watches
};

// The newest `n` rows of the lake by event time, oldest first; with `user_fields` also
// user_location, user_followers, user_friends, user_verified and is_retweet.
Result<std::vector<LakeRow>> NewestRows(const std::string& lake_dir, int64_t n,
                                        bool user_fields = false) {
  lake::LakeReadOptions read;
  read.columns = {"event_time", "text", "sentiment_label"};
  if (user_fields) {
    read.columns.insert(read.columns.end(), {"user_location", "user_followers", "user_friends",
                                             "user_verified", "is_retweet"});
  }
  ASSIGN_OR_RETURN(std::vector<schema::EnrichedTweet> tweets, lake::ReadLake(lake_dir, read));
  std::vector<LakeRow> rows;
  rows.reserve(tweets.size());
  for (schema::EnrichedTweet& t : tweets) {
    std::string text = std::move(t.tweet.text);
    rows.push_back({t.tweet.date.seconds, std::move(text),
                    std::string(schema::LabelName(t.sentiment.label)), std::move(t.tweet)});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const LakeRow& a, const LakeRow& b) { return a.time_s < b.time_s; });
  if (static_cast<int64_t>(rows.size()) > n) rows.erase(rows.begin(), rows.end() - n);
  return rows;
}

// The training files: the label `sentiment` and the spec's `text`, with the user fields the
// training reference carries (TrainingReference reads them by these names).
Status WriteCsv(const std::string& path, const std::vector<LakeRow>& rows, size_t from, size_t to) {
  std::string out =
      "date,text,sentiment,user_location,user_followers,user_friends,user_verified,is_retweet\n";
  for (size_t i = from; i < to; ++i) {
    const schema::Tweet& u = rows[i].user;
    out += schema::FormatTimestamp(schema::Timestamp{rows[i].time_s});
    out += ',';
    schema::AppendCsvField(out, rows[i].text);
    out += ',';
    out += rows[i].label;
    out += ',';
    schema::AppendCsvField(out, u.user_location);
    out += ',' + std::to_string(u.user_followers) + ',' + std::to_string(u.user_friends);
    out += u.user_verified ? ",True" : ",False";
    out += u.is_retweet ? ",True\n" : ",False\n";
  }
  return ReplaceFileAtomically(path, out, path + ".tmp");
}

features::Table TableOf(const std::vector<LakeRow>& rows, size_t from, size_t to) {
  features::Table t;
  auto& text = t.AddColumn("text");
  for (size_t i = from; i < to; ++i) text.push_back(rows[i].text);
  auto& date = t.AddColumn("date");
  for (size_t i = from; i < to; ++i) {
    date.push_back(schema::FormatTimestamp(schema::Timestamp{rows[i].time_s}));
  }
  return t;
}

// The loop's work on the real components; models are loaded once per version.
class LakeSteps : public orchestrate::Steps {
 public:
  LakeSteps(const Settings& s, registry::Registry& registry, std::string lake_dir, std::string home)
      : s_(s), registry_(registry), lake_dir_(std::move(lake_dir)), home_(std::move(home)) {}

  Result<orchestrate::Candidate> Train(const orchestrate::PipelineRun& run,
                                       int64_t champion) override {
    const std::string dir =
        home_ + "/loop/runs/" + std::to_string(run.id) + "-" + std::to_string(run.started_ms);
    ASSIGN_OR_RETURN(LakeWindowTraining trained, TrainLakeWindow(s_, lake_dir_, dir));
    const train::TrainReport& report = trained.report;
    const size_t n = trained.window_rows;

    train::EvaluateOptions eval;
    eval.model_dir = report.model_dir;
    eval.data_files = {dir + "/holdout.csv"};
    eval.bootstrap.resamples = 0;
    if (champion != 0) {
      eval.against_dir = dir + "/champion";
      RETURN_IF_ERROR(RemoveTree(eval.against_dir));
      RETURN_IF_ERROR(registry_.DownloadVersion(s_.loop.options.model, champion, eval.against_dir));
    }
    ASSIGN_OR_RETURN(train::EvaluateReport er, train::Evaluate(eval));
    orchestrate::Candidate c;
    c.model_dir = report.model_dir;
    c.run_id = trained.run_id;
    const model::ModelComparison& cmp = er.comparison;
    c.promote = er.decision() && er.decision()->promote;
    c.reason = er.decision() ? er.decision()->reason : "the spec has no promotion rule";
    c.figures["window_rows"] = static_cast<double>(n);
    c.figures["holdout_rows"] = static_cast<double>(cmp.rows);
    c.figures["candidate_accuracy"] = cmp.candidate.accuracy;
    c.validation = cmp.candidate.accuracy;  // live quality is accuracy (Live below)
    c.figures["candidate_macro_recall"] = cmp.candidate.macro_recall;
    if (cmp.champion) {
      c.figures["champion_accuracy"] = cmp.champion->accuracy;
      c.figures["champion_macro_recall"] = cmp.champion->macro_recall;
    }
    return c;
  }

  // The scoring server the gate sends shadow traffic through, once it runs (the first model
  // has none: it is timed in-process): its URL and bearer token, and the log its predictions
  // go to. An empty URL: no server.
  void UseServer(std::string url, std::string token, log::Log* log) {
    server_url_ = std::move(url);
    token_ = std::move(token);
    log_ = log;
  }

  Result<orchestrate::GateVerdict> Gate(const orchestrate::PipelineRun& run) override {
    ASSIGN_OR_RETURN(auto candidate, Load(run.version));  // download, load, smoke test
    ASSIGN_OR_RETURN(std::vector<LakeRow> rows, NewestRows(lake_dir_, s_.loop.gate_requests));
    if (rows.empty()) return Status::FailedPrecondition("no lake rows to send to the gate");
    if (!server_url_.empty() && !s_.serve.predictions_topic.empty()) {
      return GateThroughServer(run, rows);
    }
    std::vector<double> ms;
    for (size_t i = 0; i < rows.size(); ++i) {
      const features::Table one = TableOf(rows, i, i + 1);
      const auto start = Clock::now();
      ASSIGN_OR_RETURN(serve::Scores got, serve::Score(candidate, one));
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    const double p99 = ms[std::min(ms.size() - 1, static_cast<size_t>(0.99 * ms.size()))];
    orchestrate::GateVerdict g;
    g.figures = {{"requests", static_cast<double>(ms.size())}, {"p99_ms", p99}};
    g.pass = p99 <= s_.loop.gate_p99_ms;
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "loaded, smoke-tested, %zu one-row requests in-process (no server yet), p99 "
                  "%.2f ms %s %.2f ms",
                  ms.size(), p99, g.pass ? "<=" : ">", s_.loop.gate_p99_ms);
    g.reason = buf;
    return g;
  }

  // `version` of the loop's model, downloaded into the loop's own cache, loaded and
  // smoke-tested once (the gate, the stream's scoring).
  Result<std::shared_ptr<const serve::LoadedModel>> Load(int64_t version) {
    auto it = models_.find(version);
    if (it != models_.end()) return it->second;
    // Its own download cache: the server's watcher loads into HOME/serve-cache meanwhile.
    Settings own = s_;
    own.serve.cache_dir = home_ + "/loop/model-cache";
    ASSIGN_OR_RETURN(ServedModel m,
                     LoadServedModel(own, s_.loop.options.model + "/" + std::to_string(version), "",
                                     "loop.model"));
    models_[version] = m.model;
    return m.model;
  }

 private:
  // The candidate named the server's shadow challenger over HTTP (POST /admin/challenger, the
  // bearer token, as anyone could with `serve`) for loop.gate_requests one-row requests (the
  // newest lake rows' texts), both versions' answers read back from the prediction log by
  // request id (orchestrate/gate.h judges them), the shadow turned off after. A version the
  // server refuses fails the gate with the server's reason.
  Result<orchestrate::GateVerdict> GateThroughServer(const orchestrate::PipelineRun& run,
                                                     const std::vector<LakeRow>& rows) {
    ASSIGN_OR_RETURN(std::unique_ptr<http::Client> client, http::Client::Create(server_url_));
    const http::Fields auth = {{"Authorization", "Bearer " + token_}};
    ASSIGN_OR_RETURN(
        http::ClientResponse named,
        client->Post("/admin/challenger",
                     nlohmann::json{{"version", run.version}, {"mode", "shadow"}}.dump(),
                     "application/json", auth));
    if (named.status != 200) {
      const Status refused = http::StatusFromHttp(named.status, named.body);
      // Unreachable or busy: tried again at the next tick; refused: the candidate fails.
      if (refused.code() == StatusCode::kUnavailable || refused.code() == StatusCode::kTimeout ||
          named.status == 401 || named.status == 403) {
        return refused.WithContext("the staging gate naming the challenger");
      }
      orchestrate::GateVerdict g;
      g.pass = false;
      g.reason = "the server refused v" + std::to_string(run.version) +
                 " as its challenger (HTTP " + std::to_string(named.status) +
                 "): " + std::string(refused.message());
      return g;
    }
    // The shadow is turned off once the gate's requests are sent (their copies are queued by
    // then), or on any early return.
    struct ShadowOff {
      http::Client& client;
      const http::Fields& auth;
      bool done = false;
      void Now() {
        if (!done) {
          (void)client.Post("/admin/traffic", R"({"mode": "off"})", "application/json", auth);
        }
        done = true;
      }
      ~ShadowOff() { Now(); }
    } off{*client, auth};
    // Unique per attempt: a gate repeated after a restart does not read the old answers.
    const std::string prefix =
        "gate-" + std::to_string(run.id) + "-" + std::to_string(NowMs()) + "-";
    orchestrate::GateBudget budget;
    budget.p99_ms = s_.loop.gate_p99_ms;
    budget.min_agreement = s_.loop.gate_min_agreement;
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string body = nlohmann::json{{"instances", {rows[i].text}}}.dump();
      auto answer = client->Post("/invocations", body, "application/json",
                                 {{"X-Request-Id", prefix + std::to_string(i)}});
      ++budget.sent;
      if (!answer.ok() || answer->status != 200) ++budget.failed;
    }
    off.Now();
    // The shadow scorer works through its queue and the log's writer flushes at least every
    // 200 ms: read until both answers of every request are there, or 10 s.
    std::vector<orchestrate::GatePrediction> read;
    for (const auto deadline = Clock::now() + std::chrono::seconds(10);;) {
      read.clear();
      RETURN_IF_ERROR(
          ForEachRecord(*log_, s_.serve.predictions_topic, [&](const log::InRecord& r) -> Status {
            auto p = serve::DecodePrediction(r.value);
            if (!p.ok() || p->request_id.rfind(prefix, 0) != 0) return Status::Ok();
            read.push_back({p->request_id, p->role == serve::Role::kShadow, p->label,
                            p->latency_seconds * 1000});
            return Status::Ok();
          }));
      if (static_cast<int64_t>(read.size()) >= 2 * budget.sent || Clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return orchestrate::JudgeShadow(read, budget);
  }

  const Settings& s_;
  registry::Registry& registry_;
  std::string lake_dir_;
  std::string home_;
  std::map<int64_t, std::shared_ptr<const serve::LoadedModel>> models_;
  std::string server_url_;
  std::string token_;
  log::Log* log_ = nullptr;
};

// Drift events so far on `topic` (docs/formats/monitor_events.md: kind "drift" with
// dataset_drift), and the newest one's summary; 0 while the topic is absent.
std::pair<int64_t, std::string> DriftEvents(log::Log& log, const std::string& topic) {
  int64_t n = 0;
  std::string last;
  (void)ForEachRecord(log, topic, [&](const log::InRecord& r) -> Status {
    nlohmann::json j = nlohmann::json::parse(r.value, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("kind", "") == "drift" && j.value("dataset_drift", false)) {
      ++n;
      last = std::to_string(j.value("drifted_columns", 0)) + " columns drifted (share " +
             std::to_string(j.value("drift_share", 0.0)).substr(0, 4) + ") in " +
             j.value("source", std::string("the stream"));
    }
    return Status::Ok();
  });
  return {n, last};
}

// A champion without a training reference (trained before models carried one, or registered
// from such an artifact): the newest loop.window_rows lake rows (its training window, as the
// lake holds them when it is first seen) in the columns a lake source has, kept in
// HOME/loop/reference-vN.jsonl so a restart compares against the same rows.
Result<std::string> LakeReference(const Settings& s, const std::string& lake_dir,
                                  const std::string& home, int64_t champion) {
  const std::string path = home + "/loop/reference-v" + std::to_string(champion) + ".jsonl";
  if (PathExists(path)) return path;
  RETURN_IF_ERROR(MakeDirs(home + "/loop"));
  ASSIGN_OR_RETURN(monitor::Table t, monitor::ReadTable("lake:" + lake_dir));
  const size_t n = static_cast<size_t>(s.loop.window_rows);
  std::string out;
  for (size_t i = t.rows > n ? t.rows - n : 0; i < t.rows; ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (const monitor::TableColumn& c : t.columns) {
      nlohmann::json& cell = row[c.name];
      if (c.type == monitor::CellType::kString) {
        if (c.present[i] != 0) cell = c.strings[i];
      } else if (!std::isnan(c.numbers[i])) {
        if (c.type == monitor::CellType::kBool) {
          cell = c.numbers[i] != 0;
        } else if (c.type == monitor::CellType::kInt) {
          cell = static_cast<int64_t>(c.numbers[i]);
        } else {
          cell = c.numbers[i];
        }
      }
    }
    out += row.dump() + "\n";
  }
  RETURN_IF_ERROR(ReplaceFileAtomically(path, out, path + ".tmp"));
  return path;
}

// The settings of up's stream monitor: its own download cache (the server's watcher and the
// loop's gate load into theirs meanwhile).
Settings MonitorSettingsOf(const Settings& s, const std::string& home) {
  Settings ms = s;
  ms.serve.cache_dir = home + "/loop/monitor-cache";
  return ms;
}

// `monitor run` on a thread of this process: drift per window of the enriched stream against
// the champion's reference, published to monitor.events_topic (the drift trigger reads them)
// and into the process's metrics. Reopened when the champion changes.
class MonitorThread {
 public:
  ~MonitorThread() { Stop(); }

  Status Start(const Settings& s, const std::string& home, const std::string& reference,
               int64_t champion, metrics::Registry& metrics) {
    Stop();
    Settings ms = MonitorSettingsOf(s, home);
    ms.monitor.reference = reference;
    ms.monitor.predictions.clear();  // live quality is the loop's (up.h)
    ms.monitor.exit_when_idle = false;
    ms.monitor.events_topic = s.loop.events_topic;
    // It follows the alias the loop moves at the loop's pace: a window closed after a promotion
    // is compared with the new champion's reference, not the replaced one's (a drift event
    // from the old reference would retrain the new champion at once).
    ms.monitor.reference_poll =
        std::min(ms.monitor.reference_poll, static_cast<double>(s.loop.tick_ms) / 1000);
    ASSIGN_OR_RETURN(monitor_, StreamMonitor::Open(ms, metrics));
    champion_ = champion;
    reference_ = reference;
    thread_ = std::thread([this] {
      Status done = monitor_->Run();
      std::lock_guard lock(mu_);
      status_ = done;
    });
    return Status::Ok();
  }
  void Stop() {
    if (monitor_) monitor_->Stop();
    if (thread_.joinable()) thread_.join();
    monitor_.reset();
  }
  int64_t champion() const { return champion_; }
  // A model:NAME@ALIAS reference is followed by the monitor itself: only the version changes.
  void Followed(int64_t champion) { champion_ = champion; }
  const std::string& reference() const { return reference_; }
  // The thread's error once it has ended on one (Ok while it runs).
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  std::unique_ptr<StreamMonitor> monitor_;
  std::thread thread_;
  std::mutex mu_;
  Status status_;
  int64_t champion_ = 0;
  std::string reference_;
};

// The stream scored by the champion (process --model inside up): a model step added to the
// processor's enrichment once a champion exists, its slot swapped as the alias moves, every
// prediction on serve.predictions_topic. These predictions, joined with the processor's VADER
// labels, are the versions' live quality (StreamLabelQuality).
class StreamScoring {
 public:
  StreamScoring(const Settings& s, log::Log& log, metrics::Registry& metrics,
                enrich::EnrichmentSlot& enrichment)
      : s_(s), log_(log), metrics_(metrics), enrichment_(enrichment) {}
  int64_t version() const { return version_; }

  // Scores the stream with `model` (version `version`) from the processor's next batch.
  Status Follow(int64_t version, std::shared_ptr<const serve::LoadedModel> model) {
    RETURN_IF_ERROR(serve::CheckStreamable(model->model).WithContext("the stream's model"));
    if (slot_ == nullptr) {
      ASSIGN_OR_RETURN(predictions_, OpenPredictionLog(s_, log_, &metrics_));
      slot_ = std::make_shared<serve::ModelSlot>(std::move(model));
      std::vector<std::shared_ptr<const enrich::EnrichmentStep>> steps =
          enrichment_.Load()->steps();
      steps.push_back(std::make_shared<const serve::ModelStep>(slot_, predictions_.get()));
      enrichment_.Swap(std::make_shared<const enrich::Enrichment>(std::move(steps)));
    } else {
      // A swap between a classifier and a regression model is refused (serve/stream_step.h):
      // the caller logs the reason and the stream keeps its model.
      RETURN_IF_ERROR(serve::CheckStreamSwap(*slot_->Load(), *model));
      slot_->Swap(std::move(model));
    }
    version_ = version;
    return Status::Ok();
  }
  // After the processor has stopped: flushes the predictions.
  Status Close() { return predictions_ ? predictions_->Close() : Status::Ok(); }

 private:
  const Settings& s_;
  log::Log& log_;
  metrics::Registry& metrics_;
  enrich::EnrichmentSlot& enrichment_;
  std::shared_ptr<serve::ModelSlot> slot_;
  std::unique_ptr<serve::PredictionLog> predictions_;
  int64_t version_ = 0;
};

}  // namespace

std::map<int64_t, orchestrate::LiveQuality> LiveQualityOf(const monitor::QualityJoin& join,
                                                          int64_t newest) {
  std::map<int64_t, orchestrate::LiveQuality> out;
  for (const monitor::WindowQuality& w : join.Newest(newest)) {
    const std::optional<int64_t> version = ParseIntIn(w.version, 1, INT64_MAX);
    if (!version || !w.metrics.ok()) continue;
    out[*version] = {w.metrics->accuracy, w.joined};
  }
  return out;
}

Result<LakeWindowTraining> TrainLakeWindow(const Settings& s, const std::string& lake_dir,
                                           const std::string& dir) {
  RETURN_IF_ERROR(MakeDirs(dir));
  ASSIGN_OR_RETURN(std::vector<LakeRow> rows,
                   NewestRows(lake_dir, s.loop.window_rows, /*user_fields=*/true));
  const size_t n = rows.size();
  const size_t held = static_cast<size_t>(std::ceil(n * s.loop.holdout));
  if (n < 100 || held < 20) {
    return Status::FailedPrecondition("the lake holds " + std::to_string(n) +
                                      " rows: too few to train on");
  }
  RETURN_IF_ERROR(WriteCsv(dir + "/train.csv", rows, 0, n - held));
  RETURN_IF_ERROR(WriteCsv(dir + "/holdout.csv", rows, n - held, n));
  ASSIGN_OR_RETURN(train::Spec spec, train::ReadSpec(s.loop.spec));
  spec.split = train::SplitSpec{};
  spec.split.train_files = {dir + "/train.csv"};
  spec.split.validation_files = {dir + "/holdout.csv"};
  TrainRequest request;
  request.spec = std::move(spec);
  request.spec_path = s.loop.spec;
  request.options.out_dir = dir + "/model";
  RETURN_IF_ERROR(RemoveTree(request.options.out_dir));  // a run resumed after a kill trains again
  LakeWindowTraining out;
  ASSIGN_OR_RETURN(TrainRun trained, TrainSpec(s, std::move(request)));
  out.report = std::move(trained.report);
  out.run_id = std::move(trained.record.run_id);
  out.window_rows = n;
  out.holdout_rows = held;
  return out;
}

Result<std::string> UpMonitorReference(const Settings& s, const std::string& lake_dir,
                                       const std::string& home, int64_t champion) {
  if (!s.monitor.reference.empty()) return s.monitor.reference;
  const std::string& model = s.loop.options.model;
  Result<ReferenceSample> saved =
      ReadReference(MonitorSettingsOf(s, home), "model:" + model + "/" + std::to_string(champion));
  if (saved.ok()) return "model:" + model + "@" + s.loop.options.alias;
  LogLine(LogLevel::kWarning, "up: the monitor compares with lake rows: v" +
                                  std::to_string(champion) +
                                  "'s training reference: " + saved.status().ToString());
  return LakeReference(s, lake_dir, home, champion);
}

Status RunUp(const Settings& s, const std::atomic<bool>& stop,
             const std::function<void(const std::string&)>& say) {
  // The loop is a classifier's (up.h: its live labels are VADER's classes, its live
  // quality is accuracy): a regression spec is refused before anything starts.
  if (!s.loop.spec.empty()) {
    ASSIGN_OR_RETURN(train::Spec spec, train::ReadSpec(s.loop.spec));
    if (spec.task == train::Task::kRegression) {
      return Status::InvalidArgument(
          "loop.spec " + s.loop.spec +
          " is a regression spec: up's loop retrains classifiers only (its live labels are the "
          "stream's VADER classes and its live quality is accuracy); train, serve, process "
          "--model and monitor take a regression model");
    }
  }
  const std::string home = HomeDir(s.cli);
  const std::string lake_dir = s.lake.dir.empty() ? home + "/lake" : s.lake.dir;
  RETURN_IF_ERROR(MakeDirs(home + "/loop"));
  ASSIGN_OR_RETURN(std::unique_ptr<log::Log> log, OpenLog(LogUri(s.cli), s.log));
  ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> reg, OpenRegistry(s.registry.uri, s.cli));
  ASSIGN_OR_RETURN(process::ProcessorOptions popts, ProcessorOptionsFrom(s));
  popts.exit_when_idle = false;

  // Every series of the process (processor, consumer lag, monitor, server) in one registry,
  // served at /metrics by up's own server beside the dashboard, and by the scoring server.
  metrics::Registry metrics;
  ASSIGN_OR_RETURN(std::unique_ptr<GroupProgressMetrics> progress,
                   GroupProgressMetrics::Register(metrics, *log, popts.group, popts.input_topic,
                                                  {popts.enriched_topic, popts.dlq_topic}));
  web::DashboardOptions dopts;
  dopts.interval = std::chrono::milliseconds(static_cast<int64_t>(s.dashboard.interval_s * 1000));
  ASSIGN_OR_RETURN(std::unique_ptr<web::Dashboard> dashboard,
                   web::Dashboard::Start(DashboardSourcesFrom(s, log.get(), reg.get()), dopts));
  http::Router router;
  RETURN_IF_ERROR(dashboard->Mount(router));
  RETURN_IF_ERROR(router.Add("GET", "/metrics", http::MetricsHandler(metrics)));
  http::ServerOptions sopts;
  sopts.host = s.serve.host;
  sopts.port = s.loop.dashboard_port;
  sopts.threads = 2;            // a few browser tabs and a scraper
  sopts.max_body_bytes = 1024;  // GET only
  auto ops = http::Server::Start(std::move(router), std::move(sopts));
  if (!ops.ok()) return ops.status().WithContext("up's dashboard server (--dashboard-port)");
  const std::string ops_url = "http://" + s.serve.host + ":" + std::to_string((*ops)->port());
  say("dashboard: " + ops_url + "/");
  say("metrics: " + ops_url + "/metrics");

  // The processor on its own thread; a failure stops the whole process. Without a model: the
  // champion's step joins its enrichment once there is one (StreamScoring).
  Settings ps = s;
  ps.process.model.clear();
  ps.process.model_dir.clear();
  ASSIGN_OR_RETURN(ProcessorStack stack, MakeProcessor(ps, *log, popts, lake_dir, &metrics));
  StreamScoring scoring(s, *log, metrics, *stack.enrichment);
  ASSIGN_OR_RETURN(std::unique_ptr<StreamLabelQuality> quality,
                   StreamLabelQuality::Open(*log, s.serve.predictions_topic, popts.enriched_topic,
                                            s.loop.options.model));
  std::atomic<bool> halt{false};
  Status processor_status;
  std::thread processor([&] {
    auto counts = stack.processor->Run(halt);
    if (!counts.ok()) processor_status = counts.status();
    halt = true;
  });
  say("processor: " + LogUri(s.cli) + " " + popts.input_topic + " → " + popts.enriched_topic +
      ", lake " + lake_dir);

  LakeSteps steps(s, *reg, lake_dir, home);
  orchestrate::LoopOptions options = s.loop.options;
  options.state_path = home + "/loop/state.json";
  Status status = Status::Ok();
  auto loop = orchestrate::Orchestrator::Open(options, *reg, steps);
  if (!loop.ok()) status = loop.status();
  say("loop: model " + options.model + "@" + options.alias + ", state " + options.state_path);

  MonitorThread monitor;
  std::unique_ptr<Serving> serving;
  while (status.ok() && !stop && !halt) {
    orchestrate::Observation obs;
    obs.now_ms = NowMs();
    if (auto stats = lake::ComputeStats(lake_dir); stats.ok()) obs.lake_rows = stats->rows;
    std::tie(obs.drift_events, obs.drift_summary) = DriftEvents(*log, s.loop.events_topic);
    if (auto champ = reg->GetVersionByAlias(options.model, options.alias); champ.ok()) {
      obs.champion = champ->version;
      obs.champion_validation = orchestrate::ValidationOf(*champ);
    }
    if (obs.champion != 0 && obs.champion != scoring.version()) {
      // Before the tick: a watch of the new champion starts with the stream scored by it.
      auto model = steps.Load(obs.champion);
      Status followed = model.ok() ? scoring.Follow(obs.champion, *model) : model.status();
      if (followed.ok()) {
        say("stream: scored by " + options.model + "/" + std::to_string(obs.champion) +
            ", predictions on " + s.serve.predictions_topic);
      } else {
        say("stream: " + followed.ToString() + " (retried at the next tick)");
      }
    }
    if (Status polled = quality->Poll(); !polled.ok()) {
      say("live quality: " + polled.ToString() + " (retried at the next tick)");
    }
    obs.live = LiveQualityOf(quality->join(), s.loop.quality_rows);
    if (!serving && obs.champion != 0) {
      Settings ss = s;
      ss.serve.model = options.model + "@" + options.alias;
      // A challenger slot for the staging gate's shadow traffic, traffic off until a gate
      // sets the candidate there (LakeSteps::GateThroughServer).
      ss.serve.challenger = options.model + "/" + std::to_string(obs.champion);
      ss.serve.shadow = false;
      ss.serve.canary_share = 0;
      // The gate names the challenger with the bearer token, as a person would with
      // serve.token; without one configured, a token of this process only.
      if (ss.serve.token.empty()) ss.serve.token = RandomToken();
      auto started = StartServing(ss, &metrics, log.get());
      if (!started.ok()) {
        status = started.status();
        break;
      }
      serving = std::move(*started);
      // The gate calls the server where it listens; a wildcard bind is reached on loopback.
      const bool wildcard = s.serve.host.empty() || s.serve.host == "0.0.0.0" ||
                            s.serve.host == "::" || s.serve.host == "[::]";
      const std::string gate_host = wildcard ? "127.0.0.1" : s.serve.host;
      steps.UseServer("http://" + gate_host + ":" + std::to_string(serving->server->port()),
                      ss.serve.token, log.get());
      say("serving: http://" + s.serve.host + ":" + std::to_string(serving->server->port()) +
          "/invocations (" + serving->ModelId() + ", following @" + options.alias + ")");
    }
    auto said = (*loop)->Tick(obs);
    if (!said.ok()) {
      say("loop: " + said.status().ToString() + " (retried at the next tick)");
    } else if (!said->empty()) {
      say("loop: " + *said);
    }
    // The monitor follows the champion once no run is deciding about it (a watched version
    // may still be rolled back), as the loop sees it after this tick (a rollback moved it).
    const int64_t champion = (*loop)->state().known_champion;
    if (s.loop.options.triggers.on_drift && champion > 0 && !(*loop)->state().current &&
        champion != monitor.champion()) {
      auto reference = UpMonitorReference(s, lake_dir, home, champion);
      if (!reference.ok()) {
        status = reference.status().WithContext("monitor");
        break;
      }
      // model:NAME@ALIAS: the monitor's own alias watcher has moved (or will move) it.
      const bool follows =
          reference->rfind("model:", 0) == 0 && reference->find('@') != std::string::npos;
      if (follows && *reference == monitor.reference()) {
        monitor.Followed(champion);
      } else {
        if (Status started = monitor.Start(s, home, *reference, champion, metrics); !started.ok()) {
          status = started.WithContext("monitor");
          break;
        }
        say("monitor: drift of " + popts.enriched_topic + " against " + *reference + " (v" +
            std::to_string(champion) +
            (follows ? "'s training reference, following the alias" : "") + "), events on " +
            s.loop.events_topic);
      }
    }
    if (Status m = monitor.status(); !m.ok()) {
      status = m.WithContext("monitor");
      break;
    }
    for (int64_t waited = 0; waited < s.loop.tick_ms && !stop && !halt; waited += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  monitor.Stop();
  steps.UseServer("", "", nullptr);
  serving.reset();
  (*ops).reset();
  dashboard->Stop();
  halt = true;
  processor.join();
  Status closed = scoring.Close();
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(processor_status);
  return closed.WithContext("the stream's prediction log");
}

}  // namespace covidflow::app
