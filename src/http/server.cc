#include "http/server.h"

// Boost.Beast and Asio stay inside this file: they are the slowest headers of the build, and
// no other module needs them (docs/decisions/0009-http-server-on-beast.md).
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/logging.h"
#include "http/error.h"

namespace covidflow::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// The request line may be this long on top of max_header_bytes (which counts header lines).
constexpr size_t kRequestLineAllowance = size_t{8} << 10;
// After refusing a request whose body was not read, the connection is closed gracefully: what
// the client still sends is discarded for at most this long, so that closing a socket with
// unread bytes (which makes the kernel send a reset) cannot destroy the refusal before the
// client reads it.
constexpr std::chrono::milliseconds kLingerOnClose{1000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (a malformed escape is kept as it came); in a query '+' is a space.
std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

Fields ParseQuery(std::string_view query) {
  Fields out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out.emplace_back(
        PercentDecode(pair.substr(0, eq), true),
        eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true));
  }
  return out;
}

// Boost 1.74's string_view is not std::string_view.
std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// A client that went away, timed out or was cancelled by Stop: nothing to answer.
bool IsDisconnect(const beast::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::eof ||
         ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == bhttp::error::end_of_stream ||
         ec == bhttp::error::partial_message;
}

class Connection;

struct State {
  Router router;
  ServerOptions options;
  // Connections alive now, so that Stop can reach the idle ones. Declared before the
  // io_context: destroying it destroys pending handlers, whose connections unregister here.
  std::mutex mu;
  std::unordered_set<Connection*> live;
  std::atomic<bool> stopping{false};  // set under mu; read without it by connections
  asio::io_context ioc;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::vector<std::thread> workers;
  std::once_flag stopped;

  void Accept();
  void Run();
};

// One client connection. Its completion handlers run on its own strand, one at a time: read
// a request, run the handler, write the answer, read the next (pipelined requests wait in the
// buffer). Every wait is bounded by a timeout of ServerOptions.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(State& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

  ~Connection() {
    std::lock_guard lock(server_.mu);
    server_.live.erase(this);
  }

  void Start() {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_addr_ = remote.address().to_string();
    WaitForRequest(server_.options.read_timeout);
  }

  // Called through the strand by Server::Stop: a connection waiting for a request is
  // closed now; one whose handler has started answers and then closes.
  void OnStop() {
    stopping_ = true;
    if (waiting_) stream_.cancel();
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  // Waits for the first bytes of the next request (up to `idle`), then reads its header.
  void WaitForRequest(std::chrono::milliseconds idle) {
    if (stopping_) return Close();
    if (buffer_.size() > 0) return ReadHeader();  // pipelined: already here
    waiting_ = true;
    stream_.expires_after(idle);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->waiting_ = false;
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    if (stopping_) return Close();
    parser_.emplace();
    parser_->header_limit(
        static_cast<uint32_t>(server_.options.max_header_bytes + kRequestLineAllowance));
    parser_->body_limit(server_.options.max_body_bytes);
    waiting_ = true;
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               self->waiting_ = false;
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) return RefuseHeaders();
    // The parser checks a Content-Length against body_limit as soon as it reads the field.
    if (ec == bhttp::error::body_limit) return RefuseBody();
    if (ec && IsDisconnect(ec)) return Close();
    if (ec) return Refuse(ErrorResponse(400, "BadRequest", "malformed HTTP request"));
    const auto& req = parser_->get();
    if (req.version() != 10 && req.version() != 11) {
      return Refuse(ErrorResponse(400, "BadRequest", "only HTTP/1.0 and HTTP/1.1 are served"));
    }
    size_t header_bytes = 0;
    for (const auto& field : req) {
      header_bytes += field.name_string().size() + field.value().size() + 4;  // ": ", CRLF
    }
    if (header_bytes > server_.options.max_header_bytes) return RefuseHeaders();
    const auto length = parser_->content_length();
    if (length && *length > server_.options.max_body_bytes) return RefuseBody();
    if (parser_->is_done()) return Handle();
    const auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      stream_.expires_after(server_.options.write_timeout);
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code write_ec, size_t) {
                          if (write_ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec == bhttp::error::body_limit) return self->RefuseBody();
          if (ec && IsDisconnect(ec)) return self->Close();
          if (ec) {
            return self->Refuse(ErrorResponse(400, "BadRequest", "malformed request body"));
          }
          self->Handle();
        });
  }

  void Handle() {
    auto& req = parser_->get();
    Request r;
    r.method = std::string(req.method_string());
    const std::string_view target = View(req.target());
    const size_t question = target.find('?');
    r.path = PercentDecode(target.substr(0, question), false);
    if (question != std::string_view::npos) r.query = ParseQuery(target.substr(question + 1));
    r.headers.reserve(static_cast<size_t>(std::distance(req.begin(), req.end())));
    for (const auto& field : req) {
      r.headers.emplace_back(View(field.name_string()), View(field.value()));
    }
    r.body = std::move(req.body());
    r.remote_addr = remote_addr_;
    Response out;
    // Handlers return errors as values; an exception escaping one (a bug, or bad_alloc) must
    // still give the client an answer and keep the worker alive.
    try {
      out = server_.router.Route(r);
    } catch (const std::exception& e) {
      out = ErrorResponse(Status::Internal(std::string("handler threw: ") + e.what()));
    } catch (...) {
      out = ErrorResponse(Status::Internal("handler threw: unknown exception"));
    }
    const bool head = req.method() == bhttp::verb::head;
    Write(std::move(out), req.version(), req.keep_alive(), head);
  }

  void RefuseHeaders() {
    Refuse(ErrorResponse(
        431, "HeadersTooLarge",
        "request headers over " + std::to_string(server_.options.max_header_bytes) + " bytes"));
  }

  void RefuseBody() {
    Refuse(ErrorResponse(
        413, "PayloadTooLarge",
        "request body over " + std::to_string(server_.options.max_body_bytes) + " bytes"));
  }

  // The server's own refusal: the rest of the request is not read, so the connection cannot
  // carry another one.
  void Refuse(Response response) { Write(std::move(response), 11, false, false); }

  void Write(Response from, unsigned version, bool keep_alive, bool head) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(from.status));
    if (!from.content_type.empty()) response_.set(bhttp::field::content_type, from.content_type);
    for (auto& [name, value] : from.headers) response_.insert(name, value);
    keep_alive = keep_alive && !Stopping();
    response_.keep_alive(keep_alive);
    response_.content_length(from.body.size());
    // A HEAD answer carries the GET answer's length but no body.
    if (!head) response_.body() = std::move(from.body);
    stream_.expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         if (!keep_alive || self->Stopping()) return self->CloseGracefully();
                         self->WaitForRequest(std::chrono::duration_cast<std::chrono::milliseconds>(
                             self->server_.options.keep_alive_timeout));
                       });
  }

  // Sends FIN, then discards what the client still sends until it closes too (bounded).
  void CloseGracefully() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec || stopping_) return Close();
    waiting_ = true;
    stream_.expires_after(kLingerOnClose);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec || self->stopping_) {
                                self->waiting_ = false;
                                return self->Close();
                              }
                              self->Drain();
                            });
  }

  bool Stopping() const { return stopping_ || server_.stopping.load(std::memory_order_relaxed); }

  void Close() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  State& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;  // alive until its write completes
  std::string remote_addr_;
  char scratch_[4096];
  bool waiting_ = false;  // a read Stop may cancel is pending
  bool stopping_ = false;
};

