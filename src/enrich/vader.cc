#include "enrich/vader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "enrich/internal/unicode_case.h"
#include "enrich/internal/utf8.h"
#include "enrich/internal/vader_tables.h"

namespace covidflow::enrich {
namespace {

using internal::VaderTables;
using internal::Word;
using internal::WordInfo;

// Empirical constants of the VADER paper.
constexpr double kCapsIncrement = 0.733;    // an ALL-CAPS word among non-caps words
constexpr double kNegationScalar = -0.74;   // a negated word
constexpr double kExclamationStep = 0.292;  // per '!', up to kMaxExclamations
constexpr int kMaxExclamations = 4;
constexpr double kQuestionStep = 0.18;  // per '?' when there are 2 or 3
constexpr double kQuestionCap = 0.96;   // 4 or more '?'
constexpr double kNormalizeAlpha = 15;  // compound = s / sqrt(s*s + alpha)

// The longest word worth looking up (the longest table key is shorter; checked at start).
constexpr size_t kMaxLookup = 64;

// One whitespace-separated word of the text, after the punctuation rule, as the rules see it.
struct Token {
  double valence = 0;        // lexicon valence, when in_lexicon
  Word word = Word::kOther;  // copied from the table: the rules read these in tight loops
  bool in_lexicon = false;
  bool is_booster = false;
  bool dampener = false;  // a booster word that lowers intensity
  bool all_caps = false;  // Python's str.isupper() of the word
  bool negation = false;  // a negation word, or contains "n't"

