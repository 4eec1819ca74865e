#include "serve/service.h"

#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <tuple>
#include <utility>

#include "base/logging.h"
#include "http/error.h"
#include "http/metrics_handler.h"
#include "model/artifact.h"
#include "serve/prediction_rows.h"
#include "serve/protocol.h"
#include "serve/scoring.h"

namespace covidflow::serve {
namespace {

using http::ErrorShape;
using nlohmann::json;
using Model = std::shared_ptr<const LoadedModel>;

// One request as its handler sees it: the model it took from the slot once, and its id.
struct Call {
  Model model;             // the champion, or the challenger once Score routed it there
  std::string request_id;  // X-Request-Id, v2's "id" (Infer sets it), or one made here
};
// A handler that scores with the one model its request took from the slot.
using ModelHandler = std::function<Result<http::Response>(const http::Request&, Call&)>;

constexpr char kModelHeader[] = "X-Covidflow-Model";
constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr size_t kMaxRequestId = 256;

// A request id of 16 hex digits, unique enough to tell requests apart in the log.
std::string NewRequestId() {
  thread_local std::mt19937_64 gen{
      std::random_device{}() ^
      static_cast<uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()))};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, static_cast<uint64_t>(gen()));
  return buf;
}

// kInvalidArgument unless `id` is 1 to kMaxRequestId visible ASCII characters (it is echoed
// in a header and written to the log).
Status CheckRequestId(std::string_view id, std::string_view where) {
  if (id.empty() || id.size() > kMaxRequestId) {
    return Status::InvalidArgument(std::string(where) + ": a request id has 1 to " +
                                   std::to_string(kMaxRequestId) + " characters");
  }
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument(std::string(where) +
                                     ": a request id has visible ASCII characters only");
    }
  }
  return Status::Ok();
}

void CountLoad(metrics::Registry& m, bool ok) {
  m.AddCounter("covidflow_serve_model_loads_total",
               "Models loaded and smoke-tested (ok) or refused (failed).",
               {{"result", ok ? "ok" : "failed"}})
      .Inc();
}

void SetVersionGauge(metrics::Registry& m, const LoadedModel& model, bool challenger = false) {
  if (challenger) {
    m.AddGauge("covidflow_serve_challenger_version", "The model version in the challenger's slot.",
               {{"model", model.name}})
        .Set(static_cast<double>(model.version));
    return;
  }
  m.AddGauge("covidflow_serve_model_version", "The model version in the serving slot.",
             {{"model", model.name}})
      .Set(static_cast<double>(model.version));
}

// The share of requests the challenger answers (0 unless in canary mode).
void SetShareGauge(metrics::Registry& m, const TrafficSplit& split) {
  m.AddGauge("covidflow_serve_canary_share",
             "The share of requests the challenger answers (canary mode; 0 otherwise).")
      .Set(split.mode == TrafficMode::kCanary ? split.canary_share : 0.0);
}

http::Response JsonResponse(const json& body) {
  return http::Response::Json(200, model::DumpJson(body));
}

