#include "features/text.h"

#include <array>
#include <cstring>

namespace covidflow::features {
namespace {

constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr uint64_t kFnvOffset = 14695981039346656037ULL;

bool IsAsciiWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '\'';
}

// The length of the UTF-8 sequence starting with lead byte `c` (1 for a stray byte).
size_t Utf8Length(unsigned char c) {
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

uint32_t DecodeCodepoint(std::string_view s, size_t i, size_t len) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (len == 2) return ((b(0) & 0x1Fu) << 6) | (b(1) & 0x3Fu);
  if (len == 3) return ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
  if (len == 4) {
    return ((b(0) & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
  }
  return b(0);
}

bool IsEmoji(uint32_t cp) {
  return (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x1F000 && cp <= 0x1FAFF);
}
// Variation selectors and joiners: dropped so "❤️" and "❤" are one token.
bool IsEmojiModifier(uint32_t cp) {
  return cp == 0xFE0F || cp == 0x200D || (cp >= 0x1F3FB && cp <= 0x1F3FF);
}

struct Emoticon {
  std::string_view text;
  std::string_view token;
};
constexpr std::array<Emoticon, 20> kEmoticons = {{
    {":-)", "<smile>"}, {":)", "<smile>"},   {"(:", "<smile>"},    {"=)", "<smile>"},
    {":-(", "<sad>"},   {":(", "<sad>"},     {":'(", "<sad>"},     {"):", "<sad>"},
    {":-D", "<laugh>"}, {":D", "<laugh>"},   {"xD", "<laugh>"},    {"XD", "<laugh>"},
    {";-)", "<wink>"},  {";)", "<wink>"},    {":P", "<tongue>"},   {":p", "<tongue>"},
    {"<3", "<heart>"},  {":/", "<annoyed>"}, {":-/", "<annoyed>"}, {":|", "<annoyed>"},
}};

bool StartsWithCaseless(std::string_view s, size_t i, std::string_view prefix) {
  if (s.size() - i < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    char c = s[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[k]) return false;
  }
  return true;
}

bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void AddToken(std::string& out, std::string_view token) {
  if (!out.empty()) out.push_back(' ');
  out.append(token);
}

}  // namespace

void NormalizeTweet(std::string_view s, std::string& out) {
  out.clear();
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    // URLs and mentions run to the next space.
    if (StartsWithCaseless(s, i, "http://") || StartsWithCaseless(s, i, "https://") ||
        StartsWithCaseless(s, i, "www.")) {
      while (i < n && !IsSpace(static_cast<unsigned char>(s[i]))) ++i;
      AddToken(out, "<url>");
      continue;
    }
    if (c == '@' && i + 1 < n && IsAsciiWordByte(static_cast<unsigned char>(s[i + 1]))) {
      ++i;
      while (i < n && IsAsciiWordByte(static_cast<unsigned char>(s[i]))) ++i;
      AddToken(out, "@user");
      continue;
    }
    if (c == '#' && i + 1 < n && IsAsciiWordByte(static_cast<unsigned char>(s[i + 1]))) {
      ++i;  // the word that follows is read as a word
      continue;
    }
    bool matched = false;
    for (const Emoticon& e : kEmoticons) {
      if (e.text[0] != static_cast<char>(c)) continue;  // most bytes start no emoticon
      if (s.substr(i, e.text.size()) == e.text) {
        AddToken(out, e.token);
        i += e.text.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (c == '!' || c == '?') {
      while (i < n && s[i] == static_cast<char>(c)) ++i;
      AddToken(out, c == '!' ? "!" : "?");
      continue;
    }
    if (c >= 0x80) {
      const size_t len = Utf8Length(c);
      if (i + len <= n) {
        const uint32_t cp = DecodeCodepoint(s, i, len);
        if (IsEmoji(cp)) {
          AddToken(out, s.substr(i, len));
          i += len;
          continue;
        }
        if (IsEmojiModifier(cp) || cp == 0x2019 || cp == 0x201C || cp == 0x201D || cp == 0x2026 ||
            cp == 0xA0) {
          i += len;
          continue;
        }
      }
    }
    if (c < 0x80 && !IsAsciiWordByte(c)) {
      ++i;  // punctuation separates tokens
      continue;
    }
    // A word: ASCII word bytes and non-ASCII characters that are not emoji.
    const size_t word_start = i;
    if (!out.empty()) out.push_back(' ');
    bool elongated = false;
    char last = 0;
    int run = 0;
    while (i < n) {
      const unsigned char w = static_cast<unsigned char>(s[i]);
      if (w < 0x80) {
        if (!IsAsciiWordByte(w)) break;
        const char lower =
            (w >= 'A' && w <= 'Z') ? static_cast<char>(w - 'A' + 'a') : static_cast<char>(w);
        run = lower == last ? run + 1 : 1;
        last = lower;
        if (run <= 2) {
          out.push_back(lower);
        } else if (lower >= 'a' && lower <= 'z') {
          elongated = true;
        } else {
          out.push_back(lower);
        }
        ++i;
        continue;
      }
      size_t len = Utf8Length(w);
      if (i + len > n) len = 1;  // a truncated sequence: its bytes are word bytes
      const uint32_t cp = DecodeCodepoint(s, i, len);
      if (IsEmoji(cp) || IsEmojiModifier(cp) || cp == 0x2019 || cp == 0x201C || cp == 0x201D ||
          cp == 0x2026 || cp == 0xA0) {
        break;
      }
      out.append(s.substr(i, len));
      last = 0;
      run = 0;
      i += len;
    }
    if (i == word_start) {
      // Nothing was a word character after all: step over the byte.
      if (!out.empty() && out.back() == ' ') out.pop_back();
      ++i;
      continue;
    }
    if (elongated) AddToken(out, "<elong>");
  }
}

void LowercaseTokens(std::string_view s, std::string& out) {
  out.clear();
  bool space = false;
  for (char ch : s) {
    if (IsSpace(static_cast<unsigned char>(ch))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back((ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
}

void HashNgrams(std::string_view normalized, const NgramOptions& options,
                std::vector<uint64_t>& words, std::vector<uint64_t>& chars) {
  words.clear();
  chars.clear();
  const uint64_t start = kFnvOffset ^ (options.seed * kFnvPrime);
  // Token boundaries.
  std::array<uint64_t, 8> recent{};  // hashes of the last tokens, for word n-grams
  size_t token_count = 0;
  size_t i = 0;
  const size_t n = normalized.size();
  while (i < n) {
    size_t end = normalized.find(' ', i);
    if (end == std::string_view::npos) end = n;
    const std::string_view token = normalized.substr(i, end - i);
    i = end + 1;
    if (token.empty()) continue;
    if (options.word_max > 0) {
      uint64_t h = start;
      for (char ch : token) h = (h ^ static_cast<unsigned char>(ch)) * kFnvPrime;
      recent[token_count % recent.size()] = h;
      ++token_count;
      // The n-gram ending at this token, for each order: combine the token hashes in order.
      for (int order = options.word_min; order <= options.word_max; ++order) {
        if (static_cast<size_t>(order) > token_count) break;
        uint64_t g = start ^ (static_cast<uint64_t>(order) * 0x9E3779B97F4A7C15ULL);
        for (int k = order; k >= 1; --k) {
          g = (g ^ recent[(token_count - k) % recent.size()]) * kFnvPrime;
          g ^= g >> 29;
        }
        words.push_back(g);
      }
    }
    if (options.char_max > 0) {
      // The token padded with a space on both sides, read in place: byte q of " token ".
      const size_t m = token.size() + 2;
      const auto padded = [&](size_t q) -> unsigned char {
        return q == 0 || q == m - 1 ? ' ' : static_cast<unsigned char>(token[q - 1]);
      };
      for (size_t p = 0; p < m; ++p) {
        uint64_t h = start ^ 0x5bd1e995ULL;
        for (int len = 1; len <= options.char_max && p + len <= m; ++len) {
          h = (h ^ padded(p + len - 1)) * kFnvPrime;
          if (len >= options.char_min) chars.push_back(h ^ static_cast<uint64_t>(len));
        }
      }
    }
  }
}

const char* const kTextCountNames[kTextCountColumns] = {
    "exclamations", "questions", "capital_words", "elongated_words", "negations", "emoji",
    "hashtags",     "mentions",  "urls",          "characters"};

void TextCounts(std::string_view s, float* out) {
  std::memset(out, 0, sizeof(float) * kTextCountColumns);
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '!') out[0] += 1;
    if (c == '?') out[1] += 1;
    if (c == '#') out[6] += 1;
    if (c == '@') out[7] += 1;
    if (StartsWithCaseless(s, i, "http")) out[8] += 1;
    if (c >= 0x80) {
      const size_t len = Utf8Length(c);
      if (i + len <= n && IsEmoji(DecodeCodepoint(s, i, len))) out[5] += 1;
      i += len;
      continue;
    }
    if (IsAsciiWordByte(c)) {
      // One word: capitals, elongation, negation.
      size_t start = i;
      int upper = 0, letters = 0, run = 0;
      char last = 0;
      bool elongated = false;
      while (i < n && IsAsciiWordByte(static_cast<unsigned char>(s[i]))) {
        const char w = s[i];
        if (w >= 'A' && w <= 'Z') ++upper;
        if ((w >= 'A' && w <= 'Z') || (w >= 'a' && w <= 'z')) ++letters;
        const char lower = (w >= 'A' && w <= 'Z') ? static_cast<char>(w - 'A' + 'a') : w;
        run = lower == last ? run + 1 : 1;
        last = lower;
        if (run >= 3 && lower >= 'a' && lower <= 'z') elongated = true;
        ++i;
      }
      if (letters >= 2 && upper == letters) out[2] += 1;
      if (elongated) out[3] += 1;
      const std::string_view word = s.substr(start, i - start);
      if (StartsWithCaseless(word, 0, "not") && word.size() == 3)
        out[4] += 1;
      else if ((StartsWithCaseless(word, 0, "no") && word.size() == 2) ||
               (StartsWithCaseless(word, 0, "never") && word.size() == 5) ||
               (StartsWithCaseless(word, 0, "nothing") && word.size() == 7) ||
               (StartsWithCaseless(word, 0, "cannot") && word.size() == 6) ||
               (word.size() >= 3 && StartsWithCaseless(word, word.size() - 3, "n't")) ||
               (word.size() >= 2 && StartsWithCaseless(word, word.size() - 2, "nt") &&
                (StartsWithCaseless(word, 0, "don") || StartsWithCaseless(word, 0, "can") ||
                 StartsWithCaseless(word, 0, "won") || StartsWithCaseless(word, 0, "isn") ||
                 StartsWithCaseless(word, 0, "didn") || StartsWithCaseless(word, 0, "doesn")))) {
        out[4] += 1;
      }
      continue;
    }
    ++i;
  }
  out[9] = static_cast<float>(n);
}

}  // namespace covidflow::features
