#include "lake/reader.h"

#include <nlohmann/json.hpp>

#include "lake/batch_reader.h"
#include "lake/internal/column_reader.h"
#include "lake/internal/parquet_format.h"
#include "lake/internal/thrift_compact.h"
#include "lake/internal/tweet_columns.h"
#include "lake/layout.h"

namespace covidflow::lake {
namespace {

using internal::ColumnKind;
using internal::ColumnSpec;
using internal::FileSource;
using internal::GetInt;
using internal::GetList;
namespace pf = internal::pf;

// Stores a decoded column of `n` rows into rows[base ...] through the column's setters.
void Scatter(const ColumnSpec& col, const ColumnVector& v, size_t n,
             std::vector<schema::EnrichedTweet>& rows, size_t base) {
  switch (col.kind) {
    case ColumnKind::kString:
    case ColumnKind::kOptionalString:
      for (size_t i = 0; i < n; ++i) col.set_str(rows[base + i], v.String(i));
      break;
    case ColumnKind::kStringList:
      for (size_t i = 0; i < n; ++i) {
        auto* list = col.mut_list(rows[base + i]);
        for (auto s = v.list_offsets[i]; s < v.list_offsets[i + 1]; ++s) {
          list->emplace_back(v.String(static_cast<size_t>(s)));
        }
      }
      break;
    case ColumnKind::kInt64:
    case ColumnKind::kInt32:
    case ColumnKind::kTimestampMicros:
    case ColumnKind::kTimestampMillis:
      for (size_t i = 0; i < n; ++i) col.set_int(rows[base + i], v.ints[i]);
      break;
    case ColumnKind::kDouble:
      for (size_t i = 0; i < n; ++i) col.set_double(rows[base + i], v.doubles[i]);
      break;
    case ColumnKind::kBool:
      for (size_t i = 0; i < n; ++i) col.set_bool(rows[base + i], v.bools[i] != 0);
      break;
  }
}

Result<std::vector<schema::EnrichedTweet>> ReadRows(const FileSource& file,
                                                    const ReadOptions& options) {
  ASSIGN_OR_RETURN(internal::Footer footer, internal::ReadFooter(file));
  RETURN_IF_ERROR(internal::CheckSchema(footer.meta));
  const auto cols = internal::TweetColumns();
  std::vector<bool> wanted(cols.size(), options.columns.empty());
  for (const auto& name : options.columns) {
    const int i = internal::FindColumn(name);
    if (i < 0) return Status::InvalidArgument("no column named '" + name + "' in the lake schema");
    wanted[static_cast<size_t>(i)] = true;
  }
  ASSIGN_OR_RETURN(internal::FileLayout layout, internal::ParseLayout(footer));
  std::vector<schema::EnrichedTweet> rows(static_cast<size_t>(layout.num_rows));
  internal::ChunkReader reader;
  ColumnVector values;
  internal::Buffer scratch;
  size_t base = 0;
  for (size_t g = 0; g < layout.row_groups.size(); ++g) {
    const internal::RowGroupLayout& rg = layout.row_groups[g];
    const auto n = static_cast<size_t>(rg.num_rows);
    for (size_t c = 0; c < cols.size(); ++c) {
      if (!wanted[c]) continue;
      if (c >= rg.chunks.size()) continue;  // a schema version 1 file: the empty value stays
      const internal::ChunkRange& r = rg.chunks[c];
      auto bytes = file.Read(r.start, static_cast<size_t>(r.size), &scratch);
      Status st = bytes.status();
      if (st.ok()) {
        reader.Reset(cols[c], r.codec, *bytes, n);
        values.Clear();
        st = reader.Read(n, &values);
      }
      if (st.ok()) st = reader.Finish();
      if (!st.ok()) {
        return st.WithContext("row group " + std::to_string(g) + " column " + cols[c].name);
      }
      Scatter(cols[c], values, n, rows, base);
    }
    base += n;
  }
  return rows;
}

Result<FileInfo> InfoFromFooter(const std::string& path, const internal::Footer& footer) {
  RETURN_IF_ERROR(internal::CheckSchema(footer.meta));
  FileInfo info;
  info.path = path;
  ASSIGN_OR_RETURN(info.num_rows, GetInt(footer.meta, pf::fmd::kNumRows, "num_rows"));
  ASSIGN_OR_RETURN(const auto* groups, GetList(footer.meta, pf::fmd::kRowGroups, "row_groups"));
  info.num_row_groups = static_cast<int>(groups->size());
  if (const auto* kv = internal::Find(footer.meta, pf::fmd::kKeyValue); kv != nullptr) {
    for (const auto& e : kv->list) {
      if (!e.is_struct()) return Status::Corruption("key-value entry is not a struct");
      const auto* k = internal::Find(*e.fields, 1);
      const auto* v = internal::Find(*e.fields, 2);
      if (k == nullptr) return Status::Corruption("key-value entry without a key");
      info.metadata[std::string(k->bin)] = v == nullptr ? "" : std::string(v->bin);
    }
  }
  if (auto it = info.metadata.find(std::string(kSourceOffsetsKey)); it != info.metadata.end()) {
    ASSIGN_OR_RETURN(info.source_ranges, DecodeSourceRanges(it->second));
  }
  if (auto it = info.metadata.find(std::string(kReplacesKey)); it != info.metadata.end()) {
    auto j = nlohmann::json::parse(it->second, nullptr, false);
    if (!j.is_array()) return Status::Corruption("replaces metadata is not a JSON array");
    for (const auto& e : j) {
      if (!e.is_string()) return Status::Corruption("replaces metadata: not a file name");
      info.replaces.push_back(e.get<std::string>());
    }
  }
  return info;
}

}  // namespace

std::vector<std::string> LakeColumnNames() {
  std::vector<std::string> names;
  for (const auto& c : internal::TweetColumns()) names.emplace_back(c.name);
  return names;
}

Result<FileInfo> ReadFileInfo(const std::string& path) {
  ASSIGN_OR_RETURN(FileSource file, internal::OpenFileSource(path));
  auto footer = internal::ReadFooter(file);
  if (!footer.ok()) return footer.status().WithContext(path);
  auto info = InfoFromFooter(path, *footer);
  if (!info.ok()) return info.status().WithContext(path);
  info->file_bytes = file.size();
  return info;
}

Result<std::vector<schema::EnrichedTweet>> ReadFile(const std::string& path,
                                                    const ReadOptions& options) {
  ASSIGN_OR_RETURN(FileSource file, internal::OpenFileSource(path));
  auto rows = ReadRows(file, options);
  if (!rows.ok()) return rows.status().WithContext(path);
  return rows;
}

Result<std::vector<schema::EnrichedTweet>> ReadFileBytes(std::string_view bytes,
                                                         const ReadOptions& options) {
  return ReadRows(FileSource::FromBytes(bytes), options);
}

Result<std::vector<schema::EnrichedTweet>> ReadLake(const std::string& lake_dir,
                                                    const LakeReadOptions& options) {
  // A compaction may remove an input between our listing and our open; list again then.
  constexpr int kAttempts = 3;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ASSIGN_OR_RETURN(auto files, ListLakeFiles(lake_dir, options.from_date, options.to_date));
    std::vector<schema::EnrichedTweet> all;
    last = Status::Ok();
    for (const auto& f : files) {
      auto rows = ReadFile(f.path, ReadOptions{options.columns});
      if (!rows.ok()) {
        last = rows.status();
        break;
      }
      if (all.empty()) {
        all = std::move(rows).value();
      } else {
        all.insert(all.end(), std::make_move_iterator(rows->begin()),
                   std::make_move_iterator(rows->end()));
      }
    }
    if (last.ok()) return all;
    if (last.code() != StatusCode::kNotFound) return last;
  }
  return last;
}

}  // namespace covidflow::lake
