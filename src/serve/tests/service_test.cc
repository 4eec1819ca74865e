// The scoring server's endpoints over a real socket (http::Server + http::Client), and hot
// swap: the alias promoted 10 times while a client sends requests.
#include "serve/service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/testing/temp_dir.h"
#include "http/client.h"
#include "http/server.h"
#include "log/open.h"
#include "registry/embedded.h"
#include "serve/scoring.h"
#include "serve/tests/test_model.h"

namespace covidflow::serve {
namespace {

using nlohmann::json;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry::EmbeddedOptions o;
    o.database = dir_.Sub("reg/registry.db");
    o.artifact_dir = dir_.Sub("reg/artifacts");
    auto opened = registry::OpenEmbeddedRegistry(o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    registry_ = std::move(*opened);
    v1_ = testmodel::RegisterModel(*registry_, "tweets", dir_.path(), 1);
    ASSERT_TRUE(registry_->SetAlias("tweets", "champion", v1_, {"test", ""}).ok());
    ref_ = *ParseModelRef("tweets@champion");
    auto first = LoadFromRegistry(*registry_, ref_, dir_.Sub("cache"));
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    slot_ = std::make_unique<ModelSlot>(*first);
    watcher_ =
        std::make_unique<AliasWatcher>(*registry_, ref_, dir_.Sub("cache"), *slot_, metrics_);
  }
  void StartServer(ServiceOptions options = {}) {
    http::Router router;
    ASSERT_TRUE(AddScoringRoutes(router, *slot_, metrics_, watcher_.get(), options).ok());
    http::ServerOptions so;
    so.max_body_bytes = 4096;
    auto server = http::Server::Start(std::move(router), so);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    auto client = http::Client::Create("http://127.0.0.1:" + std::to_string(server_->port()));
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }
  // An embedded log with a prediction log writing to its topic "predictions".
  PredictionLog* OpenPredictions() {
    auto log = log::OpenFileLog(dir_.Sub("log"));
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    auto predictions = PredictionLog::Open(*log_, {}, &metrics_);
    EXPECT_TRUE(predictions.ok()) << predictions.status().ToString();
    predictions_ = std::move(*predictions);
    return predictions_.get();
  }
  // Closes the prediction log (everything queued is written) and reads its topic back.
  std::vector<PredictionRecord> LoggedPredictions() {
    EXPECT_TRUE(predictions_->Close().ok());
    return testmodel::ReadPredictions(*log_, "predictions");
  }
  void TearDown() override {
    if (watcher_) watcher_->Stop();
    if (server_) server_->Stop();
  }
  http::ClientResponse Get(const std::string& path) {
    Result<http::ClientResponse> r = client_->Get(path);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }
  http::ClientResponse Post(const std::string& path, const std::string& body,
                            const std::string& type = "application/json",
                            const http::Fields& headers = {}) {
    Result<http::ClientResponse> r = client_->Post(path, body, type, headers);
    EXPECT_TRUE(r.ok()) << path << ": " << r.status().ToString();
    return r.ok() ? *r : http::ClientResponse{};
  }

