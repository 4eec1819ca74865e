#include "app/app.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "base/logging.h"
#include "enrich/enrichers.h"
#include "enrich/location/location_step.h"
#include "enrich/location/normalizer.h"
#include "kafka/kafka_log.h"
#include "log/open.h"
#include "registry/embedded.h"
#include "registry/mlflow/mlflow_registry.h"
#include "serve/stream_step.h"

namespace covidflow::app {

Result<std::unique_ptr<log::Log>> OpenLog(std::string_view uri, const LogSettings& settings) {
  constexpr std::string_view kFile = "file://";
  constexpr std::string_view kKafka = "kafka://";
  if (uri.starts_with(kKafka)) {
    kafka::KafkaOptions options = settings.kafka;
    ASSIGN_OR_RETURN(options.extra, kafka::ParseProperties(settings.kafka_properties));
    return kafka::OpenKafkaLog(uri.substr(kKafka.size()), options);
  }
  if (!uri.starts_with(kFile)) {
    return Status::InvalidArgument("unknown log URI '" + std::string(uri) +
                                   "' (expected file://DIR or kafka://HOST:PORT)");
  }
  if (uri.size() == kFile.size()) {
    return Status::InvalidArgument("log URI '" + std::string(uri) + "' has no directory");
  }
  return log::OpenFileLog(uri.substr(kFile.size()), settings.file);
}

Status CheckLogExists(std::string_view uri) {
  constexpr std::string_view kFile = "file://";
  if (!uri.starts_with(kFile)) return Status::Ok();
  const std::string dir(uri.substr(kFile.size()));
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    return Status::NotFound("no log at " + dir + " (covidflow produce creates one)");
  }
  return Status::Ok();
}

std::string HomeDir(const CliOptions& cli) {
  return cli.home.empty() ? (std::filesystem::current_path() / "covidflow-home").string()
                          : cli.home;
}

Status ForEachRecord(log::Log& log, const std::string& topic,
                     const std::function<Status(const log::InRecord&)>& visit) {
  ASSIGN_OR_RETURN(log::TopicInfo info, log.DescribeTopic(topic));
  std::vector<std::pair<TopicPartition, Offset>> positions;
  int64_t remaining = 0;
  for (const log::PartitionInfo& p : info.partitions) {
    if (p.end.value() <= p.start.value()) continue;
    positions.push_back({{topic, p.partition}, p.start});
    remaining += p.end.value() - p.start.value();
  }
  if (positions.empty()) return Status::Ok();
  log::ConsumerOptions options;
  options.max_poll_records = 65536;
  ASSIGN_OR_RETURN(auto consumer, log.NewConsumer(options));
  RETURN_IF_ERROR(consumer->Assign(positions));
  // The records are there already: a run of empty polls means the log stopped answering.
  int empty = 0;
  while (remaining > 0 && empty < 100) {
    ASSIGN_OR_RETURN(auto records, consumer->Poll(std::chrono::milliseconds(100)));
    empty = records.empty() ? empty + 1 : 0;
    for (const log::InRecord& r : records) {
      RETURN_IF_ERROR(visit(r));
      --remaining;
    }
  }
  if (remaining > 0) {
    return Status::Timeout("topic " + topic + ": " + std::to_string(remaining) +
                           " records could not be read");
  }
  return Status::Ok();
}

std::string LogUri(const CliOptions& cli, std::string_view override_uri) {
  if (!override_uri.empty()) return std::string(override_uri);
  if (!cli.log_uri.empty()) return cli.log_uri;
  return "file://" + HomeDir(cli) + "/log";
}

Result<std::unique_ptr<registry::Registry>> OpenRegistry(std::string_view uri,
                                                         const CliOptions& cli) {
  constexpr std::string_view kSqlite = "sqlite:///";
  std::string dir;
  std::string database;
  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    return registry::mlflow::OpenMlflowRegistry(uri);
  }
  if (uri.empty()) {
    dir = HomeDir(cli) + "/registry";
  } else if (uri.starts_with(kSqlite)) {
    database = std::string(uri.substr(kSqlite.size()));
    if (database.empty() || database.back() == '/') {
      return Status::InvalidArgument("registry.uri '" + std::string(uri) +
                                     "' names no database file");
    }
    dir = DirName(database);
  } else if (uri.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("registry.uri '" + std::string(uri) +
                                   "': expected a directory, sqlite:///FILE or http://HOST:PORT");
  } else {
    dir = std::string(uri);
  }
  if (database.empty()) database = dir + "/registry.db";
  return registry::OpenEmbeddedRegistry(registry::EmbeddedOptions{database, dir + "/artifacts"});
}

registry::Change ChangeFrom(const RegistrySettings& settings) {
  return registry::Change{settings.actor.empty() ? registry::DefaultActor() : settings.actor,
                          settings.reason};
}

