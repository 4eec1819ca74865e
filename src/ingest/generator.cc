#include "ingest/generator.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "base/fs.h"
#include "ingest/internal/vocabulary.h"
#include "schema/fields.h"
#include "schema/text_writer.h"
#include "schema/time.h"

namespace covidflow::ingest {
namespace {

using internal::Weighted;

// ---- PRNG: splitmix64 seeds xoshiro256** (Blackman & Vigna), both fully specified. ----

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

inline uint64_t NextU64(uint64_t* s) {
  uint64_t result = Rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 45);
  return result;
}

// Uniform in [0, n) by multiply-shift (Lemire); the bias for n << 2^32 is negligible.
inline uint32_t Below(uint64_t* s, uint32_t n) {
  return static_cast<uint32_t>(((NextU64(s) >> 32) * n) >> 32);
}

// Uniform in the open interval (0, 1): never 0 or 1, so odds u / (1 - u) are finite.
inline double OpenUnit(uint64_t* s) {
  return (static_cast<double>(NextU64(s) >> 11) + 0.5) * 0x1.0p-53;
}

// True with probability percent / 100.
inline bool Percent(uint64_t* s, uint32_t percent) { return Below(s, 100) < percent; }

template <typename T, size_t N>
inline const T& Choose(uint64_t* s, const T (&items)[N]) {
  return items[Below(s, static_cast<uint32_t>(N))];
}

// A weighted table drawn in O(1): one lookup slot per unit of weight (the largest table,
// sources, has ~6,500 slots).
class Table {
 public:
  explicit Table(std::span<const Weighted> items) : items_(items) {
    for (size_t i = 0; i < items.size(); ++i) slots_.insert(slots_.end(), items[i].weight, i);
  }
  std::string_view Pick(uint64_t* s) const {
    return items_[slots_[Below(s, static_cast<uint32_t>(slots_.size()))]].value;
  }

