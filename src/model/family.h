#pragma once
// Model families registered by name with a description (STYLE.md practice 13). A family
// makes a Trainer from hyperparameters (validated, each error naming the key) and loads a
// Classifier back from the directory its Save wrote.
//
// The built-in families are registered by Families() on first use, from families.cc: a
// new family adds one Register line there (no static initialisers, which a static library
// would drop).
#include <functional>
#include <memory>
#include <string>

#include "base/named_registry.h"
#include "base/status.h"
#include "model/classifier.h"
#include "model/hyperparameters.h"

namespace covidflow::model {

struct Family {
  // Reads and validates `params` (and must call params.CheckAllRead()).
  std::function<Result<std::unique_ptr<Trainer>>(Hyperparameters& params)> make_trainer;
  // Loads what Save wrote into `dir`; `num_classes` is from the manifest. kCorruption for
  // files that do not parse.
  std::function<Result<std::unique_ptr<Classifier>>(const std::string& dir, int num_classes)> load;

  explicit operator bool() const { return make_trainer && load; }
};

// Every family, by name. Thread-safe.
const NamedRegistry<Family>& Families();

// The family's trainer for `params`; kNotFound for an unknown family (naming the known ones),
// kInvalidArgument for a bad hyperparameter.
Result<std::unique_ptr<Trainer>> MakeTrainer(std::string_view family, Hyperparameters& params);

}  // namespace covidflow::model
