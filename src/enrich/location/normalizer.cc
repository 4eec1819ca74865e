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
// The weight of evidence that rests on a weak reading: a country code alone ("MV", "LV":
// as likely a local abbreviation), a country name with an unknown word after it in its
// segment ("China Grove", "USA Today": a place or thing named after the country), or a name
// that is also an ordinary word with an unknown word beside it ("Jersey Shore").
constexpr float kWeakWeight = 0.5f;
// When the runner-up country has a strong reading of its own, the answer needs at least this
// confidence: two single places ("London - New York": a city against a name, 0.3) are not
// one, while a name with corroboration against a stray city ("York Street, George, RSA":
// 0.46) still is.
constexpr float kTwoPlacesMinConfidence = 0.4f;

// Words that frame a place without naming another one: "Somewhere in India", "Northern
// Nigeria", "Lagos State". Any other unknown word beside a name weakens it (see kWeakWeight).
constexpr std::string_view kFrameWords[] = {
    "a",         "and",    "area",     "at",     "based",   "born",     "capital",
    "central",   "county", "district", "east",   "eastern", "from",     "greater",
    "here",      "in",     "kingdom",  "living", "metro",   "near",     "north",
    "northern",  "of",     "province", "raised", "region",  "republic", "rural",
    "somewhere", "south",  "southern", "state",  "the",     "west",     "western"};

bool IsFrameWord(std::string_view w) {
  return std::find(std::begin(kFrameWords), std::end(kFrameWords), w) != std::end(kFrameWords);
}

