#include "schema/csv.h"

#include <algorithm>
#include <cstring>

#include "base/utf8.h"
#include "schema/fields.h"
#include "schema/internal/values.h"
#include "schema/time.h"

namespace covidflow::schema {

using internal::MakeError;

namespace {

size_t Find(std::string_view s, char c, size_t from, size_t to) {
  const void* p = std::memchr(s.data() + from, c, to - from);
  return p == nullptr ? to : static_cast<size_t>(static_cast<const char*>(p) - s.data());
}

// The closing quote of a quoted field whose content starts at `from`, skipping "" pairs;
// npos when the input ends first. *escaped is set when a "" pair was seen.
size_t ClosingQuote(std::string_view s, size_t from, bool* escaped) {
  while (true) {
    const size_t q = Find(s, '"', from, s.size());
    if (q == s.size()) return std::string_view::npos;
    if (q + 1 < s.size() && s[q + 1] == '"') {
      *escaped = true;
      from = q + 2;
      continue;
    }
    return q;
  }
}

struct RawField {
  std::string_view value;  // between the quotes for a quoted field
  bool escaped = false;    // holds "" pairs to unescape
};

// Splits one record into fields. Strict RFC 4180 inside a record: after a closing quote
// only a comma or the end may follow.
std::optional<ParseError> SplitFields(std::string_view raw, std::vector<RawField>* fields) {
  fields->clear();
  size_t p = 0;
  const size_t n = raw.size();
  while (true) {
    if (p < n && raw[p] == '"') {
      bool escaped = false;
      const size_t close = ClosingQuote(raw, p + 1, &escaped);
      if (close == std::string_view::npos) {
        return MakeError(
            Reason::kMalformedCsv, "",
            "field " + std::to_string(fields->size() + 1) + " opens a quote that is never closed");
      }
      fields->push_back({raw.substr(p + 1, close - p - 1), escaped});
      p = close + 1;
      if (p == n) return std::nullopt;
      if (raw[p] != ',') {
        return MakeError(
            Reason::kMalformedCsv, "",
            "field " + std::to_string(fields->size()) + " has characters after its closing quote");
      }
      ++p;
      continue;
    }
    const size_t comma = Find(raw, ',', p, n);
    fields->push_back({raw.substr(p, comma - p), false});
    if (comma == n) return std::nullopt;
    p = comma + 1;
  }
}

}  // namespace

std::optional<ParseError> SplitCsvFields(std::string_view raw, std::vector<std::string>* fields) {
  if (raw.ends_with('\r')) raw.remove_suffix(1);
  thread_local std::vector<RawField> split;
  if (auto err = SplitFields(raw, &split)) return err;
  fields->resize(split.size());
  for (size_t i = 0; i < split.size(); ++i) {
    std::string& out = (*fields)[i];
    const std::string_view v = split[i].value;
    if (!split[i].escaped) {
      out.assign(v);
      continue;
    }
    out.clear();
    for (size_t k = 0; k < v.size(); ++k) {
      out.push_back(v[k]);
      if (v[k] == '"') ++k;  // the second quote of a "" pair
    }
  }
  return std::nullopt;
}

bool CsvSplitter::Next(std::string_view* record) {
  const size_t n = data_.size();
  if (pos_ >= n) return false;
  const size_t start = pos_;
  size_t p = start;
  size_t nl = Find(data_, '\n', p, n);
  while (true) {
    // The first quote before the line end that opens a quoted field.
    size_t q = Find(data_, '"', p, nl);
    while (q < nl && q != start && data_[q - 1] != ',') q = Find(data_, '"', q + 1, nl);
    if (q >= nl) break;
    bool escaped = false;
    const size_t close = ClosingQuote(data_, q + 1, &escaped);
    if (close == std::string_view::npos) {
      *record = data_.substr(start);
      pos_ = n;
      return true;
    }
    p = close + 1;
    if (close > nl) nl = Find(data_, '\n', p, n);
  }
  size_t end = nl;
  pos_ = nl < n ? nl + 1 : n;
  // Only a CR before an LF is a terminator: a buffer that ends after a CR may be a chunk of
  // a stream whose LF comes next, and the record must then look unfinished (position() ==
  // its end) to the caller. ParseCsvRecord drops a final CR itself.
  if (nl < n && end > start && data_[end - 1] == '\r') --end;
  *record = data_.substr(start, end - start);
  return true;
}

// ---- ColumnMapping ----

ColumnMapping::ColumnMapping() {
  for (size_t i = 0; i < kFieldCount; ++i) {
    columns[i].source = std::string(FieldName(static_cast<Field>(i)));
  }
}

namespace {

bool IsTimestampField(Field f) {
  return Columns()[static_cast<size_t>(f)].type == ValueType::kTimestamp;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ColumnMapping> ColumnMapping::Parse(std::string_view spec) {
  ColumnMapping m;
  for (auto& c : m.columns) c = Column{};
  std::array<bool, kFieldCount> seen{};
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("mapping item '" + std::string(item) +
                                     "' is not field=Column[:format]");
    }
    const std::string_view name = Trim(item.substr(0, eq));
    std::string_view source = Trim(item.substr(eq + 1));
    std::string_view format;
    if (const size_t colon = source.find(':'); colon != std::string_view::npos) {
      format = source.substr(colon + 1);
      source = Trim(source.substr(0, colon));
    }
    Field f;
    if (!FieldFromName(name, &f)) {
      return Status::InvalidArgument("mapping names '" + std::string(name) +
                                     "', which is not a seed field");
    }
    if (source.empty()) {
      return Status::InvalidArgument("mapping of '" + std::string(name) + "' has no column");
    }
    if (seen[static_cast<size_t>(f)]) {
      return Status::InvalidArgument("mapping lists '" + std::string(name) + "' twice");
    }
    seen[static_cast<size_t>(f)] = true;
    if (!format.empty() && !IsTimestampField(f)) {
      return Status::InvalidArgument("mapping gives a format to '" + std::string(name) +
                                     "', which is not a timestamp");
    }
    if (!IsValidTimestampFormat(format)) {
      return Status::InvalidArgument("mapping format '" + std::string(format) + "' of '" +
                                     std::string(name) + "' uses an unknown directive");
    }
    m.columns[static_cast<size_t>(f)] = Column{std::string(source), std::string(format)};
  }
  for (const ColumnInfo& c : Columns().first(kFieldCount)) {
    if (c.required && !m.mapped(*c.seed)) {
      return Status::InvalidArgument("mapping must give a column for '" + std::string(c.seed_name) +
                                     "'");
    }
  }
  return m;
}

std::span<const std::string_view> ColumnMapping::PresetNames() {
  static constexpr std::string_view kNames[] = {"reference", "corona-nlp"};
  return kNames;
}

Result<ColumnMapping> ColumnMapping::Preset(std::string_view name) {
  if (name == "reference" || name.empty()) return ColumnMapping();
  if (name == "corona-nlp") {
    return Parse(
        "user_name=UserName,user_location=Location,date=TweetAt:%d-%m-%Y,"
        "text=OriginalTweet");
  }
  return Status::InvalidArgument("unknown mapping preset '" + std::string(name) +
                                 "' (presets: reference, corona-nlp)");
}

std::string ColumnMapping::ToString() const {
  std::string s;
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (columns[i].source.empty()) continue;
    if (!s.empty()) s += ',';
    s += FieldName(static_cast<Field>(i));
    s += '=';
    s += columns[i].source;
    if (!columns[i].format.empty()) {
      s += ':';
      s += columns[i].format;
    }
  }
  return s;
}

