#pragma once
// The settings of one command as the modules' own option structs. Each row of the settings
// table (config/settings_table.h) is bound here, once, to one field; the modules declare
// plain structs and never see config/. A command gets a Settings and reads fields, never a
// key.
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "enrich/sentiment_command.h"
#include "ingest/file_source.h"
#include "ingest/generator.h"
#include "kafka/kafka_log.h"
#include "log/log.h"
#include "log/open.h"
#include "orchestrate/loop.h"
#include "process/processor.h"
#include "train/evaluate.h"

namespace covidflow::app {

// What every command takes.
struct CliOptions {
  std::string home;     // "" = ./covidflow-home (demo: a fresh temporary directory)
  bool json = false;    // print machine-readable results
  std::string log_uri;  // "" = file://HOME/log
};

// How a log URI is opened (app::OpenLog): the embedded log's options or Kafka's.
struct LogSettings {
  log::OpenOptions file;
  kafka::KafkaOptions kafka;
  // kafka.properties as given ("k=v,k=v"); parsed into kafka.extra when a Kafka log is
  // opened, so a bad list fails the commands that use Kafka only.
  std::string kafka_properties;
};

struct GenerateSettings {
  ingest::GeneratorOptions generator;
  std::string out;  // "-" = stdout
};

struct ProduceSettings {
  ingest::FileSourceOptions source;  // topic, format, rate; partitions from log.partitions
  std::string from;                  // "-" = stdin
  std::string to;                    // "" = the log of CliOptions
  int metrics_port = 0;  // serve /metrics on 127.0.0.1:metrics_port while running; 0 = off
};

struct ProcessSettings {
  // Everything but `producer` (Settings::producer) and `parse.mapping` (below):
  // ProcessorOptionsFrom puts them together. The lake (LakeSettings) is opened apart.
  process::ProcessorOptions processor;
  std::string mapping;   // a preset name or "field=Column[:format],..." (parse.mapping)
  std::string from;      // "" = the log of CliOptions
  std::string enricher;  // sentiment enricher by name
  bool locations = true;
  bool allow_all_rejected = false;  // a run that rejects every record still exits 0
  int metrics_port = 0;  // serve /metrics on 127.0.0.1:metrics_port while running; 0 = off
  // The model that scores the stream too: a registry reference, or an artifact directory
  // (at most one of them; both empty = no model).
  std::string model;
  std::string model_dir;
};

struct LakeSettings {
  std::string dir;        // "" = no lake (process), HOME/lake (demo, lake)
  std::string writer_id;  // the processor's lake writer id; "" = made from its group
  std::string date;       // lake compact: YYYY-MM-DD
};

struct TopicSettings {
  int64_t count = 10;
  int partition = -1;   // -1 = all
  std::string group;    // stats: also the group's committed offsets and lag
  int64_t offset = -1;  // tail: first offset (-1 = the last `count`)
};

struct DemoSettings {
  // generate.* with demo.count and demo.seed; drift after half the stream and 0.5 %
  // malformed records unless generate.drift_after / generate.malformed_rate were given.
  ingest::GeneratorOptions generator;
  bool keep = false;
};

struct MonitorSettings {
  std::string reference;      // SRC (app::ReadReference)
  double reference_poll = 5;  // seconds between checks of a model:NAME@ALIAS reference
  std::string current;
  std::vector<std::string>
      columns;       // from a comma-separated list; empty = every shared column but free text
  std::string html;  // report file; "" = none
  int threads = 0;
  // monitor quality
  std::string predictions;  // LOG_URI[#topic]
  std::string labels;       // FILE.csv, FILE.jsonl or LOG_URI#topic
  std::string label_column;
  std::string id_column;
  std::string window;                  // a duration (monitor::ParseDurationMs)
  std::string lateness;                // a duration
  std::string idle_partition = "10s";  // a duration
  std::string model;                   // "" = every model
  std::string events_topic;
  double min_accuracy = 0;  // 0 = no events
  double min_macro_f1 = 0;
  int metrics_port = 0;
  // monitor run
  std::string enriched;  // LOG_URI[#topic]; "" = the log of CliOptions, process.enriched_topic
  std::string group;
  bool exit_when_idle = false;
};

// The registry's URI and who/why of changes (app::OpenRegistry, cli models/runs).
struct RegistrySettings {
  std::string uri;     // "" = HOME/registry
  std::string actor;   // "" = the OS user
  std::string reason;  // audit log "why"
  std::string alias = "champion";
  std::string artifact;    // models register --artifact
  std::string run;         // models register --run
  std::string experiment;  // runs list --experiment
  int64_t count = 20;      // runs list -n
  std::string since;       // audit --since
};

// A lake and a range of its partition dates, as the train and evaluate flags give them.
struct LakeRangeSettings {
  std::string dir;   // "" = not from the lake
  std::string from;  // "YYYY-MM-DD" or ""
  std::string to;    // inclusive, or ""
};

struct TrainSettings {
  std::string spec;                     // YAML spec file
  std::vector<std::string> data_files;  // input files of a time split (train.data, commas)
  LakeRangeSettings lake;               // train.lake, train.from, train.to
  std::string out;             // artifact directory; "" = HOME/models/<spec name>/<UTC time>
  std::string experiment;      // registry experiment of the run; "" = the spec's name
  std::string register_model;  // registered model to add a version to; "" = none
  std::string alias;           // with register_model: alias moved to the new version
};

struct PredictSettings {
  std::string model;  // artifact directory
  std::string input;  // file to score
  enum class Format { kAuto, kCsv, kJsonl, kLines };
  Format format = Format::kAuto;  // auto: from the file's extension
  std::string column = "text";    // lines: the column each line fills
  std::string out = "-";          // "-" = stdout
};

// covidflow serve (app::StartServing).
struct ServeSettings {
  std::string model;      // NAME@ALIAS | NAME/VERSION | NAME
  std::string model_dir;  // an artifact directory instead
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;  // 0 = one per core, at least 2
  int64_t max_body_bytes = 10 << 20;
  int64_t max_rows = 10000;
  double poll_interval_s = 5;
  std::string token;        // POST /admin/reload; "" = disabled
  std::string cache_dir;    // "" = HOME/serve-cache
  std::string challenger;   // NAME@ALIAS | NAME/VERSION | NAME; "" = none
  double canary_share = 0;  // with a challenger: the share it answers
  bool shadow = false;      // with a challenger: it scores copies instead
  // Where serve's and process --model's predictions go on the log; "" = not logged.
  std::string predictions_topic = "predictions";
};

// covidflow dashboard (app::StartDashboard).
struct DashboardSettings {
  std::string host = "127.0.0.1";
  int port = 8050;
  double interval_s = 1;
};

// covidflow up: the retraining loop's options (orchestrate/loop.h; state_path is set from HOME)
// and how `up` feeds it.
struct LoopSettings {
  orchestrate::LoopOptions options;
  std::string spec;           // its split is replaced by the lake window
  int dashboard_port = 8050;  // up's own server: the dashboard and /metrics
  int64_t tick_ms = 1000;
  int64_t window_rows = 20000;
  double holdout = 0.2;
  std::string events_topic = "monitor.events";
  int64_t quality_rows = 1000;
  int64_t gate_requests = 200;
  double gate_p99_ms = 50;
  double gate_min_agreement = 0.5;
};

struct Settings {
  CliOptions cli;
  LogSettings log;
  log::ProducerOptions producer;
  GenerateSettings generate;
  ProduceSettings produce;
  ProcessSettings process;
  LakeSettings lake;
  TopicSettings topic;
  DemoSettings demo;
  enrich::SentimentCommandOptions sentiment;
  MonitorSettings monitor;
  RegistrySettings registry;
  TrainSettings train;
  PredictSettings predict;
  ServeSettings serve;
  DashboardSettings dashboard;
  LoopSettings loop;
  train::EvaluateOptions evaluate;  // data_files from evaluate.data split at commas
  LakeRangeSettings evaluate_lake;  // evaluate.lake, evaluate.from, evaluate.to (app::RunEvaluate)
};

// Fills every struct from the validated values of `c`. It cannot fail: values were checked
// against the table when they were set, and the binding checks at compile time that each
// key exists, has the field's type and fits in it. If `bound` is given, it receives how many
// times each row of the table (by Key::index) was bound (settings_test: exactly once each).
Settings BindSettings(const config::Config& c, std::vector<int>* bound = nullptr);

}  // namespace covidflow::app
