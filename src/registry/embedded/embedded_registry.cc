// The embedded registry: SQLite (WAL) plus an artifact directory. The store and the commit
// protocol of a registration are in docs/formats/registry.md.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>

#include "base/failpoint.h"
#include "base/fs.h"
#include "registry/embedded.h"
#include "registry/embedded/sqlite.h"
#include "registry/mlmodel.h"
#include "registry/names.h"

namespace covidflow::registry {
namespace {

using embedded::Database;
using embedded::Statement;
using embedded::Transaction;

constexpr int64_t kFormatVersion = 1;
constexpr int kFileMode = 0600;
constexpr int kDirMode = 0700;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments(
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs(
  id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  name TEXT NOT NULL, status TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
  artifact_dir TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs(start_ms);
CREATE TABLE IF NOT EXISTS run_params(run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL,
  value TEXT NOT NULL, PRIMARY KEY(run_id, key));
CREATE TABLE IF NOT EXISTS run_tags(run_id TEXT NOT NULL REFERENCES runs(id), key TEXT NOT NULL,
  value TEXT NOT NULL, PRIMARY KEY(run_id, key));
CREATE TABLE IF NOT EXISTS run_lineage(run_id TEXT NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(run_id, key));
CREATE TABLE IF NOT EXISTS run_metrics(run_id TEXT NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL, step INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, value REAL);
CREATE INDEX IF NOT EXISTS run_metrics_by_run ON run_metrics(run_id, key, step, timestamp_ms);
CREATE TABLE IF NOT EXISTS models(name TEXT PRIMARY KEY, description TEXT NOT NULL,
  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS model_tags(model TEXT NOT NULL REFERENCES models(name),
  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(model, key));
CREATE TABLE IF NOT EXISTS versions(model TEXT NOT NULL REFERENCES models(name),
  version INTEGER NOT NULL, run_id TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL,
  description TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY(model, version));
CREATE TABLE IF NOT EXISTS version_tags(model TEXT NOT NULL, version INTEGER NOT NULL,
  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(model, version, key),
  FOREIGN KEY(model, version) REFERENCES versions(model, version));
CREATE TABLE IF NOT EXISTS aliases(model TEXT NOT NULL, alias TEXT NOT NULL,
  version INTEGER NOT NULL, PRIMARY KEY(model, alias),
  FOREIGN KEY(model, version) REFERENCES versions(model, version));
CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL,
  time_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  from_value TEXT NOT NULL, to_value TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_model ON audit(model, seq);
)sql";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomHex(size_t digits) {
  static thread_local std::mt19937_64 gen(std::random_device{}() ^ static_cast<uint64_t>(::getpid())
                                                                       << 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digits);
  while (out.size() < digits) {
    uint64_t bits = gen();
    for (int i = 0; i < 16 && out.size() < digits; ++i, bits >>= 4) out.push_back(kHex[bits & 15]);
  }
  return out;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Status ModelNotFound(std::string_view model) {
  return Status::NotFound("model " + Quoted(model) + " not found");
}
Status VersionNotFound(std::string_view model, int64_t version) {
  return Status::NotFound("model " + Quoted(model) + ": version " + std::to_string(version) +
                          " not found");
}
Status AliasNotFound(std::string_view model, std::string_view alias) {
  return Status::NotFound("model " + Quoted(model) + ": alias " + Quoted(alias) + " not found");
}
Status RunNotFound(std::string_view run_id) {
  return Status::NotFound("run " + Quoted(run_id) + " not found");
}

// A directory that is new or empty, ready to be a copy target: CopyTreeDurably makes it.
Status ClearTarget(const std::string& dest) {
  if (!PathExists(dest)) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dest));
  if (!names.empty()) return Status::InvalidArgument(dest + " exists and is not empty");
  if (::rmdir(dest.c_str()) != 0) return Status::FromErrno(errno, "rmdir " + dest);
  return Status::Ok();
}

// Removes what a process killed while copying left behind: the `.tmp-PID-...` entries of
// `dir` (TempName) whose process no longer exists. A live process's copy is left alone, so
// writers never remove each other's work; a PID reused since is taken as alive and its copy
// waits for a later call. Best effort: a leftover only costs disk space.
void RemoveOrphanedTemps(const std::string& dir) {
  Result<std::vector<std::string>> names = ListDir(dir);
  if (!names.ok()) return;
  constexpr std::string_view kPrefix = ".tmp-";
  for (const std::string& name : *names) {
    if (name.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + kPrefix.size(), &end, 10);
    if (pid <= 0 || end == nullptr || *end != '-') continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    (void)RemoveTree(dir + "/" + name);
  }
}

class EmbeddedRegistry final : public Registry {
 public:
  EmbeddedRegistry(std::unique_ptr<Database> db, std::string database, std::string artifacts)
      : db_(std::move(db)), database_(std::move(database)), artifacts_(std::move(artifacts)) {}