void State::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      auto connection = std::make_shared<Connection>(*this, std::move(socket));
      bool accepted = false;
      {
        std::lock_guard lock(mu);
        if (!stopping) {
          live.insert(connection.get());
          accepted = true;
        }
      }
      if (accepted) asio::dispatch(connection->executor(), [connection] { connection->Start(); });
    } else {
      // Out of descriptors, or a connection reset while queued: the listener goes on.
      Logf(LogLevel::kWarning, "http server: accept failed: %s", ec.message().c_str());
    }
    Accept();
  });
}

void State::Run() {
  while (true) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      Logf(LogLevel::kError, "http server: worker caught %s", e.what());
    }
  }
}

}  // namespace

struct Server::Impl {
  State state;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

const std::string& Server::host() const { return impl_->state.options.host; }

Result<std::unique_ptr<Server>> Server::Start(Router router, ServerOptions options) {
  if (options.threads < 1) return Status::InvalidArgument("http server: threads must be >= 1");
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("http server: port " + std::to_string(options.port) +
                                   " is not in 0..65535");
  }
  if (options.max_body_bytes == 0 || options.max_header_bytes == 0) {
    return Status::InvalidArgument("http server: size limits must be positive");
  }
  if (options.max_header_bytes > (size_t{1} << 30)) {
    return Status::InvalidArgument("http server: max_header_bytes must be at most 1 GiB");
  }
  auto impl = std::make_unique<Impl>();
  State* p = &impl->state;
  p->router = std::move(router);
  p->options = options;
  const auto cannot_listen = [&options](const std::string& why) {
    return Status::IoError("http server: cannot listen on " + options.host + ":" +
                           std::to_string(options.port) + " (" + why + ")");
  };
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<uint16_t>(options.port));
  } else {
    tcp::resolver resolver(p->ioc);
    const auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) return cannot_listen("cannot resolve the host");
    endpoint = results.begin()->endpoint();
  }
  tcp::acceptor& acceptor = p->acceptor;
  // SO_REUSEADDR (rebinding a port in TIME_WAIT after a restart) but not SO_REUSEPORT, which
  // would let a second server bind a port in use and silently take half its connections.
  if (acceptor.open(endpoint.protocol(), ec) ||
      acceptor.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor.bind(endpoint, ec) ||
      acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    return cannot_listen(ec.message());
  }
  const int port = acceptor.local_endpoint(ec).port();
  if (ec) return cannot_listen(ec.message());
  p->Accept();
  for (int i = 0; i < options.threads; ++i) p->workers.emplace_back([p] { p->Run(); });
  std::unique_ptr<Server> server(new Server(std::move(impl)));
  server->port_ = port;
  return server;
}

void Server::Stop() {
  std::call_once(impl_->state.stopped, [this] {
    State& s = impl_->state;
    std::vector<std::shared_ptr<Connection>> alive;
    {
      std::lock_guard lock(s.mu);
      s.stopping = true;
      for (Connection* c : s.live) {
        // A connection being destroyed (its last handler has run) needs nothing.
        if (auto a = c->weak_from_this().lock()) alive.push_back(std::move(a));
      }
    }
    // Outside the lock: the last reference to a connection may be dropped here, and its
    // destructor takes the lock.
    for (auto& c : alive) asio::post(c->executor(), [c] { c->OnStop(); });
    alive.clear();
    asio::post(s.acceptor.get_executor(), [&s] {
      beast::error_code ec;
      s.acceptor.close(ec);
    });
    // The workers return once the acceptor and every connection are closed.
    for (std::thread& t : s.workers) t.join();
  });
}

}  // namespace covidflow::http
