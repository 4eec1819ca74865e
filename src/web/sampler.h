#pragma once
// What the dashboard shows, sampled from the pipeline's own stores: topic end offsets and the
// processor group's commits (throughput and lag per stage), the new records of the dead-letter,
// enriched and monitor-events topics (dead letters by reason, the sentiment mix over event
// time and by country, drift per column, live quality), and the registry (the model
// timeline). Each Sample() reads what arrived since the last one and rebuilds the JSON
// documents the /api endpoints answer with, so a request never touches the log or the
// registry and never waits for them.
//
// Memory is bounded whatever the stream's length: rings of `history` points for the series
// sampled over wall-clock time, at most `max_buckets` event-time buckets for the sentiment mix
// (neighbours merge, the bucket doubling, when there would be more), `max_events` monitor
// events, and counts keyed by reason, country or column with at most `max_keys` distinct keys
// each (the rest is counted under "other").
//
// Threads: Sample() is called by one thread at a time (the Dashboard's sampler); Document()
// may be called from any thread at any time. The log and registry must outlive the sampler.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "log/log.h"
#include "registry/registry.h"

namespace covidflow::web {

// The topics the pipeline writes (the settings process.*, monitor.events_topic).
struct Topics {
  std::string raw = "tweets.raw";
  std::string enriched = "tweets.enriched";
  std::string dead_letters = "tweets.dlq";
  std::string predictions = "predictions";
  std::string events = "monitor.events";
  std::string processor_group = "covidflow-processor";
};

struct SamplerOptions {
  size_t history = 600;                  // points of each wall-clock series (10 min at 1 s)
  size_t max_records_per_topic = 50000;  // read per Sample(): a long backlog is caught up over
                                         // several samples instead of stalling one
  size_t max_buckets = 240;              // event-time buckets of the sentiment mix
  int64_t first_bucket_seconds = 60;     // their width until they need to merge
  size_t max_events = 500;               // monitor events kept (the newest)
  size_t max_keys = 64;                  // distinct reasons, countries, columns, series
  size_t countries_shown = 10;           // the countries with most tweets, in /api/sentiment
  int models_every = 5;                  // read the registry every this many samples
};

// The JSON documents, one per endpoint (docs/http_api.md, "Dashboard").
enum class Document { kThroughput, kDeadLetters, kSentiment, kDrift, kQuality, kModels, kStatus };
inline constexpr std::string_view kDocumentNames[] = {
    "throughput", "dead-letters", "sentiment", "drift", "quality", "models", "status"};

class Sampler {
 public:
  // `log` is required; `registry` may be null (no model timeline). Consumers are made here:
  // kInvalidArgument for a null log, the log's error when it cannot make one.
  static Result<std::unique_ptr<Sampler>> Create(log::Log* log, registry::Registry* registry,
                                                 Topics topics, SamplerOptions options);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Reads what arrived since the last call and publishes new documents. `now_ms`: wall-clock
  // time of the sample (Unix ms), injected so tests control the rates. An error of one
  // source is kept in the status document and returned; the others are still sampled.
  Status Sample(int64_t now_ms);

  // The endpoint's document as of the last Sample() (before the first: empty series).
  std::shared_ptr<const std::string> Json(Document document) const;

 private:
  struct State;
  Sampler() = default;
  // Rebuilds every document from state_ and swaps them in.
  void Publish();
  std::unique_ptr<State> state_;
  mutable std::mutex mu_;  // guards docs_ only
  std::vector<std::shared_ptr<const std::string>> docs_;
};

}  // namespace covidflow::web
