#include "http/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace covidflow::http {
namespace {

Handler Echo(std::string tag) {
  return [tag](const Request& r) -> Result<Response> {
    std::string body = tag;
    for (const auto& [k, v] : r.path_params) body += " " + k + "=" + v;
    return Response::Text(200, body);
  };
}

Response Call(const Router& router, std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return router.Route(r);
}

std::string ErrorCode(const Response& r) {
  return nlohmann::json::parse(r.body)["error"]["code"].get<std::string>();
}

TEST(RouterTest, PathParametersAreBoundByName) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/v2/models/{name}/versions/{v}", Echo("version")).ok());
  Response r = Call(router, "GET", "/v2/models/sentiment/versions/3");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "version name=sentiment v=3");
}

TEST(RouterTest, MoreLiteralSegmentsWin) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/v2/models/{name}", Echo("model")).ok());
  ASSERT_TRUE(router.Add("GET", "/v2/models/ready", Echo("ready")).ok());
  ASSERT_TRUE(router.Add("GET", "/", Echo("root")).ok());
  EXPECT_EQ(Call(router, "GET", "/v2/models/ready").body, "ready");
  EXPECT_EQ(Call(router, "GET", "/v2/models/x").body, "model name=x");
  EXPECT_EQ(Call(router, "GET", "/").body, "root");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/metrics", Echo("m")).ok());
  ASSERT_TRUE(router.Add("POST", "/v2/models/{name}/infer", Echo("infer")).ok());
  ASSERT_TRUE(router.Add("DELETE", "/v2/models/{name}/infer", Echo("infer")).ok());
  Response nf = Call(router, "GET", "/nothing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(ErrorCode(nf), "NotFound");
  EXPECT_EQ(Call(router, "GET", "/metrics/").status, 404) << "no trailing-slash aliasing";
  EXPECT_EQ(Call(router, "GET", "/v2/models//infer").status, 404) << "params are not empty";
  Response na = Call(router, "GET", "/v2/models/x/infer");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(ErrorCode(na), "MethodNotAllowed");
  EXPECT_EQ(FindHeader(na.headers, "Allow"), "DELETE, POST");
}

TEST(RouterTest, HeadIsRoutedAsGet) {
  Router router;
  ASSERT_TRUE(router.Add("GET", "/metrics", Echo("m")).ok());
  EXPECT_EQ(Call(router, "HEAD", "/metrics").status, 200);
}

TEST(RouterTest, HandlerErrorsGoThroughTheOneMapping) {
  Router router;
  ASSERT_TRUE(router
                  .Add("POST", "/things/{id}",
                       [](const Request& r) -> Result<Response> {
                         if (r.PathParam("id") == "busy") return Status::Unavailable("later");
                         return Status::FailedPrecondition("not now");
                       })
                  .ok());
  Response busy = Call(router, "POST", "/things/busy");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(ErrorCode(busy), "Unavailable");
  Response other = Call(router, "POST", "/things/1");
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(ErrorCode(other), "FailedPrecondition");
}

TEST(RouterTest, BadPatternsAndClashesAreRefused) {
  Router router;
  for (const char* bad : {"", "metrics", "/a//b", "/{", "/{}", "/a{b}", "/{a}/{a}", "/{a{b}}"}) {
    EXPECT_EQ(router.Add("GET", bad, Echo("x")).code(), StatusCode::kInvalidArgument) << bad;
  }
  ASSERT_TRUE(router.Add("GET", "/m/{name}", Echo("x")).ok());
  EXPECT_EQ(router.Add("GET", "/m/{other}", Echo("x")).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(router.Add("POST", "/m/{other}", Echo("x")).ok());
  EXPECT_TRUE(router.Add("GET", "/m/", Echo("x")).ok()) << "a trailing slash is its own route";
}

}  // namespace
}  // namespace covidflow::http
