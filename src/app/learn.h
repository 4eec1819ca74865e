#pragma once
// The learning commands' wiring: TrainSettings → spec + inputs → train::Train, and
// PredictSettings → a loaded model artifact → one JSON line per input row.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "app/settings.h"
#include "base/status.h"
#include "train/evaluate.h"
#include "train/spec.h"
#include "train/trainer.h"

namespace covidflow::app {

// What `train` left in the registry.
struct TrainRecord {
  std::string registry;    // the backend, as Registry::Describe says
  std::string experiment;  // train.experiment, else the spec's name
  std::string run_id;      // the run, FINISHED
  std::string model;       // train.register; "" = no version made
  int64_t version = 0;     // the new version (0 without train.register)
  std::string alias;       // train.alias, now pointing at `version`; "" = none
};

struct TrainRun {
  train::TrainReport report;
  TrainRecord record;
};

// Reads the spec, resolves --data and --out (default HOME/models/<spec name>/<UTC time>),
// opens the registry (registry.uri, default HOME/registry) and records one run around
// training: params (the spec's model, hyperparameters, features and split, flattened),
// metrics per split (`validation_macro_recall`, `train_rows`, ...), tags, lineage (the
// inputs with their digests, rows per split, date range, the build's commit) and the model
// directory as the run's artifact `model`. With train.register it then registers the model
// as a new version of that model (and points train.alias at it), audited with registry.actor
// and registry.reason. The run ends FINISHED when all of that succeeded and FAILED when
// anything after its creation failed (training refusing included): none is left RUNNING.
//
// Errors: kInvalidArgument (bad spec, flag, name or input: exit 2) before any run exists;
// kFailedPrecondition (the data cannot give an honest model: exit 1) from train::Train
// unchanged; a registry failure as the registry gave it.
Result<TrainRun> RunTrain(const Settings& s,
                          std::function<void(std::string_view phase)> on_phase = {});

// train::Train as every command of this process trains (train, up's retraining loop): the
// artifact carries its training reference (TrainingReference in app/monitor.h, stored as
// train::kReferenceFile), which `monitor` and up's stream monitor compare the stream with
// (model:NAME@ALIAS). An options.reference already set is kept.
Result<train::TrainReport> TrainWithReference(const Settings& s, const train::Spec& spec,
                                              train::TrainOptions options);

// One training for a caller in this process (the loop, `covidflow up`): a parsed spec and its
// rows given directly, recorded and registered as RunTrain does (RunTrain builds one of these
// from the settings). Settings give only the home directory and the registry (uri, actor,
// reason). For a time window of the lake, set options.lake = {.dir = LAKE, .from_ms = FROM,
// .to_ms = TO}: the partitions of those dates are read and rows outside [FROM, TO) dropped;
// the spec's split (validation_from, test_from) then cuts the window, so set them inside it.
// The held-out rows' metrics are report.splits ("test" when the spec has test_from).
struct TrainRequest {
  train::Spec spec;
  std::string spec_path;        // recorded as lineage; "" for a spec built in memory
  train::TrainOptions options;  // rows (lake or data_files); out_dir "" = HOME/models/<spec>/<time>
  std::string experiment;       // "" = the spec's name
  std::string register_model;   // "" = the run is recorded, no version made
  std::string alias;            // with register_model: moved to the new version
};
Result<TrainRun> TrainSpec(const Settings& s, TrainRequest request);

// `covidflow evaluate`: s.evaluate with the rows of --lake/--from/--to when given.
// In process, call train::Evaluate directly: options.lake = {.dir = LAKE, .from_ms = FROM,
// .to_ms = TO} evaluates the candidate (and the champion, `against_dir`) on the same rows of
// that window, with the candidate's promotion rule; for the held-out rows of a training
// window, FROM is the spec's test_from.
Result<train::EvaluateReport> RunEvaluate(const Settings& s);

struct PredictRun {
  int64_t rows = 0;
  std::string model_dir;
  double load_seconds = 0;
  double read_seconds = 0;
  double predict_seconds = 0;      // features + model
  double predict_cpu_seconds = 0;  // the same phase's CPU time (it runs on one thread)
  double write_seconds = 0;
};

// Scores every row of --input with the artifact at --model and writes one JSON line per row,
// in input order: {"class": "<most probable>", "probabilities": {"<class>": p, ...}}.
// The output is written to a temporary name and renamed, so a failed run leaves no partial
// file (stdout is written as it goes).
// --model is an artifact directory or, when no directory has that name, a registry reference
// (NAME@ALIAS, NAME/VERSION, NAME) loaded as serve loads it (LoadServedModel); evaluate's
// --model and --against likewise.
Result<PredictRun> RunPredict(const Settings& s);

}  // namespace covidflow::app
