#include "app/metrics_server.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "http/metrics_handler.h"

namespace covidflow::app {

Result<std::unique_ptr<http::Server>> StartMetricsServer(const metrics::Registry& registry,
                                                         int port,
                                                         std::function<void()> before_scrape) {
  http::Router router;
  http::Handler handler = http::MetricsHandler(registry);
  if (before_scrape) {
    handler = [before_scrape = std::move(before_scrape),
               inner = std::move(handler)](const http::Request& request) {
      before_scrape();
      return inner(request);
    };
  }
  RETURN_IF_ERROR(router.Add("GET", "/metrics", std::move(handler)));
  http::ServerOptions options;
  options.port = port;
  // A scraper needs one connection; two workers let a slow one not block the next.
  options.threads = 2;
  options.max_body_bytes = 1024;  // GET only
  Result<std::unique_ptr<http::Server>> server =
      http::Server::Start(std::move(router), std::move(options));
  if (!server.ok()) return server.status().WithContext("metrics endpoint");
  return server;
}

double GroupProgressMetrics::Read(const std::string& topic, bool committed_side, bool lag,
                                  int32_t partition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto progress = log::TopicProgress(*log_, committed_side ? consumer_.get() : nullptr, topic);
  if (!progress.ok()) {
    // Before the processor creates its output topics they do not exist: nothing appended.
    if (progress.status().code() == StatusCode::kNotFound) return 0;
    return std::numeric_limits<double>::quiet_NaN();
  }
  int64_t sum = 0;
  for (const log::PartitionProgress& p : *progress) {
    if (partition >= 0 && p.partition.value() != partition) continue;
    sum += lag ? p.lag() : committed_side ? p.committed : p.end;
  }
  return static_cast<double>(sum);
}

Result<std::unique_ptr<GroupProgressMetrics>> GroupProgressMetrics::Register(
    metrics::Registry& registry, log::Log& log, std::string group, std::string input_topic,
    std::vector<std::string> output_topics) {
  std::unique_ptr<GroupProgressMetrics> m(new GroupProgressMetrics());
  m->log_ = &log;
  log::ConsumerOptions o;
  o.group = group;
  ASSIGN_OR_RETURN(m->consumer_, log.NewConsumer(o));
  GroupProgressMetrics* self = m.get();
  std::vector<std::string> topics = std::move(output_topics);
  topics.insert(topics.begin(), input_topic);
  for (const std::string& topic : topics) {
    ASSIGN_OR_RETURN(
        metrics::CallbackHandle h,
        registry.AddGaugeCallback(
            "covidflow_log_end_offset",
            "Offset the next record appended to the topic will get, summed over its partitions "
            "(records ever appended).",
            [self, topic] { return self->Read(topic, false, false); }, {{"topic", topic}}));
    m->handles_.push_back(std::move(h));
  }
  const metrics::Labels labels = {{"group", group}, {"topic", input_topic}};
  ASSIGN_OR_RETURN(
      metrics::CallbackHandle committed,
      registry.AddGaugeCallback(
          "covidflow_consumer_committed_offset",
          "The group's committed next offset, summed over the topic's partitions.",
          [self, input_topic] { return self->Read(input_topic, true, false); }, labels));
  m->handles_.push_back(std::move(committed));
  ASSIGN_OR_RETURN(
      metrics::CallbackHandle lag,
      registry.AddGaugeCallback(
          "covidflow_consumer_lag_records",
          "Records appended to the topic that the group has not committed yet.",
          [self, input_topic] { return self->Read(input_topic, true, true); }, labels));
  m->handles_.push_back(std::move(lag));
  m->registry_ = &registry;
  m->group_ = std::move(group);
  m->input_topic_ = input_topic;
  m->AddNewPartitions();
  return m;
}

void GroupProgressMetrics::AddNewPartitions() {
  std::lock_guard<std::mutex> lock(partitions_mu_);
  auto info = log_->DescribeTopic(input_topic_);
  if (!info.ok()) return;  // not created yet: the next scrape looks again
  for (const log::PartitionInfo& p : info->partitions) {
    const int32_t partition = p.partition.value();
    if (partition < 0 || static_cast<size_t>(partition) < partitions_) continue;
    auto h = registry_->AddGaugeCallback(
        "covidflow_consumer_partition_lag_records",
        "Records appended to one partition of the topic that the group has not committed yet.",
        [this, partition] { return Read(input_topic_, true, true, partition); },
        {{"group", group_}, {"topic", input_topic_}, {"partition", std::to_string(partition)}});
    if (!h.ok()) continue;  // already there
    handles_.push_back(std::move(h).value());
  }
  partitions_ = std::max(partitions_, info->partitions.size());
}

GroupProgressMetrics::~GroupProgressMetrics() {
  // The handles go first (waiting out a scrape in progress), then the consumer they use.
  handles_.clear();
}

Result<std::unique_ptr<ProcessMetrics>> ProcessMetrics::Start(
    log::Log& log, const process::ProcessorOptions& options, int port) {
  std::unique_ptr<ProcessMetrics> m(new ProcessMetrics());
  if (port == 0) return m;
  ASSIGN_OR_RETURN(m->progress_, GroupProgressMetrics::Register(
                                     m->registry_, log, options.group, options.input_topic,
                                     {options.enriched_topic, options.dlq_topic}));
  GroupProgressMetrics* progress = m->progress_.get();
  ASSIGN_OR_RETURN(m->server_, StartMetricsServer(m->registry_, port,
                                                  [progress] { progress->AddNewPartitions(); }));
  return m;
}

ProcessMetrics::~ProcessMetrics() {
  server_.reset();    // no scrape after this
  progress_.reset();  // before the registry its series are in
}

std::string ProcessMetrics::url() const {
  if (!server_) return "";
  return "http://" + server_->host() + ":" + std::to_string(server_->port()) + "/metrics";
}

}  // namespace covidflow::app
