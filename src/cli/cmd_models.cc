// runs list|show, models list|show|versions|register|promote|rollback|diff|audit and audit (every
// model's story, oldest first): the tracking and model registry from the command line. The registry
// is app::OpenRegistry's
// (--registry, default HOME/registry). Exit codes: 2 for a wrong command line or a refused
// name, 1 for anything the registry could not do (an unknown model, version or alias, named).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "app/app.h"
#include "cli/commands.h"
#include "monitor/quality.h"
#include "registry/names.h"
#include "registry/registry.h"
#include "schema/time.h"

namespace covidflow::cli {
namespace {

using nlohmann::json;
using registry::AuditEntry;
using registry::ModelVersion;
using registry::RegisteredModel;

// A refused name or value is the caller's input: exit 2; everything else exit 1.
int FailRegistry(std::string_view command, const Status& status) {
  return Fail(command, status, status.code() == StatusCode::kInvalidArgument ? 2 : 1);
}

std::string Time(int64_t ms) {
  if (ms == 0) return "-";
  return schema::FormatTimestamp(schema::Timestamp{ms / 1000});
}

void Print(const json& j) { std::printf("%s\n", j.dump().c_str()); }

json RunJson(const registry::Run& r) {
  json metrics = json::array();
  for (const registry::Metric& m : r.metrics) {
    metrics.push_back(
        {{"key", m.key}, {"value", m.value}, {"step", m.step}, {"timestamp_ms", m.timestamp_ms}});
  }
  return {{"id", r.id},
          {"experiment_id", r.experiment_id},
          {"name", r.name},
          {"status", registry::RunStatusName(r.status)},
          {"start_ms", r.start_ms},
          {"end_ms", r.end_ms},
          {"params", r.params},
          {"tags", r.tags},
          {"lineage", r.lineage},
          {"metrics", metrics},
          {"artifact_uri", r.artifact_uri}};
}

// The last value of each metric.
std::map<std::string, double> LatestMetrics(const registry::Run& r) {
  std::map<std::string, double> out;
  for (const registry::Metric& m : r.metrics) out[m.key] = *r.LatestMetric(m.key);
  return out;
}

json VersionJson(const ModelVersion& v) {
  return {{"model", v.model},
          {"version", v.version},
          {"run_id", v.run_id},
          {"source", v.source},
          {"status", registry::VersionStatusName(v.status)},
          {"description", v.description},
          {"tags", v.tags},
          {"created_ms", v.created_ms},
          {"aliases", v.aliases}};
}

json ModelJson(const RegisteredModel& m) {
  return {{"name", m.name},
          {"description", m.description},
          {"created_ms", m.created_ms},
          {"updated_ms", m.updated_ms},
          {"latest_version", m.latest_version},
          {"versions", m.version_count},
          {"aliases", m.aliases},
          {"tags", m.tags}};
}

json AuditJson(const AuditEntry& e) {
  return {{"seq", e.seq},     {"time_ms", e.time_ms}, {"actor", e.actor},
          {"model", e.model}, {"action", e.action},   {"target", e.target},
          {"from", e.from},   {"to", e.to},           {"reason", e.reason}};
}

// One entry per line: when, who, what, on which target, from → to, and why.
void PrintAuditLine(const AuditEntry& e, bool with_model) {
  std::printf("%s  %s%-14s %-16s %-16s %s → %s%s%s\n", Time(e.time_ms).c_str(),
              with_model ? (e.model + "  ").c_str() : "", e.actor.c_str(), e.action.c_str(),
              e.target.c_str(), e.from.empty() ? "-" : e.from.c_str(),
              e.to.empty() ? "-" : e.to.c_str(),
              e.reason.empty() ? "" : "  because: ", e.reason.c_str());
}

std::string Aliases(const std::vector<std::string>& aliases) {
  std::string out;
  for (const std::string& a : aliases) out += (out.empty() ? "@" : " @") + a;
  return out;
}

void PrintVersionLine(const ModelVersion& v) {
  std::printf("  %5lld  %-19s  %-6s  %-36s  %s\n", static_cast<long long>(v.version),
              Time(v.created_ms).c_str(),
              std::string(registry::VersionStatusName(v.status)).c_str(),
              v.run_id.empty() ? "-" : v.run_id.c_str(), Aliases(v.aliases).c_str());
}

int RunsList(registry::Registry& reg, const app::Settings& s) {
  auto runs =
      reg.ListRuns(registry::RunFilter{s.registry.experiment, static_cast<int>(s.registry.count)});
  if (!runs.ok()) return FailRegistry("runs", runs.status());
  if (s.cli.json) {
    json out = json::array();
    for (const registry::Run& r : *runs) out.push_back(RunJson(r));
    Print(out);
    return 0;
  }
  std::printf("%-32s  %-19s  %-8s  %s\n", "run", "started", "status", "name");
  for (const registry::Run& r : *runs) {
    std::printf("%-32s  %-19s  %-8s  %s\n", r.id.c_str(), Time(r.start_ms).c_str(),
                std::string(registry::RunStatusName(r.status)).c_str(), r.name.c_str());
  }
  return 0;
}

int RunsShow(registry::Registry& reg, const app::Settings& s, const std::string& id) {
  auto run = reg.GetRun(id);
  if (!run.ok()) return FailRegistry("runs", run.status());
  if (s.cli.json) {
    Print(RunJson(*run));
    return 0;
  }
  const registry::Run& r = *run;
  std::printf("run %s  %s  (%s)\n  started %s  ended %s\n  artifacts %s\n", r.id.c_str(),
              r.name.c_str(), std::string(registry::RunStatusName(r.status)).c_str(),
              Time(r.start_ms).c_str(), Time(r.end_ms).c_str(), r.artifact_uri.c_str());
  auto section = [](const char* title, const registry::StringMap& m) {
    if (m.empty()) return;
    std::printf("%s\n", title);
    for (const auto& [k, v] : m) std::printf("  %-28s %s\n", k.c_str(), v.c_str());
  };
  section("params", r.params);
  auto latest = LatestMetrics(r);
  if (!latest.empty()) {
    std::printf("metrics (last value)\n");
    for (const auto& [k, v] : latest) std::printf("  %-28s %.6g\n", k.c_str(), v);
  }
  section("lineage", r.lineage);
  section("tags", r.tags);
  return 0;
}

int ModelsList(registry::Registry& reg, const app::Settings& s) {
  auto models = reg.ListModels();
  if (!models.ok()) return FailRegistry("models", models.status());
  if (s.cli.json) {
    json out = json::array();
    for (const RegisteredModel& m : *models) out.push_back(ModelJson(m));
    Print(out);
    return 0;
  }
  std::printf("%-32s  %8s  %6s  %-19s  %s\n", "model", "versions", "latest", "updated", "aliases");
  for (const RegisteredModel& m : *models) {
    std::string aliases;
    for (const auto& [a, v] : m.aliases) {
      aliases += (aliases.empty() ? "" : " ") + a + "=" + std::to_string(v);
    }
    std::printf("%-32s  %8lld  %6lld  %-19s  %s\n", m.name.c_str(),
                static_cast<long long>(m.version_count), static_cast<long long>(m.latest_version),
                Time(m.updated_ms).c_str(), aliases.c_str());
  }
  return 0;
}

// show: the model, its aliases and its versions (the newest ten in text; all in JSON).
int ModelsShow(registry::Registry& reg, const app::Settings& s, const std::string& name,
               bool all_versions) {
  auto model = reg.GetModel(name);
  if (!model.ok()) return FailRegistry("models", model.status());
  auto versions = reg.ListVersions(name);
  if (!versions.ok()) return FailRegistry("models", versions.status());
  if (s.cli.json) {
    json vs = json::array();
    for (const ModelVersion& v : *versions) vs.push_back(VersionJson(v));
    if (all_versions) {
      Print(vs);
    } else {
      json out = ModelJson(*model);
      out["version_list"] = vs;
      Print(out);
    }
    return 0;
  }
  if (!all_versions) {
    std::printf("model %s: %lld versions, latest %lld, updated %s\n", model->name.c_str(),
                static_cast<long long>(model->version_count),
                static_cast<long long>(model->latest_version), Time(model->updated_ms).c_str());
    if (!model->description.empty()) std::printf("  %s\n", model->description.c_str());
    for (const auto& [a, v] : model->aliases) {
      std::printf("  @%-14s → version %lld\n", a.c_str(), static_cast<long long>(v));
    }
  }
  const size_t shown = all_versions ? versions->size() : std::min<size_t>(10, versions->size());
  std::printf("  %5s  %-19s  %-6s  %-36s  %s\n", "ver", "created", "status", "run", "aliases");
  for (size_t k = 0; k < shown; ++k) PrintVersionLine((*versions)[versions->size() - 1 - k]);
  if (shown < versions->size()) {
    std::printf("  ... %zu older (covidflow models versions %s)\n", versions->size() - shown,
                name.c_str());
  }
  return 0;
}

int ModelsRegister(registry::Registry& reg, const app::Settings& s, const std::string& name) {
  if (s.registry.artifact.empty()) {
    return Usage("models", "register needs --artifact DIR (the model's files)");
  }
  auto v =
      reg.RegisterVersion(registry::NewVersion{name, s.registry.run, s.registry.artifact, "", {}},
                          app::ChangeFrom(s.registry));
  if (!v.ok()) return FailRegistry("models", v.status());
  if (s.cli.json) {
    Print(VersionJson(*v));
  } else {
    std::printf("registered %s version %lld (%s)\n", name.c_str(),
                static_cast<long long>(v->version), v->source.c_str());
  }
  return 0;
}

int ModelsPromote(registry::Registry& reg, const app::Settings& s, const std::string& name,
                  const std::string& version_text) {
  if (s.registry.reason.empty()) return Usage("models", "promote needs --reason TEXT");
  auto version = registry::ParseVersion(version_text);
  if (!version.ok()) return FailRegistry("models", version.status());
  const std::string& alias = s.registry.alias;
  std::string before;
  if (auto held = reg.GetVersionByAlias(name, alias); held.ok()) {
    before = std::to_string(held->version);
  }
  Status st = reg.SetAlias(name, alias, *version, app::ChangeFrom(s.registry));
  if (!st.ok()) return FailRegistry("models", st);
  if (s.cli.json) {
    Print({{"model", name}, {"alias", alias}, {"from", before}, {"to", *version}});
  } else {
    std::printf("%s@%s: %s → version %lld\n", name.c_str(), alias.c_str(),
                before.empty() ? "(unset)" : ("version " + before).c_str(),
                static_cast<long long>(*version));
  }
  return 0;
}

int ModelsRollback(registry::Registry& reg, const app::Settings& s, const std::string& name) {
  if (s.registry.reason.empty()) return Usage("models", "rollback needs --reason TEXT");
  const std::string& alias = s.registry.alias;
  auto held = reg.GetVersionByAlias(name, alias);
  if (!held.ok()) return FailRegistry("models", held.status());
  auto back = registry::RollbackAlias(reg, name, alias, app::ChangeFrom(s.registry));
  if (!back.ok()) return FailRegistry("models", back.status());
  if (s.cli.json) {
    Print({{"model", name}, {"alias", alias}, {"from", held->version}, {"to", *back}});
  } else {
    std::printf("%s@%s rolled back: version %lld → version %lld\n", name.c_str(), alias.c_str(),
                static_cast<long long>(held->version), static_cast<long long>(*back));
  }
  return 0;
}

// One row of a diff: the values of both sides ("" = absent) and whether they differ.
json DiffRows(const registry::StringMap& a, const registry::StringMap& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a) keys.insert(k);
  for (const auto& [k, v] : b) keys.insert(k);
  json rows = json::array();
  for (const std::string& k : keys) {
    auto ia = a.find(k);
    auto ib = b.find(k);
    json left = ia == a.end() ? json(nullptr) : json(ia->second);
    json right = ib == b.end() ? json(nullptr) : json(ib->second);
    rows.push_back({{"key", k}, {"a", left}, {"b", right}, {"differs", left != right}});
  }
  return rows;
}

registry::StringMap MetricStrings(const registry::Run& r) {
  registry::StringMap out;
  for (const auto& [k, v] : LatestMetrics(r)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out[k] = buf;
  }
  return out;
}

int ModelsDiff(registry::Registry& reg, const app::Settings& s, const std::string& name,
               const std::string& t1, const std::string& t2) {
  auto v1 = registry::ParseVersion(t1);
  if (!v1.ok()) return FailRegistry("models", v1.status());
  auto v2 = registry::ParseVersion(t2);
  if (!v2.ok()) return FailRegistry("models", v2.status());
  auto a = reg.GetVersion(name, *v1);
  if (!a.ok()) return FailRegistry("models", a.status());
  auto b = reg.GetVersion(name, *v2);
  if (!b.ok()) return FailRegistry("models", b.status());
  // A version's run (if it names one) carries its params, metrics and lineage.
  auto run_of = [&](const ModelVersion& v) -> Result<registry::Run> {
    if (v.run_id.empty()) return registry::Run{};
    return reg.GetRun(v.run_id);
  };
  auto ra = run_of(*a);
  if (!ra.ok()) return FailRegistry("models", ra.status());
  auto rb = run_of(*b);
  if (!rb.ok()) return FailRegistry("models", rb.status());
  json out = {{"model", name},
              {"a", {{"version", a->version}, {"run_id", a->run_id}}},
              {"b", {{"version", b->version}, {"run_id", b->run_id}}},
              {"params", DiffRows(ra->params, rb->params)},
              {"metrics", DiffRows(MetricStrings(*ra), MetricStrings(*rb))},
              {"lineage", DiffRows(ra->lineage, rb->lineage)},
              {"tags", DiffRows(a->tags, b->tags)}};
  if (s.cli.json) {
    Print(out);
    return 0;
  }
  std::printf("%s: version %lld vs version %lld   (* differs)\n", name.c_str(),
              static_cast<long long>(a->version), static_cast<long long>(b->version));
  for (const char* section : {"params", "metrics", "lineage", "tags"}) {
    if (out[section].empty()) continue;
    std::printf("%s\n", section);
    for (const json& row : out[section]) {
      auto text = [](const json& v) {
        return v.is_null() ? std::string("-") : v.get<std::string>();
      };
      std::printf("%s %-26s %-24s %s\n", row["differs"].get<bool>() ? "*" : " ",
                  row["key"].get<std::string>().c_str(), text(row["a"]).c_str(),
                  text(row["b"]).c_str());
    }
  }
  return 0;
}

int ModelsAudit(registry::Registry& reg, const app::Settings& s, const std::string& name) {
  auto entries = reg.Audit(name);
  if (!entries.ok()) return FailRegistry("models", entries.status());
  if (s.cli.json) {
    json out = json::array();
    for (const AuditEntry& e : *entries) out.push_back(AuditJson(e));
    Print(out);
    return 0;
  }
  for (const AuditEntry& e : *entries) PrintAuditLine(e, false);
  return 0;
}

// --since: a UTC time or an age (30m, 2h, 1d) before `now_ms`; kInvalidArgument naming it.
Result<int64_t> SinceMs(const std::string& since, int64_t now_ms) {
  if (since.empty()) return 0;
  if (auto t = schema::ParseTimestamp(since)) return t->seconds * 1000;
  if (auto age = monitor::ParseDurationMs(since); age.ok()) return now_ms - *age;
  return Status::InvalidArgument(
      "audit.since: expected \"YYYY-MM-DD HH:MM:SS\" or an age such "
      "as 30m, 2h, 1d; got '" +
      since + "'");
}

}  // namespace

