#include "orchestrate/loop.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/failpoint.h"
#include "base/fs.h"
#include "base/numbers.h"
#include "orchestrate/cron.h"

namespace covidflow::orchestrate {

namespace {

using nlohmann::json;

constexpr std::string_view kRunTag = "loop.run";
constexpr std::string_view kValidationTag = "loop.validation";
// The run's figure that holds Candidate::validation until the version is registered.
constexpr std::string_view kValidationFigure = "validation";

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string Figures(const std::map<std::string, double>& figures) {
  std::string out;
  for (const auto& [k, v] : figures) out += (out.empty() ? "" : " ") + k + "=" + Num(v);
  return out;
}

// A decision's reason with the figures it rests on, as the audit log records it.
std::string ReasonWithFigures(const std::string& reason,
                              const std::map<std::string, double>& figures) {
  return figures.empty() ? reason : reason + "; " + Figures(figures);
}

std::string RunName(const PipelineRun& run) { return "run " + std::to_string(run.id); }

// The tag that finds a run's version again after a restart: unique per run and state file.
std::string RunTag(const PipelineRun& run) {
  return std::to_string(run.id) + "@" + std::to_string(run.started_ms);
}

std::optional<LiveQuality> Trusted(const Observation& obs, int64_t version, int64_t min_labelled) {
  auto it = obs.live.find(version);
  if (version == 0 || it == obs.live.end() || it->second.labelled < min_labelled) {
    return std::nullopt;
  }
  return it->second;
}

json RunToJson(const PipelineRun& r) {
  json j = {{"id", r.id},
            {"stage", StageName(r.stage)},
            {"trigger", {{"kind", r.trigger.kind}, {"reason", r.trigger.reason}}},
            {"started_ms", r.started_ms},
            {"updated_ms", r.updated_ms},
            {"attempts", r.attempts},
            {"window_to_ms", r.window_to_ms},
            {"lake_rows", r.lake_rows},
            {"model_dir", r.model_dir},
            {"run_id", r.run_id},
            {"decision", r.decision},
            {"figures", r.figures},
            {"version", r.version},
            {"previous_champion", r.previous_champion},
            {"promoted_ms", r.promoted_ms}};
  if (r.previous_live) j["previous_live"] = *r.previous_live;
  return j;
}

Result<Stage> ParseStage(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Stage::kAbandoned); ++i) {
    if (StageName(static_cast<Stage>(i)) == name) return static_cast<Stage>(i);
  }
  return Status::Corruption("loop state: unknown stage '" + std::string(name) + "'");
}

Result<PipelineRun> RunFromJson(const json& j) {
  PipelineRun r;
  r.id = j.at("id").get<int64_t>();
  ASSIGN_OR_RETURN(r.stage, ParseStage(j.at("stage").get<std::string>()));
  r.trigger.kind = j.at("trigger").at("kind").get<std::string>();
  r.trigger.reason = j.at("trigger").at("reason").get<std::string>();
  r.started_ms = j.at("started_ms").get<int64_t>();
  r.updated_ms = j.at("updated_ms").get<int64_t>();
  r.attempts = j.at("attempts").get<int>();
  r.window_to_ms = j.at("window_to_ms").get<int64_t>();
  r.lake_rows = j.at("lake_rows").get<int64_t>();
  r.model_dir = j.at("model_dir").get<std::string>();
  r.run_id = j.at("run_id").get<std::string>();
  r.decision = j.at("decision").get<std::string>();
  r.figures = j.at("figures").get<std::map<std::string, double>>();
  r.version = j.at("version").get<int64_t>();
  r.previous_champion = j.at("previous_champion").get<int64_t>();
  r.promoted_ms = j.at("promoted_ms").get<int64_t>();
  if (j.contains("previous_live")) r.previous_live = j.at("previous_live").get<double>();
  return r;
}

}  // namespace

std::optional<double> ValidationOf(const registry::ModelVersion& version) {
  auto it = version.tags.find(std::string(kValidationTag));
  if (it == version.tags.end()) return std::nullopt;
  const std::optional<double> v = ParseDouble(it->second);
  if (!v || !std::isfinite(*v)) return std::nullopt;
  return v;
}

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kTriggered:
      return "triggered";
    case Stage::kTrained:
      return "trained";
    case Stage::kRegistered:
      return "registered";
    case Stage::kGated:
      return "gated";
    case Stage::kWatching:
      return "watching";
    case Stage::kDone:
      return "done";
    case Stage::kRejected:
      return "rejected";
    case Stage::kRolledBack:
      return "rolled_back";
    case Stage::kAbandoned:
      return "abandoned";
  }
  return "?";
}

