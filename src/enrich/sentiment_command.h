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

namespace covidflow::enrich {

struct SentimentCommandOptions {
  std::string enricher = "vader";  // a name from ListEnrichers()
  enum class Format { kLines, kCsv } format = Format::kLines;
  std::string column = "text";  // CSV only: the header name of the column to score
};

// Calls `fn` with the value of `column` in every row after the header of the CSV read from
// `in` in chunks (split by schema's RFC 4180 splitter; a UTF-8 byte-order mark before the
// header is ignored), in order. Rows without the column, empty lines and records that are not valid
// CSV are skipped and counted in *skipped. kInvalidArgument when there is no header or it
// lacks the column.
Status ForEachCsvValue(std::istream& in, std::string_view column,
                       const std::function<void(std::string_view)>& fn, int64_t* skipped);

// Reads `in` and writes to `out`, one line per input line (lines format; a trailing CR is
// dropped) or per CSV row after the header (see ForEachCsvValue; skipped rows are counted on
// `err`):
//   {"text":"...","neg":0.0,"neu":0.517,"pos":0.483,"compound":0.6369,
//    "positive":0.48...,"neutral":0.51...,"negative":0.0,"label":"positive","enricher":"vader"}
// neg/neu/pos/compound are VADER's rounded numbers (present for the vader enricher only);
// positive/neutral/negative/label are the cloud-API shape (see vader.h). Text that is not
// valid UTF-8 is repaired (U+FFFD) before it is scored and written.
// Returns 0 on success, 1 when the enricher or the column does not exist (message on err).
int RunSentimentCommand(const SentimentCommandOptions& options, std::istream& in, std::ostream& out,
                        std::ostream& err);

}  // namespace covidflow::enrich
