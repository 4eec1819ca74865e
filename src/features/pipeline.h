#pragma once
// The one feature pipeline: named columns of rows (a Table) → a SparseRows feature matrix.
// Training fits it on the training rows (vocabularies, idf, scalers); the fitted state is
// saved with the model (ToJson) and loaded back by predict, the stream and serving
// (FromJson), and Transform gives the same vectors on both paths.
//
// Blocks, each with its own column range in the order the definitions are given:
//   text        hashed word and char_wb n-grams of the normalised tweet (the char n-grams
//               optionally of its lower-cased white-space tokens; features/text.h),
//               each part tf-idf weighted (smooth idf, sublinear tf optional) over the
//               buckets seen in at least min_df training rows, and L2-normalised
//   vader       VADER's neg, neu, pos, compound of the column (enrich/vader.h), standardised
//   text_counts the ten counts of features/text.h, log1p then standardised
//   numeric     the value parsed as a number, standardised (empty or bad → the mean)
//   boolean     1 for true/True/TRUE/1/yes, else 0
//   categorical one column per training value seen at least min_count times
//   hour, weekday  one-hot of the UTC hour (24) or weekday (7, Monday first) of a time column
//
// Threads: a fitted Pipeline is immutable; Transform may be called from many threads.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "features/sparse_rows.h"
#include "features/table.h"

namespace covidflow::features {

enum class FeatureKind {
  kText,
  kVader,
  kTextCounts,
  kNumeric,
  kBoolean,
  kCategorical,
  kHour,
  kWeekday
};

// "text", "vader", ... ; kInvalidArgument naming the known kinds.
Result<FeatureKind> ParseFeatureKind(std::string_view name);
std::string_view FeatureKindName(FeatureKind kind);

struct FeatureDef {
  std::string name;
  FeatureKind kind = FeatureKind::kText;
  std::string column;
  // text
  int word_min = 1;
  int word_max = 2;
  int char_min = 2;
  int char_max = 5;
  int hash_bits = 20;
  int min_df = 2;
  bool sublinear_tf = true;
  // Where character n-grams come from: "tweet", NormalizeTweet's tokens (as word n-grams
  // always do); "whitespace", LowercaseTokens' (features/text.h).
  std::string char_tokens = "tweet";
  // categorical
  int min_count = 1;
  // hour, weekday: how the column's times are written (schema/time.h notation)
  std::string time_format = "%Y-%m-%d %H:%M:%S";

  // kInvalidArgument naming the field when an option is out of range.
  Status Validate() const;
};

class Block;

class Pipeline {
 public:
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  // Fits every block on `rows`. kInvalidArgument when a feature's column is absent or empty
  // in every row ("feature 'f': column 'c' is missing everywhere"). `seed` seeds the n-gram
  // hashing and is saved.
  static Result<Pipeline> Fit(const std::vector<FeatureDef>& defs, const Table& rows,
                              uint64_t seed);
  // The fitted state, and the inverse. FromJson checks what it reads (kCorruption).
  nlohmann::json ToJson() const;
  static Result<Pipeline> FromJson(const nlohmann::json& state);

  // kInvalidArgument when a column the pipeline reads is not in `rows`.
  Result<SparseRows> Transform(const Table& rows) const;
  // The rows [begin, end) of `rows` into `out`, which is cleared first and keeps its
  // capacity: a caller that scores a large table a slice at a time reuses one buffer that
  // stays in cache instead of building the whole matrix. Same vectors as Transform.
  Status TransformRange(const Table& rows, size_t begin, size_t end, SparseRows& out) const;

  int32_t cols() const { return cols_; }
  const std::vector<FeatureDef>& defs() const { return defs_; }
  // The first column of each definition's block, in the order of defs(); a block ends where
  // the next one begins (the last at cols()).
  const std::vector<int32_t>& offsets() const { return offsets_; }
  // The input columns the pipeline reads, without duplicates.
  std::vector<std::string> InputColumns() const;

  // The out-of-vocabulary rate of each row: the share of the text's words the fitted pipeline
  // does not know, for the first text feature with word n-grams: its word n-grams of the
  // lowest order (unigrams by default), hashed as Transform hashes them, whose bucket is not
  // a column (seen in fewer than min_df training rows). 0 = every word known; NaN for a row
  // without a word. A hashed vocabulary: a new word sharing a kept word's bucket counts as
  // known. kNotFound when no text feature has word n-grams; kInvalidArgument when its column
  // is not in `rows`.
  Result<std::vector<double>> OutOfVocabulary(const Table& rows) const;

 private:
  Pipeline();

  std::vector<FeatureDef> defs_;
  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<int32_t> offsets_;
  int32_t cols_ = 0;
  uint64_t seed_ = 0;
};

}  // namespace covidflow::features
