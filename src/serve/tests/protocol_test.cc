// The bodies of the MLflow and Open Inference v2 protocols, without a socket.
#include "serve/protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/testing/temp_dir.h"
#include "model/artifact.h"
#include "serve/tests/test_model.h"

namespace covidflow::serve {
namespace {

using nlohmann::json;

std::vector<std::string> Col(const features::Table& t, const std::string& name) {
  const std::vector<std::string>* c = t.Column(name);
  return c == nullptr ? std::vector<std::string>{"<absent>"} : *c;
}

void ExpectBad(const Result<features::Table>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << needle;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(MlflowJsonTest, EveryFormatGivesTheSameRows) {
  const std::vector<std::string> text = {"love it", "hate it"};
  for (
      const char* body : {
          R"({"dataframe_split": {"columns": ["text", "n"], "data": [["love it", 1], ["hate it", 2.5]]}})",
          R"({"dataframe_records": [{"text": "love it", "n": 1}, {"text": "hate it", "n": 2.5}]})",
          R"({"instances": [{"text": "love it", "n": 1}, {"text": "hate it", "n": 2.5}]})",
          R"({"inputs": {"text": ["love it", "hate it"], "n": [1, 2.5]}, "params": {"x": 1}})",
      }) {
    Result<features::Table> t = ParseMlflowJson(body, "text", 100);
    ASSERT_TRUE(t.ok()) << body << ": " << t.status().ToString();
    EXPECT_EQ(Col(*t, "text"), text) << body;
    EXPECT_EQ(Col(*t, "n"), (std::vector<std::string>{"1", "2.5"})) << body;
  }
  Result<features::Table> bare =
      ParseMlflowJson(R"({"instances": ["love it", "hate it"]})", "tweet", 100);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(Col(*bare, "tweet"), text);
  // Absent cells and null are empty; booleans their JSON text.
  Result<features::Table> gaps = ParseMlflowJson(
      R"({"dataframe_records": [{"text": "a"}, {"flag": true, "text": null}]})", "text", 100);
  ASSERT_TRUE(gaps.ok());
  EXPECT_EQ(Col(*gaps, "text"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(Col(*gaps, "flag"), (std::vector<std::string>{"", "true"}));
}

// A dataframe_split of strings and nulls takes a faster reader (simdjson); a "params" key
// sends the same split through the DOM reader: both must give the same table, and what the
// fast reader does not take (a bad split, too many rows) is still refused by the DOM reader.
TEST(MlflowJsonTest, FastSplitReaderGivesTheDomReadersRows) {
  const std::string split =
      R"({"columns": ["text", "tweet_id"], "index": [0, 1, 2], "data": [["love \"it\" \u00fc \ud83d\ude00", "7"], [null, "8"], ["", null]]})";
  Result<features::Table> fast =
      ParseMlflowJson(R"({"dataframe_split": )" + split + "}", "text", 3);
  Result<features::Table> dom =
      ParseMlflowJson(R"({"params": {}, "dataframe_split": )" + split + "}", "text", 3);
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  ASSERT_TRUE(dom.ok()) << dom.status().ToString();
  EXPECT_EQ(fast->names, dom->names);
  EXPECT_EQ(fast->columns, dom->columns);
  EXPECT_EQ(Col(*fast, "text"),
            (std::vector<std::string>{"love \"it\" \u00fc \U0001F600", "", ""}));
  EXPECT_EQ(Col(*fast, "tweet_id"), (std::vector<std::string>{"7", "8", ""}));
  ExpectBad(ParseMlflowJson(R"({"dataframe_split": )" + split + "}", "text", 2),
            "3 rows, more than the limit of 2");
  ExpectBad(
      ParseMlflowJson(R"({"dataframe_split": {"columns": ["a"], "data": [["x"]]}} x)", "text", 100),
      "not valid JSON");
  ExpectBad(ParseMlflowJson("{\"dataframe_split\": {\"columns\": [\"a\"], \"data\": [[\"\xff\"]]}}",
                            "text", 100),
            "not valid JSON");
}

TEST(MlflowJsonTest, RefusesWrongShapesNamingTheField) {
  ExpectBad(ParseMlflowJson("{not json", "text", 100), "not valid JSON");
  ExpectBad(ParseMlflowJson("[1, 2]", "text", 100), "expected a JSON object");
  ExpectBad(ParseMlflowJson("{}", "text", 100), "expected one of");
  ExpectBad(ParseMlflowJson(R"({"instances": ["a"], "inputs": ["b"]})", "text", 100),
            "exactly one of");
  ExpectBad(ParseMlflowJson(R"({"rows": ["a"]})", "text", 100), "unknown field 'rows'");
  ExpectBad(ParseMlflowJson(R"({"dataframe_split": {"columns": ["a"], "data": [["x", "y"]]}})",
                            "text", 100),
            "dataframe_split.data[0]: 2 values, 1 columns");
  ExpectBad(ParseMlflowJson(R"({"dataframe_split": {"data": [["x"]]}})", "text", 100),
            "dataframe_split.columns");
  ExpectBad(
      ParseMlflowJson(R"({"dataframe_split": {"columns": ["a", "a"], "data": []}})", "text", 100),
      "'a' twice");
  ExpectBad(ParseMlflowJson(R"({"dataframe_records": [{"text": [1, 2]}]})", "text", 100),
            "dataframe_records[0].text: expected a string, number, boolean or null");
  ExpectBad(ParseMlflowJson(R"({"dataframe_records": {"text": "a"}})", "text", 100),
            "dataframe_records: expected an array");
  ExpectBad(ParseMlflowJson(R"({"instances": ["a", 3]})", "text", 100), "instances[1]");
  ExpectBad(ParseMlflowJson(R"({"inputs": {"a": [1, 2], "b": [1]}})", "text", 100),
            "inputs.b: 1 values");
  ExpectBad(ParseMlflowJson(R"({"instances": ["a", "b", "c"]})", "text", 2),
            "3 rows, more than the limit of 2");
}

TEST(MlflowCsvTest, ReadsAHeaderAndRows) {
  Result<features::Table> t = ParseMlflowCsv("text,n\n\"love, it\",1\nhate it,2\n", 10);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Col(*t, "text"), (std::vector<std::string>{"love, it", "hate it"}));
  ExpectBad(ParseMlflowCsv("text\na\nb\nc\n", 2), "limit of 2");
  ExpectBad(ParseMlflowCsv("a,b\n1\n", 10), "1 fields, the header has 2");
  ExpectBad(ParseMlflowCsv("", 10), "no header");
}

