#include "enrich/vader.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
// CF_VADER_PORTABLE (a compile definition) leaves out the AVX-512 path and the x86-64-v3
// clone, to test the code that other CPUs run.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(CF_VADER_PORTABLE)
#include <immintrin.h>
#define CF_VADER_AVX512 1
#endif

#include "base/utf8.h"
#include "enrich/internal/unicode_case.h"
#include "enrich/internal/vader_tables.h"

namespace covidflow::enrich {
namespace {

using internal::VaderTables;
using internal::Word;
using WordKey = VaderTables::WordKey;

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

// One whitespace-separated word of the text, after the punctuation rule, as the rules see
// it. Two bytes, so that the rules' look-arounds stay in one or two cache lines; the valence
// is kept apart, in the list of lexicon words (most words of a tweet have none).
struct Token {
  // The first four flags have the values of the table's WordKey flags, so a lookup copies
  // them with one mask.
  enum Flags : uint8_t {
    kInLexicon = WordKey::kInLexicon,
    kBooster = WordKey::kBooster,
    kDampener = WordKey::kDampener,  // a booster word that lowers intensity
    kNegation = WordKey::kNegation,  // a negation word, or contains "n't"
    kAllCaps = 32,                   // Python's str.isupper() of the word
  };
  static constexpr uint8_t kFromKey = kInLexicon | kBooster | kDampener | kNegation;
  static_assert((kFromKey & kAllCaps) == 0 && (kFromKey & WordKey::kValenceInCenti) == 0);

  Word word = Word::kOther;
  uint8_t flags = 0;

  bool InLexicon() const { return (flags & kInLexicon) != 0; }
  bool IsBooster() const { return (flags & kBooster) != 0; }
  bool IsDampener() const { return (flags & kDampener) != 0; }
  bool IsNegation() const { return (flags & kNegation) != 0; }
  bool IsAllCaps() const { return (flags & kAllCaps) != 0; }
  Word Is() const { return word; }
};
using Tokens = std::span<const Token>;

// A word found in the sentiment lexicon: its position among the tokens and its valence.
struct LexiconWord {
  size_t index;
  double valence;
};

// A word that may be in a table: its key passed the table's filter. Looked up once the
// whole text has been split (see "Splitting the classified text" below).
struct Candidate {
  size_t token;
  uint64_t key[VaderTables::kMaxKeyWords];
  size_t size;
  uint64_t hash;
};

// Byte classes of one 64-byte block of the text, one bit per byte (bit k = byte k).
struct BlockClasses {
  uint64_t space;       // ASCII whitespace of str.split()
  uint64_t punct;       // string.punctuation
  uint64_t upper;       // A-Z
  uint64_t lower;       // a-z
  uint64_t apostrophe;  // '\''
  uint64_t high;        // bytes >= 0x80 (part of a non-ASCII code point)
};

// The classes of a word, as a union of these bits (WordClasses).
enum : uint8_t {
  kHasPunct = 1,
  kHasUpper = 2,
  kHasLower = 4,
  kHasHigh = 8,
};

// Per-thread buffers, reused from call to call (grown, never shrunk) so that scoring does
// not allocate once they have grown to the largest text seen.
struct Scratch {
  std::string repaired;
  std::string text;
  // The text with its ASCII letters lower-cased, then spaces up to a whole number of
  // 64-byte blocks (at least one space), then kKeyReadPad more bytes, so that a key can be
  // read 8 bytes at a time from any word without a bounds check.
  std::string lowered;
  std::vector<BlockClasses> blocks;  // the classes of `lowered`, block by block
  std::vector<size_t> run_edges;     // ASCII-whitespace-separated runs [start, end)
  std::vector<Token> tokens;
  std::vector<Candidate> candidates;
  std::vector<LexiconWord> lexicon_words;
  std::vector<double> sentiments;  // parallel to lexicon_words
  int exclamations = 0;            // '!' and '?' in the text (after emoji replacement)
  int questions = 0;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

constexpr size_t kKeyReadPad = 8 * VaderTables::kMaxKeyWords;

// string.punctuation: the ASCII characters a word loses at both ends.
constexpr bool IsAsciiPunct(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

// The reference replaces every emoji code point by its description, with a space before
// it unless the text so far ends in ' ', and none after it ("😁x" -> "... eyesx").
// Writes the replaced text to `out`; the runs between emoji are copied whole.
void ReplaceEmoji(std::string_view in, std::string& out) {
  const VaderTables& tables = VaderTables::Get();
  out.clear();
  bool after_space = true;  // the text so far is empty or ends in a ' ' of the input
  size_t copied = 0;        // in[copied, i) is still to be copied
  for (size_t i = 0; i < in.size();) {
    if (static_cast<unsigned char>(in[i]) < 0x80) {
      ++i;
      continue;
    }
    int len = 1;
    const uint32_t cp = DecodeUtf8At(in, i, len);
    const std::string_view description =
        tables.MaybeEmoji(cp) ? tables.EmojiDescription(cp) : std::string_view();
    if (!description.empty()) {
      if (copied < i) {
        out.append(in.substr(copied, i - copied));
        after_space = in[i - 1] == ' ';
      }
      if (!after_space) out.push_back(' ');
      out.append(description);
      after_space = false;
      copied = i + static_cast<size_t>(len);
    }
    i += static_cast<size_t>(len);
  }
  out.append(in.substr(copied));
}

// Classifying the text: one pass, 16 bytes at a time (64 with AVX-512), that writes the
// lower-cased copy and the class bitmaps of each 64-byte block and counts '!' and '?'. Words
// are then found and described with bit operations on the bitmaps instead of a loop over
// their bytes (whose exit, at an unpredictable word length, costs a branch miss per word).
#if defined(__SSE2__)
// Bytes of x in [lo, hi], as 0xFF: x - lo, as unsigned, is at most hi - lo. SSE2 has only a
// signed byte compare, so both sides are shifted by -128 (adding -128 - lo subtracts lo and
// flips the top bit).
inline __m128i InRange(__m128i x, int lo, int hi) {
  return _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(-128 - lo))),
                        _mm_set1_epi8(static_cast<char>(hi - lo + 1 - 128)));
}

inline uint64_t Bits(__m128i mask) {
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(mask)));
}

