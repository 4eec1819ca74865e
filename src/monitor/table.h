#pragma once
// The samples `monitor drift` compares: a table of named columns read from a file or a lake
// date range, and the choice of how each column is compared (numeric, categorical, or not at
// all), made as Evidently 0.7 infers it from the current data.
//
// Sources (SRC):
//   FILE.csv            header row, RFC 4180 (schema's splitter)
//   FILE.jsonl / .json  one flat JSON object per line
//   FILE.parquet        one lake data file
//   lake:DIR[?from=YYYY-MM-DD][&to=YYYY-MM-DD]   the lake's committed files in the range
// A lake source holds the columns the pipeline derives, not the raw text: sentiment scores
// and label, enricher, location, user figures, the model's answer when `process --model`
// scored the stream (a classifier's model_label, model_confidence, a regression model's
// model_value; missing for a tweet no model of that kind scored, and in files of a schema
// version without them), and `text_length` (code points of the text) and
// `hashtag_count` computed here. The stream's tables (AppendEnriched) also hold
// `model_oov_rate`, the share of the text's words outside the scoring model's vocabulary
// (EnrichedTweet::prediction.oov_rate); the lake does not store it, so it is missing in every
// lake row (and left out of a comparison with a lake sample).
//
// Cell types as pandas reads a CSV: a column whose every present value is an integer is int
// (but float when a value is missing, as pandas makes it), a column of numbers is float,
// True/False is bool, anything else is string; an empty cell is missing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "monitor/drift.h"
#include "schema/tweet.h"

namespace covidflow::monitor {

enum class CellType : uint8_t { kInt, kFloat, kBool, kString };

struct TableColumn {
  std::string name;
  CellType type = CellType::kString;
  std::vector<double> numbers;       // kInt, kFloat, kBool (0/1); NaN = missing
  std::vector<std::string> strings;  // kString
  std::vector<uint8_t> present;      // kString: 0 = missing
};

struct Table {
  size_t rows = 0;
  std::vector<TableColumn> columns;
  const TableColumn* Find(std::string_view name) const;
};

// Reads SRC (see the header comment). kInvalidArgument for an unknown source form, a
// malformed file, or a lake range with no rows; kNotFound for a missing file.
Result<Table> ReadTable(const std::string& source);
// The same from bytes already read (a file of a model artifact): `name` ends in .csv, .jsonl,
// .json or .parquet and names the bytes in errors.
Result<Table> ReadTableBytes(const std::string& name, std::string_view data);

// `table` as JSON lines that ReadTable reads back to the same columns, types and values
// (floats always written as JSON floats, a missing value as null).
std::string TableJsonLines(const Table& table);

// Appends one enriched tweet (a record of the processor's output topic) as a row of the
// columns a lake source holds, in the same order and types: a window of the stream and the
// same rows read back from the lake are the same table. `table` starts empty.
void AppendEnriched(const schema::EnrichedTweet& t, Table* table);

// How a column is compared, from its type and the current data (Evidently's inference):
// float → numeric; int → categorical with at most 10 distinct values, else numeric; bool →
// categorical; string → text (not compared; derive figures from it) when more than half its
// present values are distinct, else categorical.
enum class Usage : uint8_t { kNumeric, kCategorical, kText };
Usage InferUsage(const TableColumn& current);
std::string_view UsageName(Usage usage);

// The two sides of the chosen columns, ready for CompareColumns: categories share one
// dictionary per column. `columns` empty = every column both tables have whose usage is not
// text and that has a value on both sides (a stream no model scored has no model_label), in
// the current table's order. A named column missing from a side, or named but text, is
// kInvalidArgument.
struct PreparedSamples {
  std::vector<ReferenceColumn> reference;
  std::vector<ColumnSample> current;  // views into the storage below
  std::vector<std::string> skipped;   // text columns left out, for the report
  std::vector<std::string> empty;     // columns with no value on a side, left out

  // Storage the samples point into.
  std::vector<std::vector<int32_t>> current_codes;
  std::vector<std::vector<std::string>> dictionaries;
  std::vector<std::vector<double>> current_numbers;
};
Result<PreparedSamples> PrepareSamples(const Table& reference, const Table& current,
                                       const std::vector<std::string>& columns);

}  // namespace covidflow::monitor