 private:
  std::span<const Weighted> items_;
  std::vector<uint16_t> slots_;
};

struct Tables {
  Table hashtags_before{internal::kHashtagsBefore};
  Table hashtags_after{internal::kHashtagsAfter};
  Table locations_before{internal::kLocationsBefore};
  Table locations_after{internal::kLocationsAfter};
  Table sources{internal::kSources};
  Table created_years{internal::kCreatedYears};
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

// Calendar arithmetic and the reference date form: schema/time.h, integer only.
using schema::DaysFromCivil;
using schema::FormatClock;
using schema::FormatDay;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void FormatTimestamp(int64_t t, char* out) {
  int64_t day = FloorDiv(t, 86400);
  FormatDay(day, out);
  FormatClock(static_cast<unsigned>(t - day * 86400), out + 11);
}

// ---- Heavy tails from odds r = u / (1 - u) (a log-logistic law), using only * / sqrt. ----

// Draws below `cap` (a redraw rather than a clamp, so no value piles up at the cap).
template <typename Transform>
int64_t DrawBelow(uint64_t* s, double scale, int64_t cap, Transform transform) {
  for (;;) {
    double u = OpenUnit(s);
    double v = scale * transform(u / (1 - u));
    if (v < static_cast<double>(cap)) return static_cast<int64_t>(v);
  }
}

// Median `scale`, tail index 2/3: P(X > x) ~ (x / scale)^(-2/3).
int64_t HeavyTail15(uint64_t* s, double scale, int64_t cap) {
  return DrawBelow(s, scale, cap, [](double r) { return r * std::sqrt(r); });
}
// Median `scale`, tail index 1.
int64_t HeavyTail1(uint64_t* s, double scale, int64_t cap) {
  return DrawBelow(s, scale, cap, [](double r) { return r; });
}
// Median `scale`, tail index 0.8.
int64_t HeavyTail125(uint64_t* s, double scale, int64_t cap) {
  return DrawBelow(s, scale, cap, [](double r) { return r * std::sqrt(std::sqrt(r)); });
}

void AppendRandomAlnum(uint64_t* s, std::string& out, int n) {
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  uint64_t bits = NextU64(s);
  for (int i = 0; i < n; ++i) {
    // 6 bits per character from one draw, modulo 62; a second draw after 10 characters.
    if (i == 10) bits = NextU64(s);
    out.push_back(kAlnum[(bits & 63) % 62]);
    bits >>= 6;
  }
}

void AppendLower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
}

enum class Mood { kPositive, kNeutral, kNegative };

// A sentence starting with a lower-case template word reads better capitalized.
void CapitalizeAt(std::string& out, size_t pos) {
  if (pos < out.size() && out[pos] >= 'a' && out[pos] <= 'z') out[pos] -= 'a' - 'A';
}

// Expands a template of internal/vocabulary.h into `out`.
void Expand(uint64_t* s, std::string_view tmpl, std::string& out) {
  const char* p = tmpl.data();
  const char* end = p + tmpl.size();
  while (p < end) {
    const char* brace = p;
    while (brace < end && *brace != '{') ++brace;
    out.append(p, brace);
    if (brace == end) return;
    const size_t at = out.size();
    switch (brace[1]) {
      case 'P':
        out.append(Choose(s, internal::kPositiveWords));
        break;
      case 'N':
        out.append(Choose(s, internal::kNegativeWords));
        break;
      case 'U':
        out.append(Choose(s, internal::kNeutralNouns));
        break;
      case 'S':
        out.append(Choose(s, internal::kSubjects));
        break;
      case 'L':
        out.append(Choose(s, internal::kPlaces));
        break;
      case 'E':
        out.append(Choose(s, internal::kEmoji));
        break;
      case 'D':
        schema::AppendInt(out, 1 + Below(s, 4999));
        break;
      default:
        break;
    }
    // A word opening a sentence inside the template ("... full. {N}, just {N}").
    if (at >= 2 && out[at - 1] == ' ' &&
        (out[at - 2] == '.' || out[at - 2] == '!' || out[at - 2] == '?')) {
      CapitalizeAt(out, at);
    }
    p = brace + 3;  // "{X}"
  }
}

// Bytes that force a CSV field into quotes (the reference files' rule).
constexpr std::array<bool, 256> MakeCsvSpecial() {
  std::array<bool, 256> t{};
  t[','] = t['"'] = t['\r'] = t['\n'] = true;
  return t;
}
constexpr std::array<bool, 256> kCsvSpecial = MakeCsvSpecial();

// schema::AppendCsvField, with a table-driven fast path for the common unquoted field.
void AppendCsv(std::string& out, std::string_view field) {
  for (char c : field) {
    if (kCsvSpecial[static_cast<unsigned char>(c)]) {
      schema::AppendCsvField(out, field);
      return;
    }
  }
  out.append(field);
}

// Malformed kinds by index; index 3 differs between the formats.
constexpr int kKindCount = 6;
constexpr std::string_view kCsvKinds[kKindCount] = {
    "bad_number", "bad_timestamp", "bad_bool", "column_count", "bad_hashtags", "missing_field"};
constexpr std::string_view kJsonlKinds[kKindCount] = {
    "bad_number", "bad_timestamp", "bad_bool", "malformed_json", "bad_hashtags", "missing_field"};
enum Kind {
  kValid = -1,
  kBadNumber = 0,
  kBadTimestamp,
  kBadBool,
  kStructure,
  kBadHashtags,
  kMissingText
};

// Variants of each kind; every one is rejected by a strict validator with that kind's reason.
constexpr std::string_view kBadNumberVariants[] = {"12x", "1,200", "NaN", "4.5k"};
constexpr std::string_view kBadTimestampVariants[] = {"2020-13-45 99:00:00", "2020-02-30 10:00:00",
                                                      "25-07-2020 12:27", "yesterday"};
constexpr std::string_view kBadBoolVariants[] = {"Maybe", "yes", "2", "Ture"};
constexpr std::string_view kBadHashtagVariants[] = {"['unclosed", "[COVID19]", "['COVID19', 42]"};

constexpr int64_t kFollowerCap = 130'000'000;
constexpr int64_t kFriendCap = 1'000'000;
constexpr int64_t kFavouriteCap = 2'500'000;
constexpr size_t kTextLimit = 118;  // bytes of body before "…", as the API truncated

}  // namespace

