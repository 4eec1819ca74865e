// Writes through covidflow's MLflow backend what tests/integration/mlflow_client_test.py then
// reads back through MLflow's own Python client: an experiment, a finished run with params,
// a metric history, tags, lineage and artifacts, two versions of a model from that run, and
// the aliases champion → 2 and challenger → 1. Prints the ids as one JSON line.
//   registry_mlflow_driver URL EXPERIMENT MODEL WORKDIR
#include <cstdio>
#include <string>

#include "base/fs.h"
#include "registry/mlflow/mlflow_registry.h"

namespace {

using namespace covidflow;            // NOLINT: a small test program
using namespace covidflow::registry;  // NOLINT

int Fail(const Status& s) {
  std::fprintf(stderr, "registry_mlflow_driver: %s\n", s.ToString().c_str());
  return 1;
}

Status WriteFile(const std::string& path, std::string_view data) {
  return ReplaceFileAtomically(path, data, path + ".tmp");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: registry_mlflow_driver URL EXPERIMENT MODEL WORKDIR\n");
    return 2;
  }
  const std::string url = argv[1], experiment = argv[2], model = argv[3], work = argv[4];
  auto opened = mlflow::OpenMlflowRegistry(url);
  if (!opened.ok()) return Fail(opened.status());
  Registry& reg = **opened;

  auto run = reg.CreateRun({experiment, "train-sample", 0, {{"team", "nlp"}}});
  if (!run.ok()) return Fail(run.status());
  RunData data;
  data.params = {{"learning_rate", "0.1"}, {"max_depth", "6"}};
  data.tags = {{"family", "xgboost"}};
  data.lineage = {{"data.lake", "/lake/tweets"}, {"data.window", "2020-03-01..2020-04-01"}};
  for (int step = 0; step < 5; ++step) {
    data.metrics.push_back({"loss", 1.0 - 0.125 * step, step, 1'700'000'000'000 + step});
  }
  data.metrics.push_back({"f1", 0.8125, 0, 1'700'000'000'000});
  if (Status s = reg.LogRunData(run->id, data); !s.ok()) return Fail(s);

  const std::string report = work + "/report";
  if (Status s = MakeDirs(report); !s.ok()) return Fail(s);
  if (Status s = WriteFile(report + "/summary.txt", "f1=0.8125\n"); !s.ok()) return Fail(s);
  if (Status s = reg.LogArtifacts(run->id, report, "eval"); !s.ok()) return Fail(s);

  const Change change{"driver", "interop check"};
  for (int v = 1; v <= 2; ++v) {
    const std::string dir = work + "/model" + std::to_string(v);
    if (Status s = MakeDirs(dir); !s.ok()) return Fail(s);
    if (Status s = WriteFile(dir + "/weights.bin", "weights-v" + std::to_string(v)); !s.ok()) {
      return Fail(s);
    }
    auto version = reg.RegisterVersion(
        {model, run->id, dir, "version " + std::to_string(v), {{"n", std::to_string(v)}}}, change);
    if (!version.ok()) return Fail(version.status());
  }
  if (Status s = reg.EndRun(run->id, RunStatus::kFinished); !s.ok()) return Fail(s);
  if (Status s = reg.SetAlias(model, "challenger", 1, change); !s.ok()) return Fail(s);
  if (Status s = reg.SetAlias(model, "champion", 2, change); !s.ok()) return Fail(s);
  std::printf("{\"run_id\": \"%s\", \"experiment_id\": \"%s\"}\n", run->id.c_str(),
              run->experiment_id.c_str());
  return 0;
}