  void SetKey(const VaderTables& tables, const VaderTables::WordKey* found) {
    if (found == nullptr) return;
    using Key = VaderTables::WordKey;
    word = found->word;
    in_lexicon = (found->flags & Key::kInLexicon) != 0;
    is_booster = (found->flags & Key::kBooster) != 0;
    dampener = (found->flags & Key::kDampener) != 0;
    negation = negation || (found->flags & Key::kNegation) != 0;
    if (in_lexicon) {
      valence = (found->flags & Key::kValenceInCenti) != 0 ? found->valence_centi / 100.0
                                                           : tables.Info(*found).valence;
    }
  }
  bool InLexicon() const { return in_lexicon; }
  bool IsBooster() const { return is_booster; }
  Word Is() const { return word; }
};

// Per-thread buffers, reused from call to call so that scoring does not allocate once they
// have grown to the largest text seen.
struct Scratch {
  std::string repaired;
  std::string text;
  std::vector<Token> tokens;
  std::vector<double> sentiments;
  int exclamations = 0;  // '!' and '?' in the text (after emoji replacement)
  int questions = 0;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

bool IsAscii(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ull) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  }
  return true;
}

// string.punctuation: the ASCII characters a word loses at both ends.
constexpr bool IsAsciiPunct(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

// The reference replaces every emoji code point by its description, with a space before
// it unless the text so far ends in ' ', and none after it ("😁x" -> "... eyesx").
// Returns false (and leaves `out` alone) when the text has no emoji.
bool ReplaceEmoji(std::string_view in, std::string& out) {
  const VaderTables& tables = VaderTables::Get();
  bool any = false;
  for (size_t i = 0; i < in.size() && !any;) {
    if (static_cast<unsigned char>(in[i]) < 0x80) {
      ++i;
      continue;
    }
    int len = 1;
    const uint32_t cp = internal::DecodeAt(in, i, len);
    any = tables.MaybeEmoji(cp) && !tables.EmojiDescription(cp).empty();
    i += static_cast<size_t>(len);
  }
  if (!any) return false;
  out.clear();
  bool after_space = true;
  for (size_t i = 0; i < in.size();) {
    int len = 1;
    const uint32_t cp = internal::DecodeAt(in, i, len);
    std::string_view description =
        cp >= 0x80 && tables.MaybeEmoji(cp) ? tables.EmojiDescription(cp) : std::string_view();
    if (!description.empty()) {
      if (!after_space) out.push_back(' ');
      out.append(description);
      after_space = false;
    } else {
      out.append(in.substr(i, static_cast<size_t>(len)));
      after_space = cp == ' ';
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

// Builds the token for one whitespace-free word of well-formed UTF-8, in one pass that
// lower-cases into a small buffer, tests for ALL CAPS and looks for "n't".
Token MakeToken(std::string_view word, const VaderTables& tables) {
  // Strip punctuation at both ends unless that leaves 2 code points or fewer (an emoticon
  // such as ":)" or "<3" keeps its punctuation).
  size_t b = 0, e = word.size();
  while (b < e && IsAsciiPunct(static_cast<unsigned char>(word[b]))) ++b;
  while (e > b && IsAsciiPunct(static_cast<unsigned char>(word[e - 1]))) --e;
  if (b != 0 || e != word.size()) {
    size_t code_points = 0;
    for (size_t i = b; i < e && code_points <= 2; ++i) {
      if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) ++code_points;
    }
    if (code_points > 2) word = word.substr(b, e - b);
  }

  Token token;
  char lower[kMaxLookup] = {};
  size_t n = 0;           // lower-cased bytes written (only the first kMaxLookup are kept)
  bool matchable = true;  // lower-cases to ASCII: only such words can be in a table
  bool cased = false;
  bool breaks_caps = false;
  char prev1 = 0, prev2 = 0;  // the last two lower-cased characters, for "n't"
  for (size_t i = 0; i < word.size();) {
    const auto c = static_cast<unsigned char>(word[i]);
    char low;
    if (c < 0x80) {
      low = static_cast<char>(c);
      if (c >= 'A' && c <= 'Z') {
        cased = true;
        low = static_cast<char>(c + ('a' - 'A'));
      } else if (c >= 'a' && c <= 'z') {
        breaks_caps = true;
      }
      ++i;
    } else {
      int len = 1;
      const uint32_t cp = internal::DecodeAt(word, i, len);
      i += static_cast<size_t>(len);
      if (internal::BreaksCaps(cp)) {
        breaks_caps = true;
      } else if (internal::IsUppercase(cp)) {
        cased = true;
      }
      if (cp == 0x212A) {
        low = 'k';  // KELVIN SIGN lower-cases to ASCII 'k'
      } else {
        // Every other non-ASCII character lower-cases to non-ASCII, and every table key is
        // ASCII: the word cannot match anything.
        matchable = false;
        prev1 = prev2 = 0;
        continue;
      }
    }
    if (low == 't' && prev1 == '\'' && prev2 == 'n') token.negation = true;
    prev2 = prev1;
    prev1 = low;
    if (n < kMaxLookup) lower[n] = low;
    ++n;
  }
  token.all_caps = cased && !breaks_caps;
  if (matchable && n <= kMaxLookup) {
    token.SetKey(tables, tables.FindKey(lower, n));
  }
  return token;
}

// Byte classes of ASCII for the fast path.
enum : uint8_t {
  kSpace = 1,
  kPunct = 2,
  kUpper = 4,
  kLower = 8,
  kApostrophe = 16,
  kMarks = 32,  // '!' or '?': counted for punctuation emphasis
};
constexpr auto kAsciiClass = [] {
  std::array<uint8_t, 128> t{};
  for (int c = 0; c < 128; ++c) {
    if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F)) t[c] = kSpace;
    if (IsAsciiPunct(static_cast<unsigned char>(c))) t[c] = kPunct;
    if (c == '\'') t[c] = kPunct | kApostrophe;
    if (c == '!' || c == '?') t[c] = kPunct | kMarks;
    if (c >= 'A' && c <= 'Z') t[c] = kUpper;
    if (c >= 'a' && c <= 'z') t[c] = kLower;
  }
  return t;
}();

// Lower-cases the ASCII letters of 8 bytes at once (bytes >= 0x80 are left alone).
inline uint64_t LowerAscii8(uint64_t x) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t low7 = x & ~kHigh;
  const uint64_t above_z = low7 + 0x2525252525252525ull;  // high bit set for bytes > 'Z'
  const uint64_t from_a = low7 + 0x3F3F3F3F3F3F3F3Full;   // high bit set for bytes >= 'A'
  const uint64_t upper = (from_a & ~above_z) & ~x & kHigh;
  return x | (upper >> 2);
}

// The token of the ASCII word in[start, end) of a text of `size` bytes, `seen` the union of
// its byte classes: finds its punctuation-free core and looks it up. The key is read straight
// from the text as lower-cased 8-byte words (no byte-wise copy).
Token AsciiWordToken(const unsigned char* in, size_t size, size_t start, size_t end, uint8_t seen,
                     const VaderTables& tables) {
  // Strip punctuation at both ends unless that leaves 2 characters or fewer (an emoticon
  // such as ":)" or "<3" keeps its punctuation).
  size_t b = start, e = end;
  if ((seen & kPunct) != 0) {
    while (b < e && (kAsciiClass[in[b]] & kPunct) != 0) ++b;
    while (e > b && (kAsciiClass[in[e - 1]] & kPunct) != 0) --e;
    if (e - b <= 2) {
      b = start;
      e = end;
    }
  }
  Token token;
  // isupper() ignores uncased characters, so the whole word decides for its core too.
  token.all_caps = (seen & kUpper) != 0 && (seen & kLower) == 0;
  const size_t n = e - b;
  if (n <= tables.MaxKeySize()) {
    uint64_t w[VaderTables::kMaxKeyWords] = {};
    const size_t words = (n + 7) / 8;
    for (size_t k = 0; k < words; ++k) {
      const size_t at = b + 8 * k;
      if (at + 8 <= size) {
        std::memcpy(&w[k], in + at, 8);
      } else {
        std::memcpy(&w[k], in + at, size - at);  // the text's last bytes: no reading past it
      }
      w[k] = LowerAscii8(w[k]);
    }
    token.SetKey(tables, tables.FindKeyWords(w, n));
  }
  if (!token.negation && (seen & kApostrophe) != 0) {
    // "n't" anywhere in the word, in any case (it cannot straddle the stripped ends).
    for (size_t k = b + 1; k + 1 < e; ++k) {
      if (in[k] == '\'' && (in[k - 1] | 0x20) == 'n' && (in[k + 1] | 0x20) == 't') {
        token.negation = true;
        break;
      }
    }
  }
  return token;
}

// Finds the end of the ASCII word starting at in[start] (the next ASCII space, or `size`)
// and the union of its byte classes.
inline size_t ScanAsciiWord(const unsigned char* in, size_t start, size_t size, uint8_t& seen) {
  uint8_t classes = 0;
  size_t i = start;
  for (; i < size; ++i) {
    const uint8_t cls = kAsciiClass[in[i]];
    if (cls == kSpace) break;
    classes |= cls;
  }
  seen = classes;
  return i;
}

// Tokenize for all-ASCII text, the common case. Also counts '!' and '?' (all of them are
// inside words), saving a pass over the text.
void TokenizeAscii(std::string_view text, Scratch& scratch) {
  const VaderTables& tables = VaderTables::Get();
  scratch.tokens.clear();
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  int exclamations = 0, questions = 0;
  size_t i = 0;
  while (i < size) {
    while (i < size && kAsciiClass[in[i]] == kSpace) ++i;
    if (i == size) break;
    const size_t start = i;
    uint8_t seen = 0;
    i = ScanAsciiWord(in, start, size, seen);
    if ((seen & kMarks) != 0) {
      for (size_t k = start; k < i; ++k) {
        exclamations += in[k] == '!';
        questions += in[k] == '?';
      }
    }
    scratch.tokens.push_back(AsciiWordToken(in, size, start, i, seen, tables));
  }
  scratch.exclamations = exclamations;
  scratch.questions = questions;
}

void Tokenize(std::string_view text, Scratch& scratch) {
  const VaderTables& tables = VaderTables::Get();
  scratch.tokens.clear();
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  size_t start = std::string_view::npos;
  bool ascii_word = true;
  auto finish = [&](size_t end) {
    if (ascii_word) {
      uint8_t seen = 0;
      ScanAsciiWord(in, start, end, seen);
      scratch.tokens.push_back(AsciiWordToken(in, text.size(), start, end, seen, tables));
    } else {
      scratch.tokens.push_back(MakeToken(text.substr(start, end - start), tables));
    }
    start = std::string_view::npos;
    ascii_word = true;
  };
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    int len = 1;
    bool space;
    if (c < 0x80) {
      space = kAsciiClass[c] == kSpace;
    } else {
      space = internal::IsPythonSpace(internal::DecodeAt(text, i, len));
      if (!space) ascii_word = false;
    }
    if (space) {
      if (start != std::string_view::npos) finish(i);
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += static_cast<size_t>(len);
  }
  if (start != std::string_view::npos) finish(text.size());
}

bool Matches(const std::vector<Token>& t, size_t first, const internal::Phrase& p) {
  for (int k = 0; k < p.size; ++k) {
    if (t[first + static_cast<size_t>(k)].Is() != p.words[k]) return false;
  }
  return true;
}

// The idiom rule, run for a lexicon word at i >= 3 whose third predecessor is not a
// lexicon word: a special-case phrase ending at, spanning or just before the word replaces
// its valence (the first match of: [i-1,i], [i-2,i], [i-2,i-1], [i-3,i-1], [i-3,i-2]); one
// starting at the word replaces it again; then a dampener phrase right before it adds.
double SpecialIdioms(double valence, const std::vector<Token>& t, size_t i) {
  // Every phrase is made of named words: when the window i-3 .. i+2 has none, nothing can
  // match (the common case, decided without looking at the phrases).
  const size_t last = std::min(i + 2, t.size() - 1);
  bool any_named = false;
  for (size_t k = i - 3; k <= last; ++k) any_named |= t[k].Is() != Word::kOther;
  if (!any_named) return valence;
  const VaderTables& tables = VaderTables::Get();
  struct Span {
    size_t first;
    int size;
  };
  const Span before[] = {{i - 1, 2}, {i - 2, 3}, {i - 2, 2}, {i - 3, 3}, {i - 3, 2}};
  bool found = false;
  for (const Span& span : before) {
    for (const internal::Phrase& p : tables.SpecialCases()) {
      if (p.size == span.size && Matches(t, span.first, p)) {
        valence = p.value;
        found = true;
        break;
      }
    }
    if (found) break;
  }
  const size_t n = t.size();
  if (n - 1 > i) {
    for (const internal::Phrase& p : tables.SpecialCases()) {
      if (p.size == 2 && Matches(t, i, p)) valence = p.value;
    }
  }
  if (n - 1 > i + 1) {
    for (const internal::Phrase& p : tables.SpecialCases()) {
      if (p.size == 3 && Matches(t, i, p)) valence = p.value;
    }
  }
  const Span dampeners[] = {{i - 3, 2}, {i - 2, 2}};
  for (const Span& span : dampeners) {
    for (const internal::Phrase& p : tables.BoosterPhrases()) {
      if (Matches(t, span.first, p)) valence = valence + p.value;
    }
  }
  return valence;
}

// The negation rule for the predecessor at distance `back` (1 to 3) of word i.
double Negation(double valence, const std::vector<Token>& t, size_t i, int back) {
  auto so_or_this = [&](size_t k) { return t[k].Is() == Word::kSo || t[k].Is() == Word::kThis; };
  if (back == 1) {
    if (t[i - 1].negation) valence = valence * kNegationScalar;
  } else if (back == 2) {
    if (t[i - 2].Is() == Word::kNever && so_or_this(i - 1)) {
      valence = valence * 1.25;  // "never so good": emphasis, not negation
    } else if (t[i - 2].Is() == Word::kWithout && t[i - 1].Is() == Word::kDoubt) {
      // "without doubt good": not a negation
    } else if (t[i - 2].negation) {
      valence = valence * kNegationScalar;
    }
  } else {
    if ((t[i - 3].Is() == Word::kNever && so_or_this(i - 2)) || so_or_this(i - 1)) {
      valence = valence * 1.25;
    } else if (t[i - 3].Is() == Word::kWithout &&
               (t[i - 2].Is() == Word::kDoubt || t[i - 1].Is() == Word::kDoubt)) {
    } else if (t[i - 3].negation) {
      valence = valence * kNegationScalar;
    }
  }
  return valence;
}

// The valence of lexicon word i after every word-level rule.
double WordValence(const std::vector<Token>& t, size_t i, bool caps_differ) {
  const Token& word = t[i];
  const size_t n = t.size();
  const double base = word.valence;
  double valence = base;
  // "no" directly before a lexicon word negates that word instead of counting itself.
  if (word.Is() == Word::kNo && i != n - 1 && t[i + 1].InLexicon()) valence = 0.0;
  if ((i > 0 && t[i - 1].Is() == Word::kNo) || (i > 1 && t[i - 2].Is() == Word::kNo) ||
      (i > 2 && t[i - 3].Is() == Word::kNo &&
       (t[i - 1].Is() == Word::kOr || t[i - 1].Is() == Word::kNor))) {
    valence = base * kNegationScalar;
  }
  if (word.all_caps && caps_differ) {
    // Note: a zero valence counts as negative here, as in the reference.
    valence = valence > 0 ? valence + kCapsIncrement : valence - kCapsIncrement;
  }
  for (int back = 1; back <= 3; ++back) {
    if (i < static_cast<size_t>(back)) break;
    const Token& before = t[i - static_cast<size_t>(back)];
    if (before.InLexicon()) continue;
    double scalar = 0.0;
    if (before.IsBooster()) {
      scalar = before.dampener ? -VaderTables::kBoosterIncrement : VaderTables::kBoosterIncrement;
      if (valence < 0) scalar *= -1;
      if (before.all_caps && caps_differ) {
        scalar = valence > 0 ? scalar + kCapsIncrement : scalar - kCapsIncrement;
      }
    }
    // A modifier further away counts less.
    if (back == 2 && scalar != 0) scalar = scalar * 0.95;
    if (back == 3 && scalar != 0) scalar = scalar * 0.9;
    valence = valence + scalar;
    valence = Negation(valence, t, i, back);
    if (back == 3) valence = SpecialIdioms(valence, t, i);
  }
  // "least" before a word negates it, except in "at least" and "very least".
  if (i > 1 && !t[i - 1].InLexicon() && t[i - 1].Is() == Word::kLeast) {
    if (t[i - 2].Is() != Word::kAt && t[i - 2].Is() != Word::kVery) {
      valence = valence * kNegationScalar;
    }
  } else if (i > 0 && !t[i - 1].InLexicon() && t[i - 1].Is() == Word::kLeast) {
    valence = valence * kNegationScalar;
  }
  return valence;
}

// The "but" rule: words before the first "but" count half, words after it 1.5 times. The
// reference finds each word's position by searching for the first *equal value*, so with
// repeated values it rescales the first occurrence again and again; reproduced on purpose.
// A plain scan is quadratic, so long texts keep, per value, the ordered set of positions
// holding it (same result, n log n).
void ButRule(const std::vector<Token>& t, std::vector<double>& s) {
  size_t but = t.size();
  for (size_t k = 0; k < t.size(); ++k) {
    if (t[k].Is() == Word::kBut) {
      but = k;
      break;
    }
  }
  if (but == t.size()) return;
  auto rescaled = [but](size_t first, double value) {
    return first < but ? value * 0.5 : first > but ? value * 1.5 : value;
  };
  constexpr size_t kScanLimit = 256;
  if (s.size() <= kScanLimit) {
    for (size_t k = 0; k < s.size(); ++k) {
      const double value = s[k];
      size_t first = 0;
      while (s[first] != value) ++first;
      s[first] = rescaled(first, value);
    }
    return;
  }
  // std::map's ordering treats 0.0 and -0.0 as one key, as == does.
  std::map<double, std::set<size_t>> positions;
  for (size_t k = 0; k < s.size(); ++k) positions[s[k]].insert(k);
  for (size_t k = 0; k < s.size(); ++k) {
    const double value = s[k];
    auto it = positions.find(value);
    const size_t first = *it->second.begin();
    const double next = rescaled(first, value);
    it->second.erase(it->second.begin());
    if (it->second.empty()) positions.erase(it);
    positions[next].insert(first);
    s[first] = next;
  }
}

void CountMarks(std::string_view text, Scratch& scratch) {
  int exclamations = 0;
  int questions = 0;
  for (char c : text) {
    exclamations += c == '!';
    questions += c == '?';
  }
  scratch.exclamations = exclamations;
  scratch.questions = questions;
}

double PunctuationEmphasis(int exclamations, int questions) {
  if (exclamations > kMaxExclamations) exclamations = kMaxExclamations;
  const double ep = exclamations * kExclamationStep;
  double qm = 0;
  if (questions > 1) qm = questions <= 3 ? questions * kQuestionStep : kQuestionCap;
  return ep + qm;
}

VaderScores Combine(const std::vector<double>& sentiments, double emphasis) {
  VaderScores out;
  if (sentiments.empty()) return out;
  // Each positive word counts 1 + valence, each negative word 1 + |valence|, each neutral
  // word 1. (One loop; each sum still adds left to right, as the reference does.)
  double sum = 0, pos_sum = 0, neg_sum = 0;
  int neutral = 0;
  for (double v : sentiments) {
    sum += v;
    if (v > 0) pos_sum += v + 1;
    if (v < 0) neg_sum += v - 1;
    if (v == 0) ++neutral;
  }
  if (sum > 0) {
    sum += emphasis;
  } else if (sum < 0) {
    sum -= emphasis;
  }
  double compound = sum / std::sqrt(sum * sum + kNormalizeAlpha);
  if (compound < -1.0) compound = -1.0;
  if (compound > 1.0) compound = 1.0;

  if (pos_sum > std::fabs(neg_sum)) {
    pos_sum += emphasis;
  } else if (pos_sum < std::fabs(neg_sum)) {
    neg_sum -= emphasis;
  }
  const double total = pos_sum + std::fabs(neg_sum) + neutral;
  out.raw_pos = std::fabs(pos_sum / total);
  out.raw_neg = std::fabs(neg_sum / total);
  out.raw_neu = std::fabs(neutral / total);
  out.raw_compound = compound;
  out.pos = RoundLikePython(out.raw_pos, 3);
  out.neg = RoundLikePython(out.raw_neg, 3);
  out.neu = RoundLikePython(out.raw_neu, 3);
  out.compound = RoundLikePython(compound, 4);
  return out;
}

}  // namespace

