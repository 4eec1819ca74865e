#pragma once
// Tweet text → tokens → hashed word and character n-grams.
//
// Normalisation (NormalizeTweet), in one pass over the bytes:
//   - URLs (http://, https://, www.) → "<url>"; @mentions → "@user";
//   - hashtags: "#Happy" → "happy" (the word is what carries sentiment);
//   - ASCII letters lower-cased; a run of 3 or more of the same letter is cut to 2 and the
//     token "<elong>" follows the word ("soooo good" → "soo <elong> good");
//   - emoticons (":)", ":-(", ":D", "<3", ...) → "<smile>", "<sad>", "<laugh>", "<heart>",
//     "<wink>", "<tongue>", "<annoyed>"; each emoji (U+2600–U+27BF, U+1F000 and above) is a token
//     of its own;
//   - "!" and "?" runs → one "!" or "?" token; other punctuation separates tokens;
//   - other non-ASCII characters (accented letters, other scripts) are word characters.
// The result is the tokens joined by single spaces.
//
// N-grams are hashed (64-bit FNV-1a from a seed) into 2^bits buckets: word n-grams join
// tokens with a space; character n-grams are taken inside each token padded with a space
// on both sides (scikit-learn's "char_wb").
//
// Threads: pure functions.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace covidflow::features {

// Appends the normalised text of `text` to `out` (cleared first).
void NormalizeTweet(std::string_view text, std::string& out);

// The other tokens character n-grams may be taken from (FeatureDef::char_tokens "whitespace"):
// the text split at white space, ASCII letters lower-cased, nothing else changed (punctuation,
// URLs and emoticons stay inside their tokens, as scikit-learn's char_wb sees them). Tokens
// joined by single spaces.
void LowercaseTokens(std::string_view text, std::string& out);

struct NgramOptions {
  int word_min = 1;  // word n-gram orders [word_min, word_max]; 0 = no word n-grams
  int word_max = 2;
  int char_min = 2;  // character n-gram orders; 0 = none
  int char_max = 5;
  uint64_t seed = 0;
};

// Appends the hash of every word n-gram of the normalised text to `words` and of every
// character n-gram to `chars` (both cleared first).
void HashNgrams(std::string_view normalized, const NgramOptions& options,
                std::vector<uint64_t>& words, std::vector<uint64_t>& chars);

// Counts computed on the raw text, the extra columns that lift a linear text model:
// exclamation marks, question marks, words in capitals (2+ letters), elongated words,
// negations (not, no, never, n't, ...), emoji, hashtags, mentions, URLs, characters.
inline constexpr int kTextCountColumns = 10;
void TextCounts(std::string_view text, float* out);
extern const char* const kTextCountNames[kTextCountColumns];

}  // namespace covidflow::features
