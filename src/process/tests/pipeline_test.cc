// The whole stream stage as `covidflow produce` + `covidflow process --lake` run it: generated
// tweets (some deliberately malformed) → the embedded log → the processor with VADER and
// locations, two workers, two output writers, the sync thread and the lake, while another
// thread scrapes the metrics the run updates. Every record must be accounted for.
//
// scripts/tsan.sh runs this binary under ThreadSanitizer with CF_PIPELINE_TWEETS=50000; the
// default size keeps the sanitizer run of the whole suite short.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/testing/temp_dir.h"
#include "enrich/enrichers.h"
#include "enrich/enrichment.h"
#include "enrich/location/location_step.h"
#include "enrich/location/normalizer.h"
#include "ingest/file_source.h"
#include "ingest/generator.h"
#include "lake/sink.h"
#include "lake/stats.h"
#include "log/open.h"
#include "metrics/registry.h"
#include "process/processor.h"

namespace covidflow::process {
namespace {

int64_t TweetCount() {
  const char* env = std::getenv("CF_PIPELINE_TWEETS");
  return env != nullptr && *env != '\0' ? std::atoll(env) : 20000;
}

TEST(PipelineTest, GeneratedStreamReconcilesThroughThreadsAndTheLake) {
  const int64_t n = TweetCount();
  ASSERT_GT(n, 0) << "CF_PIPELINE_TWEETS must be a positive count";
  covidflow::testing::TempDir tmp;
  const std::string csv = tmp.path() + "/tweets.csv";

  // Generate, as `covidflow generate --malformed-rate 0.01` does.
  ingest::GeneratorOptions gen;
  gen.count = n;
  gen.seed = 4;
  gen.malformed_rate = 0.01;
  std::FILE* out = std::fopen(csv.c_str(), "w");
  ASSERT_NE(out, nullptr);
  auto generated = ingest::Generate(gen, fileno(out));
  std::fclose(out);
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  ASSERT_GT(generated->malformed, 0);

  // Produce, as `covidflow produce --from tweets.csv --to file://log` does.
  auto log = log::OpenFileLog(tmp.path() + "/log");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  {
    auto producer = (*log)->NewProducer(log::ProducerOptions{});
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    std::FILE* in = std::fopen(csv.c_str(), "r");
    ASSERT_NE(in, nullptr);
    ingest::FileSourceOptions source;
    source.name = "tweets.csv";
    auto sent = ingest::ProduceFromFd(fileno(in), **log, **producer, source);
    std::fclose(in);
    ASSERT_TRUE(sent.ok()) << sent.status().ToString();
    ASSERT_EQ(sent->records, n);
  }

  // Process with VADER and locations into the topics and the lake.
  auto vader = enrich::MakeEnricher("vader");
  ASSERT_TRUE(vader.ok()) << vader.status().ToString();
  std::vector<std::shared_ptr<const enrich::EnrichmentStep>> steps{
      std::make_shared<const enrich::SentimentStep>(std::move(vader).value()),
      std::make_shared<const enrich::location::LocationStep>(
          enrich::location::LocationNormalizer::Default())};
  enrich::EnrichmentSlot slot(std::make_shared<const enrich::Enrichment>(std::move(steps)));
  const std::string lake_dir = tmp.path() + "/lake";
  auto lake = lake::LakeSink::Open(lake_dir);
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();

  ProcessorOptions options;
  options.group = "pipeline";
  options.exit_when_idle = true;
  options.batch = 2048;
  options.threads = 2;
  options.send_threads = 2;
  metrics::Registry registry;
  Processor processor(**log, slot, lake->get(), options, &registry);

  // Scrapes race the run's updates, as Prometheus' would.
  std::atomic<bool> done{false};
  std::atomic<int64_t> scrapes{0};
  std::thread scraper([&] {
    while (!done.load()) {
      if (!registry.Exposition().empty()) scrapes.fetch_add(1);
      std::this_thread::yield();
    }
  });
  std::atomic<bool> stop{false};
  auto counts = processor.Run(stop);
  done.store(true);
  scraper.join();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();

  EXPECT_EQ(counts->consumed, n);
  EXPECT_EQ(counts->dead_letters, generated->malformed);
  EXPECT_EQ(counts->enriched + counts->dead_letters, n);
  EXPECT_EQ(counts->lake_rows, counts->enriched);
  EXPECT_GT(scrapes.load(), 0);
  lake->reset();
  auto stats = lake::ComputeStats(lake_dir);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->rows, counts->enriched);
  const std::string exposition = registry.Exposition();
  EXPECT_NE(exposition.find("covidflow_process_records_enriched_total"), std::string::npos)
      << exposition.substr(0, 400);
}

}  // namespace
}  // namespace covidflow::process
