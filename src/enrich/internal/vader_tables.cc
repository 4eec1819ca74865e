#include "enrich/internal/vader_tables.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "base/utf8.h"

namespace covidflow::enrich::internal {

// The lexicon files, embedded at build time (see enrich.cmake).
extern const char kVaderLexicon[];
extern const size_t kVaderLexiconSize;
extern const char kEmojiLexicon[];
extern const size_t kEmojiLexiconSize;

namespace {

// Mean intensity change of a booster word, from the VADER paper (Hutto & Gilbert 2014).
constexpr double kBoost = VaderTables::kBoosterIncrement;

constexpr std::string_view kBoosters[] = {
    "absolutely",    "amazingly",    "awfully",       "completely", "considerable", "considerably",
    "decidedly",     "deeply",       "effing",        "enormous",   "enormously",   "entirely",
    "especially",    "exceptional",  "exceptionally", "extreme",    "extremely",    "fabulously",
    "flipping",      "flippin",      "frackin",       "fracking",   "fricking",     "frickin",
    "frigging",      "friggin",      "fully",         "fuckin",     "fucking",      "fuggin",
    "fugging",       "greatly",      "hella",         "highly",     "hugely",       "incredible",
    "incredibly",    "intensely",    "major",         "majorly",    "more",         "most",
    "particularly",  "purely",       "quite",         "really",     "remarkably",   "so",
    "substantially", "thoroughly",   "total",         "totally",    "tremendous",   "tremendously",
    "uber",          "unbelievably", "unusually",     "utter",      "utterly",      "very"};

// Single-word dampeners. The two-word ones ("kind of", "sort of", "just enough") are
// phrases, below: a token never contains a space.
constexpr std::string_view kDampeners[] = {
    "almost",   "barely",   "hardly",     "kinda",      "kindof",       "kind-of", "less",
    "little",   "marginal", "marginally", "occasional", "occasionally", "partly",  "scarce",
    "scarcely", "slight",   "slightly",   "somewhat",   "sorta",        "sortof",  "sort-of"};

constexpr std::string_view kNegations[] = {
    "aint",   "arent",    "cannot",  "cant",     "couldnt",  "darent",   "didnt",   "doesnt",
    "ain't",  "aren't",   "can't",   "couldn't", "daren't",  "didn't",   "doesn't", "dont",
    "hadnt",  "hasnt",    "havent",  "isnt",     "mightnt",  "mustnt",   "neither", "don't",
    "hadn't", "hasn't",   "haven't", "isn't",    "mightn't", "mustn't",  "neednt",  "needn't",
    "never",  "none",     "nope",    "nor",      "not",      "nothing",  "nowhere", "oughtnt",
    "shant",  "shouldnt", "uhuh",    "wasnt",    "werent",   "oughtn't", "shan't",  "shouldn't",
    "uh-uh",  "wasn't",   "weren't", "without",  "wont",     "wouldnt",  "won't",   "wouldn't",
    "rarely", "seldom",   "despite"};

struct NamedWord {
  std::string_view text;
  Word word;
};
constexpr NamedWord kNamedWords[] = {
    {"no", Word::kNo},       {"but", Word::kBut},         {"kind", Word::kKind},
    {"of", Word::kOf},       {"least", Word::kLeast},     {"at", Word::kAt},
    {"very", Word::kVery},   {"never", Word::kNever},     {"so", Word::kSo},
    {"this", Word::kThis},   {"without", Word::kWithout}, {"doubt", Word::kDoubt},
    {"or", Word::kOr},       {"nor", Word::kNor},         {"the", Word::kThe},
    {"shit", Word::kShit},   {"bomb", Word::kBomb},       {"bad", Word::kBad},
    {"ass", Word::kAss},     {"bus", Word::kBus},         {"stop", Word::kStop},
    {"yeah", Word::kYeah},   {"right", Word::kRight},     {"kiss", Word::kKiss},
    {"death", Word::kDeath}, {"to", Word::kTo},           {"die", Word::kDie},
    {"for", Word::kFor},     {"beating", Word::kBeating}, {"heart", Word::kHeart},
    {"just", Word::kJust},   {"enough", Word::kEnough},   {"sort", Word::kSort}};

bool IsAsciiSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

std::string_view StripAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Calls fn(first_field, second_field) for each non-empty line of a tab-separated table,
// reading it as the reference does: lines split on '\n', surrounding whitespace removed,
// fields split on '\t'.
template <typename Fn>
void ForEachRow(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = StripAscii(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    std::string_view rest = line.substr(tab + 1);
    fn(line.substr(0, tab), rest.substr(0, rest.find('\t')));
  }
}

PhraseMasks MasksOf(const std::vector<Phrase>& phrases) {
  if (phrases.size() > 32) std::abort();  // unreachable: the lists have 8 and 3 phrases
  PhraseMasks masks;
  for (size_t p = 0; p < phrases.size(); ++p) {
    const uint32_t bit = uint32_t{1} << p;
    masks.of_size[phrases[p].size] |= bit;
    for (int k = 0; k < phrases[p].size; ++k) {
      masks.at[k][static_cast<size_t>(phrases[p].words[k])] |= bit;
    }
  }
  return masks;
}

bool IsLowerAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80 || (c >= 'A' && c <= 'Z')) return false;
  }
  return true;
}

}  // namespace

