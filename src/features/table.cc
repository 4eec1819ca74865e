#include "features/table.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "schema/csv.h"

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
  if (name != "auto") {
    return Status::InvalidArgument("format '" + std::string(name) +
                                   "': expected csv, jsonl, lines or auto");
  }
  if (path.ends_with(".csv")) return FileFormat::kCsv;
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

}  // namespace

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
