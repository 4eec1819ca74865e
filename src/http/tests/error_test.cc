#include "http/error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace covidflow::http {
namespace {

TEST(ErrorTest, EachCodeHasItsHttpStatus) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTimeout), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIoError), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(ErrorTest, OneJsonShape) {
  Response r = ErrorResponse(Status::NotFound("model 'x' has no version 3"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j, nlohmann::json::parse(
                   R"({"error": {"code": "NotFound", "message": "model 'x' has no version 3"}})"));
  EXPECT_TRUE(r.headers.empty());
}

TEST(ErrorTest, TheScoringProtocolsHaveTheirOwnShapes) {
  Response m = ErrorResponse(Status::InvalidArgument("no dataframe_split"), ErrorShape::kMlflow);
  EXPECT_EQ(m.status, 400);
  EXPECT_EQ(
      nlohmann::json::parse(m.body),
      nlohmann::json::parse(R"({"error_code": "BAD_REQUEST", "message": "no dataframe_split"})"));
  EXPECT_EQ(nlohmann::json::parse(
                ErrorResponse(Status::NotFound("x"), ErrorShape::kMlflow).body)["error_code"],
            "RESOURCE_DOES_NOT_EXIST");
  Response big = ErrorResponse(413, "PayloadTooLarge", "too big", ErrorShape::kMlflow);
  EXPECT_EQ(nlohmann::json::parse(big.body)["error_code"], "REQUEST_LIMIT_EXCEEDED");
  Response u = ErrorResponse(Status::Unavailable("loading"), ErrorShape::kMlflow);
  EXPECT_EQ(nlohmann::json::parse(u.body)["error_code"], "TEMPORARILY_UNAVAILABLE");
  EXPECT_EQ(FindHeader(u.headers, "retry-after"), "1");

  Response v2 = ErrorResponse(Status::NotFound("model 'x' not served"), ErrorShape::kOpenInference);
  EXPECT_EQ(v2.status, 404);
  EXPECT_EQ(nlohmann::json::parse(v2.body),
            nlohmann::json::parse(R"({"error": "model 'x' not served"})"));
}

TEST(ErrorTest, UnavailableSaysWhenToRetry) {
  Response r = ErrorResponse(Status::Unavailable("the model is loading"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(FindHeader(r.headers, "retry-after"), "1");
}

TEST(ErrorTest, MessagesWithInvalidUtf8StillGiveValidJson) {
  Response r = ErrorResponse(Status::InvalidArgument("bad byte \xff here"));
  EXPECT_EQ(r.status, 400);
  nlohmann::json j = nlohmann::json::parse(r.body);  // throws on invalid JSON
  EXPECT_EQ(j["error"]["code"], "InvalidArgument");
}

TEST(ErrorTest, AnOkStatusIsABugNotASuccess) {
  Response r = ErrorResponse(Status::Ok());
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "Internal");
}

TEST(ErrorTest, StatusFromHttpReadsTheShapeBack) {
  EXPECT_TRUE(StatusFromHttp(204, "").ok());
  for (StatusCode code :
       {StatusCode::kInvalidArgument, StatusCode::kNotFound, StatusCode::kAlreadyExists,
        StatusCode::kFailedPrecondition, StatusCode::kUnavailable, StatusCode::kTimeout,
        StatusCode::kInternal, StatusCode::kCorruption}) {
    Response r = ErrorResponse(Status(code, "why"));
    Status back = StatusFromHttp(r.status, r.body);
    EXPECT_EQ(back.code(), code) << back.ToString();
    EXPECT_EQ(back.message(), "HTTP " + std::to_string(r.status) + ": why");
  }
}

TEST(ErrorTest, StatusFromHttpWithoutTheShape) {
  EXPECT_EQ(StatusFromHttp(404, "<html>nope</html>").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromHttp(404, "<html>nope</html>").message(), "HTTP 404: <html>nope</html>");
  EXPECT_EQ(StatusFromHttp(409, "{}").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(StatusFromHttp(412, "").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusFromHttp(429, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromHttp(504, "").code(), StatusCode::kTimeout);
  EXPECT_EQ(StatusFromHttp(418, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusFromHttp(501, "").code(), StatusCode::kInternal);
  // A code that does not belong to the HTTP status is not trusted.
  EXPECT_EQ(StatusFromHttp(500, R"({"error":{"code":"NotFound","message":"m"}})").code(),
            StatusCode::kInternal);
  EXPECT_EQ(StatusFromHttp(500, std::string(1000, 'x')).message().size(), 210u);
}

}  // namespace
}  // namespace covidflow::http
