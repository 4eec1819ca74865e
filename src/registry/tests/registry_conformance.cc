#include "registry/tests/registry_conformance.h"

#include <gmock/gmock.h>

#include <cmath>
#include <random>
#include <set>
#include <thread>

#include "base/fs.h"
#include "registry/names.h"

namespace covidflow::registry::testing {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string RegistryUnderTestName(const ::testing::TestParamInfo<RegistryUnderTest>& info) {
  return info.param.name;
}

void RegistryConformanceTest::SetUp() {
  Result<std::unique_ptr<Registry>> made = GetParam().make();
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  registry_ = std::move(*made);
}

std::string RegistryConformanceTest::UniqueName(std::string_view base) {
  static std::mt19937_64 gen(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(base);
  out += '-';
  uint64_t bits = gen();
  for (int i = 0; i < 10; ++i, bits >>= 4) out += kHex[bits & 15];
  return out;
}

std::string RegistryConformanceTest::MakeArtifacts(
    std::string_view name, const std::map<std::string, std::string>& files) {
  const std::string root = dir_.Sub(name);
  EXPECT_TRUE(MakeDirs(root).ok());
  for (const auto& [path, contents] : files) {
    const std::string full = root + "/" + path;
    EXPECT_TRUE(MakeDirs(DirName(full)).ok());
    EXPECT_TRUE(ReplaceFileAtomically(full, contents, full + ".tmp").ok());
  }
  return root;
}

namespace {

// Asserts a Result is ok and yields its value.
#define CF_ASSERT_OK_AND_ASSIGN(lhs, expr)                                                  \
  auto CF_CONCAT(r_, __LINE__) = (expr);                                                    \
  ASSERT_TRUE(CF_CONCAT(r_, __LINE__).ok()) << CF_CONCAT(r_, __LINE__).status().ToString(); \
  lhs = std::move(CF_CONCAT(r_, __LINE__)).value()

#define CF_ASSERT_OK(expr)                 \
  do {                                     \
    ::covidflow::Status s_ = (expr);       \
    ASSERT_TRUE(s_.ok()) << s_.ToString(); \
  } while (0)

TEST_P(RegistryConformanceTest, ExperimentsAreCreatedOnceAndFoundByName) {
  const std::string name = UniqueName("exp");
  CF_ASSERT_OK_AND_ASSIGN(Experiment a, registry_->GetOrCreateExperiment(name));
  CF_ASSERT_OK_AND_ASSIGN(Experiment b, registry_->GetOrCreateExperiment(name));
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, name);
  CF_ASSERT_OK_AND_ASSIGN(Experiment c, registry_->GetExperiment(name));
  EXPECT_EQ(c.id, a.id);
  Result<Experiment> missing = registry_->GetExperiment(UniqueName("none"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("none-"));
}

TEST_P(RegistryConformanceTest, ARunKeepsParamsMetricsTagsLineageAndStatus) {
  const std::string experiment = UniqueName("exp");
  CF_ASSERT_OK_AND_ASSIGN(
      registry::Run run,
      registry_->CreateRun(NewRun{experiment, "first", 0, {{"spec", "tweet-sentiment"}}}));
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(run.end_ms, 0);
  EXPECT_GT(run.start_ms, 0);
  RunData data;
  data.params = {{"C", "0.5"}, {"ngrams", "1-2"}};
  data.metrics = {{"loss", 0.9, 0, 1000}, {"loss", 0.5, 1, 2000}, {"macro_recall", 0.69, 0, 3000}};
  data.tags = {{"family", "linear"}};
  data.lineage = {{"data.lake", "/lake/tweets"}, {"split.train", "45615"}};
  CF_ASSERT_OK(registry_->LogRunData(run.id, data));
  CF_ASSERT_OK(registry_->EndRun(run.id, RunStatus::kFinished));

  CF_ASSERT_OK_AND_ASSIGN(registry::Run got, registry_->GetRun(run.id));
  EXPECT_EQ(got.id, run.id);
  EXPECT_EQ(got.name, "first");
  EXPECT_EQ(got.status, RunStatus::kFinished);
  EXPECT_GE(got.end_ms, got.start_ms);
  EXPECT_EQ(got.params, data.params);
  EXPECT_EQ(got.tags.at("family"), "linear");
  EXPECT_EQ(got.tags.at("spec"), "tweet-sentiment");
  EXPECT_EQ(got.lineage, data.lineage);
  ASSERT_EQ(got.metrics.size(), 3u);
  EXPECT_EQ(got.metrics[0].key, "loss");
  EXPECT_EQ(got.metrics[0].step, 0);
  EXPECT_DOUBLE_EQ(got.metrics[1].value, 0.5);
  EXPECT_EQ(got.metrics[1].timestamp_ms, 2000);
  EXPECT_DOUBLE_EQ(got.LatestMetric("loss").value(), 0.5);
  EXPECT_DOUBLE_EQ(got.LatestMetric("macro_recall").value(), 0.69);
  EXPECT_FALSE(got.LatestMetric("absent").has_value());
  CF_ASSERT_OK_AND_ASSIGN(Experiment e, registry_->GetExperiment(experiment));
  EXPECT_EQ(got.experiment_id, e.id);
}

TEST_P(RegistryConformanceTest, ParamsAreWrittenOnce) {
  CF_ASSERT_OK_AND_ASSIGN(registry::Run run,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "r", 0, {}}));
  CF_ASSERT_OK(registry_->LogRunData(run.id, RunData{{{"C", "1"}}, {}, {}, {}}));
  CF_ASSERT_OK(registry_->LogRunData(run.id, RunData{{{"C", "1"}}, {}, {}, {}}));
  Status s = registry_->LogRunData(run.id, RunData{{{"C", "2"}}, {}, {}, {}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("C"));
  CF_ASSERT_OK_AND_ASSIGN(registry::Run got, registry_->GetRun(run.id));
  EXPECT_EQ(got.params.at("C"), "1");
}

// More than MLflow takes in one log-batch call (1,000 metrics, 100 params, 100 tags): the
// backend splits, nothing is lost.
TEST_P(RegistryConformanceTest, ABatchBeyondMlflowLimitsIsStoredWhole) {
  CF_ASSERT_OK_AND_ASSIGN(registry::Run run,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "big", 0, {}}));
  RunData data;
  for (int i = 0; i < 2500; ++i) {
    data.metrics.push_back(Metric{"m" + std::to_string(i % 7), i * 0.25, i, 1000 + i});
  }
  for (int i = 0; i < 150; ++i) data.params["p" + std::to_string(i)] = std::to_string(i);
  for (int i = 0; i < 150; ++i) data.tags["t" + std::to_string(i)] = std::to_string(i);
  CF_ASSERT_OK(registry_->LogRunData(run.id, data));
  CF_ASSERT_OK_AND_ASSIGN(registry::Run got, registry_->GetRun(run.id));
  EXPECT_EQ(got.metrics.size(), 2500u);
  EXPECT_EQ(got.params.size(), 150u);
  EXPECT_EQ(got.params.at("p149"), "149");
  EXPECT_EQ(got.tags.at("t149"), "149");
  EXPECT_DOUBLE_EQ(got.LatestMetric("m0").value(), 2499 * 0.25);  // step 2499 is m0's last
}

