// The server half of compare.sh: GET /ping (a small JSON) and POST /echo (the body back as
// JSON) on 127.0.0.1, served either by covidflow's http::Server or, as the peer it replaced,
// by a plain cpp-httplib server with the same settings. Runs until stdin closes or SIGTERM.
//
// Usage: bench_http_server --impl covidflow|httplib --port N [--threads N]
#include <httplib.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "http/router.h"
#include "http/server.h"

namespace {

using covidflow::Result;
using covidflow::http::Request;
using covidflow::http::Response;

constexpr const char* kPing = R"({"status":"ok"})";

volatile std::sig_atomic_t g_stop = 0;

void WaitForTermination() {
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGINT, [](int) { g_stop = 1; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

int ServeCovidflow(int port, int threads) {
  covidflow::http::Router router;
  (void)router.Add("GET", "/ping",
                   [](const Request&) -> Result<Response> { return Response::Json(200, kPing); });
  (void)router.Add("POST", "/echo", [](const Request& r) -> Result<Response> {
    return Response::Json(200, r.body);
  });
  covidflow::http::ServerOptions options;
  options.port = port;
  options.threads = threads;
  auto server = covidflow::http::Server::Start(std::move(router), options);
  if (!server.ok()) {
    std::cerr << server.status().ToString() << "\n";
    return 1;
  }
  std::cout << "listening " << (*server)->port() << std::endl;
  WaitForTermination();
  (*server)->Stop();
  return 0;
}

// cpp-httplib as http::Server configured it before the switch (docs/decisions/0009).
int ServeHttplib(int port, int threads) {
  httplib::Server s;
  const size_t n = static_cast<size_t>(threads);
  s.new_task_queue = [n] { return new httplib::ThreadPool(n); };
  s.set_tcp_nodelay(true);
  s.set_keep_alive_timeout(2);
  s.set_payload_max_length(size_t{1} << 20);
  s.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kPing, "application/json");
  });
  s.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.body, "application/json");
  });
  if (!s.bind_to_port("127.0.0.1", port)) {
    std::cerr << "cannot bind 127.0.0.1:" << port << "\n";
    return 1;
  }
  std::thread listener([&s] { s.listen_after_bind(); });
  std::cout << "listening " << port << std::endl;
  WaitForTermination();
  s.stop();
  listener.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string impl = "covidflow";
  int port = 0;
  int threads = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--impl") {
      impl = value;
    } else if (flag == "--port") {
      port = std::atoi(value.c_str());
    } else if (flag == "--threads") {
      threads = std::atoi(value.c_str());
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (threads < 1 || port <= 0) {
    std::cerr << "usage: bench_http_server --impl covidflow|httplib --port N [--threads N]\n";
    return 2;
  }
  if (impl == "covidflow") return ServeCovidflow(port, threads);
  if (impl == "httplib") return ServeHttplib(port, threads);
  std::cerr << "--impl must be covidflow or httplib\n";
  return 2;
}
