// libFuzzer target: any bytes given to our Parquet reader yield rows or a Status, never a
// crash, hang or sanitizer report. Seed corpus: files written by lake_interop_driver.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lake/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto rows = covidflow::lake::ReadFileBytes(bytes);
  if (rows.ok() && !rows->empty()) {
    // Touch the values so a bad view or length shows up under the sanitizers.
    volatile size_t sink = rows->front().tweet.text.size() + rows->back().tweet.hashtags.size();
    (void)sink;
  }
  return 0;
}
