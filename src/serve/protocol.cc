#include "serve/protocol.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "base/utf8.h"
#include "model/artifact.h"
#include "schema/text_writer.h"

namespace covidflow::serve {
namespace {

using nlohmann::json;

Status Bad(std::string message) { return Status::InvalidArgument(std::move(message)); }

Status TooMany(size_t rows, size_t max_rows) {
  return Bad(std::to_string(rows) + " rows, more than the limit of " + std::to_string(max_rows) +
             " (serve.max_rows)");
}

// A cell's text: strings as they are, numbers and booleans as their JSON text, null as "".
Result<std::string> Cell(const json& v, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return std::string();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return Bad(where + ": expected a string, number, boolean or null, got " +
             std::string(v.type_name()));
}

Result<json> ParseJson(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("the body is not valid JSON");
  return j;
}

// Rows as objects {"column": value}: every key becomes a column, absent cells are "".
Result<features::Table> FromRecords(const json& records, const std::string& where,
                                    size_t max_rows) {
  if (records.size() > max_rows) return TooMany(records.size(), max_rows);
  features::Table t;
  for (size_t r = 0; r < records.size(); ++r) {
    const json& record = records[r];
    const std::string at = where + "[" + std::to_string(r) + "]";
    if (!record.is_object()) return Bad(at + ": expected an object of column values");
    for (auto& column : t.columns) column.emplace_back();
    for (const auto& [key, value] : record.items()) {
      std::vector<std::string>& column = t.AddColumn(key);
      if (column.size() == r) column.emplace_back();
      ASSIGN_OR_RETURN(column[r], Cell(value, at + "." + key));
    }
  }
  return t;
}

Result<features::Table> FromSplit(const json& split, size_t max_rows) {
  if (!split.is_object()) return Bad("dataframe_split: expected an object");
  if (!split.contains("columns") || !split["columns"].is_array()) {
    return Bad("dataframe_split.columns: expected an array of column names");
  }
  if (!split.contains("data") || !split["data"].is_array()) {
    return Bad("dataframe_split.data: expected an array of rows");
  }
  const json& columns = split["columns"];
  const json& data = split["data"];
  if (data.size() > max_rows) return TooMany(data.size(), max_rows);
  features::Table t;
  std::set<std::string> seen;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (!columns[c].is_string()) {
      return Bad("dataframe_split.columns[" + std::to_string(c) + "]: expected a string");
    }
    const std::string name = columns[c].get<std::string>();
    if (!seen.insert(name).second) return Bad("dataframe_split.columns: '" + name + "' twice");
    t.names.push_back(name);
  }
  t.columns.assign(t.names.size(), {});
  for (size_t r = 0; r < data.size(); ++r) {
    const std::string at = "dataframe_split.data[" + std::to_string(r) + "]";
    if (!data[r].is_array()) return Bad(at + ": expected an array of values");
    if (data[r].size() != t.names.size()) {
      return Bad(at + ": " + std::to_string(data[r].size()) + " values, " +
                 std::to_string(t.names.size()) + " columns");
    }
    for (size_t c = 0; c < t.names.size(); ++c) {
      ASSIGN_OR_RETURN(std::string cell, Cell(data[r][c], at + "[" + std::to_string(c) + "]"));
      t.columns[c].push_back(std::move(cell));
    }
  }
  return t;
}

// instances / inputs: bare strings, records, or columns.
Result<features::Table> FromInstances(const json& v, const std::string& key,
                                      const std::string& text_column, size_t max_rows) {
  if (v.is_object()) {
    features::Table t;
    for (const auto& [name, values] : v.items()) {
      const std::string at = key + "." + name;
      if (!values.is_array()) return Bad(at + ": expected an array of values");
      if (values.size() > max_rows) return TooMany(values.size(), max_rows);
      if (!t.names.empty() && values.size() != t.rows()) {
        return Bad(at + ": " + std::to_string(values.size()) + " values, other columns have " +
                   std::to_string(t.rows()));
      }
      std::vector<std::string> cells;
      for (size_t r = 0; r < values.size(); ++r) {
        ASSIGN_OR_RETURN(std::string cell, Cell(values[r], at + "[" + std::to_string(r) + "]"));
        cells.push_back(std::move(cell));
      }
      t.AddColumn(name) = std::move(cells);
    }
    return t;
  }
  if (!v.is_array()) return Bad(key + ": expected an array of rows or an object of columns");
  if (!v.empty() && v[0].is_object()) return FromRecords(v, key, max_rows);
  if (v.size() > max_rows) return TooMany(v.size(), max_rows);
  features::Table t;
  std::vector<std::string>& column = t.AddColumn(text_column);
  for (size_t r = 0; r < v.size(); ++r) {
    if (!v[r].is_string()) {
      return Bad(key + "[" + std::to_string(r) + "]: expected a string (the text) like row 0");
    }
    column.push_back(v[r].get<std::string>());
  }
  return t;
}

bool IsNumericType(std::string_view t) {
  static const char* const kTypes[] = {"FP16",  "FP32",  "FP64",   "INT8",   "INT16", "INT32",
                                       "INT64", "UINT8", "UINT16", "UINT32", "UINT64"};
  for (const char* k : kTypes) {
    if (t == k) return true;
  }
  return false;
}

// Appends the leaves of a (possibly nested, row-major) data array to `out`.
Status Flatten(const json& data, const std::string& where, int depth,
               std::vector<const json*>* out) {
  if (depth > 8) return Bad(where + ": nested deeper than 8");
  for (const json& v : data) {
    if (v.is_array()) {
      RETURN_IF_ERROR(Flatten(v, where, depth + 1, out));
    } else {
      out->push_back(&v);
    }
  }
  return Status::Ok();
}

}  // namespace

