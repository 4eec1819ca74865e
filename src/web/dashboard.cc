#include "web/dashboard.h"

#include <string>
#include <utility>

#include "base/logging.h"
#include "http/error.h"
#include "web/assets.h"

namespace covidflow::web {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const Asset* FindAsset(std::string_view name) {
  for (const Asset& a : Assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

http::Response AssetResponse(const Asset& a) {
  http::Response r = http::Response::Text(200, std::string(a.bytes), std::string(a.content_type));
  // The files are part of the binary: a new build is a new URL only across restarts, so
  // browsers revalidate rather than keep a stale script.
  r.headers.push_back({"Cache-Control", "no-cache"});
  return r;
}

}  // namespace

Result<std::unique_ptr<Dashboard>> Dashboard::Start(DashboardSources sources,
                                                    DashboardOptions options) {
  if (options.interval < std::chrono::milliseconds(10)) {
    return Status::InvalidArgument("dashboard: the sampling interval must be at least 10 ms");
  }
  std::unique_ptr<Dashboard> d(new Dashboard());
  d->options_ = options;
  ASSIGN_OR_RETURN(d->sampler_, Sampler::Create(sources.log, sources.registry,
                                                std::move(sources.topics), options.sampler));
  // The first sample before any request, so the page never shows a source's error late.
  if (Status st = d->sampler_->Sample(NowMs()); !st.ok()) {
    Logf(LogLevel::kWarning, "dashboard: first sample: %s", st.ToString().c_str());
  }
  d->thread_ = std::thread([p = d.get()] { p->Run(); });
  return d;
}

Dashboard::~Dashboard() { Stop(); }

void Dashboard::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dashboard::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
    lock.unlock();
    // Errors are kept in /api/status; a source that is down now may be back next time.
    (void)sampler_->Sample(NowMs());
    lock.lock();
  }
}

Status Dashboard::Mount(http::Router& router) const {
  const Asset* index = FindAsset("index.html");
  if (index == nullptr) return Status::Internal("dashboard: index.html is not embedded");
  RETURN_IF_ERROR(router.Add("GET", "/", [index](const http::Request&) -> Result<http::Response> {
    return AssetResponse(*index);
  }));
  RETURN_IF_ERROR(
      router.Add("GET", "/static/{file}", [](const http::Request& r) -> Result<http::Response> {
        const Asset* a = FindAsset(r.PathParam("file"));
        if (a == nullptr) {
          return Status::NotFound("no static file '" + std::string(r.PathParam("file")) + "'");
        }
        return AssetResponse(*a);
      }));
  const Sampler* sampler = sampler_.get();
  return router.Add("GET", "/api/{document}",
                    [sampler](const http::Request& r) -> Result<http::Response> {
                      const std::string_view name = r.PathParam("document");
                      for (size_t i = 0; i < std::size(kDocumentNames); ++i) {
                        if (kDocumentNames[i] == name) {
                          http::Response resp =
                              http::Response::Json(200, *sampler->Json(static_cast<Document>(i)));
                          resp.headers.push_back({"Cache-Control", "no-store"});
                          return resp;
                        }
                      }
                      return Status::NotFound("no dashboard endpoint /api/" + std::string(name));
                    });
}

}  // namespace covidflow::web
