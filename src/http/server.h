#pragma once
// An HTTP/1.1 server: a listening socket, worker threads, and a Router. The HTTP library
// (Boost.Beast + Asio, docs/decisions/0009-http-server-on-beast.md) is an implementation
// detail of server.cc (no header of it leaks out). Connections are served asynchronously: a
// kept-alive connection waiting for its next request holds no worker; pipelined requests are
// answered in order.
//
// Limits: a body over max_body_bytes is answered 413 without being read; header lines over
// max_header_bytes in total (or a request line over 8 KiB on top of them) are answered 431; a
// request whose header does not arrive within read_timeout (counted for the whole header, so
// a client dribbling bytes is cut off), whose body does not within read_timeout, or whose
// answer is not taken within write_timeout, is disconnected; an idle kept-alive connection
// is closed after keep_alive_timeout. Every response the server makes itself (404, 405, 413,
// 431, a malformed request's 400, a handler that threw: 500) carries the JSON error shape of
// http/error.h.
//
// Lifecycle and threads: Start binds and starts serving before it returns; handlers run on
// up to `threads` workers at once. Stop (or destruction) closes the listening socket and the
// connections waiting for a request, lets handlers that have started finish and their answers
// be written (with Connection: close), and returns when every worker has ended. The router
// and everything its handlers reference must outlive the server.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/router.h"

namespace covidflow::http {

struct ServerOptions {
  // Loopback by default: serving other hosts is a decision the user makes explicitly.
  std::string host = "127.0.0.1";
  int port = 0;     // 0 = a free port chosen by the system (read it back with port())
  int threads = 4;  // workers running handlers and I/O; one per core suits cheap handlers
  size_t max_body_bytes = size_t{1} << 20;
  size_t max_header_bytes = size_t{16} << 10;
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::seconds keep_alive_timeout{2};
};

class Server {
 public:
  // kInvalidArgument for bad options; kIoError when the address cannot be bound (in use,
  // not local).
  static Result<std::unique_ptr<Server>> Start(Router router, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int port() const { return port_; }
  const std::string& host() const;

  // Idempotent; see the header comment. Must not be called from a handler.
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace covidflow::http
