#include "features/table.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "lake/layout.h"
#include "schema/csv.h"
#include "schema/time.h"

namespace covidflow::features {

const std::vector<std::string>* Table::Column(std::string_view name) const {
  for (size_t c = 0; c < names.size(); ++c) {
    if (names[c] == name) return &columns[c];
  }
  return nullptr;
}

std::vector<std::string>& Table::AddColumn(std::string_view name) {
  for (size_t c = 0; c < names.size(); ++c) {
    if (names[c] == name) return columns[c];
  }
  names.emplace_back(name);
  columns.emplace_back(rows(), std::string());
  return columns.back();
}

Result<FileFormat> ParseFileFormat(std::string_view name, std::string_view path) {
  if (name == "csv") return FileFormat::kCsv;
  if (name == "jsonl") return FileFormat::kJsonl;
  if (name == "lines") return FileFormat::kLines;
  if (name == "parquet") return FileFormat::kParquet;
  if (name != "auto") {
    return Status::InvalidArgument("format '" + std::string(name) +
                                   "': expected csv, jsonl, lines, parquet or auto");
  }
  if (path.ends_with(".csv")) return FileFormat::kCsv;
  if (path.ends_with(".parquet")) return FileFormat::kParquet;
  if (path.ends_with(".jsonl") || path.ends_with(".json")) return FileFormat::kJsonl;
  return FileFormat::kLines;
}

namespace {

Result<Table> ReadCsv(const std::string& path, std::string_view data) {
  Table t;
  schema::CsvSplitter splitter(data);
  std::string_view record;
  std::vector<std::string> fields;
  if (!splitter.Next(&record)) return Status::InvalidArgument(path + ": empty CSV, no header");
  if (record.starts_with("\xEF\xBB\xBF")) record.remove_prefix(3);
  if (auto err = schema::SplitCsvFields(record, &fields)) {
    return Status::InvalidArgument(path + ": line 1: malformed CSV header");
  }
  t.names = fields;
  t.columns.assign(fields.size(), {});
  size_t line = 1;
  while (splitter.Next(&record)) {
    ++line;
    if (record.empty()) continue;
    if (auto err = schema::SplitCsvFields(record, &fields)) {
      return Status::InvalidArgument(path + ": record " + std::to_string(line) + ": malformed CSV");
    }
    if (fields.size() != t.names.size()) {
      return Status::InvalidArgument(path + ": record " + std::to_string(line) + ": " +
                                     std::to_string(fields.size()) + " fields, the header has " +
                                     std::to_string(t.names.size()));
    }
    for (size_t c = 0; c < fields.size(); ++c) t.columns[c].push_back(std::move(fields[c]));
  }
  return t;
}

Result<Table> ReadJsonl(const std::string& path, std::string_view data) {
  Table t;
  size_t line = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view text = data.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json object = nlohmann::json::parse(text, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
      return Status::InvalidArgument(path + ": line " + std::to_string(line) +
                                     ": not a JSON object");
    }
    const size_t row = t.rows();
    for (auto& column : t.columns) column.emplace_back();
    for (const auto& [key, value] : object.items()) {
      std::vector<std::string>& column = t.AddColumn(key);
      if (column.size() == row) column.emplace_back();
      if (value.is_string()) {
        column[row] = value.get<std::string>();
      } else if (!value.is_null()) {
        column[row] = value.dump();
      }
    }
  }
  return t;
}

// Row r of column `v` as the seed files write it (the header comment of LakeQuery).
void AppendCell(const lake::ColumnVector& v, size_t r, std::string& out) {
  if (!v.valid.empty() && v.valid[r] == 0) return;  // a null is ""
  char buf[32];
  switch (v.type) {
    case lake::ColumnType::kString:
      out.append(v.String(r));
      return;
    case lake::ColumnType::kStringList: {
      const int64_t first = v.list_offsets[r];
      const int64_t last = v.list_offsets[r + 1];
      if (first == last) return;
      out += '[';
      for (int64_t i = first; i < last; ++i) {
        out += i == first ? "'" : ", '";
        out.append(v.String(static_cast<size_t>(i)));
        out += '\'';
      }
      out += ']';
      return;
    }
    case lake::ColumnType::kInt32:
    case lake::ColumnType::kInt64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.ints[r]);
      out.append(buf, end);
      return;
    }
    case lake::ColumnType::kDouble: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.doubles[r]);
      out.append(buf, ec == std::errc() ? end : buf);
      return;
    }
    case lake::ColumnType::kBool:
      out += v.bools[r] != 0 ? "True" : "False";
      return;
    case lake::ColumnType::kTimestampMicros:
    case lake::ColumnType::kTimestampMillis: {
      const int64_t per_second = v.type == lake::ColumnType::kTimestampMicros ? 1000000 : 1000;
      const int64_t t = v.ints[r];
      // Floor division: a time before the epoch falls in the second it belongs to.
      const int64_t seconds = t / per_second - (t % per_second < 0 ? 1 : 0);
      schema::AppendTimestamp(out, schema::Timestamp{seconds});
      return;
    }
  }
}