// ---- CsvLayout ----

Result<CsvLayout> CsvLayout::FromHeader(std::string_view header_record,
                                        const ColumnMapping& mapping) {
  if (header_record.starts_with("\xEF\xBB\xBF")) header_record.remove_prefix(3);
  std::vector<RawField> fields;
  if (auto err = SplitFields(header_record, &fields)) {
    return Status::InvalidArgument("header: " + err->message);
  }
  CsvLayout layout;
  layout.columns_.resize(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].escaped) {
      internal::AssignUnescaped(fields[i].value, &layout.columns_[i].name);
    } else {
      layout.columns_[i].name.assign(fields[i].value);
    }
  }
  std::string missing;  // every mapped column the header lacks, in field order
  for (size_t f = 0; f < kFieldCount; ++f) {
    const ColumnMapping::Column& c = mapping.columns[f];
    if (c.source.empty()) continue;
    int found = -1;
    for (size_t i = 0; i < layout.columns_.size(); ++i) {
      if (layout.columns_[i].name != c.source) continue;
      if (found >= 0) {
        return Status::InvalidArgument("header names column '" + c.source + "' twice");
      }
      found = static_cast<int>(i);
    }
    if (found < 0) {
      missing += (missing.empty() ? "'" : ", '") + c.source + "'";
      continue;
    }
    layout.columns_[static_cast<size_t>(found)].field = static_cast<int8_t>(f);
    layout.mapped_[f] = true;
    layout.formats_[f] = c.format;
  }
  if (!missing.empty()) {
    // Name the presets that do read this header: the usual mistake is a missing --mapping.
    std::string fits;
    for (std::string_view name : ColumnMapping::PresetNames()) {
      Result<ColumnMapping> preset = ColumnMapping::Preset(name);
      if (!preset.ok()) continue;
      const bool reads_all = std::all_of(
          preset->columns.begin(), preset->columns.end(), [&](const ColumnMapping::Column& c) {
            return c.source.empty() ||
                   std::any_of(layout.columns_.begin(), layout.columns_.end(),
                               [&](const Column& column) { return column.name == c.source; });
          });
      if (reads_all) fits += (fits.empty() ? "" : ", ") + std::string(name);
    }
    std::string known;
    for (std::string_view name : ColumnMapping::PresetNames()) {
      known += (known.empty() ? "" : ", ") + std::string(name);
    }
    return Status::InvalidArgument("header lacks column(s) " + missing +
                                   " of the column mapping (known mappings: " + known +
                                   ", or 'field=Column,...')" +
                                   (fits.empty() ? std::string() : "; it fits --mapping " + fits));
  }
  // Names reach Tweet::extra and the output topics: they must be valid UTF-8 too. Matched
  // above as they are, then repaired (a fuzz finding: tests/fuzz/corpus/csv/regressions/).
  for (Column& column : layout.columns_) {
    if (IsValidUtf8(column.name)) continue;
    std::string repaired;
    AppendRepairedUtf8(repaired, column.name);
    column.name = std::move(repaired);
  }
  return layout;
}

