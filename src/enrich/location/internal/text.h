#pragma once
// Tokenizer shared by the gazetteer (table names become keys) and the normalizer (free text
// becomes words). Private to enrich/location.
//
// Free text is folded so that writing differences do not matter: ASCII and Latin letters are
// lower-cased and stripped of accents ("Québec" -> "quebec"), Cyrillic and Greek are
// lower-cased, apostrophes and zero-width characters vanish ("Côte d'Ivoire" -> "cote
// divoire"), every other script is kept byte for byte. Each run of non-letters between two
// words becomes one space in `text`, so the words first..last of a phrase are always one
// contiguous slice of it: an n-gram is looked up without building a string.
//
// Any byte sequence is accepted: invalid UTF-8 counts as a separator, input beyond
// kMaxInputBytes is ignored (user_location is at most 30 characters on Twitter; longer values
// are not locations), and at most kMaxWords words are kept.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace covidflow::enrich::location::internal {

inline constexpr size_t kMaxInputBytes = 256;
inline constexpr size_t kMaxWords = 64;

// The strongest separator between two words. Soft: spaces, '-', '.', '_' ("St. Louis",
// "Baden-Württemberg"). Hard: everything else (',', '/', '(', emoji...) and the ends of the
// input, which start and end "segments": "Chicago, IL" has the segments "Chicago" and "IL".
enum class Sep : uint8_t { kNone, kSoft, kHard };

struct Word {
  uint16_t begin = 0;  // slice of Tokens::text; empty for a flag
  uint16_t end = 0;
  Sep before = Sep::kHard;
  Sep after = Sep::kHard;
  bool upper = false;  // written in capitals ("NY", "IN"), which is how codes are written
  bool label = false;  // directly followed by ':' ("ÜT: 40.7,-74.0", "iPhone: ..."): a prefix
  // The separators after it include a list mark ('/', '|', '&', '+', a bullet, or a dash with
  // a space before it: "London - New York", "NYC/London"), not an address comma.
  bool list_after = false;
  // For a flag emoji, its ISO code ("NG", or "GB-SCT" for the subdivision flags); else empty.
  char flag[8] = {};

  bool is_flag() const { return flag[0] != 0; }
};

struct Tokens {
  char text[kMaxInputBytes + 1];
  size_t size = 0;
  Word words[kMaxWords];
  size_t count = 0;

  // Words first..first+n-1 as they appear in `text`, separated by single spaces.
  std::string_view Phrase(size_t first, size_t n) const {
    return std::string_view(text + words[first].begin,
                            words[first + n - 1].end - words[first].begin);
  }
  std::string_view WordText(size_t i) const { return Phrase(i, 1); }
};

Tokens Tokenize(std::string_view input);

// The lookup key of a table name: its words joined by single spaces ("New-York" -> "new york").
std::string NormalizeKey(std::string_view name);

}  // namespace covidflow::enrich::location::internal