  covidflow::testing::TempDir dir_;
  std::unique_ptr<registry::Registry> registry_;
  int64_t v1_ = 0;
  ModelRef ref_;
  metrics::Registry metrics_;
  std::unique_ptr<ModelSlot> slot_;
  std::unique_ptr<AliasWatcher> watcher_;
  std::unique_ptr<log::Log> log_;               // with OpenPredictions
  std::unique_ptr<PredictionLog> predictions_;  // outlives the server
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Client> client_;
};

TEST_F(ServiceTest, MlflowEndpoints) {
  StartServer();
  EXPECT_EQ(Get("/ping").status, 200);
  EXPECT_EQ(Get("/health").status, 200);
  http::ClientResponse version = Get("/version");
  EXPECT_EQ(json::parse(version.body)["model_version"], v1_);

  http::ClientResponse r =
      Post("/invocations", R"({"instances": ["love it so happy", "hate it so sad"]})",
           "application/json; charset=utf-8");
  ASSERT_EQ(r.status, 200) << r.body;
  json p = json::parse(r.body)["predictions"];
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0]["label"], "positive");
  EXPECT_EQ(p[1]["label"], "negative");
  EXPECT_EQ(p[0]["model"], "tweets");
  EXPECT_EQ(p[0]["version"], v1_);
  EXPECT_EQ(r.Header("X-Covidflow-Model"), "tweets/1");

  http::ClientResponse csv = Post("/invocations", "text\nlove it\n", "text/csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(json::parse(csv.body)["predictions"][0]["label"], "positive");

  http::ClientResponse type = Post("/invocations", "love it", "text/plain");
  EXPECT_EQ(type.status, 415);
  EXPECT_EQ(json::parse(type.body)["error_code"], "BAD_REQUEST");
  http::ClientResponse malformed = Post("/invocations", "{\"instances\": [");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(json::parse(malformed.body)["error_code"], "BAD_REQUEST");
  http::ClientResponse two = Post("/invocations", R"({"instances": ["a"], "inputs": ["b"]})");
  EXPECT_EQ(two.status, 400);
  EXPECT_NE(json::parse(two.body)["message"].get<std::string>().find("exactly one"),
            std::string::npos);
  http::ClientResponse missing = Post("/invocations", R"({"dataframe_records": [{"body": "a"}]})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("text"), std::string::npos);
  EXPECT_EQ(Post("/invocations", std::string(5000, ' ')).status, 413);
}

TEST_F(ServiceTest, RequestIdsAreTakenOrMadeAndEchoed) {
  StartServer();
  const std::string one = R"({"instances": ["love it"]})";
  http::ClientResponse given =
      Post("/invocations", one, "application/json", {{"X-Request-Id", "abc-1"}});
  ASSERT_EQ(given.status, 200) << given.body;
  EXPECT_EQ(given.Header("X-Request-Id"), "abc-1");
  http::ClientResponse made = Post("/invocations", one);
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string id(made.Header("X-Request-Id").value_or(""));
  EXPECT_EQ(id.size(), 16u) << id;
  EXPECT_NE(Post("/invocations", one).Header("X-Request-Id"), id);

  // v2: the body's id wins over the header; without one the header's (or a made one) is echoed.
  const std::string v2 = R"({"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES",
                             "data": ["love it"]}]})";
  http::ClientResponse header_only =
      Post("/v2/models/tweets/infer", v2, "application/json", {{"X-Request-Id", "h-9"}});
  ASSERT_EQ(header_only.status, 200) << header_only.body;
  EXPECT_EQ(json::parse(header_only.body)["id"], "h-9");
  EXPECT_EQ(header_only.Header("X-Request-Id"), "h-9");
  http::ClientResponse neither = Post("/v2/models/tweets/infer", v2);
  ASSERT_EQ(neither.status, 200) << neither.body;
  EXPECT_EQ(json::parse(neither.body)["id"], neither.Header("X-Request-Id").value_or("?"));
  const std::string with_id = R"({"id": "b-1", "inputs": [{"name": "text", "shape": [1],
                                  "datatype": "BYTES", "data": ["love it"]}]})";
  http::ClientResponse both =
      Post("/v2/models/tweets/infer", with_id, "application/json", {{"X-Request-Id", "h-9"}});
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(json::parse(both.body)["id"], "b-1");
  EXPECT_EQ(both.Header("X-Request-Id"), "b-1");

  // Ids that cannot go in a header or a log line are refused, in each protocol's error shape.
  http::ClientResponse spaced =
      Post("/invocations", one, "application/json", {{"X-Request-Id", "a b"}});
  EXPECT_EQ(spaced.status, 400);
  EXPECT_EQ(json::parse(spaced.body)["error_code"], "BAD_REQUEST");
  http::ClientResponse long_id =
      Post("/invocations", one, "application/json", {{"X-Request-Id", std::string(257, 'x')}});
  EXPECT_EQ(long_id.status, 400);
  http::ClientResponse empty_v2 =
      Post("/v2/models/tweets/infer", R"({"id": "", "inputs": [{"name": "text", "shape": [1],
             "datatype": "BYTES", "data": ["a"]}]})");
  EXPECT_EQ(empty_v2.status, 200) << empty_v2.body;  // "" is no id: one is made
  EXPECT_FALSE(json::parse(empty_v2.body)["id"].get<std::string>().empty());
}

