#pragma once
// The tweet of DESIGN.md, as the reference stream carries it, and what the processor
// turns it into: an EnrichedTweet or a DeadLetter, never neither.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ids.h"

namespace covidflow::schema {

// Seconds since the Unix epoch, UTC. The reference stream writes "2020-07-25 11:28:59".
struct Timestamp {
  int64_t seconds = 0;
  auto operator<=>(const Timestamp&) const = default;
};

struct Tweet {
  std::string user_name;
  std::string user_location;     // free text, may be empty
  std::string user_description;  // may be empty
  Timestamp user_created;
  int64_t user_followers = 0;
  int64_t user_friends = 0;
  int64_t user_favourites = 0;
  bool user_verified = false;
  Timestamp date;  // the tweet's time: event time for windows and splits
  std::string text;
  std::vector<std::string> hashtags;  // "['COVID19', 'Vaccine']" in the stream
  std::string source;
  bool is_retweet = false;
  // Columns beyond the seed schema kept by configuration (name, raw value).
  std::vector<std::pair<std::string, std::string>> extra;
  // True when invalid UTF-8 bytes were replaced by U+FFFD under the "repair" rule.
  bool utf8_repaired = false;
};

// What enrichment adds. Scores have the shape a cloud sentiment API returns.
struct Sentiment {
  double positive = 0;  // positive + neutral + negative == 1
  double neutral = 0;
  double negative = 0;
  double compound = 0;  // in [-1, 1]
  enum class Label { kNegative, kNeutral, kPositive } label = Label::kNeutral;
};

struct Location {
  std::string country;  // ISO 3166-1 alpha-2, empty when unresolved
  std::string region;   // first-level region code where resolved, else empty
  double confidence = 0;
};

// What a served model says about the tweet (process --model). Empty `model`: not scored.
struct ModelPrediction {
  std::string model;      // "NAME/VERSION" of the registry version, or NAME for a directory's model
  std::string label;      // the most probable class; empty for a regression model
  double confidence = 0;  // the label's probability; 0 for a regression model
  // A regression model's predicted value (`label` then empty); 0 for a classifier.
  double value = 0;
  // Every class's probability as a JSON object, in the model's class order:
  // {"negative":0.1,"neutral":0.2,"positive":0.7} (the class set is the model's, so a column of
  // its own per class would change the schema with every model).
  std::string probabilities;  // empty for a regression model
  // The share of the text's words outside the model's vocabulary (its first word n-gram text
  // feature; features::Pipeline::OutOfVocabulary); nullopt when the model has none or the
  // text has no word. Not a lake column: the monitor watches it on the stream.
  std::optional<double> oov_rate;
};

struct EnrichedTweet {
  Tweet tweet;
  Sentiment sentiment;
  std::string enricher;  // "none", "vader", or "model@version"
  Location location;
  SourcePosition source;
  int64_t ingest_time_ms = 0;
  ModelPrediction prediction;
};

// Why a record was rejected. Codes are stable: they appear in dead letters and metrics.
enum class Reason {
  kMalformedCsv,   // unterminated quote, stray quote, bad row structure
  kMalformedJson,  // not a JSON object, syntax error
  kColumnCount,    // a CSV row with more or fewer fields than the header
  kMissingField,   // a required field is absent or empty
  kBadNumber,      // a count that is not a non-negative int64
  kBadTimestamp,   // not a valid "YYYY-MM-DD HH:MM:SS" (or the configured format)
  kBadBool,        // not True/False
  kBadHashtags,    // not a Python-list literal of strings
  kInvalidUtf8,    // invalid UTF-8 under the "reject" rule
  kFieldTooLarge,  // a field over the configured byte limit
  kOutOfRange,     // a value outside its allowed range (e.g. a date in the future)
  kEmptyRecord,    // an empty or all-empty row
  kUnknownFormat,  // a record whose content type the processor cannot read
  kUnknownHeader,  // a CSV record whose csv-header lacks columns the column mapping reads
};
std::string_view ReasonName(Reason reason);  // "bad_timestamp"
// The inverse of ReasonName; false when `name` is not a reason.
bool ReasonFromName(std::string_view name, Reason* reason);
inline constexpr int kReasonCount = static_cast<int>(Reason::kUnknownHeader) + 1;

// The 13 fields of the seed schema, in the reference files' column order.
enum class Field : uint8_t {
  kUserName,
  kUserLocation,
  kUserDescription,
  kUserCreated,
  kUserFollowers,
  kUserFriends,
  kUserFavourites,
  kUserVerified,
  kDate,
  kText,
  kHashtags,
  kSource,
  kIsRetweet,
};
inline constexpr size_t kFieldCount = 13;
// The seed column name of a field ("user_followers"): CSV header names and JSON keys.
std::string_view FieldName(Field field);
// The field whose seed column name is `name`; false when there is none.
bool FieldFromName(std::string_view name, Field* field);

struct DeadLetter {
  std::string raw;  // the record's bytes exactly as consumed
  Reason reason;
  std::string message;  // for a person: "field 'date': '2020-13-01 00:00:00' is not a valid month"
  std::string field;    // the offending field, if any
  SourcePosition source;
  int64_t ingest_time_ms = 0;
};

}  // namespace covidflow::schema
