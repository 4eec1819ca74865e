#include "monitor/table.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "base/fs.h"
#include "base/numbers.h"
#include "base/utf8.h"
#include "lake/batch_reader.h"
#include "schema/codec.h"
#include "schema/csv.h"
#include "schema/fields.h"

namespace covidflow::monitor {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// pandas' default missing-value spellings (a subset: the ones a tool writes).
bool IsMissingText(std::string_view s) {
  static const std::unordered_set<std::string_view> kNa = {
      "", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "#N/A"};
  return kNa.count(s) != 0;
}

std::optional<bool> ParseBool(std::string_view s) {
  if (s == "True" || s == "true" || s == "TRUE") return true;
  if (s == "False" || s == "false" || s == "FALSE") return false;
  return std::nullopt;
}

// A column of text cells typed as pandas would type it.
TableColumn TypeColumn(std::string name, std::vector<std::string> cells) {
  TableColumn col;
  col.name = std::move(name);
  bool all_int = true;
  bool all_number = true;
  bool all_bool = true;
  bool any_missing = false;
  bool any_present = false;
  for (const std::string& c : cells) {
    if (IsMissingText(c)) {
      any_missing = true;
      continue;
    }
    any_present = true;
    if (all_int && !ParseInt(c)) all_int = false;
    if (all_number && !ParseDouble(c)) all_number = false;
    if (all_bool && !ParseBool(c)) all_bool = false;
  }
  if (any_present && (all_int || all_number)) {
    col.type = all_int && !any_missing ? CellType::kInt : CellType::kFloat;
    col.numbers.reserve(cells.size());
    for (const std::string& c : cells) {
      col.numbers.push_back(IsMissingText(c) ? kMissing : *ParseDouble(c));
    }
    return col;
  }
  if (any_present && all_bool && !any_missing) {
    col.type = CellType::kBool;
    for (const std::string& c : cells) col.numbers.push_back(*ParseBool(c) ? 1.0 : 0.0);
    return col;
  }
  col.type = CellType::kString;
  col.present.reserve(cells.size());
  for (const std::string& c : cells) col.present.push_back(IsMissingText(c) ? 0 : 1);
  col.strings = std::move(cells);
  return col;
}

Result<Table> ReadCsv(const std::string& path, std::string_view data) {
  if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  schema::CsvSplitter splitter(data);
  std::string_view record;
  std::vector<std::string> header;
  if (!splitter.Next(&record) || schema::SplitCsvFields(record, &header)) {
    return Status::InvalidArgument(path + ": no CSV header row");
  }
  std::vector<std::vector<std::string>> cells(header.size());
  std::vector<std::string> fields;
  size_t line = 1;
  while (splitter.Next(&record)) {
    ++line;
    if (record.empty()) continue;
    if (auto err = schema::SplitCsvFields(record, &fields)) {
      return Status::InvalidArgument(path + ": record " + std::to_string(line) + ": malformed CSV");
    }
    if (fields.size() != header.size()) {
      return Status::InvalidArgument(path + ": record " + std::to_string(line) + " has " +
                                     std::to_string(fields.size()) + " fields, the header " +
                                     std::to_string(header.size()));
    }
    for (size_t k = 0; k < fields.size(); ++k) cells[k].push_back(fields[k]);
  }
  Table t;
  t.rows = header.empty() ? 0 : cells[0].size();
  for (size_t k = 0; k < header.size(); ++k) {
    t.columns.push_back(TypeColumn(header[k], std::move(cells[k])));
  }
  return t;
}

Result<Table> ReadJsonLines(const std::string& path, std::string_view data) {
  std::vector<std::string> names;
  std::unordered_map<std::string, size_t> index;
  std::vector<std::vector<std::string>> cells;
  std::vector<uint8_t> is_float;
  size_t rows = 0;
  size_t line = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::string_view text = data.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    // In the file's key order, as pandas makes the columns.
    nlohmann::ordered_json obj =
        nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!obj.is_object()) {
      return Status::InvalidArgument(path + ": line " + std::to_string(line) +
                                     ": not a JSON object");
    }
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      auto [slot, added] = index.emplace(it.key(), names.size());
      if (added) {
        names.push_back(it.key());
        cells.emplace_back(rows);  // earlier rows miss it
        is_float.push_back(0);
      }
      std::vector<std::string>& col = cells[slot->second];
      col.resize(rows);
      const nlohmann::ordered_json& v = it.value();
      if (v.is_null()) {
        col.emplace_back();
      } else if (v.is_string()) {
        col.push_back(v.get<std::string>());
      } else if (v.is_boolean()) {
        col.push_back(v.get<bool>() ? "True" : "False");
      } else if (v.is_number_float()) {
        is_float[slot->second] = 1;
        col.push_back(v.dump());
      } else {
        col.push_back(v.dump());
      }
    }
    ++rows;
  }
  Table t;
  t.rows = rows;
  for (size_t k = 0; k < names.size(); ++k) {
    cells[k].resize(rows);
    TableColumn col = TypeColumn(names[k], std::move(cells[k]));
    if (is_float[k] != 0 && col.type == CellType::kInt) col.type = CellType::kFloat;
    t.columns.push_back(std::move(col));
  }
  return t;
}

