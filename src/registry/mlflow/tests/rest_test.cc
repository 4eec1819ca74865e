// The MLflow transport without a server: error sorting, batch splitting, encoding, and the
// retries against an HTTP server of our own that fails on purpose.
#include "registry/mlflow/rest.h"

#include <gtest/gtest.h>

#include <atomic>

#include "http/server.h"
#include "registry/mlflow/mlflow_registry.h"

namespace covidflow::registry::mlflow {
namespace {

TEST(MlflowErrorTest, CodesAreSortedIntoTheProjectsCodes) {
  EXPECT_EQ(
      MlflowError(404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"m"})", "x").code(),
      StatusCode::kNotFound);
  EXPECT_EQ(
      MlflowError(400, R"({"error_code":"RESOURCE_ALREADY_EXISTS","message":"m"})", "x").code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(
      MlflowError(400, R"({"error_code":"INVALID_PARAMETER_VALUE","message":"m"})", "x").code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(MlflowError(400, R"({"error_code":"INVALID_STATE","message":"m"})", "x").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(MlflowError(403, "Invalid host header", "x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(MlflowError(503, "busy", "x").code(), StatusCode::kUnavailable);
  EXPECT_EQ(MlflowError(500, R"({"error_code":"INTERNAL_ERROR","message":"m"})", "x").code(),
            StatusCode::kUnavailable);
  const Status s = MlflowError(400, R"({"error_code":"INVALID_PARAMETER_VALUE","message":"bad"})",
                               "POST /api/2.0/mlflow/runs/log-batch");
  EXPECT_NE(s.message().find("runs/log-batch"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("bad"), std::string::npos) << s.message();
}

TEST(SplitBatchTest, EveryCallStaysWithinMlflowsLimits) {
  const auto splits = SplitBatch(2500, 250, 130);
  size_t m = 0, p = 0, t = 0;
  for (const BatchSplit& b : splits) {
    EXPECT_LE(b.metrics, 1000u);
    EXPECT_LE(b.params, 100u);
    EXPECT_LE(b.tags, 100u);
    EXPECT_LE(b.metrics + b.params + b.tags, 1000u);
    EXPECT_GT(b.metrics + b.params + b.tags, 0u);
    m += b.metrics;
    p += b.params;
    t += b.tags;
  }
  EXPECT_EQ(m, 2500u);
  EXPECT_EQ(p, 250u);
  EXPECT_EQ(t, 130u);
  // Params and tags go out 100 a call, metrics fill the rest: 100+100+800, 100+30+870,
  // 50+0+830.
  ASSERT_EQ(splits.size(), 3u);
  EXPECT_EQ(splits[1].tags, 30u);
  EXPECT_EQ(splits[2].metrics, 830u);
  EXPECT_TRUE(SplitBatch(0, 0, 0).empty());
  EXPECT_EQ(SplitBatch(1000, 0, 0).size(), 1u);
  EXPECT_EQ(SplitBatch(1001, 0, 0).size(), 2u);
}

TEST(PercentEncodeTest, KeepsUnreservedAndOptionallySlashes) {
  EXPECT_EQ(PercentEncode("a b/c'd=é", false), "a%20b%2Fc%27d%3D%C3%A9");
  EXPECT_EQ(PercentEncode("covidflow-models/m/1", true), "covidflow-models/m/1");
}

// An HTTP server of our own answering one route, and a Rest pointed at it.
struct OneRoute {
  std::unique_ptr<http::Server> server;
  std::unique_ptr<Rest> rest;
};

OneRoute Serve(std::string_view method, std::string_view path, http::Handler handler,
               RestOptions options = {}) {
  http::Router router;
  EXPECT_TRUE(router.Add(method, path, std::move(handler)).ok());
  auto server = http::Server::Start(std::move(router), {});
  EXPECT_TRUE(server.ok());
  options.first_backoff = std::chrono::milliseconds(1);
  auto rest = Rest::Create("http://127.0.0.1:" + std::to_string((*server)->port()), options);
  EXPECT_TRUE(rest.ok());
  return {std::move(*server), std::move(*rest)};
}

TEST(RestTest, RetriesServerErrorsThenSucceeds) {
  std::atomic<int> calls{0};
  OneRoute s = Serve("POST", "/api/2.0/mlflow/experiments/create",
                     [&](const http::Request&) -> Result<http::Response> {
                       if (++calls < 3) return http::Response::Text(503, "busy");
                       return http::Response::Json(200, R"({"experiment_id":"7"})");
                     });
  auto r = s.rest->Post("experiments/create", {{"name", "e"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["experiment_id"], "7");
  EXPECT_EQ(calls.load(), 3);
}

TEST(RestTest, GivesUpAfterItsAttemptsWithAClearError) {
  std::atomic<int> calls{0};
  OneRoute s = Serve("GET", "/api/2.0/mlflow/runs/get",
                     [&](const http::Request&) -> Result<http::Response> {
                       ++calls;
                       return http::Response::Json(
                           500, R"({"error_code":"INTERNAL_ERROR","message":"db locked"})");
                     },
                     {.attempts = 4});
  auto r = s.rest->Get("runs/get", {{"run_id", "x"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("after 4 attempts"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("db locked"), std::string::npos) << r.status().message();
  EXPECT_EQ(calls.load(), 4);
}

TEST(RestTest, ClientErrorsAreNotRetried) {
  std::atomic<int> calls{0};
  OneRoute s = Serve("GET", "/api/2.0/mlflow/registered-models/get",
                     [&](const http::Request& req) -> Result<http::Response> {
                       ++calls;
                       EXPECT_EQ(req.Query("name").value_or(""), "a b");
                       return http::Response::Json(
                           404, R"({"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"})");
                     });
  auto r = s.rest->Get("registered-models/get", {{"name", "a b"}});
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(calls.load(), 1);
}

TEST(RestTest, AServerThatIsDownIsUnavailableAfterRetries) {
  int port;
  {
    auto server = http::Server::Start(http::Router(), {});  // a port that was free, now closed
    ASSERT_TRUE(server.ok());
    port = (*server)->port();
  }
  RestOptions o;
  o.attempts = 3;
  o.first_backoff = std::chrono::milliseconds(1);
  auto rest = Rest::Create("http://127.0.0.1:" + std::to_string(port), o);
  ASSERT_TRUE(rest.ok());
  auto r = (*rest)->Post("runs/create", {{"experiment_id", "1"}});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("after 3 attempts"), std::string::npos)
      << r.status().message();
  auto opened =
      OpenMlflowRegistry("http://127.0.0.1:" + std::to_string(port),
                         {.attempts = 1, .connect_timeout = std::chrono::milliseconds(200)});
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace covidflow::registry::mlflow
