#include "http/client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "http/server.h"

namespace covidflow::http {
namespace {

TEST(ClientTest, BadBaseUrlsAreRefused) {
  for (const char* bad : {"", "127.0.0.1:80", "ftp://x", "http://", "http://:80", "http://h:",
                          "http://h:99999", "http://h:8x", "http://h/path", "http://h h"}) {
    EXPECT_EQ(Client::Create(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(Client::Create("http://localhost:8080").ok());
  EXPECT_TRUE(Client::Create("http://mlflow.internal").ok());
}

TEST(ClientTest, PathsMustBeAbsolute) {
  auto c = Client::Create("http://127.0.0.1:1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Get("metrics").status().code(), StatusCode::kInvalidArgument);
}

TEST(ClientTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    auto server = Server::Start(Router(), {});  // a port that was free, now closed again
    ASSERT_TRUE(server.ok());
    port = (*server)->port();
  }
  auto c = Client::Create("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Get("/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(r.status().retriable());
}

// Each method reaches the route of its own name with its body and content type.
TEST(ClientTest, PutPatchAndDeleteCarryTheirBodies) {
  Router router;
  for (const char* method : {"PUT", "PATCH", "DELETE"}) {
    ASSERT_TRUE(router
                    .Add(method, "/echo",
                         [](const Request& r) -> Result<Response> {
                           const std::string type(r.Header("Content-Type").value_or("none"));
                           return Response::Text(200, r.method + " " + type + " " + r.body);
                         })
                    .ok());
  }
  auto server = Server::Start(std::move(router), {});
  ASSERT_TRUE(server.ok());
  auto c = Client::Create("http://127.0.0.1:" + std::to_string((*server)->port()));
  ASSERT_TRUE(c.ok());
  auto put = (*c)->Put("/echo", "bytes", "application/octet-stream");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->body, "PUT application/octet-stream bytes");
  auto patch = (*c)->Patch("/echo", "{}", "application/json");
  ASSERT_TRUE(patch.ok()) << patch.status().ToString();
  EXPECT_EQ(patch->body, "PATCH application/json {}");
  auto del = (*c)->Delete("/echo", "{\"a\":1}", "application/json");
  ASSERT_TRUE(del.ok()) << del.status().ToString();
  EXPECT_EQ(del->body, "DELETE application/json {\"a\":1}");
}

// A handler that answers only when released: the client's bounded wait runs out first.
TEST(ClientTest, NoAnswerWithinTheTimeoutIsTimeout) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/slow",
                       [&](const Request&) -> Result<Response> {
                         std::unique_lock<std::mutex> lock(mu);
                         cv.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
                         return Response::Text(200, "late");
                       })
                  .ok());
  auto server = Server::Start(std::move(router), {});
  ASSERT_TRUE(server.ok());
  ClientOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto c = Client::Create("http://127.0.0.1:" + std::to_string((*server)->port()), o);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Get("/slow");
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout) << r.status().ToString();
}

TEST(ClientTest, ResponsesOverTheLimitAreRefused) {
  Router router;
  ASSERT_TRUE(router
                  .Add("GET", "/big",
                       [](const Request&) -> Result<Response> {
                         return Response::Text(200, std::string(100000, 'x'));
                       })
                  .ok());
  auto server = Server::Start(std::move(router), {});
  ASSERT_TRUE(server.ok());
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  ClientOptions o;
  o.max_response_bytes = 50000;
  auto small = Client::Create(url, o);
  ASSERT_TRUE(small.ok());
  auto r = (*small)->Get("/big", {{"Accept-Encoding", "identity"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  auto fits = Client::Create(url);
  ASSERT_TRUE(fits.ok());
  auto whole = (*fits)->Get("/big");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->body.size(), 100000u);
}

}  // namespace
}  // namespace covidflow::http
