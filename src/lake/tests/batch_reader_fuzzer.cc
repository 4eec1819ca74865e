// libFuzzer target: any bytes given to the batch reader yield batches or a Status, never a
// crash, hang or sanitizer report. Seed corpus: files written by lake_interop_driver.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lake/batch_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto reader = covidflow::lake::BatchReader::OpenBytes(bytes, {{}, "", "", 97});
  if (!reader.ok()) return 0;
  covidflow::lake::ColumnBatch batch;
  while (true) {
    auto more = (*reader)->NextInto(&batch);
    if (!more.ok() || !*more) break;
    // Touch the values so a bad view or length shows up under the sanitizers.
    for (const auto& c : batch.columns) {
      volatile size_t sink = c.bytes.size() + c.ints.size() + c.offsets.back();
      if (c.offsets.size() > 1) sink = sink + c.String(c.offsets.size() - 2).size();
      (void)sink;
    }
  }
  return 0;
}
