#pragma once
// The retraining loop: triggers decide when to retrain, and a durable state machine runs one
// pipeline at a time through its stages, recording every decision in the registry's audit log:
//
//   triggered → trained (the lake's time window; evaluated against the champion on the same
//   held-out rows by the spec's promotion rule) → registered → gated (load, smoke test, shadow
//   traffic, latency budget) → watching (the alias moved) → done, or rolled_back when the new
//   champion's live quality falls below the previous one's by a margin; rejected (evaluation or
//   gate, with the reason) and abandoned (a run that kept failing or dying) end a run early.
//
// A move of the alias made outside the loop (a person promoting by hand) is watched the same
// way, so a bad model pushed by hand is rolled back too.
//
// Durability: the state (the current run, the triggers' memory, the last finished runs) is one
// JSON file replaced atomically after each stage. Each stage's effect happens before the state
// records it, so a kill -9 between the two repeats the stage on restart: a training is redone,
// a registration is found again by its version's tag `loop.run` instead of made twice, a
// promotion is found by the alias already pointing at the version. The alias only ever moves in
// one registry call, so it points at a whole registered version whatever the moment of death.
// A run started more than `max_attempts` times is abandoned. Audit entries are written before
// the state, so a repeated stage may appear twice in the log, never zero times.
//
// Time comes only from Observation::now_ms (an injected clock: tests drive it; `up` passes
// the wall clock). Threads: one thread drives an Orchestrator; Steps are called on it.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/registry.h"

