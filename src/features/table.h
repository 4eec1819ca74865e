#pragma once
// Rows as the feature pipeline reads them: named columns of text values, one value per row
// (an absent value is the empty string). Training reads CSV/JSONL files or the lake into a
// Table; predict and serving build one from their input.
//
// Threads: a plain value; readers may share a const one.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/batch_reader.h"

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

// The input formats of train and predict. Parquet: one lake data file (docs/formats/lake.md),
// every column, as ReadLakeRows renders the values.
enum class FileFormat { kCsv, kJsonl, kLines, kParquet };

// "csv" | "jsonl" | "lines" | "parquet"; from a file name's extension for "auto" (.csv,
// .jsonl/.json, .parquet, anything else is lines).
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

// Rows of the lake (lake/batch_reader.h): the partitions of [from_date, to_date] (others are
// never opened), then the rows whose event time is in [from_ms, to_ms). Values are rendered
// as the seed files write them, so a lake row and the same row in a CSV export give the same
// Table: strings as they are, a null of any type "", booleans True/False, integers in decimal,
// doubles in the shortest form that reads back exactly, timestamps "YYYY-MM-DD HH:MM:SS"
// (UTC), string lists "['a', 'b']" ("" when empty).
struct LakeQuery {
  std::string dir;
  std::vector<std::string> columns;  // projection; empty = all
  std::string from_date;             // inclusive "YYYY-MM-DD"; "" = from_ms's date, or unbounded
  std::string to_date;               // inclusive; "" = the date of to_ms - 1, or unbounded
  int64_t from_ms = std::numeric_limits<int64_t>::min();  // event time, inclusive
  int64_t to_ms = std::numeric_limits<int64_t>::max();    // exclusive
};
struct LakeRows {
  Table table;
  std::vector<lake::FileRead> files;  // every file opened, with its rows
  int64_t rows_outside_window = 0;    // read from a partition in range, dropped by [from, to)
};
// kNotFound for a missing lake directory; kInvalidArgument for a column the lake lacks (named)
// or a malformed date; kCorruption naming a damaged file. No rows is not an error.
Result<LakeRows> ReadLakeRows(const LakeQuery& query);

// The rows of `t` at `rows`, in that order.
Table SelectRows(const Table& t, const std::vector<size_t>& rows);

// Appends the rows of `more` to `into` (columns matched by name; missing ones filled with "").
void AppendTable(Table& into, const Table& more);

}  // namespace covidflow::features
