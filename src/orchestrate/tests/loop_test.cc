#include "orchestrate/loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/failpoint.h"
#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "registry/embedded.h"

namespace covidflow::orchestrate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMin = 60'000;

// ---- triggers, on an injected clock ----

TriggerOptions Options() {
  TriggerOptions o;
  o.min_rows = 100;
  o.new_rows = 500;
  o.on_drift = true;
  o.interval_ms = 0;
  o.min_quality = 0.6;
  o.quality_margin = 0.1;
  o.min_labelled = 20;
  o.cooldown_ms = 5 * kMin;
  return o;
}

Observation At(int64_t now_ms, int64_t rows, int64_t champion = 1) {
  Observation obs;
  obs.now_ms = now_ms;
  obs.lake_rows = rows;
  obs.champion = champion;
  return obs;
}

TEST(TriggersTest, TheFirstModelWaitsForEnoughRowsThenFiresOncePerCooldown) {
  TriggerMemory m;
  EXPECT_FALSE(EvaluateTriggers(Options(), At(0, 99, 0), m));
  auto t = EvaluateTriggers(Options(), At(1000, 100, 0), m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "bootstrap");
  EXPECT_FALSE(EvaluateTriggers(Options(), At(1000 + 5 * kMin - 1, 200, 0), m));
  EXPECT_TRUE(EvaluateTriggers(Options(), At(1000 + 5 * kMin, 200, 0), m));
}

TEST(TriggersTest, NewRowsCountFromTheChampionsData) {
  TriggerMemory m;
  // A champion not trained by the loop: its data is the lake as first seen.
  EXPECT_FALSE(EvaluateTriggers(Options(), At(0, 1000), m));
  EXPECT_EQ(m.champion_rows, 1000);
  EXPECT_FALSE(EvaluateTriggers(Options(), At(kMin, 1499), m));
  auto t = EvaluateTriggers(Options(), At(2 * kMin, 1500), m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "data");
  EXPECT_THAT(t->reason, HasSubstr("500 new lake rows"));
  EXPECT_FALSE(EvaluateTriggers(Options(), At(3 * kMin, 1600), m)) << "cooldown";
  EXPECT_TRUE(EvaluateTriggers(Options(), At(7 * kMin, 1600), m));
}

TEST(TriggersTest, ADriftEventFiresOnceAndWaitsOutTheCooldown) {
  TriggerMemory m;
  Observation obs = At(0, 1000);
  obs.drift_events = 1;
  obs.drift_summary = "sentiment_label drifted";
  auto t = EvaluateTriggers(Options(), obs, m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "drift");
  EXPECT_THAT(t->reason, HasSubstr("sentiment_label drifted"));
  // The loop marks events answered when a run starts; a new one inside the cooldown waits.
  m.drift_events_seen = 1;
  obs.now_ms = kMin;
  obs.drift_events = 2;
  EXPECT_FALSE(EvaluateTriggers(Options(), obs, m));
  obs.now_ms = 5 * kMin;
  EXPECT_TRUE(EvaluateTriggers(Options(), obs, m)) << "the pending event fires after it";
  TriggerOptions off = Options();
  off.on_drift = false;
  TriggerMemory fresh;
  EXPECT_FALSE(EvaluateTriggers(off, obs, fresh));
}

TEST(TriggersTest, LiveQualityBelowAThresholdOrTheValidationFigureByAMargin) {
  TriggerOptions o = Options();
  TriggerMemory m;
  Observation obs = At(0, 1000);
  obs.champion_validation = 0.8;
  obs.live[1] = {0.55, 19};
  EXPECT_FALSE(EvaluateTriggers(o, obs, m)) << "too few labelled rows to trust";
  obs.live[1] = {0.55, 20};
  auto t = EvaluateTriggers(o, obs, m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "quality");
  EXPECT_THAT(t->reason, HasSubstr("< threshold 0.6000"));

  TriggerMemory m2;
  obs.live[1] = {0.69, 40};
  t = EvaluateTriggers(o, obs, m2);
  ASSERT_TRUE(t);
  EXPECT_THAT(t->reason, HasSubstr("< validation 0.8000 - 0.1000"));
  TriggerMemory m3;
  obs.live[1] = {0.71, 40};
  EXPECT_FALSE(EvaluateTriggers(o, obs, m3));
  // Another version's quality is not the champion's.
  obs.live = {{2, {0.1, 100}}};
  EXPECT_FALSE(EvaluateTriggers(o, obs, m3));
}

TEST(TriggersTest, TheScheduleCountsFromTheLastRun) {
  TriggerOptions o = Options();
  o.interval_ms = 10 * kMin;
  TriggerMemory m;
  m.last_run_ms = 0;
  EXPECT_FALSE(EvaluateTriggers(o, At(10 * kMin - 1, 1000), m));
  auto t = EvaluateTriggers(o, At(10 * kMin, 1000), m);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "schedule");
}