const VaderTables& VaderTables::Get() {
  static const VaderTables* const kTables = new VaderTables();
  return *kTables;
}

VaderTables::VaderTables() {
  ForEachRow(std::string_view(kVaderLexicon, kVaderLexiconSize),
             [&](std::string_view key, std::string_view measure) {
               // Tokens are looked up lower-cased, so a key with capitals or non-ASCII
               // letters (":-Þ") can never match in the reference either: leave it out.
               if (!IsLowerAscii(key)) return;
               double value = 0;
               std::from_chars(measure.data(), measure.data() + measure.size(), value);
               WordInfo& info = Upsert(key);
               if (!info.in_lexicon) ++lexicon_size_;
               info.in_lexicon = true;
               info.valence = value;  // a repeated key keeps its last value, as a dict does
             });
  for (std::string_view w : kBoosters) {
    WordInfo& info = Upsert(w);
    info.is_booster = true;
    info.booster = kBoost;
  }
  for (std::string_view w : kDampeners) {
    WordInfo& info = Upsert(w);
    info.is_booster = true;
    info.booster = -kBoost;
  }
  for (std::string_view w : kNegations) Upsert(w).is_negation = true;
  for (const NamedWord& w : kNamedWords) Upsert(w.text).word = w.word;

  special_cases_ = {{{Word::kThe, Word::kShit}, 2, 3},
                    {{Word::kThe, Word::kBomb}, 2, 3},
                    {{Word::kBad, Word::kAss}, 2, 1.5},
                    {{Word::kBus, Word::kStop}, 2, 0.0},
                    {{Word::kYeah, Word::kRight}, 2, -2},
                    {{Word::kKiss, Word::kOf, Word::kDeath}, 3, -1.5},
                    {{Word::kTo, Word::kDie, Word::kFor}, 3, 3},
                    {{Word::kBeating, Word::kHeart}, 2, 3.5}};
  booster_phrases_ = {{{Word::kJust, Word::kEnough}, 2, -kBoost},
                      {{Word::kKind, Word::kOf}, 2, -kBoost},
                      {{Word::kSort, Word::kOf}, 2, -kBoost}};
  special_case_masks_ = MasksOf(special_cases_);
  booster_phrase_masks_ = MasksOf(booster_phrases_);

  ForEachRow(std::string_view(kEmojiLexicon, kEmojiLexiconSize),
             [&](std::string_view key, std::string_view description) {
               // The reference replaces one code point at a time, so only single-code-point
               // keys can ever match; sequences (flags, ZWJ, skin tones) are unreachable.
               if (key.empty() || !IsValidUtf8(key)) return;
               int len = 0;
               const uint32_t cp = DecodeUtf8At(key, 0, len);
               if (static_cast<size_t>(len) != key.size()) return;
               emoji_.push_back({cp, description});
             });
  // stable_sort + keep the last of equal code points: a repeated key keeps its last value.
  std::stable_sort(emoji_.begin(), emoji_.end(),
                   [](const Emoji& a, const Emoji& b) { return a.cp < b.cp; });
  std::vector<Emoji> unique;
  for (const Emoji& e : emoji_) {
    if (!unique.empty() && unique.back().cp == e.cp) {
      unique.back() = e;
    } else {
      unique.push_back(e);
    }
  }
  emoji_ = std::move(unique);
  for (const Emoji& e : emoji_) {
    if (e.cp <= 0xFFFF) bmp_emoji_[e.cp >> 6] |= uint64_t{1} << (e.cp & 63);
  }
  BuildIndex();
}