TEST_P(RegistryConformanceTest, RunsAreListedNewestFirstByExperiment) {
  const std::string experiment = UniqueName("exp");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    CF_ASSERT_OK_AND_ASSIGN(
        registry::Run r,
        registry_->CreateRun(NewRun{experiment, "r" + std::to_string(i), 1000 + i, {}}));
    ids.push_back(r.id);
  }
  CF_ASSERT_OK_AND_ASSIGN(registry::Run other,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "x", 5000, {}}));
  CF_ASSERT_OK_AND_ASSIGN(std::vector<registry::Run> runs,
                          registry_->ListRuns(RunFilter{experiment, 10}));
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id, ids[2]);
  EXPECT_EQ(runs[2].id, ids[0]);
  CF_ASSERT_OK_AND_ASSIGN(std::vector<registry::Run> two,
                          registry_->ListRuns(RunFilter{experiment, 2}));
  EXPECT_EQ(two.size(), 2u);
  for (const registry::Run& r : runs) EXPECT_NE(r.id, other.id);
}

TEST_P(RegistryConformanceTest, EndingARunTwiceOrAnUnknownRunFails) {
  CF_ASSERT_OK_AND_ASSIGN(registry::Run run,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "r", 0, {}}));
  CF_ASSERT_OK(registry_->EndRun(run.id, RunStatus::kFailed));
  EXPECT_EQ(registry_->EndRun(run.id, RunStatus::kFinished).code(),
            StatusCode::kFailedPrecondition);
  CF_ASSERT_OK_AND_ASSIGN(registry::Run got, registry_->GetRun(run.id));
  EXPECT_EQ(got.status, RunStatus::kFailed);
  const std::string unknown = "0123456789abcdef0123456789abcdef";
  Result<registry::Run> missing = registry_->GetRun(unknown);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(unknown));
  EXPECT_EQ(registry_->LogRunData(unknown, RunData{{{"a", "b"}}, {}, {}, {}}).code(),
            StatusCode::kNotFound);
}

