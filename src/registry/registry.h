#pragma once
// The tracking and model registry interface: experiments, runs, registered models, their
// versions, aliases and an audit log of every change. Two implementations pass one
// conformance suite (src/registry/tests/registry_conformance.h): the embedded registry on
// SQLite (embedded/, `sqlite:///FILE` or a directory) and an MLflow tracking server over its
// REST API (mlflow/, `http://HOST:PORT`). The URI is read in one place, app::OpenRegistry.
//
// Contract shared by both backends:
//   - Names (experiments, models, aliases, tag/param/metric/lineage keys) are checked by
//     registry/names.h before anything is stored: kInvalidArgument naming the field.
//   - A missing experiment, run, model, version or alias is kNotFound whose message names it
//     ("model 'tweets': version 7 not found", "model 'tweets': alias 'champion' not found").
//   - A version is visible only when whole: its artifacts are stored (and, on the embedded
//     backend, durable) before the version exists, so an alias never points at a version whose
//     artifacts are missing, whatever the moment a process dies.
//   - Versions of one model are numbered 1, 2, 3... with no duplicates, also when several
//     processes register at once.
//   - Every change to a model (create, register, alias set/moved/deleted, tag) appends one
//     AuditEntry in the same step as the change: who, when, what, from which value to which,
//     and why.
//   - Times are milliseconds since the Unix epoch (UTC).
//   - Vendor errors are sorted into the project's codes: a server that is down or answers 5xx
//     is kUnavailable (retriable), a local disk error kIoError.
//
// Threads: a Registry may be shared by threads; every call is self-contained.
// Lifecycle: made by app::OpenRegistry (or the backend's Open), destroyed by its owner.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace covidflow::registry {

using StringMap = std::map<std::string, std::string>;

struct Experiment {
  std::string id;  // opaque: the embedded backend counts, MLflow has its own
  std::string name;
  int64_t created_ms = 0;
};

enum class RunStatus { kRunning, kFinished, kFailed, kKilled };
// "RUNNING", "FINISHED", "FAILED", "KILLED" (MLflow's names); ParseRunStatus is the inverse.
std::string_view RunStatusName(RunStatus status);
Result<RunStatus> ParseRunStatus(std::string_view name);

// One point of a metric's history. Several points may share a key (one per step).
struct Metric {
  std::string key;
  double value = 0;
  int64_t step = 0;
  int64_t timestamp_ms = 0;
};

// What a run logs in one call (MLflow's log-batch; the MLflow backend splits it within the
// server's limits). Params are write-once: logging a param again with another value is
// kInvalidArgument naming it, the same value is accepted. Tags and lineage overwrite.
struct RunData {
  StringMap params;
  std::vector<Metric> metrics;
  StringMap tags;
  // Where the run's inputs came from, by role: "data.lake" → the lake directory,
  // "data.window" → the training window, "split.train" → its rows, "parent_run" → a run id,
  // "code.version" → the build. Free-form keys, checked like tag keys.
  StringMap lineage;
};

struct Run {
  std::string id;
  std::string experiment_id;
  std::string name;
  RunStatus status = RunStatus::kRunning;
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // 0 while running
  StringMap params;
  StringMap tags;
  StringMap lineage;
  // Every logged point, ordered by key, then step, then timestamp.
  std::vector<Metric> metrics;
  // Where the run's artifacts live: a directory (embedded) or an MLflow artifact URI.
  std::string artifact_uri;

  // The last logged value of `key` (highest step, then latest time), if any.
  std::optional<double> LatestMetric(std::string_view key) const;
};

struct NewRun {
  std::string experiment_name;  // created when missing
  std::string name;             // a label, not unique
  int64_t start_ms = 0;         // 0 = now
  StringMap tags;
};

struct RunFilter {
  std::string experiment_name;  // empty = every experiment
  int max_results = 100;        // newest first
};

enum class VersionStatus { kPendingRegistration, kReady, kFailedRegistration };
// "PENDING_REGISTRATION", "READY", "FAILED_REGISTRATION" (MLflow's names).
std::string_view VersionStatusName(VersionStatus status);

