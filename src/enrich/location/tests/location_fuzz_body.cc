#include "enrich/location/tests/location_fuzz_body.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "enrich/location/normalizer.h"

namespace covidflow::enrich::location::fuzz {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "location fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

bool IsCapital(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

void FuzzLocationBytes(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const LocationNormalizer& normalizer = LocationNormalizer::Default();
  const schema::Location l = normalizer.Normalize(text);
  if (l.country.empty()) {
    Check(l.region.empty(), "a region without a country");
    Check(l.confidence == 0, "confidence without a country");
  } else {
    Check(l.country.size() == 2 && IsCapital(l.country[0]) && IsCapital(l.country[1]),
          "country is not two capitals");
    Check(l.confidence >= LocationNormalizer::kMinConfidence && l.confidence <= 1,
          "confidence out of range");
    if (!l.region.empty()) {
      Check(l.region.size() >= 4 && l.region.size() <= 6 &&
                l.region.compare(0, 2, l.country) == 0 && l.region[2] == '-',
            "region does not start with '<country>-'");
      for (size_t i = 3; i < l.region.size(); ++i) {
        Check(IsCapital(l.region[i]) || (l.region[i] >= '0' && l.region[i] <= '9'),
              "region code has a bad character");
      }
    }
  }
  const schema::Location again = normalizer.Normalize(text);
  Check(again.country == l.country && again.region == l.region && again.confidence == l.confidence,
        "the same bytes normalized twice differ");
}

}  // namespace covidflow::enrich::location::fuzz
