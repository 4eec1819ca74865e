#pragma once
// The metrics registry: families of series (one name, one type, one help text, many label
// sets) and their Prometheus text exposition (format 0.0.4). A stage's probe adds its
// series once, keeps the returned references, and updates them on its hot path; the
// /metrics handler calls Exposition().
//
// Names follow Prometheus' rules and the project's conventions, checked when a series is
// added: [a-zA-Z_][a-zA-Z0-9_]* (no colons, they are for recording rules), the `covidflow_`
// prefix, snake_case, base units (`_seconds`, `_bytes`, never `_ms` or `_milliseconds`),
// counters end in `_total` and nothing else does, no gauge or counter ends in
// `_bucket`/`_count`/`_sum`, and help is not empty. Label names follow
// [a-zA-Z_][a-zA-Z0-9_]*, do not start with `__`, do not repeat, and `le` is reserved.
// What these checks accept passes `promtool check metrics` (a test runs it).
//
// Programmer errors: a bad name, a bad label, bad buckets, or a name added again with
// another type, help text or buckets. The Try* variants return them as kInvalidArgument
// (kAlreadyExists for a name taken by a different definition); the Add* variants, meant for
// probes whose names are constants, abort the process with the message on stderr (in every
// build type: a metric silently counting into the wrong series is worse than a crash at
// start-up, and tests catch it the first time the code runs).
//
// Ownership and threads: the registry owns every series; a returned reference stays valid
// for the registry's life. Every method may be called from any thread. Adding and Exposition
// take one mutex; updating a series takes none.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "metrics/metric.h"

namespace covidflow::metrics {

class Registry;

// Keeps a callback series (AddGaugeCallback, AddCounterCallback) in the registry; its
// destruction removes the series and waits for a scrape that is calling it, so the callback
// may capture objects that die with the handle. Must not outlive the registry. Move-only.
class [[nodiscard]] CallbackHandle {
 public:
  CallbackHandle() = default;
  CallbackHandle(CallbackHandle&& other) noexcept;
  CallbackHandle& operator=(CallbackHandle&& other) noexcept;
  CallbackHandle(const CallbackHandle&) = delete;
  CallbackHandle& operator=(const CallbackHandle&) = delete;
  ~CallbackHandle();

  // Removes the series now (idempotent).
  void Reset();

 private:
  friend class Registry;
  CallbackHandle(Registry* registry, std::string name, Labels labels)
      : registry_(registry), name_(std::move(name)), labels_(std::move(labels)) {}
  Registry* registry_ = nullptr;
  std::string name_;
  Labels labels_;  // sorted
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The series `name`{labels}, created at zero on first use; the same name and labels (in any
  // order) return the same object. Abort on a programmer error (see the header comment).
  Counter& AddCounter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& AddGauge(std::string_view name, std::string_view help, Labels labels = {});
  // `buckets`: the upper bounds, finite and strictly increasing (+Inf is implicit); every
  // series of one histogram family has the same buckets.
  Histogram& AddHistogram(std::string_view name, std::string_view help, std::vector<double> buckets,
                          Labels labels = {});

  // The same, with programmer errors returned as a Status instead.
  Result<Counter*> TryAddCounter(std::string_view name, std::string_view help, Labels labels = {});
  Result<Gauge*> TryAddGauge(std::string_view name, std::string_view help, Labels labels = {});
  Result<Histogram*> TryAddHistogram(std::string_view name, std::string_view help,
                                     std::vector<double> buckets, Labels labels = {});

  // A series whose value is read by calling `read` at scrape time (consumer lag, queue
  // depth owned by someone else). `read` runs under the registry's mutex: it must be quick
  // and must not call the registry. Adding a callback where a series of that name and labels
  // exists is kAlreadyExists.
  Result<CallbackHandle> AddGaugeCallback(std::string_view name, std::string_view help,
                                          std::function<double()> read, Labels labels = {});
  Result<CallbackHandle> AddCounterCallback(std::string_view name, std::string_view help,
                                            std::function<int64_t()> read, Labels labels = {});

  // Every family, sorted by name, each series sorted by labels, in the Prometheus text
  // format 0.0.4 (Content-Type: kExpositionContentType).
  std::string Exposition() const;

 private:
  friend class CallbackHandle;
  struct Family;
  struct Series;
  enum class Type { kCounter, kGauge, kHistogram };

  // Finds or makes the series, checking the definition; `callback` = a series without an
  // object, whose reader the caller sets. Called with mu_ held.
  Result<Series*> Find(Type type, std::string_view name, std::string_view help,
                       std::vector<double> buckets, Labels labels, bool callback);
  // A callback series: `install` sets its reader, under mu_ (so no scrape sees it unset).
  Result<CallbackHandle> AddCallback(Type type, std::string_view name, std::string_view help,
                                     Labels labels, bool empty,
                                     const std::function<void(Series&)>& install);
  void Remove(const std::string& name, const Labels& sorted_labels);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// The checks the registry applies, exposed for tests and for callers that build names.
Status ValidateMetricName(std::string_view name);
Status ValidateLabelName(std::string_view name);

}  // namespace covidflow::metrics