TEST_P(RegistryConformanceTest, RunArtifactsRoundTrip) {
  CF_ASSERT_OK_AND_ASSIGN(registry::Run run,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "r", 0, {}}));
  const std::string src =
      MakeArtifacts("run_art", {{"report.json", "{\"ok\":true}"}, {"plots/a.txt", "AAA"}});
  CF_ASSERT_OK(registry_->LogArtifacts(run.id, src, "eval"));
  const std::string dest = dir_.Sub("downloaded");
  CF_ASSERT_OK(registry_->DownloadRunArtifacts(run.id, "eval", dest));
  EXPECT_EQ(ReadWholeFile(dest + "/report.json").value(), "{\"ok\":true}");
  EXPECT_EQ(ReadWholeFile(dest + "/plots/a.txt").value(), "AAA");
  EXPECT_EQ(registry_->DownloadRunArtifacts(run.id, "absent", dir_.Sub("d2")).code(),
            StatusCode::kNotFound);
}

TEST_P(RegistryConformanceTest, VersionsAreNumberedFromOneAndCarryTheirArtifacts) {
  const std::string model = UniqueName("tweets");
  CF_ASSERT_OK_AND_ASSIGN(registry::Run run,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "r", 0, {}}));
  const std::string a = MakeArtifacts("a", {{"manifest.json", "v1"}, {"weights/w.bin", "111"}});
  const std::string b = MakeArtifacts("b", {{"manifest.json", "v2"}, {"weights/w.bin", "222"}});
  CF_ASSERT_OK_AND_ASSIGN(
      ModelVersion v1, registry_->RegisterVersion(
                           NewVersion{model, run.id, a, "first", {{"family", "linear"}}}, change_));
  CF_ASSERT_OK_AND_ASSIGN(ModelVersion v2,
                          registry_->RegisterVersion(NewVersion{model, "", b, "", {}}, change_));
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v1.model, model);
  EXPECT_EQ(v1.run_id, run.id);
  EXPECT_EQ(v1.status, VersionStatus::kReady);
  EXPECT_EQ(v1.description, "first");
  EXPECT_EQ(v1.tags.at("family"), "linear");
  EXPECT_FALSE(v1.source.empty());

  CF_ASSERT_OK_AND_ASSIGN(std::vector<ModelVersion> all, registry_->ListVersions(model));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[1].version, 2);
  CF_ASSERT_OK_AND_ASSIGN(RegisteredModel m, registry_->GetModel(model));
  EXPECT_EQ(m.latest_version, 2);
  EXPECT_EQ(m.version_count, 2);

  const std::string d1 = dir_.Sub("d1");
  CF_ASSERT_OK(registry_->DownloadVersion(model, 1, d1));
  EXPECT_EQ(ReadWholeFile(d1 + "/manifest.json").value(), "v1");
  EXPECT_EQ(ReadWholeFile(d1 + "/weights/w.bin").value(), "111");
  const std::string d2 = dir_.Sub("d2");
  CF_ASSERT_OK(registry_->DownloadVersion(model, 2, d2));
  EXPECT_EQ(ReadWholeFile(d2 + "/weights/w.bin").value(), "222");
}

