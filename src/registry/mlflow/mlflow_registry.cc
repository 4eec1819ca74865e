#include "registry/mlflow/mlflow_registry.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <thread>
#include <tuple>
#include <utility>

#include "base/failpoint.h"
#include "base/fs.h"
#include "registry/mlmodel.h"
#include "registry/names.h"

namespace covidflow::registry::mlflow {

using nlohmann::json;

namespace {

constexpr std::string_view kLineagePrefix = "covidflow.lineage.";
constexpr std::string_view kAuditPrefix = "covidflow.audit.";
// A version registered without a run gets one made to hold its files, in this experiment,
// tagged (run and version) with kHolderTag; the version reports no run.
constexpr std::string_view kHolderExperiment = "covidflow-registrations";
constexpr std::string_view kHolderTag = "covidflow.artifact_holder";
constexpr std::string_view kProxyScheme = "mlflow-artifacts:";
// Every registration tags its version with a nonce, so that a create whose answer was lost can
// be found again instead of being sent twice (CreateVersion). Internal: not reported.
constexpr std::string_view kRegistrationTag = "covidflow.registration";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Nonce() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(NowMs()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(12, '0');
  uint64_t v = rng();
  for (char& c : out) {
    c = kHex[v & 15];
    v >>= 4;
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

// MLflow's JSON carries int64 fields as strings or numbers depending on the field.
int64_t Int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_number()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

double Double(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {  // "NaN", "Infinity"
    const std::string s = it->get<std::string>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return 0;
}

const json& Array(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

json MetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

StringMap Tags(const json& j) {
  StringMap out;
  for (const json& t : Array(j, "tags")) out[Str(t, "key")] = Str(t, "value");
  return out;
}

// The artifact proxy's path for an `mlflow-artifacts:` URI ("mlflow-artifacts:/1/abc/artifacts"
// or "mlflow-artifacts://host:port/1/abc/artifacts" → "1/abc/artifacts").
Result<std::string> ProxyPath(std::string_view uri) {
  if (!StartsWith(uri, kProxyScheme)) {
    return Status::FailedPrecondition(
        "MLflow artifact location '" + std::string(uri) +
        "' is not served by the tracking server: start it with --serve-artifacts");
  }
  std::string_view rest = uri.substr(kProxyScheme.size());
  if (StartsWith(rest, "//")) {
    rest.remove_prefix(2);
    const size_t slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  return std::string(rest);
}

// Files under `dir`, relative, '/'-separated, sorted.
Result<std::vector<std::string>> FilesUnder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument("artifact directory '" + dir + "' is not a directory");
  }
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) out.push_back(fs::relative(it->path(), dir, ec).generic_string());
  }
  if (ec) return Status::IoError("listing '" + dir + "': " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

class MlflowRegistry final : public Registry {
 public:
  explicit MlflowRegistry(std::unique_ptr<Rest> rest) : rest_(std::move(rest)) {}

  std::string Describe() const override { return "mlflow " + rest_->base_url(); }

  // --- experiments ---

  Result<Experiment> GetExperiment(std::string_view name) override {
    RETURN_IF_ERROR(ValidateName("experiment", name));
    auto r = rest_->Get("experiments/get-by-name", {{"experiment_name", std::string(name)}});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("experiment '" + std::string(name) + "' not found");
      }
      return r.status();
    }
    return ToExperiment((*r)["experiment"]);
  }

  Result<Experiment> GetOrCreateExperiment(std::string_view name) override {
    auto found = GetExperiment(name);
    if (found.ok() || found.status().code() != StatusCode::kNotFound) return found;
    auto created = rest_->Post("experiments/create", {{"name", std::string(name)}});
    // Another process (or a retried first attempt) created it meanwhile: it is the same one.
    if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
      return created.status();
    }
    return GetExperiment(name);
  }

  // --- runs ---

  Result<Run> CreateRun(const NewRun& run) override {
    for (const auto& [k, v] : run.tags) RETURN_IF_ERROR(ValidateName("tag", k));
    ASSIGN_OR_RETURN(Experiment e, GetOrCreateExperiment(run.experiment_name));
    json tags = json::array();
    for (const auto& [k, v] : run.tags) tags.push_back({{"key", k}, {"value", v}});
    ASSIGN_OR_RETURN(
        json r,
        rest_->Post("runs/create", {{"experiment_id", e.id},
                                    {"run_name", run.name},
                                    {"start_time", run.start_ms == 0 ? NowMs() : run.start_ms},
                                    {"tags", tags}}));
    return ToRun(r["run"], {});
  }

  Status LogRunData(std::string_view run_id, const RunData& data) override {
    for (const auto& [k, v] : data.params) RETURN_IF_ERROR(ValidateName("param", k));
    for (const auto& [k, v] : data.tags) RETURN_IF_ERROR(ValidateName("tag", k));
    for (const auto& [k, v] : data.lineage) RETURN_IF_ERROR(ValidateName("lineage", k));
    for (const Metric& m : data.metrics) RETURN_IF_ERROR(ValidateName("metric", m.key));
    RETURN_IF_ERROR(RequireRun(run_id));
    std::vector<json> params;
    for (const auto& [k, v] : data.params) params.push_back({{"key", k}, {"value", v}});
    std::vector<json> tags;
    for (const auto& [k, v] : data.tags) tags.push_back({{"key", k}, {"value", v}});
    for (const auto& [k, v] : data.lineage) {
      tags.push_back({{"key", std::string(kLineagePrefix) + k}, {"value", v}});
    }
    const int64_t now = NowMs();
    std::vector<json> metrics;
    metrics.reserve(data.metrics.size());
    for (const Metric& m : data.metrics) {
      metrics.push_back({{"key", m.key},
                         {"value", MetricValue(m.value)},
                         {"timestamp", m.timestamp_ms == 0 ? now : m.timestamp_ms},
                         {"step", m.step}});
    }
    size_t mi = 0, pi = 0, ti = 0;
    for (const BatchSplit& b : SplitBatch(metrics.size(), params.size(), tags.size())) {
      json body = {{"run_id", std::string(run_id)},
                   {"metrics", json::array()},
                   {"params", json::array()},
                   {"tags", json::array()}};
      for (size_t i = 0; i < b.metrics; ++i) body["metrics"].push_back(std::move(metrics[mi++]));
      for (size_t i = 0; i < b.params; ++i) body["params"].push_back(std::move(params[pi++]));
      for (size_t i = 0; i < b.tags; ++i) body["tags"].push_back(std::move(tags[ti++]));
      auto r = rest_->Post("runs/log-batch", body);
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  }

  Status LogArtifacts(std::string_view run_id, const std::string& dir,
                      std::string_view artifact_path) override {
    if (!artifact_path.empty()) RETURN_IF_ERROR(ValidateName("artifact path", artifact_path));
    ASSIGN_OR_RETURN(json info, GetRunJson(run_id));
    ASSIGN_OR_RETURN(std::string root, ProxyPath(Str(info["info"], "artifact_uri")));
    if (!artifact_path.empty()) root += "/" + std::string(artifact_path);
    return Upload(dir, root);
  }

  Status DownloadRunArtifacts(std::string_view run_id, std::string_view artifact_path,
                              const std::string& dest) override {
    if (!artifact_path.empty()) RETURN_IF_ERROR(ValidateName("artifact path", artifact_path));
    ASSIGN_OR_RETURN(json info, GetRunJson(run_id));
    ASSIGN_OR_RETURN(std::string root, ProxyPath(Str(info["info"], "artifact_uri")));
    if (!artifact_path.empty()) {
      root += "/" + std::string(artifact_path);
      ASSIGN_OR_RETURN(json listing, rest_->ListArtifacts(root));
      if (Array(listing, "files").empty()) {
        return Status::NotFound("run '" + std::string(run_id) + "': artifact '" +
                                std::string(artifact_path) + "' not found");
      }
    }
    std::error_code ec;
    if (std::filesystem::exists(dest, ec) && !std::filesystem::is_empty(dest, ec)) {
      return Status::InvalidArgument("download: '" + dest + "' exists and is not empty");
    }
    RETURN_IF_ERROR(MakeDirs(dest));
    return Download(root, dest);
  }

  Status EndRun(std::string_view run_id, RunStatus status, int64_t end_ms) override {
    ASSIGN_OR_RETURN(json r, GetRunJson(run_id));
    const std::string current = Str(r["info"], "status");
    if (current != RunStatusName(RunStatus::kRunning)) {
      return Status::FailedPrecondition("run '" + std::string(run_id) + "' already ended (" +
                                        current + ")");
    }
    auto u = rest_->Post("runs/update", {{"run_id", std::string(run_id)},
                                         {"status", std::string(RunStatusName(status))},
                                         {"end_time", end_ms == 0 ? NowMs() : end_ms}});
    return u.status();
  }

  Result<Run> GetRun(std::string_view run_id) override {
    ASSIGN_OR_RETURN(json r, GetRunJson(run_id));
    ASSIGN_OR_RETURN(std::vector<Metric> metrics, History(run_id, r["data"]));
    return ToRun(r, std::move(metrics));
  }

  Result<std::vector<Run>> ListRuns(const RunFilter& filter) override {
    std::vector<std::string> ids;
    if (!filter.experiment_name.empty()) {
      ASSIGN_OR_RETURN(Experiment e, GetExperiment(filter.experiment_name));
      ids.push_back(e.id);
    } else {
      ASSIGN_OR_RETURN(ids, AllExperimentIds());
    }
    std::vector<Run> out;
    if (ids.empty() || filter.max_results <= 0) return out;
    std::string token;
    while (static_cast<int>(out.size()) < filter.max_results) {
      json body = {
          {"experiment_ids", ids},
          {"max_results", std::min(filter.max_results - static_cast<int>(out.size()), 1000)},
          {"order_by", {"attributes.start_time DESC"}}};
      if (!token.empty()) body["page_token"] = token;
      ASSIGN_OR_RETURN(json r, rest_->Post("runs/search", body));
      for (const json& run : Array(r, "runs")) {
        ASSIGN_OR_RETURN(std::vector<Metric> metrics,
                         History(Str(run["info"], "run_id"), run["data"]));
        out.push_back(ToRun(run, std::move(metrics)));
      }
      token = Str(r, "next_page_token");
      if (token.empty()) break;
    }
    return out;
  }

  // --- models and versions ---

  Result<RegisteredModel> CreateModel(std::string_view name, std::string_view description,
                                      const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", name));
    RETURN_IF_ERROR(CheckChange(change));
    auto r = rest_->Post("registered-models/create",
                         {{"name", std::string(name)}, {"description", std::string(description)}});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kAlreadyExists) {
        return Status::AlreadyExists("model '" + std::string(name) + "' already exists");
      }
      return r.status();
    }
    RETURN_IF_ERROR(AppendAudit(name, change, kAuditCreateModel, "model", "", std::string(name)));
    return GetModel(name);
  }

