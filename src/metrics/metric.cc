#include "metrics/metric.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace covidflow::metrics {
namespace {

// fetch_add for atomic<double> by compare-exchange (one loop, relaxed: the value is a sum,
// no other memory is published through it).
void AtomicAdd(std::atomic<double>& a, double delta) {
  double old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + delta, std::memory_order_relaxed)) {
  }
}

}  // namespace

void Counter::Inc(int64_t n) {
  assert(n >= 0 && "a counter never goes down");
  value_.fetch_add(n, std::memory_order_relaxed);
}

void Gauge::Add(double delta) { AtomicAdd(value_, delta); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double v) {
  // The first bound >= v; NaN compares false with everything and lands in +Inf. A linear
  // scan beats a binary search for the dozen-or-so bounds histograms have.
  size_t i = 0;
  const size_t n = bounds_.size();
  while (i < n && !(v <= bounds_[i])) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, v);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.counts.resize(bounds_.size() + 1);
  for (size_t i = 0; i < s.counts.size(); ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  assert(start > 0 && factor > 1 && count > 0);
  std::vector<double> b;
  b.reserve(static_cast<size_t>(count));
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  assert(width > 0 && count > 0);
  std::vector<double> b;
  b.reserve(static_cast<size_t>(count));
  // start + i*width rather than a running sum, so 0.1-wide buckets do not drift.
  for (int i = 0; i < count; ++i) b.push_back(start + i * width);
  return b;
}

}  // namespace covidflow::metrics
