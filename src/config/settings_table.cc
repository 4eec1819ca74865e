// The one table of covidflow's settings. Add a setting here and it is accepted from the
// YAML file, the environment and the command line, shown by --help and `config show`,
// and listed in docs/configuration.md (`covidflow config docs`).
#include <cctype>
#include <string>

#include "config/settings.h"

namespace covidflow::config {
namespace {

using T = Type;
constexpr double kMaxI = 9.0e18;

constexpr Setting kSettings[] = {
    // Global.
    {"home", T::kString, "", "--home", "*",
     "working directory for the embedded log, lake and registry (default: ./covidflow-home; "
     "demo: a fresh temporary directory)"},
    {"json", T::kBool, "false", "--json", "*", "print machine-readable JSON results"},
    {"log.uri", T::kString, "", "--log", "*",
     "the log: file://DIR (embedded) or kafka://HOST:PORT (default: file://HOME/log)"},
    {"log.partitions", T::kInt, "4", "--partitions", "produce process demo",
     "partitions of topics created by covidflow", 1, 1024},
    {"log.fsync", T::kEnum, "every-flush", "--fsync", "produce process demo",
     "when the embedded log fsyncs: never (survives a process crash, not power loss), "
     "interval, every-flush",
     0, -1, "never|interval|every-flush"},
    {"log.fsync_interval_ms", T::kInt, "1000", "", "produce process demo",
     "with log.fsync=interval: the longest time between fsyncs", 1, 3600000},
    {"log.segment_bytes", T::kInt, "134217728", "", "produce process demo",
     "embedded log segment size before a new segment file starts", 4096, 1 << 30},
    {"log.retention_hours", T::kInt, "168", "", "produce process demo",
     "embedded log: sealed segments last written longer ago than this are deleted when a "
     "writer rolls a segment (-1 = keep forever)", -1, 1000000},
    {"log.retention_bytes", T::kInt, "-1", "", "produce process demo",
     "embedded log: the oldest sealed segments are deleted while a partition holds more "
     "than this (-1 = no limit)", -1, kMaxI},

    // kafka (kafka:// logs only)
    {"kafka.client_id", T::kString, "covidflow", "", "*", "client.id of every Kafka client"},
    {"kafka.compression", T::kEnum, "lz4", "--compression", "produce process demo",
     "compression of the batches covidflow produces to Kafka (lz4: enriched JSON shrinks ~4x and the "
     "broker spends about half the CPU per record)", 0, -1,
     "none|gzip|snappy|lz4|zstd"},
    {"kafka.linger_ms", T::kInt, "5", "", "produce process demo",
     "how long the producer waits to fill a batch (librdkafka linger.ms)", 0, 900000},
    {"kafka.session_timeout_ms", T::kInt, "10000", "", "process demo",
     "a group member silent this long loses its partitions to the others", 1000, 3600000},
    {"kafka.stats_interval_ms", T::kInt, "1000", "", "*",
     "how often librdkafka reports the statistics behind process --json's log_metrics "
     "(0 = never)", 0, 3600000},
    {"kafka.properties", T::kString, "", "", "*",
     "more librdkafka properties, applied last: 'key=value,key=value' (e.g. "
     "security.protocol=SASL_SSL,sasl.mechanisms=PLAIN,sasl.username=U,sasl.password=P)"},

    // generate
    {"generate.count", T::kInt, "1000", "--count", "generate", "number of tweets", 0, kMaxI},
    {"generate.seed", T::kInt, "1", "--seed", "generate", "random seed (same seed, same bytes)",
     0, kMaxI},
    {"generate.format", T::kEnum, "csv", "--format", "generate", "output format", 0, -1,
     "csv|jsonl"},
    {"generate.out", T::kString, "-", "--out", "generate", "output file ('-' = stdout)"},
    {"generate.drift_after", T::kInt, "-1", "--drift-after", "generate demo",
     "after this many tweets the sentiment mix, hashtags and locations shift (-1 = never)", -1,
     kMaxI},
    {"generate.malformed_rate", T::kDouble, "0", "--malformed-rate", "generate demo",
     "share of deliberately malformed records", 0, 1},
    {"generate.engagement", T::kBool, "false", "--engagement", "generate",
     "add an engagement label column that depends on the features"},

    // produce
    {"produce.from", T::kString, "-", "--from", "produce", "input file (CSV or JSONL; '-' = stdin)"},
    {"produce.to", T::kString, "", "--to", "produce", "log URI (default: log.uri)"},
    {"produce.topic", T::kString, "tweets.raw", "--topic", "produce", "topic to append to"},
    {"produce.rate", T::kDouble, "0", "--rate", "produce", "records per second (0 = as fast as possible)",
     0, 1e9},
    {"produce.format", T::kEnum, "auto", "--input-format", "produce",
     "input format (auto: .jsonl/.json files and lines starting with '{' are JSON)", 0, -1,
     "auto|csv|jsonl"},

    // process
    {"process.from", T::kString, "", "--from", "process", "log URI to consume (default: log.uri)"},
    {"process.topic", T::kString, "tweets.raw", "--topic", "process demo", "input topic"},
    {"process.group", T::kString, "covidflow-processor", "--group", "process",
     "consumer group: processors with one group split the partitions"},
    {"process.enriched_topic", T::kString, "tweets.enriched", "--enriched-topic", "process demo",
     "output topic for enriched tweets"},
    {"process.dlq_topic", T::kString, "tweets.dlq", "--dlq-topic", "process demo",
     "output topic for dead letters"},
    {"process.exit_when_idle", T::kBool, "false", "--exit-when-idle", "process",
     "stop when caught up (no new record for process.idle_ms)"},
    {"process.idle_ms", T::kInt, "500", "--idle-ms", "process demo",
     "with --exit-when-idle: how long without records counts as caught up", 1, 3600000},
    {"process.batch", T::kInt, "8192", "--batch", "process demo",
     "records per batch: outputs are flushed and offsets committed once per batch", 1, 1000000},
    {"process.threads", T::kInt, "0", "--threads", "process demo",
     "parse/enrich threads (0 = one per core)", 0, 256},
    {"process.send_threads", T::kInt, "0", "--send-threads", "process demo",
     "output writers, one producer each, splitting the output partitions (0 = min(threads, partitions))",
     0, 256},
    {"process.trace", T::kBool, "false", "--trace", "process",
     "print a line per partition recovery and offset commit on stderr"},
    {"process.enricher", T::kString, "vader", "--enricher", "process demo",
     "sentiment enricher by name (covidflow sentiment --list)"},
    {"process.locations", T::kBool, "true", "--locations", "process demo",
     "resolve user_location to a country and region (--locations=false leaves them empty)"},
    {"parse.utf8", T::kEnum, "repair", "--utf8", "process demo",
     "invalid UTF-8: repair (replace with U+FFFD, mark the tweet) or reject (dead letter)", 0, -1,
     "repair|reject"},
    {"parse.max_field_bytes", T::kInt, "1048576", "--max-field-bytes", "process demo",
     "a field longer than this is a dead letter", 16, 1 << 30},
    {"parse.mapping", T::kString, "reference", "--mapping", "process demo",
     "CSV column mapping: a preset (reference, corona-nlp) or 'field=Column[:format],...'"},
    {"parse.keep_extra_columns", T::kBool, "false", "--keep-extra", "process",
     "keep CSV columns beyond the seed schema in the enriched tweet"},

    // lake
    {"lake.dir", T::kString, "", "--lake", "process lake",
     "the Parquet lake directory (process: write it beside the topics; empty = no lake; "
     "demo: HOME/lake)"},
    {"lake.writer_id", T::kString, "", "--writer-id", "process",
     "lake writer id: distinct for each worker sharing one lake (default: the group)"},
    {"lake.date", T::kString, "", "--date", "lake", "compact: the partition date YYYY-MM-DD"},

    // topic
    {"topic.count", T::kInt, "10", "-n", "topic", "records to show", 1, kMaxI},
    {"topic.partition", T::kInt, "-1", "--partition", "topic", "only this partition (-1 = all)",
     -1, 1024},
    {"topic.group", T::kString, "", "--group", "topic",
     "stats: also show this consumer group's committed offsets and lag"},
    {"topic.offset", T::kInt, "-1", "--offset", "topic",
     "tail: start at this offset (-1 = the last -n records)", -1, kMaxI},

    // demo
    {"demo.count", T::kInt, "200000", "--count", "demo", "tweets to generate", 1, kMaxI},
    {"demo.seed", T::kInt, "42", "--seed", "demo", "generator seed", 0, kMaxI},
    {"demo.keep", T::kBool, "false", "--keep", "demo",
     "keep the temporary home directory after the demo"},

    // sentiment
    {"sentiment.enricher", T::kString, "vader", "--enricher", "sentiment", "enricher by name"},
    {"sentiment.column", T::kString, "text", "--column", "sentiment",
     "with CSV input: the column to score"},
    {"sentiment.format", T::kEnum, "lines", "--format", "sentiment",
     "input: one text per line, or a CSV with a header", 0, -1, "lines|csv"},
};

}  // namespace

std::span<const Setting> AllSettings() { return kSettings; }

const Setting* FindSetting(std::string_view key) {
  for (const Setting& s : kSettings) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::string EnvName(std::string_view key) {
  std::string env = "COVIDFLOW_";
  for (char c : key) {
    env.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return env;
}

bool AppliesTo(const Setting& s, std::string_view command) {
  if (s.commands == "*") return true;
  std::string_view rest = s.commands;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    if (rest.substr(0, sp) == command) return true;
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  return false;
}

}  // namespace covidflow::config
