#include "enrich/location/normalizer.h"

#include <algorithm>
#include <cstdint>

#include "enrich/location/internal/gazetteer.h"
#include "enrich/location/internal/text.h"

namespace covidflow::enrich::location {
namespace {

using internal::Candidate;
using internal::Entry;
using internal::Gazetteer;
using internal::Kind;
using internal::Sep;
using internal::Tokens;
using internal::Word;

constexpr size_t kMaxMentions = 24;
constexpr size_t kMaxOptions = 8;
// A country must have one reading at least this likely: weaker readings ("SA" for South
// Australia, "Cambridge" for Massachusetts) only corroborate.
constexpr float kStrongWeight = 0.45f;
// An ISO alpha-2 code that is also a US or Canadian postal code ("CA", "IN", "MA", "DE"),
// written after a place ("Fresno, CA"), is read as the postal code first.
constexpr float kCodeUnderPostalWeight = 0.3f;
constexpr float kFlagWeight = 0.9f;
// A region is named only when the runner-up has less than this share of its support.
constexpr float kRegionMargin = 0.6f;
// A text naming this many different countries is a list ("London, Paris, New York").
constexpr size_t kListCountries = 3;

struct Option {
  uint16_t country;
  uint16_t region;
  float weight;
  bool container;  // a country, region, area or code; else a city
};

struct Mention {
  Option options[kMaxOptions];
  size_t count = 0;
  bool city = false;  // every option is a city

