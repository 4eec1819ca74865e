#include "app/settings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "app/app.h"
#include "config/settings_table.h"

namespace covidflow::app {
namespace {

using config::K;

Settings Bind(std::string_view command, std::vector<std::string> args,
              std::map<std::string, std::string> env = {}) {
  auto lookup = [env](const std::string& k) -> std::optional<std::string> {
    auto it = env.find(k);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto c = config::Config::Load(command, args, lookup);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? BindSettings(*c) : Settings{};
}

TEST(SettingsTest, EveryKeyOfTheTableIsBoundExactlyOnce) {
  auto c = config::Config::Load("process", {},
                                [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::vector<int> bound;
  BindSettings(*c, &bound);
  const auto table = config::AllSettings();
  ASSERT_EQ(bound.size(), table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(bound[i], 1) << table[i].key << " is bound " << bound[i]
                           << " times (app/settings.cc binds each row once)";
  }
}

TEST(SettingsTest, DefaultsMatchTheModulesOwnDefaults) {
  // The table and the structs each state a default; a difference would make a struct built
  // without settings (tests, benchmarks) behave unlike the CLI.
  Settings s = Bind("process", {});
  const process::ProcessorOptions plain;
  EXPECT_EQ(s.process.processor.group, plain.group);
  EXPECT_EQ(s.process.processor.batch, plain.batch);
  EXPECT_EQ(s.process.processor.idle, plain.idle);
  EXPECT_EQ(s.process.processor.parse.utf8, plain.parse.utf8);
  EXPECT_EQ(s.process.processor.parse.max_field_bytes, plain.parse.max_field_bytes);
  EXPECT_EQ(s.producer.fsync, log::ProducerOptions().fsync);
  EXPECT_EQ(s.log.file.segment_bytes, log::OpenOptions().segment_bytes);
  EXPECT_EQ(s.log.kafka.client_id, kafka::KafkaOptions().client_id);
  EXPECT_EQ(s.generate.generator.count, ingest::GeneratorOptions().count);
}

TEST(SettingsTest, ValuesReachTheirFields) {
  Settings s =
      Bind("process",
           {"--batch",
            "77",
            "--idle-ms",
            "20",
            "--threads=3",
            "--utf8",
            "reject",
            "--fsync",
            "interval",
            "--compression",
            "zstd",
            "--set",
            "log.retention_hours=2",
            "--lake",
            "/l",
            "--group",
            "g",
            "--locations=false",
            "--enricher",
            "none",
            "--json"},
           {{"COVIDFLOW_KAFKA_LINGER_MS", "12"}, {"COVIDFLOW_KAFKA_FETCH_QUEUE_KB", "512"}});
  const process::ProcessorOptions& p = s.process.processor;
  EXPECT_EQ(p.batch, 77u);
  EXPECT_EQ(p.idle, std::chrono::milliseconds(20));
  EXPECT_EQ(p.threads, 3);
  EXPECT_EQ(p.group, "g");
  EXPECT_EQ(p.parse.utf8, schema::Utf8Policy::kReject);
  EXPECT_EQ(s.producer.fsync, log::FsyncPolicy::kInterval);
  EXPECT_EQ(s.producer.compression, log::Compression::kZstd);
  EXPECT_EQ(s.log.file.retention_ms, 2 * 3600 * 1000);
  EXPECT_EQ(s.log.kafka.linger, std::chrono::milliseconds(12));
  EXPECT_EQ(s.log.kafka.fetch_queue_kbytes, 512);
  EXPECT_EQ(s.log.kafka.fetch_queue_records, 65536);  // the default
  EXPECT_EQ(s.lake.dir, "/l");
  EXPECT_FALSE(s.process.locations);
  EXPECT_EQ(s.process.enricher, "none");
  EXPECT_TRUE(s.cli.json);
  EXPECT_EQ(Bind("process", {"--set", "log.retention_hours=-1"}).log.file.retention_ms, -1);
}

TEST(SettingsTest, EachChoiceMapsToItsOwnEnumValue) {
  using log::FsyncPolicy;
  const std::pair<const char*, FsyncPolicy> fsync[] = {{"never", FsyncPolicy::kNever},
                                                       {"interval", FsyncPolicy::kInterval},
                                                       {"every-flush", FsyncPolicy::kEveryFlush}};
  for (const auto& [name, policy] : fsync) {
    EXPECT_EQ(Bind("produce", {"--fsync", name}).producer.fsync, policy) << name;
  }
  using SourceFormat = ingest::FileSourceOptions::Format;
  const std::pair<const char*, SourceFormat> formats[] = {
      {"auto", SourceFormat::kAuto}, {"csv", SourceFormat::kCsv}, {"jsonl", SourceFormat::kJsonl}};
  for (const auto& [name, format] : formats) {
    EXPECT_EQ(Bind("produce", {"--input-format", name}).produce.source.format, format) << name;
  }
  using GenFormat = ingest::GeneratorOptions::Format;
  EXPECT_EQ(Bind("generate", {"--format", "csv"}).generate.generator.format, GenFormat::kCsv);
  EXPECT_EQ(Bind("generate", {"--format", "jsonl"}).generate.generator.format, GenFormat::kJsonl);
  using SentimentFormat = enrich::SentimentCommandOptions::Format;
  EXPECT_EQ(Bind("sentiment", {"--format", "csv"}).sentiment.format, SentimentFormat::kCsv);
  EXPECT_EQ(Bind("sentiment", {"--format", "lines"}).sentiment.format, SentimentFormat::kLines);
  EXPECT_EQ(Bind("process", {"--utf8", "repair"}).process.processor.parse.utf8,
            schema::Utf8Policy::kRepair);
  // The Kafka adapter names each codec as the table does.
  using log::Compression;
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                        Compression::kLz4, Compression::kZstd}) {
    const std::string name(kafka::CodecName(c));
    EXPECT_EQ(Bind("process", {"--compression", name}).producer.compression, c) << name;
  }
}

TEST(SettingsTest, DemoDriftsHalfWayAndAddsMalformedRecordsUnlessTold) {
  Settings s = Bind("demo", {"--count", "1000", "--seed", "5"});
  EXPECT_EQ(s.demo.generator.count, 1000);
  EXPECT_EQ(s.demo.generator.seed, 5u);
  EXPECT_EQ(s.demo.generator.drift_after, 500);
  EXPECT_EQ(s.demo.generator.malformed_rate, 0.005);
  Settings told = Bind("demo", {"--drift-after", "7", "--malformed-rate", "0"});
  EXPECT_EQ(told.demo.generator.drift_after, 7);
  EXPECT_EQ(told.demo.generator.malformed_rate, 0);
  // generate's own count is not demo's.
  EXPECT_EQ(told.generate.generator.count, 1000);
  EXPECT_EQ(told.demo.generator.count, 200000);
}

TEST(SettingsTest, ProcessorOptionsPutTheirPartsTogether) {
  Settings s = Bind("process", {"--lake", "/lake", "--fsync", "never", "--mapping", "corona-nlp"});
  auto o = ProcessorOptionsFrom(s);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(s.lake.dir, "/lake");
  EXPECT_EQ(o->producer.fsync, log::FsyncPolicy::kNever);
  EXPECT_EQ(o->output_partitions, 0);

  auto bad = ProcessorOptionsFrom(Bind("process", {"--mapping", "no-such-preset"}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("parse.mapping"), std::string::npos);
}

TEST(SettingsTest, HomeAndLogUri) {
  CliOptions cli;
  cli.home = "/h";
  EXPECT_EQ(HomeDir(cli), "/h");
  EXPECT_EQ(LogUri(cli), "file:///h/log");
  EXPECT_EQ(LogUri(cli, "kafka://b:9092"), "kafka://b:9092");
  cli.log_uri = "file:///x";
  EXPECT_EQ(LogUri(cli), "file:///x");
}

TEST(OpenLogTest, OneEntryPointChoosesByScheme) {
  const std::string dir = ::testing::TempDir() + "cf_app_open_log_" + std::to_string(::getpid());
  Settings s = Bind("topic", {});
  auto file = OpenLog("file://" + dir, s.log);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE((*file)->CreateTopic("t", 1).ok());
  file->reset();
  std::filesystem::remove_all(dir);

  for (const char* bad : {"s3://bucket", "/tmp/x", "file://"}) {
    auto log = OpenLog(bad, s.log);
    ASSERT_FALSE(log.ok()) << bad;
    EXPECT_EQ(log.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  // kafka.properties is parsed before any connection is tried (port 1: nothing listens).
  Settings props = Bind("process", {"--set", "kafka.properties=acks"});
  auto kafka = OpenLog("kafka://127.0.0.1:1", props.log);
  ASSERT_FALSE(kafka.ok());
  EXPECT_NE(kafka.status().message().find("kafka.properties: 'acks' is not key=value"),
            std::string::npos)
      << kafka.status().ToString();
}

}  // namespace
}  // namespace covidflow::app