TEST_F(ServiceTest, EveryScoredRowIsOnePredictionRecord) {
  ServiceOptions o;
  o.predictions = OpenPredictions();
  StartServer(o);
  http::ClientResponse r =
      Post("/invocations",
           R"({"dataframe_records": [{"tweet_id": "t1", "text": "love it so happy"},
                                {"tweet_id": "t2", "text": "hate it so sad"}]})",
           "application/json", {{"X-Request-Id", "abc-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json answer = json::parse(r.body)["predictions"];
  http::ClientResponse v2 = Post("/v2/models/tweets/infer", R"({"id": "req-7", "inputs": [
      {"name": "text", "shape": [1], "datatype": "BYTES", "data": ["love it so happy"]}]})");
  ASSERT_EQ(v2.status, 200) << v2.body;
  EXPECT_EQ(Post("/invocations", "{").status, 400);  // nothing scored, nothing logged
  // An output the model does not have: refused before scoring, so not logged either.
  http::ClientResponse no_output = Post("/v2/models/tweets/infer", R"({"inputs": [
      {"name": "text", "shape": [1], "datatype": "BYTES", "data": ["love it"]}],
      "outputs": [{"name": "embedding"}]})");
  EXPECT_EQ(no_output.status, 400);
  EXPECT_NE(no_output.body.find("unknown output 'embedding'"), std::string::npos) << no_output.body;
  EXPECT_EQ(Get("/ping").status, 200);

  const std::vector<PredictionRecord> records = LoggedPredictions();
  ASSERT_EQ(records.size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    const PredictionRecord& p = records[i];
    EXPECT_EQ(p.request_id, "abc-1");
    EXPECT_EQ(p.row, static_cast<int64_t>(i));
    EXPECT_EQ(p.tweet_id, i == 0 ? "t1" : "t2");
    EXPECT_EQ(p.model, "tweets");
    EXPECT_EQ(p.version, "1");
    EXPECT_EQ(p.role, Role::kChampion);
    EXPECT_EQ(p.label, answer[i]["label"]);
    ASSERT_EQ(p.probabilities.size(), 2u);
    for (const auto& [cls, probability] : p.probabilities) {
      EXPECT_EQ(probability, answer[i]["probabilities"][cls].get<double>()) << cls;
    }
    EXPECT_GE(p.latency_seconds, 0);
    EXPECT_GT(p.time_ms, 0);
  }
  EXPECT_EQ(records[0].latency_seconds, records[1].latency_seconds);  // one request
  EXPECT_EQ(records[2].request_id, "req-7");
  EXPECT_EQ(records[2].row, 0);
  EXPECT_EQ(records[2].tweet_id, std::nullopt);
  // The same text read by the model is the same input, whatever the protocol.
  EXPECT_EQ(records[2].input_digest, records[0].input_digest);
  EXPECT_NE(records[1].input_digest, records[0].input_digest);
}

// A server with version 2 of "tweets" as its challenger beside version 1.
class ChallengerTest : public ServiceTest {
 protected:
  void StartWithChallenger(TrafficSplit split) {
    v2_ = testmodel::RegisterModel(*registry_, "tweets", dir_.path(), 2);
    auto loaded = LoadFromRegistry(*registry_, *ParseModelRef("tweets/" + std::to_string(v2_)),
                                   dir_.Sub("cache"));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    challenger_ = std::make_unique<ModelSlot>(*loaded);
    traffic_ = std::make_unique<TrafficControl>(split);
    ServiceOptions o;
    o.token = "s3cret";
    o.predictions = OpenPredictions();
    shadow_ = std::make_unique<ShadowScorer>(o.predictions, metrics_);
    o.challenger = challenger_.get();
    o.traffic = traffic_.get();
    o.shadow = shadow_.get();
    o.challenger_registry = registry_.get();
    o.challenger_cache_dir = dir_.Sub("cache");
    StartServer(o);
  }
  // The label and probabilities `model` gives `text` (scored directly, no server).
  static json Direct(const std::shared_ptr<const LoadedModel>& model, const std::string& text) {
    features::Table rows;
    rows.names = {"text"};
    rows.columns = {{text}};
    auto s = Score(model, rows);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    json probabilities = json::object();
    for (size_t c = 0; c < s->classes().size(); ++c) {
      probabilities[s->classes()[c]] = s->Probability(0, c);
    }
    return json{{"label", s->Label(0)}, {"probabilities", probabilities}};
  }
  http::ClientResponse Invoke(const std::string& id, const std::string& text) {
    return Post("/invocations", json{{"instances", json::array({text})}}.dump(), "application/json",
                {{"X-Request-Id", id}});
  }
  void TearDown() override {
    ServiceTest::TearDown();
    shadow_->Stop();
  }

