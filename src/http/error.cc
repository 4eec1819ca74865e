#include "http/error.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace covidflow::http {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      return 503;
    case StatusCode::kCorruption:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {

std::string_view MlflowErrorCode(int http_status) {
  switch (http_status) {
    case 400:
      return "BAD_REQUEST";
    case 404:
      return "RESOURCE_DOES_NOT_EXIST";
    case 409:
      return "INVALID_STATE";
    case 413:
      return "REQUEST_LIMIT_EXCEEDED";
    case 503:
      return "TEMPORARILY_UNAVAILABLE";
    default:
      return http_status >= 400 && http_status < 500 ? "BAD_REQUEST" : "INTERNAL_ERROR";
  }
}

}  // namespace

Response ErrorResponse(int http_status, std::string_view code, std::string_view message,
                       ErrorShape shape) {
  nlohmann::json body;
  switch (shape) {
    case ErrorShape::kCovidflow:
      body = {{"error", {{"code", code}, {"message", message}}}};
      break;
    case ErrorShape::kMlflow:
      body = {{"error_code", MlflowErrorCode(http_status)}, {"message", message}};
      break;
    case ErrorShape::kOpenInference:
      body = {{"error", message}};
      break;
  }
  // replace: a message carrying invalid UTF-8 (a user's bytes echoed back) must still give
  // valid JSON rather than throw.
  Response r = Response::Json(http_status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (http_status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response ErrorResponse(const Status& status, ErrorShape shape) {
  if (status.ok()) {
    return ErrorResponse(500, StatusCodeName(StatusCode::kInternal),
                         "an error response was made from an OK status", shape);
  }
  return ErrorResponse(HttpStatusFor(status.code()), StatusCodeName(status.code()),
                       status.message(), shape);
}

Status StatusFromHttp(int http_status, std::string_view body) {
  if (http_status >= 200 && http_status < 300) return Status::Ok();
  std::string message;
  std::optional<StatusCode> named;  // the "code" of our own error shape, when it is one
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object() &&
      parsed["error"].contains("message") && parsed["error"]["message"].is_string()) {
    const nlohmann::json& error = parsed["error"];
    message = error["message"].get<std::string>();
    if (error.contains("code") && error["code"].is_string()) {
      const std::string code = error["code"].get<std::string>();
      for (int c = 1; c <= static_cast<int>(StatusCode::kInternal); ++c) {
        if (StatusCodeName(static_cast<StatusCode>(c)) == code) named = static_cast<StatusCode>(c);
      }
    }
  } else {
    constexpr size_t kMaxEcho = 200;
    message = std::string(body.substr(0, kMaxEcho));
  }
  message = "HTTP " + std::to_string(http_status) + (message.empty() ? "" : ": " + message);
  // A server speaking this shape said which code it meant (409 is two codes).
  if (named && HttpStatusFor(*named) == http_status) return Status(*named, std::move(message));
  switch (http_status) {
    case 400:
      return Status::InvalidArgument(std::move(message));
    case 404:
      return Status::NotFound(std::move(message));
    case 409:
      return Status::AlreadyExists(std::move(message));
    case 412:
      return Status::FailedPrecondition(std::move(message));
    case 408:
    case 504:
      return Status::Timeout(std::move(message));
    case 429:
    case 502:
    case 503:
      return Status::Unavailable(std::move(message));
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) return Status::InvalidArgument(std::move(message));
  return Status::Internal(std::move(message));
}

}  // namespace covidflow::http
