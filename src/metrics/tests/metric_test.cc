#include "metrics/metric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace covidflow::metrics {
namespace {

TEST(CounterTest, IncrementsByOneOrByN) {
  Counter c;
  EXPECT_EQ(c.Value(), 0);
  c.Inc();
  c.Inc(41);
  c.Inc(0);
  EXPECT_EQ(c.Value(), 42);
}

TEST(GaugeTest, SetsAndAdds) {
  Gauge g;
  EXPECT_EQ(g.Value(), 0);
  g.Set(2.5);
  g.Add(-4);
  EXPECT_DOUBLE_EQ(g.Value(), -1.5);
  g.Set(7);
  EXPECT_DOUBLE_EQ(g.Value(), 7);
}

TEST(HistogramTest, ObservationsOnABoundGoInThatBucket) {
  Histogram h({1, 2, 5});
  for (double v : {0.5, 1.0, 1.0001, 2.0, 5.0, 5.5, -3.0}) h.Observe(v);
  Histogram::Snapshot s = h.Read();
  ASSERT_EQ(s.counts.size(), 4u);
  EXPECT_EQ(s.counts[0], 3u);  // -3, 0.5, 1
  EXPECT_EQ(s.counts[1], 2u);  // 1.0001, 2
  EXPECT_EQ(s.counts[2], 1u);  // 5
  EXPECT_EQ(s.counts[3], 1u);  // 5.5 (+Inf)
  EXPECT_EQ(s.count, 7u);
  EXPECT_DOUBLE_EQ(s.sum, 0.5 + 1 + 1.0001 + 2 + 5 + 5.5 - 3);
}

TEST(HistogramTest, NanAndInfinityLandInTheLastBucket) {
  Histogram h({1});
  h.Observe(std::numeric_limits<double>::quiet_NaN());
  h.Observe(std::numeric_limits<double>::infinity());
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.counts[0], 0u);
  EXPECT_EQ(s.counts[1], 2u);
  EXPECT_TRUE(std::isnan(s.sum));
}

TEST(BucketsTest, ExponentialAndLinear) {
  EXPECT_EQ(ExponentialBuckets(0.001, 10, 4), (std::vector<double>{0.001, 0.01, 0.1, 1}));
  std::vector<double> lin = LinearBuckets(0, 0.1, 11);
  ASSERT_EQ(lin.size(), 11u);
  EXPECT_DOUBLE_EQ(lin[10], 1.0);
  EXPECT_DOUBLE_EQ(lin[3], 0.3);
}

// Exact totals under contention: relaxed atomics lose nothing.
TEST(MetricConcurrencyTest, ManyThreadsCountExactly) {
  Counter c;
  Gauge g;
  Histogram h({10, 100});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        c.Inc();
        g.Add(1);
        h.Observe(t % 2 == 0 ? 5 : 50);  // integers: the sum is exact in a double
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.Value(), int64_t{kThreads} * kPerThread);
  EXPECT_EQ(g.Value(), double{kThreads} * kPerThread);
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.counts[0], uint64_t{kThreads / 2} * kPerThread);
  EXPECT_EQ(s.counts[1], uint64_t{kThreads / 2} * kPerThread);
  EXPECT_EQ(s.counts[2], 0u);
  EXPECT_EQ(s.count, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(s.sum, (5.0 + 50.0) * (kThreads / 2) * kPerThread);
}

}  // namespace
}  // namespace covidflow::metrics
