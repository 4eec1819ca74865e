// The MLflow backend against a real `mlflow server` (label "mlflow"): what the conformance
// suite does not cover — log-batch split within MLflow's limits, artifacts through the proxy,
// and registrations that fail halfway leaving no version and no alias on one.
#include "registry/mlflow/mlflow_registry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "base/failpoint.h"
#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "registry/mlflow/tests/server.h"
#include "registry/mlmodel.h"

namespace covidflow::registry::mlflow {
namespace {

std::string Unique(std::string_view prefix) {
  return std::string(prefix) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

class MlflowRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    url_ = TestServerUrl(&why);
    ASSERT_FALSE(url_.empty()) << why;
    auto r = OpenMlflowRegistry(url_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    registry_ = std::move(*r);
  }
  void TearDown() override { failpoint::DisarmAll(); }

  // A directory with two files, one in a subfolder.
  std::string ModelDir(std::string_view content) {
    const std::string dir = tmp_.path() + "/" + Unique("model");
    EXPECT_TRUE(MakeDirs(dir + "/sub").ok());
    EXPECT_TRUE(ReplaceFileAtomically(dir + "/model.bin", content, dir + "/.t").ok());
    EXPECT_TRUE(ReplaceFileAtomically(dir + "/sub/meta.json", "{\"k\":1}", dir + "/.t").ok());
    return dir;
  }

  std::string url_;
  std::unique_ptr<Registry> registry_;
  covidflow::testing::TempDir tmp_;
  const Change change_{"tester", "because"};
};

TEST_F(MlflowRegistryTest, LogBatchBeyondMlflowsLimitsKeepsEveryEntry) {
  auto run = registry_->CreateRun({Unique("exp"), "big", 0, {}});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  RunData data;
  for (int i = 0; i < 250; ++i) data.params["p" + std::to_string(i)] = std::to_string(i);
  for (int i = 0; i < 130; ++i) data.tags["t" + std::to_string(i)] = "v" + std::to_string(i);
  data.lineage["data.lake"] = "/lake";
  for (int i = 0; i < 2500; ++i) {
    data.metrics.push_back({"loss", 1.0 / (i + 1), i, 1'700'000'000'000 + i});
  }
  ASSERT_TRUE(registry_->LogRunData(run->id, data).ok());
  auto got = registry_->GetRun(run->id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->params.size(), 250u);
  EXPECT_EQ(got->params.at("p249"), "249");
  EXPECT_EQ(got->tags.size(), 130u);
  EXPECT_EQ(got->tags.at("t129"), "v129");
  EXPECT_EQ(got->lineage.at("data.lake"), "/lake");
  ASSERT_EQ(got->metrics.size(), 2500u);
  EXPECT_EQ(got->metrics[0].step, 0);
  EXPECT_DOUBLE_EQ(got->metrics[2499].value, 1.0 / 2500);
  EXPECT_DOUBLE_EQ(*got->LatestMetric("loss"), 1.0 / 2500);
  // Params are write-once: another value for one is refused, naming nothing silently.
  RunData again;
  again.params["p1"] = "changed";
  EXPECT_EQ(registry_->LogRunData(run->id, again).code(), StatusCode::kInvalidArgument);
}

TEST_F(MlflowRegistryTest, ArtifactsRoundTripThroughTheProxy) {
  const std::string model = Unique("roundtrip");
  auto v = registry_->RegisterVersion({model, "", ModelDir("weights-1"), "first", {{"k", "v"}}},
                                      change_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->run_id, "");  // the run holding its files is MLflow's business
  EXPECT_EQ(v->tags, (StringMap{{"k", "v"}}));
  const std::string dest = tmp_.path() + "/" + Unique("down");
  ASSERT_TRUE(registry_->DownloadVersion(model, 1, dest).ok());
  EXPECT_EQ(*ReadWholeFile(dest + "/model.bin"), "weights-1");
  EXPECT_EQ(*ReadWholeFile(dest + "/sub/meta.json"), "{\"k\":1}");
  // MLflow's model format came with it (registry/mlmodel.h).
  auto mlmodel = ReadWholeFile(dest + "/MLmodel");
  ASSERT_TRUE(mlmodel.ok());
  EXPECT_NE(mlmodel->find("loader_module: covidflow_pyfunc"), std::string::npos) << *mlmodel;
  EXPECT_TRUE(PathExists(dest + "/code/covidflow_pyfunc/__init__.py"));
}

// A failure before the version is created (after every file is up) leaves no version; the
// champion stays where it was.
TEST_F(MlflowRegistryTest, FailureBeforeCreateLeavesNoVersionAndTheAliasInPlace) {
  const std::string model = Unique("halfway");
  ASSERT_TRUE(registry_->RegisterVersion({model, "", ModelDir("w1"), "", {}}, change_).ok());
  ASSERT_TRUE(registry_->SetAlias(model, "champion", 1, change_).ok());

  failpoint::Arm("registry.mlflow.register.before_create", failpoint::Action::kError);
  EXPECT_FALSE(registry_->RegisterVersion({model, "", ModelDir("w2"), "", {}}, change_).ok());
  failpoint::Arm("registry.mlflow.upload.after_file", failpoint::Action::kError);
  EXPECT_FALSE(registry_->RegisterVersion({model, "", ModelDir("w3"), "", {}}, change_).ok());

  auto versions = registry_->ListVersions(model);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 1u);
  auto champion = registry_->GetVersionByAlias(model, "champion");
  ASSERT_TRUE(champion.ok());
  EXPECT_EQ(champion->version, 1);
}

// A failure after MLflow made the version (before it is recorded) removes the version again.
TEST_F(MlflowRegistryTest, FailureAfterCreateRemovesTheVersion) {
  const std::string model = Unique("after-create");
  ASSERT_TRUE(registry_->RegisterVersion({model, "", ModelDir("w1"), "", {}}, change_).ok());
  failpoint::Arm("registry.mlflow.register.before_audit", failpoint::Action::kError);
  EXPECT_FALSE(registry_->RegisterVersion({model, "", ModelDir("w2"), "", {}}, change_).ok());
  auto versions = registry_->ListVersions(model);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ(registry_->GetVersion(model, 2).status().code(), StatusCode::kNotFound);
  // The next registration still gets a whole version, and the alias can move to it.
  auto v3 = registry_->RegisterVersion({model, "", ModelDir("w3"), "", {}}, change_);
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  ASSERT_TRUE(registry_->SetAlias(model, "champion", v3->version, change_).ok());
  const std::string dest = tmp_.path() + "/" + Unique("down");
  ASSERT_TRUE(registry_->DownloadVersion(model, v3->version, dest).ok());
  EXPECT_EQ(*ReadWholeFile(dest + "/model.bin"), "w3");
}

// A model the run logged already (as `train --register` does) becomes the version from the
// run's copy: the run's artifacts hold it once, and the version downloads whole, MLflow's model
// format added beside it.
TEST_F(MlflowRegistryTest, ARunsLoggedModelIsStoredOnce) {
  const std::string model = Unique("once");
  auto run = registry_->CreateRun({Unique("exp"), "train", 0, {}});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const std::string dir = ModelDir("w1");
  ASSERT_TRUE(registry_->LogArtifacts(run->id, dir, "model").ok());
  NewVersion nv{model, run->id, dir, "", {}};
  nv.run_artifact_path = "model";
  auto v = registry_->RegisterVersion(nv, change_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->run_id, run->id);
  EXPECT_EQ(v->source.substr(v->source.size() - 6), "/model") << v->source;

  const std::string all = tmp_.path() + "/" + Unique("run");
  ASSERT_TRUE(registry_->DownloadRunArtifacts(run->id, "", all).ok());
  auto names = ListDir(all);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"model"});
  const std::string dest = tmp_.path() + "/" + Unique("down");
  ASSERT_TRUE(registry_->DownloadVersion(model, v->version, dest).ok());
  EXPECT_EQ(*ReadWholeFile(dest + "/model.bin"), "w1");
  EXPECT_TRUE(PathExists(dest + "/sub/meta.json"));
  EXPECT_TRUE(PathExists(dest + "/" + std::string(kMlmodelFile)));

  // A path the run does not hold is refused before anything is made.
  nv.run_artifact_path = "elsewhere";
  EXPECT_EQ(registry_->RegisterVersion(nv, change_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->ListVersions(model)->size(), 1u);
}