  Result<RegisteredModel> GetModel(std::string_view name) override {
    ASSIGN_OR_RETURN(json m, GetModelJson(name));
    RegisteredModel out;
    out.name = Str(m, "name");
    out.description = Str(m, "description");
    out.created_ms = Int(m, "creation_timestamp");
    out.updated_ms = Int(m, "last_updated_timestamp");
    for (const auto& [k, v] : Tags(m)) {
      if (!StartsWith(k, kAuditPrefix)) out.tags[k] = v;
    }
    for (const json& a : Array(m, "aliases")) out.aliases[Str(a, "alias")] = Int(a, "version");
    ASSIGN_OR_RETURN(std::vector<json> versions, SearchVersions(name));
    out.version_count = static_cast<int64_t>(versions.size());
    for (const json& v : versions)
      out.latest_version = std::max(out.latest_version, Int(v, "version"));
    return out;
  }

  Result<std::vector<RegisteredModel>> ListModels() override {
    std::vector<std::string> names;
    std::string token;
    do {
      http::Fields q = {{"max_results", "1000"}};
      if (!token.empty()) q.emplace_back("page_token", token);
      ASSIGN_OR_RETURN(json r, rest_->Get("registered-models/search", q));
      for (const json& m : Array(r, "registered_models")) names.push_back(Str(m, "name"));
      token = Str(r, "next_page_token");
    } while (!token.empty());
    std::sort(names.begin(), names.end());
    std::vector<RegisteredModel> out;
    for (const std::string& n : names) {
      ASSIGN_OR_RETURN(RegisteredModel m, GetModel(n));
      out.push_back(std::move(m));
    }
    return out;
  }

