// libFuzzer target: arbitrary bytes through the JSON reader. Build with -DCF_FUZZ=ON (clang);
// crashes found are kept in corpus/json/regressions/ and replayed by
// schema_fuzz_regressions_test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "json_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broke = covidflow::schema::fuzz::FuzzJsonBytes(data, size);
  if (!broke.empty()) {
    std::fprintf(stderr, "invariant broken: %s\n", broke.c_str());
    std::abort();
  }
  return 0;
}