Result<ingest::GeneratorStats> GenerateFile(const ingest::GeneratorOptions& options,
                                            const std::string& path) {
  int fd = STDOUT_FILENO;
  if (path != "-") {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno(errno, "cannot write " + path);
  }
  Result<ingest::GeneratorStats> stats = ingest::Generate(options, fd);
  if (fd != STDOUT_FILENO && ::close(fd) != 0 && stats.ok()) {
    return Status::FromErrno(errno, "close " + path);
  }
  return stats;
}

Result<UniqueFd> OpenInput(const std::string& from) {
  if (from == "-") {
    UniqueFd fd(::dup(STDIN_FILENO));
    if (!fd.valid()) return Status::FromErrno(errno, "cannot read stdin");
    return fd;
  }
  // open(2) succeeds on a directory and the first read fails; say so up front.
  std::error_code ec;
  if (std::filesystem::is_directory(from, ec)) {
    return Status::InvalidArgument("cannot read " + from + ": is a directory");
  }
  UniqueFd fd(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "cannot read " + from);
  return fd;
}

Result<ingest::FileSourceCounts> ProduceFile(const Settings& s, log::Log& log, UniqueFd input,
                                             const std::string& name, const std::string& topic,
                                             metrics::Registry* metrics) {
  ingest::FileSourceOptions o = s.produce.source;
  o.topic = topic;
  o.name = name;
  ASSIGN_OR_RETURN(o.mapping, MappingFrom(s.process.mapping));
  auto producer = log.NewProducer(s.producer);
  if (!producer.ok()) return producer.status();
  return ingest::ProduceFromFd(input.get(), log, **producer, o, metrics);
}

Result<process::ProcessorOptions> ProcessorOptionsFrom(const Settings& s) {
  // A bad enricher name is a bad setting (exit 2), found before anything is opened.
  if (Status st = enrich::CheckEnricher(s.process.enricher); !st.ok()) {
    return st.WithContext("process.enricher");
  }
  // So is a model named twice or malformed (the model itself is loaded with the processor).
  if (!s.process.model.empty() && !s.process.model_dir.empty()) {
    return Status::InvalidArgument(
        "process.model and process.model_dir: name one model (--model or --model-dir), not both");
  }
  if (!s.process.model.empty()) {
    RETURN_IF_ERROR(serve::ParseModelRef(s.process.model, "process.model").status());
  }
  process::ProcessorOptions o = s.process.processor;
  o.output_partitions = 0;
  o.producer = s.producer;
  ASSIGN_OR_RETURN(o.parse.mapping, MappingFrom(s.process.mapping));
  return o;
}

Result<schema::ColumnMapping> MappingFrom(const std::string& spec) {
  Result<schema::ColumnMapping> m = spec.find('=') == std::string::npos
                                        ? schema::ColumnMapping::Preset(spec)
                                        : schema::ColumnMapping::Parse(spec);
  if (!m.ok()) return m.status().WithContext("parse.mapping");
  return m;
}

Result<std::shared_ptr<const enrich::Enrichment>> MakeEnrichment(std::string_view enricher,
                                                                 bool locations) {
  ASSIGN_OR_RETURN(std::unique_ptr<enrich::Enricher> sentiment, enrich::MakeEnricher(enricher));
  std::vector<std::shared_ptr<const enrich::EnrichmentStep>> steps;
  steps.push_back(std::make_shared<const enrich::SentimentStep>(std::move(sentiment)));
  if (locations) {
    steps.push_back(std::make_shared<const enrich::location::LocationStep>(
        enrich::location::LocationNormalizer::Default()));
  }
  return std::make_shared<const enrich::Enrichment>(std::move(steps));
}

Result<std::shared_ptr<const enrich::Enrichment>> MakeEnrichment(const Settings& s) {
  return MakeEnrichment(s.process.enricher, s.process.locations);
}

Result<std::unique_ptr<lake::LakeSink>> OpenLakeSink(std::string_view dir,
                                                     std::string_view writer_id,
                                                     std::string_view group) {
  if (dir.empty()) return std::unique_ptr<lake::LakeSink>();
  lake::SinkOptions options;
  if (!writer_id.empty()) {
    options.writer_id = std::string(writer_id);
  } else {
    // Writer ids are letters, digits, '_' and '.' only.
    options.writer_id.clear();
    for (char ch : group) {
      const bool keep = std::isalnum(static_cast<unsigned char>(ch)) || ch == '.';
      options.writer_id.push_back(keep ? ch : '_');
    }
    if (options.writer_id.empty()) options.writer_id = "w0";
  }
  return lake::LakeSink::Open(std::string(dir), std::move(options));
}