  int64_t v2_ = 0;
  std::unique_ptr<ModelSlot> challenger_;
  std::unique_ptr<TrafficControl> traffic_;
  std::unique_ptr<ShadowScorer> shadow_;
};

const char* const kTexts[] = {"love it so happy", "hate it so sad", "what a day", "ok"};

TEST_F(ChallengerTest, ShadowNeverChangesTheAnswerAndLogsBothVersions) {
  StartWithChallenger({TrafficMode::kShadow, 0});
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    const std::string text = kTexts[i % 4];
    http::ClientResponse r = Invoke("s-" + std::to_string(i), text);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("X-Covidflow-Model"), "tweets/1");
    json p = json::parse(r.body)["predictions"][0];
    EXPECT_EQ(p["version"], v1_);
    const json want = Direct(slot_->Load(), text);
    EXPECT_EQ(p["label"], want["label"]);
    EXPECT_EQ(p["probabilities"], want["probabilities"]);
  }
  shadow_->Drain();
  const std::vector<PredictionRecord> records = LoggedPredictions();
  ASSERT_EQ(records.size(), 2u * kRequests);
  std::map<std::string, std::map<Role, PredictionRecord>> by_id;
  for (const PredictionRecord& r : records) by_id[r.request_id][r.role] = r;
  ASSERT_EQ(by_id.size(), static_cast<size_t>(kRequests));
  for (int i = 0; i < kRequests; ++i) {
    const auto& roles = by_id["s-" + std::to_string(i)];
    ASSERT_EQ(roles.size(), 2u);
    const PredictionRecord& champion = roles.at(Role::kChampion);
    const PredictionRecord& shadow = roles.at(Role::kShadow);
    EXPECT_EQ(champion.version, "1");
    EXPECT_EQ(shadow.version, std::to_string(v2_));
    EXPECT_EQ(shadow.input_digest, champion.input_digest);
    const json want = Direct(challenger_->Load(), kTexts[i % 4]);
    EXPECT_EQ(shadow.label, want["label"]);
    for (const auto& [cls, probability] : shadow.probabilities) {
      EXPECT_EQ(probability, want["probabilities"][cls].get<double>());
    }
  }
  const std::string text = Get("/metrics").body;
  EXPECT_NE(text.find(R"(covidflow_serve_shadow_requests_total{result="scored"} 40)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(covidflow_serve_rows_total{model="tweets",role="shadow",version="2"} 40)"),
            std::string::npos);
  EXPECT_NE(
      text.find(R"(covidflow_serve_rows_total{model="tweets",role="champion",version="1"} 40)"),
      std::string::npos);
}

TEST_F(ChallengerTest, CanaryAnswersTheShareChosenByRequestId) {
  const TrafficSplit split{TrafficMode::kCanary, 0.3};
  StartWithChallenger(split);
  std::map<std::string, int64_t> answered_by;
  int canaries = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string id = "c-" + std::to_string(i);
    http::ClientResponse r = Invoke(id, kTexts[i % 4]);
    ASSERT_EQ(r.status, 200) << r.body;
    const json p = json::parse(r.body)["predictions"][0];
    const bool canary = ToChallenger(split, id);
    canaries += canary;
    EXPECT_EQ(p["version"], canary ? v2_ : v1_) << id;
    EXPECT_EQ(r.Header("X-Covidflow-Model"), canary ? "tweets/2" : "tweets/1");
    const json want = Direct(canary ? challenger_->Load() : slot_->Load(), kTexts[i % 4]);
    EXPECT_EQ(p["probabilities"], want["probabilities"]);
    answered_by[id] = p["version"].get<int64_t>();
  }
  EXPECT_GT(canaries, 10);
  EXPECT_LT(canaries, 50);
  // A retry with the same id lands on the same version.
  for (const auto& [id, version] : answered_by) {
    EXPECT_EQ(json::parse(Invoke(id, "again").body)["predictions"][0]["version"], version) << id;
  }
  // A v2 request naming a version gets it, whatever its id says.
  std::string canary_id;
  for (int i = 0; canary_id.empty(); ++i) {
    if (ToChallenger(split, "v-" + std::to_string(i))) canary_id = "v-" + std::to_string(i);
  }
  const std::string body =
      R"({"id": ")" + canary_id +
      R"(", "inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["love it"]}]})";
  EXPECT_EQ(json::parse(Post("/v2/models/tweets/versions/1/infer", body).body)["model_version"],
            "1");
  EXPECT_EQ(json::parse(Post("/v2/models/tweets/infer", body).body)["model_version"],
            std::to_string(v2_));

  const std::vector<PredictionRecord> records = LoggedPredictions();
  ASSERT_EQ(records.size(), 202u);
  for (const PredictionRecord& r : records) {
    if (r.request_id.rfind("c-", 0) != 0) continue;
    const bool canary = answered_by[r.request_id] == v2_;
    EXPECT_EQ(r.role, canary ? Role::kCanary : Role::kChampion) << r.request_id;
    EXPECT_EQ(r.version, canary ? std::to_string(v2_) : "1") << r.request_id;
  }
}

