#pragma once
// Rows as the feature pipeline reads them: named columns of text values, one value per row
// (an absent value is the empty string). Training reads CSV/JSONL files or the lake into a
// Table; predict and serving build one from their input.
//
// Threads: a plain value; readers may share a const one.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::features {

struct Table {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> columns;  // columns[c][r]

  size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  // The column named `name`, or nullptr.
  const std::vector<std::string>* Column(std::string_view name) const;
  // Adds a column of rows() empty values (or finds the existing one) and returns it; the
  // reference is valid until the next AddColumn.
  std::vector<std::string>& AddColumn(std::string_view name);
};

// The input formats of train and predict.
enum class FileFormat { kCsv, kJsonl, kLines };

// "csv" | "jsonl" | "lines"; from a file name's extension for "auto" (.csv, .jsonl/.json,
// anything else is lines).
Result<FileFormat> ParseFileFormat(std::string_view name, std::string_view path);

// Reads a whole file into a Table. CSV: RFC 4180 with a header row. JSONL: one object per
// line; every key seen becomes a column (strings as they are, numbers and booleans as their
// JSON text, null and absent as ""). Lines: one column named `lines_column`. Errors name the
// file and the line.
Result<Table> ReadTable(const std::string& path, FileFormat format,
                        std::string_view lines_column = "text");

// The same from bytes in memory (a request body); errors name `name` where ReadTable names
// the file.
Result<Table> ParseTable(std::string_view data, FileFormat format, std::string_view name,
                         std::string_view lines_column = "text");

// The rows of `t` at `rows`, in that order.
Table SelectRows(const Table& t, const std::vector<size_t>& rows);

// Appends the rows of `more` to `into` (columns matched by name; missing ones filled with "").
void AppendTable(Table& into, const Table& more);

}  // namespace covidflow::features