TEST(InferRequestTest, ReadsInputsAndTheId) {
  Result<InferRequest> r = ParseInferRequest(R"({"id": "r-1", "inputs": [
      {"name": "text", "shape": [2, 1], "datatype": "BYTES", "data": [["love it"], ["hate it"]]},
      {"name": "n", "shape": [2], "datatype": "FP32", "data": [1.5, 2]},
      {"name": "b", "shape": [2], "datatype": "BOOL", "data": [true, false]}],
      "outputs": [{"name": "label"}]})",
                                             "text", 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "r-1");
  EXPECT_EQ(Col(r->rows, "text"), (std::vector<std::string>{"love it", "hate it"}));
  EXPECT_EQ(Col(r->rows, "n"), (std::vector<std::string>{"1.5", "2"}));
  EXPECT_EQ(Col(r->rows, "b"), (std::vector<std::string>{"true", "false"}));
  EXPECT_EQ(r->outputs, std::vector<std::string>{"label"});
  // A lone text input fills the model's text column whatever its name.
  Result<InferRequest> lone = ParseInferRequest(
      R"({"inputs": [{"name": "input-0", "shape": [1], "datatype": "BYTES", "data": ["x"]}]})",
      "tweet", 100);
  ASSERT_TRUE(lone.ok());
  EXPECT_EQ(Col(lone->rows, "tweet"), std::vector<std::string>{"x"});
}