TEST_F(ChallengerTest, AdminTrafficShowsAndChangesTheSplit) {
  StartWithChallenger({TrafficMode::kOff, 0});
  json shown = json::parse(Get("/admin/traffic").body);
  EXPECT_EQ(shown["mode"], "off");
  EXPECT_EQ(shown["champion"]["version"], v1_);
  EXPECT_EQ(shown["challenger"]["version"], v2_);
  EXPECT_EQ(json::parse(Invoke("a-1", "ok").body)["predictions"][0]["version"], v1_);

  const http::Fields auth = {{"Authorization", "Bearer s3cret"}};
  const std::string all = R"({"mode": "canary", "canary_share": 1})";
  EXPECT_EQ(Post("/admin/traffic", all).status, 401);
  EXPECT_EQ(Post("/admin/traffic", all, "application/json", {{"Authorization", "Bearer x"}}).status,
            401);
  for (const std::string bad : {"", "{", "[1]", R"({"mode": "canary"})",
                                R"({"mode": "canary", "canary_share": 2})", R"({"mode": "x"})"}) {
    http::ClientResponse r = Post("/admin/traffic", bad, "application/json", auth);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "InvalidArgument") << r.body;
  }
  EXPECT_EQ(json::parse(Get("/admin/traffic").body)["mode"], "off");  // unchanged

  http::ClientResponse set = Post("/admin/traffic", all, "application/json", auth);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::parse(set.body)["mode"], "canary");
  EXPECT_EQ(json::parse(Get("/admin/traffic").body)["canary_share"], 1.0);
  EXPECT_EQ(json::parse(Invoke("a-1", "ok").body)["predictions"][0]["version"], v2_);
  EXPECT_NE(Get("/metrics").body.find("covidflow_serve_canary_share 1"), std::string::npos);

  ASSERT_EQ(Post("/admin/traffic", R"({"mode": "off"})", "application/json", auth).status, 200);
  EXPECT_EQ(json::parse(Invoke("a-1", "ok").body)["predictions"][0]["version"], v1_);
}