  Result<ModelVersion> RegisterVersion(const NewVersion& version, const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", version.model));
    RETURN_IF_ERROR(CheckChange(change));
    for (const auto& [k, v] : version.tags) RETURN_IF_ERROR(ValidateName("tag", k));
    if (version.artifact_dir.empty()) {
      return Status::InvalidArgument("register: artifact_dir is required");
    }
    // Everything that can be checked is checked before anything is created.
    std::error_code ec;
    if (!std::filesystem::is_directory(version.artifact_dir, ec)) {
      return Status::NotFound("register: artifact directory '" + version.artifact_dir +
                              "' not found");
    }
    if (!version.run_id.empty()) RETURN_IF_ERROR(RequireRun(version.run_id));
    auto model = GetModelJson(version.model);
    if (!model.ok()) {
      if (model.status().code() != StatusCode::kNotFound) return model.status();
      auto created = CreateModel(version.model, "", change);
      if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
        return created.status();
      }
    }
    // MLflow accepts a version's source only inside the artifacts of the run named with it:
    // the version's files go into its run (or, without one, a run made to hold them) under a
    // folder of their own, all of them before the version exists.
    std::string run_id = version.run_id;
    const bool holder = run_id.empty();
    if (holder) {
      ASSIGN_OR_RETURN(Run r, CreateRun({std::string(kHolderExperiment),
                                         "register " + version.model,
                                         0,
                                         {{std::string(kHolderTag), version.model}}}));
      run_id = r.id;
    }
    ASSIGN_OR_RETURN(json run, GetRunJson(run_id));
    const std::string artifact_uri = Str(run["info"], "artifact_uri");
    ASSIGN_OR_RETURN(std::string root, ProxyPath(artifact_uri));
    // Files the run holds already (NewVersion::run_artifact_path) become the version as they
    // are, as MLflow's own runs:/ID/PATH sources do: the model is stored once.
    const bool in_run = !holder && !version.run_artifact_path.empty();
    std::string folder;
    bool has_mlmodel = PathExists(version.artifact_dir + "/" + kMlmodelFile);
    if (in_run) {
      RETURN_IF_ERROR(ValidateName("artifact path", version.run_artifact_path));
      folder = version.run_artifact_path;
      ASSIGN_OR_RETURN(json listing, rest_->ListArtifacts(root + "/" + folder));
      if (Array(listing, "files").empty()) {
        return Status::NotFound("register: run '" + run_id + "' has no artifacts under '" + folder +
                                "'");
      }
      for (const json& f : Array(listing, "files")) {
        if (Str(f, "path") == kMlmodelFile) has_mlmodel = true;
      }
    } else {
      folder = "covidflow-model-" + std::to_string(NowMs()) + "-" + Nonce();
      RETURN_IF_ERROR(Upload(version.artifact_dir, root + "/" + folder));
    }
    // MLflow's model format, so MLflow users can load the version (registry/mlmodel.h); a
    // directory that brings its own MLmodel keeps it.
    if (!has_mlmodel) {
      for (const ArtifactFile& f : PyfuncFlavorFiles(NowMs(), Nonce() + Nonce())) {
        RETURN_IF_ERROR(rest_->PutArtifact(root + "/" + folder + "/" + f.path, f.bytes));
      }
    }
    if (holder) RETURN_IF_ERROR(EndRun(run_id, RunStatus::kFinished, 0));
    CF_FAILPOINT("registry.mlflow.register.before_create");
    json tags = json::array();
    for (const auto& [k, v] : version.tags) tags.push_back({{"key", k}, {"value", v}});
    if (holder) tags.push_back({{"key", std::string(kHolderTag)}, {"value", "true"}});
    const std::string registration = Nonce() + Nonce();
    tags.push_back({{"key", std::string(kRegistrationTag)}, {"value", registration}});
    json body = {{"name", version.model},
                 {"source", artifact_uri + "/" + folder},
                 {"run_id", run_id},
                 {"description", version.description},
                 {"tags", tags}};
    ASSIGN_OR_RETURN(const int64_t number, CreateVersion(version.model, body, registration));
    Result<ModelVersion> ready = FinishVersion(version.model, number, change);
    if (!ready.ok()) {
      // No version may stay behind a failed registration; if even the delete fails, the
      // version is left without an alias and marked by its status (never READY here).
      (void)rest_->Delete("model-versions/delete",
                          {{"name", version.model}, {"version", std::to_string(number)}});
    } else {
      // The nonce served only while the create's answer was uncertain. Best effort: left
      // behind, it is harmless and never reported (ToVersion).
      (void)rest_->Delete("model-versions/delete-tag", {{"name", version.model},
                                                        {"version", std::to_string(number)},
                                                        {"key", std::string(kRegistrationTag)}});
    }
    return ready;
  }

