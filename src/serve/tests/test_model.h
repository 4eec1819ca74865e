#pragma once
// A small two-class text model (and a regression of the same text) for serve's tests: trained in
// milliseconds on twenty fixed tweets, saved as a model artifact, optionally registered as a
// version.
#include <string>
#include <vector>

#include "features/table.h"
#include "log/log.h"
#include "registry/registry.h"
#include "serve/prediction_log.h"

namespace covidflow::serve::testmodel {

// Twenty rows: a "text" column and a "label" column ("positive"/"negative").
features::Table TrainingRows();

// Trains and saves an artifact into `dir` (must not exist). `seed` changes the model a little,
// so two versions differ.
void WriteModel(const std::string& dir, int seed = 1);

// The same text as a regression (one output, "value"): the positive rows' value is
// kPositiveValue, the negative rows' kNegativeValue.
inline constexpr double kPositiveValue = 3.0;
inline constexpr double kNegativeValue = 1.0;
void WriteRegressionModel(const std::string& dir, int seed = 1);

// WriteModel into `scratch`, then registers it as a new version of `model`; the version.
int64_t RegisterModel(registry::Registry& registry, const std::string& model,
                      const std::string& scratch, int seed = 1);

// A version whose classifier file is damaged after its manifest was written: it fails to load.
int64_t RegisterBrokenModel(registry::Registry& registry, const std::string& model,
                            const std::string& scratch);

// Every prediction record of partition 0 of `topic` once everything is flushed: reads until a
// poll comes back empty. A record that does not decode fails the calling test.
std::vector<PredictionRecord> ReadPredictions(log::Log& log, const std::string& topic);

}  // namespace covidflow::serve::testmodel
