#pragma once
// The Registry interface over an MLflow tracking server (`http://HOST:PORT`): its REST API for
// experiments, runs, registered models, versions and aliases, and its artifact proxy
// (`mlflow server --serve-artifacts`) for artifacts. What MLflow has no place for is kept in
// MLflow's own records so that MLflow's UI and clients see it too:
//   - lineage: run tags `covidflow.lineage.<key>`;
//   - the audit log: registered-model tags `covidflow.audit.<time ms, 16 digits>.<nonce>` whose
//     value is the entry as JSON; ordered by key. One tag per change, so two processes
//     changing one model at once lose no entry. Written right after the change it records
//     (MLflow has no transaction across calls): a process that dies between the two leaves
//     a change without its entry, never an entry without its change.
//   - a version's artifacts: uploaded whole into its run's artifacts, folder
//     `covidflow-model-<time ms>-<nonce>/` (MLflow accepts a source only inside the run named
//     with it; a version registered without a run gets a run made to hold its files, in the
//     experiment `covidflow-registrations`), before the version is created with that source,
//     so a version never exists without its files; a failure after the create deletes it.
// Aliases move last: registering never touches an alias, and SetAlias checks the version is
// READY first, so a failure at any point leaves no alias on an incomplete version.
#include <memory>
#include <string_view>

#include "base/status.h"
#include "registry/mlflow/rest.h"
#include "registry/registry.h"

namespace covidflow::registry::mlflow {

// Connects to the server at `base_url` and waits up to `options.connect_timeout` ×
// `options.attempts` for GET /health; kUnavailable when it never answers.
Result<std::unique_ptr<Registry>> OpenMlflowRegistry(std::string_view base_url,
                                                     RestOptions options = {});

// MLflow's limits on one log-batch call: at most 1000 metrics, 100 params, 100 tags and
// 1000 entries in all.
struct BatchLimits {
  size_t metrics = 1000;
  size_t params = 100;
  size_t tags = 100;
  size_t total = 1000;
};

// How many entries of each kind each log-batch call carries, in order; exposed for tests.
struct BatchSplit {
  size_t metrics = 0;
  size_t params = 0;
  size_t tags = 0;
};
std::vector<BatchSplit> SplitBatch(size_t metrics, size_t params, size_t tags,
                                   const BatchLimits& limits = {});

}  // namespace covidflow::registry::mlflow