  Result<ModelVersion> GetVersion(std::string_view model, int64_t version) override {
    ASSIGN_OR_RETURN(json v, GetVersionJson(model, version));
    return ToVersion(v);
  }

  Result<std::vector<ModelVersion>> ListVersions(std::string_view model) override {
    RETURN_IF_ERROR(GetModelJson(model).status());
    ASSIGN_OR_RETURN(std::vector<json> versions, SearchVersions(model));
    std::vector<ModelVersion> out;
    out.reserve(versions.size());
    for (const json& v : versions) out.push_back(ToVersion(v));
    std::sort(out.begin(), out.end(),
              [](const ModelVersion& a, const ModelVersion& b) { return a.version < b.version; });
    // Search answers carry no aliases: take them from the model.
    ASSIGN_OR_RETURN(json m, GetModelJson(model));
    for (const json& a : Array(m, "aliases")) {
      const int64_t n = Int(a, "version");
      for (ModelVersion& v : out) {
        if (v.version == n) v.aliases.push_back(Str(a, "alias"));
      }
    }
    for (ModelVersion& v : out) std::sort(v.aliases.begin(), v.aliases.end());
    return out;
  }

  Status DownloadVersion(std::string_view model, int64_t version,
                         const std::string& dest) override {
    ASSIGN_OR_RETURN(json v, GetVersionJson(model, version));
    ASSIGN_OR_RETURN(std::string root, ProxyPath(Str(v, "source")));
    RETURN_IF_ERROR(PrepareDestination(dest));
    return Download(root, dest);
  }

