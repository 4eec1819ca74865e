#pragma once
// The three metric types: Counter, Gauge, Histogram. Each is one series (one label set of a
// family); the Registry (metrics/registry.h) creates and owns them and writes them out.
//
// Threads: every method may be called from any thread at any time. Updates are relaxed
// atomics with no lock (a hot path pays one atomic add per Inc; one add and one
// compare-exchange loop, for the sum, per Observe). Readers see each value whole; a scrape
// taken during updates may count an observation in its bucket whose value has not yet reached
// the sum. A histogram's _count is the sum of its buckets, so _count always equals +Inf.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace covidflow::metrics {

// A series' labels: (name, value) pairs. The registry sorts them by name, so the order
// they are given in does not make a different series.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A count that only goes up (records consumed, requests served). Its name ends in _total.
// alignas: each counter owns its cache line, so two hot counters never share one.
class alignas(64) Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // `n` must be >= 0: a counter never goes down (a negative n is a programmer error,
  // checked by assert in debug builds).
  void Inc(int64_t n = 1);
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// A value that goes up and down (queue depth, bytes buffered, the served model's version).
class alignas(64) Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets by upper bound (latencies, batch sizes). Bucket i counts
// the observations v with bounds[i-1] < v <= bounds[i]; one more bucket takes the rest (+Inf,
// and NaN as Prometheus' own clients do). The exposition makes them cumulative.
class Histogram {
 public:
  // `bounds`: finite, strictly increasing (checked by the Registry, which builds histograms).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double v);

  // A consistent-enough copy for reading: counts per bucket (not cumulative; the last is
  // the +Inf bucket), their total, and the sum of the observations.
  struct Snapshot {
    std::vector<uint64_t> counts;
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  // bounds_.size() + 1 counters, the last for +Inf. The observation count is their sum, so a
  // scrape's _count always equals its +Inf bucket.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Bucket bounds: `count` bounds start, start*factor, start*factor^2, ... (start > 0,
// factor > 1), and start, start+width, ... (width > 0).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
std::vector<double> LinearBuckets(double start, double width, int count);

}  // namespace covidflow::metrics