  std::string Describe() const override { return "embedded registry " + database_; }

  Result<Experiment> GetOrCreateExperiment(std::string_view name) override {
    RETURN_IF_ERROR(ValidateName("experiment", name));
    std::lock_guard lock(mu_);
    {
      ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
      ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("INSERT OR IGNORE INTO experiments(name, created_ms) "
                                    "VALUES(?1, ?2)"));
      RETURN_IF_ERROR(st.Bind(name, NowMs()).Run());
      RETURN_IF_ERROR(tx.Commit());
    }
    return ExperimentLocked(name);
  }

  Result<Experiment> GetExperiment(std::string_view name) override {
    RETURN_IF_ERROR(ValidateName("experiment", name));
    std::lock_guard lock(mu_);
    return ExperimentLocked(name);
  }

  Result<Run> CreateRun(const NewRun& run) override {
    RETURN_IF_ERROR(ValidateName("experiment", run.experiment_name));
    RETURN_IF_ERROR(ValidateTags("tag", run.tags));
    ASSIGN_OR_RETURN(Experiment experiment, GetOrCreateExperiment(run.experiment_name));
    const std::string id = RandomHex(32);
    {
      std::lock_guard lock(mu_);
      ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
      ASSIGN_OR_RETURN(Statement st, db_->Prepare("INSERT INTO runs VALUES(?1,?2,?3,?4,?5,0,?6)"));
      RETURN_IF_ERROR(st.Bind(id, std::stoll(experiment.id), run.name,
                              RunStatusName(RunStatus::kRunning),
                              run.start_ms != 0 ? run.start_ms : NowMs(), RunArtifactDir(id))
                          .Run());
      RETURN_IF_ERROR(PutMapLocked("run_tags", id, run.tags));
      RETURN_IF_ERROR(tx.Commit());
    }
    return GetRun(id);
  }

  Status LogRunData(std::string_view run_id, const RunData& data) override {
    RETURN_IF_ERROR(ValidateRunData(data));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    RETURN_IF_ERROR(RunExistsLocked(run_id));
    for (const auto& [key, value] : data.params) {
      ASSIGN_OR_RETURN(Statement get,
                       db_->Prepare("SELECT value FROM run_params WHERE run_id=?1 AND key=?2"));
      get.Bind(run_id, key);
      ASSIGN_OR_RETURN(bool found, get.Step());
      if (found) {
        if (get.Text(0) != value) {
          return Status::InvalidArgument("param " + Quoted(key) + " of run " + Quoted(run_id) +
                                         " is already " + Quoted(get.Text(0)) +
                                         "; params are written once");
        }
        continue;
      }
      ASSIGN_OR_RETURN(Statement put, db_->Prepare("INSERT INTO run_params VALUES(?1,?2,?3)"));
      RETURN_IF_ERROR(put.Bind(run_id, key, value).Run());
    }
    for (const Metric& m : data.metrics) {
      ASSIGN_OR_RETURN(Statement put,
                       db_->Prepare("INSERT INTO run_metrics VALUES(?1,?2,?3,?4,?5)"));
      RETURN_IF_ERROR(
          put.Bind(run_id, m.key, m.step, m.timestamp_ms != 0 ? m.timestamp_ms : NowMs(), m.value)
              .Run());
    }
    RETURN_IF_ERROR(PutMapLocked("run_tags", run_id, data.tags));
    RETURN_IF_ERROR(PutMapLocked("run_lineage", run_id, data.lineage));
    return tx.Commit();
  }

  Status LogArtifacts(std::string_view run_id, const std::string& dir,
                      std::string_view artifact_path) override {
    if (!artifact_path.empty()) RETURN_IF_ERROR(ValidateName("artifact path", artifact_path));
    {
      std::lock_guard lock(mu_);
      RETURN_IF_ERROR(RunExistsLocked(run_id));
    }
    const std::string root = RunArtifactDir(run_id);
    const std::string base = artifact_path.empty() ? root : root + "/" + std::string(artifact_path);
    RETURN_IF_ERROR(MakeDirs(base, kDirMode));
    RemoveOrphanedTemps(root);
    const std::string tmp = TempName(root);
    Status s = CopyTreeDurably(dir, tmp, kFileMode, kDirMode);
    if (s.ok()) s = MoveEntries(tmp, base);
    (void)RemoveTree(tmp);  // empty after a move; a partial copy otherwise
    if (!s.ok()) return s.WithContext("log artifacts of run " + Quoted(run_id));
    return FsyncDir(base);
  }