WordInfo& VaderTables::Upsert(std::string_view key) {
  auto [it, inserted] = building_.emplace(key, entries_.size());
  if (inserted) {
    // Keys from the embedded lexicon point into it; other keys are string literals. Both
    // live for the whole process.
    entries_.push_back(WordInfo{});
    entries_.back().key = key;
  }
  return entries_[it->second];
}

void VaderTables::BuildIndex() {
  // Slots hold 16-bit entry numbers and keys at most kMaxKeyWords words: both hold by far
  // for the VADER tables (about 7,600 entries, longest key 19 bytes); anything else is a bug.
  if (entries_.size() >= 0xFFFF) std::abort();
  size_t capacity = 16;
  while (capacity < entries_.size() * 2) capacity *= 2;
  slots_.assign(capacity, WordKey{});
  key_tails_.assign(entries_.size(), {});
  for (size_t e = 0; e < entries_.size(); ++e) {
    const WordInfo& info = entries_[e];
    const std::string_view key = info.key;
    if (key.empty() || key.size() > 8 * kMaxKeyWords) {
      // Unreachable by design: a key this long (none exists) would need a longer buffer.
      std::abort();
    }
    max_key_size_ = std::max(max_key_size_, key.size());
    uint64_t w[kMaxKeyWords] = {};
    std::memcpy(w, key.data(), key.size());
    WordKey hot{};
    hot.key0 = w[0];
    key_tails_[e] = {w[1], w[2]};
    hot.size = static_cast<uint8_t>(key.size());
    hot.word = info.word;
    hot.flags = static_cast<uint8_t>(
        (info.in_lexicon ? WordKey::kInLexicon : 0) | (info.is_booster ? WordKey::kBooster : 0) |
        (info.is_booster && info.booster < 0 ? WordKey::kDampener : 0) |
        (info.is_negation ? WordKey::kNegation : 0));
    // Lexicon valences have at most two decimals; k / 100.0 is correctly rounded, so it is
    // bit-identical to the parsed value whenever the check below holds.
    const double centi = std::round(info.valence * 100);
    if (info.in_lexicon && std::fabs(centi) < 30000 && centi / 100.0 == info.valence) {
      hot.valence_centi = static_cast<int16_t>(centi);
      hot.flags |= WordKey::kValenceInCenti;
    }
    hot.entry = static_cast<uint16_t>(e);
    const uint64_t h = KeyHash(w, key.size());
    filter_[h >> 54] |= (uint64_t{1} << ((h >> 42) & 63)) | (uint64_t{1} << ((h >> 48) & 63));
    size_t i = (h >> 28) & (capacity - 1);
    while (slots_[i].size != 0) i = (i + 1) & (capacity - 1);
    slots_[i] = hot;
  }
  building_.clear();
}

std::string_view VaderTables::EmojiDescription(uint32_t cp) const {
  auto it = std::lower_bound(emoji_.begin(), emoji_.end(), cp,
                             [](const Emoji& e, uint32_t v) { return e.cp < v; });
  if (it == emoji_.end() || it->cp != cp) return {};
  return it->description;
}

}  // namespace covidflow::enrich::internal
