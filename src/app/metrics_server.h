#pragma once
// Metrics of long-running commands: the /metrics endpoint (process --metrics-port N) and the
// gauges read from the log itself at scrape time (a consumer group's progress and lag),
// which need no help from the stage they watch.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/server.h"
#include "log/log.h"
#include "log/progress.h"
#include "metrics/registry.h"
#include "process/processor.h"

namespace covidflow::app {

// Serves GET /metrics (the registry's Prometheus text exposition) on 127.0.0.1:`port`
// (0 = a free port; read it back with port()). `registry` must outlive the server.
// `before_scrape`, when set, runs before each exposition, outside the registry's lock (it may
// add series); it must outlive the server too.
Result<std::unique_ptr<http::Server>> StartMetricsServer(const metrics::Registry& registry,
                                                         int port,
                                                         std::function<void()> before_scrape = {});

// Scrape-time gauges of a consumer group reading `input_topic` and writing `output_topics`:
//   covidflow_log_end_offset{topic}                    sum over partitions (records appended)
//   covidflow_consumer_committed_offset{group,topic}   sum of the group's next offsets
//   covidflow_consumer_lag_records{group,topic}        end - committed
//   covidflow_consumer_partition_lag_records{group,topic,partition}
//                                                      the same per partition
// A topic that does not exist yet reads 0; a failed read reads NaN. Each scrape asks the log
// (DescribeTopic and one Committed call per topic); the series go when this object does,
// which must be before the registry and the log. Partitions the input topic gains after
// registration (it did not exist yet, or grew) get their series from AddNewPartitions, which
// the metrics server calls before each scrape.
class GroupProgressMetrics {
 public:
  static Result<std::unique_ptr<GroupProgressMetrics>> Register(
      metrics::Registry& registry, log::Log& log, std::string group, std::string input_topic,
      std::vector<std::string> output_topics);
  ~GroupProgressMetrics();

  // Adds the per-partition series of partitions not seen yet. Any thread; never under the
  // registry's lock (it adds series).
  void AddNewPartitions();

 private:
  GroupProgressMetrics() = default;
  // The topic's end offsets, or the group's committed offsets (`committed_side`), or its lag,
  // summed over partitions (or of `partition` alone, when >= 0). Under mu_: the consumer is
  // one thread's at a time.
  double Read(const std::string& topic, bool committed_side, bool lag, int32_t partition = -1);

  log::Log* log_ = nullptr;
  metrics::Registry* registry_ = nullptr;
  std::string group_, input_topic_;
  std::mutex mu_;
  std::unique_ptr<log::Consumer> consumer_;  // the group's, for Committed only
  std::mutex partitions_mu_;                 // AddNewPartitions; before mu_ when both
  size_t partitions_ = 0;  // partitions [0, partitions_) of the input topic have their series
  std::vector<metrics::CallbackHandle> handles_;
};

// The metrics side of `covidflow process`: the registry the run's series live in and, when
// `port` is not 0, the group-progress gauges of `options` and a /metrics server on
// 127.0.0.1:port. Destruction stops the server first, then drops the gauges, then the
// registry; `log` must outlive this object.
class ProcessMetrics {
 public:
  static Result<std::unique_ptr<ProcessMetrics>> Start(log::Log& log,
                                                       const process::ProcessorOptions& options,
                                                       int port);
  ~ProcessMetrics();

  metrics::Registry& registry() { return registry_; }
  // The bound port; 0 when not serving.
  int port() const { return server_ ? server_->port() : 0; }
  std::string url() const;

 private:
  ProcessMetrics() = default;
  metrics::Registry registry_;
  std::unique_ptr<GroupProgressMetrics> progress_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace covidflow::app