// Classifies the 64 bytes at p (lower-casing them in place).
inline BlockClasses ClassifyBlock(char* p, int& exclamations, int& questions) {
  BlockClasses c{};
  uint64_t marks_excl = 0, marks_quest = 0;
  for (int k = 0; k < 4; ++k) {
    auto* at = reinterpret_cast<__m128i*>(p + 16 * k);
    const __m128i x = _mm_loadu_si128(at);
    const __m128i space =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), InRange(x, 9, 13)),
                     InRange(x, 0x1C, 0x1F));
    const __m128i upper = InRange(x, 'A', 'Z');
    const __m128i lower = InRange(x, 'a', 'z');
    const __m128i alnum = _mm_or_si128(_mm_or_si128(upper, lower), InRange(x, '0', '9'));
    // string.punctuation is every printable, non-space ASCII character but letters and digits.
    const __m128i punct = _mm_andnot_si128(alnum, InRange(x, 33, 126));
    const int shift = 16 * k;
    c.space |= Bits(space) << shift;
    c.punct |= Bits(punct) << shift;
    c.upper |= Bits(upper) << shift;
    c.lower |= Bits(lower) << shift;
    c.apostrophe |= Bits(_mm_cmpeq_epi8(x, _mm_set1_epi8('\''))) << shift;
    c.high |= Bits(x) << shift;
    marks_excl |= Bits(_mm_cmpeq_epi8(x, _mm_set1_epi8('!'))) << shift;
    marks_quest |= Bits(_mm_cmpeq_epi8(x, _mm_set1_epi8('?'))) << shift;
    _mm_storeu_si128(at, _mm_or_si128(x, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
  }
  if ((marks_excl | marks_quest) != 0) {
    exclamations += std::popcount(marks_excl);
    questions += std::popcount(marks_quest);
  }
  return c;
}
#else
constexpr bool IsAsciiSpace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F);
}

// The same, a byte at a time, for targets without SSE2.
inline BlockClasses ClassifyBlock(char* p, int& exclamations, int& questions) {
  BlockClasses c{};
  for (int k = 0; k < 64; ++k) {
    const auto b = static_cast<unsigned char>(p[k]);
    const uint64_t bit = uint64_t{1} << k;
    if (IsAsciiSpace(b)) c.space |= bit;
    if (IsAsciiPunct(b)) c.punct |= bit;
    if (b >= 'A' && b <= 'Z') {
      c.upper |= bit;
      p[k] = static_cast<char>(b + ('a' - 'A'));
    }
    if (b >= 'a' && b <= 'z') c.lower |= bit;
    if (b == '\'') c.apostrophe |= bit;
    if (b >= 0x80) c.high |= bit;
    exclamations += b == '!';
    questions += b == '?';
  }
  return c;
}
#endif

#if defined(CF_VADER_AVX512)
// The same with AVX-512BW, used when the CPU has it (checked at run time): the compares
// give the 64-bit masks directly, so a block takes about 25 instructions instead of 150.
__attribute__((target("avx512bw"))) inline uint64_t InRange512(__m512i x, int lo, int hi) {
  return _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(static_cast<char>(lo))),
                                _mm512_set1_epi8(static_cast<char>(hi - lo)));
}

