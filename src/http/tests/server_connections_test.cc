// The server's connection handling over raw sockets: many kept-alive connections on few
// workers, pipelined requests, HEAD, Expect: 100-continue, a slow client closed by the read
// timeout, and Stop not waiting for idle connections.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace covidflow::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

Router EchoRouter() {
  Router router;
  EXPECT_TRUE(router
                  .Add("GET", "/ping",
                       [](const Request&) -> Result<Response> {
                         return Response::Json(200, R"({"status":"ok"})");
                       })
                  .ok());
  EXPECT_TRUE(
      router
          .Add("POST", "/echo",
               [](const Request& r) -> Result<Response> { return Response::Text(200, r.body); })
          .ok());
  return router;
}

// A blocking loopback socket with a receive timeout, closed on destruction.
class Socket {
 public:
  explicit Socket(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // The next response (head and body, by Content-Length); empty if the connection closed or
  // nothing came within the receive timeout.
  std::string ReadResponse() {
    while (true) {
      const size_t head_end = pending_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t cl = pending_.find("Content-Length: ");
        const size_t length = cl < head_end ? std::stoul(pending_.substr(cl + 16)) : 0;
        const size_t total = head_end + 4 + (IsHeadAnswer(head_end) ? 0 : length);
        if (pending_.size() >= total) {
          std::string out = pending_.substr(0, total);
          pending_.erase(0, total);
          return out;
        }
      }
      if (!Fill()) return "";
    }
  }

  // True when the server closed the connection (EOF or reset) within `within`.
  bool ClosedWithin(milliseconds within) {
    const auto deadline = steady_clock::now() + within;
    while (steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) == 1) {
        char buf[256];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return true;
      }
    }
    return false;
  }

  // Responses to HEAD carry a Content-Length but no body.
  void ExpectHeadAnswer() { head_answer_ = true; }

 private:
  bool IsHeadAnswer(size_t) const { return head_answer_; }
  bool Fill() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool head_answer_ = false;
  std::string pending_;
};

std::string Post(const std::string& body) {
  return "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Body(const std::string& response) {
  const size_t head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : response.substr(head_end + 4);
}

TEST(ServerConnectionsTest, ManyKeptAliveConnectionsAreServedByFewWorkers) {
  // With a thread per connection, 64 idle kept-alive connections would starve 2 workers;
  // here every connection gets every answer.
  ServerOptions o;
  o.threads = 2;
  auto server = Server::Start(EchoRouter(), o);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  constexpr int kConnections = 64;
  std::vector<std::unique_ptr<Socket>> sockets;
  for (int i = 0; i < kConnections; ++i) {
    sockets.push_back(std::make_unique<Socket>((*server)->port()));
    ASSERT_TRUE(sockets.back()->connected());
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kConnections; ++i) {
      ASSERT_TRUE(sockets[i]->Send(Post(std::to_string(round) + "/" + std::to_string(i))));
    }
    for (int i = kConnections - 1; i >= 0; --i) {
      const std::string r = sockets[i]->ReadResponse();
      EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
      EXPECT_EQ(Body(r), std::to_string(round) + "/" + std::to_string(i));
    }
  }
}

TEST(ServerConnectionsTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = Server::Start(EchoRouter(), {});
  ASSERT_TRUE(server.ok());
  Socket s((*server)->port());
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(s.Send(Post("first") + "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n" + Post("third")));
  EXPECT_EQ(Body(s.ReadResponse()), "first");
  EXPECT_EQ(Body(s.ReadResponse()), R"({"status":"ok"})");
  EXPECT_EQ(Body(s.ReadResponse()), "third");
}

TEST(ServerConnectionsTest, HeadAnswersTheGetLengthWithoutABody) {
  auto server = Server::Start(EchoRouter(), {});
  ASSERT_TRUE(server.ok());
  Socket s((*server)->port());
  s.ExpectHeadAnswer();
  ASSERT_TRUE(
      s.Send("HEAD /ping HTTP/1.1\r\nHost: x\r\n\r\nHEAD /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string first = s.ReadResponse();
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_NE(first.find("Content-Length: 15\r\n"), std::string::npos) << first;
  EXPECT_EQ(Body(first), "");
  // Had a body been sent, this would read it as the second response's status line.
  EXPECT_EQ(s.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
}

TEST(ServerConnectionsTest, ExpectContinueIsAnsweredBeforeTheBodyIsRead) {
  ServerOptions o;
  o.max_body_bytes = 100;
  auto server = Server::Start(EchoRouter(), o);
  ASSERT_TRUE(server.ok());
  Socket s((*server)->port());
  ASSERT_TRUE(s.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  EXPECT_EQ(s.ReadResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(s.Send("hello"));
  EXPECT_EQ(Body(s.ReadResponse()), "hello");
  // Over the limit: refused at once, without a 100 Continue and without reading the body.
  Socket big((*server)->port());
  ASSERT_TRUE(big.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n"));
  EXPECT_EQ(big.ReadResponse().rfind("HTTP/1.1 413", 0), 0u);
}

TEST(ServerConnectionsTest, ASlowClientIsClosedByTheReadTimeout) {
  ServerOptions o;
  o.read_timeout = milliseconds(300);
  auto server = Server::Start(EchoRouter(), o);
  ASSERT_TRUE(server.ok());
  Socket s((*server)->port());
  // One header byte every 50 ms keeps every single read short of the timeout; the whole
  // header is still bounded by it.
  ASSERT_TRUE(s.Send("GET /ping HTTP/1.1\r\n"));
  const std::string dribble = "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  bool closed = false;
  for (char c : dribble) {
    if (!s.Send(std::string(1, c)) || s.ClosedWithin(milliseconds(50))) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed || s.ClosedWithin(milliseconds(2000)))
      << "a client dribbling a header for 2.5 s was not disconnected";
}

TEST(ServerConnectionsTest, StopDoesNotWaitForIdleConnectionsButFinishesARunningHandler) {
  Router router = EchoRouter();
  std::atomic<bool> in_handler{false};
  ASSERT_TRUE(router
                  .Add("GET", "/slow",
                       [&in_handler](const Request&) -> Result<Response> {
                         in_handler = true;
                         std::this_thread::sleep_for(milliseconds(300));
                         return Response::Json(200, "{}");
                       })
                  .ok());
  ServerOptions o;
  o.keep_alive_timeout = std::chrono::seconds(60);
  o.read_timeout = milliseconds(60000);
  auto server = Server::Start(std::move(router), o);
  ASSERT_TRUE(server.ok());
  Socket idle((*server)->port());
  ASSERT_TRUE(idle.Send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(idle.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  Socket busy((*server)->port());
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  while (!in_handler) std::this_thread::yield();
  (*server)->Stop();
  // The running handler's answer was delivered, then both connections were closed: Stop did
  // not wait out the 60 s keep-alive of the idle one.
  const std::string answer = busy.ReadResponse();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_TRUE(idle.ClosedWithin(milliseconds(1000)));
}

}  // namespace
}  // namespace covidflow::http