// The lake columns watched, and the derived ones computed from the text and hashtags.
const std::vector<std::string>& LakeColumns() {
  static const std::vector<std::string> kColumns = {"sentiment_positive",
                                                    "sentiment_neutral",
                                                    "sentiment_negative",
                                                    "sentiment_compound",
                                                    "sentiment_label",
                                                    "enricher",
                                                    "country",
                                                    "location_confidence",
                                                    "user_followers",
                                                    "user_friends",
                                                    "user_verified",
                                                    "is_retweet",
                                                    "model_label",
                                                    "model_confidence",
                                                    "model_value",
                                                    "text",
                                                    "hashtags"};
  return kColumns;
}

// The lake columns a lake source reads: the watched ones, and `model`, which tells a
// regression model's rows (a model, no label) for model_value.
std::vector<std::string> LakeReadColumns() {
  std::vector<std::string> columns = LakeColumns();
  columns.push_back("model");
  return columns;
}

// `text_length`: code points of the text (bytes that do not continue a UTF-8 sequence).
double CodePoints(std::string_view s) {
  double points = 0;
  for (char ch : s) points += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
  return points;
}

// The empty columns of a lake source, in LakeColumns' order, typed from the schema's table
// (the lake writes its files from it): text and hashtags give way to the figures derived from
// them.
std::vector<TableColumn> LakeTableColumns() {
  std::vector<TableColumn> columns;
  for (const std::string& name : LakeColumns()) {
    if (name == "text" || name == "hashtags") continue;
    TableColumn col;
    col.name = name;
    switch (schema::Columns()[*schema::FindColumn(name)].type) {
      case schema::ValueType::kDouble:
        col.type = CellType::kFloat;
        break;
      case schema::ValueType::kBool:
        col.type = CellType::kBool;
        break;
      case schema::ValueType::kString:
      case schema::ValueType::kLabel:
        col.type = CellType::kString;
        break;
      default:
        col.type = CellType::kInt;
    }
    columns.push_back(std::move(col));
  }
  columns.push_back({"text_length", CellType::kInt, {}, {}, {}});
  columns.push_back({"hashtag_count", CellType::kInt, {}, {}, {}});
  // The stream's only: the lake does not store it (missing in every lake row).
  columns.push_back({"model_oov_rate", CellType::kFloat, {}, {}, {}});
  return columns;
}

