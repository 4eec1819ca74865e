// Writes lake files for tests/integration/lake_interop_test.py: each file next to a JSON
// Lines file with the values it must hold, so pyarrow and DuckDB can check every value.
//   lake_interop_driver OUT_DIR
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lake/internal/tweet_columns.h"
#include "lake/tests/test_rows.h"
#include "lake/writer.h"

namespace {

using covidflow::lake::Compression;
using covidflow::lake::WriterOptions;
namespace internal = covidflow::lake::internal;

// The expected value of every column, as the lake maps it (docs/formats/lake.md).
nlohmann::json Expected(const covidflow::schema::EnrichedTweet& r) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& c : internal::TweetColumns()) {
    switch (c.kind) {
      case internal::ColumnKind::kString:
        j[c.name] = std::string(c.get_str(r));
        break;
      case internal::ColumnKind::kOptionalString: {
        const std::string v(c.get_str(r));
        j[c.name] = v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
        break;
      }
      case internal::ColumnKind::kStringList:
        j[c.name] = c.get_list(r);
        break;
      case internal::ColumnKind::kInt64:
      case internal::ColumnKind::kInt32:
      case internal::ColumnKind::kTimestampMicros:
      case internal::ColumnKind::kTimestampMillis:
        j[c.name] = c.get_int(r);
        break;
      case internal::ColumnKind::kDouble:
        j[c.name] = c.get_double(r);
        break;
      case internal::ColumnKind::kBool:
        j[c.name] = c.get_bool(r);
        break;
    }
  }
  return j;
}

bool WriteCase(const std::string& dir, const std::string& name,
               const std::vector<covidflow::schema::EnrichedTweet>& rows, WriterOptions options) {
  const auto st = covidflow::lake::WriteParquetFile(dir + "/" + name + ".parquet", rows, options);
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), st.ToString().c_str());
    return false;
  }
  std::ofstream out(dir + "/" + name + ".expected.jsonl");
  for (const auto& r : rows) out << Expected(r).dump() << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  namespace t = covidflow::lake::testing;
  bool ok = true;
  WriterOptions zstd;
  WriterOptions snappy;
  snappy.compression = Compression::kSnappy;
  WriterOptions none;
  none.compression = Compression::kNone;
  WriterOptions plain;
  plain.dictionary = false;
  // Small pages and row groups: many pages per chunk, many row groups per file.
  WriterOptions small;
  small.page_bytes = 4096;
  small.row_group_bytes = 200000;
  small.dictionary_page_bytes = 2048;
  ok &= WriteCase(dir, "edge_zstd", t::EdgeRows(), zstd);
  ok &= WriteCase(dir, "edge_snappy", t::EdgeRows(), snappy);
  ok &= WriteCase(dir, "edge_none", t::EdgeRows(), none);
  ok &= WriteCase(dir, "type_edges_zstd", t::TypeEdgeRows(), zstd);
  ok &= WriteCase(dir, "type_edges_plain", t::TypeEdgeRows(), plain);
  ok &= WriteCase(dir, "mixed_zstd", t::MakeRows(5000), zstd);
  ok &= WriteCase(dir, "mixed_snappy_plain", t::MakeRows(3000), plain);
  ok &= WriteCase(dir, "mixed_small_pages", t::MakeRows(4000), small);
  ok &= WriteCase(dir, "empty", {}, zstd);
  return ok ? 0 : 1;
}
