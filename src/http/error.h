#pragma once
// Errors reach the wire in one place: a Status code decides the HTTP status, and every error
// response has one JSON shape,
//
//   {"error": {"code": "NotFound", "message": "model 'x' has no version 3"}}
//
// where "code" is the Status code's name (StatusCodeName) or, for failures of the HTTP layer
// itself, one of "NotFound" (no route), "MethodNotAllowed", "PayloadTooLarge",
// "HeadersTooLarge", "BadRequest". Clients branch on the HTTP status and "code", never on the
// message. See docs/http_api.md.
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace covidflow::http {

// kInvalidArgument → 400, kNotFound → 404, kAlreadyExists → 409, kFailedPrecondition → 409
// (the resource's state forbids the request now; 412 is left to If-Match style conditional
// requests), kUnavailable and kTimeout → 503 (with Retry-After), everything else → 500.
// kOk → 200.
int HttpStatusFor(StatusCode code);

// The body shape of an error. kCovidflow is the one above. The scoring server's protocols
// answer in the shape their clients parse, with the same HTTP status:
//   kMlflow         {"error_code": "BAD_REQUEST", "message": "..."} (MLflow's scoring server;
//                   error_code from the HTTP status: 400 BAD_REQUEST, 404
//                   RESOURCE_DOES_NOT_EXIST, 409 INVALID_STATE, 413 REQUEST_LIMIT_EXCEEDED,
//                   503 TEMPORARILY_UNAVAILABLE, other 4xx BAD_REQUEST, 5xx INTERNAL_ERROR)
//   kOpenInference  {"error": "..."} (Open Inference Protocol v2)
enum class ErrorShape { kCovidflow, kMlflow, kOpenInference };

// The error response for `status` (which must not be OK; an OK status is a bug → 500).
Response ErrorResponse(const Status& status, ErrorShape shape = ErrorShape::kCovidflow);

// The error response of the HTTP layer itself (routing, limits, malformed requests), or of a
// handler answering a status no Status code has (415).
Response ErrorResponse(int http_status, std::string_view code, std::string_view message,
                       ErrorShape shape = ErrorShape::kCovidflow);

// The other direction, for clients: a non-2xx response → a Status whose code is what the
// HTTP status says (400 → kInvalidArgument, 404 → kNotFound, 409 → kAlreadyExists,
// 408/429/502/503/504 → kUnavailable or kTimeout, other 4xx → kInvalidArgument, other 5xx →
// kInternal) and whose message is the JSON error's message when the body has that shape,
// else the start of the body. When the body is this module's error shape and its "code"
// names a StatusCode that maps to this HTTP status, that code is kept (409 is two codes).
// A 2xx status → OK.
Status StatusFromHttp(int http_status, std::string_view body);

}  // namespace covidflow::http