  Status DownloadRunArtifacts(std::string_view run_id, std::string_view artifact_path,
                              const std::string& dest) override {
    if (!artifact_path.empty()) RETURN_IF_ERROR(ValidateName("artifact path", artifact_path));
    {
      std::lock_guard lock(mu_);
      RETURN_IF_ERROR(RunExistsLocked(run_id));
    }
    std::string from = RunArtifactDir(run_id);
    if (!artifact_path.empty()) from += "/" + std::string(artifact_path);
    if (!PathExists(from)) {
      if (artifact_path.empty()) return MakeDirs(dest, kDirMode);  // a run without artifacts
      return Status::NotFound("run " + Quoted(run_id) + ": artifact " + Quoted(artifact_path) +
                              " not found");
    }
    RETURN_IF_ERROR(ClearTarget(dest));
    return CopyTreeDurably(from, dest, kFileMode, kDirMode);
  }

  Status EndRun(std::string_view run_id, RunStatus status, int64_t end_ms) override {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    ASSIGN_OR_RETURN(Statement get, db_->Prepare("SELECT end_ms FROM runs WHERE id=?1"));
    get.Bind(run_id);
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (!found) return RunNotFound(run_id);
    if (get.Int(0) != 0) return Status::FailedPrecondition("run " + Quoted(run_id) + " has ended");
    ASSIGN_OR_RETURN(Statement put,
                     db_->Prepare("UPDATE runs SET status=?2, end_ms=?3 WHERE id=?1"));
    RETURN_IF_ERROR(put.Bind(run_id, RunStatusName(status), end_ms != 0 ? end_ms : NowMs()).Run());
    return tx.Commit();
  }

  Result<Run> GetRun(std::string_view run_id) override {
    std::lock_guard lock(mu_);
    return RunLocked(run_id);
  }

  Result<std::vector<Run>> ListRuns(const RunFilter& filter) override {
    if (!filter.experiment_name.empty()) {
      RETURN_IF_ERROR(ValidateName("experiment", filter.experiment_name));
    }
    std::lock_guard lock(mu_);
    std::vector<std::string> ids;
    {
      ASSIGN_OR_RETURN(
          Statement st,
          db_->Prepare("SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id "
                       "WHERE ?1 = '' OR e.name = ?1 ORDER BY r.start_ms DESC, r.rowid DESC "
                       "LIMIT ?2"));
      st.Bind(filter.experiment_name, static_cast<int64_t>(filter.max_results));
      while (true) {
        ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        ids.push_back(st.Text(0));
      }
    }
    std::vector<Run> runs;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(Run r, RunLocked(id));
      runs.push_back(std::move(r));
    }
    return runs;
  }