// Classifies the up to 64 bytes at `in` (`size` of them; the rest read as spaces) and writes
// them, lower-cased, to `out` (64 bytes).
__attribute__((target("avx512bw"))) inline BlockClasses ClassifyBlockAvx512(const char* in,
                                                                            size_t size, char* out,
                                                                            int& exclamations,
                                                                            int& questions) {
  const __mmask64 present = size >= 64 ? ~__mmask64{0} : (__mmask64{1} << size) - 1;
  const __m512i x = _mm512_mask_loadu_epi8(_mm512_set1_epi8(' '), present, in);
  BlockClasses c{};
  c.space = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(' ')) | InRange512(x, 9, 13) |
            InRange512(x, 0x1C, 0x1F);
  c.upper = InRange512(x, 'A', 'Z');
  c.lower = InRange512(x, 'a', 'z');
  // string.punctuation is every printable, non-space ASCII character but letters and digits.
  c.punct = InRange512(x, 33, 126) & ~(c.upper | c.lower | InRange512(x, '0', '9'));
  c.apostrophe = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\''));
  c.high = _mm512_movepi8_mask(x);
  const uint64_t marks_excl = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('!'));
  const uint64_t marks_quest = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('?'));
  if ((marks_excl | marks_quest) != 0) {
    exclamations += static_cast<int>(_mm_popcnt_u64(marks_excl));
    questions += static_cast<int>(_mm_popcnt_u64(marks_quest));
  }
  _mm512_storeu_si512(out, _mm512_mask_add_epi8(x, c.upper, x, _mm512_set1_epi8(0x20)));
  return c;
}

// The whole text, one call (the loop keeps the constants in registers). Reads the text in
// place: masked loads pad the last block with spaces. Returns the union of the blocks' high
// bits.
__attribute__((target("avx512bw"))) uint64_t ClassifyAvx512(std::string_view text, size_t blocks,
                                                            char* low, BlockClasses* classes,
                                                            int& exclamations, int& questions) {
  uint64_t high = 0;
  for (size_t b = 0; b < blocks; ++b) {
    const size_t at = 64 * b;
    classes[b] =
        ClassifyBlockAvx512(text.data() + at, text.size() - at, low + at, exclamations, questions);
    high |= classes[b].high;
  }
  return high;
}

bool HasAvx512Bw() {
  static const bool kHas = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bw") != 0;
  }();
  return kHas;
}
#endif

// Fills scratch.lowered, scratch.blocks and the '!'/'?' counts for `text`. Returns true
// when the text has a byte >= 0x80.
// (Inlined so that it is compiled with TokenizeText's instruction sets, below.)
[[gnu::always_inline]] inline bool Classify(std::string_view text, Scratch& scratch) {
  const size_t blocks = text.size() / 64 + 1;  // at least one padding space at the end
  const size_t padded = blocks * 64;
  if (scratch.lowered.size() < padded + kKeyReadPad) {
    scratch.lowered.resize(padded + kKeyReadPad);
  }
  if (scratch.blocks.size() < blocks) scratch.blocks.resize(blocks);
  char* low = scratch.lowered.data();
  int exclamations = 0, questions = 0;
  uint64_t high = 0;
#if defined(CF_VADER_AVX512)
  if (HasAvx512Bw()) {
    // (The bytes after the blocks are only read as parts of keys, and ignored.)
    high = ClassifyAvx512(text, blocks, low, scratch.blocks.data(), exclamations, questions);
    scratch.exclamations = exclamations;
    scratch.questions = questions;
    return high != 0;
  }
#endif
  if (!text.empty()) std::memcpy(low, text.data(), text.size());  // (data() may be null)
  std::memset(low + text.size(), ' ', padded + kKeyReadPad - text.size());
  for (size_t b = 0; b < blocks; ++b) {
    scratch.blocks[b] = ClassifyBlock(low + 64 * b, exclamations, questions);
    high |= scratch.blocks[b].high;
  }
  scratch.exclamations = exclamations;
  scratch.questions = questions;
  return high != 0;
}

// What a text with non-ASCII bytes needs before it is split: whether it is well-formed
// UTF-8 and whether it has an emoji of the lexicon. Visits only the non-ASCII bytes, found
// from the bitmaps that Classify left in `scratch`.
struct NonAsciiScan {
  bool valid = true;
  bool emoji = false;
};
NonAsciiScan ScanNonAscii(std::string_view text, const Scratch& scratch) {
  const VaderTables& tables = VaderTables::Get();
  NonAsciiScan out;
  const size_t blocks = text.size() / 64 + 1;
  size_t next = 0;  // the first byte after the last sequence read
  for (size_t w = 0; w < blocks; ++w) {
    for (uint64_t bits = scratch.blocks[w].high; bits != 0; bits &= bits - 1) {
      const size_t i = w * 64 + static_cast<size_t>(std::countr_zero(bits));
      if (i < next) continue;  // a continuation byte of that sequence
      const int len = Utf8SequenceLength(text, i);
      if (len < 0) {
        out.valid = false;
        return out;
      }
      int unused = 0;
      const uint32_t cp = DecodeUtf8At(text, i, unused);
      out.emoji = out.emoji || (tables.MaybeEmoji(cp) && !tables.EmojiDescription(cp).empty());
      next = i + static_cast<size_t>(len);
    }
  }
  return out;
}

// Masks of the bits of one block from bit `from` up, and up to bit `last`.
inline uint64_t BitsFrom(size_t from) { return ~uint64_t{0} << (from & 63); }
inline uint64_t BitsUpTo(size_t last) { return ~uint64_t{0} >> (63 - (last & 63)); }

inline uint8_t ClassesUnder(const BlockClasses& c, uint64_t m) {
  return static_cast<uint8_t>(
      ((c.punct & m) != 0 ? kHasPunct : 0) | ((c.upper & m) != 0 ? kHasUpper : 0) |
      ((c.lower & m) != 0 ? kHasLower : 0) | ((c.high & m) != 0 ? kHasHigh : 0));
}