bool IsFinal(Stage stage) {
  return stage == Stage::kDone || stage == Stage::kRejected || stage == Stage::kRolledBack ||
         stage == Stage::kAbandoned;
}

std::optional<Trigger> EvaluateTriggers(const TriggerOptions& o, const Observation& obs,
                                        TriggerMemory& memory) {
  auto ready = [&](const std::string& kind) {
    auto it = memory.last_fired_ms.find(kind);
    return it == memory.last_fired_ms.end() || obs.now_ms - it->second >= o.cooldown_ms;
  };
  auto fire = [&](const std::string& kind, std::string reason) {
    memory.last_fired_ms[kind] = obs.now_ms;
    return Trigger{kind, std::move(reason)};
  };
  if (obs.lake_rows < o.min_rows) return std::nullopt;
  const std::string rows = std::to_string(obs.lake_rows) + " lake rows";
  if (obs.champion == 0) {
    if (ready("bootstrap")) return fire("bootstrap", "no champion yet; " + rows);
    return std::nullopt;
  }
  // A champion the loop did not train (or an old state file): its data is what the lake holds
  // when the loop first sees it.
  if (memory.champion_rows < 0) memory.champion_rows = obs.lake_rows;
  if (o.on_drift && obs.drift_events > memory.drift_events_seen && ready("drift")) {
    return fire("drift", "drift event: " + obs.drift_summary);
  }
  if (auto live = Trusted(obs, obs.champion, o.min_labelled); live && ready("quality")) {
    const std::string v = "champion v" + std::to_string(obs.champion) + " live quality " +
                          Num(live->value) + " on " + std::to_string(live->labelled) +
                          " labelled predictions";
    if (o.min_quality > 0 && live->value < o.min_quality) {
      return fire("quality", v + " < threshold " + Num(o.min_quality));
    }
    if (o.quality_margin > 0 && obs.champion_validation &&
        live->value < *obs.champion_validation - o.quality_margin) {
      return fire("quality", v + " < validation " + Num(*obs.champion_validation) + " - " +
                                 Num(o.quality_margin));
    }
  }
  if (o.new_rows > 0 && obs.lake_rows - memory.champion_rows >= o.new_rows && ready("data")) {
    return fire("data", std::to_string(obs.lake_rows - memory.champion_rows) +
                            " new lake rows since the champion's data (threshold " +
                            std::to_string(o.new_rows) + ")");
  }
  if (o.interval_ms > 0 && obs.now_ms - memory.last_run_ms >= o.interval_ms && ready("schedule")) {
    return fire("schedule", "every " + std::to_string(o.interval_ms / 1000) + " s");
  }
  if (!o.cron.empty() && ready("schedule")) {
    Result<CronSchedule> cron = ParseCron(o.cron);
    const std::optional<int64_t> due =
        cron.ok() ? cron->NextAfter(memory.last_run_ms) : std::nullopt;
    if (due && *due <= obs.now_ms) {
      return fire("schedule", "cron '" + o.cron + "' (UTC) was due at " + UtcIso(*due));
    }
  }
  return std::nullopt;
}

Status CheckTriggers(const TriggerOptions& options) {
  if (options.cron.empty()) return Status::Ok();
  Result<CronSchedule> cron = ParseCron(options.cron);
  return cron.ok() ? Status::Ok() : cron.status().WithContext("loop.cron (--cron)");
}

std::string StateToJson(const LoopState& s) {
  json finished = json::array();
  for (const PipelineRun& r : s.finished) finished.push_back(RunToJson(r));
  json j = {{"format", 1},
            {"next_id", s.next_id},
            {"finished", finished},
            {"known_champion", s.known_champion},
            {"memory",
             {{"last_fired_ms", s.memory.last_fired_ms},
              {"drift_events_seen", s.memory.drift_events_seen},
              {"champion_rows", s.memory.champion_rows},
              {"last_run_ms", s.memory.last_run_ms}}}};
  if (s.current) j["current"] = RunToJson(*s.current);
  return j.dump(1) + "\n";
}