int RunRuns(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  const bool list = pos.size() == 1 && pos[0] == "list";
  const bool show = pos.size() == 2 && pos[0] == "show";
  if (!list && !show) return Usage("runs", "expected: runs list | runs show RUN_ID");
  auto reg = app::OpenRegistry(s.registry.uri, s.cli);
  if (!reg.ok()) return FailRegistry("runs", reg.status());
  return list ? RunsList(**reg, s) : RunsShow(**reg, s, pos[1]);
}

int RunModels(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  const size_t want = sub == "list" ? 1
                      : sub == "show" || sub == "versions" || sub == "register" ||
                              sub == "rollback" || sub == "audit"
                          ? 2
                      : sub == "promote" ? 3
                      : sub == "diff"    ? 4
                                         : 0;
  if (want == 0 || pos.size() != want) {
    return Usage("models",
                 "expected: models list | show NAME | versions NAME | register NAME --artifact "
                 "DIR | promote NAME VERSION | rollback NAME | diff NAME V1 V2 | audit NAME");
  }
  auto reg = app::OpenRegistry(s.registry.uri, s.cli);
  if (!reg.ok()) return FailRegistry("models", reg.status());
  registry::Registry& r = **reg;
  if (sub == "list") return ModelsList(r, s);
  if (Status name = registry::ValidateName("model", pos[1]); !name.ok()) {
    return FailRegistry("models", name);
  }
  if (sub == "show") return ModelsShow(r, s, pos[1], false);
  if (sub == "versions") return ModelsShow(r, s, pos[1], true);
  if (sub == "register") return ModelsRegister(r, s, pos[1]);
  if (sub == "promote") return ModelsPromote(r, s, pos[1], pos[2]);
  if (sub == "rollback") return ModelsRollback(r, s, pos[1]);
  if (sub == "diff") return ModelsDiff(r, s, pos[1], pos[2], pos[3]);
  return ModelsAudit(r, s, pos[1]);
}

