#include "enrich/enrichment.h"

#include <utility>

namespace covidflow::enrich {

Enrichment::Enrichment(std::vector<std::shared_ptr<const EnrichmentStep>> steps)
    : steps_(std::move(steps)) {
  for (const auto& step : steps_) {
    if (!id_.empty()) id_ += '+';
    id_ += step->Id();
  }
}

EnrichmentSlot::EnrichmentSlot(std::shared_ptr<const Enrichment> initial)
    : current_(initial != nullptr ? std::move(initial) : std::make_shared<const Enrichment>()) {}

std::shared_ptr<const Enrichment> EnrichmentSlot::Load() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::shared_ptr<const Enrichment> EnrichmentSlot::Swap(std::shared_ptr<const Enrichment> next) {
  if (next == nullptr) next = std::make_shared<const Enrichment>();
  std::lock_guard<std::mutex> lock(mu_);
  std::swap(current_, next);
  return next;
}

SentimentStep::SentimentStep(std::shared_ptr<const Enricher> enricher)
    : enricher_(std::move(enricher)) {}

void SentimentStep::Apply(std::span<schema::EnrichedTweet* const> tweets) const {
  const std::string_view id = enricher_->Id();
  for (schema::EnrichedTweet* t : tweets) {
    t->sentiment = enricher_->Score(t->tweet.text);
    t->enricher.assign(id);
  }
}

}  // namespace covidflow::enrich
