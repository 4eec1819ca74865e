// libFuzzer target: arbitrary bytes through the scoring server's request parsers (MLflow JSON,
// CSV, Open Inference v2). The first byte picks the parser, the rest is the body. Invariants:
// no crash or exception; a parsed table is rectangular and within the row limit; where the
// MLflow JSON parser's fast dataframe_split reader takes a body, its general reader takes it
// too and gives the same table (a differential check of the two). Build with -DCF_FUZZ=ON
// (clang); seeds in corpus/serve/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "features/table.h"
#include "serve/protocol.h"

namespace {

constexpr size_t kMaxRows = 64;

void Check(const covidflow::features::Table& t) {
  if (t.rows() > kMaxRows || t.names.size() != t.columns.size()) std::abort();
  for (const auto& column : t.columns) {
    if (column.size() != t.rows()) {
      std::fprintf(stderr, "a ragged table: %zu and %zu rows\n", column.size(), t.rows());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      if (auto t = covidflow::serve::ParseMlflowJson(body, "text", kMaxRows); t.ok()) Check(*t);
      namespace internal = covidflow::serve::internal;
      if (auto fast = internal::FastSplit(body, kMaxRows)) {
        auto general = internal::ParseMlflowJsonGeneral(body, "text", kMaxRows);
        if (!general.ok()) {
          std::fprintf(stderr, "the fast reader took a body the general one refuses: %s\n",
                       general.status().ToString().c_str());
          std::abort();
        }
        if (general->names != fast->names || general->columns != fast->columns) {
          std::fprintf(stderr, "the fast and general readers disagree on a body\n");
          std::abort();
        }
      }
      break;
    }
    case 1:
      if (auto t = covidflow::serve::ParseMlflowCsv(body, kMaxRows); t.ok()) Check(*t);
      break;
    default:
      if (auto r = covidflow::serve::ParseInferRequest(body, "text", kMaxRows); r.ok()) {
        Check(r->rows);
      }
      break;
  }
  return 0;
}
