#include "registry/mlflow/rest.h"

#include <thread>
#include <utility>

namespace covidflow::registry::mlflow {

namespace {

constexpr std::string_view kApi = "/api/2.0/mlflow/";
constexpr std::string_view kArtifacts = "/api/2.0/mlflow-artifacts/artifacts";

std::string_view MethodName(int m) {
  static constexpr std::string_view kNames[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  return kNames[m];
}

bool RetriableHttp(int status) { return status == 429 || status >= 500; }

}  // namespace

std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Status MlflowError(int http_status, std::string_view body, std::string_view what) {
  std::string code;
  std::string message;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    if (j.contains("error_code") && j["error_code"].is_string()) code = j["error_code"];
    if (j.contains("message") && j["message"].is_string()) message = j["message"];
  }
  if (message.empty()) message = std::string(body.substr(0, 300));
  const std::string text = "MLflow: " + std::string(what) + ": HTTP " +
                           std::to_string(http_status) + (code.empty() ? "" : " " + code) + ": " +
                           message;
  if (code == "RESOURCE_DOES_NOT_EXIST" || code == "NOT_FOUND" || http_status == 404) {
    return Status::NotFound(text);
  }
  if (code == "RESOURCE_ALREADY_EXISTS") return Status::AlreadyExists(text);
  if (code == "INVALID_STATE") return Status::FailedPrecondition(text);
  if (http_status == 403) {
    return Status::FailedPrecondition(text + " (is this host in the server's --allowed-hosts?)");
  }
  if (RetriableHttp(http_status)) return Status::Unavailable(text);
  return Status::InvalidArgument(text);
}

Rest::Rest(std::string base_url, RestOptions options, std::unique_ptr<http::Client> client)
    : base_url_(std::move(base_url)), options_(options), client_(std::move(client)) {}

Result<std::unique_ptr<Rest>> Rest::Create(std::string_view base_url, RestOptions options) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  http::ClientOptions co;
  co.connect_timeout = options.connect_timeout;
  co.timeout = options.timeout;
  co.max_response_bytes = size_t{1} << 30;  // artifacts come back whole
  ASSIGN_OR_RETURN(auto client, http::Client::Create(base_url, co));
  if (options.attempts < 1) options.attempts = 1;
  return std::unique_ptr<Rest>(new Rest(std::string(base_url), options, std::move(client)));
}

Result<http::ClientResponse> Rest::Send(Method method, const std::string& path,
                                        std::string_view body, std::string_view content_type,
                                        int attempts) {
  const std::string_view name = MethodName(static_cast<int>(method));
  const std::string what = std::string(name) + " " + path;
  if (attempts <= 0) attempts = options_.attempts;
  std::chrono::milliseconds backoff = options_.first_backoff;
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    Result<http::ClientResponse> r = [&]() -> Result<http::ClientResponse> {
      switch (method) {
        case Method::kGet:
          return client_->Get(path);
        case Method::kPost:
          return client_->Post(path, body, content_type);
        case Method::kPut:
          return client_->Put(path, body, content_type);
        case Method::kPatch:
          return client_->Patch(path, body, content_type);
        case Method::kDelete:
          return client_->Delete(path, body, content_type);
      }
      return Status::Internal("unknown method");
    }();
    if (!r.ok()) {
      if (!r.status().retriable()) return r.status();
      last = r.status();
      continue;
    }
    if (r->status >= 200 && r->status < 300) return std::move(*r);
    Status s = MlflowError(r->status, r->body, what);
    if (!RetriableHttp(r->status)) return s;
    last = std::move(s);
  }
  const std::string text = "MLflow at " + base_url_ + ": " + what + " failed after " +
                           std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") +
                           ": " + last.message();
  return last.code() == StatusCode::kTimeout ? Status::Timeout(text) : Status::Unavailable(text);
}

Result<nlohmann::json> Rest::Json(Method method, std::string_view endpoint,
                                  const std::string& query, const nlohmann::json* body,
                                  int attempts) {
  std::string path = std::string(kApi) + std::string(endpoint) + query;
  std::string payload = body == nullptr ? std::string() : body->dump();
  ASSIGN_OR_RETURN(
      http::ClientResponse r,
      Send(method, path, payload, body == nullptr ? "" : "application/json", attempts));
  if (r.body.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Unavailable("MLflow at " + base_url_ + ": " + path +
                               " answered something that is not JSON: " + r.body.substr(0, 200));
  }
  return j;
}

Result<nlohmann::json> Rest::Post(std::string_view endpoint, const nlohmann::json& body) {
  return Json(Method::kPost, endpoint, "", &body);
}

Result<nlohmann::json> Rest::PostOnce(std::string_view endpoint, const nlohmann::json& body) {
  return Json(Method::kPost, endpoint, "", &body, /*attempts=*/1);
}

Result<nlohmann::json> Rest::Patch(std::string_view endpoint, const nlohmann::json& body) {
  return Json(Method::kPatch, endpoint, "", &body);
}

Result<nlohmann::json> Rest::Delete(std::string_view endpoint, const nlohmann::json& body) {
  return Json(Method::kDelete, endpoint, "", &body);
}

Result<nlohmann::json> Rest::Get(std::string_view endpoint, const http::Fields& query) {
  std::string q;
  for (const auto& [k, v] : query) {
    q += q.empty() ? '?' : '&';
    q += PercentEncode(k, false) + "=" + PercentEncode(v, false);
  }
  return Json(Method::kGet, endpoint, q, nullptr);
}

Status Rest::PutArtifact(std::string_view path, std::string_view bytes) {
  const std::string url = std::string(kArtifacts) + "/" + PercentEncode(path, true);
  return Send(Method::kPut, url, bytes, "application/octet-stream").status();
}

Result<std::string> Rest::GetArtifact(std::string_view path) {
  const std::string url = std::string(kArtifacts) + "/" + PercentEncode(path, true);
  ASSIGN_OR_RETURN(http::ClientResponse r, Send(Method::kGet, url, {}, {}));
  return std::move(r.body);
}

Result<nlohmann::json> Rest::ListArtifacts(std::string_view path) {
  const std::string url = std::string(kArtifacts) + "?path=" + PercentEncode(path, false);
  ASSIGN_OR_RETURN(http::ClientResponse r, Send(Method::kGet, url, {}, {}));
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Unavailable("MLflow: " + url + ": not a JSON object");
  return j;
}

Status Rest::WaitHealthy(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Status last;
  while (true) {
    auto r = client_->Get("/health");
    if (r.ok() && r->status == 200) return Status::Ok();
    last = r.ok() ? MlflowError(r->status, r->body, "GET /health") : r.status();
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::Unavailable("MLflow at " + base_url_ + " not healthy: " + last.message());
}

}  // namespace covidflow::registry::mlflow