// Every version carries MLflow's model format (registry/mlmodel.h), so mlflow.pyfunc loads it
// whichever backend stored it; a directory that brings its own MLmodel keeps it.
TEST_P(RegistryConformanceTest, EveryVersionCarriesMlflowsModelFormat) {
  const std::string model = UniqueName("pyfunc");
  const std::string plain = MakeArtifacts("plain", {{"manifest.json", "m"}});
  const std::string own = MakeArtifacts("own", {{"manifest.json", "m"}, {"MLmodel", "mine\n"}});
  CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", plain, "", {}}, change_).status());
  CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", own, "", {}}, change_).status());

  const std::string d1 = dir_.Sub("d1");
  CF_ASSERT_OK(registry_->DownloadVersion(model, 1, d1));
  CF_ASSERT_OK_AND_ASSIGN(std::string mlmodel, ReadWholeFile(d1 + "/MLmodel"));
  EXPECT_NE(mlmodel.find("python_function:"), std::string::npos) << mlmodel;
  EXPECT_NE(mlmodel.find("loader_module: covidflow_pyfunc"), std::string::npos) << mlmodel;
  CF_ASSERT_OK_AND_ASSIGN(std::string loader,
                          ReadWholeFile(d1 + "/code/covidflow_pyfunc/__init__.py"));
  EXPECT_NE(loader.find("def _load_pyfunc"), std::string::npos);
  EXPECT_EQ(ReadWholeFile(d1 + "/manifest.json").value(), "m");
  // The caller's directory is left as it was.
  EXPECT_FALSE(PathExists(plain + "/MLmodel"));

  const std::string d2 = dir_.Sub("d2");
  CF_ASSERT_OK(registry_->DownloadVersion(model, 2, d2));
  EXPECT_EQ(ReadWholeFile(d2 + "/MLmodel").value(), "mine\n");
}

TEST_P(RegistryConformanceTest, AFailedRegistrationLeavesNoVersion) {
  const std::string model = UniqueName("tweets");
  const std::string a = MakeArtifacts("a", {{"m", "1"}});
  EXPECT_EQ(registry_->RegisterVersion(NewVersion{model, "", dir_.Sub("missing"), "", {}}, change_)
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(registry_
                ->RegisterVersion(NewVersion{model, "0123456789abcdef0123456789abcdef", a, "", {}},
                                  change_)
                .status()
                .code(),
            StatusCode::kNotFound);
  Result<std::vector<ModelVersion>> versions = registry_->ListVersions(model);
  if (versions.ok()) {
    EXPECT_TRUE(versions->empty());
  } else {
    EXPECT_EQ(versions.status().code(), StatusCode::kNotFound);
  }
  CF_ASSERT_OK_AND_ASSIGN(ModelVersion v,
                          registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, change_));
  EXPECT_EQ(v.version, 1);
}

TEST_P(RegistryConformanceTest, AliasesPointAtVersionsAndMove) {
  const std::string model = UniqueName("tweets");
  const std::string a = MakeArtifacts("a", {{"m", "1"}});
  for (int i = 0; i < 2; ++i) {
    CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, change_).status());
  }
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 1, change_));
  CF_ASSERT_OK(registry_->SetAlias(model, "challenger", 2, change_));
  CF_ASSERT_OK_AND_ASSIGN(ModelVersion c, registry_->GetVersionByAlias(model, "champion"));
  EXPECT_EQ(c.version, 1);
  EXPECT_THAT(c.aliases, ElementsAre("champion"));
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 2, change_));
  CF_ASSERT_OK_AND_ASSIGN(ModelVersion c2, registry_->GetVersionByAlias(model, "champion"));
  EXPECT_EQ(c2.version, 2);
  EXPECT_THAT(c2.aliases, ElementsAre("challenger", "champion"));
  CF_ASSERT_OK_AND_ASSIGN(RegisteredModel m, registry_->GetModel(model));
  EXPECT_EQ(m.aliases.at("champion"), 2);
  EXPECT_EQ(m.aliases.at("challenger"), 2);
  CF_ASSERT_OK_AND_ASSIGN(ModelVersion v1, registry_->GetVersion(model, 1));
  EXPECT_TRUE(v1.aliases.empty());
}

