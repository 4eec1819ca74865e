#include "json_fuzz_body.h"

#include <string_view>

#include "csv_fuzz_invariants.h"
#include "schema/parse.h"

namespace covidflow::schema::fuzz {

std::string FuzzJsonBytes(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseOptions repair;
  repair.keep_extra_columns = true;
  repair.max_field_bytes = 4096;
  ParseOptions reject = repair;
  reject.utf8 = Utf8Policy::kReject;
  Tweet tweet;
  for (const ParseOptions* o : {&repair, &reject}) {
    if (auto err = ParseJsonRecord(input, *o, &tweet)) {
      if (auto broke = CheckRejected(input, *err); !broke.empty()) return broke;
    } else if (auto broke = CheckParsed(tweet, *o); !broke.empty()) {
      return broke;
    }
  }
  return "";
}

}  // namespace covidflow::schema::fuzz