// The union of the classes of the bytes [b, e), b < e.
inline uint8_t WordClasses(const BlockClasses* c, size_t b, size_t e) {
  const size_t first = b >> 6, last = (e - 1) >> 6;
  if (first == last) return ClassesUnder(c[first], BitsFrom(b) & BitsUpTo(e - 1));
  uint8_t classes = ClassesUnder(c[first], BitsFrom(b));
  for (size_t w = first + 1; w < last; ++w) classes |= ClassesUnder(c[w], ~uint64_t{0});
  return classes | ClassesUnder(c[last], BitsUpTo(e - 1));
}

// True when a byte of [b, e), b < e, has its bit set in `field`.
inline bool AnyIn(const BlockClasses* c, uint64_t BlockClasses::*field, size_t b, size_t e) {
  const size_t first = b >> 6, last = (e - 1) >> 6;
  if (first == last) return (c[first].*field & BitsFrom(b) & BitsUpTo(e - 1)) != 0;
  uint64_t any = c[first].*field & BitsFrom(b);
  for (size_t w = first + 1; w < last; ++w) any |= c[w].*field;
  return (any | (c[last].*field & BitsUpTo(e - 1))) != 0;
}

// The first position in [b, e) that is not punctuation, or e.
inline size_t SkipPunctForward(const BlockClasses* c, size_t b, size_t e) {
  size_t i = b;
  while (i < e) {
    const size_t shift = i & 63;
    const auto run = static_cast<size_t>(std::countr_one(c[i >> 6].punct >> shift));
    i += run;
    if (run < 64 - shift) break;  // the run ends inside this block
  }
  return std::min(i, e);
}

// One past the last position in [b, e) that is not punctuation, or b.
inline size_t SkipPunctBackward(const BlockClasses* c, size_t b, size_t e) {
  size_t i = e;
  while (i > b) {
    const size_t last = i - 1;
    const size_t shift = 63 - (last & 63);
    const auto run = static_cast<size_t>(std::countl_one(c[last >> 6].punct << shift));
    i -= std::min(run, i);
    if (run < 64 - shift) break;
  }
  return std::max(i, b);
}

// A word with a non-ASCII character, as the rules see it: its token (ALL CAPS by Python's
// str.isupper(), "n't"), and its lower-cased key when it can be in a table.
struct NonAsciiWord {
  Token token;
  bool matchable = false;  // lower-cases to ASCII (only such words can be in a table)
  size_t size = 0;         // of the key
  char key[kMaxLookup + 8 * VaderTables::kMaxKeyWords] = {};  // zero-padded
};

// Reads one whitespace-free word of well-formed UTF-8 in one pass that lower-cases into the
// key buffer, tests for ALL CAPS and looks for "n't".
void ReadNonAsciiWord(std::string_view word, NonAsciiWord& out) {
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

  size_t n = 0;  // lower-cased bytes (only the first kMaxLookup are kept)
  bool matchable = true;
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
      const uint32_t cp = DecodeUtf8At(word, i, len);
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
    if (low == 't' && prev1 == '\'' && prev2 == 'n') out.token.flags |= Token::kNegation;
    prev2 = prev1;
    prev1 = low;
    if (n < kMaxLookup) out.key[n] = low;
    ++n;
  }
  if (cased && !breaks_caps) out.token.flags |= Token::kAllCaps;
  out.matchable = matchable && n <= kMaxLookup;
  out.size = n;
}

// Splitting the classified text into tokens, in three passes:
//   1. the start and end of every run of non-ASCII-whitespace bytes, from the bitmaps;
//   2. per word: punctuation stripped, ALL CAPS, "n't", and the key's hash; a word whose
//      key passes the table's filter becomes a candidate;
//   3. the candidates are looked up.
// Splitting 2 from 3 keeps the unpredictable filter answer out of branches and lets the slot
// loads of a text's words overlap instead of each word waiting for its own.
//
// The passes keep their state in small structs passed by value or to inlined functions, so
// that it stays in registers: a token is written with byte stores, which may alias any
// memory, and state kept in memory (members of an object, say) would be reloaded after each.

// What pass 2 reads.
struct SplitInput {
  std::string_view text;  // as classified
  const char* low;        // scratch.lowered
  const BlockClasses* c;  // scratch.blocks
  const VaderTables* tables;
  size_t max_key;
};

// What pass 2 writes: tokens and candidates (arrays sized for the text's word bound).
struct SplitOutput {
  Token* tokens;
  Candidate* candidates;
  size_t token_count = 0;
  size_t candidate_count = 0;
  size_t all_caps = 0;
};