struct ModelVersion {
  std::string model;
  int64_t version = 0;
  std::string run_id;  // the run that produced it; may be empty
  // Where its artifacts are: a directory (embedded) or an MLflow URI ("models:/m/3" or the
  // run's artifact URI). DownloadVersion copies them to a local directory either way.
  std::string source;
  VersionStatus status = VersionStatus::kReady;
  std::string description;
  StringMap tags;
  int64_t created_ms = 0;
  std::vector<std::string> aliases;  // sorted
};

struct RegisteredModel {
  std::string name;
  std::string description;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  int64_t latest_version = 0;  // 0 = no version yet
  int64_t version_count = 0;
  std::map<std::string, int64_t> aliases;  // alias → version
  StringMap tags;
};

// Who makes a change and why; recorded in the audit log. `actor` empty is kInvalidArgument
// (callers pass --actor or DefaultActor()); `reason` may be empty.
struct Change {
  std::string actor;
  std::string reason;
};

// The OS user running this process (getpwuid of the effective uid), or "uid:<n>".
std::string DefaultActor();

struct NewVersion {
  std::string model;   // created (and audited) when missing
  std::string run_id;  // must exist when not empty
  // A local directory whose files (recursively) become the version's artifacts. Required:
  // a version without artifacts could not be served.
  std::string artifact_dir;
  std::string description;
  StringMap tags;
  // When the files of `artifact_dir` are already the artifacts of `run_id` under this path
  // (LogArtifacts), a backend may make the version from the run's copy instead of storing a
  // second one: the MLflow backend does, as MLflow's own runs:/ID/PATH sources do; the
  // embedded backend copies into the version's own folder (a local copy is cheap, and a version
  // then outlives its run's files). "" = upload `artifact_dir`.
  std::string run_artifact_path;
};

// Where covidflow's training runs keep the model directory among their artifacts (`train
// --registry`, up's loop), and so the run_artifact_path of the versions made from them.
inline constexpr std::string_view kRunModelArtifact = "model";

// One change to a model. `action` is one of the kAudit* names below; `target` what it
// changed ("version 3", "alias champion", "tag stage"); `from`/`to` the values before and
// after ("" = none: an alias set for the first time has from == "").
struct AuditEntry {
  int64_t seq = 0;  // increasing within a model, in the order the changes happened
  int64_t time_ms = 0;
  std::string actor;
  std::string model;
  std::string action;
  std::string target;
  std::string from;
  std::string to;
  std::string reason;
};

inline constexpr std::string_view kAuditCreateModel = "create_model";
inline constexpr std::string_view kAuditRegisterVersion = "register_version";
inline constexpr std::string_view kAuditSetAlias = "set_alias";
inline constexpr std::string_view kAuditRollbackAlias = "rollback_alias";
inline constexpr std::string_view kAuditDeleteAlias = "delete_alias";
inline constexpr std::string_view kAuditSetModelTag = "set_model_tag";
inline constexpr std::string_view kAuditSetVersionTag = "set_version_tag";
// Decisions of the retraining loop (orchestrate/), recorded with RecordDecision: they change
// nothing in the registry themselves but belong to the model's story. `target` is the
// pipeline run ("run 4"), `from`/`to` its stage before and after, `reason` the figures.
// Its promotions and rollbacks are the alias moves themselves (set_alias, rollback_alias),
// with the figures as their reason.
inline constexpr std::string_view kAuditTrigger = "trigger";
inline constexpr std::string_view kAuditTrain = "train";
inline constexpr std::string_view kAuditGate = "staging_gate";
inline constexpr std::string_view kAuditReject = "reject";
inline constexpr std::string_view kAuditWatch = "watch";
inline constexpr std::string_view kAuditAbandon = "abandon";

class Registry {
 public:
  virtual ~Registry() = default;

  // A short name of the backend ("embedded", "mlflow") and where it is, for messages.
  virtual std::string Describe() const = 0;

  // --- experiments ---
  virtual Result<Experiment> GetOrCreateExperiment(std::string_view name) = 0;
  virtual Result<Experiment> GetExperiment(std::string_view name) = 0;