namespace internal {

// The common request, {"dataframe_split": {"columns": [names], "data": [[cells]]}} with
// string or null cells (other keys of the split, such as pandas' "index", ignored), read
// with simdjson into the table straight away. nullopt for anything else, or anything it does
// not accept (bad JSON, a duplicate key, numbers, a wrong shape, too many rows): the DOM
// path then reads it and gives the same rows, or the error naming what is wrong. Bodies over
// kFastSplitBytes go the DOM path too, so the thread's parser stays small.
constexpr size_t kFastSplitBytes = size_t{1} << 20;

std::optional<features::Table> FastSplit(std::string_view body, size_t max_rows) {
  namespace dom = simdjson::dom;
  if (body.size() > kFastSplitBytes) return std::nullopt;
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return std::nullopt;
  dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS || top.size() != 1) return std::nullopt;
  const dom::key_value_pair only = *top.begin();
  dom::object split;
  if (only.key != "dataframe_split" || only.value.get_object().get(split) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  features::Table t;
  bool have_columns = false;
  bool have_data = false;
  for (const dom::key_value_pair field : split) {
    if (field.key == "columns") {
      dom::array columns;
      if (have_columns || field.value.get_array().get(columns) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      have_columns = true;
      for (const dom::element c : columns) {
        std::string_view name;
        if (c.get_string().get(name) != simdjson::SUCCESS) return std::nullopt;
        if (std::find(t.names.begin(), t.names.end(), name) != t.names.end()) return std::nullopt;
        t.names.emplace_back(name);
      }
      t.columns.assign(t.names.size(), {});
    } else if (field.key == "data") {
      dom::array data;
      // The columns first: the rows are read into them.
      if (have_data || !have_columns || field.value.get_array().get(data) != simdjson::SUCCESS ||
          data.size() > max_rows) {
        return std::nullopt;
      }
      have_data = true;
      for (std::vector<std::string>& column : t.columns) column.reserve(data.size());
      for (const dom::element row : data) {
        dom::array cells;
        if (row.get_array().get(cells) != simdjson::SUCCESS || cells.size() != t.names.size()) {
          return std::nullopt;
        }
        size_t c = 0;
        for (const dom::element cell : cells) {
          std::string_view text;
          if (cell.is_null()) {
            t.columns[c].emplace_back();
          } else if (cell.get_string().get(text) == simdjson::SUCCESS) {
            t.columns[c].emplace_back(text);
          } else {
            return std::nullopt;  // a number or boolean: the DOM path writes it as nlohmann does
          }
          ++c;
        }
      }
    }
  }
  if (!have_columns || !have_data) return std::nullopt;
  return t;
}

}  // namespace internal

namespace {

// The answer through nlohmann's DOM (the reference for MlflowResponse's direct writer).
std::string MlflowResponseDom(const Scores& scores) {
  json predictions = json::array();
  const std::vector<std::string>& classes = scores.classes();
  for (size_t r = 0; r < scores.rows; ++r) {
    json probabilities = json::object();
    for (size_t c = 0; c < classes.size(); ++c) {
      probabilities[classes[c]] = scores.Probability(r, c);
    }
    predictions.push_back({{"label", scores.Label(r)},
                           {"probabilities", std::move(probabilities)},
                           {"model", scores.model->name},
                           {"version", scores.model->version}});
  }
  return model::DumpJson(json{{"predictions", std::move(predictions)}});
}

// A probability as JSON: the shortest form that reads back the same; nlohmann writes the
// same value (it adds ".0" to a whole number, which reads back equal).
void AppendJsonDouble(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";  // as nlohmann writes a NaN or infinity
    return;
  }
  schema::AppendDouble(out, v);
}

}  // namespace