Result<LoopState> StateFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("loop state: not a JSON object");
  try {
    if (j.at("format").get<int>() != 1) return Status::Corruption("loop state: unknown format");
    LoopState s;
    s.next_id = j.at("next_id").get<int64_t>();
    s.known_champion = j.at("known_champion").get<int64_t>();
    const json& m = j.at("memory");
    s.memory.last_fired_ms = m.at("last_fired_ms").get<std::map<std::string, int64_t>>();
    s.memory.drift_events_seen = m.at("drift_events_seen").get<int64_t>();
    s.memory.champion_rows = m.at("champion_rows").get<int64_t>();
    s.memory.last_run_ms = m.at("last_run_ms").get<int64_t>();
    for (const json& r : j.at("finished")) {
      ASSIGN_OR_RETURN(PipelineRun run, RunFromJson(r));
      s.finished.push_back(std::move(run));
    }
    if (j.contains("current")) {
      ASSIGN_OR_RETURN(PipelineRun run, RunFromJson(j.at("current")));
      s.current = std::move(run);
    }
    return s;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("loop state: ") + e.what());
  }
}

Result<std::unique_ptr<Orchestrator>> Orchestrator::Open(LoopOptions options,
                                                         registry::Registry& registry,
                                                         Steps& steps) {
  if (options.model.empty()) return Status::InvalidArgument("loop.model: a model name is required");
  if (options.state_path.empty()) return Status::InvalidArgument("loop: a state file is required");
  RETURN_IF_ERROR(CheckTriggers(options.triggers));
  std::unique_ptr<Orchestrator> o(new Orchestrator(std::move(options), registry, steps));
  auto text = ReadWholeFile(o->options_.state_path);
  if (text.ok()) {
    ASSIGN_OR_RETURN(o->state_, StateFromJson(*text));
  } else if (text.status().code() != StatusCode::kNotFound) {
    return text.status();
  }
  return o;
}

Status Orchestrator::Save() {
  CF_FAILPOINT("orchestrate.before_save");
  return ReplaceFileAtomically(options_.state_path, StateToJson(state_),
                               options_.state_path + ".tmp");
}

Status Orchestrator::Audit(std::string_view action, const PipelineRun& run, std::string_view from,
                           Stage to, const std::string& reason) {
  return registry_.RecordDecision(options_.model, action, RunName(run), from, StageName(to),
                                  registry::Change{options_.actor, reason});
}

Result<std::string> Orchestrator::Tick(const Observation& obs) {
  if (state_.current) return Advance(obs);
  const std::string before = StateToJson(state_);
  std::string said;
  if (state_.known_champion >= 0 && obs.champion != 0 && obs.champion != state_.known_champion) {
    // The alias moved without the loop: watch the new champion like one the loop promoted.
    PipelineRun run;
    run.id = state_.next_id++;
    run.stage = Stage::kWatching;
    run.trigger = {"alias_moved", "alias " + options_.alias + " moved from v" +
                                      std::to_string(state_.known_champion) + " to v" +
                                      std::to_string(obs.champion) + " outside the loop"};
    run.started_ms = run.updated_ms = run.promoted_ms = obs.now_ms;
    run.version = obs.champion;
    run.previous_champion = state_.known_champion;
    if (auto live = Trusted(obs, run.previous_champion, options_.triggers.min_labelled)) {
      run.previous_live = live->value;
    }
    RETURN_IF_ERROR(registry_.RecordDecision(options_.model, registry::kAuditWatch, RunName(run),
                                             "", StageName(run.stage),
                                             registry::Change{options_.actor, run.trigger.reason}));
    state_.known_champion = obs.champion;
    state_.current = run;
    RETURN_IF_ERROR(Save());
    return RunName(run) + ": watching v" + std::to_string(run.version) + " (" + run.trigger.reason +
           ")";
  }
  state_.known_champion = obs.champion;
  if (std::optional<Trigger> t = EvaluateTriggers(options_.triggers, obs, state_.memory)) {
    PipelineRun run;
    run.id = state_.next_id++;
    run.trigger = *t;
    run.started_ms = run.updated_ms = obs.now_ms;
    run.window_to_ms = obs.lake_max_time_ms;
    run.lake_rows = obs.lake_rows;
    run.previous_champion = obs.champion;
    auto model = registry_.GetModel(options_.model);
    if (model.status().code() == StatusCode::kNotFound) {
      model = registry_.CreateModel(options_.model, "trained by the retraining loop",
                                    registry::Change{options_.actor, "first trigger"});
    }
    RETURN_IF_ERROR(model.status());
    RETURN_IF_ERROR(
        Audit(registry::kAuditTrigger, run, "", Stage::kTriggered, t->kind + ": " + t->reason));
    // The retraining reads the newest data, so it answers every drift event seen so far.
    state_.memory.drift_events_seen = obs.drift_events;
    state_.memory.last_run_ms = obs.now_ms;
    state_.current = run;
    said = RunName(run) + ": triggered by " + t->kind + " (" + t->reason + ")";
  }
  if (StateToJson(state_) != before) RETURN_IF_ERROR(Save());
  return said;
}