TEST_P(RegistryConformanceTest, MissingThingsAreNotFoundAndNamed) {
  const std::string model = UniqueName("tweets");
  Result<RegisteredModel> no_model = registry_->GetModel(model);
  EXPECT_EQ(no_model.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_model.status().message(), HasSubstr(model));
  EXPECT_EQ(registry_->ListVersions(model).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->Audit(model).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->GetVersionByAlias(model, "champion").status().code(), StatusCode::kNotFound);

  const std::string a = MakeArtifacts("a", {{"m", "1"}});
  CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, change_).status());
  Result<ModelVersion> no_version = registry_->GetVersion(model, 7);
  EXPECT_EQ(no_version.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_version.status().message(), HasSubstr("version 7"));
  Status no_target = registry_->SetAlias(model, "champion", 7, change_);
  EXPECT_EQ(no_target.code(), StatusCode::kNotFound);
  EXPECT_THAT(no_target.message(), HasSubstr("version 7"));
  Result<ModelVersion> no_alias = registry_->GetVersionByAlias(model, "champion");
  EXPECT_EQ(no_alias.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_alias.status().message(), HasSubstr("champion"));
  EXPECT_EQ(registry_->DeleteAlias(model, "champion", change_).code(), StatusCode::kNotFound);
  EXPECT_EQ(registry_->DownloadVersion(model, 7, dir_.Sub("d")).code(), StatusCode::kNotFound);
}