// The media type of a Content-Type value, lowercased, without parameters.
std::string MediaType(std::string_view content_type) {
  std::string out;
  for (char c : content_type) {
    if (c == ';') break;
    if (c != ' ' && c != '\t')
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// Is `m` the model a v2 path names (name, and version when the path has one)?
Status CheckV2Target(const http::Request& req, const LoadedModel& m) {
  const std::string_view name = req.PathParam("name");
  const std::string_view version = req.PathParam("version");
  if (name != m.name) {
    return Status::NotFound("model '" + std::string(name) + "' is not served (serving '" + m.name +
                            "')");
  }
  if (!version.empty() && version != std::to_string(m.version)) {
    return Status::NotFound("model '" + m.name + "' version " + std::string(version) +
                            " is not served (serving version " + std::to_string(m.version) + ")");
  }
  return Status::Ok();
}

// The counters a request adds to, by their label values: found in the registry once and kept,
// so that a request builds no label strings and takes the registry's lock only the first time
// a series is seen (the registry keeps every series for its lifetime, so the pointers stay
// good). Key: (endpoint or role, response code or 0, model name, model version).
class CounterCache {
 public:
  explicit CounterCache(metrics::Registry& metrics) : metrics_(metrics) {}

  metrics::Counter& Requests(const std::string& endpoint, int code, const LoadedModel& m) {
    return Get(endpoint, code, m, [&] {
      return &metrics_.AddCounter("covidflow_serve_requests_total",
                                  "Scoring-server requests answered.",
                                  {{"endpoint", endpoint},
                                   {"code", std::to_string(code)},
                                   {"model", m.name},
                                   {"version", std::to_string(m.version)}});
    });
  }

  metrics::Counter& Rows(Role role, const LoadedModel& m) {
    return Get(RoleName(role), 0, m, [&] {
      return &metrics_.AddCounter("covidflow_serve_rows_total",
                                  "Rows scored by the scoring server, by role.",
                                  {{"model", m.name},
                                   {"version", std::to_string(m.version)},
                                   {"role", std::string(RoleName(role))}});
    });
  }

 private:
  using Key = std::tuple<std::string, int, std::string, int64_t>;
  using KeyView = std::tuple<std::string_view, int, std::string_view, int64_t>;
  // Orders keys and their views alike, so a lookup builds no strings. (std::less<> would
  // compare a tuple of strings with one of string_views through tuple's operator<, which
  // libstdc++ 12 gives under GCC but not under clang 14.)
  struct KeyLess {
    using is_transparent = void;
    static KeyView View(const Key& k) {
      return {std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k)};
    }
    static const KeyView& View(const KeyView& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) < View(b);
    }
  };
  template <typename Add>
  metrics::Counter& Get(std::string_view what, int code, const LoadedModel& m, const Add& add) {
    const KeyView key(what, code, m.name, m.version);
    std::lock_guard lock(mu_);
    auto it = counters_.find(key);
    if (it == counters_.end()) {
      it = counters_.emplace(Key(what, code, m.name, m.version), add()).first;
    }
    return *it->second;
  }

  metrics::Registry& metrics_;
  std::mutex mu_;
  std::map<Key, metrics::Counter*, KeyLess> counters_;
};

class Routes : public std::enable_shared_from_this<Routes> {
 public:
  Routes(ModelSlot& slot, metrics::Registry& metrics, AliasWatcher* watcher, ServiceOptions options)
      : slot_(slot),
        metrics_(metrics),
        counters_(metrics),
        watcher_(watcher),
        options_(std::move(options)) {}

  // Wraps a handler: takes the model once, shapes its errors, counts and times it.
  http::Handler Wrap(std::string endpoint, ErrorShape shape, ModelHandler handler) const {
    metrics::Histogram& latency = metrics_.AddHistogram(
        "covidflow_serve_request_duration_seconds", "Time to answer a scoring-server request.",
        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
        {{"endpoint", endpoint}});
    // The handler holds the Routes: it lives as long as the router's handlers do.
    return [self = shared_from_this(), endpoint, shape, handler = std::move(handler),
            &latency](const http::Request& req) -> Result<http::Response> {
      const Routes& routes = *self;
      const auto start = std::chrono::steady_clock::now();
      Call call{routes.slot_.Load(), {}};
      Result<http::Response> r = [&]() -> Result<http::Response> {
        if (auto given = req.Header(kRequestIdHeader)) {
          RETURN_IF_ERROR(CheckRequestId(*given, kRequestIdHeader));
          call.request_id = std::string(*given);
        } else {
          call.request_id = NewRequestId();
        }
        return handler(req, call);
      }();
      http::Response response = r.ok() ? std::move(*r) : http::ErrorResponse(r.status(), shape);
      const Model& model = call.model;
      response.headers.emplace_back(kModelHeader, model->Id());
      if (!call.request_id.empty())
        response.headers.emplace_back(kRequestIdHeader, call.request_id);
      latency.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      routes.counters_.Requests(endpoint, response.status, *model).Inc();
      return response;
    };
  }

