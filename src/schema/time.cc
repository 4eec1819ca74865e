#include "schema/time.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

namespace covidflow::schema {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Counts in 400-year eras starting on March 1st so that leap days fall at an era's end.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Two digits of v < 100.
void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

void Append2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

std::optional<Timestamp> Compose(int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                 unsigned s) {
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    return std::nullopt;
  }
  return Timestamp{DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s};
}

}  // namespace

void FormatDay(int64_t days, char* out) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  const auto yy = static_cast<unsigned>(std::clamp<int64_t>(y, 0, 9999));
  Put2(out, yy / 100);
  Put2(out + 2, yy % 100);
  out[4] = '-';
  Put2(out + 5, m);
  out[7] = '-';
  Put2(out + 8, d);
  out[10] = ' ';
}

void FormatClock(unsigned second_of_day, char* out) {
  Put2(out, second_of_day / 3600);
  out[2] = ':';
  Put2(out + 3, second_of_day / 60 % 60);
  out[5] = ':';
  Put2(out + 6, second_of_day % 60);
}

void AppendTimestamp(std::string& out, Timestamp t) {
  int64_t days = t.seconds / 86400;
  int64_t rem = t.seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const auto r = static_cast<unsigned>(rem);
  static const int64_t kFirstDay = DaysFromCivil(0, 1, 1);         // years 0..9999 have the
  static const int64_t kPastLastDay = DaysFromCivil(10000, 1, 1);  // fixed-width form
  if (days < kFirstDay || days >= kPastLastDay) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, y);
    out.append(buf, end);
    out.push_back('-');
    Append2(out, m);
    out.push_back('-');
    Append2(out, d);
    out.push_back(' ');
    char clock[8];
    FormatClock(r, clock);
    out.append(clock, sizeof clock);
    return;
  }
  // Tweets of a stream share a few days (a tweet's date and its user's creation date
  // alternate): dates are kept per thread in a small table by day number.
  struct CachedDate {
    int64_t days = INT64_MIN;
    char text[11];  // "YYYY-MM-DD "
  };
  thread_local CachedDate cache[64];
  CachedDate& slot = cache[static_cast<uint64_t>(days) % 64];
  if (days != slot.days) {
    FormatDay(days, slot.text);
    slot.days = days;
  }
  char buf[19];
  std::memcpy(buf, slot.text, 11);
  FormatClock(r, buf + 11);
  out.append(buf, sizeof buf);
}

std::string FormatTimestamp(Timestamp t) {
  std::string s;
  s.reserve(19);
  AppendTimestamp(s, t);
  return s;
}

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  // Fixed layout: a branch-light check of the 19 positions, the hot path of every CSV row.
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  static constexpr int kDigits[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
  for (int i : kDigits) {
    if (!Digit(s[i])) return std::nullopt;
  }
  auto two = [&](int i) { return static_cast<unsigned>((s[i] - '0') * 10 + (s[i + 1] - '0')); };
  const int64_t y = two(0) * 100 + two(2);
  return Compose(y, two(5), two(8), two(11), two(14), two(17));
}

bool IsValidTimestampFormat(std::string_view format) {
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (++i == format.size()) return false;
    switch (format[i]) {
      case 'Y':
      case 'm':
      case 'd':
      case 'H':
      case 'M':
      case 'S':
      case '%':
        break;
      default:
        return false;
    }
  }
  return true;
}

std::optional<Timestamp> ParseTimestamp(std::string_view s, std::string_view format) {
  if (format == kDefaultTimestampFormat) return ParseTimestamp(s);
  int64_t y = 1970;
  unsigned mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  size_t p = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    const char f = format[i];
    if (f != '%' || i + 1 == format.size()) {
      if (p == s.size() || s[p] != f) return std::nullopt;
      ++p;
      continue;
    }
    const char directive = format[++i];
    if (directive == '%') {
      if (p == s.size() || s[p] != '%') return std::nullopt;
      ++p;
      continue;
    }
    const size_t width = directive == 'Y' ? 4 : 2;
    size_t n = 0;
    unsigned v = 0;
    while (n < width && p + n < s.size() && Digit(s[p + n])) {
      v = v * 10 + static_cast<unsigned>(s[p + n] - '0');
      ++n;
    }
    if (n == 0 || (directive == 'Y' && n != 4)) return std::nullopt;
    p += n;
    switch (directive) {
      case 'Y':
        y = v;
        break;
      case 'm':
        mo = v;
        break;
      case 'd':
        d = v;
        break;
      case 'H':
        h = v;
        break;
      case 'M':
        mi = v;
        break;
      case 'S':
        sec = v;
        break;
      default:
        return std::nullopt;
    }
  }
  if (p != s.size()) return std::nullopt;
  return Compose(y, mo, d, h, mi, sec);
}

}  // namespace covidflow::schema
