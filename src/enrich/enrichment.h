#pragma once
// An Enrichment is what the processor adds to each parsed tweet: an immutable, ordered list
// of steps (sentiment, location, later a promoted model), each called once per chunk of
// tweets. The processor reads its enrichment from an EnrichmentSlot once per batch, so a
// promoted model replaces the one in use by one Swap, without stopping the stream: batches
// already started finish with the enrichment they took (their shared_ptr keeps it alive),
// the next batch takes the new one.
//
// Threads: a step's Apply is const and is called from many threads at once (each with its
// own tweets). An Enrichment never changes after construction. EnrichmentSlot's Load and
// Swap may be called from any threads.
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/enricher.h"
#include "schema/tweet.h"

namespace covidflow::enrich {

class EnrichmentStep {
 public:
  virtual ~EnrichmentStep() = default;
  // "vader", "location", "model@3": names the step in logs and tests.
  virtual std::string_view Id() const = 0;
  // Adds this step's fields to each tweet (parsed and valid; the source position is set).
  virtual void Apply(std::span<schema::EnrichedTweet* const> tweets) const = 0;
};

// The steps in the order they run; empty = tweets leave with default sentiment and location.
class Enrichment {
 public:
  Enrichment() = default;
  explicit Enrichment(std::vector<std::shared_ptr<const EnrichmentStep>> steps);

  void Apply(std::span<schema::EnrichedTweet* const> tweets) const {
    for (const auto& step : steps_) step->Apply(tweets);
  }
  // The step ids joined by '+' ("vader+location"); "" with no step.
  const std::string& Id() const { return id_; }
  const std::vector<std::shared_ptr<const EnrichmentStep>>& steps() const { return steps_; }

 private:
  std::vector<std::shared_ptr<const EnrichmentStep>> steps_;
  std::string id_;
};

// Holds the enrichment in use. Load hands out a shared reference (valid as long as the
// caller holds it, whatever Swap does meanwhile); Swap installs a new one and returns the
// previous one. Never empty: a slot made from null holds an Enrichment with no step.
class EnrichmentSlot {
 public:
  explicit EnrichmentSlot(std::shared_ptr<const Enrichment> initial);
  std::shared_ptr<const Enrichment> Load() const;
  std::shared_ptr<const Enrichment> Swap(std::shared_ptr<const Enrichment> next);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Enrichment> current_;
};

// The sentiment step: Enricher::Score on each tweet's text, and the enricher's id in
// EnrichedTweet::enricher.
class SentimentStep : public EnrichmentStep {
 public:
  explicit SentimentStep(std::shared_ptr<const Enricher> enricher);
  std::string_view Id() const override { return enricher_->Id(); }
  void Apply(std::span<schema::EnrichedTweet* const> tweets) const override;

 private:
  std::shared_ptr<const Enricher> enricher_;
};

}  // namespace covidflow::enrich