// POST /admin/challenger names a version of the served model: loaded from the registry,
// smoke-tested, swapped into the challenger slot and the split set. A version refused leaves
// the slot and the split as they were.
TEST_F(ChallengerTest, AdminChallengerNamesAVersionLoadedFromTheRegistry) {
  StartWithChallenger({TrafficMode::kOff, 0});
  const int64_t v3 = testmodel::RegisterModel(*registry_, "tweets", dir_.path(), 3);
  const int64_t broken = testmodel::RegisterBrokenModel(*registry_, "tweets", dir_.path());
  const http::Fields auth = {{"Authorization", "Bearer s3cret"}};
  auto name = [&](const json& body, const http::Fields& headers) {
    return Post("/admin/challenger", body.dump(), "application/json", headers);
  };
  auto shown = [&] { return json::parse(Get("/admin/traffic").body); };

  // The token, as every state-changing endpoint.
  EXPECT_EQ(name({{"version", v3}}, {}).status, 401);
  EXPECT_EQ(name({{"version", v3}}, {{"Authorization", "Bearer x"}}).status, 401);
  // Bad bodies.
  for (const std::string bad :
       {"", "{", "[1]", R"({"mode": "shadow"})", R"({"version": 0})", R"({"version": "3"})",
        R"({"version": 3, "mode": "x"})", R"({"version": 3, "colour": "red"})"}) {
    http::ClientResponse r = Post("/admin/challenger", bad, "application/json", auth);
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
  }
  // A version the registry does not have.
  http::ClientResponse unknown = name({{"version", 99}, {"mode", "shadow"}}, auth);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(json::parse(unknown.body)["error"]["code"], "NotFound");
  EXPECT_NE(unknown.body.find("tweets/99"), std::string::npos) << unknown.body;
  // A version that fails to load: refused naming it, nothing changed.
  http::ClientResponse refused = name({{"version", broken}, {"mode", "shadow"}}, auth);
  EXPECT_GE(refused.status, 400) << refused.body;
  EXPECT_NE(refused.status, 404) << refused.body;
  EXPECT_NE(refused.body.find("tweets/" + std::to_string(broken) + " refused"), std::string::npos)
      << refused.body;
  EXPECT_EQ(shown()["challenger"]["version"], v2_);
  EXPECT_EQ(shown()["mode"], "off");
  EXPECT_EQ(challenger_->Load()->version, v2_);
  EXPECT_EQ(
      Get("/metrics")
          .body.find("covidflow_serve_challenger_version{model=\"tweets\"} " + std::to_string(v3)),
      std::string::npos);

  // A good version, with the whole traffic to it.
  http::ClientResponse ok = name({{"version", v3}, {"mode", "canary"}, {"canary_share", 1}}, auth);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["challenger"]["version"], v3);
  EXPECT_EQ(json::parse(ok.body)["mode"], "canary");
  EXPECT_EQ(json::parse(Invoke("n-1", "love it").body)["predictions"][0]["version"], v3);
  const std::string metrics = Get("/metrics").body;
  EXPECT_NE(
      metrics.find("covidflow_serve_challenger_version{model=\"tweets\"} " + std::to_string(v3)),
      std::string::npos)
      << metrics;
  // Without a split the one in force is kept; the version alone changes.
  ASSERT_EQ(name({{"version", v2_}}, auth).status, 200);
  EXPECT_EQ(shown()["challenger"]["version"], v2_);
  EXPECT_EQ(shown()["mode"], "canary");
  EXPECT_EQ(json::parse(Invoke("n-2", "love it").body)["predictions"][0]["version"], v2_);
}

TEST_F(ServiceTest, AdminChallengerNeedsAChallengerSlotFromTheRegistry) {
  ServiceOptions o;
  o.token = "s3cret";
  StartServer(o);
  http::ClientResponse r = Post("/admin/challenger", R"({"version": 1})", "application/json",
                                {{"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("no challenger slot"), std::string::npos) << r.body;
}

TEST_F(ServiceTest, WithoutAChallengerTheSplitCannotBeTurnedOn) {
  ServiceOptions o;
  o.token = "s3cret";
  StartServer(o);
  json shown = json::parse(Get("/admin/traffic").body);
  EXPECT_EQ(shown["mode"], "off");
  EXPECT_TRUE(shown["challenger"].is_null());
  const http::Fields auth = {{"Authorization", "Bearer s3cret"}};
  http::ClientResponse r =
      Post("/admin/traffic", R"({"mode": "shadow"})", "application/json", auth);
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("no challenger"), std::string::npos);
  EXPECT_EQ(Post("/admin/traffic", R"({"mode": "off"})", "application/json", auth).status, 200);
}

TEST_F(ServiceTest, TooManyRowsIs400) {
  ServiceOptions o;
  o.max_rows = 2;
  StartServer(o);
  http::ClientResponse r = Post("/invocations", R"({"instances": ["a", "b", "c"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("limit of 2"), std::string::npos);
}

TEST_F(ServiceTest, OpenInferenceEndpoints) {
  StartServer();
  EXPECT_EQ(json::parse(Get("/v2/health/live").body)["live"], true);
  EXPECT_EQ(json::parse(Get("/v2/health/ready").body)["ready"], true);
  EXPECT_EQ(json::parse(Get("/v2").body)["name"], "covidflow");
  json meta = json::parse(Get("/v2/models/tweets").body);
  EXPECT_EQ(meta["name"], "tweets");
  EXPECT_EQ(meta["versions"], json::array({"1"}));
  EXPECT_EQ(meta["inputs"][0]["name"], "text");
  EXPECT_EQ(Get("/v2/models/tweets/versions/1").status, 200);
  EXPECT_EQ(json::parse(Get("/v2/models/tweets/ready").body)["ready"], true);
  EXPECT_EQ(Get("/v2/models/tweets/versions/1/ready").status, 200);

  const std::string body =
      R"({"id": "req-7", "inputs": [{"name": "text", "shape": [2], "datatype": "BYTES",
          "data": ["love it so happy", "hate it so sad"]}]})";
  for (const std::string path : {"/v2/models/tweets/infer", "/v2/models/tweets/versions/1/infer"}) {
    http::ClientResponse r = Post(path, body);
    ASSERT_EQ(r.status, 200) << r.body;
    json out = json::parse(r.body);
    EXPECT_EQ(out["id"], "req-7");
    EXPECT_EQ(out["model_name"], "tweets");
    EXPECT_EQ(out["model_version"], "1");
    EXPECT_EQ(out["outputs"][0]["data"], json::array({"positive", "negative"}));
  }
  http::ClientResponse unknown = Post("/v2/models/other/infer", body);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(json::parse(unknown.body)["error"].is_string());
  EXPECT_EQ(Get("/v2/models/tweets/versions/9").status, 404);
  EXPECT_EQ(Post("/v2/models/tweets/versions/9/infer", body).status, 404);
  http::ClientResponse bad = Post("/v2/models/tweets/infer", R"({"inputs": 3})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(json::parse(bad.body)["error"].get<std::string>().find("inputs"), std::string::npos);
}

