#pragma once
// `covidflow sentiment`: scores text lines or one column of a CSV and writes one JSON
// object per input line or row. The CLI parses the flags (the settings table, src/config) and
// opens the file; this is the whole behaviour behind them.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "base/status.h"
#include "enrich/enricher.h"

namespace covidflow::enrich {

struct SentimentCommandOptions {
  // A name from ListEnrichers(): the composition root (app::MakeEnricher) builds it and passes
  // it to RunSentimentCommand.
  std::string enricher = "vader";
  enum class Format { kLines, kCsv } format = Format::kLines;
  // The header name of the column to score: CSV only ("" = "text"); with kLines it must be "".
  std::string column;
  bool list = false;  // the CLI prints ListEnrichers() instead of scoring
  // A line or CSV value longer than this is skipped and counted, not scored: scoring holds
  // several copies of the text (parse.max_field_bytes, as in the processor).
  size_t max_field_bytes = 1 << 20;
};

// Calls `fn` with the value of `column` in every row after the header of the CSV read from
// `in` in chunks (split by schema's RFC 4180 splitter; a UTF-8 byte-order mark before the
// header is ignored), in order. Rows without the column, empty lines and records that are not valid
// CSV are skipped and counted in *skipped. kInvalidArgument when there is no header or it
// lacks the column.
Status ForEachCsvValue(std::istream& in, std::string_view column,
                       const std::function<void(std::string_view)>& fn, int64_t* skipped);

// Calls `fn` with every line of `in` (a trailing CR dropped; a last line without a newline
// too unless it is empty), in order, holding at most `max_bytes` of one line: a longer line is
// skipped to its end and counted in *too_long.
void ForEachLine(std::istream& in, size_t max_bytes,
                 const std::function<void(std::string_view)>& fn, int64_t* too_long);

// Reads `in` and writes to `out`, one line per input line (see ForEachLine) or per CSV row
// after the header (see ForEachCsvValue); lines and values over options.max_field_bytes and
// skipped rows are counted on `err`:
//   {"text":"...","neg":0.0,"neu":0.517,"pos":0.483,"compound":0.6369,
//    "positive":0.48...,"neutral":0.51...,"negative":0.0,"label":"positive","enricher":"vader"}
// neg/neu/pos/compound are VADER's rounded numbers (present for the vader enricher only);
// positive/neutral/negative/label are the cloud-API shape (see vader.h). Text that is not
// valid UTF-8 is repaired (U+FFFD) before it is scored and written.
// Scores with `enricher` (options.enricher is not read here).
// Returns 0 on success, 1 when the column does not exist or `in` could not be read (message on
// err), 2 when options.column is given with the lines format.
int RunSentimentCommand(const Enricher& enricher, const SentimentCommandOptions& options,
                        std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace covidflow::enrich
