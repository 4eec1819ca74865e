// The regressing families (linear: L2R_L2LOSS_SVR; gbt and decision_tree: reg:squarederror)
// through the model interface: fit on values, predict values, save and load, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/metrics.h"
#include "model/stored.h"

namespace covidflow::model {
namespace {

struct Valued {
  SparseRows x;
  std::vector<double> y;
};

// y = 3·x0 − 2·x1 + 1 + small noise, x0 and x1 uniform in [0, 1], and 8 noise columns.
Valued Linear(int n, uint32_t seed = 3) {
  Valued d;
  d.x.cols = 10;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  std::normal_distribution<double> noise(0, 0.05);
  for (int r = 0; r < n; ++r) {
    std::vector<int32_t> idx;
    std::vector<float> val;
    for (int32_t j = 0; j < d.x.cols; ++j) {
      idx.push_back(j);
      val.push_back(u(rng));
    }
    d.y.push_back(3.0 * val[0] - 2.0 * val[1] + 1.0 + noise(rng));
    d.x.AddRow(idx, val);
  }
  return d;
}

TEST(RegressionTest, EachFamilyFitsValuesFarBetterThanTheMean) {
  const Valued d = Linear(2000);
  double mean = 0;
  for (double v : d.y) mean += v / static_cast<double>(d.y.size());
  const std::vector<double> constant(d.y.size(), mean);
  const double mean_rmse = EvaluateRegression({d.y, constant})->rmse;
  for (const char* family : {"linear", "gbt"}) {
    Hyperparameters p;
    Result<std::unique_ptr<Trainer>> trainer = MakeTrainer(family, p);
    ASSERT_TRUE(trainer.ok()) << trainer.status().ToString();
    Result<std::unique_ptr<Classifier>> c = (*trainer)->Fit({d.x, {}, 1, 5, d.y});
    ASSERT_TRUE(c.ok()) << family << ": " << c.status().ToString();
    EXPECT_TRUE((*c)->IsRegressor());
    Result<std::vector<double>> v = (*c)->PredictProba(d.x);
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(v->size(), d.y.size());
    Result<RegressionMetrics> m = EvaluateRegression({d.y, *v});
    ASSERT_TRUE(m.ok());
    EXPECT_LT(m->rmse, mean_rmse * 0.25) << family;

    // Saved and loaded: the same values; the same seed: the same bytes.
    testing::TempDir dir;
    ASSERT_TRUE(SaveClassifier(dir.Sub("a"), **c, {"value"}).ok());
    Result<LoadedClassifier> loaded = LoadClassifier(dir.Sub("a"));
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_TRUE(loaded->classifier->IsRegressor());
    EXPECT_EQ(*loaded->classifier->PredictProba(d.x), *v) << family;
    Result<std::unique_ptr<Classifier>> again = (*trainer)->Fit({d.x, {}, 1, 5, d.y});
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(SaveClassifier(dir.Sub("b"), **again, {"value"}).ok());
    const std::string file = std::string(family) == "linear" ? "/linear.model" : "/gbt.json";
    EXPECT_EQ(*ReadWholeFile(dir.Sub("a") + file), *ReadWholeFile(dir.Sub("b") + file)) << family;
  }
}

TEST(RegressionTest, ClassWeightAndMissingTargetsAreRefused) {
  const Valued d = Linear(50);
  for (const char* family : {"linear", "gbt"}) {
    Hyperparameters balanced(Hyperparameters::Values{{"class_weight", "balanced"}});
    Result<std::unique_ptr<Trainer>> trainer = MakeTrainer(family, balanced);
    ASSERT_TRUE(trainer.ok());
    EXPECT_EQ((*trainer)->Fit({d.x, {}, 1, 5, d.y}).status().code(), StatusCode::kInvalidArgument)
        << family;
    Hyperparameters plain;
    trainer = MakeTrainer(family, plain);
    ASSERT_TRUE(trainer.ok());
    EXPECT_EQ((*trainer)->Fit({d.x, {}, 1, 5, {}}).status().code(), StatusCode::kInvalidArgument)
        << family;
  }
}

}  // namespace
}  // namespace covidflow::model