Result<features::Table> ParseMlflowJson(std::string_view body, const std::string& text_column,
                                        size_t max_rows) {
  if (std::optional<features::Table> t = internal::FastSplit(body, max_rows)) {
    return std::move(*t);
  }
  return internal::ParseMlflowJsonGeneral(body, text_column, max_rows);
}

Result<features::Table> internal::ParseMlflowJsonGeneral(std::string_view body,
                                                         const std::string& text_column,
                                                         size_t max_rows) {
  ASSIGN_OR_RETURN(json j, ParseJson(body));
  if (!j.is_object()) {
    return Bad(
        "expected a JSON object with one of dataframe_split, dataframe_records, "
        "instances, inputs");
  }
  static const char* const kKeys[] = {"dataframe_split", "dataframe_records", "instances",
                                      "inputs"};
  std::string found;
  for (const auto& [key, value] : j.items()) {
    bool known = key == "params";
    for (const char* k : kKeys) {
      if (key != k) continue;
      known = true;
      if (!found.empty()) {
        return Bad(
            "exactly one of dataframe_split, dataframe_records, instances, inputs is "
            "allowed; got " +
            found + " and " + key);
      }
      found = key;
    }
    if (!known) {
      return Bad("unknown field '" + key +
                 "'; expected one of dataframe_split, dataframe_records, instances, inputs "
                 "(and optionally params)");
    }
  }
  if (found.empty()) {
    return Bad("expected one of dataframe_split, dataframe_records, instances, inputs");
  }
  const json& v = j[found];
  if (found == "dataframe_split") return FromSplit(v, max_rows);
  if (found == "dataframe_records") {
    if (!v.is_array()) return Bad("dataframe_records: expected an array of objects");
    return FromRecords(v, found, max_rows);
  }
  return FromInstances(v, found, text_column, max_rows);
}

Result<features::Table> ParseMlflowCsv(std::string_view body, size_t max_rows) {
  ASSIGN_OR_RETURN(features::Table t,
                   features::ParseTable(body, features::FileFormat::kCsv, "the CSV body"));
  if (t.rows() > max_rows) return TooMany(t.rows(), max_rows);
  return t;
}