Generator::Generator(GeneratorOptions options) : options_(options), clock_(options.start_time) {
  options_.malformed_rate = std::clamp(options_.malformed_rate, 0.0, 1.0);
  if (!(options_.malformed_rate >= 0)) options_.malformed_rate = 0;  // NaN
  uint64_t x = options_.seed;
  for (uint64_t& word : rng_) word = SplitMix64(x);
  // The seed columns in the reference order, as the schema's field table lists them.
  for (const schema::ColumnInfo& c : schema::Columns().first(schema::kFieldCount)) {
    if (!header_.empty()) header_.push_back(',');
    header_.append(c.seed_name);
  }
  if (options_.engagement_label) header_ += ",engagement";
  hashtags_.reserve(4);
  GetTables();
}

std::string_view Generator::Terminator() const {
  return options_.format == GeneratorOptions::Format::kCsv ? "\r\n" : "\n";
}

std::vector<std::string_view> Generator::MalformedKinds(GeneratorOptions::Format format) {
  const auto& kinds = format == GeneratorOptions::Format::kCsv ? kCsvKinds : kJsonlKinds;
  return {std::begin(kinds), std::end(kinds)};
}

int64_t Generator::ExpectedMalformed(int64_t count, double rate) {
  rate = std::clamp(rate, 0.0, 1.0);
  if (!(rate >= 0) || count <= 0) return 0;
  return static_cast<int64_t>(std::floor(static_cast<double>(count) * rate));
}

