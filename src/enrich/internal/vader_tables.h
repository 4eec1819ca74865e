#pragma once
// The tables the VADER scorer reads: the sentiment lexicon, the booster/dampener words,
// the negation words, the words the rules name, and the emoji descriptions. Built once, on
// first use, from the lexicon files embedded in the binary; immutable afterwards, so any
// number of threads may read them.
#include <array>
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
inline constexpr size_t kWordCount = static_cast<size_t>(Word::kSort) + 1;

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

// Which phrases of a list can match a run of words, as bit masks (bit p: phrase p of the
// list), so that a rule tests every phrase at once with two or three loads and ANDs instead
// of comparing them one by one: at[k][w] has the phrases whose word k is w, of_size[s] the
// phrases of s words.
struct PhraseMasks {
  uint32_t at[3][kWordCount] = {};
  uint32_t of_size[4] = {};
};

class VaderTables {
 public:
  // The process-wide tables (thread-safe lazy initialisation).
  static const VaderTables& Get();

  // Keys are compared as little-endian 64-bit words, zero-padded: at most this many.
  static constexpr size_t kMaxKeyWords = 3;

  // One slot of the open-addressing table, 16 bytes: everything a lookup needs, so that a
  // hit reads one cache line (the rest of a key longer than 8 bytes is in a side array,
  // read only when the first 8 bytes and the length match; valences that are not whole
  // hundredths are in Info()).
  struct alignas(16) WordKey {
    enum Flags : uint8_t {
      kInLexicon = 1,
      kBooster = 2,   // a booster (+kBoosterIncrement) or, with kDampener, a dampener
      kDampener = 4,  // (-kBoosterIncrement)
      kNegation = 8,
      kValenceInCenti = 16  // valence_centi / 100.0 is exactly the lexicon's valence
    };
    uint64_t key0;  // the key's first 8 bytes, zero-padded
    uint8_t size;   // the key's length; 0 marks an empty slot
    Word word;
    uint8_t flags;
    uint8_t unused;
    int16_t valence_centi;  // the lexicon valence in hundredths, when kValenceInCenti
    uint16_t entry;         // index into entries_ and key_tails_
  };
  static_assert(sizeof(WordKey) == 16);
  static constexpr double kBoosterIncrement = 0.293;

  // A lookup in three steps, so that the scorer can hash every word of a text first, keep
  // the few that may be in a table, and only then probe (the loads of different words
  // overlap instead of waiting one after the other):
  //   KeyHash(w, n)   w: the lower-case ASCII word as kMaxKeyWords little-endian words,
  //                   zero past byte n (MaskKey does that); 1 <= n <= MaxKeySize()
  //   MayContain(h)   false for most words in no table (a blocked Bloom filter of 8 KB,
  //                   which stays in L1); true for every key
  //   Find(w, n, h)   the slot of the key, or nullptr
  static uint64_t KeyHash(const uint64_t* w, size_t n) {
    // One product per key word (for longer keys they run in parallel); the length goes in
    // above the last byte of a short key. Only the product's high bits, which depend on
    // every byte of the key, are used (MayContain and Find read bits 28 and up).
    uint64_t h = (w[0] ^ (uint64_t{n} << 56)) * 0x9E3779B97F4A7C15ull;
    if (n > 8) {
      h ^= (w[1] ^ 0x13198A2E03707344ull) * 0xC2B2AE3D27D4EB4Full;
      h ^= (w[2] ^ 0xA4093822299F31D0ull) * 0x165667B19E3779F9ull;
    }
    return h;
  }
  // Clears the bytes of w past byte n (n <= 8 * kMaxKeyWords).
  static void MaskKey(uint64_t* w, size_t n) {
    for (size_t k = 0; k < kMaxKeyWords; ++k) w[k] &= kKeyMasks[n][k];
  }
  bool MayContain(uint64_t h) const {
    static_assert(kFilterWords == 1024, "h >> 54 indexes the filter");
    const uint64_t bits = (uint64_t{1} << ((h >> 42) & 63)) | (uint64_t{1} << ((h >> 48) & 63));
    return (filter_[h >> 54] & bits) == bits;
  }
  const WordKey* Find(const uint64_t* w, size_t n, uint64_t h) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = (h >> 28) & mask;; i = (i + 1) & mask) {
      const WordKey& slot = slots_[i];
      if (slot.size == 0) return nullptr;
      if (slot.key0 == w[0] && slot.size == n &&
          (n <= 8 || (key_tails_[slot.entry][0] == w[1] && key_tails_[slot.entry][1] == w[2]))) {
        return &slot;
      }
    }
  }

  // Looks up the lower-case ASCII word p[0, n) in one call. p[0, 8 * kMaxKeyWords) must be
  // readable (the bytes after n are ignored). nullptr for an unknown word.
  const WordKey* FindKey(const char* p, size_t n) const {
    if (n == 0 || n > max_key_size_) return nullptr;
    uint64_t w[kMaxKeyWords];
    std::memcpy(w, p, sizeof(w));
    MaskKey(w, n);
    const uint64_t h = KeyHash(w, n);
    return MayContain(h) ? Find(w, n, h) : nullptr;
  }
  const WordInfo& Info(const WordKey& key) const { return entries_[key.entry]; }

  // Looks up any lower-case ASCII word (no padding needed).
  const WordInfo* Find(std::string_view lower) const {
    char padded[8 * kMaxKeyWords] = {};
    if (lower.size() > sizeof(padded)) return nullptr;
    std::memcpy(padded, lower.data(), lower.size());
    const WordKey* key = FindKey(padded, lower.size());
    return key == nullptr ? nullptr : &entries_[key->entry];
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
  const PhraseMasks& SpecialCaseMasks() const { return special_case_masks_; }
  const PhraseMasks& BoosterPhraseMasks() const { return booster_phrase_masks_; }

  size_t LexiconSize() const { return lexicon_size_; }
  size_t EmojiCount() const { return emoji_.size(); }

 private:
  VaderTables();
  WordInfo& Upsert(std::string_view key);
  void BuildIndex();

  static uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

  // kKeyMasks[n][k]: the bytes of key word k that belong to an n-byte key.
  static constexpr auto kKeyMasks = [] {
    std::array<std::array<uint64_t, kMaxKeyWords>, 8 * kMaxKeyWords + 1> masks{};
    for (size_t n = 0; n < masks.size(); ++n) {
      for (size_t k = 0; k < kMaxKeyWords; ++k) {
        const size_t bytes = n <= 8 * k ? 0 : n - 8 * k >= 8 ? 8 : n - 8 * k;
        masks[n][k] = bytes == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1;
      }
    }
    return masks;
  }();

  std::vector<WordInfo> entries_;
  // The filter: 1024 words of 64 bits; a key sets 2 bits of one word (blocked Bloom
  // filter: one load per test, about 5 % false positives at 7,600 keys).
  static constexpr size_t kFilterWords = 1024;
  uint64_t filter_[kFilterWords] = {};
  // Open addressing, power-of-two size, load <= 1/2, indexed by hash bits 28 and up (the
  // filter uses bits 42 to 63: the two stay apart up to 2^14 slots, 8,192 keys).
  std::vector<WordKey> slots_;
  std::vector<std::array<uint64_t, 2>> key_tails_;  // per entry: key words 1 and 2
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
  PhraseMasks special_case_masks_;
  PhraseMasks booster_phrase_masks_;
  std::unordered_map<std::string_view, size_t> building_;  // key -> entry, only while building
};

}  // namespace covidflow::enrich::internal
