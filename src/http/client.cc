#include "http/client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace covidflow::http {

struct Client::Impl {
  std::string base_url;
  ClientOptions options;
  std::unique_ptr<httplib::Client> client;
};

namespace {

// http(s)://host[:port], nothing after: the library throws on what it cannot parse, so the
// URL is checked here first.
Status CheckBaseUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("http client: '" + std::string(url) + "': " + std::string(why));
  };
  std::string_view rest;
  if (url.substr(0, 7) == "http://") {
    rest = url.substr(7);
  } else if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else {
    return bad("must start with http:// or https://");
  }
  const size_t colon = rest.rfind(':');
  std::string_view host = rest.substr(0, colon);
  if (host.empty()) return bad("no host");
  if (rest.find('/') != std::string_view::npos) return bad("a base URL has no path");
  if (!std::all_of(host.begin(), host.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '-' || c == '_';
      })) {
    return bad("bad host");
  }
  if (colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        std::stoi(std::string(port)) > 65535) {
      return bad("bad port");
    }
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string_view> ClientResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Create(std::string_view base_url, ClientOptions options) {
  RETURN_IF_ERROR(CheckBaseUrl(base_url));
  auto impl = std::make_unique<Impl>();
  impl->base_url = std::string(base_url);
  impl->options = options;
  try {
    impl->client = std::make_unique<httplib::Client>(impl->base_url);
  } catch (const std::exception& e) {
    return Status::InvalidArgument("http client: '" + impl->base_url + "': " + e.what());
  }
  if (!impl->client->is_valid()) {
    return Status::InvalidArgument("http client: '" + impl->base_url + "' is not usable");
  }
  impl->client->set_connection_timeout(options.connect_timeout);
  impl->client->set_read_timeout(options.timeout);
  impl->client->set_write_timeout(options.timeout);
  // Headers and body go out in separate writes: without this, Nagle and delayed ACKs add
  // ~40 ms to every POST.
  impl->client->set_tcp_nodelay(true);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<ClientResponse> Client::Get(std::string_view path, const Fields& headers) {
  return Send("GET", path, {}, {}, headers);
}

Result<ClientResponse> Client::Post(std::string_view path, std::string_view body,
                                    std::string_view content_type, const Fields& headers) {
  return Send("POST", path, body, content_type, headers);
}

Result<ClientResponse> Client::Put(std::string_view path, std::string_view body,
                                   std::string_view content_type, const Fields& headers) {
  return Send("PUT", path, body, content_type, headers);
}

Result<ClientResponse> Client::Patch(std::string_view path, std::string_view body,
                                     std::string_view content_type, const Fields& headers) {
  return Send("PATCH", path, body, content_type, headers);
}

Result<ClientResponse> Client::Delete(std::string_view path, std::string_view body,
                                      std::string_view content_type, const Fields& headers) {
  return Send("DELETE", path, body, content_type, headers);
}

Result<ClientResponse> Client::Send(std::string_view method, std::string_view path,
                                    std::string_view body, std::string_view content_type,
                                    const Fields& headers) {
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument("http client: path '" + std::string(path) +
                                   "' must start with /");
  }
  httplib::Request req;
  req.method = std::string(method);
  req.path = std::string(path);
  for (const auto& [k, v] : headers) req.set_header(k, v);
  if (!content_type.empty()) req.set_header("Content-Type", std::string(content_type));
  req.body = std::string(body);
  ClientResponse out;
  bool too_large = false;
  const size_t limit = impl_->options.max_response_bytes;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (out.body.size() + n > limit) {
      too_large = true;
      return false;
    }
    out.body.append(data, n);
    return true;
  };

  const std::string target = std::string(method) + " " + impl_->base_url + std::string(path);
  std::lock_guard<std::mutex> lock(mu_);
  const auto start = std::chrono::steady_clock::now();
  httplib::Result res = impl_->client->send(req);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (!res) {
    const httplib::Error err = res.error();
    const std::string detail = target + ": " + httplib::to_string(err);
    if (too_large) {
      return Status::InvalidArgument(target + ": response larger than " + std::to_string(limit) +
                                     " bytes");
    }
    switch (err) {
      case httplib::Error::Connection:
        return Status::Unavailable(detail + " (refused or unreachable)");
      case httplib::Error::ConnectionTimeout:
        return Status::Timeout(detail);
      case httplib::Error::Read:
      case httplib::Error::Write:
        // The library reports a timed-out read as a read error: the clock tells them apart.
        if (elapsed >= impl_->options.timeout) {
          return Status::Timeout(target + ": no response within " +
                                 std::to_string(impl_->options.timeout.count()) + " ms");
        }
        return Status::Unavailable(detail + " (connection lost)");
      default:
        return Status::Unavailable(detail);
    }
  }
  out.status = res->status;
  out.headers.assign(res->headers.begin(), res->headers.end());
  return out;
}

}  // namespace covidflow::http
