// The dashboard's routes on a Router: the page, the embedded files, the documents, the JSON
// errors.
#include "web/dashboard.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/testing/temp_dir.h"
#include "log/open.h"

namespace covidflow::web {
namespace {

http::Response Get(const http::Router& router, const std::string& path) {
  http::Request r;
  r.method = "GET";
  r.path = path;
  return router.Route(r);
}

TEST(Dashboard, ServesThePageTheFilesAndTheDocuments) {
  testing::TempDir dir("web_dashboard");
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  auto d = Dashboard::Start({log->get(), nullptr, Topics{}}, {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  http::Router router;
  ASSERT_TRUE((*d)->Mount(router).ok());

  http::Response page = Get(router, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/static/uPlot.iife.min.js"), std::string::npos);
  http::Response uplot = Get(router, "/static/uPlot.iife.min.js");
  EXPECT_EQ(uplot.status, 200);
  EXPECT_NE(uplot.body.find("uPlot"), std::string::npos);
  EXPECT_GT(uplot.body.size(), 10000u);
  EXPECT_EQ(Get(router, "/static/uPlot.min.css").status, 200);
  EXPECT_EQ(Get(router, "/static/dashboard.js").status, 200);
  EXPECT_EQ(Get(router, "/static/nothing.js").status, 404);

  for (std::string_view name : kDocumentNames) {
    http::Response r = Get(router, "/api/" + std::string(name));
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_TRUE(nlohmann::json::parse(r.body).is_object()) << name;
  }
  const auto status = nlohmann::json::parse(Get(router, "/api/status").body);
  EXPECT_GE(status["samples"], 1) << "Start takes the first sample";
  http::Response missing = Get(router, "/api/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["error"]["code"], "NotFound");
  (*d)->Stop();
  (*d)->Stop();
}

TEST(Dashboard, RefusesBadOptions) {
  EXPECT_EQ(Dashboard::Start({}, {}).status().code(), StatusCode::kInvalidArgument);
  testing::TempDir dir("web_dashboard");
  auto log = log::OpenFileLog(dir.Sub("log"));
  ASSERT_TRUE(log.ok());
  DashboardOptions o;
  o.interval = std::chrono::milliseconds(1);
  EXPECT_EQ(Dashboard::Start({log->get(), nullptr, Topics{}}, o).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::web
