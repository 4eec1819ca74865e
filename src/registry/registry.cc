#include "registry/registry.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "registry/names.h"

namespace covidflow::registry {

std::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "RUNNING";
}

Result<RunStatus> ParseRunStatus(std::string_view name) {
  for (RunStatus s :
       {RunStatus::kRunning, RunStatus::kFinished, RunStatus::kFailed, RunStatus::kKilled}) {
    if (RunStatusName(s) == name) return s;
  }
  return Status::InvalidArgument("run status '" + std::string(name.substr(0, 64)) +
                                 "' is not one of RUNNING, FINISHED, FAILED, KILLED");
}

std::string_view VersionStatusName(VersionStatus status) {
  switch (status) {
    case VersionStatus::kPendingRegistration:
      return "PENDING_REGISTRATION";
    case VersionStatus::kReady:
      return "READY";
    case VersionStatus::kFailedRegistration:
      return "FAILED_REGISTRATION";
  }
  return "READY";
}

std::optional<double> Run::LatestMetric(std::string_view key) const {
  const Metric* best = nullptr;
  for (const Metric& m : metrics) {
    if (m.key != key) continue;
    if (best == nullptr || m.step > best->step ||
        (m.step == best->step && m.timestamp_ms >= best->timestamp_ms)) {
      best = &m;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->value;
}

std::string DefaultActor() {
  const uid_t uid = geteuid();
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr &&
      found->pw_name != nullptr && found->pw_name[0] != '\0') {
    return found->pw_name;
  }
  return "uid:" + std::to_string(uid);
}

Result<int64_t> RollbackAlias(Registry& registry, std::string_view model, std::string_view alias,
                              const Change& change) {
  RETURN_IF_ERROR(ValidateName("model", model));
  RETURN_IF_ERROR(ValidateAlias(alias));
  ASSIGN_OR_RETURN(std::vector<AuditEntry> entries, registry.Audit(model));
  // Replays the alias's history as a stack: a set pushes the version it moved to, a delete
  // pushes "none", a rollback pops, so rolling back twice goes two steps back.
  const std::string target = "alias " + std::string(alias);
  std::vector<std::string> held;
  for (const AuditEntry& e : entries) {
    if (e.target != target) continue;
    if (e.action == kAuditSetAlias || e.action == kAuditDeleteAlias) {
      held.push_back(e.action == kAuditDeleteAlias ? std::string() : e.to);
    } else if (e.action == kAuditRollbackAlias && !held.empty()) {
      held.pop_back();
    }
  }
  const std::string where =
      "model '" + std::string(model) + "': alias '" + std::string(alias) + "'";
  if (held.empty()) return Status::NotFound(where + " not found");
  if (held.size() < 2 || held[held.size() - 2].empty()) {
    return Status::FailedPrecondition(where + " has no earlier version to roll back to");
  }
  ASSIGN_OR_RETURN(int64_t previous, ParseVersion(held[held.size() - 2]));
  RETURN_IF_ERROR(registry.SetAlias(model, alias, previous, change, kAuditRollbackAlias));
  return previous;
}

}  // namespace covidflow::registry
