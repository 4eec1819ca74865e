#pragma once
// An enricher adds sentiment (and, through the location normalizer, a location) to a
// tweet. Implementations are registered by name with a description (enrich/enrichers.h)
// and chosen by configuration; the processor calls the interface only.
//
// Threads: Score is const and may be called from many threads at once.
#include <memory>
#include <string>
#include <string_view>

#include "schema/tweet.h"

namespace covidflow::enrich {

class Enricher {
 public:
  virtual ~Enricher() = default;
  // "vader" or "model@3": written into every enriched tweet.
  virtual std::string_view Id() const = 0;
  virtual schema::Sentiment Score(std::string_view text) const = 0;
};

}  // namespace covidflow::enrich
