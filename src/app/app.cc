#include "app/app.h"

#include <filesystem>

#include "log/open.h"

#ifdef CF_HAVE_KAFKA
#include "kafka/kafka_log.h"
#endif
#include "enrich/registry.h"
#ifdef CF_HAVE_LOCATION
#include "enrich/location/normalizer.h"
#endif

namespace covidflow::app {

Result<std::unique_ptr<log::Log>> OpenLog(std::string_view uri, const config::Config& c) {
  if (uri.starts_with("kafka://")) {
#ifdef CF_HAVE_KAFKA
    kafka::KafkaOptions options;
    options.client_id = c.Str("kafka.client_id");
    options.linger = std::chrono::milliseconds(c.Int("kafka.linger_ms"));
    options.session_timeout = std::chrono::milliseconds(c.Int("kafka.session_timeout_ms"));
    options.statistics_interval = std::chrono::milliseconds(c.Int("kafka.stats_interval_ms"));
    ASSIGN_OR_RETURN(options.extra, kafka::ParseProperties(c.Str("kafka.properties")));
    return kafka::OpenKafkaLog(uri.substr(8), options);
#else
    return Status::InvalidArgument("this build of covidflow has no Kafka support");
#endif
  }
  log::OpenOptions options;
  options.segment_bytes = c.Int("log.segment_bytes");
  options.retention_bytes = c.Int("log.retention_bytes");
  const int64_t hours = c.Int("log.retention_hours");
  options.retention_ms = hours < 0 ? -1 : hours * 3600 * 1000;
  return log::OpenLog(uri, options);
}

std::string HomeDir(const config::Config& c) {
  const std::string& home = c.Str("home");
  return home.empty() ? (std::filesystem::current_path() / "covidflow-home").string() : home;
}

std::string LogUri(const config::Config& c, std::string_view override_uri) {
  if (!override_uri.empty()) return std::string(override_uri);
  if (!c.Str("log.uri").empty()) return c.Str("log.uri");
  return "file://" + HomeDir(c) + "/log";
}

log::ProducerOptions ProducerOptionsFrom(const config::Config& c) {
  log::ProducerOptions p;
  const std::string& f = c.Str("log.fsync");
  p.fsync = f == "never"      ? log::FsyncPolicy::kNever
            : f == "interval" ? log::FsyncPolicy::kInterval
                              : log::FsyncPolicy::kEveryFlush;
  p.fsync_interval = std::chrono::milliseconds(c.Int("log.fsync_interval_ms"));
  p.compression = c.Str("kafka.compression");
  return p;
}

Result<process::ProcessorOptions> ProcessorOptionsFrom(const config::Config& c) {
  process::ProcessorOptions o;
  o.input_topic = c.Str("process.topic");
  o.enriched_topic = c.Str("process.enriched_topic");
  o.dlq_topic = c.Str("process.dlq_topic");
  o.group = c.Str("process.group");
  o.batch = static_cast<size_t>(c.Int("process.batch"));
  o.threads = static_cast<int>(c.Int("process.threads"));
  o.send_threads = static_cast<int>(c.Int("process.send_threads"));
  o.exit_when_idle = c.Bool("process.exit_when_idle");
  o.idle = std::chrono::milliseconds(c.Int("process.idle_ms"));
  o.output_partitions = 0;
  o.producer = ProducerOptionsFrom(c);
  o.lake_dir = c.Str("lake.dir");
  o.lake_writer_id = c.Str("lake.writer_id");
  o.trace = c.Bool("process.trace");
  o.parse.utf8 =
      c.Str("parse.utf8") == "reject" ? schema::Utf8Policy::kReject : schema::Utf8Policy::kRepair;
  o.parse.max_field_bytes = static_cast<size_t>(c.Int("parse.max_field_bytes"));
  o.parse.keep_extra_columns = c.Bool("parse.keep_extra_columns");
  const std::string& mapping = c.Str("parse.mapping");
  Result<schema::ColumnMapping> m = mapping.find('=') == std::string::npos
                                        ? schema::ColumnMapping::Preset(mapping)
                                        : schema::ColumnMapping::Parse(mapping);
  if (!m.ok()) return m.status().WithContext("parse.mapping");
  o.parse.mapping = std::move(m).value();
  return o;
}

Result<std::unique_ptr<enrich::Enricher>> MakeEnricher(std::string_view name) {
  return enrich::MakeEnricher(name);
}

process::LocationFn MakeLocationFn() {
#ifdef CF_HAVE_LOCATION
  const auto& n = enrich::location::LocationNormalizer::Default();
  return [&n](std::string_view s) { return n.Normalize(s); };
#else
  return {};
#endif
}

}  // namespace covidflow::app