  // Scores `rows` for `call`, counts them and logs one prediction per row.
  // Scores `rows` for `call`, counts them and logs one prediction per row. Unless `pinned` (the
  // request named its version), the split applies: a canary request is answered by the
  // challenger (call.model becomes it), a shadow copy is queued for the challenger.
  Result<Scores> Score(features::Table rows, Call& call, bool pinned = false) const {
    TrafficSplit split;
    if (options_.challenger != nullptr && !pinned) split = options_.traffic->Get();
    Role role = Role::kChampion;
    if (ToChallenger(split, call.request_id)) {
      call.model = options_.challenger->Load();
      role = Role::kCanary;
    }
    const auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(Scores s, serve::Score(call.model, rows));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const LoadedModel& m = *call.model;
    counters_.Rows(role, m).Inc(static_cast<int64_t>(s.rows));
    if (options_.predictions != nullptr) {
      options_.predictions->RecordAll(
          PredictionRecords(s, rows, {call.request_id, role, seconds, 0}));
    }
    if (split.mode == TrafficMode::kShadow) {
      // The copy is the request's own rows, moved: the answer is already computed.
      options_.shadow->Submit(options_.challenger->Load(), call.request_id, std::move(rows));
    }
    return s;
  }

  Result<http::Response> Invocations(const http::Request& req, Call& call) const {
    const Model& model = call.model;
    const std::string type = MediaType(req.Header("Content-Type").value_or(""));
    if (type == "application/json" || type == "text/csv") {
      ASSIGN_OR_RETURN(features::Table rows,
                       type == "text/csv" ? ParseMlflowCsv(req.body, options_.max_rows)
                                          : ParseMlflowJson(req.body, TextColumn(model->model),
                                                            options_.max_rows));
      ASSIGN_OR_RETURN(Scores s, Score(std::move(rows), call));
      return http::Response::Json(200, MlflowResponse(s));
    }
    return http::ErrorResponse(415, "UnsupportedMediaType",
                               "Content-Type '" +
                                   std::string(req.Header("Content-Type").value_or("")) +
                                   "' is not supported; use application/json or text/csv",
                               ErrorShape::kMlflow);
  }

  Result<http::Response> Infer(const http::Request& req, Call& call) const {
    const Model& model = call.model;
    RETURN_IF_ERROR(CheckV2Target(req, *model));
    ASSIGN_OR_RETURN(InferRequest in,
                     ParseInferRequest(req.body, TextColumn(model->model), options_.max_rows));
    // v2's "id" names the request when given; else the header's or the made id is echoed.
    if (in.id.empty()) {
      in.id = call.request_id;
    } else {
      RETURN_IF_ERROR(CheckRequestId(in.id, "id"));
      call.request_id = in.id;
    }
    RETURN_IF_ERROR(CheckInferOutputs(in, model->model.classifier->IsRegressor()));
    const bool pinned = !req.PathParam("version").empty();
    ASSIGN_OR_RETURN(Scores s, Score(std::move(in.rows), call, pinned));
    ASSIGN_OR_RETURN(std::string body, InferResponse(s, in));
    return http::Response::Json(200, std::move(body));
  }

  static Result<http::Response> Metadata(const http::Request& req, Call& call) {
    const Model& model = call.model;
    RETURN_IF_ERROR(CheckV2Target(req, *model));
    json inputs = json::array();
    for (const std::string& c : model->model.pipeline.InputColumns()) {
      inputs.push_back({{"name", c}, {"datatype", "BYTES"}, {"shape", json::array({-1})}});
    }
    const auto k = static_cast<int64_t>(model->model.classes.size());
    const json outputs =
        model->model.classifier->IsRegressor()
            ? json::array({{{"name", "value"}, {"datatype", "FP64"}, {"shape", json::array({-1})}}})
            : json::array({{{"name", "label"}, {"datatype", "BYTES"}, {"shape", json::array({-1})}},
                           {{"name", "probabilities"},
                            {"datatype", "FP64"},
                            {"shape", json::array({-1, k})}}});
    return JsonResponse({{"name", model->name},
                         {"versions", json::array({std::to_string(model->version)})},
                         {"platform", "covidflow"},
                         {"inputs", std::move(inputs)},
                         {"outputs", outputs}});
  }