// A regression model served from a directory: numbers on /invocations, an FP64 "value" on
// v2, the metadata describing it, and its values in the prediction log.
TEST_F(ServiceTest, ARegressionModelAnswersValues) {
  watcher_->Stop();
  watcher_.reset();
  testmodel::WriteRegressionModel(dir_.Sub("retweets"));
  auto loaded = LoadFromDir(dir_.Sub("retweets"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  slot_ = std::make_unique<ModelSlot>(*loaded);
  ServiceOptions options;
  options.predictions = OpenPredictions();
  StartServer(options);

  http::ClientResponse r =
      Post("/invocations", R"({"instances": ["love it so happy", "hate it so sad"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json p = json::parse(r.body)["predictions"];
  ASSERT_EQ(p.size(), 2u);
  ASSERT_TRUE(p[0].is_number() && p[1].is_number()) << r.body;
  EXPECT_GT(p[0].get<double>(), p[1].get<double>());  // positive text: the higher value
  EXPECT_EQ(r.Header("X-Covidflow-Model"), "retweets");

  json meta = json::parse(Get("/v2/models/retweets").body);
  EXPECT_EQ(meta["outputs"], json::parse(R"([{"name": "value", "datatype": "FP64",
                                                 "shape": [-1]}])"));
  http::ClientResponse v2 = Post("/v2/models/retweets/infer", R"({"id": "v-1", "inputs": [
      {"name": "text", "shape": [2], "datatype": "BYTES",
       "data": ["love it so happy", "hate it so sad"]}]})");
  ASSERT_EQ(v2.status, 200) << v2.body;
  const json out = json::parse(v2.body)["outputs"];
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["name"], "value");
  EXPECT_EQ(out[0]["datatype"], "FP64");
  EXPECT_EQ(out[0]["shape"], json::array({2}));
  EXPECT_EQ(out[0]["data"], p);  // the same rows, the same values
  EXPECT_EQ(Post("/v2/models/retweets/infer", R"({"inputs": [{"name": "text", "shape": [1],
      "datatype": "BYTES", "data": ["a"]}], "outputs": [{"name": "label"}]})")
                .status,
            400);

  // The last request's outputs are refused before scoring: it is not logged (4 records).
  std::vector<PredictionRecord> logged = LoggedPredictions();
  ASSERT_EQ(logged.size(), 4u);
  for (const PredictionRecord& rec : logged) {
    ASSERT_TRUE(rec.value.has_value());
    EXPECT_EQ(rec.label, "");
    EXPECT_TRUE(rec.probabilities.empty());
  }
  EXPECT_EQ(*logged[0].value, p[0].get<double>());
  EXPECT_EQ(*logged[3].value, p[1].get<double>());
}

