#pragma once
// The location normalizer as an enrichment step (enrich/enrichment.h): each tweet's
// user_location → EnrichedTweet::location.
#include <span>
#include <string_view>

#include "enrich/enrichment.h"
#include "enrich/location/normalizer.h"

namespace covidflow::enrich::location {

class LocationStep : public EnrichmentStep {
 public:
  // `normalizer` must outlive the step (LocationNormalizer::Default() lives for the program).
  explicit LocationStep(const LocationNormalizer& normalizer) : normalizer_(normalizer) {}
  std::string_view Id() const override { return "location"; }
  void Apply(std::span<schema::EnrichedTweet* const> tweets) const override {
    for (schema::EnrichedTweet* t : tweets)
      t->location = normalizer_.Normalize(t->tweet.user_location);
  }

 private:
  const LocationNormalizer& normalizer_;
};

}  // namespace covidflow::enrich::location