void AppendBatch(const lake::ColumnBatch& batch, Table* t) {
  if (t->columns.empty()) t->columns = LakeTableColumns();
  for (TableColumn& col : t->columns) {
    if (col.name == "text_length") {
      const lake::ColumnVector* text = batch.Find("text");
      for (size_t r = 0; r < batch.num_rows; ++r) {
        col.numbers.push_back(CodePoints(text->String(r)));
      }
      continue;
    }
    if (col.name == "model_oov_rate") {
      col.numbers.insert(col.numbers.end(), batch.num_rows, kMissing);
      continue;
    }
    if (col.name == "hashtag_count") {
      const lake::ColumnVector* tags = batch.Find("hashtags");
      for (size_t r = 0; r < batch.num_rows; ++r) {
        col.numbers.push_back(
            static_cast<double>(tags->list_offsets[r + 1] - tags->list_offsets[r]));
      }
      continue;
    }
    const lake::ColumnVector* v = batch.Find(col.name);
    if (col.name == "model_confidence") {
      // A tweet no model scored has no confidence (the file stores 0): missing, as its label.
      const lake::ColumnVector* label = batch.Find("model_label");
      for (size_t r = 0; r < batch.num_rows; ++r) {
        const bool scored =
            (label->valid.empty() || label->valid[r] != 0) && !label->String(r).empty();
        col.numbers.push_back(scored ? v->doubles[r] : kMissing);
      }
      continue;
    }
    if (col.name == "model_value") {
      // Only a regression model's rows have a value (a model and no label; the file stores 0
      // otherwise, and a file of schema version 1 or 2 has the column empty).
      const lake::ColumnVector* model = batch.Find("model");
      const lake::ColumnVector* label = batch.Find("model_label");
      auto has = [](const lake::ColumnVector* c, size_t r) {
        return (c->valid.empty() || c->valid[r] != 0) && !c->String(r).empty();
      };
      for (size_t r = 0; r < batch.num_rows; ++r) {
        col.numbers.push_back(has(model, r) && !has(label, r) ? v->doubles[r] : kMissing);
      }
      continue;
    }
    for (size_t r = 0; r < batch.num_rows; ++r) {
      switch (col.type) {
        case CellType::kFloat:
          col.numbers.push_back(v->doubles[r]);
          break;
        case CellType::kBool:
          col.numbers.push_back(v->bools[r] != 0 ? 1.0 : 0.0);
          break;
        case CellType::kInt:
          col.numbers.push_back(static_cast<double>(v->ints[r]));
          break;
        case CellType::kString: {
          std::string_view s = v->String(r);
          const bool null = (!v->valid.empty() && v->valid[r] == 0) || s.empty();
          col.strings.emplace_back(s);
          col.present.push_back(null ? 0 : 1);
          break;
        }
      }
    }
  }
  t->rows += batch.num_rows;
}

Result<Table> ReadLake(std::unique_ptr<lake::BatchReader> reader, const std::string& what) {
  Table t;
  lake::ColumnBatch batch;
  while (true) {
    auto more = reader->NextInto(&batch);
    if (!more.ok()) return more.status();
    if (!*more) break;
    AppendBatch(batch, &t);
  }
  if (t.rows == 0) return Status::InvalidArgument(what + ": no rows");
  return t;
}

Result<Table> ReadLakeRange(const std::string& spec) {
  ASSIGN_OR_RETURN(lake::LakeUri uri, lake::ParseLakeUri(spec));
  lake::BatchReaderOptions options;
  options.columns = LakeReadColumns();
  options.from_date = uri.from_date;
  options.to_date = uri.to_date;
  if (!PathExists(uri.dir)) {
    return Status::NotFound("lake directory " + uri.dir + " does not exist");
  }
  auto reader = lake::BatchReader::Open(uri.dir, options);
  if (!reader.ok()) return reader.status();
  return ReadLake(std::move(*reader), spec);
}

}  // namespace