// ---- the state machine on a real embedded registry ----

// Trains nothing: writes a small artifact directory per run, with a verdict chosen by the test.
// The registry, the state file and the audit are real.
class FakeSteps : public Steps {
 public:
  explicit FakeSteps(std::string dir) : dir_(std::move(dir)) {}
  Result<Candidate> Train(const PipelineRun& run, int64_t champion) override {
    ++trained;
    if (fail_train) return Status::Unavailable("lake not readable");
    Candidate c;
    c.model_dir = dir_ + "/run-" + std::to_string(run.id) + "-" + std::to_string(trained);
    RETURN_IF_ERROR(MakeDirs(c.model_dir));
    const std::string file = c.model_dir + "/model.txt";
    RETURN_IF_ERROR(
        ReplaceFileAtomically(file, "model of run " + std::to_string(run.id), file + ".tmp"));
    c.promote = promote;
    c.reason = promote ? "macro_recall 0.7100 >= champion v" + std::to_string(champion)
                       : "macro_recall 0.6000 < champion";
    c.figures = {{"validation_macro_recall", promote ? 0.71 : 0.6}};
    c.validation = promote ? 0.71 : 0.6;
    return c;
  }
  Result<GateVerdict> Gate(const PipelineRun&) override {
    ++gated;
    return GateVerdict{gate_pass,
                       gate_pass ? "smoke 5/5, shadow 50 requests" : "p99 latency over budget",
                       {{"p99_ms", gate_pass ? 3.0 : 80.0}}};
  }
  bool promote = true;
  bool gate_pass = true;
  bool fail_train = false;
  int trained = 0;
  int gated = 0;

 private:
  std::string dir_;
};

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    failpoint::DisarmAll();
    ASSERT_TRUE(MakeDirs(dir_.Sub("work")).ok());
  }
  void TearDown() override { failpoint::DisarmAll(); }

  std::unique_ptr<registry::Registry> OpenRegistry() {
    auto r =
        registry::OpenEmbeddedRegistry({dir_.Sub("reg/registry.db"), dir_.Sub("reg/artifacts")});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  LoopOptions Loop() {
    LoopOptions o;
    o.model = "tweets";
    o.state_path = dir_.Sub("state.json");
    o.triggers = Options();
    o.watch_ms = 10 * kMin;
    o.rollback_margin = 0.05;
    return o;
  }
  std::unique_ptr<Orchestrator> Open(registry::Registry& reg, Steps& steps) {
    auto o = Orchestrator::Open(Loop(), reg, steps);
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? std::move(*o) : nullptr;
  }
  // Ticks until no run is current (at most `max` ticks), returning what each tick said.
  static std::vector<std::string> RunToEnd(Orchestrator& o, Observation obs, int max = 12) {
    std::vector<std::string> said;
    for (int i = 0; i < max; ++i) {
      auto r = o.Tick(obs);
      if (!r.ok()) {
        said.push_back("error: " + r.status().ToString());
      } else if (!r->empty()) {
        said.push_back(*r);
      }
      if (!o.state().current && i > 0) break;
      obs.now_ms += 1000;
    }
    return said;
  }
  std::vector<std::string> Actions(registry::Registry& reg) {
    std::vector<std::string> out;
    auto audit = reg.Audit("tweets");
    EXPECT_TRUE(audit.ok()) << audit.status().ToString();
    if (audit.ok()) {
      for (const auto& e : *audit) out.push_back(e.action);
    }
    return out;
  }
  int64_t Champion(registry::Registry& reg) {
    auto v = reg.GetVersionByAlias("tweets", "champion");
    return v.ok() ? v->version : 0;
  }

  testing::TempDir dir_{"cf_loop"};
};

