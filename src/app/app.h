#pragma once
// The one composition root: the only place that knows every implementation. Settings
// (app/settings.h) and URIs and names from them become objects here (log URI → embedded log
// or Kafka; enricher name → enricher; file or stdin → a source), so every other module
// talks to interfaces and plain option structs only, and cli/ parses, calls this, prints.
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "app/settings.h"
#include "base/status.h"
#include "enrich/enricher.h"
#include "ingest/file_source.h"
#include "ingest/generator.h"
#include "log/log.h"
#include "process/processor.h"

namespace covidflow::app {

// The one entry point for a log URI: file://DIR → the embedded log (log::OpenFileLog),
// kafka://HOST:PORT[,HOST:PORT...] → Kafka (kafka::OpenKafkaLog, after kafka.properties is
// parsed: a bad list fails here, before any connection). kInvalidArgument for another
// scheme or an empty directory.
Result<std::unique_ptr<log::Log>> OpenLog(std::string_view uri, const LogSettings& settings);

// The effective home directory: --home, else ./covidflow-home.
std::string HomeDir(const CliOptions& cli);
// log.uri, else file://HOME/log. `override_uri` (produce --to, process --from) wins.
std::string LogUri(const CliOptions& cli, std::string_view override_uri = {});

// Writes the synthetic stream to `path` ("-" = stdout).
Result<ingest::GeneratorStats> GenerateFile(const ingest::GeneratorOptions& options,
                                            const std::string& path);
// Appends the records of `from` ("-" = stdin) to `topic` of `log` (produce, demo).
Result<ingest::FileSourceCounts> ProduceFile(const Settings& s, log::Log& log,
                                             const std::string& from, const std::string& topic);

// The processor's options: ProcessSettings with the producer's options, the lake directory
// and the column mapping (a preset or a "field=Column" list; kInvalidArgument naming
// parse.mapping when it is neither).
Result<process::ProcessorOptions> ProcessorOptionsFrom(const Settings& s);
// Makes the enricher and location hook the settings name and runs a processor on `log`
// until it is idle (exit_when_idle) or `stop` is set.
Result<process::ProcessorCounts> RunProcessor(const Settings& s, log::Log& log,
                                              process::ProcessorOptions options,
                                              const std::atomic<bool>& stop);

// An enricher by name ("none", "vader", ...).
Result<std::unique_ptr<enrich::Enricher>> MakeEnricher(std::string_view name);
// The location normalizer hook for the processor (empty if none is built in).
process::LocationFn MakeLocationFn();

}  // namespace covidflow::app