void Generator::Compose() {
  uint64_t* s = rng_;
  const Tables& tables = GetTables();
  const bool drifted = options_.drift_after >= 0 && index_ >= options_.drift_after;

  // Event time: gaps of 0..20 s, mostly short, as in a busy hashtag stream.
  static constexpr uint8_t kGaps[16] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 4, 6, 0};
  uint32_t g = Below(s, 16);
  clock_ += g == 15 ? 6 + Below(s, 15) : kGaps[g];
  int64_t day = FloorDiv(clock_, 86400);
  if (day != cached_day_) {
    cached_day_ = day;
    FormatDay(day, day_prefix_);
  }
  std::copy(day_prefix_, day_prefix_ + 11, date_);
  int64_t second_of_day = clock_ - day * 86400;
  FormatClock(static_cast<unsigned>(second_of_day), date_ + 11);

  // The user.
  user_name_.clear();
  uint32_t name_kind = Below(s, 100);
  std::string_view first = Choose(s, internal::kFirstNames);
  std::string_view last = Choose(s, internal::kLastNames);
  if (name_kind < 50) {
    user_name_.append(first).append(" ").append(last);
  } else if (name_kind < 70) {
    AppendLower(user_name_, first.substr(0, 1 + Below(s, static_cast<uint32_t>(first.size()))));
    AppendLower(user_name_, last);
    if (Percent(s, 50)) schema::AppendInt(user_name_, Below(s, 2000));
  } else if (name_kind < 80) {
    user_name_.append(first).append(Percent(s, 50) ? " " : "").append(Choose(s, internal::kEmoji));
  } else if (name_kind < 90) {
    user_name_.append(Choose(s, internal::kOrganisations));
  } else if (name_kind < 95) {
    user_name_.append(first).append(" ").append(last).append(", PhD");
  } else {
    user_name_.append("Dr ").append(first).append(" ").append(last);
  }

  location_.assign(drifted ? tables.locations_after.Pick(s) : tables.locations_before.Pick(s));

  description_.clear();
  uint32_t desc_kind = Below(s, 100);
  if (desc_kind < 5) {
    // empty, like ~5% of the reference accounts
  } else if (desc_kind < 40) {
    description_.append(Choose(s, internal::kRoles))
        .append(" | ")
        .append(Choose(s, internal::kInterests))
        .append(" & ")
        .append(Choose(s, internal::kInterests));
  } else if (desc_kind < 65) {
    description_.append(Choose(s, internal::kRoles))
        .append(". Interested in ")
        .append(Choose(s, internal::kInterests))
        .append(", ")
        .append(Choose(s, internal::kInterests))
        .append(" and ")
        .append(Choose(s, internal::kInterests))
        .append(". Views my own.");
  } else if (desc_kind < 80) {
    description_.append(Choose(s, internal::kRoles))
        .append(" from ")
        .append(Choose(s, internal::kPlaces))
        .append(" ")
        .append(Choose(s, internal::kEmoji));
  } else if (desc_kind < 90) {
    description_.append("Official account of ")
        .append(Choose(s, internal::kOrganisations))
        .append(". News, ")
        .append(Choose(s, internal::kInterests))
        .append(" and updates: https://t.co/");
    AppendRandomAlnum(s, description_, 10);
  } else {
    description_.append("\"")
        .append(Choose(s, internal::kInterests))
        .append(" is life\" | ")
        .append(Choose(s, internal::kRoles));
  }

  // Account creation: a year weighted as in the reference file, a second within it, never
  // later than a day before the tweet.
  {
    std::string_view year_text = tables.created_years.Pick(s);
    int64_t year = (year_text[0] - '0') * 1000 + (year_text[1] - '0') * 100 +
                   (year_text[2] - '0') * 10 + (year_text[3] - '0');
    int64_t from = DaysFromCivil(year, year == 2006 ? 7 : 1, year == 2006 ? 15 : 1) * 86400;
    int64_t to =
        year == 2020 ? DaysFromCivil(2020, 7, 20) * 86400 : DaysFromCivil(year + 1, 1, 1) * 86400;
    int64_t created = from + static_cast<int64_t>(Below(s, static_cast<uint32_t>(to - from)));
    created = std::min(created, clock_ - 86400);
    FormatTimestamp(created, created_);
  }

  verified_ = Below(s, 1000) < 135;
  followers_ = HeavyTail15(s, verified_ ? 30000 : 700, kFollowerCap);
  friends_ = HeavyTail1(s, 476, kFriendCap);
  favourites_ = HeavyTail125(s, verified_ ? 400 : 1352, kFavouriteCap);

  // Hashtags.
  hashtags_.clear();
  if (!Percent(s, drifted ? 25 : 30)) {
    uint32_t n_draw = Below(s, 20);
    size_t n = n_draw < 12 ? 1 : n_draw < 17 ? 2 : n_draw < 19 ? 3 : 4;
    const Table& table = drifted ? tables.hashtags_after : tables.hashtags_before;
    for (size_t k = 0; k < n; ++k) {
      std::string_view tag = table.Pick(s);
      if (std::find(hashtags_.begin(), hashtags_.end(), tag) == hashtags_.end()) {
        hashtags_.push_back(tag);
      }
    }
  }

  // Text: optional mention, one or two sentences of a mood, inline hashtags, truncation and
  // a t.co link the way the API delivered them.
  text_.clear();
  uint32_t mood_draw = Below(s, 100);
  Mood mood = drifted ? (mood_draw < 15   ? Mood::kPositive
                         : mood_draw < 45 ? Mood::kNeutral
                                          : Mood::kNegative)
                      : (mood_draw < 35   ? Mood::kPositive
                         : mood_draw < 75 ? Mood::kNeutral
                                          : Mood::kNegative);
  auto sentence = [&](Mood m) {
    size_t at = text_.size();
    switch (m) {
      case Mood::kPositive:
        Expand(s, Choose(s, internal::kPositiveTemplates), text_);
        break;
      case Mood::kNeutral:
        Expand(s, Choose(s, internal::kNeutralTemplates), text_);
        break;
      case Mood::kNegative:
        Expand(s, Choose(s, internal::kNegativeTemplates), text_);
        break;
    }
    CapitalizeAt(text_, at);
  };
  if (Percent(s, 25)) text_.append(Choose(s, internal::kMentions)).append(" ");
  sentence(mood);
  if (Percent(s, 35)) {
    char end = text_.back();
    if ((end >= 'a' && end <= 'z') || (end >= 'A' && end <= 'Z') || (end >= '0' && end <= '9')) {
      text_.push_back('.');
    }
    uint32_t sep = Below(s, 10);
    text_.append(sep < 6 ? " " : sep < 8 ? "\n\n" : "\n");
    sentence(Percent(s, 50) ? mood : Mood::kNeutral);
  }
  if (!hashtags_.empty()) {
    text_.append(Percent(s, 70) ? " " : "\n");
    for (size_t k = 0; k < hashtags_.size(); ++k) {
      if (k > 0) text_.push_back(' ');
      text_.append("#").append(hashtags_[k]);
    }
  }
  bool link = Percent(s, 70);
  if (text_.size() > kTextLimit) {
    size_t cut = kTextLimit;
    while (cut > 0 && (static_cast<unsigned char>(text_[cut]) & 0xC0) == 0x80) --cut;
    text_.resize(cut);
    text_.append("…");
    link = true;
  }
  if (link) {
    text_.append(" https://t.co/");
    AppendRandomAlnum(s, text_, 10);
  }

  source_ = tables.sources.Pick(s);

  // Engagement: a probability from the features through a rational sigmoid (no exp()).
  int digits = 1;
  for (int64_t f = followers_; f >= 10; f /= 10) ++digits;
  int64_t hour = second_of_day / 3600;
  double score = -3.2 + 0.45 * digits + (verified_ ? 1.2 : 0) +
                 0.35 * static_cast<double>(hashtags_.size()) +
                 (mood == Mood::kPositive   ? 0.8
                  : mood == Mood::kNegative ? -0.4
                                            : 0) +
                 (hour >= 14 && hour < 22 ? 0.6 : 0);
  double p = 0.5 + 0.5 * score / (1 + std::fabs(score));
  engagement_ = OpenUnit(s) < p ? 1 : 0;
}

