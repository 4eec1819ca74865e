#pragma once
// The learning commands' wiring: TrainSettings → spec + inputs → train::Train, and
// PredictSettings → a loaded model artifact → one JSON line per input row.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "app/settings.h"
#include "base/status.h"
#include "train/trainer.h"

namespace covidflow::app {

// Reads the spec, resolves --data and --out (default HOME/models/<spec name>/<UTC time>) and
// trains. kInvalidArgument (bad spec, flag or input: exit 2) and kFailedPrecondition (the
// data cannot give an honest model: exit 1) come from train::Train unchanged.
Result<train::TrainReport> RunTrain(const TrainSettings& s, const CliOptions& cli,
                                    std::function<void(std::string_view phase)> on_phase = {});

struct PredictRun {
  int64_t rows = 0;
  std::string model_dir;
  double load_seconds = 0;
  double read_seconds = 0;
  double predict_seconds = 0;  // features + model
  double write_seconds = 0;
};

// Scores every row of --input with the artifact at --model and writes one JSON line per row,
// in input order: {"class": "<most probable>", "probabilities": {"<class>": p, ...}}.
// The output is written to a temporary name and renamed, so a failed run leaves no partial
// file (stdout is written as it goes).
Result<PredictRun> RunPredict(const PredictSettings& s);

}  // namespace covidflow::app