// Pass 1: a run starts at a non-space byte after a space (or at 0) and ends at the space
// after its last byte; the padding ends the last one. Writes the positions where runs start
// and end, alternately (start, end, start, ...), to `edges`, which needs room for
// kEdgeSlack more than their count, and returns the number of runs.
constexpr size_t kEdgeSlack = 64;
[[gnu::always_inline]] inline size_t FindRuns(const BlockClasses* c, size_t blocks, size_t* edges) {
  size_t count = 0;
  uint64_t carry = 0;  // the last byte of the previous block is not a space
  for (size_t w = 0; w < blocks; ++w) {
    const uint64_t word_bytes = ~c[w].space;
    uint64_t bits = word_bytes ^ ((word_bytes << 1) | carry);  // a run starts or ends here
    carry = word_bytes >> 63;
    // Positions are written 8 at a time whatever their number (a block of tweet text has
    // about 20), so the loop exit is a miss per block at most rarely; the extra writes
    // land in the slack and are overwritten or never read.
    const auto found = static_cast<size_t>(std::popcount(bits));
    size_t* out = edges + count;
    for (size_t k = 0; k < found; k += 8) {
#pragma GCC unroll 8
      for (size_t j = 0; j < 8; ++j) {
        out[k + j] = w * 64 + static_cast<size_t>(std::countr_zero(bits));
        bits &= bits - 1;
      }
    }
    count += found;
  }
  return count / 2;
}

// Pass 2 for one word: its token, and a candidate for the key at `key` (8 * kMaxKeyWords
// bytes readable, those past `size` ignored) when 1 <= size <= max_key. The candidate is
// written whether it is kept or not, so that keeping it is not a branch.
[[gnu::always_inline]] inline void AddWord(const SplitInput& in, SplitOutput& out, uint8_t flags,
                                           const char* key, size_t size) {
  const size_t token = out.token_count++;
  out.tokens[token] = Token{Word::kOther, flags};
  out.all_caps += (flags & Token::kAllCaps) != 0 ? 1 : 0;
  if (size == 0 || size > in.max_key) return;
  uint64_t words[VaderTables::kMaxKeyWords];
  std::memcpy(words, key, sizeof(words));
  VaderTables::MaskKey(words, size);
  const uint64_t hash = VaderTables::KeyHash(words, size);
  Candidate& c = out.candidates[out.candidate_count];
  c.token = token;
  std::memcpy(c.key, words, sizeof(c.key));
  c.size = size;
  c.hash = hash;
  // Arithmetic, not a branch: the filter's answer is unpredictable. (Prefetching the slot
  // here was measured: no gain, the lookups of pass 3 overlap well enough.)
  out.candidate_count += static_cast<size_t>(in.tables->MayContain(hash));
}

// The ASCII word [start, end): finds its punctuation-free core and its key, read straight
// from the lower-cased copy.
[[gnu::always_inline]] inline void AddAsciiWord(const SplitInput& in, SplitOutput& out,
                                                size_t start, size_t end, uint8_t classes) {
  // isupper() ignores uncased characters, so the whole word decides for its core too.
  uint8_t flags = (classes & (kHasUpper | kHasLower)) == kHasUpper ? Token::kAllCaps : 0;
  size_t b = start, e = end;
  if ((classes & kHasPunct) != 0) {
    // Strip punctuation at both ends unless that leaves 2 characters or fewer (an emoticon
    // such as ":)" or "<3" keeps its punctuation).
    b = SkipPunctForward(in.c, start, end);
    e = SkipPunctBackward(in.c, b, end);
    if (e - b <= 2) {
      b = start;
      e = end;
    }
    if (AnyIn(in.c, &BlockClasses::apostrophe, b, e)) {
      // "n't" anywhere in the word, in any case (it cannot straddle the stripped ends).
      for (size_t k = b + 1; k + 1 < e; ++k) {
        if (in.low[k] == '\'' && in.low[k - 1] == 'n' && in.low[k + 1] == 't') {
          flags |= Token::kNegation;
          break;
        }
      }
    }
  }
  AddWord(in, out, flags, in.low + b, e - b);  // the key is within the padding
}

// A run [b, e) of non-ASCII-whitespace bytes with a non-ASCII character: splits it further
// on Python's non-ASCII whitespace (U+00A0, U+3000, ...) and adds its words.
SplitOutput SplitNonAscii(const SplitInput in, SplitOutput out, size_t b, size_t e) {
  size_t start = b;
  auto finish = [&](size_t end) {
    if (start == end) return;
    const uint8_t classes = WordClasses(in.c, start, end);
    if ((classes & kHasHigh) == 0) {
      AddAsciiWord(in, out, start, end, classes);
      return;
    }
    NonAsciiWord word;
    ReadNonAsciiWord(in.text.substr(start, end - start), word);
    AddWord(in, out, word.token.flags, word.key, word.matchable ? word.size : 0);
  };
  for (size_t i = b; i < e; ++i) {
    // Python's non-ASCII whitespace is U+0085, U+00A0, U+1680, U+2000-U+205F or U+3000:
    // only these lead bytes can start one (a continuation byte never equals them).
    const auto lead = static_cast<unsigned char>(in.text[i]);
    if (lead != 0xC2 && (lead < 0xE1 || lead > 0xE3)) continue;
    int len = 1;
    if (internal::IsPythonSpace(DecodeUtf8At(in.text, i, len))) {
      finish(i);
      start = i + static_cast<size_t>(len);
    }
    i += static_cast<size_t>(len) - 1;
  }
  finish(e);
  return out;
}

