#include "enrich/location/internal/text.h"

#include <algorithm>

namespace covidflow::enrich::location::internal {
namespace {

// Latin-1 Supplement and Latin Extended-A (U+00C0..U+017F) folded to a lower-case ASCII base
// letter (from each character's Unicode decomposition; Æ -> a, ß -> s, Ł -> l). A space marks
// the two symbols of the block (× and ÷), which separate words.
constexpr std::string_view kLatinFold =
    "aaaaaaaceeeeiiiidnooooo ouuuuytsaaaaaaaceeeeiiiidnooooo ouuuuyty"
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllll"
    "nnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatinFold.size() == 0x180 - 0xC0);

enum class Class { kLetter, kApostrophe, kIgnore, kSoft, kHard };

// Decodes one code point at `in[i]`; returns its length, or 0 when the bytes are not valid
// UTF-8 (then the caller skips one byte as a separator).
size_t DecodeUtf8(std::string_view in, size_t i, uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(in[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len;
  uint32_t value;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    value = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    value = b0 & 0x07;
  } else {
    return 0;
  }
  if (in.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(in[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  if ((len == 3 && value < 0x800) || (len == 4 && (value < 0x10000 || value > 0x10FFFF)) ||
      (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *cp = value;
  return len;
}

Class ClassifyAscii(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return Class::kLetter;
  }
  if (c == '\'') return Class::kApostrophe;
  if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '_') return Class::kSoft;
  return Class::kHard;
}

// Code points above ASCII. Scripts are letters; punctuation, symbols and emoji separate.
Class ClassifyWide(uint32_t cp) {
  if (cp == 0x2018 || cp == 0x2019 || cp == 0x02BC) return Class::kApostrophe;
  if ((cp >= 0x0300 && cp <= 0x036F) ||  // combining accents: "e" + U+0301 reads as "e"
      (cp >= 0x200B && cp <= 0x200F) ||  // zero-width space, joiners, direction marks
      (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF ||
      (cp >= 0xFE00 && cp <= 0xFE0F) ||    // variation selectors
      (cp >= 0xE0000 && cp <= 0xE007F)) {  // tag characters (outside a flag)
    return Class::kIgnore;
  }
  if (cp == 0xD7 || cp == 0xF7) return Class::kHard;
  if (cp < 0xC0) return cp == 0xA0 ? Class::kSoft : Class::kHard;  // Latin-1 punctuation
  if (cp < 0x2000) return Class::kLetter;
  if (cp < 0x2C00) return Class::kHard;  // general punctuation, symbols, arrows
  if (cp < 0x2E00) return Class::kLetter;
  if (cp < 0x2E80) return Class::kHard;
  if (cp < 0x3000) return Class::kLetter;
  if (cp < 0x3040) return Class::kHard;  // CJK punctuation
  if (cp < 0xE000) return Class::kLetter;
  if (cp < 0xF900) return Class::kHard;  // private use
  if (cp < 0xFE00) return Class::kLetter;
  if (cp < 0xFE70) return Class::kHard;
  if (cp < 0xFFF0) return Class::kLetter;
  if (cp >= 0x20000 && cp < 0x40000) return Class::kLetter;  // CJK extensions
  return Class::kHard;                                       // emoji, symbols, specials
}

void AppendUtf8(uint32_t cp, char* out, size_t* size) {
  if (cp < 0x80) {
    out[(*size)++] = static_cast<char>(cp);
  } else if (cp < 0x800) {
    out[(*size)++] = static_cast<char>(0xC0 | (cp >> 6));
    out[(*size)++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out[(*size)++] = static_cast<char>(0xE0 | (cp >> 12));
    out[(*size)++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[(*size)++] = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out[(*size)++] = static_cast<char>(0xF0 | (cp >> 18));
    out[(*size)++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[(*size)++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[(*size)++] = static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsRegionalIndicator(uint32_t cp) { return cp >= 0x1F1E6 && cp <= 0x1F1FF; }

class Builder {
 public:
  explicit Builder(Tokens* t) : t_(t) {}

  void Separator(Sep sep) {
    in_word_ = false;
    pending_ = std::max(pending_, sep);
  }

  // A list mark between two words ('/', '|', '&', '+', " - ", a bullet): they are items.
  void ListMark() {
    list_ = true;
    Separator(Sep::kHard);
  }

  // A ':' right after a word makes that word a label.
  void Colon() {
    if (in_word_) t_->words[t_->count - 1].label = true;
    in_word_ = false;
    pending_ = Sep::kHard;
  }

  // Appends one folded letter (`bytes` of UTF-8) to the current word, starting one if needed.
  // Returns false when no more words fit.
  bool Letter(const char* bytes, size_t n, bool upper, bool lower) {
    if (!in_word_) {
      if (t_->count == kMaxWords) return false;
      if (t_->size > 0) t_->text[t_->size++] = ' ';
      Word& w = t_->words[t_->count];
      w = Word{};
      w.begin = w.end = static_cast<uint16_t>(t_->size);
      StartWord(w);
      has_upper_ = has_lower_ = false;
      in_word_ = true;
    }
    for (size_t k = 0; k < n; ++k) t_->text[t_->size++] = bytes[k];
    Word& w = t_->words[t_->count - 1];
    w.end = static_cast<uint16_t>(t_->size);
    has_upper_ |= upper;
    has_lower_ |= lower;
    w.upper = has_upper_ && !has_lower_;
    return true;
  }

  bool Flag(std::string_view code) {
    Separator(Sep::kHard);
    if (t_->count == kMaxWords) return false;
    Word& w = t_->words[t_->count];
    w = Word{};
    w.begin = w.end = static_cast<uint16_t>(t_->size);
    StartWord(w);
    std::copy_n(code.data(), std::min(code.size(), sizeof(w.flag) - 1), w.flag);
    pending_ = Sep::kHard;
    return true;
  }

  void Finish() {
    if (t_->count > 0) t_->words[t_->count - 1].after = Sep::kHard;
  }

  // Drops a last word that the length limit cut in the middle.
  void DropLastWord() {
    if (t_->count == 0 || !in_word_) return;
    --t_->count;
    t_->size = t_->words[t_->count].begin;
    if (t_->size > 0) --t_->size;  // the space before it
    in_word_ = false;
  }

 private:
  void StartWord(Word& w) {
    w.before = t_->count == 0 ? Sep::kHard : std::max(pending_, Sep::kSoft);
    if (t_->count > 0) {
      t_->words[t_->count - 1].after = w.before;
      t_->words[t_->count - 1].list_after = list_;
    }
    pending_ = Sep::kNone;
    list_ = false;
    ++t_->count;
  }

  Tokens* t_;
  Sep pending_ = Sep::kNone;
  bool list_ = false;
  bool in_word_ = false;
  bool has_upper_ = false;
  bool has_lower_ = false;
};

}  // namespace

Tokens Tokenize(std::string_view input) {
  Tokens t;
  const std::string_view full = input;
  const bool truncated = input.size() > kMaxInputBytes;
  if (truncated) input = input.substr(0, kMaxInputBytes);
  Builder b(&t);
  size_t i = 0;
  bool room = true;
  while (i < input.size() && room) {
    const char c = input[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      switch (ClassifyAscii(c)) {
        case Class::kLetter: {
          const bool upper = c >= 'A' && c <= 'Z';
          const char lower = upper ? static_cast<char>(c - 'A' + 'a') : c;
          room = b.Letter(&lower, 1, upper, c >= 'a' && c <= 'z');
          break;
        }
        case Class::kSoft:
          // A dash with a space before it separates items ("London - New York"); within a
          // word it joins ("Stoke-on-Trent").
          if (c == '-' && i > 0 && input[i - 1] == ' ') {
            b.ListMark();
          } else {
            b.Separator(Sep::kSoft);
          }
          break;
        case Class::kHard:
          if (c == ':') {
            b.Colon();
          } else if (c == '/' || c == '|' || c == '&' || c == '+') {
            b.ListMark();
          } else {
            b.Separator(Sep::kHard);
          }
          break;
        default:  // an apostrophe joins: "St John's" -> "st johns"
          break;
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(input, i, &cp);
    if (len == 0) {
      b.Separator(Sep::kHard);
      ++i;
      continue;
    }
    i += len;
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp < 0x80) {
      const char ascii = static_cast<char>(cp);
      const Class cls = ClassifyAscii(ascii);
      if (cls == Class::kLetter) {
        const bool upper = ascii >= 'A' && ascii <= 'Z';
        const char lower = upper ? static_cast<char>(ascii - 'A' + 'a') : ascii;
        room = b.Letter(&lower, 1, upper, ascii >= 'a' && ascii <= 'z');
      } else if (cls != Class::kApostrophe) {
        b.Separator(cls == Class::kSoft ? Sep::kSoft : Sep::kHard);
      }
      continue;
    }
    if (IsRegionalIndicator(cp)) {
      uint32_t next = 0;
      const size_t next_len = i < input.size() ? DecodeUtf8(input, i, &next) : 0;
      if (next_len > 0 && IsRegionalIndicator(next)) {
        i += next_len;
        const char code[2] = {static_cast<char>('A' + (cp - 0x1F1E6)),
                              static_cast<char>('A' + (next - 0x1F1E6))};
        room = b.Flag(std::string_view(code, 2));
      } else {
        b.Separator(Sep::kHard);
      }
      continue;
    }
    if (cp == 0x1F3F4) {  // black flag + tag letters "gbsct" + cancel tag: a subdivision flag
      char tag[8];
      size_t tag_len = 0;
      size_t j = i;
      bool closed = false;
      while (j < input.size()) {
        uint32_t tc = 0;
        const size_t tl = DecodeUtf8(input, j, &tc);
        if (tl == 0 || tc < 0xE0020 || tc > 0xE007F) break;
        j += tl;
        if (tc == 0xE007F) {
          closed = true;
          break;
        }
        if (tag_len == sizeof(tag)) break;
        tag[tag_len++] = static_cast<char>(tc - 0xE0000);
      }
      if (closed && tag_len >= 3 && tag_len <= 5) {
        char code[8];
        size_t n = 0;
        code[n++] = static_cast<char>(tag[0] & ~0x20);
        code[n++] = static_cast<char>(tag[1] & ~0x20);
        code[n++] = '-';
        for (size_t k = 2; k < tag_len; ++k) code[n++] = static_cast<char>(tag[k] & ~0x20);
        i = j;
        room = b.Flag(std::string_view(code, n));
      } else {
        b.Separator(Sep::kHard);
      }
      continue;
    }
    if (cp == 0x2013 || cp == 0x2014 || cp == 0x2022 || cp == 0xB7) {  // – — • ·
      b.ListMark();
      continue;
    }
    const Class cls = ClassifyWide(cp);
    if (cls == Class::kLetter) {
      char bytes[4];
      size_t n = 0;
      bool upper = false;
      bool lower = false;
      if (cp >= 0xC0 && cp < 0x180) {
        bytes[n++] = kLatinFold[cp - 0xC0];
        upper = cp < 0xE0 || (cp >= 0x100 && cp % 2 == 0);
        lower = !upper;
      } else {
        if ((cp >= 0x410 && cp <= 0x42F) || (cp >= 0x391 && cp <= 0x3A9)) cp += 0x20;
        AppendUtf8(cp, bytes, &n);
      }
      room = b.Letter(bytes, n, upper, lower);
    } else if (cls == Class::kSoft) {
      b.Separator(Sep::kSoft);
    } else if (cls == Class::kHard) {
      b.Separator(Sep::kHard);
    }
  }
  // The length limit cut the input inside a word: that word is incomplete, so it is dropped.
  const auto next = truncated ? static_cast<unsigned char>(full[kMaxInputBytes]) : 0;
  if (truncated && (next >= 0x80 || ClassifyAscii(static_cast<char>(next)) == Class::kLetter ||
                    ClassifyAscii(static_cast<char>(next)) == Class::kApostrophe)) {
    b.DropLastWord();
  }
  b.Finish();
  return t;
}

std::string NormalizeKey(std::string_view name) {
  const Tokens t = Tokenize(name);
  return std::string(t.text, t.size);
}

}  // namespace covidflow::enrich::location::internal