bool AllDigits(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// US territories with their own ISO 3166-1 code are answered with that code, whether the text
// names them alone ("Puerto Rico"), by a postal code ("Bayamon, PR") or with their parent
// ("Puerto Rico, USA"): one answer for one place. The tables also list them as US regions so
// that "USA" corroborates them rather than competing.
struct Territory {
  std::string_view region;
  std::string_view country;
};
constexpr Territory kTerritories[] = {{"US-PR", "PR"}, {"US-GU", "GU"}, {"US-VI", "VI"},
                                      {"US-AS", "AS"}, {"US-MP", "MP"}, {"US-UM", "UM"}};

struct Option {
  uint16_t country;
  uint16_t region;
  float weight;
  bool container;             // a country, region, area or code; else a city
  bool country_name = false;  // a country's name or alias (a C line)
  bool country_code = false;  // a country's ISO alpha-2 code
};

struct Mention {
  Option options[kMaxOptions];
  size_t count = 0;
  bool city = false;        // every option is a city
  bool any_city = false;    // some option is a city
  bool any_region = false;  // some option is a region, area or region code
  bool generic = false;     // the matched name is also an ordinary word (a G line)
  bool code = false;        // matched as a code ("TX", "NG")
  size_t first = 0;         // the words it covers: first..last
  size_t last = 0;

  void Add(const Option& o) {
    if (count < kMaxOptions) options[count++] = o;
  }
  void Cap(float weight, bool (*which)(const Option&)) {
    for (size_t i = 0; i < count; ++i) {
      if (which(options[i])) options[i].weight = std::min(options[i].weight, weight);
    }
  }
};

// The parent of a territory with its own code (PR -> US), else 0.
uint16_t ParentOf(uint16_t country) {
  static const uint16_t kUs = Gazetteer::PackCountry("US");
  for (const Territory& t : kTerritories) {
    if (Gazetteer::PackCountry(t.country) == country) return kUs;
  }
  return 0;
}

bool Compatible(const Option& a, const Option& b) {
  if (a.country != b.country) {
    // A territory and its parent as a whole: "Puerto Rico, USA".
    return (ParentOf(a.country) == b.country && b.region == 0) ||
           (ParentOf(b.country) == a.country && a.region == 0);
  }
  return a.region == 0 || b.region == 0 || a.region == b.region;
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
// the country, "Mumbai, IN" India and "Paris, TX" Texas. A city written right before a
// region it is not in is read in address order, as a homonym inside that region ("Paris, TX",
// "London Ontario"), so the city's own readings are dropped. Not in address order, and so two
// places: a city before a country ("Shanghai HongKong"), items with a list mark or a word
// between them ("London - New York", "London and New York"), the other order ("Belgium and
// Geneva"). `address_order` says whether a and b are written like an address.
// The homonym is a guess the tables cannot confirm ("Dubai, Karnataka" reads the same way):
// returns true when it was made, and the answer's confidence is then at most kWeakWeight.
bool ExplainPair(Mention& a, Mention& b, bool address_order) {
  if (a.count == 0 || b.count == 0) return false;
  const Mention a_before = a;
  if (!KeepCompatible(a, b)) {
    if (address_order && a.city && !b.any_city && b.any_region) {
      a.count = 0;
      return true;
    }
    return false;
  }
  KeepCompatible(b, a_before);
  return false;
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
  m.generic = e.generic && one_word;
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
    m.any_city |= !container;
    m.any_region |= container && c.region != 0;
    m.code |= c.kind == Kind::kRegionCode || c.kind == Kind::kCountryCode;
    Option o{c.country, c.region, weight, container};
    o.country_name = c.kind == Kind::kCountry;
    o.country_code = c.kind == Kind::kCountryCode;
    if (c.region != 0) {
      const std::string_view region = g.RegionCode(c.region);
      for (const Territory& territory : kTerritories) {
        if (region == territory.region) {
          o.country = Gazetteer::PackCountry(territory.country);
          o.region = 0;
        }
      }
    }
    m.Add(o);
  }
  m.city = m.count > 0 && all_cities;
  return m;
}

// Lowers the weight of readings that rest on little: a lone country code, a country name
// followed by an unknown word in its segment, an ordinary-word name beside an unknown word.
// `explained[w]` is true for the words a table name (or a blocked phrase) covers.
void WeakenReadings(Mention* mentions, size_t count, const Tokens& t, const bool* explained) {
  // A word that is neither read as a place, nor a flag, nor a frame word, nor a number.
  const auto unknown = [&](size_t w) {
    const std::string_view text = t.WordText(w);
    return !explained[w] && !t.words[w].is_flag() && !IsFrameWord(text) && !AllDigits(text);
  };
  if (count == 1 && mentions[0].code) {
    mentions[0].Cap(kWeakWeight, [](const Option& o) { return o.country_code; });
  }
  // A list with an item that names no known place ("Stockholm | Tabiano Castello"): the
  // answer may be the other item's country, or not; every reading is weak. Items are the runs
  // of words between list marks.
  bool listed = false;
  for (size_t w = 0; w + 1 < t.count; ++w) listed |= t.words[w].list_after;
  bool item_read = false;
  bool item_unknown = false;
  for (size_t w = 0; listed && w < t.count; ++w) {
    item_read |= explained[w];
    item_unknown |= unknown(w);
    if (w + 1 < t.count && !t.words[w].list_after) continue;
    if (!item_read && item_unknown) {
      for (size_t k = 0; k < count; ++k) {
        mentions[k].Cap(kWeakWeight, [](const Option&) { return true; });
      }
      break;
    }
    item_read = item_unknown = false;
  }
  for (size_t k = 0; k < count; ++k) {
    Mention& m = mentions[k];
    if (m.count == 0 || m.code) continue;
    bool unknown_before = false;
    bool unknown_after = false;
    // The segment: words up to the hard separators around the mention.
    for (size_t w = m.first; w > 0 && t.words[w].before != Sep::kHard;) {
      --w;
      unknown_before |= unknown(w);
    }
    for (size_t w = m.last; t.words[w].after != Sep::kHard && w + 1 < t.count;) {
      ++w;
      unknown_after |= unknown(w);
    }
    if (m.generic && (unknown_before || unknown_after)) {
      m.Cap(kWeakWeight, [](const Option&) { return true; });
    } else if (unknown_after) {
      m.Cap(kWeakWeight, [](const Option& o) { return o.country_name; });
    }
  }
}

// "Puerto Rico, USA": the parent named as a whole beside its territory names the territory.
void FoldParentsIntoTerritories(Mention* mentions, size_t count) {
  for (size_t k = 0; k < count; ++k) {
    for (size_t i = 0; i < mentions[k].count; ++i) {
      const uint16_t territory = mentions[k].options[i].country;
      const uint16_t parent = ParentOf(territory);
      if (parent == 0) continue;
      for (size_t j = 0; j < count; ++j) {
        Mention& other = mentions[j];
        const bool parent_only =
            other.count > 0 &&
            std::all_of(other.options, other.options + other.count,
                        [&](const Option& o) { return o.country == parent && o.region == 0; });
        if (j == k || !parent_only) continue;
        for (size_t o = 0; o < other.count; ++o) other.options[o].country = territory;
      }
    }
  }
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
  bool explained[internal::kMaxWords] = {};
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
      m.first = m.last = i;
      if (m.count > 0) mentions[count++] = m;
      explained[i] = true;
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
    m.first = i;
    m.last = i + matched - 1;
    // A word is explained when it was read as a place or matched a blocked phrase; a code
    // out of place ("de" in ".fi .fr .se .uk .de") is an unknown word.
    const bool blocked = std::any_of(match->candidates.begin(), match->candidates.end(),
                                     [](const Candidate& c) { return c.kind == Kind::kBlocked; });
    if (m.count > 0 || blocked) std::fill_n(explained + i, matched, true);
    if (m.count > 0) mentions[count++] = m;
    i += matched;
  }
  WeakenReadings(mentions, count, t, explained);

  // 2. A text whose mentions, read on their own, name three countries is a list.
  uint16_t named[kListCountries];
  size_t n_named = 0;
  for (size_t k = 0; k < count && n_named < kListCountries; ++k) {
    const uint16_t country = TopCountry(mentions[k]);
    if (std::find(named, named + n_named, country) == named + n_named) named[n_named++] = country;
  }
  if (n_named >= kListCountries) return {};

  // 3. Neighbours explain each other.
  bool homonym_guessed = false;
  for (size_t k = 0; k + 1 < count; ++k) {
    const Mention& a = mentions[k];
    const bool address_order = mentions[k + 1].first == a.last + 1 && !t.words[a.last].list_after;
    homonym_guessed |= ExplainPair(mentions[k], mentions[k + 1], address_order);
  }
  FoldParentsIntoTerritories(mentions, count);

  // 4. The country with the most support, if it clearly beats the runner-up.
  Tally countries[kMaxMentions * kMaxOptions];
  const size_t n_countries = TallyBy(
      mentions, count, [](const Option& o) { return static_cast<int>(o.country); }, countries,
      std::size(countries));
  const Tally* best = nullptr;
  float runner_up = 0;
  bool runner_up_strong = false;
  for (size_t k = 0; k < n_countries; ++k) {
    if (countries[k].strong && (best == nullptr || countries[k].support > best->support)) {
      best = &countries[k];
    }
  }
  schema::Location out;
  if (best == nullptr) return out;
  for (size_t k = 0; k < n_countries; ++k) {
    if (&countries[k] == best) continue;
    runner_up = std::max(runner_up, countries[k].support);
    runner_up_strong |= countries[k].strong;
  }
  const double confidence =
      std::min(1.0, static_cast<double>(best->support)) * (1.0 - runner_up / best->support);
  if (confidence < kMinConfidence) return out;
  if (runner_up_strong && confidence < kTwoPlacesMinConfidence) return out;
  out.country = Gazetteer::UnpackCountry(best->key);
  out.confidence = homonym_guessed ? std::min<double>(confidence, kWeakWeight) : confidence;

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
