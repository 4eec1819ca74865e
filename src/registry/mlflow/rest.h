#pragma once
// The transport to an MLflow tracking server: JSON calls to its REST API and byte transfers
// through its artifact proxy, over http/'s client, with retries. Every MLflow error is sorted
// into the project's codes here and nowhere else (STYLE.md practice 4):
//
//   RESOURCE_DOES_NOT_EXIST, 404         → kNotFound
//   RESOURCE_ALREADY_EXISTS              → kAlreadyExists
//   INVALID_PARAMETER_VALUE, other 4xx   → kInvalidArgument
//   INVALID_STATE                        → kFailedPrecondition
//   403 (the server's Host check)        → kFailedPrecondition (the server's --allowed-hosts)
//   connection refused/lost, 5xx, 429    → retried with backoff, then kUnavailable
//   no answer in time                    → retried with backoff, then kTimeout
//
// Retries: a call whose connection failed or that got a 5xx/429 is sent again after a
// backoff that doubles from `first_backoff` up to `max_backoff`, `attempts` times in all.
// A create retried after a lost response may find its first attempt's result
// (kAlreadyExists); callers that create treat that as theirs where the name is theirs.
//
// Threads: calls are serialised by the underlying client; one Rest may be shared.
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/client.h"

namespace covidflow::registry::mlflow {

struct RestOptions {
  int attempts = 5;
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds max_backoff{3000};
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{30000};
};

class Rest {
 public:
  // `base_url` is http(s)://host:port. No request is sent here.
  static Result<std::unique_ptr<Rest>> Create(std::string_view base_url, RestOptions options);

  const std::string& base_url() const { return base_url_; }
  const RestOptions& options() const { return options_; }

  // POST/PATCH/DELETE `endpoint` (after /api/2.0/mlflow/) with a JSON body; the JSON answer.
  Result<nlohmann::json> Post(std::string_view endpoint, const nlohmann::json& body);
  // POST sent once, never retried: for a create whose retry could act twice (a new model
  // version has no name of its own to collide on). The caller decides, after an error,
  // whether the first attempt acted.
  Result<nlohmann::json> PostOnce(std::string_view endpoint, const nlohmann::json& body);
  Result<nlohmann::json> Patch(std::string_view endpoint, const nlohmann::json& body);
  Result<nlohmann::json> Delete(std::string_view endpoint, const nlohmann::json& body);
  // GET `endpoint` with `query` (name → value, percent-encoded here).
  Result<nlohmann::json> Get(std::string_view endpoint, const http::Fields& query);

  // The artifact proxy (/api/2.0/mlflow-artifacts/artifacts/<path>): `path` is relative to the
  // server's --artifacts-destination, '/'-separated, percent-encoded here.
  Status PutArtifact(std::string_view path, std::string_view bytes);
  Result<std::string> GetArtifact(std::string_view path);
  // The entries directly under `path`: {"files": [{"path", "is_dir", "file_size"}]}.
  Result<nlohmann::json> ListArtifacts(std::string_view path);

  // Waits until GET /health answers 200 or `timeout` runs out (kUnavailable).
  Status WaitHealthy(std::chrono::milliseconds timeout);

 private:
  Rest(std::string base_url, RestOptions options, std::unique_ptr<http::Client> client);
  enum class Method { kGet, kPost, kPut, kPatch, kDelete };
  // One request, sent up to `attempts` times (0 = options' attempts); a non-2xx answer
  // becomes a Status through MlflowError.
  Result<http::ClientResponse> Send(Method method, const std::string& path, std::string_view body,
                                    std::string_view content_type, int attempts = 0);
  Result<nlohmann::json> Json(Method method, std::string_view endpoint, const std::string& query,
                              const nlohmann::json* body, int attempts = 0);

  std::string base_url_;
  RestOptions options_;
  std::unique_ptr<http::Client> client_;
};

// An MLflow error answer → the project's Status (the table above). Exposed for tests.
Status MlflowError(int http_status, std::string_view body, std::string_view what);

// Percent-encodes everything but unreserved characters (and '/' when `keep_slash`).
std::string PercentEncode(std::string_view text, bool keep_slash);

}  // namespace covidflow::registry::mlflow