// Appends the rows of `batch` whose event time is in the window (all rows when `times` is
// null) to `t`, whose columns are the batch's.
int64_t AppendBatch(const lake::ColumnBatch& batch, const lake::ColumnVector* times,
                    int64_t from_micros, int64_t to_micros, Table& t) {
  if (t.names.empty()) {
    for (const lake::ColumnVector& v : batch.columns) t.names.push_back(v.name);
    t.columns.resize(batch.columns.size());
  }
  std::vector<size_t> keep;
  keep.reserve(batch.num_rows);
  for (size_t r = 0; r < batch.num_rows; ++r) {
    if (times == nullptr || (times->ints[r] >= from_micros && times->ints[r] < to_micros)) {
      keep.push_back(r);
    }
  }
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    std::vector<std::string>& column = t.columns[c];
    column.reserve(column.size() + keep.size());
    for (size_t r : keep) AppendCell(batch.columns[c], r, column.emplace_back());
  }
  return static_cast<int64_t>(batch.num_rows - keep.size());
}

Result<Table> ReadBatches(lake::BatchReader& reader, LakeRows* rows, int64_t from_ms,
                          int64_t to_ms) {
  // Millis to the lake's micros, saturating at the ends of the window.
  auto micros = [](int64_t ms) {
    constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
    if (ms >= kLimit) return std::numeric_limits<int64_t>::max();
    if (ms <= -kLimit) return std::numeric_limits<int64_t>::min();
    return ms * 1000;
  };
  const bool windowed = from_ms != std::numeric_limits<int64_t>::min() ||
                        to_ms != std::numeric_limits<int64_t>::max();
  Table t;
  lake::ColumnBatch batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.NextInto(&batch));
    if (!more) break;
    const int64_t dropped = AppendBatch(batch, windowed ? batch.Find("event_time") : nullptr,
                                        micros(from_ms), micros(to_ms), t);
    if (rows != nullptr) rows->rows_outside_window += dropped;
  }
  return t;
}

}  // namespace

Result<LakeRows> ReadLakeRows(const LakeQuery& query) {
  if (!PathExists(query.dir)) return Status::NotFound("no lake at " + query.dir);
  lake::BatchReaderOptions options;
  options.columns = query.columns;
  const bool windowed = query.from_ms != std::numeric_limits<int64_t>::min() ||
                        query.to_ms != std::numeric_limits<int64_t>::max();
  // The window needs the event time to filter by; it is dropped again below.
  const bool added_time = windowed && !options.columns.empty() &&
                          std::find(options.columns.begin(), options.columns.end(), "event_time") ==
                              options.columns.end();
  if (added_time) options.columns.push_back("event_time");
  options.from_date = query.from_date;
  options.to_date = query.to_date;
  auto floor_div = [](int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); };
  if (options.from_date.empty() && query.from_ms != std::numeric_limits<int64_t>::min()) {
    options.from_date = lake::DateOf(floor_div(query.from_ms, 1000));
  }
  if (options.to_date.empty() && query.to_ms != std::numeric_limits<int64_t>::max()) {
    options.to_date = lake::DateOf(floor_div(query.to_ms - 1, 1000));
  }
  for (const std::string* d : {&options.from_date, &options.to_date}) {
    if (!d->empty() && !lake::IsDate(*d)) {
      return Status::InvalidArgument("date '" + *d + "': expected YYYY-MM-DD");
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<lake::BatchReader> reader,
                   lake::BatchReader::Open(query.dir, options));
  LakeRows out;
  ASSIGN_OR_RETURN(out.table, ReadBatches(*reader, &out, query.from_ms, query.to_ms));
  if (added_time && !out.table.names.empty()) {
    out.table.names.pop_back();
    out.table.columns.pop_back();
  }
  out.files = reader->files_read();
  return out;
}

Result<Table> ReadTable(const std::string& path, FileFormat format, std::string_view lines_column) {
  ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path));
  return ParseTable(data, format, path, lines_column);
}

Result<Table> ParseTable(std::string_view data, FileFormat format, std::string_view name,
                         std::string_view lines_column) {
  const std::string path(name);
  switch (format) {
    case FileFormat::kCsv:
      return ReadCsv(path, data);
    case FileFormat::kJsonl:
      return ReadJsonl(path, data);
    case FileFormat::kParquet: {
      Result<std::unique_ptr<lake::BatchReader>> reader = lake::BatchReader::OpenBytes(data, {});
      if (!reader.ok()) return reader.status().WithContext(path);
      Result<Table> t = ReadBatches(**reader, nullptr, std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max());
      if (!t.ok()) return t.status().WithContext(path);
      return t;
    }
    case FileFormat::kLines: {
      Table t;
      std::vector<std::string>& column = t.AddColumn(lines_column);
      size_t pos = 0;
      while (pos < data.size()) {
        size_t end = data.find('\n', pos);
        if (end == std::string::npos) end = data.size();
        std::string_view text(data.data() + pos, end - pos);
        if (text.ends_with('\r')) text.remove_suffix(1);
        column.emplace_back(text);
        pos = end + 1;
      }
      return t;
    }
  }
  return Status::Internal("unknown file format");
}

Table SelectRows(const Table& t, const std::vector<size_t>& rows) {
  Table out;
  out.names = t.names;
  out.columns.resize(t.columns.size());
  for (size_t c = 0; c < t.columns.size(); ++c) {
    out.columns[c].reserve(rows.size());
    for (size_t r : rows) out.columns[c].push_back(t.columns[c][r]);
  }
  return out;
}

void AppendTable(Table& into, const Table& more) {
  const size_t before = into.rows();
  for (size_t c = 0; c < more.names.size(); ++c) {
    std::vector<std::string>& column = into.AddColumn(more.names[c]);
    column.resize(before);
    column.insert(column.end(), more.columns[c].begin(), more.columns[c].end());
  }
  for (auto& column : into.columns) column.resize(before + more.rows());
}

}  // namespace covidflow::features
