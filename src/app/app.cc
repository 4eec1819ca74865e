#include "app/app.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "log/open.h"

#include "enrich/enrichers.h"
#include "enrich/location/normalizer.h"
#include "kafka/kafka_log.h"

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

std::string HomeDir(const CliOptions& cli) {
  return cli.home.empty() ? (std::filesystem::current_path() / "covidflow-home").string()
                          : cli.home;
}

std::string LogUri(const CliOptions& cli, std::string_view override_uri) {
  if (!override_uri.empty()) return std::string(override_uri);
  if (!cli.log_uri.empty()) return cli.log_uri;
  return "file://" + HomeDir(cli) + "/log";
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

Result<ingest::FileSourceCounts> ProduceFile(const Settings& s, log::Log& log,
                                             const std::string& from, const std::string& topic) {
  int fd = STDIN_FILENO;
  if (from != "-") {
    fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "cannot read " + from);
  }
  ingest::FileSourceOptions o = s.produce.source;
  o.topic = topic;
  o.name = from;
  auto producer = log.NewProducer(s.producer);
  Result<ingest::FileSourceCounts> counts =
      producer.ok() ? ingest::ProduceFromFd(fd, log, **producer, o) : producer.status();
  if (fd != STDIN_FILENO) ::close(fd);
  return counts;
}

Result<process::ProcessorOptions> ProcessorOptionsFrom(const Settings& s) {
  process::ProcessorOptions o = s.process.processor;
  o.output_partitions = 0;
  o.producer = s.producer;
  o.lake_dir = s.lake.dir;
  const std::string& mapping = s.process.mapping;
  Result<schema::ColumnMapping> m = mapping.find('=') == std::string::npos
                                        ? schema::ColumnMapping::Preset(mapping)
                                        : schema::ColumnMapping::Parse(mapping);
  if (!m.ok()) return m.status().WithContext("parse.mapping");
  o.parse.mapping = std::move(m).value();
  return o;
}

Result<process::ProcessorCounts> RunProcessor(const Settings& s, log::Log& log,
                                              process::ProcessorOptions options,
                                              const std::atomic<bool>& stop) {
  ASSIGN_OR_RETURN(auto enricher, MakeEnricher(s.process.enricher));
  process::LocationFn location;
  if (s.process.locations) location = MakeLocationFn();
  process::Processor p(log, *enricher, std::move(location), std::move(options));
  return p.Run(stop);
}

Result<std::unique_ptr<enrich::Enricher>> MakeEnricher(std::string_view name) {
  return enrich::MakeEnricher(name);
}

process::LocationFn MakeLocationFn() {
  const auto& n = enrich::location::LocationNormalizer::Default();
  return [&n](std::string_view s) { return n.Normalize(s); };
}

}  // namespace covidflow::app
