// A classifier on disk: round trip, and each way a stored classifier can be damaged.
#include "model/stored.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/tests/test_data.h"

namespace covidflow::model {
namespace {

class StoredClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = testdata::Separable(120, 3);
    Hyperparameters p;
    auto trainer = MakeTrainer("linear", p);
    ASSERT_TRUE(trainer.ok());
    auto c = (*trainer)->Fit({data_.x, data_.y, 3, 1});
    ASSERT_TRUE(c.ok());
    classifier_ = std::move(*c);
    ASSERT_TRUE(SaveClassifier(dir_.path(), *classifier_, {"a", "b", "c"}).ok());
  }
  std::string Manifest() const { return dir_.Sub(kClassifierManifest); }
  void Overwrite(const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(path, bytes, path + ".tmp").ok());
  }

  testing::TempDir dir_;
  testdata::Labeled data_;
  std::unique_ptr<Classifier> classifier_;
};

TEST_F(StoredClassifierTest, RoundTripGivesTheSameProbabilities) {
  Result<LoadedClassifier> loaded = LoadClassifier(dir_.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->classes, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*loaded->classifier->PredictProba(data_.x), *classifier_->PredictProba(data_.x));
}

TEST_F(StoredClassifierTest, TruncatedModelFile) {
  std::string bytes = *ReadWholeFile(dir_.Sub("linear.model"));
  Overwrite(dir_.Sub("linear.model"), bytes.substr(0, bytes.size() / 2));
  Result<LoadedClassifier> loaded = LoadClassifier(dir_.path());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find("truncated"), std::string::npos);
}

TEST_F(StoredClassifierTest, AlteredModelFile) {
  std::string bytes = *ReadWholeFile(dir_.Sub("linear.model"));
  bytes[bytes.size() - 3] = bytes[bytes.size() - 3] == '1' ? '2' : '1';
  Overwrite(dir_.Sub("linear.model"), bytes);
  Result<LoadedClassifier> loaded = LoadClassifier(dir_.path());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find("checksum"), std::string::npos);
}

TEST_F(StoredClassifierTest, MissingModelFile) {
  ASSERT_TRUE(RemoveFileIfExists(dir_.Sub("linear.model")).ok());
  EXPECT_EQ(LoadClassifier(dir_.path()).status().code(), StatusCode::kCorruption);
}

TEST_F(StoredClassifierTest, TruncatedManifest) {
  std::string bytes = *ReadWholeFile(Manifest());
  Overwrite(Manifest(), bytes.substr(0, bytes.size() / 2));
  Result<LoadedClassifier> loaded = LoadClassifier(dir_.path());
  EXPECT_EQ(loaded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(loaded.status().message().find("not valid JSON"), std::string::npos);
}

TEST_F(StoredClassifierTest, NewerFormatVersion) {
  std::string bytes = *ReadWholeFile(Manifest());
  const std::string from = "\"format_version\": 1";
  ASSERT_NE(bytes.find(from), std::string::npos);
  bytes.replace(bytes.find(from), from.size(), "\"format_version\": 99");
  Overwrite(Manifest(), bytes);
  Result<LoadedClassifier> loaded = LoadClassifier(dir_.path());
  EXPECT_EQ(loaded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("newer"), std::string::npos);
}

TEST_F(StoredClassifierTest, UnknownFamily) {
  std::string bytes = *ReadWholeFile(Manifest());
  const std::string from = "\"family\": \"linear\"";
  ASSERT_NE(bytes.find(from), std::string::npos);
  bytes.replace(bytes.find(from), from.size(), "\"family\": \"quantum\"");
  Overwrite(Manifest(), bytes);
  EXPECT_EQ(LoadClassifier(dir_.path()).status().code(), StatusCode::kNotFound);
}

TEST_F(StoredClassifierTest, NotAModelDirectory) {
  testing::TempDir empty;
  EXPECT_EQ(LoadClassifier(empty.path()).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace covidflow::model
