#pragma once
// The one composition root: the only place that knows every implementation. Settings
// (app/settings.h) and URIs and names from them become objects here (log URI → embedded log
// or Kafka; enricher name → enricher; file or stdin → a source), so every other module
// talks to interfaces and plain option structs only, and cli/ parses, calls this, prints.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "app/settings.h"
#include "base/fs.h"
#include "base/status.h"
#include "enrich/enricher.h"
#include "enrich/enrichment.h"
#include "ingest/file_source.h"
#include "ingest/generator.h"
#include "lake/sink.h"
#include "log/log.h"
#include "metrics/registry.h"
#include "process/processor.h"
#include "registry/registry.h"
#include "serve/model_source.h"
#include "serve/prediction_log.h"

namespace covidflow::app {

// The one entry point for a log URI: file://DIR → the embedded log (log::OpenFileLog),
// kafka://HOST:PORT[,HOST:PORT...] → Kafka (kafka::OpenKafkaLog, after kafka.properties is
// parsed: a bad list fails here, before any connection). kInvalidArgument for another
// scheme or an empty directory.
Result<std::unique_ptr<log::Log>> OpenLog(std::string_view uri, const LogSettings& settings);
// For a file:// URI, kNotFound "no log at DIR" when DIR does not exist; Ok otherwise (Kafka
// says for itself). Commands that only read a log call it first, so a mistyped path is an
// error and not a new empty log.
Status CheckLogExists(std::string_view uri);

// Calls `visit` on every record `topic` holds when called, partition by partition from its
// start (no group, nothing committed); stops at the first error `visit` returns. kTimeout when
// the log stops delivering records it said it holds.
Status ForEachRecord(log::Log& log, const std::string& topic,
                     const std::function<Status(const log::InRecord&)>& visit);

// The effective home directory: --home, else ./covidflow-home.
std::string HomeDir(const CliOptions& cli);
// log.uri, else file://HOME/log. `override_uri` (produce --to, process --from) wins.
std::string LogUri(const CliOptions& cli, std::string_view override_uri = {});

// The one entry point for a registry URI: "" → the embedded registry in HOME/registry;
// sqlite:///FILE → embedded, database FILE (relative unless FILE starts with '/', as in
// MLflow's and SQLAlchemy's URIs), artifacts beside it in <dir of FILE>/artifacts; a plain
// directory DIR → embedded, DIR/registry.db and DIR/artifacts; http://HOST:PORT → an MLflow
// server. kInvalidArgument naming registry.uri for anything else.
Result<std::unique_ptr<registry::Registry>> OpenRegistry(std::string_view uri,
                                                         const CliOptions& cli);
// registry.actor, else the OS user.
registry::Change ChangeFrom(const RegistrySettings& settings);

// Writes the synthetic stream to `path` ("-" = stdout).
Result<ingest::GeneratorStats> GenerateFile(const ingest::GeneratorOptions& options,
                                            const std::string& path);
// `from` opened for reading ("-" = a duplicate of stdin); kNotFound or kIoError saying
// "cannot read FROM" (also for a directory). Opened before the log is, so a missing input
// leaves no log directory behind.
Result<UniqueFd> OpenInput(const std::string& from);
// Appends the records read from `input` (named `name` in dead letters) to `topic` of `log`
// (produce, demo). A CSV header that parse.mapping cannot read fails before any record is sent.
// `metrics`: where the file source's probe keeps its series (null = none).
Result<ingest::FileSourceCounts> ProduceFile(const Settings& s, log::Log& log, UniqueFd input,
                                             const std::string& name, const std::string& topic,
                                             metrics::Registry* metrics = nullptr);

// The processor's options: ProcessSettings with the producer's options and the column mapping (a
// preset or a "field=Column" list; kInvalidArgument naming parse.mapping when it is neither).
Result<process::ProcessorOptions> ProcessorOptionsFrom(const Settings& s);
// parse.mapping's value: a preset name or a "field=Column[:format],..." list (kInvalidArgument
// naming parse.mapping otherwise). produce checks a CSV header with it, process reads with it.
Result<schema::ColumnMapping> MappingFrom(const std::string& spec);

// The processor's enrichment: the sentiment enricher named `enricher` ("none", "vader", ...),
// then, with `locations`, the location normalizer.
Result<std::shared_ptr<const enrich::Enrichment>> MakeEnrichment(std::string_view enricher,
                                                                 bool locations);
// The same from process.enricher and process.locations.
Result<std::shared_ptr<const enrich::Enrichment>> MakeEnrichment(const Settings& s);

// The lake sink of a processor: `dir` (empty = no lake, a null sink), written as `writer_id`,
// or, when that is empty, as an id made from the processor group.
Result<std::unique_ptr<lake::LakeSink>> OpenLakeSink(std::string_view dir,
                                                     std::string_view writer_id,
                                                     std::string_view group);

// A model to serve or to score the stream with, and what following it needs.
struct ServedModel {
  std::unique_ptr<registry::Registry> registry;  // null for an artifact directory
  serve::ModelRef ref;                           // the parsed reference; empty for a directory
  std::string cache_dir;                         // serve.cache_dir, else HOME/serve-cache
  std::shared_ptr<const serve::LoadedModel> model;
};
// The writer of the prediction log (serve/prediction_log.h) on serve.predictions_topic of
// `log` (made with log.partitions when missing); null when the setting is empty. Its series go
// into `metrics` when given (it must outlive the writer).
Result<std::unique_ptr<serve::PredictionLog>> OpenPredictionLog(const Settings& s, log::Log& log,
                                                                metrics::Registry* metrics);

// The one loading of a served model (serve --model, serve --challenger, process --model):
// `ref` ("NAME@ALIAS", "NAME/VERSION", "NAME") from the registry of registry.uri, downloaded
// into the cache, or the artifact directory `dir`; loaded and smoke-tested
// (serve/model_source.h). kInvalidArgument naming `field` when both or neither are given or
// the reference is malformed; a version that is missing or refuses to load is kNotFound or
// kFailedPrecondition (the flags were well formed: the work fails, not the command line).
Result<ServedModel> LoadServedModel(const Settings& s, std::string_view ref, std::string_view dir,
                                    std::string_view field);

// A processor with what it runs on; members are destroyed processor first.
struct ProcessorStack {
  // With process.model or process.model_dir: the model scoring the stream (the last
  // enrichment step reads it once per chunk; Swap replaces it). Null without a model.
  std::shared_ptr<serve::ModelSlot> model;
  // With a model and serve.predictions_topic: its predictions' writer (the model's step
  // queues into it; it closes, flushing, after the processor and the step are gone).
  std::unique_ptr<serve::PredictionLog> predictions;
  std::shared_ptr<enrich::EnrichmentSlot> enrichment;  // Swap replaces it at the next batch
  std::unique_ptr<lake::LakeSink> lake;                // null without a lake
  std::unique_ptr<process::Processor> processor;
};
// The enrichment the settings name (then the model's step with process.model or
// process.model_dir, its predictions logged on serve.predictions_topic of `log`), the lake sink in
// `lake_dir` (empty = none; commands pass lake.dir or their own default; writer id lake.writer_id)
// and a processor over `log`, whose probe also counts into `metrics` when given (it must outlive
// the processor).
Result<ProcessorStack> MakeProcessor(const Settings& s, log::Log& log,
                                     process::ProcessorOptions options, std::string_view lake_dir,
                                     metrics::Registry* metrics = nullptr);
// MakeProcessor, then runs it until it is idle (exit_when_idle) or `stop` is set. Without
// exit_when_idle, a processor started before its producer waits for the input topic to appear
// (a stop meanwhile returns zero counts); with it, a missing input topic is kNotFound.
Result<process::ProcessorCounts> RunProcessor(const Settings& s, log::Log& log,
                                              process::ProcessorOptions options,
                                              std::string_view lake_dir,
                                              const std::atomic<bool>& stop,
                                              metrics::Registry* metrics = nullptr);

// An enricher by name ("none", "vader", ...).
Result<std::unique_ptr<enrich::Enricher>> MakeEnricher(std::string_view name);

}  // namespace covidflow::app
