#pragma once
// Location normalization: a tweet's free-text user_location ("Atlanta, GA", "Mumbai",
// "London, England", "🇳🇬", "she/her") -> ISO 3166-1 alpha-2 country, ISO 3166-2 first-level
// region where one is named or implied (US states, Canadian provinces, Indian states and
// territories, UK nations, Australian states), and a confidence in [0, 1].
//
// Precision comes before coverage: an ambiguous text ("Georgia", "CA", "IN", "Punjab") gets
// an empty country rather than a guess, and so does a text that lists three or more
// countries. See README.md for the rules and the measured precision and resolved share.
//
// Threads: Normalize is const, allocation-free apart from the returned strings, and may be
// called from any number of threads. Default() lives for the whole program.
#include <string_view>

#include "schema/tweet.h"

namespace covidflow::enrich::location {

namespace internal {
class Gazetteer;
}

class LocationNormalizer {
 public:
  // Below this confidence the answer is withheld (country and region empty, confidence 0).
  static constexpr double kMinConfidence = 0.3;

  // The normalizer over the tables embedded at build time.
  static const LocationNormalizer& Default();

  explicit LocationNormalizer(const internal::Gazetteer& gazetteer) : gazetteer_(gazetteer) {}

  // Never fails: any bytes (invalid UTF-8, 100 KB, emoji, right-to-left text) give a value.
  schema::Location Normalize(std::string_view user_location) const;

 private:
  const internal::Gazetteer& gazetteer_;
};

}  // namespace covidflow::enrich::location
