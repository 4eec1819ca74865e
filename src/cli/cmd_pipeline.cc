// generate, produce, process: the stages of the data's path as commands.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/app.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "ingest/file_source.h"
#include "ingest/generator.h"
#include "process/processor.h"

namespace covidflow::cli {

ingest::GeneratorOptions GeneratorOptionsFrom(const config::Config& c) {
  ingest::GeneratorOptions g;
  g.count = c.Int("generate.count");
  g.seed = static_cast<uint64_t>(c.Int("generate.seed"));
  g.format = c.Str("generate.format") == "jsonl" ? ingest::GeneratorOptions::Format::kJsonl
                                                  : ingest::GeneratorOptions::Format::kCsv;
  g.drift_after = c.Int("generate.drift_after");
  g.malformed_rate = c.Double("generate.malformed_rate");
  g.engagement_label = c.Bool("generate.engagement");
  return g;
}

int RunGenerate(const config::Config& c) {
  ingest::GeneratorOptions g = GeneratorOptionsFrom(c);
  const std::string& out = c.Str("generate.out");
  int fd = STDOUT_FILENO;
  if (out != "-") {
    fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Fail("generate", Status::FromErrno(errno, "cannot write " + out));
  }
  Result<ingest::GeneratorStats> stats = ingest::Generate(g, fd);
  if (fd != STDOUT_FILENO && ::close(fd) != 0 && stats.ok()) {
    return Fail("generate", Status::FromErrno(errno, "close " + out));
  }
  if (!stats.ok()) return Fail("generate", stats.status());
  nlohmann::json j = {{"records", stats->records},
                      {"malformed", stats->malformed},
                      {"malformed_by_kind", stats->malformed_by_kind},
                      {"bytes", stats->bytes}};
  // Data may be on stdout: the summary goes to stderr unless the data went to a file.
  std::FILE* where = out == "-" ? stderr : stdout;
  if (c.Bool("json")) {
    std::fprintf(where, "%s\n", j.dump().c_str());
  } else {
    std::fprintf(where, "generated %lld tweets (%lld malformed), %lld bytes\n",
                 static_cast<long long>(stats->records), static_cast<long long>(stats->malformed),
                 static_cast<long long>(stats->bytes));
  }
  return 0;
}

Result<ingest::FileSourceCounts> ProduceFile(const config::Config& c, log::Log& log,
                                             const std::string& from, const std::string& topic) {
  int fd = STDIN_FILENO;
  if (from != "-") {
    fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::FromErrno(errno, "cannot read " + from);
  }
  ingest::FileSourceOptions o;
  o.topic = topic;
  o.rate = c.Double("produce.rate");
  o.partitions = static_cast<int>(c.Int("log.partitions"));
  o.name = from;
  const std::string& f = c.Str("produce.format");
  o.format = f == "csv"     ? ingest::FileSourceOptions::Format::kCsv
             : f == "jsonl" ? ingest::FileSourceOptions::Format::kJsonl
                            : ingest::FileSourceOptions::Format::kAuto;
  auto producer = log.NewProducer(app::ProducerOptionsFrom(c));
  Result<ingest::FileSourceCounts> counts =
      producer.ok() ? ingest::ProduceFromFd(fd, log, **producer, o) : producer.status();
  if (fd != STDIN_FILENO) ::close(fd);
  return counts;
}

int RunProduce(const config::Config& c) {
  std::string uri = app::LogUri(c, c.Str("produce.to"));
  auto log = app::OpenLog(uri, c);
  if (!log.ok()) return Fail("produce", log.status());
  auto counts = ProduceFile(c, **log, c.Str("produce.from"), c.Str("produce.topic"));
  if (!counts.ok()) return Fail("produce", counts.status());
  if (c.Bool("json")) {
    nlohmann::json j = {{"records", counts->records}, {"bytes", counts->bytes},
                        {"seconds", counts->seconds}, {"topic", c.Str("produce.topic")}, {"log", uri}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("produced %lld records (%.1f MB) to %s in %.2f s\n",
                static_cast<long long>(counts->records), counts->bytes / 1e6,
                c.Str("produce.topic").c_str(), counts->seconds);
  }
  return 0;
}

Result<process::ProcessorCounts> ProcessLog(const config::Config& c, log::Log& log,
                                            process::ProcessorOptions options) {
  ASSIGN_OR_RETURN(auto enricher, app::MakeEnricher(c.Str("process.enricher")));
  process::LocationFn location;
  if (c.Bool("process.locations")) location = app::MakeLocationFn();
  process::Processor p(log, *enricher, std::move(location), std::move(options));
  return p.Run(StopRequested());
}

int RunProcess(const config::Config& c) {
  InstallStopHandlers();
  std::string uri = app::LogUri(c, c.Str("process.from"));
  auto log = app::OpenLog(uri, c);
  if (!log.ok()) return Fail("process", log.status());
  auto options = app::ProcessorOptionsFrom(c);
  if (!options.ok()) return Usage("process", options.status().message());
  auto counts = ProcessLog(c, **log, std::move(options).value());
  if (!counts.ok()) return Fail("process", counts.status());
  if (c.Bool("json")) {
    nlohmann::json out = ProcessorCountsJson(*counts);
    out["log_metrics"] = (*log)->ClientMetrics();
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s", ProcessorCountsText(*counts).c_str());
  }
  return 0;
}

}  // namespace covidflow::cli