Result<std::string> Orchestrator::Finish(Stage stage, const std::string& reason) {
  PipelineRun& run = *state_.current;
  const Stage from = run.stage;
  const std::string_view action = stage == Stage::kRejected    ? registry::kAuditReject
                                  : stage == Stage::kAbandoned ? registry::kAuditAbandon
                                                               : registry::kAuditWatch;
  RETURN_IF_ERROR(Audit(action, run, StageName(from), stage, reason));
  run.stage = stage;
  run.decision = reason;
  state_.finished.push_back(run);
  const int extra = static_cast<int>(state_.finished.size()) - options_.keep_finished;
  if (extra > 0) state_.finished.erase(state_.finished.begin(), state_.finished.begin() + extra);
  state_.current.reset();
  RETURN_IF_ERROR(Save());
  return RunName(state_.finished.back()) + ": " + std::string(StageName(stage)) + " (" + reason +
         ")";
}

Result<int64_t> Orchestrator::FindRegistered(const PipelineRun& run) {
  auto versions = registry_.ListVersions(options_.model);
  if (versions.status().code() == StatusCode::kNotFound) return 0;
  RETURN_IF_ERROR(versions.status());
  const std::string tag = RunTag(run);
  for (const registry::ModelVersion& v : *versions) {
    auto it = v.tags.find(std::string(kRunTag));
    if (it != v.tags.end() && it->second == tag) return v.version;
  }
  return 0;
}

