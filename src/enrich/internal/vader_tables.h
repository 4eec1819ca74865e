#pragma once
// The tables the VADER scorer reads: the sentiment lexicon, the booster/dampener words,
// the negation words, the words the rules name, and the emoji descriptions. Built once, on
// first use, from the lexicon files embedded in the binary; immutable afterwards, so any
// number of threads may read them.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace covidflow::enrich::internal {

// The words the rules test by name. kOther is every other word.
enum class Word : uint8_t {
  kOther,
  kNo,
  kBut,
  kKind,
  kOf,
  kLeast,
  kAt,
  kVery,
  kNever,
  kSo,
  kThis,
  kWithout,
  kDoubt,
  kOr,
  kNor,
  // Words of the multi-word special cases and booster phrases.
  kThe,
  kShit,
  kBomb,
  kBad,
  kAss,
  kBus,
  kStop,
  kYeah,
  kRight,
  kKiss,
  kDeath,
  kTo,
  kDie,
  kFor,
  kBeating,
  kHeart,
  kJust,
  kEnough,
  kSort,
};

// Everything known about one lower-case word.
struct WordInfo {
  std::string_view key;
  double valence = 0;      // lexicon valence when in_lexicon
  double booster = 0;      // booster (> 0) or dampener (< 0) increment when is_booster
  bool in_lexicon = false;
  bool is_booster = false;
  bool is_negation = false;  // one of the negation words (the "n't" rule is applied by the caller)
  Word word = Word::kOther;
};

// A multi-word phrase of the rules ("kiss of death"), as word ids.
struct Phrase {
  Word words[3];
  int size;
  double value;
};

class VaderTables {
 public:
  // The process-wide tables (thread-safe lazy initialisation).
  static const VaderTables& Get();

  // `lower` must already be lower-case ASCII; returns nullptr for unknown words.
  const WordInfo* Find(std::string_view lower) const;

  // The description of a single-code-point emoji, or an empty view.
  std::string_view EmojiDescription(uint32_t cp) const;

  const std::vector<Phrase>& SpecialCases() const { return special_cases_; }
  const std::vector<Phrase>& BoosterPhrases() const { return booster_phrases_; }

  size_t LexiconSize() const { return lexicon_size_; }
  size_t EmojiCount() const { return emoji_.size(); }

 private:
  VaderTables();
  WordInfo& Upsert(std::string_view key);
  void Rehash(size_t capacity);

  std::vector<WordInfo> slots_;                     // open addressing, power-of-two size
  size_t used_ = 0;
  size_t lexicon_size_ = 0;
  struct Emoji {
    uint32_t cp;
    std::string_view description;
  };
  std::vector<Emoji> emoji_;  // sorted by code point
  std::vector<Phrase> special_cases_;
  std::vector<Phrase> booster_phrases_;
};

}  // namespace covidflow::enrich::internal
