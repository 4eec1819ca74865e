#pragma once
// What a handler sees and returns. Plain values with no HTTP library type in them, so the
// modules that serve (serve/, monitor/, web/) never include the library.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace covidflow::http {

// Header or parameter (name, value) pairs in the order they came.
using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ... (a HEAD request is routed as GET)
  std::string path;    // percent-decoded, without the query
  Fields path_params;  // {name} segments of the matched route, e.g. {"name", "sentiment"}
  Fields query;        // ?a=1&b=2, decoded
  Fields headers;
  std::string body;
  std::string remote_addr;

  // The value of a {name} of the route; empty if the route has no such parameter.
  std::string_view PathParam(std::string_view name) const;
  // Header names compare case-insensitively; the first value is returned.
  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string_view> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Fields headers;  // besides Content-Type and Content-Length, which the server writes

  static Response Json(int status, std::string body) {
    return {status, "application/json", std::move(body), {}};
  }
  static Response Text(int status, std::string body, std::string content_type = "text/plain") {
    return {status, std::move(content_type), std::move(body), {}};
  }
};

// The first value of header `name`, compared case-insensitively.
std::optional<std::string_view> FindHeader(const Fields& headers, std::string_view name);

// A route's handler. An error Status becomes the response ErrorResponse(status) writes
// (http/error.h), so every failure reaches the wire through the one mapping. Handlers run on
// the server's worker threads, several at once: they must be thread-safe.
using Handler = std::function<Result<Response>(const Request&)>;

}  // namespace covidflow::http