// What the rules need besides the tokens (in the scratch buffers).
struct TokenizedText {
  size_t tokens = 0;
  size_t lexicon_words = 0;
  size_t all_caps = 0;   // tokens in ALL CAPS
  size_t first_but = 0;  // the first "but", or `tokens` when there is none
};

// Pass 3: looks the candidates up and completes their tokens. Candidates are in text order,
// so the lexicon words are too.
[[gnu::always_inline]] inline TokenizedText LookUpCandidates(const VaderTables& tables,
                                                             const SplitOutput& split,
                                                             LexiconWord* lexicon_words) {
  TokenizedText out;
  out.tokens = split.token_count;
  out.all_caps = split.all_caps;
  out.first_but = split.token_count;
  for (size_t k = 0; k < split.candidate_count; ++k) {
    const Candidate& c = split.candidates[k];
    const WordKey* found = tables.Find(c.key, c.size, c.hash);
    if (found == nullptr) continue;
    Token& token = split.tokens[c.token];
    token.word = found->word;
    token.flags |= found->flags & Token::kFromKey;
    if ((found->flags & WordKey::kInLexicon) != 0) {
      const double valence = (found->flags & WordKey::kValenceInCenti) != 0
                                 ? found->valence_centi / 100.0
                                 : tables.Info(*found).valence;
      lexicon_words[out.lexicon_words++] = {c.token, valence};
    }
    if (found->word == Word::kBut && out.first_but == split.token_count) out.first_but = c.token;
  }
  return out;
}

// The bit manipulations of the tokenizer (variable shifts, bit scans, and-not) take one
// instruction each with BMI1/BMI2 instead of two or three, and the SSE2 code is shorter in
// VEX form: on x86-64 this function and everything inlined into it is compiled twice, for
// any x86-64 and for x86-64-v3 (AVX2, BMI1/2, ...), and the dynamic linker picks one for the
// CPU once (GCC and Clang function multi-versioning). The floating-point rules are not in
// it; they are compiled once, for any x86-64.
// Not under ThreadSanitizer: the dynamic linker runs the clones' resolver before TSan's
// runtime starts, and the instrumented resolver crashes.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF_VADER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CF_VADER_TSAN 1
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(CF_VADER_PORTABLE) && \
    !defined(CF_VADER_TSAN)
#define CF_VADER_MULTIVERSIONED __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CF_VADER_MULTIVERSIONED
#endif

// Splits `input` into tokens as the reference does (after repairing ill-formed UTF-8 and
// replacing emoji), into scratch.tokens and scratch.lexicon_words.
CF_VADER_MULTIVERSIONED TokenizedText TokenizeText(std::string_view input, Scratch& scratch) {
  std::string_view text = input;
  if (Classify(text, scratch)) {
    // Non-ASCII: score what Python would see (ill-formed UTF-8 repaired, emoji replaced by
    // their descriptions), classified again when that changed the text.
    NonAsciiScan scan = ScanNonAscii(text, scratch);
    if (!scan.valid) {
      scratch.repaired.clear();
      AppendRepairedUtf8(scratch.repaired, text);
      text = scratch.repaired;
      Classify(text, scratch);
      scan = ScanNonAscii(text, scratch);
    }
    if (scan.emoji) {
      ReplaceEmoji(text, scratch.text);
      text = scratch.text;
      Classify(text, scratch);
    }
  }
  // A word takes at least one byte and a separator: this bounds the word count (+1 for the
  // candidate written before it is known to be kept).
  const size_t bound = text.size() / 2 + 2;
  if (scratch.run_edges.size() < 2 * bound + kEdgeSlack) {
    scratch.run_edges.resize(2 * bound + kEdgeSlack);
  }
  if (scratch.tokens.size() < bound) scratch.tokens.resize(bound);
  if (scratch.candidates.size() < bound) scratch.candidates.resize(bound);
  if (scratch.lexicon_words.size() < bound) scratch.lexicon_words.resize(bound);

  const VaderTables& tables = VaderTables::Get();
  const SplitInput in{text, scratch.lowered.data(), scratch.blocks.data(), &tables,
                      tables.MaxKeySize()};
  size_t* edges = scratch.run_edges.data();
  const size_t runs = FindRuns(in.c, text.size() / 64 + 1, edges);
  SplitOutput out{scratch.tokens.data(), scratch.candidates.data()};
  for (size_t k = 0; k < runs; ++k) {
    const size_t b = edges[2 * k], e = edges[2 * k + 1];
    const uint8_t classes = WordClasses(in.c, b, e);
    if ((classes & kHasHigh) == 0) {
      AddAsciiWord(in, out, b, e, classes);
    } else {
      out = SplitNonAscii(in, out, b, e);
    }
  }
  return LookUpCandidates(tables, out, scratch.lexicon_words.data());
}

// Bit p: phrase p of `masks`, of `size` words, is the words t[first, first + size).
uint32_t PhraseMatches(const internal::PhraseMasks& masks, Tokens t, size_t first, int size) {
  auto at = [&](int k) {
    return masks.at[k][static_cast<size_t>(t[first + static_cast<size_t>(k)].Is())];
  };
  uint32_t bits = masks.of_size[size] & at(0) & at(1);
  if (size == 3) bits &= at(2);
  return bits;
}