TEST_F(ServiceTest, MetricsCountRequestsByEndpointCodeAndVersion) {
  StartServer();
  Post("/invocations", R"({"instances": ["a"]})");
  Post("/invocations", "x", "text/plain");
  const std::string text = Get("/metrics").body;
  EXPECT_NE(
      text.find(
          R"(covidflow_serve_requests_total{code="200",endpoint="/invocations",model="tweets",version="1"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(covidflow_serve_requests_total{code="415",endpoint="/invocations")"),
            std::string::npos);
  EXPECT_NE(text.find("covidflow_serve_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(text.find(R"(covidflow_serve_model_version{model="tweets"} 1)"), std::string::npos);
}

TEST_F(ServiceTest, ReloadNeedsTheBearerToken) {
  ServiceOptions o;
  o.token = "s3cret";
  StartServer(o);
  EXPECT_EQ(Post("/admin/reload", "").status, 401);
  EXPECT_EQ(
      Post("/admin/reload", "", "application/json", {{"Authorization", "Bearer nope"}}).status,
      401);
  const int64_t v2 = testmodel::RegisterModel(*registry_, "tweets", dir_.path(), 2);
  ASSERT_TRUE(registry_->SetAlias("tweets", "champion", v2, {"test", ""}).ok());
  http::ClientResponse r =
      Post("/admin/reload", "", "application/json", {{"Authorization", "Bearer s3cret"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["swapped"], true);
  EXPECT_EQ(json::parse(r.body)["version"], v2);
}

TEST_F(ServiceTest, ReloadWithoutATokenConfiguredIsForbidden) {
  StartServer();
  EXPECT_EQ(Post("/admin/reload", "", "application/json", {{"Authorization", "Bearer "}}).status,
            403);
}

// Promote 10 times while a client sends requests: no request fails, each names the version
// that produced it, and the versions a client sees only move forward. A broken version is
// refused and the server keeps the last good one.
TEST_F(ServiceTest, HotSwapTenPromotionsWithoutAFailedRequest) {
  std::vector<int64_t> versions;
  for (int i = 0; i < 10; ++i) {
    versions.push_back(testmodel::RegisterModel(*registry_, "tweets", dir_.path(), i + 2));
  }
  const int64_t broken = testmodel::RegisterBrokenModel(*registry_, "tweets", dir_.path());
  StartServer();
  watcher_->Start(std::chrono::milliseconds(5));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> seen{0};
  std::atomic<int> failures{0}, requests{0}, backwards{0};
  std::thread load([&] {
    auto made = http::Client::Create("http://127.0.0.1:" + std::to_string(server_->port()));
    if (!made.ok()) {
      ++failures;
      return;
    }
    std::unique_ptr<http::Client> client = std::move(*made);
    int64_t last = 0;
    while (!stop.load()) {
      Result<http::ClientResponse> r = client->Post(
          "/invocations", R"({"instances": ["love it", "hate it"]})", "application/json");
      ++requests;
      if (!r.ok() || r->status != 200) {
        ++failures;
        continue;
      }
      json p = json::parse(r->body)["predictions"];
      const int64_t v = p[0]["version"].get<int64_t>();
      if (p[1]["version"].get<int64_t>() != v) ++failures;  // one request, one model
      if (v < last) ++backwards;
      last = v;
      seen.store(v);
    }
  });
  auto wait_for = [&](int64_t version) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const int before = requests.load();
    // The version must have answered a request issued after the swap was seen.
    while ((seen.load() != version || requests.load() < before + 2) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    return seen.load() == version;
  };
  for (int64_t v : versions) {
    ASSERT_TRUE(registry_->SetAlias("tweets", "champion", v, {"test", "promote"}).ok());
    EXPECT_TRUE(wait_for(v)) << "version " << v << " never answered";
  }
  ASSERT_TRUE(registry_->SetAlias("tweets", "champion", broken, {"test", "broken"}).ok());
  Result<bool> refused = watcher_->CheckNow();
  EXPECT_FALSE(refused.ok());
  const int before = requests.load();
  while (requests.load() < before + 5) std::this_thread::yield();
  stop = true;
  load.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(backwards.load(), 0);
  EXPECT_EQ(slot_->Load()->version, versions.back());
  EXPECT_EQ(seen.load(), versions.back());
  const std::string text = metrics_.Exposition();
  EXPECT_NE(text.find("covidflow_serve_model_swaps_total 10"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(covidflow_serve_model_loads_total{result="failed"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace covidflow::serve
