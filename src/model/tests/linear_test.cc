// The linear family through the model interface: fit, probabilities, determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/stored.h"
#include "model/tests/test_data.h"

namespace covidflow::model {
namespace {

std::unique_ptr<Classifier> Fit(const testdata::Labeled& d, int classes, Hyperparameters p = {}) {
  Result<std::unique_ptr<Trainer>> trainer = MakeTrainer("linear", p);
  EXPECT_TRUE(trainer.ok()) << trainer.status().ToString();
  Result<std::unique_ptr<Classifier>> c = (*trainer)->Fit({d.x, d.y, classes, 1});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

double Accuracy(const Classifier& c, const testdata::Labeled& d) {
  Result<std::vector<double>> p = c.PredictProba(d.x);
  std::vector<int32_t> predicted = ArgMax(*p, c.NumClasses());
  int right = 0;
  for (size_t r = 0; r < predicted.size(); ++r) right += predicted[r] == d.y[r];
  return static_cast<double>(right) / d.y.size();
}

TEST(LinearTest, SeparatesThreeClassesWithNormalisedProbabilities) {
  testdata::Labeled d = testdata::Separable(300, 3);
  auto c = Fit(d, 3);
  EXPECT_EQ(c->Family(), "linear");
  ASSERT_EQ(c->NumClasses(), 3);
  Result<std::vector<double>> p = c->PredictProba(d.x);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 900u);
  for (size_t r = 0; r < 300; ++r) {
    EXPECT_NEAR((*p)[r * 3] + (*p)[r * 3 + 1] + (*p)[r * 3 + 2], 1.0, 1e-12);
  }
  EXPECT_GT(Accuracy(*c, d), 0.95);
}

TEST(LinearTest, BinaryProbabilitiesFollowTheClassIndexNotLiblinearsLabelOrder) {
  // Class 1 appears first in the rows, so liblinear's first label is 1.
  testdata::Labeled d = testdata::Separable(200, 2);
  for (int32_t& y : d.y) y = 1 - y;
  auto c = Fit(d, 2);
  EXPECT_GT(Accuracy(*c, d), 0.95);
}

TEST(LinearTest, BalancedClassWeightAndStrongRegularisationChangeTheModel) {
  testdata::Labeled d = testdata::Separable(300, 3);
  auto plain = Fit(d, 3);
  auto strong = Fit(
      d, 3, Hyperparameters(Hyperparameters::Values{{"C", "0.001"}, {"class_weight", "balanced"}}));
  auto p1 = plain->PredictProba(d.x);
  auto p2 = strong->PredictProba(d.x);
  // Strong regularisation pulls the probabilities towards uniform.
  EXPECT_LT(std::abs((*p2)[0] - 1.0 / 3), std::abs((*p1)[0] - 1.0 / 3));
}

TEST(LinearTest, RefusesARowSetMissingAClass) {
  testdata::Labeled d = testdata::Separable(100, 2);
  Hyperparameters p;
  auto trainer = MakeTrainer("linear", p);
  Result<std::unique_ptr<Classifier>> c = (*trainer)->Fit({d.x, d.y, 3, 1});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

TEST(LinearTest, ColumnsUnseenInTrainingAreIgnoredAtPrediction) {
  testdata::Labeled d = testdata::Separable(100, 2);
  auto c = Fit(d, 2);
  SparseRows wide;
  wide.cols = 1000;
  const int32_t idx[] = {0, 999};
  const float val[] = {2.0f, 50.0f};
  wide.AddRow(idx, val);
  SparseRows narrow;
  narrow.cols = 20;
  narrow.AddRow(std::span<const int32_t>(idx, 1), std::span<const float>(val, 1));
  EXPECT_EQ(*c->PredictProba(wide), *c->PredictProba(narrow));
}

TEST(LinearTest, SameDataSameSeedGiveByteIdenticalFiles) {
  testdata::Labeled d = testdata::Separable(300, 3);
  testing::TempDir dir;
  ASSERT_TRUE(SaveClassifier(dir.Sub("a"), *Fit(d, 3), {"neg", "neu", "pos"}).ok());
  ASSERT_TRUE(SaveClassifier(dir.Sub("b"), *Fit(d, 3), {"neg", "neu", "pos"}).ok());
  for (const char* f : {"linear.model", "classifier.json"}) {
    EXPECT_EQ(*ReadWholeFile(dir.Sub("a/") + f), *ReadWholeFile(dir.Sub("b/") + f)) << f;
  }
}

}  // namespace
}  // namespace covidflow::model
