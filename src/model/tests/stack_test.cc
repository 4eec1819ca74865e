// The stack family through the model interface: base models on feature blocks, out-of-fold
// probabilities into a second level, save/load, determinism, refusals.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/stored.h"
#include "model/tests/test_data.h"

namespace covidflow::model {
namespace {

// Separable's 20 columns as three blocks: the class signal (0-2) in "signal", noise in the
// others.
const std::vector<FeatureBlock> kBlocks = {{"signal", 0, 3}, {"noise", 3, 15}, {"dense", 15, 20}};

Hyperparameters Params(std::string bases, std::string meta = "dense") {
  return Hyperparameters(Hyperparameters::Values{
      {"bases", std::move(bases)}, {"meta", std::move(meta)}, {"folds", "3"}});
}

Result<std::unique_ptr<Classifier>> FitStack(const testdata::Labeled& d, Hyperparameters p,
                                             uint64_t seed = 1) {
  ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, MakeTrainer("stack", p));
  return trainer->Fit({d.x, d.y, 3, seed, {}, kBlocks});
}

double Accuracy(const Classifier& c, const testdata::Labeled& d) {
  Result<std::vector<double>> p = c.PredictProba(d.x);
  std::vector<int32_t> predicted = ArgMax(*p, c.NumClasses());
  int right = 0;
  for (size_t r = 0; r < predicted.size(); ++r) right += predicted[r] == d.y[r];
  return static_cast<double>(right) / d.y.size();
}

TEST(StackTest, SeparatesThreeClassesWithNormalisedProbabilities) {
  testdata::Labeled d = testdata::Separable(300, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal;noise;signal,noise"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->Family(), "stack");
  EXPECT_EQ((*c)->FormatVersion(), 2);
  Result<std::vector<double>> p = (*c)->PredictProba(d.x);
  ASSERT_TRUE(p.ok());
  for (size_t r = 0; r < 300; ++r) {
    EXPECT_NEAR((*p)[r * 3] + (*p)[r * 3 + 1] + (*p)[r * 3 + 2], 1.0, 1e-12);
  }
  EXPECT_GT(Accuracy(**c, d), 0.95);
}

TEST(StackTest, ABaseOnNoiseAloneDoesNotSeparate) {
  // The blocks are really kept apart: a stack whose one base sees only noise columns (and
  // whose second level sees only the dense noise) cannot find the signal.
  testdata::Labeled d = testdata::Separable(300, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("noise"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_LT(Accuracy(**c, d), 0.6);
}

TEST(StackTest, SavedAndLoadedGivesTheSamePredictionsAndVersionTwo) {
  testdata::Labeled d = testdata::Separable(300, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal;signal,noise"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  testing::TempDir dir;
  ASSERT_TRUE(SaveClassifier(dir.path(), **c, {"a", "b", "c"}).ok());
  Result<std::string> manifest = ReadWholeFile(dir.path() + "/" + kClassifierManifest);
  EXPECT_NE(manifest->find("\"format_version\": 2"), std::string::npos);
  Result<LoadedClassifier> back = LoadClassifier(dir.path());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->classifier->Family(), "stack");
  EXPECT_EQ(*back->classifier->PredictProba(d.x), *(*c)->PredictProba(d.x));
}

TEST(StackTest, SameDataAndSeedGiveByteIdenticalFiles) {
  testdata::Labeled d = testdata::Separable(300, 3);
  testing::TempDir a, b;
  for (const std::string& dir : {a.path(), b.path()}) {
    Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal;noise,signal"));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_TRUE(SaveClassifier(dir, **c, {"a", "b", "c"}).ok());
  }
  for (const char* name : {"classifier.json", "stack.json", "stack_base_0.model",
                           "stack_base_1.model", "stack_meta.model"}) {
    EXPECT_EQ(*ReadWholeFile(a.path() + "/" + name), *ReadWholeFile(b.path() + "/" + name)) << name;
  }
}

TEST(StackTest, AlteredStackStateIsCorruption) {
  testdata::Labeled d = testdata::Separable(120, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  testing::TempDir dir;
  ASSERT_TRUE((*c)->Save(dir.path()).ok());
  const std::string path = dir.path() + "/stack.json";
  std::string bytes = *ReadWholeFile(path);
  bytes.resize(bytes.size() / 2);
  ASSERT_TRUE(ReplaceFileAtomically(path, bytes, path + ".tmp").ok());
  Result<Family> family = Families().Find("stack");
  ASSERT_TRUE(family.ok());
  EXPECT_EQ(family->load(dir.path(), 3).status().code(), StatusCode::kCorruption);
}

TEST(StackTest, RefusesBadHyperparametersAndUnknownFeatures) {
  Hyperparameters none;
  Result<std::unique_ptr<Trainer>> t = MakeTrainer("stack", none);
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("'bases'"), std::string::npos);

  Hyperparameters empty_name(Hyperparameters::Values{{"bases", "signal,;noise"}});
  EXPECT_NE(MakeTrainer("stack", empty_name).status().message().find("empty feature name"),
            std::string::npos);

  Hyperparameters folds(Hyperparameters::Values{{"bases", "signal"}, {"folds", "1"}});
  EXPECT_NE(MakeTrainer("stack", folds).status().message().find("'folds'"), std::string::npos);

  Hyperparameters typo(Hyperparameters::Values{{"bases", "signal"}, {"C_meta", "2"}});
  EXPECT_NE(MakeTrainer("stack", typo).status().message().find("C_meta"), std::string::npos);

  testdata::Labeled d = testdata::Separable(120, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal;telepathy"));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("no feature 'telepathy'"), std::string::npos);
  EXPECT_NE(c.status().message().find("signal, noise, dense"), std::string::npos);

  Result<std::unique_ptr<Classifier>> twice = FitStack(d, Params("signal,signal"));
  EXPECT_NE(twice.status().message().find("named twice"), std::string::npos);
}

}  // namespace
}  // namespace covidflow::model