  Status SetModelTag(std::string_view model, std::string_view key, std::string_view value,
                     const Change& change) override {
    RETURN_IF_ERROR(ValidateName("tag", key));
    RETURN_IF_ERROR(CheckChange(change));
    ASSIGN_OR_RETURN(json m, GetModelJson(model));
    const StringMap tags = Tags(m);
    const auto it = tags.find(std::string(key));
    RETURN_IF_ERROR(rest_
                        ->Post("registered-models/set-tag", {{"name", std::string(model)},
                                                             {"key", std::string(key)},
                                                             {"value", std::string(value)}})
                        .status());
    return AppendAudit(model, change, kAuditSetModelTag, "tag " + std::string(key),
                       it == tags.end() ? "" : it->second, std::string(value));
  }

  Status SetVersionTag(std::string_view model, int64_t version, std::string_view key,
                       std::string_view value, const Change& change) override {
    RETURN_IF_ERROR(ValidateName("tag", key));
    RETURN_IF_ERROR(CheckChange(change));
    ASSIGN_OR_RETURN(json v, GetVersionJson(model, version));
    const StringMap tags = Tags(v);
    const auto it = tags.find(std::string(key));
    RETURN_IF_ERROR(rest_
                        ->Post("model-versions/set-tag", {{"name", std::string(model)},
                                                          {"version", std::to_string(version)},
                                                          {"key", std::string(key)},
                                                          {"value", std::string(value)}})
                        .status());
    return AppendAudit(model, change, kAuditSetVersionTag,
                       "version " + std::to_string(version) + " tag " + std::string(key),
                       it == tags.end() ? "" : it->second, std::string(value));
  }

  // --- aliases ---

  Status SetAlias(std::string_view model, std::string_view alias, int64_t version,
                  const Change& change, std::string_view action) override {
    RETURN_IF_ERROR(ValidateAlias(alias));
    RETURN_IF_ERROR(CheckChange(change));
    ASSIGN_OR_RETURN(json v, GetVersionJson(model, version));
    if (Str(v, "status") != VersionStatusName(VersionStatus::kReady)) {
      return Status::FailedPrecondition("model '" + std::string(model) + "': version " +
                                        std::to_string(version) + " is " + Str(v, "status") +
                                        ", not READY: no alias may point at it");
    }
    ASSIGN_OR_RETURN(std::string from, CurrentAlias(model, alias));
    RETURN_IF_ERROR(rest_
                        ->Post("registered-models/alias", {{"name", std::string(model)},
                                                           {"alias", std::string(alias)},
                                                           {"version", std::to_string(version)}})
                        .status());
    return AppendAudit(model, change, action, "alias " + std::string(alias), from,
                       std::to_string(version));
  }

  Status DeleteAlias(std::string_view model, std::string_view alias,
                     const Change& change) override {
    RETURN_IF_ERROR(ValidateAlias(alias));
    RETURN_IF_ERROR(CheckChange(change));
    ASSIGN_OR_RETURN(std::string from, CurrentAlias(model, alias));
    if (from.empty()) return AliasNotFound(model, alias);
    RETURN_IF_ERROR(rest_
                        ->Delete("registered-models/alias",
                                 {{"name", std::string(model)}, {"alias", std::string(alias)}})
                        .status());
    return AppendAudit(model, change, kAuditDeleteAlias, "alias " + std::string(alias), from, "");
  }

  Result<ModelVersion> GetVersionByAlias(std::string_view model, std::string_view alias) override {
    RETURN_IF_ERROR(ValidateAlias(alias));
    ASSIGN_OR_RETURN(json m, GetModelJson(model));
    for (const json& a : Array(m, "aliases")) {
      if (Str(a, "alias") == alias) return GetVersion(model, Int(a, "version"));
    }
    return AliasNotFound(model, alias);
  }

  // --- audit ---

