// The tree families (gbt, decision_tree) through the model interface: fit, probabilities,
// save and load, determinism, corrupt files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/stored.h"
#include "model/tests/test_data.h"

namespace covidflow::model {
namespace {

std::unique_ptr<Classifier> FitTrees(std::string_view family, const testdata::Labeled& d,
                                     int classes, Hyperparameters p = {}, uint64_t seed = 1) {
  Result<std::unique_ptr<Trainer>> trainer = MakeTrainer(family, p);
  EXPECT_TRUE(trainer.ok()) << trainer.status().ToString();
  Result<std::unique_ptr<Classifier>> c = (*trainer)->Fit({d.x, d.y, classes, seed});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

Hyperparameters Small() {
  return Hyperparameters(Hyperparameters::Values{{"rounds", "20"}, {"max_depth", "3"}});
}

double Accuracy(const Classifier& c, const testdata::Labeled& d) {
  Result<std::vector<double>> p = c.PredictProba(d.x);
  std::vector<int32_t> predicted = ArgMax(*p, c.NumClasses());
  int right = 0;
  for (size_t r = 0; r < predicted.size(); ++r) right += predicted[r] == d.y[r];
  return static_cast<double>(right) / static_cast<double>(d.y.size());
}

TEST(GbtTest, ThreeClassesSoftmaxRowsSumToOne) {
  testdata::Labeled d = testdata::Separable(300, 3);
  auto c = FitTrees("gbt", d, 3, Small());
  EXPECT_EQ(c->Family(), "gbt");
  Result<std::vector<double>> p = c->PredictProba(d.x);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 900u);
  for (size_t r = 0; r < 300; ++r) {
    EXPECT_NEAR((*p)[r * 3] + (*p)[r * 3 + 1] + (*p)[r * 3 + 2], 1.0, 1e-12);
  }
  EXPECT_GT(Accuracy(*c, d), 0.95);
}

TEST(GbtTest, BinarySigmoidAndOneDecisionTree) {
  testdata::Labeled d = testdata::Separable(200, 2);
  auto gbt = FitTrees("gbt", d, 2, Small());
  EXPECT_GT(Accuracy(*gbt, d), 0.95);
  auto tree = FitTrees("decision_tree", d, 2);
  EXPECT_EQ(tree->Family(), "decision_tree");
  EXPECT_GT(Accuracy(*tree, d), 0.95);
  Result<std::vector<double>> p = tree->PredictProba(d.x);
  for (size_t r = 0; r < 200; ++r) {
    EXPECT_GT((*p)[r * 2 + 1], 0.0);
    EXPECT_LT((*p)[r * 2 + 1], 1.0);
    EXPECT_DOUBLE_EQ((*p)[r * 2] + (*p)[r * 2 + 1], 1.0);
  }
  // One tree of one split (feature 0 or 1 decides): only a couple of distinct outputs.
  std::set<double> distinct(p->begin(), p->end());
  EXPECT_LE(distinct.size(), 2u * 32);
}

TEST(GbtTest, SavedAndLoadedGivesTheSamePredictionsAndSameSeedSameBytes) {
  testdata::Labeled d = testdata::Separable(300, 3);
  Hyperparameters p = Small();
  auto c = FitTrees("gbt", d, 3, Small(), 5);
  auto again = FitTrees("gbt", d, 3, Small(), 5);
  testing::TempDir dir;
  const std::string a = dir.path() + "/a";
  const std::string b = dir.path() + "/b";
  ASSERT_TRUE(SaveClassifier(a, *c, {"x", "y", "z"}).ok());
  ASSERT_TRUE(SaveClassifier(b, *again, {"x", "y", "z"}).ok());
  EXPECT_EQ(*ReadWholeFile(a + "/gbt.json"), *ReadWholeFile(b + "/gbt.json"));
  Result<LoadedClassifier> loaded = LoadClassifier(a);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->classifier->Family(), "gbt");
  EXPECT_EQ(*loaded->classifier->PredictProba(d.x), *c->PredictProba(d.x));
}

TEST(GbtTest, CorruptOrMissingModelFileIsAnErrorNotACrash) {
  testing::TempDir dir;
  std::ofstream(dir.path() + "/gbt.json") << "{\"learner\": [1, 2";
  Result<std::unique_ptr<Classifier>> c = Families().Find("gbt")->load(dir.path(), 3);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption);
  std::filesystem::remove(dir.path() + "/gbt.json");
  c = Families().Find("decision_tree")->load(dir.path(), 2);
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST(GbtTest, BadHyperparametersNameTheKey) {
  for (const auto& [key, value] : {std::pair{"max_depth", "0"},
                                   {"eta", "2"},
                                   {"rounds", "x"},
                                   {"class_weight", "heavy"},
                                   {"learning_rate", "0.1"}}) {
    Hyperparameters p(Hyperparameters::Values{{key, value}});
    Result<std::unique_ptr<Trainer>> t = MakeTrainer("gbt", p);
    ASSERT_FALSE(t.ok()) << key;
    EXPECT_NE(t.status().message().find(key), std::string::npos) << t.status().message();
  }
  Hyperparameters rounds(Hyperparameters::Values{{"rounds", "10"}});
  EXPECT_FALSE(MakeTrainer("decision_tree", rounds).ok());  // one tree is the point
}

TEST(GbtTest, RefusesAClassWithoutRows) {
  testdata::Labeled d = testdata::Separable(100, 2);
  Hyperparameters p = Small();
  auto trainer = MakeTrainer("gbt", p);
  Result<std::unique_ptr<Classifier>> c = (*trainer)->Fit({d.x, d.y, 3, 1});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::model