TEST(InferRequestTest, RefusesWrongShapesAndTypes) {
  auto bad = [](const std::string& body, const std::string& needle, size_t max_rows = 100) {
    Result<InferRequest> r = ParseInferRequest(body, "text", max_rows);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  bad("nope", "not valid JSON");
  bad(R"({"inputs": []})", "inputs: expected a non-empty array");
  bad(R"({"id": 3, "inputs": []})", "id: expected a string");
  bad(R"({"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["a"]}]})",
      "shape says 2 values, data has 1");
  bad(R"({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [1]}]})",
      "BYTES data must be strings");
  bad(R"({"inputs": [{"name": "n", "shape": [1], "datatype": "FP64", "data": ["a"]}]})",
      "FP64 data must be numbers");
  bad(R"({"inputs": [{"name": "n", "shape": [1], "datatype": "COMPLEX", "data": [1]}]})",
      "'COMPLEX' is not one of");
  bad(R"({"inputs": [{"name": "n", "shape": [-1], "datatype": "FP64", "data": [1]}]})",
      "non-negative integer sizes");
  bad(R"({"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1]},
                     {"name": "b", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
      "2 rows, inputs[0] has 1");
  bad(R"({"inputs": [{"name": "t", "shape": [3], "datatype": "BYTES", "data": ["a", "b", "c"]}]})",
      "limit of 2", 2);
  bad(R"({"inputs": [{"shape": [1], "datatype": "BYTES", "data": ["a"]}]})", "inputs[0].name");
  bad(R"({"inputs": [{"name": "t", "shape": [1], "datatype": "BYTES", "data": ["a"]}],
          "outputs": [{"nom": "label"}]})",
      "outputs[0]");
}