// The seed field each malformed kind damages (kStructure damages the record, not a field).
constexpr std::optional<schema::Field> kDamagedField[kKindCount] = {
    schema::Field::kUserFollowers, schema::Field::kDate, schema::Field::kUserVerified, std::nullopt,
    schema::Field::kHashtags,      schema::Field::kText};

template <size_t I>
void Generator::EmitField(std::string& o, bool csv, int kind, int64_t variant) {
  constexpr auto& def = schema::kColumnDef<I>;
  constexpr schema::ValueType type = std::remove_cvref_t<decltype(def)>::type;
  constexpr auto field = static_cast<schema::Field>(I);
  const bool damaged = kind != kValid && kDamagedField[kind] == field;
  if (damaged && kind == kMissingText && !csv && variant % 2 == 1) return;  // the key left out
  if (csv) {
    if constexpr (I > 0) o.push_back(',');
  } else {
    if (o.back() != '{') o.push_back(',');
    o.push_back('"');
    o.append(def.SeedName());
    o.append("\":");
  }
  // A damaged value: a string where the field's type wants something else, or nothing.
  auto put_string = [&](std::string_view v) {
    if (csv) {
      AppendCsv(o, v);
    } else {
      schema::AppendJsonString(o, v);
    }
  };
  if (damaged) {
    switch (kind) {
      case kBadNumber:
        return put_string(kBadNumberVariants[variant % std::size(kBadNumberVariants)]);
      case kBadTimestamp:
        return put_string(kBadTimestampVariants[variant % std::size(kBadTimestampVariants)]);
      case kBadBool:
        return put_string(kBadBoolVariants[variant % std::size(kBadBoolVariants)]);
      case kBadHashtags:
        if (csv) return put_string(kBadHashtagVariants[variant % std::size(kBadHashtagVariants)]);
        if (variant % 2 == 0) return put_string("['unclosed");
        o.append("[\"COVID19\",42]");
        return;
      default:  // kMissingText: an empty value
        return put_string({});
    }
  }
  if constexpr (type == schema::ValueType::kString) {
    if constexpr (field == schema::Field::kUserName) put_string(user_name_);
    if constexpr (field == schema::Field::kUserLocation) put_string(location_);
    if constexpr (field == schema::Field::kUserDescription) put_string(description_);
    if constexpr (field == schema::Field::kText) put_string(text_);
    if constexpr (field == schema::Field::kSource) put_string(source_);
  } else if constexpr (type == schema::ValueType::kTimestamp) {
    // "YYYY-MM-DD HH:MM:SS", formatted when the tweet was composed.
    put_string({field == schema::Field::kDate ? date_ : created_, 19});
  } else if constexpr (type == schema::ValueType::kInt64) {
    schema::AppendInt(o, field == schema::Field::kUserFollowers ? followers_
                         : field == schema::Field::kUserFriends ? friends_
                                                                : favourites_);
  } else if constexpr (type == schema::ValueType::kBool) {
    // Retweets are never generated (the reference files hold none).
    const bool v = field == schema::Field::kUserVerified && verified_;
    o.append(csv ? (v ? "True" : "False") : (v ? "true" : "false"));
  } else if constexpr (type == schema::ValueType::kStringList) {
    if (!csv) {
      o.push_back('[');
      for (size_t k = 0; k < hashtags_.size(); ++k) {
        if (k > 0) o.push_back(',');
        schema::AppendJsonString(o, hashtags_[k]);
      }
      o.push_back(']');
    } else if (!hashtags_.empty()) {
      // "['COVID19', 'Vaccine']": quoted as a CSV field when it has a comma.
      const bool quoted = hashtags_.size() > 1;
      if (quoted) o.push_back('"');
      o.push_back('[');
      for (size_t k = 0; k < hashtags_.size(); ++k) {
        if (k > 0) o.append(", ");
        o.push_back('\'');
        o.append(hashtags_[k]);
        o.push_back('\'');
      }
      o.push_back(']');
      if (quoted) o.push_back('"');
    }
  } else {
    static_assert(I >= schema::kFieldCount, "a seed field type the generator does not write");
  }
}

