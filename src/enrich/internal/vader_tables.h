#pragma once
// The tables the VADER scorer reads: the sentiment lexicon, the booster/dampener words,
// the negation words, the words the rules name, and the emoji descriptions. Built once, on
// first use, from the lexicon files embedded in the binary; immutable afterwards, so any
// number of threads may read them.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
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
  double valence = 0;  // lexicon valence when in_lexicon
  double booster = 0;  // booster (> 0) or dampener (< 0) increment when is_booster
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

  // Keys are compared as little-endian 64-bit words, zero-padded: at most this many.
  static constexpr size_t kMaxKeyWords = 3;

  // What a lookup needs, in one 32-byte record, so a hit touches one cache line: the key
  // and the flags the tokenizer copies. The rest (valences) is in Info().
  struct alignas(32) WordKey {
    enum Flags : uint8_t {
      kInLexicon = 1,
      kBooster = 2,   // a booster (+kBoosterIncrement) or, with kDampener, a dampener
      kDampener = 4,  // (-kBoosterIncrement)
      kNegation = 8,
      kValenceInCenti = 16  // valence_centi / 100.0 is exactly the lexicon's valence
    };
    uint64_t key[kMaxKeyWords];
    uint8_t size;
    Word word;
    uint8_t flags;
    int16_t valence_centi;  // the lexicon valence in hundredths, when kValenceInCenti
    uint16_t entry;
  };
  static constexpr double kBoosterIncrement = 0.293;

  // Looks up the lower-case ASCII word p[0, n). p[0, round_up(n, 8)) must be readable (the
  // bytes after n are ignored). nullptr for an unknown word or n > MaxKeySize().
  const WordKey* FindKey(const char* p, size_t n) const {
    if (n == 0 || n > max_key_size_) return nullptr;
    uint64_t w[kMaxKeyWords] = {};
    const size_t words = (n + 7) / 8;
    for (size_t k = 0; k < words; ++k) std::memcpy(&w[k], p + 8 * k, 8);
    return FindKeyWords(w, n);
  }

  // The same for a key given as its 8-byte words, w[0, ceil(n/8)); bytes past n in the last
  // word are ignored.
  const WordKey* FindKeyWords(const uint64_t* key_words, size_t n) const {
    if (n == 0 || n > max_key_size_) return nullptr;
    uint64_t w[kMaxKeyWords];
    const size_t words = (n + 7) / 8;
    for (size_t k = 0; k < words; ++k) w[k] = key_words[k];
    const size_t rem = n & 7;
    if (rem != 0) w[words - 1] &= (uint64_t{1} << (8 * rem)) - 1;
    const uint64_t h = HashWords(w, n);
    // Most words of a tweet are in no table: an 8 KB bit filter (stays in L1) turns ~90 % of
    // them away before the 64 KB slot array is touched.
    const uint32_t bit = static_cast<uint32_t>(h >> 20) & (kFilterBits - 1);
    if (((filter_[bit >> 6] >> (bit & 63)) & 1) == 0) return nullptr;
    const size_t mask = slots_.size() - 1;
    const auto tag = static_cast<uint16_t>((h >> 48) | 1u);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot slot = slots_[i];
      if (slot.tag == 0) return nullptr;
      if (slot.tag != tag) continue;
      const WordKey& e = keys_[slot.entry];
      if (e.size != n) continue;
      bool same = true;
      for (size_t k = 0; k < words; ++k) same &= e.key[k] == w[k];
      if (same) return &e;
    }
  }
  const WordInfo& Info(const WordKey& key) const { return entries_[key.entry]; }

  const WordInfo* FindPadded(const char* p, size_t n) const {
    const WordKey* key = FindKey(p, n);
    return key == nullptr ? nullptr : &entries_[key->entry];
  }

  // Looks up any lower-case ASCII word (no padding needed).
  const WordInfo* Find(std::string_view lower) const {
    char padded[8 * kMaxKeyWords] = {};
    if (lower.size() > sizeof(padded)) return nullptr;
    std::memcpy(padded, lower.data(), lower.size());
    return FindPadded(padded, lower.size());
  }

  // Words longer than this are in no table.
  size_t MaxKeySize() const { return max_key_size_; }

  // True when the code point may be a single-code-point emoji (exact for the BMP).
  bool MaybeEmoji(uint32_t cp) const {
    return cp > 0xFFFF || ((bmp_emoji_[cp >> 6] >> (cp & 63)) & 1) != 0;
  }
  // The description of a single-code-point emoji, or an empty view.
  std::string_view EmojiDescription(uint32_t cp) const;

  const std::vector<Phrase>& SpecialCases() const { return special_cases_; }
  const std::vector<Phrase>& BoosterPhrases() const { return booster_phrases_; }

  size_t LexiconSize() const { return lexicon_size_; }
  size_t EmojiCount() const { return emoji_.size(); }

 private:
  VaderTables();
  WordInfo& Upsert(std::string_view key);
  void BuildIndex();

  // Words w[0, ceil(n/8)) of an n-byte key, the last one zero-padded.
  static uint64_t HashWords(const uint64_t* w, size_t n) {
    uint64_t h = 0x243F6A8885A308D3ull ^ n;
    const size_t full = n / 8;
    for (size_t k = 0; k < full; ++k) {
      h = (h ^ w[k]) * 0x9E3779B97F4A7C15ull;
      h ^= h >> 29;
    }
    const uint64_t tail = (n & 7) != 0 ? w[full] : 0;
    h = (h ^ tail) * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
  }

  // Most words of a tweet are in no table, so a lookup is usually one probe of a small
  // array of (hash tag, entry) slots that stays in cache; the entry is read on a tag match.
  struct Slot {
    uint16_t tag;    // top hash bits | 1; 0 marks an empty slot
    uint16_t entry;  // index into entries_
  };
  std::vector<WordInfo> entries_;
  std::vector<WordKey> keys_;  // parallel to entries_
  static constexpr uint32_t kFilterBits = 1 << 16;
  uint64_t filter_[kFilterBits / 64] = {};
  std::vector<Slot> slots_;  // open addressing, power-of-two size, load <= 1/2
  size_t max_key_size_ = 0;
  uint64_t bmp_emoji_[1024] = {};
  size_t lexicon_size_ = 0;
  struct Emoji {
    uint32_t cp;
    std::string_view description;
  };
  std::vector<Emoji> emoji_;  // sorted by code point
  std::vector<Phrase> special_cases_;
  std::vector<Phrase> booster_phrases_;
  std::unordered_map<std::string_view, size_t> building_;  // key -> entry, only while building
};

}  // namespace covidflow::enrich::internal