// ---- ParseCsvRecord ----

std::optional<ParseError> ParseCsvRecord(std::string_view raw, const CsvLayout& layout,
                                         const ParseOptions& options, Tweet* out) {
  if (raw.ends_with('\n')) raw.remove_suffix(1);
  if (raw.ends_with('\r')) raw.remove_suffix(1);
  thread_local std::vector<RawField> fields;
  if (auto err = SplitFields(raw, &fields)) return err;

  bool all_empty = true;
  for (const RawField& f : fields) all_empty = all_empty && f.value.empty();
  if (all_empty) {
    return MakeError(Reason::kEmptyRecord, "",
                     "record of " + std::to_string(fields.size()) + " empty fields");
  }
  if (fields.size() != layout.columns_.size()) {
    return MakeError(Reason::kColumnCount, "",
                     "record has " + std::to_string(fields.size()) + " fields, the header has " +
                         std::to_string(layout.columns_.size()));
  }

  out->utf8_repaired = false;
  internal::ResetUnmapped(layout.mapped_, out);
  // One check of the whole record: a valid record splits (at ASCII bytes) into valid fields,
  // so the fields are checked one by one only when something in it is invalid.
  const bool utf8 = IsValidUtf8(raw);
  size_t n_extra = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    const RawField& rf = fields[i];
    const CsvLayout::Column& col = layout.columns_[i];
    if (rf.value.size() > options.max_field_bytes) {
      return MakeError(Reason::kFieldTooLarge, col.name,
                       "column '" + col.name + "' has " + std::to_string(rf.value.size()) +
                           " bytes, over the limit of " + std::to_string(options.max_field_bytes));
    }
    if (col.field == CsvLayout::kNotAField) {
      if (!options.keep_extra_columns) continue;
      if (n_extra == out->extra.size()) out->extra.emplace_back();
      auto& [name, value] = out->extra[n_extra++];
      name = col.name;
      if (auto err =
              internal::SetText(rf.value, rf.escaped, col.name, options, &value, out, utf8)) {
        return err;
      }
      continue;
    }
    std::optional<ParseError> err;
    // Typed values never legitimately contain quotes, so they are read unescaped: a "" in
    // one makes it invalid either way.
    VisitSeedField(static_cast<Field>(col.field), *out, [&](const auto& def, auto& value) {
      using Def = std::remove_cvref_t<decltype(def)>;
      const std::string_view name = def.SeedName();
      if constexpr (Def::type == ValueType::kString) {
        err = internal::SetText(rf.value, rf.escaped, name, options, &value, out, utf8);
        if (def.required && !err && value.empty()) {
          err =
              MakeError(Reason::kMissingField, name, "field '" + std::string(name) + "' is empty");
        }
      } else if constexpr (Def::type == ValueType::kTimestamp) {
        err = internal::SetTimestamp(rf.value, layout.formats_[col.field], name, def.required,
                                     &value);
      } else if constexpr (Def::type == ValueType::kInt64) {
        err = internal::SetCount(rf.value, name, &value);
      } else if constexpr (Def::type == ValueType::kBool) {
        err = internal::SetBool(rf.value, name, &value);
      } else if constexpr (Def::type == ValueType::kStringList) {
        if (rf.escaped) {
          thread_local std::string unescaped;
          internal::AssignUnescaped(rf.value, &unescaped);
          err = internal::SetHashtagList(unescaped, options, out, utf8);
        } else {
          err = internal::SetHashtagList(rf.value, options, out, utf8);
        }
      } else {
        static_assert(Def::type == ValueType::kString, "a seed type the CSV reader lacks");
      }
    });
    if (err) return err;
  }
  out->extra.resize(n_extra);
  return std::nullopt;
}

}  // namespace covidflow::schema
