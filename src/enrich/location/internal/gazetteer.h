#pragma once
// The place-name tables of enrich/location, parsed once from the text tables in data/*.txt
// (embedded into the library at build time). Private to enrich/location.
//
// A table line is `KIND[:WEIGHT] CODE name|name|...`, where CODE is an ISO 3166-1 alpha-2
// country ("IN") or an ISO 3166-2 region ("IN-MH"), and KIND says how a name is read:
//   C country name or alias       R first-level region name      K county or area in a region
//   T city or town                 P region code ("NY", "ON")     X phrase that names no place
//   G a one-word name that is also an ordinary word ("jersey", "turkey", "china"): it keeps
//     its readings, but counts fully only when no unknown word stands beside it in its segment
//     ("China Grove", "Jersey Shore" are other places; normalizer.cc lowers their weight)
// P codes, and the ISO alpha-2 codes derived from the C lines, count only where a code is
// expected (see normalizer.cc). WEIGHT (default by kind) is the prior that the name means
// that place; a name with several lines is ambiguous, and the weights say how much.
//
// Lifetime and threads: immutable after Parse; Find may be called from any number of threads.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace covidflow::enrich::location::internal {

enum class Kind : uint8_t {
  kCountry,
  kRegion,
  kArea,
  kCity,
  kRegionCode,
  kCountryCode,
  kBlocked,
  kGeneric,  // marks an entry (Entry::generic); never a candidate
};

struct Candidate {
  uint16_t country = 0;  // two ASCII capitals packed: 'N' << 8 | 'G'
  uint16_t region = 0;   // Gazetteer::RegionCode(region); 0 = the country as a whole
  float weight = 0;
  Kind kind = Kind::kCountry;
};

struct Entry {
  std::vector<Candidate> candidates;  // empty for a word that only starts longer names
  uint8_t max_words = 1;              // the longest name that starts with this word
  bool generic = false;               // a G line lists it: the name is also an ordinary word
};

inline constexpr size_t kMaxNameWords = 8;

class Gazetteer {
 public:
  struct Source {
    std::string_view name;  // for error messages: "regions.txt"
    std::string_view text;
  };

  // InvalidArgument naming the source and line when a line does not parse.
  static Result<std::unique_ptr<Gazetteer>> Parse(const std::vector<Source>& sources);
  // The tables embedded at build time; parsed on first use (a failure is a build defect,
  // caught by gazetteer_test, and aborts).
  static const Gazetteer& Embedded();
  static const std::vector<Source>& EmbeddedSources();

  // The entry of a normalized key (text.h NormalizeKey), or nullptr.
  const Entry* Find(std::string_view key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::string_view RegionCode(uint16_t region) const { return regions_[region]; }
  // The id of an ISO 3166-2 code present in the tables ("GB-SCT"), or 0.
  uint16_t RegionId(std::string_view code) const;
  bool IsCountry(uint16_t country) const;
  size_t size() const { return entries_.size(); }

  static uint16_t PackCountry(std::string_view code) {
    return static_cast<uint16_t>((static_cast<unsigned char>(code[0]) << 8) |
                                 static_cast<unsigned char>(code[1]));
  }
  static std::string UnpackCountry(uint16_t country) {
    return {static_cast<char>(country >> 8), static_cast<char>(country & 0xFF)};
  }

 private:
  Gazetteer() = default;
  Status ParseLine(std::string_view line);
  void Add(const std::string& key, const Candidate& candidate);

  std::deque<std::string> keys_;  // owns the bytes the map's keys view
  std::unordered_map<std::string_view, Entry> entries_;
  std::deque<std::string> regions_{""};  // stable: region_ids_ views these
  std::unordered_map<std::string_view, uint16_t> region_ids_;
  std::vector<uint16_t> countries_;   // sorted
  std::vector<std::string> generic_;  // G names, marked once every table is read
};

}  // namespace covidflow::enrich::location::internal
