#pragma once
// The one table of covidflow's settings. Add a setting here and it is accepted from the
// YAML file, the environment and the command line, shown by --help and `config show`,
// listed in docs/configuration.md (`covidflow config docs`), and must be bound to a field
// of a module's options struct in app/settings.cc (app's settings test fails until it is).
//
// The table is constexpr in a header so that a key is checked when the program is
// compiled: config::K("process.grop") does not compile (see Key below).
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

#include "config/settings.h"

namespace covidflow::config {
// Upper bound of int settings that have no smaller one (fits in int64_t).
inline constexpr double kIntMax = 9.0e18;

inline constexpr Setting kSettings[] = {
    // Global.
    {"home", Type::kString, "", "--home", "*",
     "working directory for the embedded log, lake and registry (default: ./covidflow-home; "
     "demo: a fresh temporary directory)"},
    {"json", Type::kBool, "false", "--json", "*", "print machine-readable JSON results"},
    {"log.uri", Type::kString, "", "--log", "*",
     "the log: file://DIR (embedded) or kafka://HOST:PORT (default: file://HOME/log)"},
    {"log.partitions", Type::kInt, "4", "--partitions", "produce process demo",
     "partitions of topics created by covidflow", 1, 1024},
    {"log.fsync", Type::kEnum, "every-flush", "--fsync", "produce process demo",
     "when the embedded log fsyncs: never (survives a process crash, not power loss), "
     "interval, every-flush",
     0, -1, "never|interval|every-flush"},
    {"log.fsync_interval_ms", Type::kInt, "1000", "", "produce process demo",
     "with log.fsync=interval: the longest time between fsyncs", 1, 3600000},
    {"log.segment_bytes", Type::kInt, "134217728", "", "produce process demo",
     "embedded log segment size before a new segment file starts", 4096, 1 << 30},
    {"log.retention_hours", Type::kInt, "168", "", "produce process demo",
     "embedded log: sealed segments last written longer ago than this are deleted when a "
     "writer rolls a segment (-1 = keep forever)",
     -1, 1000000},
    {"log.retention_bytes", Type::kInt, "-1", "", "produce process demo",
     "embedded log: the oldest sealed segments are deleted while a partition holds more "
     "than this (-1 = no limit)",
     -1, kIntMax},

    // kafka (kafka:// logs only)
    {"kafka.client_id", Type::kString, "covidflow", "", "*", "client.id of every Kafka client"},
    {"kafka.compression", Type::kEnum, "lz4", "--compression", "produce process demo",
     "compression of the batches covidflow produces to Kafka (lz4: enriched JSON shrinks ~4x and "
     "the "
     "broker spends about half the CPU per record)",
     0, -1, "none|gzip|snappy|lz4|zstd"},
    {"kafka.linger_ms", Type::kInt, "5", "", "produce process demo",
     "how long the producer waits to fill a batch (librdkafka linger.ms)", 0, 900000},
    {"kafka.fetch_queue_records", Type::kInt, "65536", "", "*",
     "records a Kafka consumer fetches ahead per partition (librdkafka queued.min.messages); "
     "with kafka.fetch_queue_kb it bounds the consumer's memory",
     1, 10000000},
    {"kafka.fetch_queue_kb", Type::kInt, "32768", "", "*",
     "KiB of fetched records a Kafka consumer queues ahead at most (librdkafka "
     "queued.max.messages.kbytes)",
     1, 2097151},
    {"kafka.session_timeout_ms", Type::kInt, "10000", "", "process demo",
     "a group member silent this long loses its partitions to the others", 1000, 3600000},
    {"kafka.stats_interval_ms", Type::kInt, "1000", "", "*",
     "how often librdkafka reports the statistics behind process --json's log_metrics "
     "(0 = never)",
     0, 3600000},
    {"kafka.properties", Type::kString, "", "", "*",
     "more librdkafka properties, applied last: 'key=value,key=value' (e.g. "
     "security.protocol=SASL_SSL,sasl.mechanisms=PLAIN,sasl.username=U,sasl.password=P)"},

    // generate
    {"generate.count", Type::kInt, "1000", "--count", "generate", "number of tweets", 0, kIntMax},
    {"generate.seed", Type::kInt, "1", "--seed", "generate", "random seed (same seed, same bytes)",
     0, kIntMax},
    {"generate.format", Type::kEnum, "csv", "--format", "generate", "output format", 0, -1,
     "csv|jsonl"},
    {"generate.out", Type::kString, "-", "--out", "generate", "output file ('-' = stdout)"},
    {"generate.drift_after", Type::kInt, "-1", "--drift-after", "generate demo",
     "after this many tweets the sentiment mix, hashtags and locations shift (-1 = never)", -1,
     kIntMax},
    {"generate.malformed_rate", Type::kDouble, "0", "--malformed-rate", "generate demo",
     "share of deliberately malformed records", 0, 1},
    {"generate.engagement", Type::kBool, "false", "--engagement", "generate",
     "add an engagement label column that depends on the features"},

    // produce
    {"produce.from", Type::kString, "-", "--from", "produce",
     "input file (CSV or JSONL; '-' = stdin)"},
    {"produce.to", Type::kString, "", "--to", "produce", "log URI (default: log.uri)"},
    {"produce.topic", Type::kString, "tweets.raw", "--topic", "produce", "topic to append to"},
    {"produce.rate", Type::kDouble, "0", "--rate", "produce",
     "records per second (0 = as fast as possible)", 0, 1e9},
    {"produce.format", Type::kEnum, "auto", "--input-format", "produce",
     "input format (auto: .jsonl/.json files and lines starting with '{' are JSON)", 0, -1,
     "auto|csv|jsonl"},
    {"produce.metrics_port", Type::kInt, "0", "--metrics-port", "produce",
     "serve Prometheus metrics at http://127.0.0.1:PORT/metrics while producing (a live pipe, "
     "--rate) (0 = off)",
     0, 65535},

    // process
    {"process.from", Type::kString, "", "--from", "process",
     "log URI to consume (default: log.uri)"},
    {"process.topic", Type::kString, "tweets.raw", "--topic", "process demo", "input topic"},
    {"process.group", Type::kString, "covidflow-processor", "--group", "process",
     "consumer group: processors with one group split the partitions"},
    {"process.enriched_topic", Type::kString, "tweets.enriched", "--enriched-topic", "process demo",
     "output topic for enriched tweets"},
    {"process.dlq_topic", Type::kString, "tweets.dlq", "--dlq-topic", "process demo",
     "output topic for dead letters"},
    {"process.exit_when_idle", Type::kBool, "false", "--exit-when-idle", "process",
     "stop when caught up (no new record for process.idle_ms)"},
    {"process.idle_ms", Type::kInt, "500", "--idle-ms", "process demo",
     "with --exit-when-idle: how long without records counts as caught up", 1, 3600000},
    {"process.outage_timeout_ms", Type::kInt, "120000", "--outage-timeout-ms", "process demo",
     "how long a run rides out a log it cannot use (a Kafka broker down: commits refused, the "
     "end-of-input check failing) before it exits 1 saying so; --exit-when-idle never exits 0 "
     "before every owned partition is committed to its end",
     1000, 86400000},
    {"process.batch", Type::kInt, "8192", "--batch", "process demo",
     "records per batch: outputs are flushed and offsets committed once per batch", 1, 1000000},
    {"process.threads", Type::kInt, "0", "--threads", "process demo",
     "parse/enrich threads (0 = one per core)", 0, 256},
    {"process.send_threads", Type::kInt, "0", "--send-threads", "process demo",
     "output writers, one producer each, splitting the output partitions (0 = min(threads, "
     "partitions))",
     0, 256},
    {"process.allow_all_rejected", Type::kBool, "false", "--allow-all-rejected", "process",
     "exit 0 even when every record consumed became a dead letter (otherwise such a run exits 1 "
     "and says so)"},
    {"process.trace", Type::kBool, "false", "--trace", "process",
     "print a line per partition recovery and offset commit on stderr"},
    {"process.metrics_port", Type::kInt, "0", "--metrics-port", "process",
     "serve Prometheus metrics at http://127.0.0.1:PORT/metrics while processing (0 = off)", 0,
     65535},
    {"process.enricher", Type::kString, "vader", "--enricher", "process demo",
     "sentiment enricher by name (covidflow sentiment --list)"},
    {"process.locations", Type::kBool, "true", "--locations", "process demo",
     "resolve user_location to a country and region (--locations=false leaves them empty)"},
    {"process.model", Type::kString, "", "--model", "process",
     "score every tweet with this registered model too (NAME@ALIAS, NAME/VERSION or NAME = the "
     "latest; from registry.uri): its label and probabilities go to the enriched topic and the "
     "lake beside VADER"},
    {"process.model_dir", Type::kString, "", "--model-dir", "process",
     "score every tweet with the model artifact in this directory (instead of process.model)"},
    {"parse.utf8", Type::kEnum, "repair", "--utf8", "process demo",
     "invalid UTF-8: repair (replace with U+FFFD, mark the tweet) or reject (dead letter)", 0, -1,
     "repair|reject"},
    {"parse.max_field_bytes", Type::kInt, "1048576", "--max-field-bytes", "process demo sentiment",
     "a field longer than this is a dead letter (sentiment: a line or value longer than this is "
     "skipped and counted)",
     16, 1 << 30},
    {"parse.mapping", Type::kString, "reference", "--mapping", "produce process demo",
     "CSV column mapping: a preset (reference, corona-nlp) or 'field=Column[:format],...'"},
    {"parse.keep_extra_columns", Type::kBool, "false", "--keep-extra", "process",
     "keep CSV columns beyond the seed schema in the enriched tweet"},

    // lake
    {"lake.dir", Type::kString, "", "--lake", "process lake up",
     "the Parquet lake directory (process: write it beside the topics; empty = no lake; "
     "demo: HOME/lake)"},
    {"lake.writer_id", Type::kString, "", "--writer-id", "process",
     "lake writer id: distinct for each worker sharing one lake (default: the group)"},
    {"lake.date", Type::kString, "", "--date", "lake", "compact: the partition date YYYY-MM-DD"},

    // topic
    {"topic.count", Type::kInt, "10", "-n", "topic", "records to show", 1, kIntMax},
    {"topic.partition", Type::kInt, "-1", "--partition", "topic", "only this partition (-1 = all)",
     -1, 1024},
    {"topic.group", Type::kString, "", "--group", "topic",
     "stats: also show this consumer group's committed offsets and lag"},
    {"topic.offset", Type::kInt, "-1", "--offset", "topic",
     "tail: start at this offset (-1 = the last -n records)", -1, kIntMax},

    // demo
    {"demo.count", Type::kInt, "200000", "--count", "demo", "tweets to generate", 1, kIntMax},
    {"demo.seed", Type::kInt, "42", "--seed", "demo", "generator seed", 0, kIntMax},
    {"demo.keep", Type::kBool, "false", "--keep", "demo",
     "keep the temporary home directory after the demo"},

    // registry (runs, models, train)
    {"registry.uri", Type::kString, "", "--registry",
     "runs models train serve process audit up predict evaluate",
     "the tracking and model registry: a directory or sqlite:///FILE (embedded: SQLite plus an "
     "artifact directory), or http://HOST:PORT (an MLflow server) (default: HOME/registry)"},
    {"registry.actor", Type::kString, "", "--actor", "models train",
     "who makes a registry change, recorded in the audit log (default: the OS user)"},
    {"registry.reason", Type::kString, "", "--reason", "models train",
     "why a registry change is made, recorded in the audit log"},
    {"models.alias", Type::kString, "champion", "--alias", "models",
     "promote/rollback: the alias to move (champion, challenger or any name)"},
    {"models.artifact", Type::kString, "", "--artifact", "models",
     "register: the directory of the model's files"},
    {"models.run", Type::kString, "", "--run", "models",
     "register: the id of the run that produced the model"},
    {"runs.experiment", Type::kString, "", "--experiment", "runs",
     "list: only the runs of this experiment"},
    {"runs.count", Type::kInt, "20", "-n", "runs", "list: the newest runs to show", 1, 100000},
    {"audit.since", Type::kString, "", "--since", "audit",
     "only entries from this time on: \"YYYY-MM-DD HH:MM:SS\" (UTC) or an age such as 30m, 2h, "
     "1d (default: all)"},

    // sentiment
    {"sentiment.enricher", Type::kString, "vader", "--enricher", "sentiment", "enricher by name"},
    {"sentiment.column", Type::kString, "", "--column", "sentiment",
     "the CSV column to score; giving one reads the input as CSV (with --format csv and no "
     "column: text)"},
    {"sentiment.list", Type::kBool, "false", "--list", "sentiment",
     "print the registered enrichers and exit"},
    {"sentiment.format", Type::kEnum, "lines", "--format", "sentiment",
     "input: one text per line, or a CSV with a header", 0, -1, "lines|csv"},

    // train
    {"train.spec", Type::kString, "", "--spec", "train", "the training spec (YAML, docs/specs.md)"},
    {"train.data", Type::kString, "", "--data", "train",
     "comma-separated CSV/JSONL/Parquet input files for a time split (a files split names its "
     "own)"},
    {"train.lake", Type::kString, "", "--lake", "train",
     "read the rows from this lake directory (a time split on event_time) instead of --data"},
    {"train.from", Type::kString, "", "--from", "train",
     "with --lake: the first partition date read, YYYY-MM-DD (default: the first)"},
    {"train.to", Type::kString, "", "--to", "train",
     "with --lake: the last partition date read, YYYY-MM-DD, inclusive (default: the last)"},
    {"train.out", Type::kString, "", "--out", "train",
     "the model artifact directory to write (default: HOME/models/<spec name>/<UTC time>)"},
    {"train.experiment", Type::kString, "", "--experiment", "train",
     "the registry experiment the run is recorded in (default: the spec's name)"},
    {"train.register", Type::kString, "", "--register", "train",
     "register the trained model as a new version of this registered model (default: the run "
     "is recorded, no version is made)"},
    {"train.alias", Type::kString, "", "--alias", "train",
     "with --register: point this alias (champion, challenger, any name) at the new version"},

    // predict
    {"predict.model", Type::kString, "", "--model", "predict",
     "the model: an artifact directory, or a registry reference NAME@ALIAS|NAME/VERSION|NAME "
     "when no directory has that name"},
    {"predict.input", Type::kString, "", "--input", "predict", "rows to score (a file)"},
    {"predict.format", Type::kEnum, "auto", "--format", "predict",
     "input format (auto: from the extension: .csv, .jsonl/.json, else one text per line)", 0, -1,
     "auto|csv|jsonl|lines"},
    {"predict.column", Type::kString, "text", "--column", "predict",
     "with --format lines: the column each line fills (the spec's text feature)"},
    {"predict.out", Type::kString, "-", "--out", "predict",
     "where the JSON lines go ('-' = stdout)"},

    // serve
    {"serve.model", Type::kString, "", "--model", "serve",
     "the registered model to serve: NAME@ALIAS (follows the alias), NAME/VERSION or NAME (the "
     "latest version when the server starts)"},
    {"serve.model_dir", Type::kString, "", "--model-dir", "serve",
     "serve a model artifact directory instead of a registered model"},
    // up: the retraining loop (orchestrate/) and its process
    {"loop.model", Type::kString, "tweets", "--name", "up",
     "the registered model the loop trains, promotes and serves"},
    {"loop.spec", Type::kString, "specs/lake-sentiment.yaml", "--spec", "up",
     "the training spec; its split is replaced by the lake window (older rows train, the "
     "newest loop.holdout validate)"},
    {"loop.dashboard_port", Type::kInt, "8050", "--dashboard-port", "up",
     "the port of up's own server: the dashboard at / and every series at /metrics (0 = a free "
     "port, printed)",
     0, 65535},
    {"loop.tick_ms", Type::kInt, "1000", "--tick-ms", "up",
     "how often the loop observes the lake, the monitor's events and live quality", 10, 3600000},
    {"loop.window_rows", Type::kInt, "20000", "--window-rows", "up",
     "training window: the newest rows of the lake by event time", 100, kIntMax},
    {"loop.holdout", Type::kDouble, "0.2", "", "up",
     "share of the window (its newest rows) held out to compare challenger and champion", 0.05,
     0.5},
    {"loop.min_rows", Type::kInt, "2000", "--min-rows", "up",
     "no training before the lake holds this many rows (the first model's trigger)", 1, kIntMax},
    {"loop.new_rows", Type::kInt, "0", "--new-rows", "up",
     "data trigger: retrain after this many lake rows since the champion's (0 = off)", 0, kIntMax},
    {"loop.on_drift", Type::kBool, "true", "--on-drift", "up",
     "drift trigger: retrain on a drift event on loop.events_topic"},
    {"loop.events_topic", Type::kString, "monitor.events", "", "up",
     "the monitor's events (monitor run): a \"drift\" event with dataset_drift is a drift "
     "trigger"},
    {"loop.interval_s", Type::kInt, "0", "--interval", "up",
     "schedule trigger: seconds from one run's start to the next (0 = off)", 0, kIntMax},
    {"loop.cron", Type::kString, "", "--cron", "up",
     "schedule trigger: a 5-field cron expression in UTC, minute hour day-of-month month "
     "day-of-week, each * or a list of N, A-B, with /STEP (\"0 3 * * *\": 03:00 every day); "
     "a run starts at the first time it names after the last run started (\"\" = off; refused "
     "at start-up when malformed)"},
    {"loop.min_quality", Type::kDouble, "0", "", "up",
     "quality trigger: the champion's live accuracy below this (0 = off)", 0, 1},
    {"loop.quality_margin", Type::kDouble, "0", "", "up",
     "quality trigger: live accuracy below the champion's validation accuracy minus this "
     "(0 = off)",
     0, 1},
    {"loop.min_labelled", Type::kInt, "200", "", "up",
     "live quality counts from this many labelled predictions", 1, kIntMax},
    {"loop.quality_rows", Type::kInt, "1000", "", "up",
     "live quality: each version's newest labelled predictions (the prediction log joined "
     "with the processor's labels) it is judged on",
     10, kIntMax},
    {"loop.cooldown_s", Type::kInt, "60", "--cooldown", "up",
     "seconds a trigger kind stays quiet after it fired", 0, kIntMax},
    {"loop.watch_s", Type::kInt, "120", "--watch", "up",
     "seconds a new champion is watched for a rollback", 0, kIntMax},
    {"loop.rollback_margin", Type::kDouble, "0.05", "", "up",
     "roll back when the new champion's live accuracy is below the previous one's by more", 0, 1},
    {"loop.max_attempts", Type::kInt, "3", "", "up",
     "a stage started this many times without finishing abandons its run", 1, 100},
    {"loop.gate_requests", Type::kInt, "200", "", "up",
     "staging gate: shadow requests (one newest lake row each) the candidate answers", 1, kIntMax},
    {"loop.gate_p99_ms", Type::kDouble, "50", "", "up",
     "staging gate: the p99 latency budget of those requests, ms", 0.01, 1e6},
    {"loop.gate_min_agreement", Type::kDouble, "0.5", "", "up",
     "staging gate: the share of shadow requests the candidate must label as the champion does", 0,
     1},

    {"serve.host", Type::kString, "127.0.0.1", "--host", "serve up",
     "the address to listen on (loopback by default; 0.0.0.0 serves other hosts)"},
    {"serve.port", Type::kInt, "8080", "--port", "serve up",
     "the port to listen on (0 = a free port, printed on stderr and with --json)", 0, 65535},
    {"serve.threads", Type::kInt, "0", "--threads", "serve",
     "request worker threads (0 = one per core, at least 2)", 0, 1024},
    {"serve.max_body_bytes", Type::kInt, "10485760", "--max-body-bytes", "serve",
     "largest request body; a larger one is answered 413 unread", 1024, 1 << 30},
    {"serve.max_rows", Type::kInt, "10000", "--max-rows", "serve",
     "most rows in one scoring request; more is answered 400", 1, 10000000},
    {"serve.poll_interval", Type::kDouble, "5", "--poll-interval", "serve up",
     "seconds between checks of the alias in the registry (NAME@ALIAS only)", 0.01, 86400},
    {"serve.token", Type::kString, "", "", "serve up",
     "bearer token of POST /admin/reload, /admin/traffic and /admin/challenger (set it in the "
     "config file or COVIDFLOW_SERVE_TOKEN, not on the command line; empty = they are disabled; "
     "up then makes one its staging gate alone knows)"},
    {"serve.cache_dir", Type::kString, "", "", "serve",
     "where registry versions are downloaded (default: HOME/serve-cache)"},
    {"serve.challenger", Type::kString, "", "--challenger", "serve",
     "a challenger beside the served model: NAME@ALIAS (followed like --model), NAME/VERSION or "
     "NAME; it takes serve.canary_share of the requests or, with serve.shadow, scores a copy "
     "of each; POST /admin/traffic changes the split"},
    {"serve.canary_share", Type::kDouble, "0", "--canary-share", "serve",
     "canary: the share of requests the challenger answers, chosen by a hash of the request id "
     "(a retry with the same X-Request-Id gets the same version)",
     0, 1},
    {"serve.shadow", Type::kBool, "false", "--shadow", "serve",
     "shadow: the challenger scores a copy of every request off the request path (its "
     "predictions logged with role shadow; the answer is the champion's)"},
    {"serve.predictions_topic", Type::kString, "predictions", "", "serve process demo up",
     "the topic of the log (log.uri) that every prediction of serve and process --model goes "
     "to, one JSON line each (docs/formats/predictions.md); empty = not logged"},

    // dashboard
    {"dashboard.host", Type::kString, "127.0.0.1", "--host", "dashboard",
     "the address the dashboard listens on (loopback by default; 0.0.0.0 serves other hosts)"},
    {"dashboard.port", Type::kInt, "8050", "--port", "dashboard",
     "the dashboard's port (0 = a free port, printed on stderr and with --json)", 0, 65535},
    {"dashboard.interval", Type::kDouble, "1", "--interval", "dashboard",
     "seconds between two samples of the topics and the registry (the page polls as often)", 0.05,
     3600},

    // monitor
    {"monitor.reference", Type::kString, "", "--reference", "monitor up process",
     "drift (and process: drift windows of the enriched stream it writes): the reference sample: "
     "FILE.csv, FILE.jsonl, FILE.parquet, "
     "lake:DIR?from=YYYY-MM-DD&to=YYYY-MM-DD, or a model's training reference: "
     "model:NAME@ALIAS|NAME/VERSION|NAME (the registry) or model-dir:DIR (up: default "
     "model:LOOP_MODEL@champion, the champion's training reference, followed as the alias "
     "moves)"},
    {"monitor.reference_poll", Type::kDouble, "5", "--reference-poll", "monitor",
     "run with --reference model:NAME@ALIAS: seconds between checks of the alias; the windows "
     "closed after it moves compare with the new version's training reference",
     0.01, 86400},
    {"monitor.current", Type::kString, "", "--current", "monitor",
     "drift: the current sample, in the same forms as --reference"},
    {"monitor.columns", Type::kString, "", "--columns", "monitor up process",
     "drift: comma-separated columns to compare (default: every shared column but free text)"},
    {"monitor.html", Type::kString, "", "--html", "monitor",
     "drift: also write a self-contained HTML report (histograms and verdicts) to this file"},
    {"monitor.threads", Type::kInt, "0", "", "monitor",
     "drift: columns compared in parallel (0 = one thread per core)", 0, 256},
    {"monitor.predictions", Type::kString, "", "--predictions", "monitor",
     "quality, run: the prediction log, LOG_URI[#topic] (topic default: predictions)"},
    {"monitor.labels", Type::kString, "", "--labels", "monitor",
     "quality, run: the delayed labels: FILE.csv, FILE.jsonl, or LOG_URI#topic of JSON records "
     "{tweet_id, label, time_ms}"},
    {"monitor.label_column", Type::kString, "label", "--label-column", "monitor",
     "quality: the labels' column (or field) holding the true class"},
    {"monitor.id_column", Type::kString, "tweet_id", "--id-column", "monitor",
     "quality: the labels' column (or field) holding the tweet id"},
    {"monitor.window", Type::kString, "1h", "--window", "monitor up process",
     "quality, run: tumbling windows of prediction (quality) or event (run) time, aligned to "
     "the epoch (ms, s, m, h, d)"},
    {"monitor.lateness", Type::kString, "1d", "--lateness", "monitor up process",
     "quality, run: a window closes this long after its end (by the latest time seen); labels "
     "or records arriving later are late"},
    {"monitor.idle_partition", Type::kString, "10s", "--idle-partition", "monitor up process",
     "run: a partition of the enriched stream without a record for this long (wall clock; at "
     "start: without any so far) stops holding the watermark back until its next record"},
    {"monitor.enriched", Type::kString, "", "--enriched", "monitor",
     "run: the enriched stream, LOG_URI[#topic] (default: the log of --log, topic "
     "process.enriched_topic)"},
    {"monitor.group", Type::kString, "covidflow-monitor", "--group", "monitor",
     "run: the consumer group whose commits hold the monitor's progress"},
    {"monitor.exit_when_idle", Type::kBool, "false", "--exit-when-idle", "monitor",
     "run: stop once a poll brings nothing new (for batch runs and tests)"},
    {"monitor.model", Type::kString, "", "--model", "monitor",
     "quality: only this model's predictions (default: every model, per version)"},
    {"monitor.events_topic", Type::kString, "monitor.events", "--events-topic", "monitor process",
     "quality, run: the topic events go to (quality: on the prediction log's log; run: on the "
     "enriched stream's)"},
    {"monitor.min_accuracy", Type::kDouble, "0", "--min-accuracy", "monitor",
     "quality: a closed window below this accuracy is an event (0 = no events)", 0, 1},
    {"monitor.min_macro_f1", Type::kDouble, "0", "--min-macro-f1", "monitor",
     "quality: a closed window below this macro-F1 is an event (0 = no events)", 0, 1},
    {"monitor.metrics_port", Type::kInt, "0", "--metrics-port", "monitor",
     "quality, run: serve the gauges at http://127.0.0.1:PORT/metrics (quality: after the "
     "run, until SIGTERM; run: while running) (0 = off)",
     0, 65535},
    // evaluate
    {"evaluate.model", Type::kString, "", "--model", "evaluate",
     "the candidate model: a model directory written by covidflow train, or a registry "
     "reference NAME@ALIAS|NAME/VERSION|NAME when no directory has that name"},
    {"evaluate.against", Type::kString, "", "--against", "evaluate",
     "the champion to compare with on the same rows (optional): a model directory or a "
     "registry reference NAME@ALIAS|NAME/VERSION|NAME"},
    {"evaluate.data", Type::kString, "", "--data", "evaluate",
     "labelled rows to evaluate on: CSV, JSONL or Parquet files, comma-separated"},
    {"evaluate.lake", Type::kString, "", "--lake", "evaluate",
     "evaluate on the rows of this lake directory instead of --data"},
    {"evaluate.from", Type::kString, "", "--from", "evaluate",
     "with --lake: the first partition date read, YYYY-MM-DD (default: the first)"},
    {"evaluate.to", Type::kString, "", "--to", "evaluate",
     "with --lake: the last partition date read, YYYY-MM-DD, inclusive (default: the last)"},
    {"evaluate.resamples", Type::kInt, "1000", "--resamples", "evaluate",
     "paired bootstrap resamples behind each metric delta's interval", 10, 100000},
    {"evaluate.confidence", Type::kDouble, "0.95", "--confidence", "evaluate",
     "coverage of the bootstrap intervals", 0.5, 0.999},
    {"evaluate.seed", Type::kInt, "1", "--seed", "evaluate",
     "bootstrap seed (the same seed gives the same intervals)", 0, kIntMax},
};

// A setting of the table, by position. Made only by K() at compile time, so a Key always
// names a row that exists; it is a structural type, usable as a template argument.
struct Key {
  uint16_t index;
};

// Not constexpr on purpose: K() calls it for a key that is not in the table, which makes
// the call not a constant expression, so the misspelt key is a compile error that names
// this function.
void UnknownSettingKey();

// The Key of `key` ("process.group"), found at compile time.
consteval Key K(std::string_view key) {
  for (size_t i = 0; i < std::size(kSettings); ++i) {
    if (kSettings[i].key == key) return Key{static_cast<uint16_t>(i)};
  }
  UnknownSettingKey();
  return Key{0};
}

constexpr const Setting& SettingOf(Key key) { return kSettings[key.index]; }

// Number of choices of an enum setting ("csv|jsonl" → 2).
constexpr size_t ChoiceCount(const Setting& s) {
  size_t n = s.choices.empty() ? 0 : 1;
  for (char c : s.choices) n += c == '|' ? 1 : 0;
  return n;
}

}  // namespace covidflow::config