  Result<RegisteredModel> CreateModel(std::string_view name, std::string_view description,
                                      const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", name));
    RETURN_IF_ERROR(ValidateChange(change));
    std::lock_guard lock(mu_);
    {
      ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
      ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(name));
      if (exists) return Status::AlreadyExists("model " + Quoted(name) + " exists");
      RETURN_IF_ERROR(InsertModelLocked(name, description, change));
      RETURN_IF_ERROR(tx.Commit());
    }
    return ModelLocked(name);
  }

  Result<RegisteredModel> GetModel(std::string_view name) override {
    RETURN_IF_ERROR(ValidateName("model", name));
    std::lock_guard lock(mu_);
    return ModelLocked(name);
  }

  Result<std::vector<RegisteredModel>> ListModels() override {
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    {
      ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT name FROM models ORDER BY name"));
      while (true) {
        ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        names.push_back(st.Text(0));
      }
    }
    std::vector<RegisteredModel> models;
    for (const std::string& name : names) {
      ASSIGN_OR_RETURN(RegisteredModel m, ModelLocked(name));
      models.push_back(std::move(m));
    }
    return models;
  }

  Result<ModelVersion> RegisterVersion(const NewVersion& version, const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", version.model));
    RETURN_IF_ERROR(ValidateChange(change));
    RETURN_IF_ERROR(ValidateTags("version tag", version.tags));
    if (version.artifact_dir.empty()) {
      return Status::InvalidArgument("a version needs an artifact directory");
    }
    if (!version.run_id.empty()) {
      std::lock_guard lock(mu_);
      RETURN_IF_ERROR(RunExistsLocked(version.run_id));
    }
    const std::string model_dir = artifacts_ + "/models/" + version.model;
    RETURN_IF_ERROR(MakeDirs(model_dir, kDirMode));
    RemoveOrphanedTemps(model_dir);
    // 1. A durable copy under a temporary name, outside the lock: copying may take a while.
    const std::string tmp = TempName(model_dir);
    Status copied = CopyTreeDurably(version.artifact_dir, tmp, kFileMode, kDirMode);
    // MLflow's model format beside the files, as the MLflow backend writes it, so a version
    // copied out of this store loads in mlflow.pyfunc; a directory that brings its own MLmodel
    // keeps it. Written into the temporary copy, so it is durable before the version exists.
    if (copied.ok() && !PathExists(tmp + "/" + kMlmodelFile)) {
      for (const ArtifactFile& f : PyfuncFlavorFiles(NowMs(), RandomHex(32))) {
        copied = WriteNewFileDurably(tmp, f.path, f.bytes);
        if (!copied.ok()) break;
      }
    }
    if (!copied.ok()) {
      (void)RemoveTree(tmp);
      return copied.WithContext("register " + Quoted(version.model));
    }
    Result<int64_t> number = CommitVersion(version, change, model_dir, tmp);
    if (!number.ok()) {
      (void)RemoveTree(tmp);
      return number.status();
    }
    return GetVersion(version.model, *number);
  }

  Result<ModelVersion> GetVersion(std::string_view model, int64_t version) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(std::vector<ModelVersion> found, VersionsLocked(model, version));
    if (found.empty()) {
      ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
      if (!exists) return ModelNotFound(model);
      return VersionNotFound(model, version);
    }
    return std::move(found.front());
  }

  Result<std::vector<ModelVersion>> ListVersions(std::string_view model) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
    if (!exists) return ModelNotFound(model);
    return VersionsLocked(model, 0);
  }

  Status DownloadVersion(std::string_view model, int64_t version,
                         const std::string& dest) override {
    ASSIGN_OR_RETURN(ModelVersion v, GetVersion(model, version));
    RETURN_IF_ERROR(ClearTarget(dest));
    return CopyTreeDurably(v.source, dest, kFileMode, kDirMode)
        .WithContext("download " + Quoted(model) + " version " + std::to_string(version));
  }

  Status SetModelTag(std::string_view model, std::string_view key, std::string_view value,
                     const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(ValidateTags("model tag", {{std::string(key), std::string(value)}}));
    RETURN_IF_ERROR(ValidateChange(change));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
    if (!exists) return ModelNotFound(model);
    ASSIGN_OR_RETURN(Statement get,
                     db_->Prepare("SELECT value FROM model_tags WHERE model=?1 AND key=?2"));
    get.Bind(model, key);
    ASSIGN_OR_RETURN(bool had, get.Step());
    const std::string old = had ? get.Text(0) : std::string();
    ASSIGN_OR_RETURN(Statement put,
                     db_->Prepare("INSERT OR REPLACE INTO model_tags VALUES(?1,?2,?3)"));
    RETURN_IF_ERROR(put.Bind(model, key, value).Run());
    RETURN_IF_ERROR(TouchLocked(model));
    RETURN_IF_ERROR(AuditLocked(model, change, kAuditSetModelTag, "tag " + std::string(key), old,
                                std::string(value)));
    return tx.Commit();
  }

  Status SetVersionTag(std::string_view model, int64_t version, std::string_view key,
                       std::string_view value, const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(ValidateTags("version tag", {{std::string(key), std::string(value)}}));
    RETURN_IF_ERROR(ValidateChange(change));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    RETURN_IF_ERROR(VersionExistsLocked(model, version));
    ASSIGN_OR_RETURN(Statement get, db_->Prepare("SELECT value FROM version_tags WHERE model=?1 "
                                                 "AND version=?2 AND key=?3"));
    get.Bind(model, version, key);
    ASSIGN_OR_RETURN(bool had, get.Step());
    const std::string old = had ? get.Text(0) : std::string();
    ASSIGN_OR_RETURN(Statement put,
                     db_->Prepare("INSERT OR REPLACE INTO version_tags VALUES(?1,?2,?3,?4)"));
    RETURN_IF_ERROR(put.Bind(model, version, key, value).Run());
    RETURN_IF_ERROR(TouchLocked(model));
    RETURN_IF_ERROR(AuditLocked(model, change, kAuditSetVersionTag,
                                "version " + std::to_string(version) + " tag " + std::string(key),
                                old, std::string(value)));
    return tx.Commit();
  }

  Status SetAlias(std::string_view model, std::string_view alias, int64_t version,
                  const Change& change, std::string_view action) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(ValidateAlias(alias));
    RETURN_IF_ERROR(ValidateChange(change));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    RETURN_IF_ERROR(VersionExistsLocked(model, version));
    ASSIGN_OR_RETURN(std::string old, AliasLocked(model, alias));
    ASSIGN_OR_RETURN(Statement put,
                     db_->Prepare("INSERT OR REPLACE INTO aliases VALUES(?1,?2,?3)"));
    RETURN_IF_ERROR(put.Bind(model, alias, version).Run());
    RETURN_IF_ERROR(TouchLocked(model));
    RETURN_IF_ERROR(AuditLocked(model, change, action, "alias " + std::string(alias), old,
                                std::to_string(version)));
    CF_FAILPOINT("registry.alias.before_commit");
    return tx.Commit();
  }

  Status DeleteAlias(std::string_view model, std::string_view alias,
                     const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(ValidateAlias(alias));
    RETURN_IF_ERROR(ValidateChange(change));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
    if (!exists) return ModelNotFound(model);
    ASSIGN_OR_RETURN(std::string old, AliasLocked(model, alias));
    if (old.empty()) return AliasNotFound(model, alias);
    ASSIGN_OR_RETURN(Statement del,
                     db_->Prepare("DELETE FROM aliases WHERE model=?1 AND alias=?2"));
    RETURN_IF_ERROR(del.Bind(model, alias).Run());
    RETURN_IF_ERROR(TouchLocked(model));
    RETURN_IF_ERROR(
        AuditLocked(model, change, kAuditDeleteAlias, "alias " + std::string(alias), old, ""));
    return tx.Commit();
  }

  Result<ModelVersion> GetVersionByAlias(std::string_view model, std::string_view alias) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(ValidateAlias(alias));
    int64_t version = 0;
    {
      std::lock_guard lock(mu_);
      ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
      if (!exists) return ModelNotFound(model);
      ASSIGN_OR_RETURN(std::string held, AliasLocked(model, alias));
      if (held.empty()) return AliasNotFound(model, alias);
      version = std::stoll(held);
    }
    return GetVersion(model, version);
  }

  Result<std::vector<AuditEntry>> Audit(std::string_view model) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
    if (!exists) return ModelNotFound(model);
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("SELECT seq, time_ms, actor, action, target, from_value, "
                                  "to_value, reason FROM audit WHERE model=?1 ORDER BY seq"));
    st.Bind(model);
    std::vector<AuditEntry> entries;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      entries.push_back(AuditEntry{st.Int(0), st.Int(1), st.Text(2), std::string(model), st.Text(3),
                                   st.Text(4), st.Text(5), st.Text(6), st.Text(7)});
    }
    return entries;
  }

  Status RecordDecision(std::string_view model, std::string_view action, std::string_view target,
                        std::string_view from, std::string_view to, const Change& change) override {
    RETURN_IF_ERROR(ValidateName("model", model));
    RETURN_IF_ERROR(ValidateChange(change));
    if (action.empty()) return Status::InvalidArgument("audit: action is required");
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(model));
    if (!exists) return ModelNotFound(model);
    RETURN_IF_ERROR(AuditLocked(model, change, action, std::string(target), std::string(from),
                                std::string(to)));
    return tx.Commit();
  }

  Status Init() {
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    RETURN_IF_ERROR(db_->Exec(kSchema));
    ASSIGN_OR_RETURN(Statement get,
                     db_->Prepare("SELECT value FROM meta WHERE key='format_version'"));
    ASSIGN_OR_RETURN(bool found, get.Step());
    if (found) {
      const std::string v = get.Text(0);
      if (v != std::to_string(kFormatVersion)) {
        return Status::FailedPrecondition(database_ + ": registry format version " + v +
                                          ", this build reads " + std::to_string(kFormatVersion));
      }
    } else {
      ASSIGN_OR_RETURN(Statement put,
                       db_->Prepare("INSERT INTO meta VALUES('format_version', ?1)"));
      RETURN_IF_ERROR(put.Bind(std::to_string(kFormatVersion)).Run());
    }
    return tx.Commit();
  }

 private:
  std::string RunArtifactDir(std::string_view run_id) const {
    return artifacts_ + "/runs/" + std::string(run_id);
  }

  // A name for a copy in progress, unique across processes and threads.
  static std::string TempName(const std::string& dir) {
    static std::atomic<uint64_t> counter{0};
    return dir + "/.tmp-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1)) + "-" + RandomHex(8);
  }

  // Writes `bytes` to the new file `root`/`relative` (0600), creating its folders (0700);
  // fsyncs the file and every folder on the way, so the tree under `root` stays durable.
  static Status WriteNewFileDurably(const std::string& root, const std::string& relative,
                                    std::string_view bytes) {
    const std::string path = root + "/" + relative;
    const std::string dir = DirName(path);
    RETURN_IF_ERROR(MakeDirs(dir, kDirMode));
    {
      ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_WRONLY | O_CREAT | O_EXCL, kFileMode));
      RETURN_IF_ERROR(WriteFull(fd.get(), bytes, path));
      if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + path);
    }
    for (std::string d = dir;; d = DirName(d)) {
      RETURN_IF_ERROR(FsyncDir(d));
      if (d.size() <= root.size()) break;
    }
    return Status::Ok();
  }

  // Renames every entry of `from` into `to`; kAlreadyExists naming one that is there already.
  static Status MoveEntries(const std::string& from, const std::string& to) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(from));
    for (const std::string& name : names) {
      const std::string target = to + "/" + name;
      if (PathExists(target)) return Status::AlreadyExists("artifact " + target + " exists");
      if (::rename((from + "/" + name).c_str(), target.c_str()) != 0) {
        return Status::FromErrno(errno, "rename into " + target);
      }
    }
    return Status::Ok();
  }

  // Steps 2 to 5 of docs/formats/registry.md: under the write lock, number the version, move
  // the copy into place and insert the row. Returns the number.
  Result<int64_t> CommitVersion(const NewVersion& version, const Change& change,
                                const std::string& model_dir, const std::string& tmp) {
    CF_FAILPOINT("registry.register.after_copy");
    std::lock_guard lock(mu_);
    ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(*db_));
    ASSIGN_OR_RETURN(bool exists, ModelExistsLocked(version.model));
    if (!exists) RETURN_IF_ERROR(InsertModelLocked(version.model, "", change));
    ASSIGN_OR_RETURN(Statement max,
                     db_->Prepare("SELECT COALESCE(MAX(version), 0) FROM versions WHERE model=?1"));
    max.Bind(version.model);
    RETURN_IF_ERROR(max.Step().status());
    const int64_t number = max.Int(0) + 1;
    const std::string final_dir = model_dir + "/" + std::to_string(number);
    // A directory without a row is what a crash between rename and commit leaves; the write
    // lock is ours, so no other registrant is using this number.
    RETURN_IF_ERROR(RemoveTree(final_dir));
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
      return Status::FromErrno(errno, "rename " + tmp + " to " + final_dir);
    }
    Status s = [&]() -> Status {
      RETURN_IF_ERROR(FsyncDir(model_dir));
      CF_FAILPOINT("registry.register.after_rename");
      ASSIGN_OR_RETURN(Statement put,
                       db_->Prepare("INSERT INTO versions VALUES(?1,?2,?3,?4,?5,?6,?7)"));
      const int64_t now = NowMs();
      RETURN_IF_ERROR(put.Bind(version.model, number, version.run_id, final_dir,
                               VersionStatusName(VersionStatus::kReady), version.description, now)
                          .Run());
      for (const auto& [key, value] : version.tags) {
        ASSIGN_OR_RETURN(Statement tag,
                         db_->Prepare("INSERT INTO version_tags VALUES(?1,?2,?3,?4)"));
        RETURN_IF_ERROR(tag.Bind(version.model, number, key, value).Run());
      }
      RETURN_IF_ERROR(TouchLocked(version.model));
      RETURN_IF_ERROR(AuditLocked(version.model, change, kAuditRegisterVersion,
                                  "version " + std::to_string(number), "", std::to_string(number)));
      CF_FAILPOINT("registry.register.before_commit");
      return tx.Commit();
    }();
    // Still under the write lock (the transaction rolls back at scope end): nobody else can have
    // taken this number's directory.
    if (!s.ok()) (void)RemoveTree(final_dir);
    RETURN_IF_ERROR(s);
    return number;
  }

  Result<Experiment> ExperimentLocked(std::string_view name) {
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("SELECT id, created_ms FROM experiments WHERE name=?1"));
    st.Bind(name);
    ASSIGN_OR_RETURN(bool found, st.Step());
    if (!found) return Status::NotFound("experiment " + Quoted(name) + " not found");
    return Experiment{std::to_string(st.Int(0)), std::string(name), st.Int(1)};
  }

  Status RunExistsLocked(std::string_view run_id) {
    ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT 1 FROM runs WHERE id=?1"));
    st.Bind(run_id);
    ASSIGN_OR_RETURN(bool found, st.Step());
    return found ? Status::Ok() : RunNotFound(run_id);
  }

  Status PutMapLocked(std::string_view table, std::string_view run_id, const StringMap& values) {
    for (const auto& [key, value] : values) {
      ASSIGN_OR_RETURN(Statement put, db_->Prepare("INSERT OR REPLACE INTO " + std::string(table) +
                                                   " VALUES(?1,?2,?3)"));
      RETURN_IF_ERROR(put.Bind(run_id, key, value).Run());
    }
    return Status::Ok();
  }

  Result<StringMap> MapLocked(std::string_view sql, std::string_view owner) {
    ASSIGN_OR_RETURN(Statement st, db_->Prepare(sql));
    st.Bind(owner);
    StringMap out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out[st.Text(0)] = st.Text(1);
    }
    return out;
  }

  Result<Run> RunLocked(std::string_view run_id) {
    Run run;
    {
      ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT id, experiment_id, name, status, start_ms, end_ms, "
                                    "artifact_dir FROM runs WHERE id=?1"));
      st.Bind(run_id);
      ASSIGN_OR_RETURN(bool found, st.Step());
      if (!found) return RunNotFound(run_id);
      run.id = st.Text(0);
      run.experiment_id = std::to_string(st.Int(1));
      run.name = st.Text(2);
      ASSIGN_OR_RETURN(run.status, ParseRunStatus(st.Text(3)));
      run.start_ms = st.Int(4);
      run.end_ms = st.Int(5);
      run.artifact_uri = st.Text(6);
    }
    ASSIGN_OR_RETURN(run.params,
                     MapLocked("SELECT key, value FROM run_params WHERE run_id=?1", run_id));
    ASSIGN_OR_RETURN(run.tags,
                     MapLocked("SELECT key, value FROM run_tags WHERE run_id=?1", run_id));
    ASSIGN_OR_RETURN(run.lineage,
                     MapLocked("SELECT key, value FROM run_lineage WHERE run_id=?1", run_id));
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("SELECT key, value, step, timestamp_ms FROM run_metrics "
                                  "WHERE run_id=?1 ORDER BY key, step, timestamp_ms, rowid"));
    st.Bind(run_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      run.metrics.push_back(Metric{st.Text(0), st.Real(1), st.Int(2), st.Int(3)});
    }
    return run;
  }

  Result<bool> ModelExistsLocked(std::string_view model) {
    ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT 1 FROM models WHERE name=?1"));
    st.Bind(model);
    return st.Step();
  }

  Status VersionExistsLocked(std::string_view model, int64_t version) {
    ASSIGN_OR_RETURN(bool model_exists, ModelExistsLocked(model));
    if (!model_exists) return ModelNotFound(model);
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("SELECT 1 FROM versions WHERE model=?1 AND version=?2"));
    st.Bind(model, version);
    ASSIGN_OR_RETURN(bool found, st.Step());
    return found ? Status::Ok() : VersionNotFound(model, version);
  }

  // The version an alias holds, as text, or "" when it is not set.
  Result<std::string> AliasLocked(std::string_view model, std::string_view alias) {
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("SELECT version FROM aliases WHERE model=?1 AND alias=?2"));
    st.Bind(model, alias);
    ASSIGN_OR_RETURN(bool found, st.Step());
    return found ? std::to_string(st.Int(0)) : std::string();
  }

  Status InsertModelLocked(std::string_view name, std::string_view description,
                           const Change& change) {
    const int64_t now = NowMs();
    ASSIGN_OR_RETURN(Statement st, db_->Prepare("INSERT INTO models VALUES(?1,?2,?3,?3)"));
    RETURN_IF_ERROR(st.Bind(name, description, now).Run());
    return AuditLocked(name, change, kAuditCreateModel, "model", "", std::string(name));
  }

  Status TouchLocked(std::string_view model) {
    ASSIGN_OR_RETURN(Statement st, db_->Prepare("UPDATE models SET updated_ms=?2 WHERE name=?1"));
    return st.Bind(model, NowMs()).Run();
  }

  Status AuditLocked(std::string_view model, const Change& change, std::string_view action,
                     const std::string& target, const std::string& from, const std::string& to) {
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("INSERT INTO audit(model, time_ms, actor, action, target, "
                                  "from_value, to_value, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"));
    return st.Bind(model, NowMs(), change.actor, action, target, from, to, change.reason).Run();
  }

  Result<RegisteredModel> ModelLocked(std::string_view name) {
    RegisteredModel m;
    {
      ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT description, created_ms, updated_ms "
                                                  "FROM models WHERE name=?1"));
      st.Bind(name);
      ASSIGN_OR_RETURN(bool found, st.Step());
      if (!found) return ModelNotFound(name);
      m.name = std::string(name);
      m.description = st.Text(0);
      m.created_ms = st.Int(1);
      m.updated_ms = st.Int(2);
    }
    {
      ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT COALESCE(MAX(version), 0), COUNT(*) "
                                                  "FROM versions WHERE model=?1"));
      st.Bind(name);
      RETURN_IF_ERROR(st.Step().status());
      m.latest_version = st.Int(0);
      m.version_count = st.Int(1);
    }
    {
      ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT alias, version FROM aliases WHERE model=?1"));
      st.Bind(name);
      while (true) {
        ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        m.aliases[st.Text(0)] = st.Int(1);
      }
    }
    ASSIGN_OR_RETURN(m.tags, MapLocked("SELECT key, value FROM model_tags WHERE model=?1", name));
    return m;
  }

  // The model's versions, ascending, or only `only` when it is not 0; with tags and aliases,
  // each read in one query for the whole model.
  Result<std::vector<ModelVersion>> VersionsLocked(std::string_view model, int64_t only) {
    std::vector<ModelVersion> out;
    ASSIGN_OR_RETURN(Statement st,
                     db_->Prepare("SELECT version, run_id, source, status, description, "
                                  "created_ms FROM versions WHERE model=?1 AND (?2 = 0 OR "
                                  "version = ?2) ORDER BY version"));
    st.Bind(model, only);
    std::map<int64_t, size_t> index;
    while (true) {
      ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ModelVersion v;
      v.model = std::string(model);
      v.version = st.Int(0);
      v.run_id = st.Text(1);
      v.source = st.Text(2);
      const std::string status = st.Text(3);
      v.status = status == VersionStatusName(VersionStatus::kReady) ? VersionStatus::kReady
                 : status == VersionStatusName(VersionStatus::kPendingRegistration)
                     ? VersionStatus::kPendingRegistration
                     : VersionStatus::kFailedRegistration;
      v.description = st.Text(4);
      v.created_ms = st.Int(5);
      index[v.version] = out.size();
      out.push_back(std::move(v));
    }
    if (out.empty()) return out;
    ASSIGN_OR_RETURN(Statement tags, db_->Prepare("SELECT version, key, value FROM version_tags "
                                                  "WHERE model=?1 AND (?2 = 0 OR version = ?2)"));
    tags.Bind(model, only);
    while (true) {
      ASSIGN_OR_RETURN(bool row, tags.Step());
      if (!row) break;
      auto it = index.find(tags.Int(0));
      if (it != index.end()) out[it->second].tags[tags.Text(1)] = tags.Text(2);
    }
    ASSIGN_OR_RETURN(Statement aliases, db_->Prepare("SELECT version, alias FROM aliases WHERE "
                                                     "model=?1 ORDER BY alias"));
    aliases.Bind(model);
    while (true) {
      ASSIGN_OR_RETURN(bool row, aliases.Step());
      if (!row) break;
      auto it = index.find(aliases.Int(0));
      if (it != index.end()) out[it->second].aliases.push_back(aliases.Text(1));
    }
    return out;
  }

  std::mutex mu_;  // one connection: statements and transactions of one call at a time
  std::unique_ptr<Database> db_;
  const std::string database_;
  const std::string artifacts_;
};