Result<std::string> Orchestrator::Advance(const Observation& obs) {
  PipelineRun& run = *state_.current;
  const std::string name = RunName(run);
  run.updated_ms = obs.now_ms;
  if (run.stage == Stage::kWatching) {
    if (obs.champion != run.version) {
      if (obs.champion == run.previous_champion) {
        return Finish(Stage::kRolledBack, "alias back at v" + std::to_string(obs.champion));
      }
      // known_champion stays on this run's version: the next tick watches the new one.
      return Finish(Stage::kDone, "alias moved to v" + std::to_string(obs.champion) +
                                      " outside the loop; watch ended");
    }
    const int64_t min = options_.triggers.min_labelled;
    if (auto prev = Trusted(obs, run.previous_champion, min)) run.previous_live = prev->value;
    auto live = Trusted(obs, run.version, min);
    std::string compare =
        "v" + std::to_string(run.version) + " live " +
        (live ? Num(live->value) + " on " + std::to_string(live->labelled) + " labelled predictions"
              : std::string("not yet measured")) +
        ", previous v" + std::to_string(run.previous_champion) + " " +
        (run.previous_live ? Num(*run.previous_live) : std::string("not measured"));
    if (live && run.previous_live && run.previous_champion != 0 &&
        live->value < *run.previous_live - options_.rollback_margin) {
      const std::string reason =
          name + " rollback: " + compare + " (margin " + Num(options_.rollback_margin) + ")";
      RETURN_IF_ERROR(registry_.SetAlias(options_.model, options_.alias, run.previous_champion,
                                         registry::Change{options_.actor, reason},
                                         registry::kAuditRollbackAlias));
      CF_FAILPOINT("orchestrate.after_rollback");
      state_.known_champion = run.previous_champion;
      run.figures["live"] = live->value;
      run.figures["previous_live"] = *run.previous_live;
      return Finish(Stage::kRolledBack, reason);
    }
    if (obs.now_ms - run.promoted_ms >= options_.watch_ms) {
      if (live) run.figures["live"] = live->value;
      state_.memory.champion_rows = std::max(state_.memory.champion_rows, run.lake_rows);
      return Finish(Stage::kDone, "kept after the watch: " + compare);
    }
    return std::string();
  }

  // A stage with work: count the attempt durably first, so a stage that kills the process
  // every time ends abandoned instead of looping.
  if (++run.attempts > options_.max_attempts) {
    return Finish(Stage::kAbandoned, "gave up at stage " + std::string(StageName(run.stage)) +
                                         " after " + std::to_string(options_.max_attempts) +
                                         " attempts");
  }
  RETURN_IF_ERROR(Save());

  switch (run.stage) {
    case Stage::kTriggered: {
      ASSIGN_OR_RETURN(Candidate c, steps_.Train(run, run.previous_champion));
      run.model_dir = c.model_dir;
      run.run_id = c.run_id;
      run.figures = c.figures;
      if (c.validation) run.figures[std::string(kValidationFigure)] = *c.validation;
      run.decision = c.reason;
      const Stage to = c.promote ? Stage::kTrained : Stage::kRejected;
      RETURN_IF_ERROR(Audit(registry::kAuditTrain, run, StageName(run.stage), to,
                            ReasonWithFigures(c.reason, c.figures)));
      CF_FAILPOINT("orchestrate.after_train");
      if (!c.promote) return Finish(Stage::kRejected, "evaluation: " + c.reason);
      run.stage = Stage::kTrained;
      run.attempts = 0;
      RETURN_IF_ERROR(Save());
      return name + ": trained (" + c.reason + ")";
    }
    case Stage::kTrained: {
      ASSIGN_OR_RETURN(int64_t version, FindRegistered(run));
      if (version == 0) {
        registry::NewVersion nv;
        nv.model = options_.model;
        nv.run_id = run.run_id;
        nv.artifact_dir = run.model_dir;
        if (!run.run_id.empty()) nv.run_artifact_path = std::string(registry::kRunModelArtifact);
        nv.description = name + ", " + run.trigger.kind + ": " + run.trigger.reason;
        nv.tags = {{std::string(kRunTag), RunTag(run)}};
        if (auto it = run.figures.find(std::string(kValidationFigure)); it != run.figures.end()) {
          nv.tags[std::string(kValidationTag)] = Num(it->second);
        }
        ASSIGN_OR_RETURN(registry::ModelVersion v,
                         registry_.RegisterVersion(
                             nv, registry::Change{options_.actor, name + ": " + run.decision}));
        version = v.version;
      }
      CF_FAILPOINT("orchestrate.after_register");
      run.version = version;
      run.stage = Stage::kRegistered;
      run.attempts = 0;
      RETURN_IF_ERROR(Save());
      return name + ": registered v" + std::to_string(version);
    }
    case Stage::kRegistered: {
      ASSIGN_OR_RETURN(GateVerdict g, steps_.Gate(run));
      for (const auto& [k, v] : g.figures) run.figures["gate_" + k] = v;
      const Stage to = g.pass ? Stage::kGated : Stage::kRejected;
      RETURN_IF_ERROR(Audit(registry::kAuditGate, run, StageName(run.stage), to,
                            ReasonWithFigures(g.reason, g.figures)));
      CF_FAILPOINT("orchestrate.after_gate");
      if (!g.pass) return Finish(Stage::kRejected, "staging gate: " + g.reason);
      run.stage = Stage::kGated;
      run.attempts = 0;
      RETURN_IF_ERROR(Save());
      return name + ": passed the staging gate (" + g.reason + ")";
    }
    case Stage::kGated: {
      auto held = registry_.GetVersionByAlias(options_.model, options_.alias);
      if (!held.ok() && held.status().code() != StatusCode::kNotFound) return held.status();
      const int64_t now_held = held.ok() ? held->version : 0;
      if (now_held != run.version) {
        run.previous_champion = now_held;
        const std::string reason = name + " promoted v" + std::to_string(run.version) + " over " +
                                   (now_held ? "v" + std::to_string(now_held) : "no champion") +
                                   ": " + run.decision;
        RETURN_IF_ERROR(registry_.SetAlias(options_.model, options_.alias, run.version,
                                           registry::Change{options_.actor, reason}));
      }
      CF_FAILPOINT("orchestrate.after_promote");
      if (auto prev = Trusted(obs, run.previous_champion, options_.triggers.min_labelled)) {
        run.previous_live = prev->value;
      }
      run.stage = Stage::kWatching;
      run.promoted_ms = obs.now_ms;
      run.attempts = 0;
      state_.known_champion = run.version;
      state_.memory.champion_rows = run.lake_rows;
      RETURN_IF_ERROR(Save());
      return name + ": promoted v" + std::to_string(run.version) + " to @" + options_.alias;
    }
    default:
      break;
  }
  return Status::Internal("loop: run in final stage " + std::string(StageName(run.stage)) +
                          " left current");
}

}  // namespace covidflow::orchestrate