TEST_P(RegistryConformanceTest, BadNamesAreRefusedBeforeAnythingIsStored) {
  const std::string a = MakeArtifacts("a", {{"m", "1"}});
  const std::string too_long(kMaxNameBytes + 1, 'm');
  for (const std::string& bad : {std::string("a/b"), std::string(".."), std::string("../../etc"),
                                 std::string("x\ny"), too_long, std::string()}) {
    EXPECT_EQ(registry_->RegisterVersion(NewVersion{bad, "", a, "", {}}, change_).status().code(),
              StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(registry_->CreateModel(bad, "", change_).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(registry_->GetOrCreateExperiment(bad).status().code(), StatusCode::kInvalidArgument);
  }
  const std::string model = UniqueName("tweets");
  CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, change_).status());
  EXPECT_EQ(registry_->SetAlias(model, "../x", 1, change_).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->SetAlias(model, "v1", 1, change_).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->SetAlias(model, "champion", 1, Change{"", "no actor"}).code(),
            StatusCode::kInvalidArgument);
  CF_ASSERT_OK_AND_ASSIGN(registry::Run run,
                          registry_->CreateRun(NewRun{UniqueName("exp"), "r", 0, {}}));
  EXPECT_EQ(registry_->LogRunData(run.id, RunData{{{"a/b", "1"}}, {}, {}, {}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->LogArtifacts(run.id, a, "../up").code(), StatusCode::kInvalidArgument);
  CF_ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> audit, registry_->Audit(model));
  EXPECT_EQ(audit.size(), 2u);  // create + register: the refused alias left no trace
}

TEST_P(RegistryConformanceTest, ModelsAreCreatedOnceAndListedByName) {
  const std::string b = UniqueName("zz-model");
  const std::string a = UniqueName("aa-model");
  CF_ASSERT_OK_AND_ASSIGN(RegisteredModel made, registry_->CreateModel(b, "the B model", change_));
  EXPECT_EQ(made.description, "the B model");
  EXPECT_EQ(made.latest_version, 0);
  EXPECT_EQ(registry_->CreateModel(b, "", change_).status().code(), StatusCode::kAlreadyExists);
  CF_ASSERT_OK(registry_->CreateModel(a, "", change_).status());
  CF_ASSERT_OK_AND_ASSIGN(std::vector<RegisteredModel> models, registry_->ListModels());
  int pos_a = -1;
  int pos_b = -1;
  for (size_t i = 0; i < models.size(); ++i) {
    if (models[i].name == a) pos_a = static_cast<int>(i);
    if (models[i].name == b) pos_b = static_cast<int>(i);
  }
  ASSERT_GE(pos_a, 0);
  ASSERT_GE(pos_b, 0);
  EXPECT_LT(pos_a, pos_b);
}

TEST_P(RegistryConformanceTest, EveryChangeIsAuditedWithWhoWhatFromToAndWhy) {
  const std::string model = UniqueName("tweets");
  const std::string a = MakeArtifacts("a", {{"m", "1"}});
  const Change alice{"alice", "first model"};
  const Change bob{"bob", "better macro recall"};
  CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, alice).status());
  CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, bob).status());
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 1, alice));
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 2, bob));
  CF_ASSERT_OK(registry_->SetModelTag(model, "owner", "team-a", alice));
  CF_ASSERT_OK(registry_->SetModelTag(model, "owner", "team-b", bob));
  CF_ASSERT_OK(registry_->SetVersionTag(model, 2, "validated", "yes", bob));
  CF_ASSERT_OK(registry_->DeleteAlias(model, "champion", alice));

  CF_ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> audit, registry_->Audit(model));
  ASSERT_EQ(audit.size(), 9u);
  std::vector<std::string> actions;
  for (const AuditEntry& e : audit) actions.push_back(e.action);
  EXPECT_THAT(actions, ElementsAre(kAuditCreateModel, kAuditRegisterVersion, kAuditRegisterVersion,
                                   kAuditSetAlias, kAuditSetAlias, kAuditSetModelTag,
                                   kAuditSetModelTag, kAuditSetVersionTag, kAuditDeleteAlias));
  for (size_t i = 1; i < audit.size(); ++i) {
    EXPECT_LT(audit[i - 1].seq, audit[i].seq);
    EXPECT_LE(audit[i - 1].time_ms, audit[i].time_ms);
  }
  EXPECT_EQ(audit[0].actor, "alice");
  EXPECT_EQ(audit[2].to, "2");
  EXPECT_EQ(audit[2].actor, "bob");
  EXPECT_EQ(audit[3].target, "alias champion");
  EXPECT_EQ(audit[3].from, "");
  EXPECT_EQ(audit[3].to, "1");
  EXPECT_EQ(audit[4].from, "1");
  EXPECT_EQ(audit[4].to, "2");
  EXPECT_EQ(audit[4].actor, "bob");
  EXPECT_EQ(audit[4].reason, "better macro recall");
  EXPECT_EQ(audit[6].from, "team-a");
  EXPECT_EQ(audit[6].to, "team-b");
  EXPECT_EQ(audit[8].from, "2");
  EXPECT_EQ(audit[8].to, "");
  for (const AuditEntry& e : audit) EXPECT_EQ(e.model, model);
}

TEST_P(RegistryConformanceTest, DecisionsAreAuditedBetweenChangesAndNeedAModel) {
  const std::string model = UniqueName("tweets");
  const Change loop{"loop", "macro_recall 0.71 >= 0.70"};
  EXPECT_EQ(registry_->RecordDecision(model, kAuditTrigger, "run 1", "", "triggered", loop).code(),
            StatusCode::kNotFound);
  CF_ASSERT_OK(registry_->CreateModel(model, "", loop).status());
  CF_ASSERT_OK(registry_->RecordDecision(model, kAuditTrigger, "run 1", "", "triggered", loop));
  EXPECT_EQ(registry_->RecordDecision(model, "", "run 1", "", "x", loop).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(registry_->RecordDecision(model, kAuditGate, "run 1", "", "x", Change{}).code(),
            StatusCode::kInvalidArgument);
  CF_ASSERT_OK(registry_->RecordDecision(model, kAuditGate, "run 1", "registered", "gated", loop));

  CF_ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> audit, registry_->Audit(model));
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[1].action, kAuditTrigger);
  EXPECT_EQ(audit[2].action, kAuditGate);
  EXPECT_EQ(audit[2].target, "run 1");
  EXPECT_EQ(audit[2].from, "registered");
  EXPECT_EQ(audit[2].to, "gated");
  EXPECT_EQ(audit[2].actor, "loop");
  EXPECT_EQ(audit[2].reason, "macro_recall 0.71 >= 0.70");
}