// An absolute form of an existing directory.
Result<std::string> Absolute(const std::string& dir) {
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return Status::FromErrno(errno, "realpath " + dir);
  std::string out(real);
  ::free(real);
  return out;
}

// Creates the database file with our mode (SQLite gives -wal and -shm the database's mode)
// without ever opening and closing the database itself: close(2) of any descriptor on a file
// drops every POSIX lock this process holds on it, including those of SQLite connections
// already open on it here (`up` opens several registries). Without them another process that
// closes its connection believes it is the last one, checkpoints and deletes -wal and -shm,
// and this process's connections go on in the deleted files, never seeing that process's
// writes again nor showing it theirs. So the file is made under a name of its own and linked
// into place (link(2) never replaces an existing database).
Status CreateDatabaseFile(const std::string& path) {
  if (PathExists(path)) return Status::Ok();
  const std::string temp = path + ".new-" + std::to_string(::getpid()) + "-" + RandomHex(8);
  { ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(temp, O_RDWR | O_CREAT | O_EXCL, kFileMode)); }
  const int rc = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  RETURN_IF_ERROR(RemoveFileIfExists(temp));
  if (rc != 0 && err != EEXIST) {
    return Status::IoError("link " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Registry>> OpenEmbeddedRegistry(const EmbeddedOptions& options) {
  if (options.database.empty() || options.artifact_dir.empty()) {
    return Status::InvalidArgument(
        "the embedded registry needs a database file and an "
        "artifact directory");
  }
  RETURN_IF_ERROR(MakeDirs(DirName(options.database), kDirMode));
  RETURN_IF_ERROR(MakeDirs(options.artifact_dir + "/models", kDirMode));
  RETURN_IF_ERROR(MakeDirs(options.artifact_dir + "/runs", kDirMode));
  ASSIGN_OR_RETURN(std::string artifacts, Absolute(options.artifact_dir));
  RETURN_IF_ERROR(CreateDatabaseFile(options.database));
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                   Database::Open(options.database, options.busy_timeout_ms));
  auto registry =
      std::make_unique<EmbeddedRegistry>(std::move(db), options.database, std::move(artifacts));
  RETURN_IF_ERROR(registry->Init().WithContext(options.database));
  return std::unique_ptr<Registry>(std::move(registry));
}

}  // namespace covidflow::registry