  // --- runs ---
  virtual Result<Run> CreateRun(const NewRun& run) = 0;
  virtual Status LogRunData(std::string_view run_id, const RunData& data) = 0;
  // Copies the files under the local directory `dir` into the run's artifacts under
  // `artifact_path` ("" = the root; checked like a name, one level, no '/').
  virtual Status LogArtifacts(std::string_view run_id, const std::string& dir,
                              std::string_view artifact_path) = 0;
  // Copies the run's artifacts under `artifact_path` ("" = all of them) into the local
  // directory `dest` (created; must not exist or be empty). kNotFound naming the run or path.
  virtual Status DownloadRunArtifacts(std::string_view run_id, std::string_view artifact_path,
                                      const std::string& dest) = 0;
  // Sets the final status and end time (0 = now). kFailedPrecondition when already ended.
  virtual Status EndRun(std::string_view run_id, RunStatus status, int64_t end_ms = 0) = 0;
  virtual Result<Run> GetRun(std::string_view run_id) = 0;
  virtual Result<std::vector<Run>> ListRuns(const RunFilter& filter) = 0;

  // --- models and versions ---
  // kAlreadyExists when a model of that name exists.
  virtual Result<RegisteredModel> CreateModel(std::string_view name, std::string_view description,
                                              const Change& change) = 0;
  virtual Result<RegisteredModel> GetModel(std::string_view name) = 0;
  // Sorted by name.
  virtual Result<std::vector<RegisteredModel>> ListModels() = 0;
  // Stores the artifacts, then makes the version (READY) in one step; the model is created
  // when missing. On any failure no version exists.
  virtual Result<ModelVersion> RegisterVersion(const NewVersion& version, const Change& change) = 0;
  virtual Result<ModelVersion> GetVersion(std::string_view model, int64_t version) = 0;
  // Ascending by version. kNotFound when the model does not exist.
  virtual Result<std::vector<ModelVersion>> ListVersions(std::string_view model) = 0;
  // Copies the version's artifacts into the local directory `dest` (created; must not exist or
  // be empty). Serving and diff read artifacts only through this.
  virtual Status DownloadVersion(std::string_view model, int64_t version,
                                 const std::string& dest) = 0;
  virtual Status SetModelTag(std::string_view model, std::string_view key, std::string_view value,
                             const Change& change) = 0;
  virtual Status SetVersionTag(std::string_view model, int64_t version, std::string_view key,
                               std::string_view value, const Change& change) = 0;

  // --- aliases ---
  // Points `alias` of `model` at `version` (which must exist), moving it when it pointed
  // elsewhere. Audited as kAuditSetAlias, or `action` when given (rollback uses
  // kAuditRollbackAlias). Setting an alias to the version it already holds is Ok and audited.
  virtual Status SetAlias(std::string_view model, std::string_view alias, int64_t version,
                          const Change& change, std::string_view action = kAuditSetAlias) = 0;
  virtual Status DeleteAlias(std::string_view model, std::string_view alias,
                             const Change& change) = 0;
  virtual Result<ModelVersion> GetVersionByAlias(std::string_view model,
                                                 std::string_view alias) = 0;

  // --- audit ---
  // The model's changes, oldest first. kNotFound when the model does not exist.
  virtual Result<std::vector<AuditEntry>> Audit(std::string_view model) = 0;
  // Appends one entry that no change made: a decision about the model (the kAudit* names of
  // the retraining loop), with `change` as its actor and reason. kNotFound when the model does
  // not exist; kInvalidArgument for an empty action or actor.
  virtual Status RecordDecision(std::string_view model, std::string_view action,
                                std::string_view target, std::string_view from, std::string_view to,
                                const Change& change) = 0;
};

// Moves `alias` back to the version it held before its last move, read from the audit log
// (a rollback undoes one set; rolling back again goes one further back). kFailedPrecondition
// naming the alias when it has no earlier version. Returns the version it now points at.
// Backend-independent: written once over the interface.
Result<int64_t> RollbackAlias(Registry& registry, std::string_view model, std::string_view alias,
                              const Change& change);

}  // namespace covidflow::registry