// The idiom rule, run for a lexicon word at i >= 3 whose third predecessor is not a
// lexicon word: a special-case phrase ending at, spanning or just before the word replaces
// its valence (the first match of: [i-1,i], [i-2,i], [i-2,i-1], [i-3,i-1], [i-3,i-2], and
// within a span the first phrase of the list); one starting at the word replaces it again
// (the last of the list that matches); then a dampener phrase right before it adds.
double SpecialIdioms(double valence, Tokens t, size_t i) {
  // Every phrase is made of named words: when the window i-3 .. i+2 has none, nothing can
  // match (the common case, decided without looking at the phrases).
  const size_t last = std::min(i + 2, t.size() - 1);
  bool any_named = false;
  for (size_t k = i - 3; k <= last; ++k) any_named |= t[k].Is() != Word::kOther;
  if (!any_named) return valence;
  const VaderTables& tables = VaderTables::Get();
  const std::vector<internal::Phrase>& special = tables.SpecialCases();
  const internal::PhraseMasks& special_masks = tables.SpecialCaseMasks();
  struct Span {
    size_t first;
    int size;
  };
  const Span before[] = {{i - 1, 2}, {i - 2, 3}, {i - 2, 2}, {i - 3, 3}, {i - 3, 2}};
  for (const Span& span : before) {
    const uint32_t match = PhraseMatches(special_masks, t, span.first, span.size);
    if (match != 0) {
      valence = special[static_cast<size_t>(std::countr_zero(match))].value;
      break;
    }
  }
  const size_t n = t.size();
  for (int size = 2; size <= 3; ++size) {
    if (n - 1 <= i + static_cast<size_t>(size) - 2) break;  // no room for the phrase
    const uint32_t match = PhraseMatches(special_masks, t, i, size);
    if (match != 0) valence = special[static_cast<size_t>(31 - std::countl_zero(match))].value;
  }
  // Every dampener phrase that matches adds, in list order (they are two words long; one of
  // three would still end at i at the latest).
  const std::vector<internal::Phrase>& dampeners = tables.BoosterPhrases();
  const internal::PhraseMasks& dampener_masks = tables.BoosterPhraseMasks();
  for (const size_t first : {i - 3, i - 2}) {
    uint32_t match =
        PhraseMatches(dampener_masks, t, first, 2) | PhraseMatches(dampener_masks, t, first, 3);
    for (; match != 0; match &= match - 1) {
      valence = valence + dampeners[static_cast<size_t>(std::countr_zero(match))].value;
    }
  }
  return valence;
}

// The negation rule for the predecessor at distance `back` (1 to 3) of word i.
double Negation(double valence, Tokens t, size_t i, int back) {
  auto so_or_this = [&](size_t k) { return t[k].Is() == Word::kSo || t[k].Is() == Word::kThis; };
  if (back == 1) {
    if (t[i - 1].IsNegation()) valence = valence * kNegationScalar;
  } else if (back == 2) {
    if (t[i - 2].Is() == Word::kNever && so_or_this(i - 1)) {
      valence = valence * 1.25;  // "never so good": emphasis, not negation
    } else if (t[i - 2].Is() == Word::kWithout && t[i - 1].Is() == Word::kDoubt) {
      // "without doubt good": not a negation
    } else if (t[i - 2].IsNegation()) {
      valence = valence * kNegationScalar;
    }
  } else {
    if ((t[i - 3].Is() == Word::kNever && so_or_this(i - 2)) || so_or_this(i - 1)) {
      valence = valence * 1.25;
    } else if (t[i - 3].Is() == Word::kWithout &&
               (t[i - 2].Is() == Word::kDoubt || t[i - 1].Is() == Word::kDoubt)) {
    } else if (t[i - 3].IsNegation()) {
      valence = valence * kNegationScalar;
    }
  }
  return valence;
}