TEST_F(LoopTest, AFirstModelIsTrainedRegisteredGatedPromotedWatchedAndKept) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  auto loop = Open(*reg, steps);
  Observation obs = At(0, 1000, 0);
  obs.lake_max_time_ms = 1'600'000'000'000;
  auto said = RunToEnd(*loop, obs, 5);
  ASSERT_GE(said.size(), 5u);
  EXPECT_THAT(said[0], HasSubstr("triggered by bootstrap"));
  EXPECT_THAT(said[4], HasSubstr("promoted v1 to @champion"));
  EXPECT_EQ(Champion(*reg), 1);
  ASSERT_TRUE(loop->state().current);
  EXPECT_EQ(loop->state().current->stage, Stage::kWatching);
  EXPECT_EQ(loop->state().current->window_to_ms, 1'600'000'000'000);

  // Nothing fires during the watch, even a drift event; after it the run is done.
  obs.champion = 1;
  obs.drift_events = 1;
  obs.now_ms = 5 * kMin;
  auto r = loop->Tick(obs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "");
  obs.now_ms = 20 * kMin;
  r = loop->Tick(obs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r, HasSubstr("done (kept after the watch"));
  EXPECT_FALSE(loop->state().current);
  // Now the pending drift event starts the next run.
  r = loop->Tick(obs);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(*r, HasSubstr("run 2: triggered by drift"));

  EXPECT_THAT(Actions(*reg), ElementsAre("create_model", "trigger", "train", "register_version",
                                         "staging_gate", "set_alias", "watch", "trigger"));
  auto audit = reg->Audit("tweets");
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ((*audit)[2].target, "run 1");
  EXPECT_EQ((*audit)[2].from, "triggered");
  EXPECT_EQ((*audit)[2].to, "trained");
  EXPECT_THAT((*audit)[2].reason, HasSubstr("validation_macro_recall=0.7100"));
  EXPECT_THAT((*audit)[5].reason, HasSubstr("run 1 promoted v1 over no champion"));
  // The candidate's validation figure rides on the version, for the metrics trigger's margin.
  auto v1 = reg->GetVersion("tweets", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(ValidationOf(*v1), std::optional<double>(0.71));
  registry::ModelVersion by_hand;
  EXPECT_EQ(ValidationOf(by_hand), std::nullopt);
  by_hand.tags["loop.validation"] = "high";
  EXPECT_EQ(ValidationOf(by_hand), std::nullopt);

  // The state survives a restart as written.
  auto again = Open(*reg, steps);
  EXPECT_EQ(StateToJson(again->state()), StateToJson(loop->state()));
}

TEST_F(LoopTest, ALosingCandidateIsRejectedAtEvaluationAndAFailedGateLeavesTheChampion) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  auto loop = Open(*reg, steps);
  RunToEnd(*loop, At(0, 1000, 0), 5);
  ASSERT_EQ(Champion(*reg), 1);
  Observation obs = At(30 * kMin, 1000);
  RunToEnd(*loop, obs, 2);  // the watch ends
  ASSERT_FALSE(loop->state().current);

  steps.promote = false;
  obs.drift_events = 1;
  auto said = RunToEnd(*loop, obs);
  ASSERT_FALSE(said.empty());
  EXPECT_THAT(said.back(), HasSubstr("rejected (evaluation: macro_recall 0.6000 < champion"));
  auto versions = reg->ListVersions("tweets");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 1u) << "a losing candidate is not registered";

  steps.promote = true;
  steps.gate_pass = false;
  obs.drift_events = 2;
  obs.now_ms += 10 * kMin;
  said = RunToEnd(*loop, obs);
  ASSERT_FALSE(said.empty());
  EXPECT_THAT(said.back(), HasSubstr("rejected (staging gate: p99 latency over budget)"));
  EXPECT_EQ(Champion(*reg), 1);
  EXPECT_EQ(loop->state().finished.back().version, 2);
  EXPECT_EQ(Actions(*reg).back(), "reject");
}

TEST_F(LoopTest, ANewChampionWorseThanThePreviousLiveIsRolledBack) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  auto loop = Open(*reg, steps);
  RunToEnd(*loop, At(0, 1000, 0), 5);
  Observation obs = At(30 * kMin, 1000);
  RunToEnd(*loop, obs, 2);
  obs.drift_events = 1;
  obs.live[1] = {0.80, 100};
  RunToEnd(*loop, obs, 5);  // run 2 promoted v2, watching
  ASSERT_EQ(Champion(*reg), 2);
  obs.champion = 2;
  obs.live[2] = {0.76, 10};
  auto r = loop->Tick(obs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "") << "too few labelled rows to judge";
  obs.live[2] = {0.74, 60};
  r = loop->Tick(obs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(*r, HasSubstr("rolled_back (run 2 rollback: v2 live 0.7400 on 60 labelled "
                            "predictions, previous v1 0.8000"));
  EXPECT_EQ(Champion(*reg), 1);
  EXPECT_EQ(Actions(*reg).back(), "watch");
  auto audit = reg->Audit("tweets");
  EXPECT_EQ((*audit)[audit->size() - 2].action, registry::kAuditRollbackAlias);
}