  Result<std::vector<AuditEntry>> Audit(std::string_view model) override {
    ASSIGN_OR_RETURN(json m, GetModelJson(model));
    std::vector<std::pair<std::string, std::string>> raw;
    for (const auto& [k, v] : Tags(m)) {
      if (StartsWith(k, kAuditPrefix)) raw.emplace_back(k, v);
    }
    std::sort(raw.begin(), raw.end());
    std::vector<AuditEntry> out;
    for (const auto& [k, v] : raw) {
      json j = json::parse(v, nullptr, /*allow_exceptions=*/false);
      if (!j.is_object()) {
        return Status::Corruption("model '" + std::string(model) + "': audit tag " + k +
                                  " is not a JSON object");
      }
      AuditEntry e;
      e.seq = static_cast<int64_t>(out.size()) + 1;
      e.time_ms = Int(j, "time_ms");
      e.actor = Str(j, "actor");
      e.model = std::string(model);
      e.action = Str(j, "action");
      e.target = Str(j, "target");
      e.from = Str(j, "from");
      e.to = Str(j, "to");
      e.reason = Str(j, "reason");
      out.push_back(std::move(e));
    }
    return out;
  }

  Status RecordDecision(std::string_view model, std::string_view action, std::string_view target,
                        std::string_view from, std::string_view to, const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(CheckChange(change));
    if (action.empty()) return Status::InvalidArgument("audit: action is required");
    RETURN_IF_ERROR(GetModelJson(model).status());
    return AppendAudit(model, change, action, std::string(target), std::string(from),
                       std::string(to));
  }

 private:
  static Status CheckChange(const Change& change) {
    if (change.actor.empty()) return Status::InvalidArgument("change: actor is required");
    return Status::Ok();
  }

  static Status AliasNotFound(std::string_view model, std::string_view alias) {
    return Status::NotFound("model '" + std::string(model) + "': alias '" + std::string(alias) +
                            "' not found");
  }

  static Experiment ToExperiment(const json& e) {
    return {Str(e, "experiment_id"), Str(e, "name"), Int(e, "creation_time")};
  }

  static Run ToRun(const json& r, std::vector<Metric> metrics) {
    const json& info = r["info"];
    Run out;
    out.id = Str(info, "run_id");
    out.experiment_id = Str(info, "experiment_id");
    out.name = Str(info, "run_name");
    auto status = ParseRunStatus(Str(info, "status"));  // MLflow's SCHEDULED counts as running
    out.status = status.ok() ? *status : RunStatus::kRunning;
    out.start_ms = Int(info, "start_time");
    out.end_ms = Int(info, "end_time");
    out.artifact_uri = Str(info, "artifact_uri");
    if (r.contains("data")) {
      for (const json& p : Array(r["data"], "params")) out.params[Str(p, "key")] = Str(p, "value");
      for (const auto& [k, v] : Tags(r["data"])) {
        if (StartsWith(k, kLineagePrefix)) {
          out.lineage[k.substr(kLineagePrefix.size())] = v;
        } else if (!StartsWith(k, "mlflow.")) {  // MLflow's own (user, run name, source)
          out.tags[k] = v;
        }
      }
    }
    out.metrics = std::move(metrics);
    return out;
  }

  static ModelVersion ToVersion(const json& v) {
    ModelVersion out;
    out.model = Str(v, "name");
    out.version = Int(v, "version");
    out.run_id = Str(v, "run_id");
    out.source = Str(v, "source");
    const std::string status = Str(v, "status");
    out.status = status == "READY"                 ? VersionStatus::kReady
                 : status == "FAILED_REGISTRATION" ? VersionStatus::kFailedRegistration
                                                   : VersionStatus::kPendingRegistration;
    out.description = Str(v, "description");
    out.tags = Tags(v);
    out.tags.erase(std::string(kRegistrationTag));
    if (out.tags.erase(std::string(kHolderTag)) > 0) out.run_id.clear();
    out.created_ms = Int(v, "creation_timestamp");
    for (const json& a : Array(v, "aliases")) {
      out.aliases.push_back(a.is_string() ? a.get<std::string>() : Str(a, "alias"));
    }
    std::sort(out.aliases.begin(), out.aliases.end());
    return out;
  }

