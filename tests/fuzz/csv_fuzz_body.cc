#include "csv_fuzz_body.h"

#include <optional>
#include <string_view>

#include "csv_fuzz_invariants.h"
#include "schema/csv.h"

namespace covidflow::schema::fuzz {

namespace {

constexpr std::string_view kHeader =
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet";

}  // namespace

std::string FuzzCsvBytes(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const CsvLayout reference = *CsvLayout::FromHeader(kHeader, ColumnMapping());
  static const ColumnMapping free_mapping = *ColumnMapping::Parse("user_name=a,date=b,text=c");

  ParseOptions repair;
  repair.keep_extra_columns = true;
  repair.max_field_bytes = 4096;
  ParseOptions reject = repair;
  reject.utf8 = Utf8Policy::kReject;
  ParseOptions free_options = repair;
  free_options.mapping = free_mapping;

  CsvSplitter splitter(input);
  std::string_view record;
  size_t last = 0;
  bool first = true;
  Tweet tweet;
  std::optional<Result<CsvLayout>> free_layout;
  while (splitter.Next(&record)) {
    // Records lie inside the input, in order, and the position only moves forward.
    if (record.data() < input.data() + last || record.data() + record.size() > input.end() ||
        splitter.position() <= last || splitter.position() > size) {
      return "splitter returned a record outside the input or went backwards";
    }
    last = splitter.position();
    if (first) {
      free_layout.emplace(CsvLayout::FromHeader(record, free_mapping));
      first = false;
      continue;
    }
    for (const ParseOptions* o : {&repair, &reject}) {
      if (auto err = ParseCsvRecord(record, reference, *o, &tweet)) {
        if (auto broke = CheckRejected(record, *err); !broke.empty()) return broke;
      } else if (auto broke = CheckParsed(tweet, *o); !broke.empty()) {
        return broke;
      }
    }
    if (free_layout->ok()) {
      if (auto err = ParseCsvRecord(record, **free_layout, free_options, &tweet)) {
        if (auto broke = CheckRejected(record, *err); !broke.empty()) return broke;
      } else if (auto broke = CheckParsed(tweet, free_options); !broke.empty()) {
        return broke;
      }
    }
  }
  if (splitter.position() != size) return "splitter stopped before the end of the input";
  return "";
}

}  // namespace covidflow::schema::fuzz
