#include "app/settings.h"

#include <chrono>
#include <limits>
#include <type_traits>
#include <variant>

#include "config/settings_table.h"

namespace covidflow::app {
namespace {

using config::K;
using config::Key;
using config::Type;

template <typename T>
constexpr bool kIsMilliseconds = std::is_same_v<T, std::chrono::milliseconds>;

// The integer type that holds a field's value: the field's own, or a duration's count.
template <typename T>
struct RepOf {
  using type = T;
};
template <>
struct RepOf<std::chrono::milliseconds> {
  using type = std::chrono::milliseconds::rep;
};

// Reads the validated values of a Config into fields. Every check that can be made when
// the program is compiled is made then: the key exists (K), the setting's type matches the
// field's, an int setting's bounds fit the field, an enum's choices and the C++ enum's
// values are as many. Counts each read in `bound` for the exactly-once test.
class Binder {
 public:
  Binder(const config::Config& c, std::vector<int>* bound) : config_(c), bound_(bound) {
    if (bound_ != nullptr) bound_->assign(config::AllSettings().size(), 0);
  }

  // The setting's value as its own type (std::string, int64_t, double, bool), for a field
  // that needs a conversion (hours → milliseconds).
  template <Key key>
  const auto& Value() {
    constexpr Type type = config::SettingOf(key).type;
    static_assert(type != Type::kEnum, "an enum setting is bound with Enum()");
    if (bound_ != nullptr) ++(*bound_)[key.index];
    using V = std::conditional_t<
        type == Type::kString, std::string,
        std::conditional_t<type == Type::kInt, int64_t,
                           std::conditional_t<type == Type::kDouble, double, bool>>>;
    return std::get<V>(config_.Get(key).typed);
  }

  template <Key key, typename T>
  void Bind(T& field) {
    constexpr const config::Setting& s = config::SettingOf(key);
    if constexpr (std::is_same_v<T, std::string>) {
      static_assert(s.type == Type::kString, "a string field needs a string setting");
      field = Value<key>();
    } else if constexpr (std::is_same_v<T, bool>) {
      static_assert(s.type == Type::kBool, "a bool field needs a bool setting");
      field = Value<key>();
    } else if constexpr (std::is_floating_point_v<T>) {
      static_assert(s.type == Type::kDouble, "a floating-point field needs a number setting");
      field = static_cast<T>(Value<key>());
    } else if constexpr (std::is_integral_v<T> || kIsMilliseconds<T>) {
      static_assert(s.type == Type::kInt, "an integer field needs an int setting");
      using Rep = typename RepOf<T>::type;
      static_assert(s.min <= s.max, "an int setting bound to a field has bounds");
      static_assert(s.min >= static_cast<double>(std::numeric_limits<Rep>::min()) &&
                        s.max <= static_cast<double>(std::numeric_limits<Rep>::max()),
                    "the setting's bounds do not fit in the field");
      field = T(static_cast<Rep>(Value<key>()));
    } else {
      static_assert(!sizeof(T), "no binding for this field type");
    }
  }

  // An enum setting: `in_choice_order[i]` is the C++ value of the table's i-th choice.
  template <Key key, typename E, size_t N>
  void Enum(E& field, const E (&in_choice_order)[N]) {
    constexpr const config::Setting& s = config::SettingOf(key);
    static_assert(s.type == Type::kEnum, "Enum() binds an enum setting");
    static_assert(config::ChoiceCount(s) == N, "one C++ value per choice of the setting");
    if (bound_ != nullptr) ++(*bound_)[key.index];
    field = in_choice_order[std::get<config::Choice>(config_.Get(key).typed).index];
  }

  bool Given(Key key) const { return config_.Get(key).origin != config::Origin::kDefault; }

