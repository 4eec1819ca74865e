#pragma once
// The synthetic tweet stream: records in the seed schema of DESIGN.md, byte-compatible with
// the reference CSV files (same header, CRLF terminators, same quoting and value formats) or
// as JSON lines, with realistic distributions and the scenario knobs later stages need
// (a drift point, an engagement label, a rate of malformed records of known kinds).
//
// Output is a pure function of the options: the same options give the same bytes on every
// run and every machine. The generator uses its own PRNG (xoshiro256**) and only integer
// and correctly rounded floating-point operations (+ - * / sqrt), never std:: distributions
// or libm transcendentals, whose results differ between implementations.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::ingest {

// 2020-07-25 06:00:00 UTC, the morning of the reference file.
inline constexpr int64_t kDefaultStartTime = 1595656800;

struct GeneratorOptions {
  int64_t count = 1000;
  uint64_t seed = 1;
  enum class Format { kCsv, kJsonl } format = Format::kCsv;
  // After this many tweets the sentiment mix turns negative, the hashtag "SecondWave" rises
  // to the top and the location mix moves (-1 = never).
  int64_t drift_after = -1;
  // Share of deliberately malformed records, in [0, 1]. Record i (0-based) is malformed when
  // floor((i + 1) * rate) > floor(i * rate), so the first n records hold exactly
  // ExpectedMalformed(n, rate) of them; kinds rotate in MalformedKinds() order.
  double malformed_rate = 0;
  // Adds an "engagement" column (0/1) drawn from a probability that rises with followers,
  // verification, hashtags, positive words and afternoon hours.
  bool engagement_label = false;
  // Event time (seconds since the Unix epoch, UTC) of the first tweet; later tweets follow
  // with gaps of 0 to 20 seconds. Must be after 2006-03-21 for the records to be valid.
  int64_t start_time = kDefaultStartTime;
};

struct GeneratorStats {
  int64_t records = 0;  // all records written, malformed included
  int64_t malformed = 0;
  // Keyed by the reason name the validator gives the record (schema::ReasonName).
  std::map<std::string, int64_t> malformed_by_kind;
  int64_t bytes = 0;  // everything written, header and terminators included
};

// Writes the header (CSV only) and `options.count` records, each with its terminator, to the
// POSIX file descriptor `fd` in large writes. Does not close `fd`.
Result<GeneratorStats> Generate(const GeneratorOptions& options, int fd);

// The incremental interface, for producers and benchmarks that need no file.
// Not thread-safe; one instance per thread.
class Generator {
 public:
  explicit Generator(GeneratorOptions options);

  // The CSV header record without its terminator (with ",engagement" when enabled). JSONL
  // has no header, but the same column names are the keys of every object.
  std::string_view Header() const { return header_; }
  // "\r\n" for CSV, "\n" for JSONL.
  std::string_view Terminator() const;

  // Appends the next record, without terminator, to `record`. Never fails; `options.count`
  // is not enforced here.
  void Next(std::string* record);

  // Kind of the record Next produced last ("" when it is valid).
  std::string_view last_malformed_kind() const { return last_kind_; }
  // Counts over the records produced so far; `bytes` stays 0 (Generate fills it in).
  const GeneratorStats& stats() const { return stats_; }

  // The kinds of malformed record, in rotation order, as reason names ("bad_number", ...).
  static std::vector<std::string_view> MalformedKinds(GeneratorOptions::Format format);
  // How many of the first `count` records are malformed at `rate`.
  static int64_t ExpectedMalformed(int64_t count, double rate);

 private:
  void Compose();
  // Appends the composed tweet as one record (`kind`: valid, or which malformed kind).
  void Emit(std::string* out, int kind);
  // Appends seed field I (schema/fields.h) of the record: separator or key, then its value.
  template <size_t I>
  void EmitField(std::string& o, bool csv, int kind, int64_t variant);

  GeneratorOptions options_;
  std::string header_;
  GeneratorStats stats_;
  std::string_view last_kind_;
  int64_t index_ = 0;
  uint64_t rng_[4];  // xoshiro256** state
  int64_t clock_;    // event time of the current tweet
  int64_t cached_day_ = -1;
  char day_prefix_[11];  // "YYYY-MM-DD " of cached_day_

  // The record under construction; buffers are reused across records.
  std::string user_name_;
  std::string location_;
  std::string description_;
  std::string text_;
  std::vector<std::string_view> hashtags_;
  char created_[19];
  char date_[19];
  int64_t followers_ = 0;
  int64_t friends_ = 0;
  int64_t favourites_ = 0;
  bool verified_ = false;
  std::string_view source_;
  int engagement_ = 0;
};

}  // namespace covidflow::ingest