Result<ServedModel> LoadServedModel(const Settings& s, std::string_view ref, std::string_view dir,
                                    std::string_view field) {
  if (ref.empty() == dir.empty()) {
    return Status::InvalidArgument(std::string(field) +
                                   ": name one model, a registry reference (--model "
                                   "NAME@ALIAS|NAME/VERSION|NAME) or an artifact directory "
                                   "(--model-dir DIR)");
  }
  ServedModel out;
  if (!dir.empty()) {
    ASSIGN_OR_RETURN(out.model, serve::LoadFromDir(std::string(dir)));
    return out;
  }
  ASSIGN_OR_RETURN(out.ref, serve::ParseModelRef(ref, field));
  ASSIGN_OR_RETURN(out.registry, OpenRegistry(s.registry.uri, s.cli));
  out.cache_dir = s.serve.cache_dir.empty() ? HomeDir(s.cli) + "/serve-cache" : s.serve.cache_dir;
  Result<std::shared_ptr<const serve::LoadedModel>> loaded =
      serve::LoadFromRegistry(*out.registry, out.ref, out.cache_dir);
  if (!loaded.ok()) {
    const StatusCode code = loaded.status().code() == StatusCode::kInvalidArgument
                                ? StatusCode::kFailedPrecondition
                                : loaded.status().code();
    return Status(code, loaded.status().message());
  }
  out.model = std::move(*loaded);
  return out;
}

Result<std::unique_ptr<serve::PredictionLog>> OpenPredictionLog(const Settings& s, log::Log& log,
                                                                metrics::Registry* metrics) {
  if (s.serve.predictions_topic.empty()) return std::unique_ptr<serve::PredictionLog>();
  serve::PredictionLogOptions options;
  options.topic = s.serve.predictions_topic;
  options.partitions = s.produce.source.partitions;  // log.partitions
  auto opened = serve::PredictionLog::Open(log, options, metrics);
  if (!opened.ok()) return opened.status().WithContext("serve.predictions_topic");
  return opened;
}

Result<ProcessorStack> MakeProcessor(const Settings& s, log::Log& log,
                                     process::ProcessorOptions options, std::string_view lake_dir,
                                     metrics::Registry* metrics) {
  ProcessorStack stack;
  ASSIGN_OR_RETURN(std::shared_ptr<const enrich::Enrichment> enrichment, MakeEnrichment(s));
  if (!s.process.model.empty() || !s.process.model_dir.empty()) {
    ASSIGN_OR_RETURN(ServedModel served,
                     LoadServedModel(s, s.process.model, s.process.model_dir, "process.model"));
    RETURN_IF_ERROR(serve::CheckStreamable(served.model->model)
                        .WithContext("process.model " + served.model->Id()));
    stack.model = std::make_shared<serve::ModelSlot>(std::move(served.model));
    ASSIGN_OR_RETURN(stack.predictions, OpenPredictionLog(s, log, metrics));
    std::vector<std::shared_ptr<const enrich::EnrichmentStep>> steps = enrichment->steps();
    steps.push_back(std::make_shared<const serve::ModelStep>(stack.model, stack.predictions.get()));
    enrichment = std::make_shared<const enrich::Enrichment>(std::move(steps));
  }
  stack.enrichment = std::make_shared<enrich::EnrichmentSlot>(std::move(enrichment));
  ASSIGN_OR_RETURN(stack.lake, OpenLakeSink(lake_dir, s.lake.writer_id, options.group));
  stack.processor = std::make_unique<process::Processor>(log, *stack.enrichment, stack.lake.get(),
                                                         std::move(options), metrics);
  return stack;
}

Result<process::ProcessorCounts> RunProcessor(const Settings& s, log::Log& log,
                                              process::ProcessorOptions options,
                                              std::string_view lake_dir,
                                              const std::atomic<bool>& stop,
                                              metrics::Registry* metrics) {
  if (!options.exit_when_idle) {
    bool said = false;
    while (!stop.load()) {
      Result<log::TopicInfo> input = log.DescribeTopic(options.input_topic);
      if (input.ok()) break;
      if (input.status().code() != StatusCode::kNotFound) return input.status();
      if (!said) {
        LogLine(LogLevel::kInfo,
                "process: waiting for topic " + options.input_topic + " (a producer creates it)");
        said = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (stop.load()) return process::ProcessorCounts{};
  }
  ASSIGN_OR_RETURN(ProcessorStack stack,
                   MakeProcessor(s, log, std::move(options), lake_dir, metrics));
  return stack.processor->Run(stop);
}

Result<std::unique_ptr<enrich::Enricher>> MakeEnricher(std::string_view name) {
  return enrich::MakeEnricher(name);
}

}  // namespace covidflow::app
