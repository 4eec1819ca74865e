#include "http/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <exception>
#include <mutex>
#include <thread>

#include "http/error.h"

namespace covidflow::http {
namespace {

// The error response for a status the library set itself (no handler ran).
Response LibraryError(int status) {
  switch (status) {
    case 400:
      return ErrorResponse(400, "BadRequest", "malformed HTTP request");
    case 404:
      return ErrorResponse(404, "NotFound", "no route");
    case 413:
      return ErrorResponse(413, "PayloadTooLarge", "request body too large");
    case 414:
      return ErrorResponse(414, "UriTooLong", "request URI too long");
    default:
      return ErrorResponse(status, status < 500 ? "BadRequest" : "Internal",
                           "request failed with HTTP status " + std::to_string(status));
  }
}

void Write(const Response& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [k, v] : from.headers) to.set_header(k, v);
  to.set_content(from.body, from.content_type);
}

size_t HeaderBytes(const httplib::Headers& headers) {
  size_t n = 0;
  for (const auto& [k, v] : headers) n += k.size() + v.size() + 4;  // ": " and CRLF
  return n;
}

}  // namespace

struct Server::Impl {
  Router router;
  ServerOptions options;
  httplib::Server server;
  std::thread listener;
  std::once_flag stopped;

  void Handle(const httplib::Request& req, httplib::Response& res) const {
    if (HeaderBytes(req.headers) > options.max_header_bytes) {
      Write(ErrorResponse(
                431, "HeadersTooLarge",
                "request headers over " + std::to_string(options.max_header_bytes) + " bytes"),
            res);
      return;
    }
    Request r;
    r.method = req.method;
    r.path = req.path;
    r.body = req.body;
    r.remote_addr = req.remote_addr;
    r.headers.assign(req.headers.begin(), req.headers.end());
    r.query.assign(req.params.begin(), req.params.end());
    Write(router.Route(r), res);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

const std::string& Server::host() const { return impl_->options.host; }

Result<std::unique_ptr<Server>> Server::Start(Router router, ServerOptions options) {
  if (options.threads < 1) return Status::InvalidArgument("http server: threads must be >= 1");
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("http server: port " + std::to_string(options.port) +
                                   " is not in 0..65535");
  }
  if (options.max_body_bytes == 0 || options.max_header_bytes == 0) {
    return Status::InvalidArgument("http server: size limits must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->router = std::move(router);
  impl->options = options;
  Impl* p = impl.get();
  httplib::Server& s = impl->server;
  const size_t threads = static_cast<size_t>(options.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(options.max_body_bytes);
  s.set_read_timeout(options.read_timeout);
  s.set_write_timeout(options.write_timeout);
  s.set_keep_alive_timeout(options.keep_alive_timeout.count());
  s.set_tcp_nodelay(true);
  // The library's default also sets SO_REUSEPORT, which would let a second server bind a port
  // in use and silently take half its connections: keep only SO_REUSEADDR (rebinding a port
  // in TIME_WAIT after a restart).
  s.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  auto handle = [p](const httplib::Request& req, httplib::Response& res) { p->Handle(req, res); };
  // Every request goes to the Router: the library's own routing only sees one catch-all per
  // method, so 404 and 405 are decided in one place.
  s.Get(".*", handle);
  s.Post(".*", handle);
  s.Put(".*", handle);
  s.Patch(".*", handle);
  s.Delete(".*", handle);
  s.Options(".*", handle);
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
        Write(LibraryError(res.status), res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Handlers return errors as values; an exception escaping one (a bug, or bad_alloc) must
  // still give the client an answer and keep the worker alive.
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        Write(ErrorResponse(Status::Internal("handler threw: " + what)), res);
      });

  int port = options.port;
  if (port == 0) {
    port = s.bind_to_any_port(options.host);
  } else if (!s.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return Status::IoError("http server: cannot listen on " + options.host + ":" +
                           std::to_string(options.port) +
                           " (address in use, or not an address of this host)");
  }
  impl->listener = std::thread([p] { p->server.listen_after_bind(); });
  // stop() only takes effect once the accept loop runs, and the loop marks itself running as
  // its first step: wait for that, so Stop() can never miss it.
  while (!s.is_running()) std::this_thread::yield();
  std::unique_ptr<Server> server(new Server(std::move(impl)));
  server->port_ = port;
  return server;
}

void Server::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->server.stop();
    impl_->listener.join();
  });
}

}  // namespace covidflow::http
