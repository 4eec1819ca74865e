// The stack family through the model interface: base models on feature blocks, out-of-fold
// probabilities into a second level, save/load, determinism, refusals.
#include "model/stack/stack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/metrics.h"
#include "model/stored.h"
#include "model/tests/test_data.h"

namespace covidflow::model {
namespace {

using nlohmann::json;

// Separable's 20 columns as three blocks: the class signal (0-2) in "signal", noise in the
// others.
const std::vector<FeatureBlock> kBlocks = {{"signal", 0, 3}, {"noise", 3, 15}, {"dense", 15, 20}};

Hyperparameters Params(std::string bases, std::string meta = "dense",
                       Hyperparameters::Values more = {}) {
  more["bases"] = std::move(bases);
  more["meta"] = std::move(meta);
  more["folds"] = "3";
  return Hyperparameters(std::move(more));
}

// `x` with every value 1 (an NB-weighted base's input).
SparseRows Ones(SparseRows x) {
  std::fill(x.values.begin(), x.values.end(), 1.0f);
  return x;
}

// `x` with row `r` replaced by row `from`.
SparseRows WithRowReplaced(const SparseRows& x, size_t r, size_t from) {
  SparseRows out;
  out.cols = x.cols;
  for (size_t i = 0; i < x.rows(); ++i) {
    const size_t src = i == r ? from : i;
    out.AddRow(x.RowIndices(src), x.RowValues(src));
  }
  return out;
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

TEST(StackNbTest, LogCountRatioMatchesAHandComputedExample) {
  // Rows (class): [1, 0] (0), [1, 1] (0), [0, 2] (1), [-1, 0] (1: a non-positive value is
  // not counted). Class 0, alpha 1: p = [1 + 2, 1 + 1], q = [1 + 0, 1 + 1], so
  // r = [ln((3/5) / (1/3)), ln((2/5) / (2/3))].
  SparseRows x;
  x.cols = 2;
  x.AddRow(std::vector<int32_t>{0}, std::vector<float>{1});
  x.AddRow(std::vector<int32_t>{0, 1}, std::vector<float>{1, 1});
  x.AddRow(std::vector<int32_t>{1}, std::vector<float>{2});
  x.AddRow(std::vector<int32_t>{0}, std::vector<float>{-1});
  const std::vector<int32_t> y = {0, 0, 1, 1};
  const std::vector<double> r = stack::LogCountRatio(x, y, 0, 1.0);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], std::log(9.0 / 5.0), 1e-12);
  EXPECT_NEAR(r[1], std::log(3.0 / 5.0), 1e-12);
  // Class 1 against class 0: p = [1, 2], q = [3, 2].
  const std::vector<double> r1 = stack::LogCountRatio(x, y, 1, 1.0);
  EXPECT_NEAR(r1[0], std::log((1.0 / 3.0) / (3.0 / 5.0)), 1e-12);
  EXPECT_NEAR(r1[1], std::log((2.0 / 3.0) / (2.0 / 5.0)), 1e-12);
}

TEST(StackNbTest, FoldsTheRatioIntoOneLinearClassifier) {
  // Two classes: the NB base is class 1's two-class fit on the ratio-scaled columns; its
  // folded weights on the binary columns give that fit's probabilities.
  testdata::Labeled d = testdata::Separable(200, 2);
  const SparseRows x = Ones(d.x);
  Hyperparameters none;
  Result<std::unique_ptr<Trainer>> linear = MakeTrainer("linear", none);
  ASSERT_TRUE(linear.ok());
  Result<std::unique_ptr<Classifier>> nb = stack::FitNb(**linear, x, d.y, 2, 1, 1.0);
  ASSERT_TRUE(nb.ok()) << nb.status().ToString();
  EXPECT_EQ((*nb)->Family(), "linear");
  const std::vector<double> r = stack::LogCountRatio(x, d.y, 1, 1.0);
  SparseRows scaled = x;
  for (size_t k = 0; k < scaled.indices.size(); ++k) {
    scaled.values[k] = static_cast<float>(r[scaled.indices[k]]);
  }
  Result<std::unique_ptr<Classifier>> plain = (*linear)->Fit({scaled, d.y, 2, 1});
  ASSERT_TRUE(plain.ok());
  const std::vector<double> a = *(*nb)->PredictProba(x);
  const std::vector<double> b = *(*plain)->PredictProba(scaled);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
  EXPECT_GT(Accuracy(**nb, {x, d.y}), 0.95);
}

TEST(StackNbTest, OutOfFoldNeverSeesTheHeldOutRows) {
  // Replacing the features of row 0 (fold 0) changes no other fold-0 row's out-of-fold
  // probabilities (fold 0's model, log-count ratios included, is fitted on folds 1 and 2
  // alone), while it does change the other folds' (row 0 is among their fitted rows).
  testdata::Labeled d = testdata::Separable(90, 3);
  const SparseRows x = Ones(d.x);
  Hyperparameters none;
  Result<std::unique_ptr<Trainer>> linear = MakeTrainer("linear", none);
  ASSERT_TRUE(linear.ok());
  const stack::FitFunction fit = [&](const SparseRows& rows, std::span<const int32_t> labels) {
    return stack::FitNb(**linear, rows, labels, 3, 1, 1.0);
  };
  Result<std::vector<int>> fold = stack::AssignFolds(d.y, 3, 3);
  ASSERT_TRUE(fold.ok());
  ASSERT_EQ((*fold)[0], 0);
  Result<std::vector<double>> before = stack::OutOfFold(fit, x, d.y, 3, *fold, 3);
  Result<std::vector<double>> after =
      stack::OutOfFold(fit, WithRowReplaced(x, 0, 1), d.y, 3, *fold, 3);
  ASSERT_TRUE(before.ok() && after.ok());
  bool other_folds_changed = false;
  for (size_t r = 1; r < 90; ++r) {
    for (size_t c = 0; c < 3; ++c) {
      if ((*fold)[r] == 0) {
        EXPECT_EQ((*before)[r * 3 + c], (*after)[r * 3 + c]) << r;
      } else if ((*before)[r * 3 + c] != (*after)[r * 3 + c]) {
        other_folds_changed = true;
      }
    }
  }
  EXPECT_TRUE(other_folds_changed);
}

TEST(StackNbTest, StackWithAnNbBaseSavesLoadsAndPredictsTheSame) {
  testdata::Labeled d = testdata::Separable(300, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal;nb:signal,noise"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_GT(Accuracy(**c, d), 0.95);
  testing::TempDir dir;
  ASSERT_TRUE(SaveClassifier(dir.path(), **c, {"a", "b", "c"}).ok());
  const std::string state = *ReadWholeFile(dir.path() + "/stack.json");
  EXPECT_NE(state.find("\"stack_format\": 2"), std::string::npos);
  EXPECT_NE(state.find("\"binary\": true"), std::string::npos);
  Result<LoadedClassifier> back = LoadClassifier(dir.path());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back->classifier->PredictProba(d.x), *(*c)->PredictProba(d.x));
}

TEST(StackNbTest, AStackWithoutNbOrOffsetsIsStillFormatOne) {
  testdata::Labeled d = testdata::Separable(120, 3);
  Result<std::unique_ptr<Classifier>> c = FitStack(d, Params("signal"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  testing::TempDir dir;
  ASSERT_TRUE((*c)->Save(dir.path()).ok());
  const std::string state = *ReadWholeFile(dir.path() + "/stack.json");
  EXPECT_NE(state.find("\"stack_format\": 1"), std::string::npos);
  EXPECT_EQ(state.find("class_offsets"), std::string::npos);
}

TEST(StackOffsetsTest, RaiseMacroRecallOfAnUnderPredictedClass) {
  // Class 2's rows have p(2) 0.4 against p(0) 0.6: only an offset of class 2 above
  // ln(0.6 / 0.4) recovers them, and it must not cost the other rows (p(2) at most 0.1).
  const std::vector<double> probs = {0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.1, 0.8, 0.1,
                                     0.2, 0.7, 0.1, 0.6, 0.0, 0.4, 0.6, 0.0, 0.4};
  const std::vector<int32_t> y = {0, 0, 1, 1, 2, 2};
  Result<std::vector<double>> o = stack::MacroRecallOffsets(probs, y, 3);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  ASSERT_EQ(o->size(), 3u);
  EXPECT_EQ((*o)[0], 0.0);
  EXPECT_GT((*o)[2] - (*o)[0], std::log(0.6 / 0.4));
  std::vector<int32_t> predicted;
  for (size_t r = 0; r < 6; ++r) {
    int best = 0;
    for (int c = 1; c < 3; ++c) {
      if (std::log(std::max(probs[r * 3 + c], 1e-6)) + (*o)[c] >
          std::log(std::max(probs[r * 3 + best], 1e-6)) + (*o)[best]) {
        best = c;
      }
    }
    predicted.push_back(best);
  }
  EXPECT_EQ(predicted, y);
  // Already right everywhere: no offset moves.
  const std::vector<double> right = {0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8};
  const std::vector<int32_t> y3 = {0, 1, 2};
  EXPECT_EQ(*stack::MacroRecallOffsets(right, y3, 3), std::vector<double>(3, 0.0));
  EXPECT_EQ(stack::MacroRecallOffsets(right, y, 3).status().code(), StatusCode::kInvalidArgument);
}

TEST(StackOffsetsTest, StackWithOffsetsSavesLoadsAndPredictsTheSame) {
  // A weak stack (noise only, no class weights) on imbalanced classes: the offsets move.
  testdata::Labeled d = testdata::Separable(300, 3);
  for (size_t r = 0; r < d.y.size(); ++r) {
    if (d.y[r] == 2 && r % 2 == 0) d.y[r] = 0;
  }
  Result<std::unique_ptr<Classifier>> c =
      FitStack(d, Params("noise", "dense", {{"offsets", "macro_recall"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Result<std::vector<double>> p = (*c)->PredictProba(d.x);
  ASSERT_TRUE(p.ok());
  for (size_t r = 0; r < d.y.size(); ++r) {
    EXPECT_NEAR((*p)[r * 3] + (*p)[r * 3 + 1] + (*p)[r * 3 + 2], 1.0, 1e-12);
  }
  testing::TempDir dir;
  ASSERT_TRUE(SaveClassifier(dir.path(), **c, {"a", "b", "c"}).ok());
  const std::string path = dir.path() + "/stack.json";
  const std::string state = *ReadWholeFile(path);
  ASSERT_NE(state.find("class_offsets"), std::string::npos);
  Result<LoadedClassifier> back = LoadClassifier(dir.path());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back->classifier->PredictProba(d.x), *p);
  // Offsets that are not one number per class are kCorruption.
  json j = json::parse(state);
  j["class_offsets"] = {0.5};
  ASSERT_TRUE(ReplaceFileAtomically(path, j.dump(2) + "\n", path + ".tmp").ok());
  Result<Family> family = Families().Find("stack");
  ASSERT_TRUE(family.ok());
  EXPECT_EQ(family->load(dir.path(), 3).status().code(), StatusCode::kCorruption);
}

TEST(StackOffsetsTest, RefusesBadNbAndOffsetHyperparameters) {
  Hyperparameters alpha(Hyperparameters::Values{{"bases", "nb:signal"}, {"nb_alpha", "0"}});
  EXPECT_NE(MakeTrainer("stack", alpha).status().message().find("nb_alpha"), std::string::npos);
  Hyperparameters offsets(Hyperparameters::Values{{"bases", "signal"}, {"offsets", "median"}});
  EXPECT_NE(MakeTrainer("stack", offsets).status().message().find("offsets"), std::string::npos);
  Hyperparameters empty(Hyperparameters::Values{{"bases", "nb:;signal"}});
  EXPECT_NE(MakeTrainer("stack", empty).status().message().find("empty feature name"),
            std::string::npos);
}

}  // namespace
}  // namespace covidflow::model