void Generator::Emit(std::string* out, int kind) {
  std::string& o = *out;
  const bool csv = options_.format == GeneratorOptions::Format::kCsv;
  const int64_t m = stats_.malformed - 1;  // index of this malformed record, when kind != kValid
  const int64_t variant = kind == kValid ? 0 : m / kKindCount;
  if (!csv && kind == kStructure && variant % 2 == 1) {
    // Valid JSON, but an array where the record must be an object.
    o.append("[");
    schema::AppendJsonString(o, user_name_);
    o.append(",");
    schema::AppendJsonString(o, text_);
    o.append("]");
    return;
  }
  if (!csv) o.push_back('{');
  // The seed fields in the table's order, under its names, each written by its type.
  [&]<size_t... I>(std::index_sequence<I...>) { (EmitField<I>(o, csv, kind, variant), ...); }
  (std::make_index_sequence<schema::kFieldCount>{});
  if (options_.engagement_label) {
    o.append(csv ? (engagement_ ? ",1" : ",0")
                 : (engagement_ ? ",\"engagement\":1" : ",\"engagement\":0"));
  }
  if (kind == kStructure) {
    if (!csv) return;  // the object is never closed
    if (variant % 2 == 0) {
      o.resize(o.rfind(','));  // one field short
    } else {
      o.append(",extra");  // one field too many
    }
    return;
  }
  if (!csv) o.push_back('}');
}

void Generator::Next(std::string* record) {
  Compose();
  const double rate = options_.malformed_rate;
  const double i = static_cast<double>(index_);
  int kind = kValid;
  if (rate > 0 && std::floor((i + 1) * rate) > std::floor(i * rate)) {
    kind = static_cast<int>(stats_.malformed % kKindCount);
    ++stats_.malformed;
    bool csv = options_.format == GeneratorOptions::Format::kCsv;
    last_kind_ = csv ? kCsvKinds[kind] : kJsonlKinds[kind];
    ++stats_.malformed_by_kind[std::string(last_kind_)];
  } else {
    last_kind_ = {};
  }
  Emit(record, kind);
  ++stats_.records;
  ++index_;
}

Result<GeneratorStats> Generate(const GeneratorOptions& options, int fd) {
  constexpr size_t kFlushAt = 1 << 20;
  Generator gen(options);
  std::string buffer;
  buffer.reserve(kFlushAt + (64 << 10));
  int64_t bytes = 0;
  auto flush = [&]() -> Status {
    RETURN_IF_ERROR(WriteFull(fd, buffer, "generated tweets"));
    bytes += static_cast<int64_t>(buffer.size());
    buffer.clear();
    return Status::Ok();
  };
  const std::string_view terminator = gen.Terminator();
  if (options.format == GeneratorOptions::Format::kCsv) {
    buffer.append(gen.Header());
    buffer.append(terminator);
  }
  for (int64_t i = 0; i < options.count; ++i) {
    gen.Next(&buffer);
    buffer.append(terminator);
    if (buffer.size() >= kFlushAt) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  GeneratorStats stats = gen.stats();
  stats.bytes = bytes;
  return stats;
}

}  // namespace covidflow::ingest