// The valence of lexicon word i, whose lexicon valence is `base`, after every word-level
// rule.
double WordValence(Tokens t, size_t i, double base, bool caps_differ) {
  const Token& word = t[i];
  const size_t n = t.size();
  double valence = base;
  // "no" directly before a lexicon word negates that word instead of counting itself.
  if (word.Is() == Word::kNo && i != n - 1 && t[i + 1].InLexicon()) valence = 0.0;
  if ((i > 0 && t[i - 1].Is() == Word::kNo) || (i > 1 && t[i - 2].Is() == Word::kNo) ||
      (i > 2 && t[i - 3].Is() == Word::kNo &&
       (t[i - 1].Is() == Word::kOr || t[i - 1].Is() == Word::kNor))) {
    valence = base * kNegationScalar;
  }
  if (word.IsAllCaps() && caps_differ) {
    // Note: a zero valence counts as negative here, as in the reference.
    valence = valence > 0 ? valence + kCapsIncrement : valence - kCapsIncrement;
  }
  for (int back = 1; back <= 3; ++back) {
    if (i < static_cast<size_t>(back)) break;
    const Token& before = t[i - static_cast<size_t>(back)];
    if (before.InLexicon()) continue;
    double scalar = 0.0;
    if (before.IsBooster()) {
      scalar =
          before.IsDampener() ? -VaderTables::kBoosterIncrement : VaderTables::kBoosterIncrement;
      if (valence < 0) scalar *= -1;
      if (before.IsAllCaps() && caps_differ) {
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

// The "but" rule: words before the first "but" (token `but`) count half, words after it 1.5
// times. The reference finds each word's position by searching for the first *equal value*,
// so with repeated values it rescales the first occurrence again and again; reproduced on
// purpose. Only the lexicon words are given (`words`, their sentiments `s`): every other
// word's sentiment is 0, and a zero stays a zero whatever is rescaled (only its sign can
// change, which no later step sees: 0.0 == -0.0, and adding either zero to the sum leaves
// it unchanged), so leaving those words out gives the same numbers. A plain scan is
// quadratic, so long texts keep, per value, the ordered set of positions holding it (same
// result, n log n).
void ButRule(size_t but, std::span<const LexiconWord> words, std::span<double> s) {
  auto rescaled = [but, words](size_t first, double value) {
    const size_t at = words[first].index;
    return at < but ? value * 0.5 : at > but ? value * 1.5 : value;
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

double PunctuationEmphasis(int exclamations, int questions) {
  if (exclamations > kMaxExclamations) exclamations = kMaxExclamations;
  const double ep = exclamations * kExclamationStep;
  double qm = 0;
  if (questions > 1) qm = questions <= 3 ? questions * kQuestionStep : kQuestionCap;
  return ep + qm;
}

// Whether Combine rounds neg, neu and pos too (compound always is): Score's shape uses only
// the unrounded proportions.
enum class Rounding { kAll, kCompoundOnly };

// The reference's scores from the sentiments of the lexicon words (`s`, in text order) of a
// text of `words` words; every other word's sentiment is 0.
VaderScores Combine(std::span<const double> s, size_t words, double emphasis, Rounding rounding) {
  VaderScores out;
  if (words == 0) return out;
  // Each positive word counts 1 + valence, each negative word 1 + |valence|, each neutral
  // word 1. Each sum adds left to right, as the reference does; skipping the zeros of the
  // other words changes no sum (x + 0.0 == x for every x the sums can hold: they start at
  // +0.0 and a round-to-nearest sum is never -0.0 then).
  double sum = 0, pos_sum = 0, neg_sum = 0;
  size_t nonzero = 0;
  for (double v : s) {
    sum += v;
    if (v > 0) pos_sum += v + 1;
    if (v < 0) neg_sum += v - 1;
    if (v != 0) ++nonzero;
  }
  if (nonzero == 0) {
    // Every word neutral (most often: no lexicon word): the sums stay +0.0, so compound is
    // 0.0 / sqrt(15) = 0, punctuation emphasis is never added, and neu is words / words.
    out.raw_neu = 1;
    out.neu = 1;
    return out;
  }
  const auto neutral = static_cast<double>(words - nonzero);
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
  out.compound = RoundLikePython(compound, 4);
  if (rounding == Rounding::kAll) {
    out.pos = RoundLikePython(out.raw_pos, 3);
    out.neg = RoundLikePython(out.raw_neg, 3);
    out.neu = RoundLikePython(out.raw_neu, 3);
  }
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

namespace {

// ScoreVader, with neg/neu/pos left at 0 for kCompoundOnly.
VaderScores ScoreText(std::string_view input, Rounding rounding) {
  Scratch& scratch = ThreadScratch();
  const TokenizedText tokenized = TokenizeText(input, scratch);
  const Tokens t(scratch.tokens.data(), tokenized.tokens);
  const std::span<const LexiconWord> words(scratch.lexicon_words.data(), tokenized.lexicon_words);

  // ALL-CAPS emphasis counts only when some, but not all, words are in capitals.
  const bool caps_differ = tokenized.all_caps > 0 && tokenized.all_caps < t.size();

  // Only lexicon words can have a sentiment other than 0; the rules look at the words
  // around each of them.
  if (scratch.sentiments.size() < words.size()) scratch.sentiments.resize(words.size());
  const std::span<double> s(scratch.sentiments.data(), words.size());
  for (size_t k = 0; k < words.size(); ++k) {
    const size_t i = words[k].index;
    s[k] = 0;
    // Boosters, and "kind" of "kind of", carry no valence of their own.
    if (t[i].IsBooster()) continue;
    if (i + 1 < t.size() && t[i].Is() == Word::kKind && t[i + 1].Is() == Word::kOf) continue;
    s[k] = WordValence(t, i, words[k].valence, caps_differ);
  }
  if (tokenized.first_but < t.size()) ButRule(tokenized.first_but, words, s);
  return Combine(s, t.size(), PunctuationEmphasis(scratch.exclamations, scratch.questions),
                 rounding);
}

}  // namespace

VaderScores VaderEnricher::ScoreVader(std::string_view input) const {
  return ScoreText(input, Rounding::kAll);
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
  return ToSentiment(ScoreText(text, Rounding::kCompoundOnly));  // reads raw_* and compound
}

}  // namespace covidflow::enrich
