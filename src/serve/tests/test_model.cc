#include "serve/tests/test_model.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/fs.h"
#include "model/artifact.h"
#include "model/family.h"

namespace covidflow::serve::testmodel {
namespace {

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().ToString().c_str());
    std::abort();
  }
  return std::move(*r);
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
    std::abort();
  }
}

}  // namespace

features::Table TrainingRows() {
  std::vector<std::string> text, label;
  const char* pos[] = {"love it", "great day :)", "so happy", "wonderful news", "best ever"};
  const char* neg[] = {"hate it", "awful day :(", "so sad", "terrible news", "worst ever"};
  for (int k = 0; k < 10; ++k) {
    text.push_back(std::string(pos[k % 5]) + " " + std::to_string(k));
    label.push_back("positive");
    text.push_back(std::string(neg[k % 5]) + " " + std::to_string(k));
    label.push_back("negative");
  }
  features::Table t;
  t.AddColumn("text") = text;
  t.AddColumn("label") = label;
  return t;
}

namespace {

// Fits a linear model of the text of TrainingRows: two classes, or (regression) the values
// kPositiveValue and kNegativeValue.
void Write(const std::string& dir, int seed, bool regression) {
  features::FeatureDef def;
  def.name = "text";
  def.column = "text";
  def.min_df = 1;
  def.hash_bits = 12;
  const features::Table rows = TrainingRows();
  features::Pipeline p =
      Check(features::Pipeline::Fit({def}, rows, static_cast<uint64_t>(seed)), "fit features");
  features::SparseRows x = Check(p.Transform(rows), "transform");
  std::vector<int32_t> y;
  std::vector<double> values;
  for (const std::string& l : *rows.Column("label")) {
    y.push_back(l == "positive" ? 1 : 0);
    values.push_back(l == "positive" ? kPositiveValue : kNegativeValue);
  }
  model::Hyperparameters hp;
  auto trainer = Check(model::MakeTrainer("linear", hp), "trainer");
  auto classifier = Check(regression ? trainer->Fit({x, {}, 1, static_cast<uint64_t>(seed), values})
                                     : trainer->Fit({x, y, 2, static_cast<uint64_t>(seed)}),
                          "fit");
  const std::vector<std::string> classes = regression
                                               ? std::vector<std::string>{"value"}
                                               : std::vector<std::string>{"negative", "positive"};
  Check(model::SaveModel(dir, p, *classifier, classes, {{"seed", seed}}), "save model");
}

}  // namespace

void WriteModel(const std::string& dir, int seed) { Write(dir, seed, /*regression=*/false); }

void WriteRegressionModel(const std::string& dir, int seed) {
  Write(dir, seed, /*regression=*/true);
}

int64_t RegisterModel(registry::Registry& registry, const std::string& model,
                      const std::string& scratch, int seed) {
  static int counter = 0;
  const std::string dir = scratch + "/model-" + std::to_string(++counter);
  WriteModel(dir, seed);
  registry::NewVersion v;
  v.model = model;
  v.artifact_dir = dir;
  return Check(registry.RegisterVersion(v, {"test", ""}), "register").version;
}

int64_t RegisterBrokenModel(registry::Registry& registry, const std::string& model,
                            const std::string& scratch) {
  static int counter = 0;
  const std::string dir = scratch + "/broken-" + std::to_string(++counter);
  WriteModel(dir, 1);
  std::string bytes = Check(ReadWholeFile(dir + "/linear.model"), "read");
  bytes[bytes.size() / 2] ^= 0x01;
  Check(ReplaceFileAtomically(dir + "/linear.model", bytes, dir + "/linear.model.tmp"), "damage");
  registry::NewVersion v;
  v.model = model;
  v.artifact_dir = dir;
  return Check(registry.RegisterVersion(v, {"test", ""}), "register").version;
}

std::vector<PredictionRecord> ReadPredictions(log::Log& log, const std::string& topic) {
  std::vector<PredictionRecord> out;
  auto consumer = log.NewConsumer({});
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  if (!consumer.ok()) return out;
  EXPECT_TRUE((*consumer)->Assign({{{topic, PartitionId(0)}, Offset(0)}}).ok());
  while (true) {
    auto polled = (*consumer)->Poll(std::chrono::milliseconds(20));
    EXPECT_TRUE(polled.ok()) << polled.status().ToString();
    if (!polled.ok() || polled->empty()) return out;
    for (const auto& rec : *polled) {
      auto decoded = DecodePrediction(rec.value);
      EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
      if (decoded.ok()) out.push_back(std::move(*decoded));
    }
  }
}

}  // namespace covidflow::serve::testmodel