const TableColumn* Table::Find(std::string_view name) const {
  for (const TableColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void AppendEnriched(const schema::EnrichedTweet& t, Table* table) {
  // The table column of each schema column (-1 = not watched), in LakeColumns' order so the
  // stream's windows and a lake range give the same table.
  static const std::array<int, schema::kColumnCount> kSlots = [] {
    std::array<int, schema::kColumnCount> slot;
    slot.fill(-1);
    int next = 0;
    for (const std::string& name : LakeColumns()) {
      if (name == "text" || name == "hashtags") continue;
      slot[*schema::FindColumn(name)] = next++;
    }
    return slot;
  }();
  const std::array<int, schema::kColumnCount>& slots = kSlots;
  if (table->columns.empty()) table->columns = LakeTableColumns();
  schema::ForEachColumn([&](auto index) {
    constexpr size_t kIndex = decltype(index)::value;
    if (slots[kIndex] < 0) return;
    TableColumn& col = table->columns[static_cast<size_t>(slots[kIndex])];
    const auto& value = schema::kColumnDef<kIndex>.Ref(t);
    using Def = std::remove_cvref_t<decltype(schema::kColumnDef<kIndex>)>;
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (Def::type == schema::ValueType::kString) {
      col.strings.push_back(value);
      col.present.push_back(value.empty() ? 0 : 1);
    } else if constexpr (Def::type == schema::ValueType::kLabel) {
      col.strings.emplace_back(schema::LabelName(value));
      col.present.push_back(1);
    } else if constexpr (std::is_arithmetic_v<T>) {  // double, int64_t, bool
      col.numbers.push_back(static_cast<double>(value));
    }
  });
  static const size_t kConfidence =
      static_cast<size_t>(kSlots[*schema::FindColumn("model_confidence")]);
  static const size_t kValue = static_cast<size_t>(kSlots[*schema::FindColumn("model_value")]);
  if (t.prediction.label.empty()) table->columns[kConfidence].numbers.back() = kMissing;
  // A regression model's value: present when a model scored the tweet and gave no class.
  if (t.prediction.model.empty() || !t.prediction.label.empty()) {
    table->columns[kValue].numbers.back() = kMissing;
  }
  const size_t n = table->columns.size();  // ends with LakeTableColumns' three computed ones
  table->columns[n - 3].numbers.push_back(CodePoints(t.tweet.text));
  table->columns[n - 2].numbers.push_back(static_cast<double>(t.tweet.hashtags.size()));
  const std::optional<double>& oov = t.prediction.oov_rate;
  const bool scored = !t.prediction.model.empty() || !t.prediction.label.empty();
  table->columns[n - 1].numbers.push_back(oov && scored ? *oov : kMissing);
  ++table->rows;
}

Result<Table> ReadTable(const std::string& source) {
  if (source.rfind("lake:", 0) == 0) return ReadLakeRange(source);
  if (!PathExists(source)) return Status::NotFound(source + " does not exist");
  auto data = ReadWholeFile(source);
  if (!data.ok()) return data.status();
  return ReadTableBytes(source, *data);
}

Result<Table> ReadTableBytes(const std::string& name, std::string_view data) {
  if (EndsWith(name, ".csv")) return ReadCsv(name, data);
  if (EndsWith(name, ".jsonl") || EndsWith(name, ".json")) return ReadJsonLines(name, data);
  if (EndsWith(name, ".parquet")) {
    lake::BatchReaderOptions options;
    options.columns = LakeReadColumns();
    auto reader = lake::BatchReader::OpenBytes(data, options);  // read before returning
    if (!reader.ok()) return reader.status();
    return ReadLake(std::move(*reader), name);
  }
  return Status::InvalidArgument("'" + name +
                                 "': expected FILE.csv, FILE.jsonl, FILE.parquet or "
                                 "lake:DIR?from=YYYY-MM-DD&to=YYYY-MM-DD");
}

std::string TableJsonLines(const Table& table) {
  std::string out;
  for (size_t r = 0; r < table.rows; ++r) {
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    for (const TableColumn& col : table.columns) {
      nlohmann::ordered_json& cell = row[col.name];
      if (col.type == CellType::kString) {
        if (col.present[r] != 0) cell = col.strings[r];
        continue;
      }
      const double v = col.numbers[r];
      if (std::isnan(v)) continue;  // null
      switch (col.type) {
        case CellType::kInt:
          cell = static_cast<int64_t>(v);
          break;
        case CellType::kBool:
          cell = v != 0;
          break;
        default:
          cell = v;  // nlohmann writes a double with a '.' or an exponent
      }
    }
    out += row.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

std::string_view UsageName(Usage usage) {
  switch (usage) {
    case Usage::kNumeric:
      return "numeric";
    case Usage::kCategorical:
      return "categorical";
    case Usage::kText:
      return "text";
  }
  return "?";
}

Usage InferUsage(const TableColumn& c) {
  switch (c.type) {
    case CellType::kFloat:
      return Usage::kNumeric;
    case CellType::kBool:
      return Usage::kCategorical;
    case CellType::kInt: {
      std::unordered_set<double> distinct;
      for (double v : c.numbers) {
        distinct.insert(v);
        if (distinct.size() > 10) return Usage::kNumeric;
      }
      return Usage::kCategorical;
    }
    case CellType::kString: {
      std::unordered_set<std::string_view> distinct;
      size_t present = 0;
      for (size_t r = 0; r < c.strings.size(); ++r) {
        if (c.present[r] == 0) continue;
        ++present;
        distinct.insert(c.strings[r]);
      }
      return distinct.size() * 2 > present ? Usage::kText : Usage::kCategorical;
    }
  }
  return Usage::kText;
}

namespace {

std::string CategoryOf(const TableColumn& c, size_t r) {
  if (c.type == CellType::kString) return c.strings[r];
  if (c.type == CellType::kBool) return c.numbers[r] != 0 ? "True" : "False";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", c.numbers[r]);
  return buf;
}

bool Present(const TableColumn& c, size_t r) {
  return c.type == CellType::kString ? c.present[r] != 0 : !std::isnan(c.numbers[r]);
}

// Codes of `c`'s values in `dict` (grown as new values come), -1 for missing.
std::vector<int32_t> Encode(const TableColumn& c, std::unordered_map<std::string, int32_t>* index,
                            std::vector<std::string>* dict) {
  const size_t rows = c.type == CellType::kString ? c.strings.size() : c.numbers.size();
  std::vector<int32_t> codes(rows, -1);
  for (size_t r = 0; r < rows; ++r) {
    if (!Present(c, r)) continue;
    std::string key = CategoryOf(c, r);
    auto [it, added] = index->emplace(key, static_cast<int32_t>(dict->size()));
    if (added) dict->push_back(std::move(key));
    codes[r] = it->second;
  }
  return codes;
}

}  // namespace

namespace {

bool AnyPresent(const TableColumn& c) {
  if (c.type == CellType::kString) {
    return std::find(c.present.begin(), c.present.end(), 1) != c.present.end();
  }
  return std::any_of(c.numbers.begin(), c.numbers.end(), [](double v) { return !std::isnan(v); });
}

}  // namespace

Result<PreparedSamples> PrepareSamples(const Table& reference, const Table& current,
                                       const std::vector<std::string>& columns) {
  std::vector<std::string> names = columns;
  PreparedSamples out;
  if (names.empty()) {
    for (const TableColumn& c : current.columns) {
      const TableColumn* ref = reference.Find(c.name);
      if (ref == nullptr) continue;
      if (!AnyPresent(c) || !AnyPresent(*ref)) {
        out.empty.push_back(c.name);
        continue;
      }
      if (InferUsage(c) == Usage::kText) {
        out.skipped.push_back(c.name);
        continue;
      }
      names.push_back(c.name);
    }
    if (names.empty()) {
      return Status::InvalidArgument("the reference and current data share no column to compare");
    }
  }
  out.current.reserve(names.size());
  out.current_codes.reserve(names.size());
  out.dictionaries.reserve(names.size());
  out.current_numbers.reserve(names.size());
  for (const std::string& name : names) {
    const TableColumn* ref = reference.Find(name);
    const TableColumn* cur = current.Find(name);
    if (ref == nullptr || cur == nullptr) {
      return Status::InvalidArgument("column '" + name + "' is not in the " +
                                     (ref == nullptr ? "reference" : "current") + " data");
    }
    const Usage usage = InferUsage(*cur);
    if (usage == Usage::kText) {
      return Status::InvalidArgument("column '" + name +
                                     "' is free text (more than half its values distinct): "
                                     "compare figures derived from it instead");
    }
    ColumnSample ref_sample;
    ColumnSample cur_sample;
    ref_sample.name = cur_sample.name = name;
    if (usage == Usage::kNumeric) {
      if (ref->type == CellType::kString) {
        return Status::InvalidArgument("column '" + name +
                                       "' is numeric in the current data but not in the reference");
      }
      ref_sample.kind = cur_sample.kind = ColumnKind::kNumeric;
      ref_sample.integer = cur_sample.integer = cur->type == CellType::kInt;
      ref_sample.numbers = ref->numbers;
      out.current_numbers.push_back(cur->numbers);
      cur_sample.numbers = out.current_numbers.back();
      auto prepared = ReferenceColumn::Prepare(ref_sample);
      if (!prepared.ok()) return prepared.status();
      out.reference.push_back(std::move(*prepared));
    } else {
      ref_sample.kind = cur_sample.kind = ColumnKind::kCategorical;
      std::unordered_map<std::string, int32_t> index;
      std::vector<std::string> dict;
      std::vector<int32_t> ref_codes = Encode(*ref, &index, &dict);
      out.current_codes.push_back(Encode(*cur, &index, &dict));
      out.dictionaries.push_back(std::move(dict));
      ref_sample.codes = ref_codes;
      ref_sample.categories = out.dictionaries.back();
      cur_sample.codes = out.current_codes.back();
      cur_sample.categories = out.dictionaries.back();
      auto prepared = ReferenceColumn::Prepare(ref_sample);
      if (!prepared.ok()) return prepared.status();
      out.reference.push_back(std::move(*prepared));
    }
    out.current.push_back(cur_sample);
  }
  return out;
}

}  // namespace covidflow::monitor