  static Result<http::Response> Ready(const http::Request& req, Call& call) {
    RETURN_IF_ERROR(CheckV2Target(req, *call.model));
    return JsonResponse({{"name", call.model->name}, {"ready", true}});
  }

  // The answer to a state-changing request without the right bearer token (403 when none is
  // configured, 401 otherwise), or nullopt when it may go on.
  std::optional<http::Response> Unauthorized(const http::Request& req,
                                             std::string_view what) const {
    if (options_.token.empty()) {
      return http::ErrorResponse(403, "Forbidden",
                                 std::string(what) + " is disabled: no serve.token is configured");
    }
    const std::string expected = "Bearer " + options_.token;
    if (req.Header("Authorization").value_or("") != expected) {
      http::Response r =
          http::ErrorResponse(401, "Unauthorized", "a valid bearer token is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    return std::nullopt;
  }

  json TrafficJson() const {
    const Model champion = slot_.Load();
    json out = {{"mode", "off"},
                {"canary_share", 0.0},
                {"champion", {{"model", champion->name}, {"version", champion->version}}},
                {"challenger", nullptr}};
    if (options_.challenger != nullptr) {
      const TrafficSplit split = options_.traffic->Get();
      const Model challenger = options_.challenger->Load();
      out["mode"] = TrafficModeName(split.mode);
      out["canary_share"] = split.mode == TrafficMode::kCanary ? split.canary_share : 0.0;
      out["challenger"] = {{"model", challenger->name}, {"version", challenger->version}};
    }
    return out;
  }

  Result<http::Response> GetTraffic(const http::Request&, Call&) const {
    return JsonResponse(TrafficJson());
  }

  Result<http::Response> SetTraffic(const http::Request& req, Call&) const {
    if (auto denied = Unauthorized(req, "changing the traffic split")) return std::move(*denied);
    ASSIGN_OR_RETURN(const TrafficSplit split, ParseTrafficSplit(req.body));
    if (options_.challenger == nullptr) {
      if (split.mode != TrafficMode::kOff) {
        return Status::FailedPrecondition(
            "this server has no challenger (serve --challenger NAME@ALIAS): mode " +
            std::string(TrafficModeName(split.mode)) + " needs one");
      }
      return JsonResponse(TrafficJson());
    }
    options_.traffic->Set(split);
    SetShareGauge(metrics_, split);
    Logf(LogLevel::kInfo, "serve: traffic split now %s (canary share %g)",
         std::string(TrafficModeName(split.mode)).c_str(), split.canary_share);
    return JsonResponse(TrafficJson());
  }

  // Names the challenger: loads and smoke-tests the version first, so a refused one leaves
  // the slot and the split as they were.
  Result<http::Response> SetChallenger(const http::Request& req, Call&) const {
    if (auto denied = Unauthorized(req, "naming the challenger")) return std::move(*denied);
    ASSIGN_OR_RETURN(const ChallengerRequest want, ParseChallengerRequest(req.body));
    if (options_.challenger == nullptr) {
      return Status::FailedPrecondition(
          "this server has no challenger slot: start it with --challenger NAME/VERSION");
    }
    if (options_.challenger_registry == nullptr) {
      return Status::FailedPrecondition(
          "this server's challenger follows an alias or its model is a directory: move the "
          "alias instead, or start it with --challenger NAME/VERSION");
    }
    std::lock_guard lock(challenger_mu_);
    ModelRef ref;
    ref.name = slot_.Load()->name;
    ref.version = want.version;
    Result<Model> next =
        LoadFromRegistry(*options_.challenger_registry, ref, options_.challenger_cache_dir);
    CountLoad(metrics_, next.ok());
    if (!next.ok()) {
      Logf(LogLevel::kWarning, "serve: challenger %s refused: %s", ref.ToString().c_str(),
           next.status().ToString().c_str());
      return next.status().WithContext("challenger " + ref.ToString() + " refused");
    }
    const Model before = options_.challenger->Swap(*next);
    metrics_.AddCounter("covidflow_serve_model_swaps_total", "Models swapped into the slot.").Inc();
    SetVersionGauge(metrics_, **next, /*challenger=*/true);
    if (want.split) {
      options_.traffic->Set(*want.split);
      SetShareGauge(metrics_, *want.split);
    }
    const TrafficSplit split = options_.traffic->Get();
    Logf(LogLevel::kInfo, "serve: challenger now %s (was %s), traffic %s (canary share %g)",
         (*next)->Id().c_str(), before->Id().c_str(),
         std::string(TrafficModeName(split.mode)).c_str(), split.canary_share);
    return JsonResponse(TrafficJson());
  }

  Result<http::Response> Reload(const http::Request& req, Call&) const {
    if (auto denied = Unauthorized(req, "reload")) return std::move(*denied);
    if (watcher_ == nullptr) {
      return Status::FailedPrecondition(
          "this server follows no alias (a pinned version or a directory): nothing to reload");
    }
    ASSIGN_OR_RETURN(bool swapped, watcher_->CheckNow());
    const Model now = slot_.Load();
    return JsonResponse({{"swapped", swapped}, {"model", now->name}, {"version", now->version}});
  }

  Status Add(http::Router& router) const {
    const ErrorShape ml = ErrorShape::kMlflow;
    const ErrorShape v2 = ErrorShape::kOpenInference;
    auto ok = [](std::string body, std::string type) {
      return [body, type](const http::Request&, Call&) -> Result<http::Response> {
        return http::Response::Text(200, body, type);
      };
    };
    RETURN_IF_ERROR(router.Add("GET", "/ping", Wrap("/ping", ml, ok("\n", "application/json"))));
    RETURN_IF_ERROR(
        router.Add("GET", "/health", Wrap("/health", ml, ok("\n", "application/json"))));
    RETURN_IF_ERROR(router.Add(
        "GET", "/version",
        Wrap("/version", ml, [](const http::Request&, Call& c) -> Result<http::Response> {
          const Model& m = c.model;
          return JsonResponse({{"server", "covidflow"},
                               {"model", m->name},
                               {"model_version", m->version},
                               {"run_id", m->run_id}});
        })));
    RETURN_IF_ERROR(router.Add("POST", "/invocations",
                               Wrap("/invocations", ml, [this](const http::Request& req, Call& c) {
                                 return Invocations(req, c);
                               })));

    RETURN_IF_ERROR(router.Add(
        "GET", "/v2", Wrap("/v2", v2, [](const http::Request&, Call&) -> Result<http::Response> {
          return JsonResponse(
              {{"name", "covidflow"}, {"version", "2"}, {"extensions", json::array()}});
        })));
    RETURN_IF_ERROR(router.Add(
        "GET", "/v2/health/live",
        Wrap("/v2/health/live", v2, [](const http::Request&, Call&) -> Result<http::Response> {
          return JsonResponse({{"live", true}});
        })));
    RETURN_IF_ERROR(router.Add(
        "GET", "/v2/health/ready",
        Wrap("/v2/health/ready", v2, [](const http::Request&, Call&) -> Result<http::Response> {
          return JsonResponse({{"ready", true}});
        })));
    for (const std::string base : {"/v2/models/{name}", "/v2/models/{name}/versions/{version}"}) {
      RETURN_IF_ERROR(router.Add("GET", base, Wrap(base, v2, &Routes::Metadata)));
      RETURN_IF_ERROR(
          router.Add("GET", base + "/ready", Wrap(base + "/ready", v2, &Routes::Ready)));
      RETURN_IF_ERROR(
          router.Add("POST", base + "/infer",
                     Wrap(base + "/infer", v2,
                          [this](const http::Request& req, Call& c) { return Infer(req, c); })));
    }
    RETURN_IF_ERROR(
        router.Add("GET", "/admin/traffic",
                   Wrap("/admin/traffic", ErrorShape::kCovidflow,
                        [this](const http::Request& req, Call& c) { return GetTraffic(req, c); })));
    RETURN_IF_ERROR(
        router.Add("POST", "/admin/traffic",
                   Wrap("/admin/traffic", ErrorShape::kCovidflow,
                        [this](const http::Request& req, Call& c) { return SetTraffic(req, c); })));
    RETURN_IF_ERROR(router.Add(
        "POST", "/admin/challenger",
        Wrap("/admin/challenger", ErrorShape::kCovidflow,
             [this](const http::Request& req, Call& c) { return SetChallenger(req, c); })));
    RETURN_IF_ERROR(
        router.Add("POST", "/admin/reload",
                   Wrap("/admin/reload", ErrorShape::kCovidflow,
                        [this](const http::Request& req, Call& c) { return Reload(req, c); })));
    return Status::Ok();
  }

 private:
  ModelSlot& slot_;
  metrics::Registry& metrics_;
  mutable CounterCache counters_;
  AliasWatcher* watcher_;
  const ServiceOptions options_;
  mutable std::mutex challenger_mu_;  // one POST /admin/challenger at a time
};

}  // namespace

Status AddScoringRoutes(http::Router& router, ModelSlot& slot, metrics::Registry& metrics,
                        AliasWatcher* watcher, ServiceOptions options) {
  if ((options.challenger == nullptr) != (options.traffic == nullptr) ||
      (options.challenger == nullptr) != (options.shadow == nullptr)) {
    return Status::InvalidArgument(
        "a challenger needs its slot, the traffic split and the shadow scorer (all or none)");
  }
  SetVersionGauge(metrics, *slot.Load());
  if (options.challenger != nullptr) {
    SetVersionGauge(metrics, *options.challenger->Load(), /*challenger=*/true);
    SetShareGauge(metrics, options.traffic->Get());
  }
  auto routes = std::make_shared<Routes>(slot, metrics, watcher, std::move(options));
  RETURN_IF_ERROR(routes->Add(router));
  RETURN_IF_ERROR(router.Add("GET", "/metrics", http::MetricsHandler(metrics)));
  return Status::Ok();
}

AliasWatcher::AliasWatcher(registry::Registry& registry, ModelRef ref, std::string cache_dir,
                           ModelSlot& slot, metrics::Registry& metrics, bool challenger)
    : registry_(registry),
      ref_(std::move(ref)),
      cache_dir_(std::move(cache_dir)),
      slot_(slot),
      metrics_(metrics),
      challenger_(challenger) {}

AliasWatcher::~AliasWatcher() { Stop(); }

Result<bool> AliasWatcher::CheckNow() {
  std::lock_guard<std::mutex> lock(check_mu_);
  ASSIGN_OR_RETURN(const int64_t version, ResolveVersion(registry_, ref_));
  const Model current = slot_.Load();
  if (version == current->version) return false;
  if (version == refused_) {
    return Status::FailedPrecondition(
        ref_.ToString() + " names version " + std::to_string(version) +
        ", which was refused; still serving version " + std::to_string(current->version));
  }
  ModelRef pinned = ref_;
  pinned.alias.clear();
  pinned.version = version;
  Result<Model> next = LoadFromRegistry(registry_, pinned, cache_dir_);
  CountLoad(metrics_, next.ok());
  if (!next.ok()) {
    refused_ = version;
    Logf(LogLevel::kWarning, "serve: %s moved to version %lld, refused: %s; still serving %s",
         ref_.ToString().c_str(), static_cast<long long>(version), next.status().ToString().c_str(),
         current->Id().c_str());
    return next.status();
  }
  slot_.Swap(*next);
  metrics_.AddCounter("covidflow_serve_model_swaps_total", "Models swapped into the slot.").Inc();
  SetVersionGauge(metrics_, **next, challenger_);
  Logf(LogLevel::kInfo, "serve: %s moved: now serving %s (was %s)", ref_.ToString().c_str(),
       (*next)->Id().c_str(), current->Id().c_str());
  return true;
}

void AliasWatcher::Start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
      lock.unlock();
      // Errors are logged by CheckNow (a refused version) or are passing (the registry is
      // briefly unreachable): the slot keeps serving what it has.
      Result<bool> r = CheckNow();
      if (!r.ok() && r.status().code() != StatusCode::kFailedPrecondition) {
        Logf(LogLevel::kDebug, "serve: checking %s: %s", ref_.ToString().c_str(),
             r.status().ToString().c_str());
      }
      lock.lock();
    }
  });
}

void AliasWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace covidflow::serve
