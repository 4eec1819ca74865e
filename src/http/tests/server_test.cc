// The server against real loopback connections: routing, limits, error bodies, concurrency,
// lifecycle.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "http/client.h"
#include "http/metrics_handler.h"

namespace covidflow::http {
namespace {

std::string ErrorCode(const ClientResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "not the error shape: " + r.body;
  return j["error"]["code"].get<std::string>();
}

std::unique_ptr<Client> ClientFor(const Server& s) {
  auto c = Client::Create("http://127.0.0.1:" + std::to_string(s.port()));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// Sends raw bytes and returns the one response the server answers (head and body, by its
// Content-Length). The socket is not half-closed: the library does not answer a client
// that has shut down its sending side.
std::string RawExchange(int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)!::write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  while (true) {
    const size_t head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const size_t cl = out.find("Content-Length: ");
      const size_t length = cl < head_end ? std::stoul(out.substr(cl + 16)) : 0;
      if (out.size() >= head_end + 4 + length) break;
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Router TestRouter() {
  Router router;
  EXPECT_TRUE(router
                  .Add("GET", "/v2/models/{name}/versions/{v}",
                       [](const Request& r) -> Result<Response> {
                         nlohmann::json j = {{"name", r.PathParam("name")},
                                             {"version", r.PathParam("v")},
                                             {"q", r.Query("q").value_or("")},
                                             {"h", r.Header("x-test").value_or("")}};
                         return Response::Json(200, j.dump());
                       })
                  .ok());
  EXPECT_TRUE(
      router
          .Add("POST", "/echo",
               [](const Request& r) -> Result<Response> { return Response::Text(201, r.body); })
          .ok());
  EXPECT_TRUE(router
                  .Add("GET", "/fail/{code}",
                       [](const Request& r) -> Result<Response> {
                         if (r.PathParam("code") == "missing") return Status::NotFound("no such");
                         if (r.PathParam("code") == "dup") return Status::AlreadyExists("twice");
                         if (r.PathParam("code") == "throw") throw std::runtime_error("boom");
                         return Status::InvalidArgument("bad input");
                       })
                  .ok());
  return router;
}

TEST(ServerTest, BindsToLoopbackOnAFreePortAndRoutesWithPathParams) {
  auto server = Server::Start(TestRouter(), {});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->host(), "127.0.0.1");
  auto client = ClientFor(**server);
  auto r = client->Get("/v2/models/sentiment/versions/7?q=a%20b", {{"X-Test", "yes"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(r->body),
            nlohmann::json::parse(R"({"name":"sentiment","version":"7","q":"a b","h":"yes"})"));
  auto posted = client->Post("/echo", "payload", "text/plain");
  ASSERT_TRUE(posted.ok());
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(posted->body, "payload");
}

TEST(ServerTest, UnknownRouteAndWrongMethodAnswerJson) {
  auto server = Server::Start(TestRouter(), {});
  ASSERT_TRUE(server.ok());
  auto client = ClientFor(**server);
  auto nf = client->Get("/nope");
  ASSERT_TRUE(nf.ok());
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(ErrorCode(*nf), "NotFound");
  auto na = client->Post("/v2/models/a/versions/1", "{}", "application/json");
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->status, 405);
  EXPECT_EQ(ErrorCode(*na), "MethodNotAllowed");
  EXPECT_EQ(na->Header("Allow"), "GET");
}

TEST(ServerTest, HandlerErrorsAreMappedOnTheWire) {
  auto server = Server::Start(TestRouter(), {});
  ASSERT_TRUE(server.ok());
  auto client = ClientFor(**server);
  struct Case {
    const char* path;
    int status;
    const char* code;
  };
  for (const Case& c :
       {Case{"/fail/missing", 404, "NotFound"}, Case{"/fail/dup", 409, "AlreadyExists"},
        Case{"/fail/other", 400, "InvalidArgument"}, Case{"/fail/throw", 500, "Internal"}}) {
    auto r = client->Get(c.path);
    ASSERT_TRUE(r.ok()) << c.path;
    EXPECT_EQ(r->status, c.status) << c.path;
    EXPECT_EQ(ErrorCode(*r), c.code) << c.path;
  }
}

TEST(ServerTest, OversizeBodyIs413AndOversizeHeadersAre431) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  o.max_header_bytes = 2000;
  auto server = Server::Start(TestRouter(), o);
  ASSERT_TRUE(server.ok());
  auto client = ClientFor(**server);
  auto fits = client->Post("/echo", std::string(1000, 'a'), "text/plain");
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->status, 201);
  auto big = client->Post("/echo", std::string(1001, 'a'), "text/plain");
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(ErrorCode(*big), "PayloadTooLarge");
  auto headers = client->Get("/v2/models/a/versions/1", {{"X-Big", std::string(2500, 'h')}});
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ(headers->status, 431);
  EXPECT_EQ(ErrorCode(*headers), "HeadersTooLarge");
}

TEST(ServerTest, MalformedRequestsGet4xxJson) {
  auto server = Server::Start(TestRouter(), {});
  ASSERT_TRUE(server.ok());
  for (const std::string& raw :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /echo HTTP/9.9\r\n\r\n"),
        std::string("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")}) {
    std::string answer = RawExchange((*server)->port(), raw);
    EXPECT_EQ(answer.rfind("HTTP/1.1 4", 0), 0u) << raw << " → " << answer;
    EXPECT_NE(answer.find("{\"error\":{\"code\":"), std::string::npos) << answer;
  }
}

TEST(ServerTest, ConcurrentRequestsAreAllAnswered) {
  ServerOptions o;
  o.threads = 4;
  auto server = Server::Start(TestRouter(), o);
  ASSERT_TRUE(server.ok());
  constexpr int kClients = 8;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      auto client = ClientFor(**server);
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::to_string(t) + ":" + std::to_string(i);
        auto r = client->Post("/echo", body, "text/plain");
        if (r.ok() && r->status == 201 && r->body == body) ok.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST(ServerTest, ServesTheMetricsExposition) {
  metrics::Registry registry;
  registry.AddCounter("covidflow_test_requests_total", "Requests.").Inc(5);
  Router router;
  ASSERT_TRUE(router.Add("GET", "/metrics", MetricsHandler(registry)).ok());
  auto server = Server::Start(std::move(router), {});
  ASSERT_TRUE(server.ok());
  auto r = ClientFor(**server)->Get("/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Type"), metrics::kExpositionContentType);
  EXPECT_EQ(r->body, registry.Exposition());
  EXPECT_NE(r->body.find("covidflow_test_requests_total 5\n"), std::string::npos);
}

TEST(ServerTest, StopClosesThePortAndIsIdempotent) {
  auto server = Server::Start(TestRouter(), {});
  ASSERT_TRUE(server.ok());
  auto client = ClientFor(**server);
  ASSERT_TRUE(client->Get("/nope").ok());
  (*server)->Stop();
  (*server)->Stop();
  auto after = client->Get("/nope");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable) << after.status().ToString();
}

TEST(ServerTest, APortInUseIsAnIoError) {
  auto first = Server::Start(TestRouter(), {});
  ASSERT_TRUE(first.ok());
  ServerOptions o;
  o.port = (*first)->port();
  auto second = Server::Start(TestRouter(), o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
  o.port = 70000;
  EXPECT_EQ(Server::Start(TestRouter(), o).status().code(), StatusCode::kInvalidArgument);
  o.port = 0;
  o.threads = 0;
  EXPECT_EQ(Server::Start(TestRouter(), o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::http
