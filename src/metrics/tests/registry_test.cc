#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace covidflow::metrics {
namespace {

TEST(RegistryTest, SameNameAndLabelsReturnTheSameSeries) {
  Registry r;
  Counter& a = r.AddCounter("covidflow_records_total", "Records.", {{"stage", "x"}, {"k", "1"}});
  Counter& b = r.AddCounter("covidflow_records_total", "Records.", {{"k", "1"}, {"stage", "x"}});
  Counter& c = r.AddCounter("covidflow_records_total", "Records.", {{"k", "2"}, {"stage", "x"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.Inc(3);
  EXPECT_EQ(b.Value(), 3);
  EXPECT_EQ(c.Value(), 0);
}

TEST(RegistryTest, ADifferentDefinitionOfANameIsRefused) {
  Registry r;
  r.AddCounter("covidflow_a_total", "A.");
  r.AddHistogram("covidflow_latency_seconds", "L.", {0.1, 1});
  auto as_gauge = r.TryAddGauge("covidflow_a_total", "A.");
  ASSERT_FALSE(as_gauge.ok());
  EXPECT_EQ(as_gauge.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(as_gauge.status().message().find("is a counter, not a gauge"), std::string::npos);
  EXPECT_EQ(r.TryAddCounter("covidflow_a_total", "Other help.").status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(r.TryAddHistogram("covidflow_latency_seconds", "L.", {0.1, 2}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE(r.TryAddHistogram("covidflow_latency_seconds", "L.", {0.1, 1}, {{"a", "b"}}).ok());
}

TEST(RegistryTest, NamesFollowPrometheusRulesAndProjectConventions) {
  for (const char* bad :
       {"", "records_total", "covidflow_", "covidflow_Records_total", "covidflow_a:b_total",
        "covidflow_a-b_total", "covidflow_latency_ms_total", "covidflow_wait_milliseconds_total",
        "covidflow_size_kilobytes_total", "covidflow_age_minutes_total",
        "covidflow_requests_counter_total", "covidflow_x_sec_total"}) {
    EXPECT_FALSE(ValidateMetricName(bad).ok()) << bad;
    EXPECT_EQ(Registry().TryAddCounter(bad, "h").status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
  for (const char* good : {"covidflow_records_total", "covidflow_lake_write_seconds_total",
                           "covidflow_output_bytes_total", "covidflow_p2_records_total"}) {
    EXPECT_TRUE(ValidateMetricName(good).ok())
        << good << ": " << ValidateMetricName(good).ToString();
  }
  Registry r;
  EXPECT_FALSE(r.TryAddCounter("covidflow_records", "no _total").ok());
  EXPECT_FALSE(r.TryAddGauge("covidflow_depth_total", "a gauge with _total").ok());
  EXPECT_FALSE(r.TryAddGauge("covidflow_depth_count", "reserved suffix").ok());
  EXPECT_FALSE(r.TryAddHistogram("covidflow_x_sum", "reserved suffix", {1}).ok());
  EXPECT_FALSE(r.TryAddGauge("covidflow_depth", "").ok()) << "help is required";
}

TEST(RegistryTest, LabelNamesAreChecked) {
  Registry r;
  for (const char* bad : {"", "1a", "a-b", "__name", "le"}) {
    EXPECT_EQ(r.TryAddGauge("covidflow_depth", "D.", {{bad, "v"}}).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(r.TryAddGauge("covidflow_depth", "D.", {{"a", "1"}, {"a", "2"}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.TryAddGauge("covidflow_depth", "D.", {{"_a", "any \"value\"\n"}}).ok());
}

TEST(RegistryTest, HistogramBucketsAreChecked) {
  Registry r;
  EXPECT_FALSE(r.TryAddHistogram("covidflow_h_seconds", "H.", {}).ok());
  EXPECT_FALSE(r.TryAddHistogram("covidflow_h_seconds", "H.", {1, 1}).ok());
  EXPECT_FALSE(r.TryAddHistogram("covidflow_h_seconds", "H.", {2, 1}).ok());
  EXPECT_FALSE(r.TryAddHistogram("covidflow_h_seconds", "H.", {1, HUGE_VAL}).ok());
}

TEST(RegistryDeathTest, AddAbortsOnAProgrammerErrorWithTheReason) {
  Registry r;
  r.AddCounter("covidflow_a_total", "A.");
  EXPECT_DEATH(r.AddGauge("covidflow_a_total", "A."),
               "metrics: programmer error: .*is a counter, not a gauge");
  EXPECT_DEATH(r.AddCounter("bad", "B."), "must start with covidflow_");
}

TEST(RegistryTest, CallbackSeriesAreReadAtScrapeAndRemovedWithTheirHandle) {
  Registry r;
  int64_t lag = 5;
  {
    auto h = r.AddGaugeCallback("covidflow_consumer_lag_records", "Lag.",
                                [&] { return static_cast<double>(lag); }, {{"partition", "0"}});
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    auto c = r.AddCounterCallback("covidflow_polls_total", "Polls.", [] { return int64_t{9}; });
    ASSERT_TRUE(c.ok());
    EXPECT_NE(r.Exposition().find("covidflow_consumer_lag_records{partition=\"0\"} 5\n"),
              std::string::npos);
    lag = 7;
    EXPECT_NE(r.Exposition().find("covidflow_consumer_lag_records{partition=\"0\"} 7\n"),
              std::string::npos);
    EXPECT_NE(r.Exposition().find("covidflow_polls_total 9\n"), std::string::npos);
    // The series is taken: neither a second callback nor a plain gauge may share it.
    EXPECT_EQ(r.AddGaugeCallback("covidflow_consumer_lag_records", "Lag.", [] { return 1.0; },
                                 {{"partition", "0"}})
                  .status()
                  .code(),
              StatusCode::kAlreadyExists);
    EXPECT_EQ(r.TryAddGauge("covidflow_consumer_lag_records", "Lag.", {{"partition", "0"}})
                  .status()
                  .code(),
              StatusCode::kAlreadyExists);
    CallbackHandle moved = std::move(*c);
    moved.Reset();
    EXPECT_EQ(r.Exposition().find("covidflow_polls_total"), std::string::npos);
  }
  EXPECT_EQ(r.Exposition(), "");
  // Once removed, the series may be added again.
  auto again = r.AddGaugeCallback("covidflow_consumer_lag_records", "Lag.", [] { return 1.0; },
                                  {{"partition", "0"}});
  EXPECT_TRUE(again.ok());
}

// Adds, updates and scrapes from many threads at once: exact totals, no torn series.
TEST(RegistryConcurrencyTest, ConcurrentAddIncAndScrapeCountExactly) {
  Registry r;
  constexpr int kThreads = 6;
  constexpr int kPerThread = 20000;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done.load()) {
      std::string text = r.Exposition();
      ASSERT_TRUE(text.empty() || text.back() == '\n');
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread looks the series up itself: the registry must hand back the same ones.
      Counter& all = r.AddCounter("covidflow_events_total", "Events.");
      Counter& mine =
          r.AddCounter("covidflow_events_by_thread_total", "Events.", {{"t", std::to_string(t)}});
      Histogram& h = r.AddHistogram("covidflow_size_bytes", "Sizes.", {100, 1000});
      for (int i = 0; i < kPerThread; ++i) {
        all.Inc();
        mine.Inc(2);
        h.Observe(i % 3 == 0 ? 50 : 500);
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  scraper.join();
  EXPECT_EQ(r.AddCounter("covidflow_events_total", "Events.").Value(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(
        r.AddCounter("covidflow_events_by_thread_total", "Events.", {{"t", std::to_string(t)}})
            .Value(),
        2 * kPerThread);
  }
  Histogram::Snapshot s = r.AddHistogram("covidflow_size_bytes", "Sizes.", {100, 1000}).Read();
  const uint64_t small = kThreads * ((kPerThread + 2) / 3);
  EXPECT_EQ(s.counts[0], small);
  EXPECT_EQ(s.counts[1], uint64_t{kThreads} * kPerThread - small);
  EXPECT_EQ(s.count, uint64_t{kThreads} * kPerThread);
}

}  // namespace
}  // namespace covidflow::metrics