TEST_F(LoopTest, AnAliasMovedByHandIsWatchedAndRolledBack) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  auto loop = Open(*reg, steps);
  RunToEnd(*loop, At(0, 1000, 0), 5);
  Observation obs = At(30 * kMin, 1000);
  RunToEnd(*loop, obs, 2);
  ASSERT_TRUE(
      reg->RegisterVersion({"tweets", "", steps.Train(PipelineRun{}, 1)->model_dir, "bad", {}},
                           {"alice", "a hunch"})
          .ok());
  ASSERT_TRUE(reg->SetAlias("tweets", "champion", 2, {"alice", "a hunch"}).ok());
  obs.champion = 2;
  obs.live[1] = {0.8, 100};
  auto r = loop->Tick(obs);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(*r, HasSubstr("watching v2 (alias champion moved from v1 to v2 outside the loop)"));
  obs.live[2] = {0.3, 100};
  r = loop->Tick(obs);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(*r, HasSubstr("rolled_back"));
  EXPECT_EQ(Champion(*reg), 1);
}

TEST_F(LoopTest, AStageThatKeepsFailingIsAbandonedAfterMaxAttempts) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  steps.fail_train = true;
  auto loop = Open(*reg, steps);
  auto said = RunToEnd(*loop, At(0, 1000, 0), 8);
  EXPECT_EQ(steps.trained, 3);
  ASSERT_FALSE(said.empty());
  EXPECT_THAT(said.back(), HasSubstr("abandoned (gave up at stage triggered after 3 attempts)"));
  EXPECT_EQ(Actions(*reg).back(), "abandon");
  EXPECT_EQ(Champion(*reg), 0);
}

TEST_F(LoopTest, ABadCronExpressionIsRefusedAtOpenBeforeTheStateIsWritten) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  LoopOptions o = Loop();
  o.triggers.cron = "0 0 31 2 *";
  auto loop = Orchestrator::Open(o, *reg, steps);
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(loop.status().message(), HasSubstr("loop.cron (--cron): cron '0 0 31 2 *'"));
  EXPECT_FALSE(PathExists(o.state_path));
}

TEST_F(LoopTest, ABadStateFileIsCorruptionNotACrash) {
  auto reg = OpenRegistry();
  FakeSteps steps(dir_.Sub("work"));
  ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub("state.json"), "{\"format\": 1}", dir_.Sub("t")).ok());
  auto o = Orchestrator::Open(Loop(), *reg, steps);
  EXPECT_EQ(o.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(StateFromJson("[").status().code(), StatusCode::kCorruption);
}

// kill -9 at each moment where a stage's effect is done and not yet recorded (and while the
// state itself is written): a restart finishes the run with one version, the alias on it, and
// the version's artifacts whole.
TEST_F(LoopTest, KillNineAtEveryStepThenARestartFinishesTheRunCleanly) {
  const std::vector<std::pair<std::string, int>> points = {
      {"orchestrate.before_save", 1},      {"orchestrate.before_save", 3},
      {"orchestrate.after_train", 1},      {"orchestrate.before_save", 5},
      {"orchestrate.after_register", 1},   {"orchestrate.after_gate", 1},
      {"orchestrate.after_promote", 1},    {"orchestrate.before_save", 8},
      {"registry.alias.before_commit", 1},
  };
  int round = 0;
  for (const auto& [point, hit] : points) {
    ++round;
    SCOPED_TRACE(point + "@" + std::to_string(hit));
    ASSERT_TRUE(RemoveTree(dir_.Sub("reg")).ok());
    ASSERT_TRUE(RemoveFileIfExists(dir_.Sub("state.json")).ok());
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto reg = OpenRegistry();
      FakeSteps steps(dir_.Sub("work"));
      auto loop = Open(*reg, steps);
      failpoint::Arm(point, failpoint::Action::kKill, hit);
      RunToEnd(*loop, At(0, 1000, 0), 6);
      _exit(3);  // the point was never reached
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

    auto reg = OpenRegistry();
    FakeSteps steps(dir_.Sub("work"));
    auto loop = Open(*reg, steps);
    Observation obs = At(1000, 1000, Champion(*reg));
    for (int i = 0;
         i < 8 && !(loop->state().current && loop->state().current->stage == Stage::kWatching);
         ++i) {
      auto r = loop->Tick(obs);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      obs.champion = Champion(*reg);
    }
    ASSERT_TRUE(loop->state().current);
    EXPECT_EQ(loop->state().current->stage, Stage::kWatching);
    EXPECT_EQ(loop->state().current->id, 1);
    auto versions = reg->ListVersions("tweets");
    ASSERT_TRUE(versions.ok());
    EXPECT_EQ(versions->size(), 1u) << "registered once";
    ASSERT_EQ(Champion(*reg), 1);
    const std::string got = dir_.Sub("download-" + std::to_string(round));
    ASSERT_TRUE(reg->DownloadVersion("tweets", 1, got).ok());
    auto text = ReadWholeFile(got + "/model.txt");
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_EQ(*text, "model of run 1");
  }
}

}  // namespace
}  // namespace covidflow::orchestrate