int RunAudit(const config::Config& c, const app::Settings& s) {
  const auto& pos = c.positional();
  if (pos.size() > 1) return Usage("audit", "expected: audit [MODEL] [--since TIME|AGE]");
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto since = SinceMs(s.registry.since, now_ms);
  if (!since.ok()) return FailRegistry("audit", since.status());
  auto reg = app::OpenRegistry(s.registry.uri, s.cli);
  if (!reg.ok()) return FailRegistry("audit", reg.status());
  std::vector<std::string> names;
  if (pos.empty()) {
    auto models = (*reg)->ListModels();
    if (!models.ok()) return FailRegistry("audit", models.status());
    for (const RegisteredModel& m : *models) names.push_back(m.name);
  } else {
    if (Status name = registry::ValidateName("model", pos[0]); !name.ok()) {
      return FailRegistry("audit", name);
    }
    names.push_back(pos[0]);
  }
  std::vector<AuditEntry> story;
  for (const std::string& name : names) {
    auto entries = (*reg)->Audit(name);
    if (!entries.ok()) return FailRegistry("audit", entries.status());
    for (AuditEntry& e : *entries) {
      if (e.time_ms >= *since) story.push_back(std::move(e));
    }
  }
  // One story across models: by time, each model's own order kept within a millisecond.
  std::stable_sort(story.begin(), story.end(),
                   [](const AuditEntry& a, const AuditEntry& b) { return a.time_ms < b.time_ms; });
  if (s.cli.json) {
    json out = json::array();
    for (const AuditEntry& e : story) out.push_back(AuditJson(e));
    Print(out);
    return 0;
  }
  for (const AuditEntry& e : story) PrintAuditLine(e, names.size() > 1);
  return 0;
}

}  // namespace covidflow::cli