double RoundLikePython(double x, int ndigits) {
  static constexpr double kScale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  if (!std::isfinite(x) || ndigits < 0 || ndigits > 6) return x;
  const double scale = kScale[ndigits];
  const double y = x * scale;
  if (std::fabs(y) < 1e15) {
    auto floor_y = static_cast<double>(static_cast<int64_t>(y));
    if (floor_y > y) floor_y -= 1;
    const double frac = y - floor_y;
    // Far from a tie, the product's rounding error cannot change the nearest integer, and
    // dividing it by the scale gives the double nearest to the decimal, as Python does.
    if (std::fabs(frac - 0.5) > 1e-6) return (frac < 0.5 ? floor_y : floor_y + 1) / scale;
  }
  // Near a tie: let the C library round the exact binary value half-to-even.
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", ndigits, x);
  return std::strtod(buf, nullptr);
}

VaderEnricher::VaderEnricher() {
  // A key longer than kMaxLookup would never be found: fail loudly at start, not silently.
  if (VaderTables::Get().MaxKeySize() > kMaxLookup) std::abort();
}

VaderScores VaderEnricher::ScoreVader(std::string_view input) const {
  Scratch& scratch = ThreadScratch();
  std::string_view text = input;
  if (IsAscii(text)) {
    TokenizeAscii(text, scratch);
  } else {
    if (!internal::IsValidUtf8(text)) {
      scratch.repaired.clear();
      internal::AppendReplacingInvalidUtf8(scratch.repaired, text);
      text = scratch.repaired;
    }
    if (ReplaceEmoji(text, scratch.text)) text = scratch.text;
    Tokenize(text, scratch);
    CountMarks(text, scratch);
  }
  const std::vector<Token>& t = scratch.tokens;

  size_t all_caps = 0;
  for (const Token& token : t) all_caps += token.all_caps;
  // ALL-CAPS emphasis counts only when some, but not all, words are in capitals.
  const bool caps_differ = all_caps > 0 && all_caps < t.size();

  std::vector<double>& s = scratch.sentiments;
  s.assign(t.size(), 0.0);
  for (size_t i = 0; i < t.size(); ++i) {
    // Boosters, and "kind" of "kind of", carry no valence of their own.
    if (t[i].IsBooster()) continue;
    if (i + 1 < t.size() && t[i].Is() == Word::kKind && t[i + 1].Is() == Word::kOf) continue;
    if (t[i].InLexicon()) s[i] = WordValence(t, i, caps_differ);
  }
  ButRule(t, s);
  return Combine(s, PunctuationEmphasis(scratch.exclamations, scratch.questions));
}

schema::Sentiment ToSentiment(const VaderScores& v) {
  schema::Sentiment out;
  out.positive = v.raw_pos;
  out.negative = v.raw_neg;
  out.neutral = 1.0 - v.raw_pos - v.raw_neg;
  if (out.neutral < 0) out.neutral = 0;
  out.compound = v.compound;
  if (v.compound >= 0.05) {
    out.label = schema::Sentiment::Label::kPositive;
  } else if (v.compound <= -0.05) {
    out.label = schema::Sentiment::Label::kNegative;
  } else {
    out.label = schema::Sentiment::Label::kNeutral;
  }
  return out;
}

schema::Sentiment VaderEnricher::Score(std::string_view text) const {
  return ToSentiment(ScoreVader(text));
}

}  // namespace covidflow::enrich
