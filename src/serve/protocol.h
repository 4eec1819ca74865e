#pragma once
// The request and response bodies of the two scoring protocols, apart from any socket, so
// they are unit-tested and fuzzed on their own (tests/fuzz/serve_request_fuzz.cc).
//
// MLflow's scoring protocol (POST /invocations), JSON with exactly one of
//   dataframe_split    {"columns": [...], "data": [[...], ...], "index": [...] (ignored)}
//   dataframe_records  [{"column": value, ...}, ...]
//   instances, inputs  ["text", ...] (each string fills the model's text column),
//                      [{"column": value, ...}, ...] or {"column": [values...], ...}
// and optionally "params" (accepted, unused); or text/csv with a header row. Values: strings
// as they are, numbers and booleans as their JSON text, null as "" (as training reads JSONL).
// The answer: {"predictions": [{"label": "positive", "probabilities": {"negative": 0.1,
// "positive": 0.9}, "model": "tweets", "version": 3}, ...]}: pandas reads it as one row per
// prediction with these columns. A regression model answers as MLflow does for one numeric
// output: {"predictions": [2.31, 0.0, ...]}, one number per row (the version is in the
// X-Covidflow-Model header).
//
// Open Inference Protocol v2 (POST /v2/models/NAME[/versions/V]/infer):
//   {"id": "r1", "parameters": {...}, "inputs": [{"name": "text", "shape": [2],
//    "datatype": "BYTES", "data": ["...", "..."]}, ...], "outputs": [{"name": "label"}]}
// Each input is a column named by its "name" (a BYTES input whose name the model does not read
// fills the model's text column when it is the only input); BYTES data are strings, FP32,
// FP64, INT8..INT64, UINT8..UINT64 and BOOL data numbers or booleans; the product of "shape"
// must equal the number of values and every input has shape[0] rows. The answer:
//   {"model_name": "tweets", "model_version": "3", "id": "r1", "outputs": [
//    {"name": "label", "datatype": "BYTES", "shape": [n], "data": [...]},
//    {"name": "probabilities", "datatype": "FP64", "shape": [n, k], "data": [...],
//     "parameters": {"classes": "negative,positive"}}]}
// A regression model has one output instead: {"name": "value", "datatype": "FP64",
// "shape": [n], "data": [...]}.
//
// Errors are kInvalidArgument naming the field ("dataframe_split.data[2]: 3 values, 2
// columns"); more than `max_rows` rows is kInvalidArgument saying the limit. Any bytes are
// safe input: never a crash, never an exception out of these functions.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "features/table.h"
#include "serve/scoring.h"

namespace covidflow::serve {

// `text_column`: the column a bare string fills (TextColumn of the model).
Result<features::Table> ParseMlflowJson(std::string_view body, const std::string& text_column,
                                        size_t max_rows);
Result<features::Table> ParseMlflowCsv(std::string_view body, size_t max_rows);
std::string MlflowResponse(const Scores& scores);

// ParseMlflowJson's two readers, apart, for the differential fuzz target and tests: the fast
// reader of a dataframe_split of string or null cells (nullopt: not taken, the body goes to the
// other), and the general reader every body can take. Where the fast one takes a body, both
// give the same table.
namespace internal {
std::optional<features::Table> FastSplit(std::string_view body, size_t max_rows);
Result<features::Table> ParseMlflowJsonGeneral(std::string_view body,
                                               const std::string& text_column, size_t max_rows);
}  // namespace internal

struct InferRequest {
  std::string id;                    // echoed; "" when the request has none
  features::Table rows;              // one column per input
  std::vector<std::string> outputs;  // the outputs asked for; empty = all
};

Result<InferRequest> ParseInferRequest(std::string_view body, const std::string& text_column,
                                       size_t max_rows);
// kInvalidArgument naming an output the request asked for that a model of this kind does not
// have (a classifier: label, probabilities; a regression model: value). The server checks it
// before scoring, so a bad request is neither scored nor logged; InferResponse checks again
// for the model that did score (a canary challenger may be of another kind).
Status CheckInferOutputs(const InferRequest& request, bool regression);
Result<std::string> InferResponse(const Scores& scores, const InferRequest& request);

}  // namespace covidflow::serve