// The MLflow answer is written without a DOM; it must be the bytes nlohmann's DOM would
// write: keys sorted in each object (probabilities by class name, not the model's order),
// names escaped, every row's own label and probabilities.
TEST(ResponsesTest, MlflowAnswerIsWhatTheDomWrites) {
  covidflow::testing::TempDir dir;
  testmodel::WriteModel(dir.Sub("m"));
  Result<model::Model> loaded = model::LoadModel(dir.Sub("m"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  loaded->classes = {"zeta", "alpha", "mid"};  // not in name order
  auto m = std::make_shared<LoadedModel>(
      LoadedModel{"tweets \"ü\" \\ v", 12, "", "", std::move(*loaded), {}});
  Scores s;
  s.model = m;
  s.rows = 2;
  s.probabilities = {0.25, 0.625, 0.125, 0.5, 0.375, 0.125};
  s.labels = {1, 0};
  const std::string out = MlflowResponse(s);
  json dom = json::object();
  dom["predictions"] = json::array();
  for (size_t r = 0; r < 2; ++r) {
    json p = json::object();
    for (size_t c = 0; c < 3; ++c) p[m->model.classes[c]] = s.Probability(r, c);
    dom["predictions"].push_back(
        {{"label", s.Label(r)}, {"probabilities", p}, {"model", m->name}, {"version", 12}});
  }
  EXPECT_EQ(out, dom.dump());
  EXPECT_NE(out.find(R"("label":"alpha")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("alpha":0.625,"mid":0.125,"zeta":0.25)"), std::string::npos) << out;
}

TEST(ResponsesTest, NameTheModelVersionAndEchoTheId) {
  covidflow::testing::TempDir dir;
  testmodel::WriteModel(dir.Sub("m"));
  Result<std::shared_ptr<const LoadedModel>> m = LoadFromDir(dir.Sub("m"));
  ASSERT_TRUE(m.ok());
  features::Table rows;
  rows.AddColumn("text") = {"love it so happy", "hate it so sad"};
  Result<Scores> s = Score(*m, rows);
  ASSERT_TRUE(s.ok());

  json ml = json::parse(MlflowResponse(*s));
  ASSERT_EQ(ml["predictions"].size(), 2u);
  EXPECT_EQ(ml["predictions"][0]["label"], "positive");
  EXPECT_EQ(ml["predictions"][1]["label"], "negative");
  EXPECT_EQ(ml["predictions"][0]["model"], "m");
  EXPECT_EQ(ml["predictions"][0]["version"], 0);
  EXPECT_DOUBLE_EQ(ml["predictions"][0]["probabilities"]["positive"].get<double>(),
                   s->Probability(0, 1));

  InferRequest req;
  req.id = "abc";
  json v2 = json::parse(*InferResponse(*s, req));
  EXPECT_EQ(v2["id"], "abc");
  EXPECT_EQ(v2["model_name"], "m");
  EXPECT_EQ(v2["model_version"], "0");
  ASSERT_EQ(v2["outputs"].size(), 2u);
  EXPECT_EQ(v2["outputs"][0]["name"], "label");
  EXPECT_EQ(v2["outputs"][0]["data"], json::array({"positive", "negative"}));
  EXPECT_EQ(v2["outputs"][1]["shape"], json::array({2, 2}));
  EXPECT_EQ(v2["outputs"][1]["parameters"]["classes"], "negative,positive");

  req.outputs = {"probabilities"};
  json only = json::parse(*InferResponse(*s, req));
  ASSERT_EQ(only["outputs"].size(), 1u);
  EXPECT_EQ(only["outputs"][0]["name"], "probabilities");
  req.outputs = {"embedding"};
  EXPECT_EQ(InferResponse(*s, req).status().code(), StatusCode::kInvalidArgument);
}

TEST(ResponsesTest, ARegressionModelAnswersNumbersAndAnFp64Value) {
  covidflow::testing::TempDir dir;
  testmodel::WriteRegressionModel(dir.Sub("r"));
  Result<std::shared_ptr<const LoadedModel>> m = LoadFromDir(dir.Sub("r"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  features::Table rows;
  rows.AddColumn("text") = {"love it so happy", "hate it so sad", "great day"};
  Result<Scores> s = Score(*m, rows);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->Regression());
  EXPECT_TRUE(s->labels.empty());
  // The positive text near its value, the negative near its own.
  EXPECT_GT(s->Value(0), (testmodel::kPositiveValue + testmodel::kNegativeValue) / 2);
  EXPECT_LT(s->Value(1), (testmodel::kPositiveValue + testmodel::kNegativeValue) / 2);

  json ml = json::parse(MlflowResponse(*s));
  ASSERT_EQ(ml["predictions"].size(), 3u);
  for (size_t r = 0; r < 3; ++r) {
    ASSERT_TRUE(ml["predictions"][r].is_number()) << ml.dump();
    EXPECT_DOUBLE_EQ(ml["predictions"][r].get<double>(), s->Value(r));
  }

  InferRequest req;
  req.id = "n1";
  json v2 = json::parse(*InferResponse(*s, req));
  ASSERT_EQ(v2["outputs"].size(), 1u);
  const json& out = v2["outputs"][0];
  EXPECT_EQ(out["name"], "value");
  EXPECT_EQ(out["datatype"], "FP64");
  EXPECT_EQ(out["shape"], json::array({3}));
  ASSERT_EQ(out["data"].size(), 3u);
  EXPECT_DOUBLE_EQ(out["data"][2].get<double>(), s->Value(2));
  req.outputs = {"value"};
  EXPECT_TRUE(InferResponse(*s, req).ok());
  req.outputs = {"label"};
  Result<std::string> bad = InferResponse(*s, req);
  ASSERT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("the model has value"), std::string::npos)
      << bad.status().message();
}

}  // namespace
}  // namespace covidflow::serve