// MLflow made the version but its answer never came back: the registration finds that version
// again instead of creating a second one.
TEST_F(MlflowRegistryTest, ALostCreateAnswerMakesOneVersion) {
  const std::string model = Unique("lost-answer");
  failpoint::Arm("registry.mlflow.register.answer_lost", failpoint::Action::kError);
  auto v = registry_->RegisterVersion({model, "", ModelDir("w1"), "", {{"k", "v"}}}, change_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(failpoint::Armed().empty()) << "the failpoint was never reached";
  auto versions = registry_->ListVersions(model);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ(versions->front().version, v->version);
  EXPECT_EQ(versions->front().tags, (StringMap{{"k", "v"}}));  // the internal tag is not shown
}

TEST_F(MlflowRegistryTest, AuditRecordsEveryChangeInOrder) {
  const std::string model = Unique("audited");
  ASSERT_TRUE(registry_->RegisterVersion({model, "", ModelDir("w1"), "", {}}, change_).ok());
  ASSERT_TRUE(registry_->RegisterVersion({model, "", ModelDir("w2"), "", {}}, change_).ok());
  ASSERT_TRUE(registry_->SetAlias(model, "champion", 1, change_).ok());
  ASSERT_TRUE(registry_->SetAlias(model, "champion", 2, {"ops", "better f1"}).ok());
  auto back = RollbackAlias(*registry_, model, "champion", {"ops", "regression"});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, 1);
  auto audit = registry_->Audit(model);
  ASSERT_TRUE(audit.ok());
  std::vector<std::string> actions;
  for (const AuditEntry& e : *audit) actions.push_back(e.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"create_model", "register_version", "register_version",
                                      "set_alias", "set_alias", "rollback_alias"}));
  EXPECT_EQ(audit->at(4).from, "1");
  EXPECT_EQ(audit->at(4).to, "2");
  EXPECT_EQ(audit->at(4).actor, "ops");
  EXPECT_EQ(audit->at(4).reason, "better f1");
  EXPECT_EQ(audit->back().seq, 6);
  // The audit tags are not the model's tags.
  auto m = registry_->GetModel(model);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->tags.empty());
  EXPECT_EQ(m->aliases.at("champion"), 1);
}

TEST_F(MlflowRegistryTest, MissingThingsAreNotFoundNamingThem) {
  const std::string model = Unique("missing");
  auto m = registry_->GetModel(model);
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find(model), std::string::npos);
  ASSERT_TRUE(registry_->RegisterVersion({model, "", ModelDir("w"), "", {}}, change_).ok());
  auto v = registry_->GetVersion(model, 9);
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find("version 9"), std::string::npos);
  auto a = registry_->GetVersionByAlias(model, "champion");
  EXPECT_EQ(a.status().code(), StatusCode::kNotFound);
  EXPECT_NE(a.status().message().find("alias 'champion'"), std::string::npos);
  EXPECT_EQ(registry_->GetRun("0123456789abcdef0123456789abcdef").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(registry_->GetModel("../etc").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::registry::mlflow
