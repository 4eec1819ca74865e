#pragma once
// `covidflow sentiment`: scores text lines or one column of a CSV and writes one JSON
// object per input line or row. The CLI parses the flags and opens the file; this is the
// whole behaviour behind them, and the entry point of the parity test.
#include <iosfwd>
#include <string>
#include <vector>

#include "base/status.h"

namespace covidflow::enrich {

struct SentimentCommandOptions {
  std::string enricher = "vader";  // a name from ListEnrichers()
  enum class Format { kLines, kCsv } format = Format::kLines;
  std::string column = "text";  // CSV only: the header name of the column to score
};

// Parses [--enricher NAME] [--column NAME] [--format lines|csv] [FILE]; returns the file
// name in `file` (empty: standard input). kInvalidArgument for anything else.
Result<SentimentCommandOptions> ParseSentimentArgs(const std::vector<std::string>& args,
                                                   std::string& file);

// Reads `in` and writes to `out`, one line per input line (lines format; a trailing CR is
// dropped) or per CSV row after the header (a row without the column is skipped and counted
// on `err`):
//   {"text":"...","neg":0.0,"neu":0.517,"pos":0.483,"compound":0.6369,
//    "positive":0.48...,"neutral":0.51...,"negative":0.0,"label":"positive","enricher":"vader"}
// neg/neu/pos/compound are VADER's rounded numbers (present for the vader enricher only);
// positive/neutral/negative/label are the cloud-API shape (see vader.h). Text that is not
// valid UTF-8 is repaired (U+FFFD) before it is scored and written.
// Returns 0 on success, 1 when the enricher or the column does not exist (message on err).
int RunSentimentCommand(const SentimentCommandOptions& options, std::istream& in, std::ostream& out,
                        std::ostream& err);

}  // namespace covidflow::enrich