  void Add(const Option& o) {
    if (count < kMaxOptions) options[count++] = o;
  }
};

bool Compatible(const Option& a, const Option& b) {
  return a.country == b.country && (a.region == 0 || b.region == 0 || a.region == b.region);
}

// Keeps the options of `m` compatible with some option of `other`; false (and no change)
// when none is.
bool KeepCompatible(Mention& m, const Mention& other) {
  Option kept[kMaxOptions];
  size_t n = 0;
  for (size_t i = 0; i < m.count; ++i) {
    for (size_t j = 0; j < other.count; ++j) {
      if (Compatible(m.options[i], other.options[j])) {
        kept[n++] = m.options[i];
        break;
      }
    }
  }
  if (n == 0) return false;
  std::copy_n(kept, n, m.options);
  m.count = n;
  return true;
}

// Adjacent mentions explain each other: "Atlanta, Georgia" is the state, "Tbilisi, Georgia"
// the country, "Mumbai, IN" India and "Paris, TX" Texas. A city followed by a container it
// is not in is read in address order, as a homonym inside that container ("Paris, TX"), so
// the city's own readings are dropped. The other order ("Belgium and Geneva") is a list.
void ExplainPair(Mention& a, Mention& b) {
  if (a.count == 0 || b.count == 0) return;
  const Mention a_before = a;
  if (!KeepCompatible(a, b)) {
    if (a.city && !b.city) a.count = 0;
    return;
  }
  KeepCompatible(b, a_before);
}

// The country of a mention's most likely reading.
uint16_t TopCountry(const Mention& m) {
  const Option* top =
      std::max_element(m.options, m.options + m.count,
                       [](const Option& x, const Option& y) { return x.weight < y.weight; });
  return top->country;
}

struct Tally {
  uint16_t key;
  float support;
  bool strong;
};

// Adds each mention's best weight per key (country, or region within a country).
template <typename KeyOf>
size_t TallyBy(const Mention* mentions, size_t count, KeyOf key_of, Tally* tallies,
               size_t capacity) {
  size_t n = 0;
  for (size_t m = 0; m < count; ++m) {
    const Mention& mention = mentions[m];
    for (size_t i = 0; i < mention.count; ++i) {
      const int key = key_of(mention.options[i]);
      if (key < 0) continue;
      float best = 0;
      bool seen_before = false;
      for (size_t j = 0; j < mention.count; ++j) {
        if (key_of(mention.options[j]) != key) continue;
        if (j < i) seen_before = true;
        best = std::max(best, mention.options[j].weight);
      }
      if (seen_before) continue;
      Tally* t = std::find_if(tallies, tallies + n, [&](const Tally& x) { return x.key == key; });
      if (t == tallies + n) {
        if (n == capacity) continue;
        *t = Tally{static_cast<uint16_t>(key), 0, false};
        ++n;
      }
      t->support += best;
      t->strong |= best >= kStrongWeight;
    }
  }
  return n;
}

// Where a region or country code is expected: written in capitals (or last, after a comma:
// "Chicago, il"), at the end of its segment or followed only by a country ("Austin, TX USA"),
// and not a label ("ÜT: 3.09,101.68" is a coordinate prefix, not Utah).
bool CodePosition(const Tokens& t, size_t i, const Gazetteer& g) {
  const Word& w = t.words[i];
  const size_t len = w.end - w.begin;
  if (len < 2 || len > 3 || w.label) return false;
  const bool last = i + 1 == t.count;
  if (!w.upper && !(last && i > 0 && w.before == Sep::kHard)) return false;
  if (w.after == Sep::kHard) return true;
  // Followed in the same segment by a country name that ends the segment.
  for (size_t n = 1; n <= 3 && i + n < t.count; ++n) {
    const size_t last_word = i + n;
    if (t.words[last_word].is_flag()) return false;
    const Entry* e = g.Find(t.Phrase(i + 1, n));
    if (e != nullptr && t.words[last_word].after == Sep::kHard &&
        std::any_of(e->candidates.begin(), e->candidates.end(),
                    [](const Candidate& c) { return c.kind == Kind::kCountry; })) {
      return true;
    }
    if (t.words[last_word].after == Sep::kHard) break;
  }
  return false;
}

Mention MentionOf(const Entry& e, bool one_word, const Tokens& t, size_t i, const Gazetteer& g) {
  Mention m;
  bool code_checked = false;
  bool code_ok = false;
  const bool has_postal =
      std::any_of(e.candidates.begin(), e.candidates.end(),
                  [](const Candidate& c) { return c.kind == Kind::kRegionCode; });
  bool all_cities = true;
  for (const Candidate& c : e.candidates) {
    float weight = c.weight;
    switch (c.kind) {
      case Kind::kBlocked:
        continue;
      case Kind::kRegionCode:
      case Kind::kCountryCode:
        if (!one_word) continue;
        if (!code_checked) {
          code_ok = CodePosition(t, i, g);
          code_checked = true;
        }
        if (!code_ok) continue;
        if (c.kind == Kind::kCountryCode && has_postal && t.count > 1) {
          weight = std::min(weight, kCodeUnderPostalWeight);
        }
        break;
      default:
        break;
    }
    const bool container = c.kind != Kind::kCity;
    all_cities &= !container;
    m.Add(Option{c.country, c.region, weight, container});
  }
  m.city = m.count > 0 && all_cities;
  return m;
}

}  // namespace

const LocationNormalizer& LocationNormalizer::Default() {
  static const LocationNormalizer kDefault(Gazetteer::Embedded());
  return kDefault;
}

schema::Location LocationNormalizer::Normalize(std::string_view user_location) const {
  const Gazetteer& g = gazetteer_;
  const Tokens t = internal::Tokenize(user_location);

  // 1. Longest match of table names over the words, left to right.
  Mention mentions[kMaxMentions];
  size_t count = 0;
  for (size_t i = 0; i < t.count && count < kMaxMentions;) {
    const Word& w = t.words[i];
    if (w.is_flag()) {
      Mention m;
      const std::string_view code(w.flag);
      if (code.size() == 2) {
        const uint16_t country = Gazetteer::PackCountry(code);
        if (g.IsCountry(country)) m.Add(Option{country, 0, kFlagWeight, true});
      } else if (const uint16_t region = g.RegionId(code); region != 0) {
        m.Add(Option{Gazetteer::PackCountry(code), region, kFlagWeight, true});
      }
      if (m.count > 0) mentions[count++] = m;
      ++i;
      continue;
    }
    const Entry* first = g.Find(t.WordText(i));
    if (first == nullptr) {
      ++i;
      continue;
    }
    size_t text_words = 1;
    while (text_words < first->max_words && i + text_words < t.count &&
           !t.words[i + text_words].is_flag()) {
      ++text_words;
    }
    const Entry* match = nullptr;
    size_t matched = 0;
    for (size_t n = text_words; n >= 2; --n) {
      const Entry* e = g.Find(t.Phrase(i, n));
      if (e != nullptr && !e->candidates.empty()) {
        match = e;
        matched = n;
        break;
      }
    }
    if (match == nullptr) {
      match = first;
      matched = 1;
    }
    Mention m = MentionOf(*match, matched == 1, t, i, g);
    if (m.count > 0) mentions[count++] = m;
    i += matched;
  }

  // 2. A text whose mentions, read on their own, name three countries is a list.
  uint16_t named[kListCountries];
  size_t n_named = 0;
  for (size_t k = 0; k < count && n_named < kListCountries; ++k) {
    const uint16_t country = TopCountry(mentions[k]);
    if (std::find(named, named + n_named, country) == named + n_named) named[n_named++] = country;
  }
  if (n_named >= kListCountries) return {};

  // 3. Neighbours explain each other.
  for (size_t k = 0; k + 1 < count; ++k) ExplainPair(mentions[k], mentions[k + 1]);

  // 4. The country with the most support, if it clearly beats the runner-up.
  Tally countries[kMaxMentions * kMaxOptions];
  const size_t n_countries = TallyBy(
      mentions, count, [](const Option& o) { return static_cast<int>(o.country); }, countries,
      std::size(countries));
  const Tally* best = nullptr;
  float runner_up = 0;
  for (size_t k = 0; k < n_countries; ++k) {
    if (countries[k].strong && (best == nullptr || countries[k].support > best->support)) {
      best = &countries[k];
    }
  }
  schema::Location out;
  if (best == nullptr) return out;
  for (size_t k = 0; k < n_countries; ++k) {
    if (&countries[k] != best) runner_up = std::max(runner_up, countries[k].support);
  }
  const double confidence =
      std::min(1.0, static_cast<double>(best->support)) * (1.0 - runner_up / best->support);
  if (confidence < kMinConfidence) return out;
  out.country = Gazetteer::UnpackCountry(best->key);
  out.confidence = confidence;

  // 5. The region within that country, if one clearly leads.
  const uint16_t country = best->key;
  Tally regions[kMaxMentions * kMaxOptions];
  const size_t n_regions = TallyBy(
      mentions, count,
      [country](const Option& o) {
        return o.country == country && o.region != 0 ? static_cast<int>(o.region) : -1;
      },
      regions, std::size(regions));
  const Tally* top = nullptr;
  for (size_t k = 0; k < n_regions; ++k) {
    if (top == nullptr || regions[k].support > top->support) top = &regions[k];
  }
  if (top != nullptr) {
    float second = 0;
    for (size_t k = 0; k < n_regions; ++k) {
      if (&regions[k] != top) second = std::max(second, regions[k].support);
    }
    if (second < kRegionMargin * top->support) out.region = std::string(g.RegionCode(top->key));
  }
  return out;
}

}  // namespace covidflow::enrich::location