namespace covidflow::orchestrate {

// What starts a retraining. Each kind has its own cooldown; a run in progress (watch included)
// holds every trigger back, so at most one retraining happens at a time.
struct TriggerOptions {
  int64_t min_rows = 500;   // no training on fewer lake rows (the first model's trigger)
  int64_t new_rows = 0;     // data: retrain after this many rows since the champion's (0 = off)
  bool on_drift = true;     // data: a drift event from the monitor
  int64_t interval_ms = 0;  // schedule: retrain this long after the last run started (0 = off)
  // schedule: a 5-field cron expression in UTC (orchestrate/cron.h; "" = off): retrain at the
  // first time it names after the last run started (one missed while stopped fires once).
  std::string cron;
  double min_quality = 0;        // metrics: live quality of the champion below this (0 = off)
  double quality_margin = 0;     // metrics: below the champion's validation figure minus this
                                 // (0 = off)
  int64_t min_labelled = 50;     // live quality is trusted from this many labelled predictions
  int64_t cooldown_ms = 60'000;  // per kind, from its last firing
};

// A model version's live quality (the prediction log joined with delayed labels).
struct LiveQuality {
  double value = 0;
  int64_t labelled = 0;
};

// What the loop sees at one tick; the caller gathers it (the lake, the monitor's events, the
// quality join, the registry).
struct Observation {
  int64_t now_ms = 0;
  int64_t lake_rows = 0;
  int64_t lake_max_time_ms = 0;  // the newest event time in the lake: the training window's end
  int64_t drift_events = 0;      // drift events seen so far (a count that only grows)
  std::string drift_summary;     // the newest one, for the audit
  int64_t champion = 0;          // the version the alias points at; 0 = none
  std::optional<double> champion_validation;  // its validation figure, when recorded
  std::map<int64_t, LiveQuality> live;        // by version
};

struct Trigger {
  std::string kind;  // bootstrap | data | drift | schedule | quality
  std::string reason;
};

// What the triggers remember between ticks (persisted with the loop's state).
struct TriggerMemory {
  std::map<std::string, int64_t> last_fired_ms;  // by kind
  int64_t drift_events_seen = 0;
  int64_t champion_rows = -1;  // lake rows the champion was trained on; -1 = not known yet
  int64_t last_run_ms = 0;     // when the last run started (the schedule counts from it)
};

// The first trigger that fires, updating `memory` (its cooldown starts); nullopt when none does.
// Pure apart from `memory`: no clock, no I/O. A malformed `cron` never fires (CheckTriggers
// refuses it first).
std::optional<Trigger> EvaluateTriggers(const TriggerOptions& options, const Observation& obs,
                                        TriggerMemory& memory);

// kInvalidArgument naming loop.cron (--cron) when `options.cron` is not a cron expression that
// ever fires (orchestrate/cron.h). Orchestrator::Open calls it.
Status CheckTriggers(const TriggerOptions& options);

enum class Stage {
  kTriggered,
  kTrained,
  kRegistered,
  kGated,
  kWatching,
  kDone,
  kRejected,
  kRolledBack,
  kAbandoned,
};
std::string_view StageName(Stage stage);
bool IsFinal(Stage stage);

struct PipelineRun {
  int64_t id = 0;
  Stage stage = Stage::kTriggered;
  Trigger trigger;
  int64_t started_ms = 0;
  int64_t updated_ms = 0;
  int attempts = 0;          // times a stage of it was started; see max_attempts
  int64_t window_to_ms = 0;  // training window's end (event time)
  int64_t lake_rows = 0;     // lake rows when it started
  std::string model_dir;     // the trained candidate (local)
  std::string run_id;        // its registry run
  std::string decision;      // evaluation, gate, watch or rollback: the last reason
  std::map<std::string, double> figures;
  int64_t version = 0;                  // registered version
  int64_t previous_champion = 0;        // the alias before promotion (0 = none)
  std::optional<double> previous_live;  // its live quality at promotion
  int64_t promoted_ms = 0;
};

// A trained and evaluated candidate (Steps::Train).
struct Candidate {
  std::string model_dir;  // a model directory RegisterVersion can copy
  // The registry run that recorded the training, holding model_dir as its artifact
  // registry::kRunModelArtifact (the version is then made from the run's copy); "" = none.
  std::string run_id;
  bool promote = false;  // the spec's promotion rule against the champion on the same rows
  std::string reason;    // that rule's verdict with its figures
  std::map<std::string, double> figures;
  // Its figure on the held-out rows in the units of live quality (the metrics trigger's
  // quality_margin compares the champion's live quality with it); kept on the registered
  // version as the tag `loop.validation`.
  std::optional<double> validation;
};

// A version's `loop.validation` tag (Candidate::validation), nullopt when absent or not a
// number (a version registered outside the loop).
std::optional<double> ValidationOf(const registry::ModelVersion& version);

struct GateVerdict {
  bool pass = false;
  std::string reason;
  std::map<std::string, double> figures;
};

// The work the loop delegates; app/ implements it with training, the registry and serving.
class Steps {
 public:
  virtual ~Steps() = default;
  // Trains on the lake's window ending at run.window_to_ms and evaluates against `champion`
  // (0 = none). An error is retried at the next tick (counted in attempts).
  virtual Result<Candidate> Train(const PipelineRun& run, int64_t champion) = 0;
  // Loads run.version from the registry, smoke-tests it, sends it shadow traffic and checks its
  // latency. A failed gate is a verdict, not an error; an error is retried.
  virtual Result<GateVerdict> Gate(const PipelineRun& run) = 0;
};

struct LoopOptions {
  std::string model;  // the registered model the loop serves
  std::string alias = "champion";
  std::string state_path;  // the JSON state file (its directory must exist)
  TriggerOptions triggers;
  int64_t watch_ms = 120'000;     // how long a new champion is watched for a rollback
  double rollback_margin = 0.05;  // live quality below the previous champion's by more: roll back
  int max_attempts = 3;
  std::string actor = "covidflow-loop";
  int keep_finished = 20;  // finished runs kept in the state file
};

struct LoopState {
  int64_t next_id = 1;
  std::optional<PipelineRun> current;
  std::vector<PipelineRun> finished;  // oldest first
  TriggerMemory memory;
  int64_t known_champion = -1;  // the alias as the loop last saw it; -1 = not seen yet
};

// The state file's JSON, both ways (kCorruption naming the field for a bad file).
std::string StateToJson(const LoopState& state);
Result<LoopState> StateFromJson(std::string_view text);

class Orchestrator {
 public:
  // Reads the state file (absent = a fresh loop). A run found in progress is resumed at its
  // stage by the next ticks.
  static Result<std::unique_ptr<Orchestrator>> Open(LoopOptions options,
                                                    registry::Registry& registry, Steps& steps);

  // One step: advances the current run by one stage, or, with none, watches for an alias moved
  // by hand and evaluates the triggers. Returns a line saying what happened ("" = nothing).
  // Errors of a stage are returned after counting the attempt; the next tick retries.
  Result<std::string> Tick(const Observation& obs);

  const LoopState& state() const { return state_; }

 private:
  Orchestrator(LoopOptions options, registry::Registry& registry, Steps& steps)
      : options_(std::move(options)), registry_(registry), steps_(steps) {}
  Status Save();
  Status Audit(std::string_view action, const PipelineRun& run, std::string_view from, Stage to,
               const std::string& reason);
  Result<std::string> Start(const Observation& obs);
  Result<std::string> Advance(const Observation& obs);
  Result<std::string> Finish(Stage stage, const std::string& reason);
  Result<int64_t> FindRegistered(const PipelineRun& run);

  LoopOptions options_;
  registry::Registry& registry_;
  Steps& steps_;
  LoopState state_;
};

}  // namespace covidflow::orchestrate