  Result<json> GetRunJson(std::string_view run_id) {
    if (run_id.empty()) return Status::InvalidArgument("run id is empty");
    auto r = rest_->Get("runs/get", {{"run_id", std::string(run_id)}});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("run '" + std::string(run_id) + "' not found");
      }
      return r.status();
    }
    return std::move((*r)["run"]);
  }

  Status RequireRun(std::string_view run_id) { return GetRunJson(run_id).status(); }

  Result<json> GetModelJson(std::string_view name) {
    RETURN_IF_ERROR(ValidateName("model", name));
    auto r = rest_->Get("registered-models/get", {{"name", std::string(name)}});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("model '" + std::string(name) + "' not found");
      }
      return r.status();
    }
    return std::move((*r)["registered_model"]);
  }

  Result<json> GetVersionJson(std::string_view model, int64_t version) {
    RETURN_IF_ERROR(GetModelJson(model).status());
    auto r = rest_->Get("model-versions/get",
                        {{"name", std::string(model)}, {"version", std::to_string(version)}});
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("model '" + std::string(model) + "': version " +
                                std::to_string(version) + " not found");
      }
      return r.status();
    }
    return std::move((*r)["model_version"]);
  }

  Result<std::vector<json>> SearchVersions(std::string_view model) {
    std::string quoted;
    for (char c : model) {
      if (c == '\'') quoted += '\\';
      quoted += c;
    }
    std::vector<json> out;
    std::string token;
    do {
      http::Fields q = {{"filter", "name='" + quoted + "'"}, {"max_results", "10000"}};
      if (!token.empty()) q.emplace_back("page_token", token);
      ASSIGN_OR_RETURN(json r, rest_->Get("model-versions/search", q));
      for (const json& v : Array(r, "model_versions")) out.push_back(v);
      token = Str(r, "next_page_token");
    } while (!token.empty());
    return out;
  }

  // model-versions/create, sent again only when the earlier attempt surely made nothing. A
  // version has no name of its own to collide on, so a blind retry after a lost answer (the
  // connection dropped, a 5xx or a timeout after MLflow acted) would make a second version:
  // after a backoff the model's versions are searched for this registration's tag first.
  Result<int64_t> CreateVersion(std::string_view model, const json& body,
                                const std::string& registration) {
    const RestOptions& o = rest_->options();
    std::chrono::milliseconds backoff = o.first_backoff;
    Status last;
    for (int attempt = 1; attempt <= o.attempts; ++attempt) {
      if (attempt > 1) {
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, o.max_backoff);
        ASSIGN_OR_RETURN(std::optional<int64_t> made, FindRegistration(model, registration));
        if (made.has_value()) return *made;
      }
      Result<json> created = rest_->PostOnce("model-versions/create", body);
      if (created.ok()) {
        // Stands for an answer lost on its way back: the version exists, the caller never
        // heard of it.
        Status lost = failpoint::Reached("registry.mlflow.register.answer_lost");
        if (lost.ok()) return Int((*created)["model_version"], "version");
        created = Status::Unavailable("model-versions/create: the answer was lost (" +
                                      lost.message() + ")");
      }
      if (!created.status().retriable()) return created.status();
      last = created.status();
    }
    ASSIGN_OR_RETURN(std::optional<int64_t> made, FindRegistration(model, registration));
    if (made.has_value()) return *made;
    return last;
  }

  Result<std::optional<int64_t>> FindRegistration(std::string_view model,
                                                  const std::string& registration) {
    ASSIGN_OR_RETURN(std::vector<json> versions, SearchVersions(model));
    for (const json& v : versions) {
      const StringMap tags = Tags(v);
      auto it = tags.find(std::string(kRegistrationTag));
      if (it != tags.end() && it->second == registration) {
        return std::optional<int64_t>(Int(v, "version"));
      }
    }
    return std::optional<int64_t>();
  }

  // The version an alias points at now, "" when it points nowhere.
  Result<std::string> CurrentAlias(std::string_view model, std::string_view alias) {
    ASSIGN_OR_RETURN(json m, GetModelJson(model));
    for (const json& a : Array(m, "aliases")) {
      if (Str(a, "alias") == alias) return std::to_string(Int(a, "version"));
    }
    return std::string();
  }

  Result<std::vector<std::string>> AllExperimentIds() {
    std::vector<std::string> ids;
    std::string token;
    do {
      json body = {{"max_results", 1000}};
      if (!token.empty()) body["page_token"] = token;
      ASSIGN_OR_RETURN(json r, rest_->Post("experiments/search", body));
      for (const json& e : Array(r, "experiments")) ids.push_back(Str(e, "experiment_id"));
      token = Str(r, "next_page_token");
    } while (!token.empty());
    return ids;
  }

  // Every point of every metric the run has (`data` lists each key's latest).
  Result<std::vector<Metric>> History(std::string_view run_id, const json& data) {
    std::vector<std::string> keys;
    for (const json& m : Array(data, "metrics")) keys.push_back(Str(m, "key"));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::vector<Metric> out;
    for (const std::string& key : keys) {
      std::string token;
      do {
        http::Fields q = {
            {"run_id", std::string(run_id)}, {"metric_key", key}, {"max_results", "25000"}};
        if (!token.empty()) q.emplace_back("page_token", token);
        ASSIGN_OR_RETURN(json r, rest_->Get("metrics/get-history", q));
        for (const json& m : Array(r, "metrics")) {
          out.push_back({key, Double(m, "value"), Int(m, "step"), Int(m, "timestamp")});
        }
        token = Str(r, "next_page_token");
      } while (!token.empty());
    }
    std::sort(out.begin(), out.end(), [](const Metric& a, const Metric& b) {
      return std::tie(a.key, a.step, a.timestamp_ms) < std::tie(b.key, b.step, b.timestamp_ms);
    });
    return out;
  }

  // A download goes into a directory that does not exist yet or is empty.
  static Status PrepareDestination(const std::string& dest) {
    std::error_code ec;
    if (std::filesystem::exists(dest, ec) && !std::filesystem::is_empty(dest, ec)) {
      return Status::InvalidArgument("download: '" + dest + "' exists and is not empty");
    }
    return MakeDirs(dest);
  }

  Status Upload(const std::string& dir, const std::string& root) {
    ASSIGN_OR_RETURN(std::vector<std::string> files, FilesUnder(dir));
    for (const std::string& rel : files) {
      ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(dir + "/" + rel));
      RETURN_IF_ERROR(rest_->PutArtifact(root + "/" + rel, bytes));
      CF_FAILPOINT("registry.mlflow.upload.after_file");
    }
    return Status::Ok();
  }

  Status Download(const std::string& root, const std::string& dest) {
    ASSIGN_OR_RETURN(json listing, rest_->ListArtifacts(root));
    for (const json& f : Array(listing, "files")) {
      const std::string name = Str(f, "path");
      if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
        return Status::Corruption("MLflow artifact listing of '" + root + "' names '" + name + "'");
      }
      const std::string target = dest + "/" + name;
      if (f.value("is_dir", false)) {
        RETURN_IF_ERROR(MakeDirs(target));
        RETURN_IF_ERROR(Download(root + "/" + name, target));
      } else {
        ASSIGN_OR_RETURN(std::string bytes, rest_->GetArtifact(root + "/" + name));
        RETURN_IF_ERROR(ReplaceFileAtomically(target, bytes, target + ".tmp"));
      }
    }
    return Status::Ok();
  }

  // Waits for READY (MLflow copies nothing for a proxy source, so it is READY at once on
  // current servers), then records the registration.
  Result<ModelVersion> FinishVersion(std::string_view model, int64_t number, const Change& change) {
    for (int i = 0; i < 600; ++i) {
      ASSIGN_OR_RETURN(json v, GetVersionJson(model, number));
      const std::string status = Str(v, "status");
      if (status == "READY") {
        CF_FAILPOINT("registry.mlflow.register.before_audit");
        RETURN_IF_ERROR(AppendAudit(model, change, kAuditRegisterVersion,
                                    "version " + std::to_string(number), "",
                                    std::to_string(number)));
        return ToVersion(v);
      }
      if (status == "FAILED_REGISTRATION") {
        return Status::Unavailable("model '" + std::string(model) + "': version " +
                                   std::to_string(number) +
                                   " failed registration: " + Str(v, "status_message"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Status::Timeout("model '" + std::string(model) + "': version " + std::to_string(number) +
                           " not READY after 60 s");
  }

  Status AppendAudit(std::string_view model, const Change& change, std::string_view action,
                     const std::string& target, const std::string& from, const std::string& to) {
    const int64_t now = NowMs();
    std::string stamp = std::to_string(now);
    stamp.insert(0, stamp.size() < 16 ? 16 - stamp.size() : 0, '0');
    const json entry = {{"time_ms", now},         {"actor", change.actor}, {"action", action},
                        {"target", target},       {"from", from},          {"to", to},
                        {"reason", change.reason}};
    return rest_
        ->Post("registered-models/set-tag",
               {{"name", std::string(model)},
                {"key", std::string(kAuditPrefix) + stamp + "." + Nonce()},
                {"value", entry.dump()}})
        .status();
  }

  std::unique_ptr<Rest> rest_;
};

}  // namespace

std::vector<BatchSplit> SplitBatch(size_t metrics, size_t params, size_t tags,
                                   const BatchLimits& limits) {
  std::vector<BatchSplit> out;
  while (metrics + params + tags > 0) {
    BatchSplit b;
    size_t room = limits.total;
    b.params = std::min({params, limits.params, room});
    room -= b.params;
    b.tags = std::min({tags, limits.tags, room});
    room -= b.tags;
    b.metrics = std::min({metrics, limits.metrics, room});
    params -= b.params;
    tags -= b.tags;
    metrics -= b.metrics;
    out.push_back(b);
  }
  return out;
}

Result<std::unique_ptr<Registry>> OpenMlflowRegistry(std::string_view base_url,
                                                     RestOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Rest> rest, Rest::Create(base_url, options));
  RETURN_IF_ERROR(rest->WaitHealthy(options.connect_timeout * options.attempts));
  return std::unique_ptr<Registry>(new MlflowRegistry(std::move(rest)));
}

}  // namespace covidflow::registry::mlflow
