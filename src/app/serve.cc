#include "app/serve.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "app/app.h"

namespace covidflow::app {

std::string Serving::ModelId() const { return slot->Load()->Id(); }
int64_t Serving::ModelVersion() const { return slot->Load()->version; }
const std::string& Serving::ModelName() const { return slot->Load()->name; }

Result<std::unique_ptr<Serving>> StartServing(const Settings& s, metrics::Registry* shared,
                                              log::Log* log) {
  const ServeSettings& o = s.serve;
  auto out = std::make_unique<Serving>();
  if (shared == nullptr) out->own_metrics = std::make_unique<metrics::Registry>();
  out->metrics = shared != nullptr ? shared : out->own_metrics.get();
  if (o.challenger.empty() && (o.canary_share > 0 || o.shadow)) {
    return Status::InvalidArgument(
        "serve.canary_share (--canary-share) and serve.shadow (--shadow) need a challenger "
        "(--challenger NAME@ALIAS)");
  }
  if (o.canary_share > 0 && o.shadow) {
    return Status::InvalidArgument(
        "serve.canary_share (--canary-share) and serve.shadow (--shadow): choose one");
  }
  ASSIGN_OR_RETURN(ServedModel served,
                   LoadServedModel(s, o.model, o.model_dir, "serve.model (--model)"));
  out->registry = std::move(served.registry);
  out->slot = std::make_unique<serve::ModelSlot>(std::move(served.model));
  if (!served.ref.alias.empty()) {
    out->watcher = std::make_unique<serve::AliasWatcher>(
        *out->registry, served.ref, served.cache_dir, *out->slot, *out->metrics);
  }
  if (!o.predictions_topic.empty()) {
    if (log == nullptr) {
      ASSIGN_OR_RETURN(out->own_log, OpenLog(LogUri(s.cli), s.log));
      log = out->own_log.get();
    }
    ASSIGN_OR_RETURN(out->predictions, OpenPredictionLog(s, *log, out->metrics));
  }
  serve::ServiceOptions options;
  options.max_rows = static_cast<size_t>(o.max_rows);
  options.token = o.token;
  options.predictions = out->predictions.get();
  if (!o.challenger.empty()) {
    ASSIGN_OR_RETURN(ServedModel challenger,
                     LoadServedModel(s, o.challenger, "", "serve.challenger (--challenger)"));
    out->challenger_registry = std::move(challenger.registry);
    out->challenger = std::make_unique<serve::ModelSlot>(std::move(challenger.model));
    if (!challenger.ref.alias.empty()) {
      out->challenger_watcher = std::make_unique<serve::AliasWatcher>(
          *out->challenger_registry, challenger.ref, challenger.cache_dir, *out->challenger,
          *out->metrics, /*challenger=*/true);
    } else {
      // A pinned challenger: POST /admin/challenger names another version of the served model.
      options.challenger_registry = out->challenger_registry.get();
      options.challenger_cache_dir = challenger.cache_dir;
    }
    serve::TrafficSplit split;
    if (o.shadow) {
      split.mode = serve::TrafficMode::kShadow;
    } else if (o.canary_share > 0) {
      split = {serve::TrafficMode::kCanary, o.canary_share};
    }
    out->traffic = std::make_unique<serve::TrafficControl>(split);
    out->shadow = std::make_unique<serve::ShadowScorer>(out->predictions.get(), *out->metrics);
    options.challenger = out->challenger.get();
    options.traffic = out->traffic.get();
    options.shadow = out->shadow.get();
  }
  http::Router router;
  RETURN_IF_ERROR(
      serve::AddScoringRoutes(router, *out->slot, *out->metrics, out->watcher.get(), options));
  http::ServerOptions so;
  so.host = o.host;
  so.port = o.port;
  so.threads = o.threads > 0 ? o.threads
                             : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  so.max_body_bytes = static_cast<size_t>(o.max_body_bytes);
  ASSIGN_OR_RETURN(out->server, http::Server::Start(std::move(router), so));
  const std::chrono::milliseconds poll(
      std::max<int64_t>(1, static_cast<int64_t>(o.poll_interval_s * 1000)));
  if (out->watcher != nullptr) out->watcher->Start(poll);
  if (out->challenger_watcher != nullptr) out->challenger_watcher->Start(poll);
  return out;
}

}  // namespace covidflow::app
