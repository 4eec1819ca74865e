#pragma once
// UTF-8 validation and repair, strict per Unicode (no overlong forms, no surrogates, nothing
// above U+10FFFF). Repair replaces each maximal invalid subpart by U+FFFD, the rule of the
// Unicode standard (section 3.9) that Python's errors="replace" and browsers also follow.
#include <cstddef>
#include <string>
#include <string_view>

namespace covidflow::schema {

// Length of the longest valid UTF-8 prefix of `s` (== s.size() when all of it is valid).
// ASCII runs are checked 16 bytes at a time.
size_t ValidUtf8Prefix(std::string_view s);
inline bool IsValidUtf8(std::string_view s) { return ValidUtf8Prefix(s) == s.size(); }

// Appends `s` with every maximal invalid subpart replaced by U+FFFD (EF BF BD).
void AppendRepairedUtf8(std::string& out, std::string_view s);

}  // namespace covidflow::schema
