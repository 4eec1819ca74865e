// The built-in families. A new family adds its Register line here.
#include "base/logging.h"
#include "model/family.h"
#include "model/gbt/gbt.h"
#include "model/linear/linear.h"
#include "model/stack/stack.h"

namespace covidflow::model {
namespace {

NamedRegistry<Family>* MakeFamilies() {
  auto* registry = new NamedRegistry<Family>("model family");
  Status s = registry->Register("linear",
                                "L2-regularised logistic regression on sparse features (liblinear)",
                                Family{linear::MakeTrainer, linear::Load});
  if (!s.ok()) LogLine(LogLevel::kError, s.ToString());
  s = registry->Register("gbt", "gradient-boosted trees (XGBoost, sigmoid / softmax outputs)",
                         Family{gbt::MakeGbtTrainer, gbt::LoadGbt});
  if (!s.ok()) LogLine(LogLevel::kError, s.ToString());
  s = registry->Register("decision_tree",
                         "one tree: XGBoost with one round, no shrinkage (the reference's model)",
                         Family{gbt::MakeDecisionTreeTrainer, gbt::LoadDecisionTree});
  if (!s.ok()) LogLine(LogLevel::kError, s.ToString());
  s = registry->Register("stack",
                         "stacked linear models: out-of-fold probabilities of linear models on "
                         "feature blocks into a second-level logistic regression",
                         Family{stack::MakeTrainer, stack::Load});
  if (!s.ok()) LogLine(LogLevel::kError, s.ToString());
  return registry;
}

}  // namespace

const NamedRegistry<Family>& Families() {
  // Never destroyed: a served model may still be loading while the process exits.
  static const NamedRegistry<Family>* registry = MakeFamilies();
  return *registry;
}

Result<std::unique_ptr<Trainer>> MakeTrainer(std::string_view family, Hyperparameters& params) {
  ASSIGN_OR_RETURN(Family f, Families().Find(family));
  return f.make_trainer(params);
}

}  // namespace covidflow::model