std::string MlflowResponse(const Scores& scores) {
  if (scores.Regression()) {
    // MLflow's answer for a model with one numeric output: the values themselves.
    std::string out = "{\"predictions\":[";
    for (size_t r = 0; r < scores.rows; ++r) {
      if (r > 0) out += ',';
      AppendJsonDouble(out, scores.Value(r));
    }
    return out + "]}";
  }
  const std::vector<std::string>& classes = scores.classes();
  const std::string& name = scores.model->name;
  // nlohmann replaces invalid UTF-8 on output, AppendJsonString copies it: such a name (a
  // model served from an oddly named directory) takes the DOM path so the answer stays JSON.
  bool plain = IsValidUtf8(name);
  for (const std::string& c : classes) plain = plain && IsValidUtf8(c);
  if (!plain) return MlflowResponseDom(scores);
  // Written directly (no DOM: one string, no allocation per row), in the DOM's order: each
  // object's keys sorted, so probabilities by class name.
  std::vector<size_t> order(classes.size());
  for (size_t c = 0; c < order.size(); ++c) order[c] = c;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return classes[a] < classes[b]; });
  std::string tail = ",\"version\":";
  schema::AppendInt(tail, scores.model->version);
  tail += '}';
  std::string model = ",\"model\":";
  schema::AppendJsonString(model, name);
  model += ",\"probabilities\":{";
  std::string out;
  out.reserve(32 + scores.rows * (model.size() + tail.size() + 48 + classes.size() * 40));
  out += "{\"predictions\":[";
  for (size_t r = 0; r < scores.rows; ++r) {
    if (r > 0) out += ',';
    out += "{\"label\":";
    schema::AppendJsonString(out, scores.Label(r));
    out += model;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0) out += ',';
      schema::AppendJsonString(out, classes[order[i]]);
      out += ':';
      AppendJsonDouble(out, scores.Probability(r, order[i]));
    }
    out += '}';
    out += tail;
  }
  out += "]}";
  return out;
}

Result<InferRequest> ParseInferRequest(std::string_view body, const std::string& text_column,
                                       size_t max_rows) {
  ASSIGN_OR_RETURN(json j, ParseJson(body));
  if (!j.is_object()) return Bad("expected a JSON object with \"inputs\"");
  InferRequest req;
  if (j.contains("id")) {
    if (!j["id"].is_string()) return Bad("id: expected a string");
    req.id = j["id"].get<std::string>();
  }
  if (j.contains("outputs")) {
    const json& outputs = j["outputs"];
    if (!outputs.is_array()) return Bad("outputs: expected an array");
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string at = "outputs[" + std::to_string(i) + "]";
      if (!outputs[i].is_object() || !outputs[i].contains("name") ||
          !outputs[i]["name"].is_string()) {
        return Bad(at + ": expected an object with a string \"name\"");
      }
      req.outputs.push_back(outputs[i]["name"].get<std::string>());
    }
  }
  if (!j.contains("inputs") || !j["inputs"].is_array() || j["inputs"].empty()) {
    return Bad("inputs: expected a non-empty array of tensors");
  }
  const json& inputs = j["inputs"];
  size_t rows = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const json& in = inputs[i];
    const std::string at = "inputs[" + std::to_string(i) + "]";
    if (!in.is_object()) return Bad(at + ": expected an object");
    if (!in.contains("name") || !in["name"].is_string())
      return Bad(at + ".name: expected a string");
    if (!in.contains("datatype") || !in["datatype"].is_string()) {
      return Bad(at + ".datatype: expected a string");
    }
    if (!in.contains("shape") || !in["shape"].is_array() || in["shape"].empty()) {
      return Bad(at + ".shape: expected a non-empty array of sizes");
    }
    if (!in.contains("data") || !in["data"].is_array()) return Bad(at + ".data: expected an array");
    std::string name = in["name"].get<std::string>();
    const std::string type = in["datatype"].get<std::string>();
    const bool bytes = type == "BYTES";
    if (!bytes && !IsNumericType(type) && type != "BOOL") {
      return Bad(at + ".datatype: '" + type +
                 "' is not one of BYTES, BOOL, FP16, FP32, FP64, "
                 "INT8..INT64, UINT8..UINT64");
    }
    uint64_t count = 1;
    for (const json& d : in["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) {
        return Bad(at + ".shape: expected non-negative integer sizes");
      }
      const uint64_t n = d.get<uint64_t>();
      if (n > 0 && count > (uint64_t{1} << 40) / n) return Bad(at + ".shape: too large");
      count *= n;
    }
    const uint64_t shape_rows = in["shape"][0].get<uint64_t>();
    if (shape_rows > max_rows) return TooMany(static_cast<size_t>(shape_rows), max_rows);
    std::vector<const json*> values;
    RETURN_IF_ERROR(Flatten(in["data"], at + ".data", 0, &values));
    if (values.size() != count) {
      return Bad(at + ": shape says " + std::to_string(count) + " values, data has " +
                 std::to_string(values.size()));
    }
    if (count != shape_rows) {
      return Bad(at + ".shape: one value per row expected (shape [" + std::to_string(shape_rows) +
                 "] or [" + std::to_string(shape_rows) + ", 1])");
    }
    if (i > 0 && shape_rows != rows) {
      return Bad(at + ": " + std::to_string(shape_rows) + " rows, inputs[0] has " +
                 std::to_string(rows));
    }
    rows = static_cast<size_t>(shape_rows);
    std::vector<std::string> cells;
    cells.reserve(values.size());
    for (size_t r = 0; r < values.size(); ++r) {
      const json& v = *values[r];
      const std::string vat = at + ".data[" + std::to_string(r) + "]";
      if (bytes && !v.is_string()) return Bad(vat + ": BYTES data must be strings");
      if (type == "BOOL" && !v.is_boolean()) return Bad(vat + ": BOOL data must be booleans");
      if (IsNumericType(type) && !v.is_number())
        return Bad(vat + ": " + type + " data must be numbers");
      ASSIGN_OR_RETURN(std::string cell, Cell(v, vat));
      cells.push_back(std::move(cell));
    }
    // A lone text input may be named anything ("input-0", "text"): it is the model's text.
    if (bytes && inputs.size() == 1) name = text_column;
    if (req.rows.Column(name) != nullptr) return Bad(at + ".name: '" + name + "' given twice");
    req.rows.AddColumn(name) = std::move(cells);
  }
  return req;
}