TEST_P(RegistryConformanceTest, RollbackWalksTheAliasHistoryBack) {
  const std::string model = UniqueName("tweets");
  const std::string a = MakeArtifacts("a", {{"m", "1"}});
  for (int i = 0; i < 3; ++i) {
    CF_ASSERT_OK(registry_->RegisterVersion(NewVersion{model, "", a, "", {}}, change_).status());
  }
  EXPECT_EQ(RollbackAlias(*registry_, model, "champion", change_).status().code(),
            StatusCode::kNotFound);
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 1, change_));
  Result<int64_t> none = RollbackAlias(*registry_, model, "champion", change_);
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.status().message(), HasSubstr("champion"));
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 3, change_));
  CF_ASSERT_OK(registry_->SetAlias(model, "challenger", 2, change_));  // another alias: ignored
  CF_ASSERT_OK(registry_->SetAlias(model, "champion", 2, change_));
  CF_ASSERT_OK_AND_ASSIGN(int64_t back, RollbackAlias(*registry_, model, "champion",
                                                      Change{"ops", "bad recall on monday"}));
  EXPECT_EQ(back, 3);
  CF_ASSERT_OK_AND_ASSIGN(ModelVersion now, registry_->GetVersionByAlias(model, "champion"));
  EXPECT_EQ(now.version, 3);
  CF_ASSERT_OK_AND_ASSIGN(int64_t further, RollbackAlias(*registry_, model, "champion", change_));
  EXPECT_EQ(further, 1);
  EXPECT_EQ(RollbackAlias(*registry_, model, "champion", change_).status().code(),
            StatusCode::kFailedPrecondition);
  CF_ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> audit, registry_->Audit(model));
  const AuditEntry& first_rollback = audit[audit.size() - 2];
  EXPECT_EQ(first_rollback.action, kAuditRollbackAlias);
  EXPECT_EQ(first_rollback.from, "2");
  EXPECT_EQ(first_rollback.to, "3");
  EXPECT_EQ(first_rollback.actor, "ops");
  EXPECT_EQ(first_rollback.reason, "bad recall on monday");
}

TEST_P(RegistryConformanceTest, ConcurrentRegistrationsGetDistinctNumbers) {
  const std::string model = UniqueName("tweets");
  constexpr int kThreads = 4;
  constexpr int kEach = 3;
  std::vector<std::string> dirs;
  for (int t = 0; t < kThreads; ++t) {
    dirs.push_back(MakeArtifacts("t" + std::to_string(t), {{"who", std::to_string(t)}}));
  }
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Result<ModelVersion> v =
            registry_->RegisterVersion(NewVersion{model, "", dirs[t], "", {}}, change_);
        EXPECT_TRUE(v.ok()) << v.status().ToString();
        if (v.ok()) got[t].push_back(v->version);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<int64_t> numbers;
  for (int t = 0; t < kThreads; ++t) {
    for (int64_t n : got[t]) {
      EXPECT_TRUE(numbers.insert(n).second) << "version " << n << " given twice";
      const std::string d = dir_.Sub("check-" + std::to_string(n));
      ASSERT_TRUE(registry_->DownloadVersion(model, n, d).ok());
      EXPECT_EQ(ReadWholeFile(d + "/who").value(), std::to_string(t)) << "version " << n;
    }
  }
  EXPECT_EQ(numbers.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), kThreads * kEach);
}

}  // namespace
}  // namespace covidflow::registry::testing
