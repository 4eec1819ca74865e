#pragma once
// An HTTP/1.1 client for one base URL (http://host:port or https://host:port): GET, POST,
// PUT, PATCH and DELETE with bounded waits, every failure a Status. The HTTP library stays inside
// client.cc.
//
// Errors: a refused or unreachable connection → kUnavailable; no connection within
// connect_timeout, or no response within timeout → kTimeout; a response larger than
// max_response_bytes → kInvalidArgument. A response with any HTTP status is a value: the
// caller decides (StatusFromHttp in http/error.h turns a non-2xx one into a Status).
//
// Threads: calls may come from several threads; they are serialised. Each call opens its own
// connection (no keep-alive: a connection the server closed while idle never fails a call).
// Use one Client per thread for parallel requests.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace covidflow::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{10000};  // for sending the request and for the response
  size_t max_response_bytes = size_t{64} << 20;
};

struct ClientResponse {
  int status = 0;
  std::string body;
  Fields headers;
  // Case-insensitive; the first value.
  std::optional<std::string_view> Header(std::string_view name) const;
};

class Client {
 public:
  // kInvalidArgument for a URL that is not http(s)://host[:port] (no path).
  static Result<std::unique_ptr<Client>> Create(std::string_view base_url,
                                                ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `path` starts with '/' and may carry a query string.
  Result<ClientResponse> Get(std::string_view path, const Fields& headers = {});
  Result<ClientResponse> Post(std::string_view path, std::string_view body,
                              std::string_view content_type, const Fields& headers = {});
  Result<ClientResponse> Put(std::string_view path, std::string_view body,
                             std::string_view content_type, const Fields& headers = {});
  Result<ClientResponse> Patch(std::string_view path, std::string_view body,
                               std::string_view content_type, const Fields& headers = {});
  // MLflow's REST API, among others, reads a DELETE's arguments from a JSON body.
  Result<ClientResponse> Delete(std::string_view path, std::string_view body = {},
                                std::string_view content_type = {}, const Fields& headers = {});

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  Result<ClientResponse> Send(std::string_view method, std::string_view path, std::string_view body,
                              std::string_view content_type, const Fields& headers);
  std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace covidflow::http