Status CheckInferOutputs(const InferRequest& request, bool regression) {
  for (const std::string& name : request.outputs) {
    if (regression ? name != "value" : name != "label" && name != "probabilities") {
      return Bad("outputs: unknown output '" + name + "'; the model has " +
                 (regression ? "value" : "label and probabilities"));
    }
  }
  return Status::Ok();
}

Result<std::string> InferResponse(const Scores& scores, const InferRequest& request) {
  const std::vector<std::string>& classes = scores.classes();
  const size_t n = scores.rows;
  const bool regression = scores.Regression();
  RETURN_IF_ERROR(CheckInferOutputs(request, regression));
  auto wanted = [&](std::string_view name) {
    if (request.outputs.empty()) return true;
    for (const std::string& o : request.outputs) {
      if (o == name) return true;
    }
    return false;
  };
  json outputs = json::array();
  if (regression) {
    outputs.push_back({{"name", "value"},
                       {"datatype", "FP64"},
                       {"shape", {n}},
                       {"data", scores.probabilities}});  // a regressor's one value a row
  }
  if (!regression && wanted("label")) {
    json labels = json::array();
    for (size_t r = 0; r < n; ++r) labels.push_back(scores.Label(r));
    outputs.push_back(
        {{"name", "label"}, {"datatype", "BYTES"}, {"shape", {n}}, {"data", std::move(labels)}});
  }
  if (!regression && wanted("probabilities")) {
    std::string joined;
    for (const std::string& c : classes) joined += (joined.empty() ? "" : ",") + c;
    outputs.push_back({{"name", "probabilities"},
                       {"datatype", "FP64"},
                       {"shape", {n, classes.size()}},
                       {"data", scores.probabilities},
                       {"parameters", {{"classes", joined}}}});
  }
  json out = {{"model_name", scores.model->name},
              {"model_version", std::to_string(scores.model->version)},
              {"outputs", std::move(outputs)}};
  if (!request.id.empty()) out["id"] = request.id;
  return model::DumpJson(out);
}

}  // namespace covidflow::serve
