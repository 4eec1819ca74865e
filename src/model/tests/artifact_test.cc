// The model artifact: features + classifier + manifest, and each damage case by name.
#include "model/artifact.h"

#include <gtest/gtest.h>

#include <functional>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "model/family.h"
#include "model/stored.h"

namespace covidflow::model {
namespace {

features::Table Rows() {
  std::vector<std::string> text, label;
  const char* pos[] = {"love it", "great day :)", "so happy", "wonderful news", "best ever"};
  const char* neg[] = {"hate it", "awful day :(", "so sad", "terrible news", "worst ever"};
  for (int k = 0; k < 10; ++k) {
    text.push_back(std::string(pos[k % 5]) + " " + std::to_string(k));
    label.push_back("1");
    text.push_back(std::string(neg[k % 5]) + " " + std::to_string(k));
    label.push_back("0");
  }
  features::Table t;
  t.AddColumn("text") = text;
  t.AddColumn("label") = label;
  return t;
}

class ArtifactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    features::FeatureDef def;
    def.name = "text";
    def.column = "text";
    def.min_df = 1;
    def.hash_bits = 14;
    Result<features::Pipeline> p = features::Pipeline::Fit({def}, Rows(), 5);
    ASSERT_TRUE(p.ok());
    features::SparseRows x = *p->Transform(Rows());
    std::vector<int32_t> y;
    const features::Table rows = Rows();
    for (const std::string& l : *rows.Column("label")) y.push_back(l == "1" ? 1 : 0);
    Hyperparameters hp;
    auto trainer = MakeTrainer("linear", hp);
    auto c = (*trainer)->Fit({x, y, 2, 5});
    ASSERT_TRUE(c.ok());
    expected_ = *(*c)->PredictProba(x);
    ASSERT_TRUE(
        SaveModel(dir_.Sub("m"), *p, **c, {"negative", "positive"}, {{"spec_hash", "abc"}}).ok());
  }
  std::string M(const std::string& f = "") const {
    return dir_.Sub("m") + (f.empty() ? "" : "/" + f);
  }
  void Edit(const std::string& f, const std::function<void(std::string&)>& change) {
    std::string bytes = *ReadWholeFile(M(f));
    change(bytes);
    ASSERT_TRUE(ReplaceFileAtomically(M(f), bytes, M(f) + ".tmp").ok());
  }

  testing::TempDir dir_;
  std::vector<double> expected_;
};

TEST_F(ArtifactTest, RoundTripPredictsTheSame) {
  Result<Model> m = LoadModel(M());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->classes, (std::vector<std::string>{"negative", "positive"}));
  EXPECT_EQ(m->record["spec_hash"], "abc");
  EXPECT_EQ(*m->PredictProba(Rows()), expected_);
}

// A table larger than the slice PredictProba scores at a time gives each row the
// probabilities it has alone.
TEST_F(ArtifactTest, LargeTablesPredictAsTheirRowsDo) {
  Result<Model> m = LoadModel(M());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const features::Table one = Rows();
  std::vector<size_t> pick;
  for (size_t r = 0; r < 2500; ++r) pick.push_back(r % one.rows());
  const features::Table many = features::SelectRows(one, pick);
  Result<std::vector<double>> p = m->PredictProba(many);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->size(), 2500u * 2);
  for (size_t r = 0; r < 2500; ++r) {
    const size_t from = pick[r] * 2;
    EXPECT_EQ((*p)[r * 2], expected_[from]) << r;
    EXPECT_EQ((*p)[r * 2 + 1], expected_[from + 1]) << r;
  }
}

TEST_F(ArtifactTest, RefusesToOverwriteAModel) {
  Result<Model> m = LoadModel(M());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(SaveModel(M(), m->pipeline, *m->classifier, m->classes, {}).code(),
            StatusCode::kAlreadyExists);
}

TEST_F(ArtifactTest, TruncatedFeatures) {
  Edit(kFeaturesFile, [](std::string& b) { b.resize(b.size() / 2); });
  Result<Model> m = LoadModel(M());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  EXPECT_NE(m.status().message().find("features.json: truncated"), std::string::npos);
}

TEST_F(ArtifactTest, AlteredFeatures) {
  Edit(kFeaturesFile, [](std::string& b) { b[b.size() / 2] ^= 1; });
  EXPECT_NE(LoadModel(M()).status().message().find("checksum mismatch"), std::string::npos);
}

TEST_F(ArtifactTest, AlteredClassifierManifest) {
  Edit(kClassifierManifest, [](std::string& b) { b[b.size() / 2] ^= 1; });
  EXPECT_EQ(LoadModel(M()).status().code(), StatusCode::kCorruption);
}

TEST_F(ArtifactTest, TruncatedManifest) {
  Edit(kArtifactManifest, [](std::string& b) { b.resize(b.size() - 10); });
  Result<Model> m = LoadModel(M());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  EXPECT_NE(m.status().message().find("not valid JSON"), std::string::npos);
}

TEST_F(ArtifactTest, NewerFormatVersion) {
  Edit(kArtifactManifest, [](std::string& b) {
    const std::string from = "\"format_version\": 1";
    b.replace(b.find(from), from.size(), "\"format_version\": 2");
  });
  Result<Model> m = LoadModel(M());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(m.status().message().find("upgrade covidflow"), std::string::npos);
}

TEST_F(ArtifactTest, TruncatedNativeModel) {
  Edit("linear.model", [](std::string& b) { b.resize(b.size() - 1); });
  EXPECT_EQ(LoadModel(M()).status().code(), StatusCode::kCorruption);
}

TEST_F(ArtifactTest, AnExtraFileIsListedAndVerifiedAndOptional) {
  Result<Model> m = LoadModel(M());
  ASSERT_TRUE(m.ok());
  const std::string with = dir_.Sub("with");
  ASSERT_TRUE(SaveModel(with, m->pipeline, *m->classifier, m->classes, {},
                        {{"reference.jsonl", "{\"a\":1}\n"}})
                  .ok());
  EXPECT_TRUE(LoadModel(with).ok());
  EXPECT_EQ(*ReadArtifactFile(with, "reference.jsonl"), "{\"a\":1}\n");
  // An artifact written without it (before it existed) still loads; asking for it is kNotFound.
  EXPECT_EQ(ReadArtifactFile(M(), "reference.jsonl").status().code(), StatusCode::kNotFound);
  // Altered after the manifest: refused like the model's own files.
  ASSERT_TRUE(
      ReplaceFileAtomically(with + "/reference.jsonl", "{\"a\":2}\n", with + "/x.tmp").ok());
  Result<std::string> altered = ReadArtifactFile(with, "reference.jsonl");
  EXPECT_EQ(altered.status().code(), StatusCode::kCorruption);
  EXPECT_NE(altered.status().message().find("checksum mismatch"), std::string::npos);
  // A name that would shadow the model's files or leave the directory is refused.
  for (const char* bad : {"manifest.json", "../x", ".hidden", ""}) {
    EXPECT_EQ(SaveModel(dir_.Sub("bad"), m->pipeline, *m->classifier, m->classes, {}, {{bad, "x"}})
                  .code(),
              StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(ArtifactTest, NotAModelDirectory) {
  EXPECT_EQ(LoadModel(dir_.path()).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace covidflow::model