 private:
  const config::Config& config_;
  std::vector<int>* bound_;
};

int64_t HoursToMs(int64_t hours) { return hours < 0 ? -1 : hours * 3600 * 1000; }

// "a.csv,b.csv" → {"a.csv", "b.csv"}; empty items are dropped.
std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

Settings BindSettings(const config::Config& c, std::vector<int>* bound) {
  Binder b(c, bound);
  Settings s;

  CliOptions& cli = s.cli;
  b.Bind<K("home")>(cli.home);
  b.Bind<K("json")>(cli.json);
  b.Bind<K("log.uri")>(cli.log_uri);

  log::OpenOptions& file = s.log.file;
  b.Bind<K("log.segment_bytes")>(file.segment_bytes);
  file.retention_ms = HoursToMs(b.Value<K("log.retention_hours")>());
  b.Bind<K("log.retention_bytes")>(file.retention_bytes);

  kafka::KafkaOptions& kafka = s.log.kafka;
  b.Bind<K("kafka.client_id")>(kafka.client_id);
  b.Bind<K("kafka.linger_ms")>(kafka.linger);
  b.Bind<K("kafka.fetch_queue_records")>(kafka.fetch_queue_records);
  b.Bind<K("kafka.fetch_queue_kb")>(kafka.fetch_queue_kbytes);
  b.Bind<K("kafka.session_timeout_ms")>(kafka.session_timeout);
  b.Bind<K("kafka.stats_interval_ms")>(kafka.statistics_interval);
  b.Bind<K("kafka.properties")>(s.log.kafka_properties);

  log::ProducerOptions& producer = s.producer;
  using log::FsyncPolicy;
  b.Enum<K("log.fsync")>(producer.fsync,
                         {FsyncPolicy::kNever, FsyncPolicy::kInterval, FsyncPolicy::kEveryFlush});
  b.Bind<K("log.fsync_interval_ms")>(producer.fsync_interval);
  using log::Compression;
  b.Enum<K("kafka.compression")>(producer.compression,
                                 {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                  Compression::kLz4, Compression::kZstd});

  ingest::GeneratorOptions& gen = s.generate.generator;
  using GenFormat = ingest::GeneratorOptions::Format;
  b.Bind<K("generate.count")>(gen.count);
  b.Bind<K("generate.seed")>(gen.seed);
  b.Enum<K("generate.format")>(gen.format, {GenFormat::kCsv, GenFormat::kJsonl});
  b.Bind<K("generate.out")>(s.generate.out);
  b.Bind<K("generate.drift_after")>(gen.drift_after);
  b.Bind<K("generate.malformed_rate")>(gen.malformed_rate);
  b.Bind<K("generate.engagement")>(gen.engagement_label);

  ingest::FileSourceOptions& source = s.produce.source;
  using SourceFormat = ingest::FileSourceOptions::Format;
  b.Bind<K("log.partitions")>(source.partitions);
  b.Bind<K("produce.from")>(s.produce.from);
  b.Bind<K("produce.to")>(s.produce.to);
  b.Bind<K("produce.topic")>(source.topic);
  b.Bind<K("produce.rate")>(source.rate);
  b.Bind<K("produce.metrics_port")>(s.produce.metrics_port);
  b.Enum<K("produce.format")>(source.format,
                              {SourceFormat::kAuto, SourceFormat::kCsv, SourceFormat::kJsonl});

  process::ProcessorOptions& proc = s.process.processor;
  b.Bind<K("process.from")>(s.process.from);
  b.Bind<K("process.topic")>(proc.input_topic);
  b.Bind<K("process.group")>(proc.group);
  b.Bind<K("process.enriched_topic")>(proc.enriched_topic);
  b.Bind<K("process.dlq_topic")>(proc.dlq_topic);
  b.Bind<K("process.exit_when_idle")>(proc.exit_when_idle);
  b.Bind<K("process.idle_ms")>(proc.idle);
  b.Bind<K("process.outage_timeout_ms")>(proc.outage_timeout);
  b.Bind<K("process.batch")>(proc.batch);
  b.Bind<K("process.threads")>(proc.threads);
  b.Bind<K("process.send_threads")>(proc.send_threads);
  b.Bind<K("process.trace")>(proc.trace);
  b.Bind<K("process.allow_all_rejected")>(s.process.allow_all_rejected);
  b.Bind<K("process.metrics_port")>(s.process.metrics_port);
  b.Bind<K("process.enricher")>(s.process.enricher);
  b.Bind<K("process.locations")>(s.process.locations);
  b.Bind<K("process.model")>(s.process.model);
  b.Bind<K("process.model_dir")>(s.process.model_dir);

  schema::ParseOptions& parse = proc.parse;
  b.Enum<K("parse.utf8")>(parse.utf8, {schema::Utf8Policy::kRepair, schema::Utf8Policy::kReject});
  b.Bind<K("parse.max_field_bytes")>(parse.max_field_bytes);
  b.Bind<K("parse.mapping")>(s.process.mapping);
  b.Bind<K("parse.keep_extra_columns")>(parse.keep_extra_columns);

  b.Bind<K("lake.dir")>(s.lake.dir);
  b.Bind<K("lake.writer_id")>(s.lake.writer_id);
  b.Bind<K("lake.date")>(s.lake.date);

  b.Bind<K("topic.count")>(s.topic.count);
  b.Bind<K("topic.partition")>(s.topic.partition);
  b.Bind<K("topic.group")>(s.topic.group);
  b.Bind<K("topic.offset")>(s.topic.offset);

  ingest::GeneratorOptions& demo = s.demo.generator;
  demo = gen;
  b.Bind<K("demo.count")>(demo.count);
  b.Bind<K("demo.seed")>(demo.seed);
  b.Bind<K("demo.keep")>(s.demo.keep);
  if (!b.Given(K("generate.drift_after"))) demo.drift_after = demo.count / 2;
  if (!b.Given(K("generate.malformed_rate"))) demo.malformed_rate = 0.005;

  using SentimentFormat = enrich::SentimentCommandOptions::Format;
  b.Bind<K("sentiment.enricher")>(s.sentiment.enricher);
  b.Bind<K("sentiment.column")>(s.sentiment.column);
  b.Enum<K("sentiment.format")>(s.sentiment.format,
                                {SentimentFormat::kLines, SentimentFormat::kCsv});
  // Asking for a column means the input is a CSV; `--format lines` with a column is refused
  // by the command.
  if (!s.sentiment.column.empty() && !b.Given(K("sentiment.format"))) {
    s.sentiment.format = SentimentFormat::kCsv;
  }
  b.Bind<K("sentiment.list")>(s.sentiment.list);
  s.sentiment.max_field_bytes = parse.max_field_bytes;

  b.Bind<K("monitor.reference")>(s.monitor.reference);
  b.Bind<K("monitor.reference_poll")>(s.monitor.reference_poll);
  b.Bind<K("monitor.current")>(s.monitor.current);
  s.monitor.columns = SplitList(b.Value<K("monitor.columns")>());
  b.Bind<K("monitor.html")>(s.monitor.html);
  b.Bind<K("monitor.threads")>(s.monitor.threads);
  b.Bind<K("monitor.predictions")>(s.monitor.predictions);
  b.Bind<K("monitor.labels")>(s.monitor.labels);
  b.Bind<K("monitor.label_column")>(s.monitor.label_column);
  b.Bind<K("monitor.id_column")>(s.monitor.id_column);
  b.Bind<K("monitor.window")>(s.monitor.window);
  b.Bind<K("monitor.lateness")>(s.monitor.lateness);
  b.Bind<K("monitor.idle_partition")>(s.monitor.idle_partition);
  b.Bind<K("monitor.enriched")>(s.monitor.enriched);
  b.Bind<K("monitor.group")>(s.monitor.group);
  b.Bind<K("monitor.exit_when_idle")>(s.monitor.exit_when_idle);
  b.Bind<K("monitor.model")>(s.monitor.model);
  b.Bind<K("monitor.events_topic")>(s.monitor.events_topic);
  b.Bind<K("monitor.min_accuracy")>(s.monitor.min_accuracy);
  b.Bind<K("monitor.min_macro_f1")>(s.monitor.min_macro_f1);
  b.Bind<K("monitor.metrics_port")>(s.monitor.metrics_port);

  RegistrySettings& reg = s.registry;
  b.Bind<K("registry.uri")>(reg.uri);
  b.Bind<K("registry.actor")>(reg.actor);
  b.Bind<K("registry.reason")>(reg.reason);
  b.Bind<K("audit.since")>(reg.since);
  b.Bind<K("models.alias")>(reg.alias);
  b.Bind<K("models.artifact")>(reg.artifact);
  b.Bind<K("models.run")>(reg.run);
  b.Bind<K("runs.experiment")>(reg.experiment);
  b.Bind<K("runs.count")>(reg.count);
  b.Bind<K("train.spec")>(s.train.spec);
  s.train.data_files = SplitList(b.Value<K("train.data")>());
  b.Bind<K("train.lake")>(s.train.lake.dir);
  b.Bind<K("train.from")>(s.train.lake.from);
  b.Bind<K("train.to")>(s.train.lake.to);
  b.Bind<K("train.out")>(s.train.out);
  b.Bind<K("train.experiment")>(s.train.experiment);
  b.Bind<K("train.register")>(s.train.register_model);
  b.Bind<K("train.alias")>(s.train.alias);
  b.Bind<K("predict.model")>(s.predict.model);
  b.Bind<K("predict.input")>(s.predict.input);
  using PredictFormat = PredictSettings::Format;
  b.Enum<K("predict.format")>(s.predict.format, {PredictFormat::kAuto, PredictFormat::kCsv,
                                                 PredictFormat::kJsonl, PredictFormat::kLines});
  b.Bind<K("predict.column")>(s.predict.column);
  b.Bind<K("predict.out")>(s.predict.out);
  b.Bind<K("serve.model")>(s.serve.model);
  b.Bind<K("serve.model_dir")>(s.serve.model_dir);
  b.Bind<K("serve.host")>(s.serve.host);
  b.Bind<K("serve.port")>(s.serve.port);
  b.Bind<K("serve.threads")>(s.serve.threads);
  b.Bind<K("serve.max_body_bytes")>(s.serve.max_body_bytes);
  b.Bind<K("serve.max_rows")>(s.serve.max_rows);
  b.Bind<K("serve.poll_interval")>(s.serve.poll_interval_s);
  b.Bind<K("serve.token")>(s.serve.token);
  b.Bind<K("serve.cache_dir")>(s.serve.cache_dir);
  b.Bind<K("serve.predictions_topic")>(s.serve.predictions_topic);
  b.Bind<K("serve.challenger")>(s.serve.challenger);
  b.Bind<K("serve.canary_share")>(s.serve.canary_share);
  b.Bind<K("serve.shadow")>(s.serve.shadow);
  b.Bind<K("dashboard.host")>(s.dashboard.host);
  b.Bind<K("dashboard.port")>(s.dashboard.port);
  b.Bind<K("dashboard.interval")>(s.dashboard.interval_s);
  LoopSettings& l = s.loop;
  orchestrate::TriggerOptions& t = l.options.triggers;
  b.Bind<K("loop.model")>(l.options.model);
  b.Bind<K("loop.spec")>(l.spec);
  b.Bind<K("loop.dashboard_port")>(l.dashboard_port);
  b.Bind<K("loop.tick_ms")>(l.tick_ms);
  b.Bind<K("loop.window_rows")>(l.window_rows);
  b.Bind<K("loop.holdout")>(l.holdout);
  b.Bind<K("loop.min_rows")>(t.min_rows);
  b.Bind<K("loop.new_rows")>(t.new_rows);
  b.Bind<K("loop.on_drift")>(t.on_drift);
  b.Bind<K("loop.events_topic")>(l.events_topic);
  t.interval_ms = b.Value<K("loop.interval_s")>() * 1000;
  b.Bind<K("loop.cron")>(t.cron);
  b.Bind<K("loop.min_quality")>(t.min_quality);
  b.Bind<K("loop.quality_margin")>(t.quality_margin);
  b.Bind<K("loop.min_labelled")>(t.min_labelled);
  b.Bind<K("loop.quality_rows")>(l.quality_rows);
  t.cooldown_ms = b.Value<K("loop.cooldown_s")>() * 1000;
  l.options.watch_ms = b.Value<K("loop.watch_s")>() * 1000;
  b.Bind<K("loop.rollback_margin")>(l.options.rollback_margin);
  b.Bind<K("loop.max_attempts")>(l.options.max_attempts);
  b.Bind<K("loop.gate_requests")>(l.gate_requests);
  b.Bind<K("loop.gate_p99_ms")>(l.gate_p99_ms);
  b.Bind<K("loop.gate_min_agreement")>(l.gate_min_agreement);
  b.Bind<K("evaluate.model")>(s.evaluate.model_dir);
  b.Bind<K("evaluate.against")>(s.evaluate.against_dir);
  s.evaluate.data_files = SplitList(b.Value<K("evaluate.data")>());
  b.Bind<K("evaluate.lake")>(s.evaluate_lake.dir);
  b.Bind<K("evaluate.from")>(s.evaluate_lake.from);
  b.Bind<K("evaluate.to")>(s.evaluate_lake.to);
  b.Bind<K("evaluate.resamples")>(s.evaluate.bootstrap.resamples);
  b.Bind<K("evaluate.confidence")>(s.evaluate.bootstrap.confidence);
  b.Bind<K("evaluate.seed")>(s.evaluate.bootstrap.seed);
  return s;
}

}  // namespace covidflow::app
