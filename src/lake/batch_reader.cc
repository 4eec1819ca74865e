#include "lake/batch_reader.h"

#include <sys/stat.h>

#include <algorithm>

#include "lake/internal/column_reader.h"
#include "lake/internal/tweet_columns.h"
#include "lake/layout.h"

namespace covidflow::lake {

void ColumnVector::Clear() {
  ints.clear();
  doubles.clear();
  bools.clear();
  bytes.clear();
  offsets.assign(1, 0);
  list_offsets.assign(1, 0);
  valid.clear();
}

const ColumnVector* ColumnBatch::Find(std::string_view name) const {
  for (const ColumnVector& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

struct BatchReader::State {
  std::string lake_dir;
  BatchReaderOptions options;
  std::vector<size_t> projection;  // indices into TweetColumns()
  // Partitions not yet opened.
  std::vector<std::string> dates;
  size_t next_date = 0;
  // The opened files of the current partition not yet read.
  std::vector<internal::FileSource> files;
  size_t next_file = 0;
  // The file being read.
  internal::FileSource file = internal::FileSource::FromBytes({});
  std::string file_name;
  internal::FileLayout layout;
  size_t next_group = 0;
  // The row group being read.
  size_t group = 0;
  size_t group_rows_left = 0;
  std::vector<internal::Buffer> chunk_buffers;  // per projected column
  std::vector<internal::ChunkReader> readers;
  // Per projected column: the current file has no chunk for it (the rows get empty values).
  std::vector<bool> absent;
  std::vector<FileRead> files_read;
  bool failed = false;

  Status Fail(Status st) {
    failed = true;
    return st;
  }

  // Lists and opens every committed file of one partition before reading any of them.
  Status OpenPartition(const std::string& date) {
    constexpr int kAttempts = 3;
    Status last;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      ASSIGN_OR_RETURN(auto listed, ListLakeFiles(lake_dir, date, date));
      std::vector<internal::FileSource> opened;
      last = Status::Ok();
      for (const LakeFile& f : listed) {
        auto source = internal::OpenFileSource(f.path);
        if (!source.ok()) {
          last = source.status();
          break;
        }
        opened.push_back(std::move(source).value());
      }
      if (last.ok()) {
        files = std::move(opened);
        next_file = 0;
        return Status::Ok();
      }
      // A compaction removed a listed file after the listing: list again.
      if (last.code() != StatusCode::kNotFound) return last;
    }
    return last;
  }

  // Opens the next file's footer and layout.
  Status OpenFile(internal::FileSource source) {
    file = std::move(source);
    file_name = file.name();
    next_group = 0;
    auto footer = internal::ReadFooter(file);
    if (!footer.ok()) return footer.status().WithContext(file_name);
    Status st = internal::CheckSchema(footer->meta);
    if (!st.ok()) return st.WithContext(file_name);
    auto layout_or = internal::ParseLayout(*footer);
    if (!layout_or.ok()) return layout_or.status().WithContext(file_name);
    layout = std::move(layout_or).value();
    FileRead read{file_name, file.size(), 0, layout.num_rows};
    struct stat st_buf {};
    if (!file_name.empty() && ::stat(file_name.c_str(), &st_buf) == 0) {
      read.mtime_ns = static_cast<int64_t>(st_buf.st_mtim.tv_sec) * 1000000000 +
                      static_cast<int64_t>(st_buf.st_mtim.tv_nsec);
    }
    files_read.push_back(std::move(read));
    return Status::Ok();
  }

  // Moves to the next row group with rows; false at the end of the lake.
  Result<bool> NextGroup() {
    const auto cols = internal::TweetColumns();
    while (true) {
      if (next_group < layout.row_groups.size()) {
        group = next_group++;
        const internal::RowGroupLayout& g = layout.row_groups[group];
        if (g.num_rows == 0) continue;
        for (size_t i = 0; i < projection.size(); ++i) {
          const size_t c = projection[i];
          absent[i] = c >= g.chunks.size();  // a schema version 1 file lacks the model's columns
          if (absent[i]) continue;
          const internal::ChunkRange& r = g.chunks[c];
          auto bytes = file.Read(r.start, static_cast<size_t>(r.size), &chunk_buffers[i]);
          if (!bytes.ok()) return Context(bytes.status(), c);
          readers[i].Reset(cols[c], r.codec, *bytes, static_cast<size_t>(g.num_rows));
        }
        group_rows_left = static_cast<size_t>(g.num_rows);
        return true;
      }
      layout = {};
      if (next_file < files.size()) {
        RETURN_IF_ERROR(OpenFile(std::move(files[next_file++])));
        continue;
      }
      files.clear();
      if (next_date < dates.size()) {
        RETURN_IF_ERROR(OpenPartition(dates[next_date++]));
        continue;
      }
      return false;
    }
  }

  Status Context(const Status& st, size_t column) const {
    return st.WithContext(file_name + ": row group " + std::to_string(group) + " column " +
                          internal::TweetColumns()[column].name);
  }
};

BatchReader::BatchReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
BatchReader::~BatchReader() = default;

namespace {

// Appends `n` empty values (null where the column is nullable) for a column the file lacks.
void AppendEmpty(size_t n, ColumnVector* c) {
  switch (c->type) {
    case ColumnType::kString:
      c->offsets.insert(c->offsets.end(), n, c->offsets.back());
      break;
    case ColumnType::kStringList:
      c->list_offsets.insert(c->list_offsets.end(), n, c->list_offsets.back());
      break;
    case ColumnType::kDouble:
      c->doubles.insert(c->doubles.end(), n, 0.0);
      break;
    case ColumnType::kBool:
      c->bools.insert(c->bools.end(), n, 0);
      break;
    case ColumnType::kInt32:
    case ColumnType::kInt64:
    case ColumnType::kTimestampMicros:
    case ColumnType::kTimestampMillis:
      c->ints.insert(c->ints.end(), n, 0);
      break;
  }
  if (c->nullable) c->valid.insert(c->valid.end(), n, 0);
}

Result<std::vector<size_t>> Projection(const std::vector<std::string>& names) {
  std::vector<size_t> out;
  if (names.empty()) {
    for (size_t i = 0; i < internal::TweetColumns().size(); ++i) out.push_back(i);
    return out;
  }
  for (const std::string& name : names) {
    const int i = internal::FindColumn(name);
    if (i < 0) return Status::InvalidArgument("no column named '" + name + "' in the lake schema");
    out.push_back(static_cast<size_t>(i));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<BatchReader>> BatchReader::Open(const std::string& lake_dir,
                                                       BatchReaderOptions options) {
  if (options.batch_rows == 0) return Status::InvalidArgument("batch_rows must be positive");
  auto state = std::make_unique<State>();
  ASSIGN_OR_RETURN(state->projection, Projection(options.columns));
  ASSIGN_OR_RETURN(state->dates, ListPartitions(lake_dir, options.from_date, options.to_date));
  state->lake_dir = lake_dir;
  state->options = std::move(options);
  state->chunk_buffers.resize(state->projection.size());
  state->readers.resize(state->projection.size());
  state->absent.resize(state->projection.size());
  return std::unique_ptr<BatchReader>(new BatchReader(std::move(state)));
}

Result<std::unique_ptr<BatchReader>> BatchReader::OpenBytes(std::string_view bytes,
                                                            BatchReaderOptions options) {
  if (options.batch_rows == 0) return Status::InvalidArgument("batch_rows must be positive");
  auto state = std::make_unique<State>();
  ASSIGN_OR_RETURN(state->projection, Projection(options.columns));
  state->options = std::move(options);
  state->chunk_buffers.resize(state->projection.size());
  state->readers.resize(state->projection.size());
  state->absent.resize(state->projection.size());
  state->files.push_back(internal::FileSource::FromBytes(bytes));
  return std::unique_ptr<BatchReader>(new BatchReader(std::move(state)));
}

Result<bool> BatchReader::NextInto(ColumnBatch* batch) {
  State& s = *state_;
  if (s.failed) return Status::FailedPrecondition("batch reader: an earlier call failed");
  const auto cols = internal::TweetColumns();
  batch->columns.resize(s.projection.size());
  for (size_t i = 0; i < s.projection.size(); ++i) {
    const internal::ColumnSpec& spec = cols[s.projection[i]];
    ColumnVector& c = batch->columns[i];
    c.name = spec.name;
    c.type = internal::BatchType(spec.kind);
    c.nullable = spec.kind == internal::ColumnKind::kOptionalString;
    c.Clear();
  }
  batch->num_rows = 0;
  const size_t want = s.options.batch_rows;
  while (batch->num_rows < want) {
    if (s.group_rows_left == 0) {
      auto more = s.NextGroup();
      if (!more.ok()) return s.Fail(more.status());
      if (!*more) break;
    }
    const size_t k = std::min(want - batch->num_rows, s.group_rows_left);
    for (size_t i = 0; i < s.projection.size(); ++i) {
      if (s.absent[i]) {
        AppendEmpty(k, &batch->columns[i]);
        continue;
      }
      Status st = s.readers[i].Read(k, &batch->columns[i]);
      if (!st.ok()) return s.Fail(s.Context(st, s.projection[i]));
    }
    s.group_rows_left -= k;
    batch->num_rows += k;
    if (s.group_rows_left == 0) {
      for (size_t i = 0; i < s.projection.size(); ++i) {
        if (s.absent[i]) continue;
        Status st = s.readers[i].Finish();
        if (!st.ok()) return s.Fail(s.Context(st, s.projection[i]));
      }
    }
  }
  rows_read_ += static_cast<int64_t>(batch->num_rows);
  return batch->num_rows > 0;
}

const std::vector<FileRead>& BatchReader::files_read() const { return state_->files_read; }

Result<LakeUri> ParseLakeUri(std::string_view uri) {
  constexpr std::string_view kScheme = "lake:";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("'" + std::string(uri) + "': expected lake:DIR");
  }
  std::string_view rest = uri.substr(kScheme.size());
  const size_t q = rest.find('?');
  LakeUri out;
  out.dir = std::string(rest.substr(0, q));
  if (out.dir.empty()) {
    return Status::InvalidArgument("'" + std::string(uri) + "': lake:DIR needs a directory");
  }
  std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if ((key != "from" && key != "to") || !IsDate(value)) {
      return Status::InvalidArgument("'" + std::string(uri) +
                                     "': expected from=YYYY-MM-DD or to=YYYY-MM-DD, got '" +
                                     std::string(pair) + "'");
    }
    (key == "from" ? out.from_date : out.to_date) = std::move(value);
  }
  return out;
}

Result<std::optional<ColumnBatch>> BatchReader::Next() {
  ColumnBatch batch;
  ASSIGN_OR_RETURN(bool more, NextInto(&batch));
  if (!more) return std::optional<ColumnBatch>();
  return std::optional<ColumnBatch>(std::move(batch));
}

}  // namespace covidflow::lake
