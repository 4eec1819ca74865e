#pragma once
// Test and benchmark helper: reads a whole CSV buffer the way the file source and the
// processor do together (split, first record = header, blank lines skipped, every other
// record parsed or rejected) and counts the outcomes.
#include <map>
#include <string>
#include <string_view>

#include "schema/csv.h"

namespace covidflow::schema::testing {

struct ReadCounts {
  Status header = Status::Ok();  // the layout's status; on error nothing else is read
  size_t records = 0;            // non-blank records after the header
  size_t parsed = 0;
  size_t repaired = 0;                     // parsed with Tweet::utf8_repaired
  std::map<std::string, size_t> rejected;  // by ReasonName
  size_t rejected_total() const {
    size_t n = 0;
    for (const auto& [reason, count] : rejected) n += count;
    return n;
  }
};

// `each` is called with every parsed tweet.
template <typename Fn>
ReadCounts ReadAllCsv(std::string_view data, const ParseOptions& options, Fn&& each) {
  ReadCounts c;
  CsvSplitter splitter(data);
  std::string_view record;
  if (!splitter.Next(&record)) {
    c.header = Status::InvalidArgument("empty input: no header record");
    return c;
  }
  Result<CsvLayout> layout = CsvLayout::FromHeader(record, options.mapping);
  if (!layout.ok()) {
    c.header = layout.status();
    return c;
  }
  Tweet tweet;
  while (splitter.Next(&record)) {
    if (record.empty()) continue;
    ++c.records;
    if (auto err = ParseCsvRecord(record, *layout, options, &tweet)) {
      ++c.rejected[std::string(ReasonName(err->reason))];
    } else {
      ++c.parsed;
      c.repaired += tweet.utf8_repaired;
      each(tweet);
    }
  }
  return c;
}

inline ReadCounts ReadAllCsv(std::string_view data, const ParseOptions& options) {
  return ReadAllCsv(data, options, [](const Tweet&) {});
}

}  // namespace covidflow::schema::testing
