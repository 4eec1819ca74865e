// Model loading (registry and directory, the download cache, the smoke test), the slot, and
// scoring rows.
#include "serve/model_source.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "registry/embedded.h"
#include "serve/scoring.h"
#include "serve/tests/test_model.h"

namespace covidflow::serve {
namespace {

TEST(ParseModelRefTest, ReadsTheThreeForms) {
  Result<ModelRef> a = ParseModelRef("tweets@champion");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->name, "tweets");
  EXPECT_EQ(a->alias, "champion");
  EXPECT_EQ(a->ToString(), "tweets@champion");
  Result<ModelRef> v = ParseModelRef("tweets/3");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->version, 3);
  EXPECT_EQ(v->ToString(), "tweets/3");
  Result<ModelRef> n = ParseModelRef("tweets");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->version, 0);
  EXPECT_TRUE(n->alias.empty());
}

TEST(ParseModelRefTest, RefusesBadReferencesNamingTheField) {
  for (const char* bad :
       {"", "@champion", "tweets@", "tweets/0", "tweets/x", "tweets/-1", "/3", "tweets@latest",
        "a\x01"
        "b"}) {
    Result<ModelRef> r = ParseModelRef(bad, "serve.model");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("serve.model"), std::string::npos) << bad;
  }
}

class ModelSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry::EmbeddedOptions o;
    o.database = dir_.Sub("reg/registry.db");
    o.artifact_dir = dir_.Sub("reg/artifacts");
    auto r = registry::OpenEmbeddedRegistry(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    registry_ = std::move(*r);
  }
  std::string Cache() const { return dir_.Sub("cache"); }

  covidflow::testing::TempDir dir_;
  std::unique_ptr<registry::Registry> registry_;
};

TEST_F(ModelSourceTest, LoadsByAliasVersionAndLatest) {
  const int64_t v1 = serve::testmodel::RegisterModel(*registry_, "tweets", dir_.path(), 1);
  const int64_t v2 = serve::testmodel::RegisterModel(*registry_, "tweets", dir_.path(), 2);
  ASSERT_TRUE(registry_->SetAlias("tweets", "champion", v1, {"test", ""}).ok());

  auto by_alias = LoadFromRegistry(*registry_, *ParseModelRef("tweets@champion"), Cache());
  ASSERT_TRUE(by_alias.ok()) << by_alias.status().ToString();
  EXPECT_EQ((*by_alias)->version, v1);
  EXPECT_EQ((*by_alias)->name, "tweets");
  EXPECT_EQ((*by_alias)->Id(), "tweets/1");
  EXPECT_EQ((*by_alias)->source, Cache() + "/tweets/1");

  auto latest = LoadFromRegistry(*registry_, *ParseModelRef("tweets"), Cache());
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ((*latest)->version, v2);

  auto pinned = LoadFromRegistry(*registry_, *ParseModelRef("tweets/1"), Cache());
  ASSERT_TRUE(pinned.ok());
  EXPECT_EQ((*pinned)->version, v1);
}

TEST_F(ModelSourceTest, MissingThingsAreNotFoundNamingThem) {
  serve::testmodel::RegisterModel(*registry_, "tweets", dir_.path());
  auto no_model = LoadFromRegistry(*registry_, *ParseModelRef("nope"), Cache());
  EXPECT_EQ(no_model.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_model.status().message().find("nope"), std::string::npos);
  auto no_alias = LoadFromRegistry(*registry_, *ParseModelRef("tweets@champion"), Cache());
  EXPECT_EQ(no_alias.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_alias.status().message().find("champion"), std::string::npos);
  auto no_version = LoadFromRegistry(*registry_, *ParseModelRef("tweets/9"), Cache());
  EXPECT_EQ(no_version.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_version.status().message().find("9"), std::string::npos);
}

TEST_F(ModelSourceTest, ABrokenVersionIsRefusedNamingTheVersion) {
  const int64_t v = serve::testmodel::RegisterBrokenModel(*registry_, "tweets", dir_.path());
  auto r = LoadFromRegistry(*registry_, *ParseModelRef("tweets/" + std::to_string(v)), Cache());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("model 'tweets' version " + std::to_string(v)),
            std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("linear.model"), std::string::npos) << r.status().ToString();
}

TEST_F(ModelSourceTest, TheCacheIsReusedAndADamagedEntryIsFetchedAgain) {
  serve::testmodel::RegisterModel(*registry_, "tweets", dir_.path());
  ASSERT_TRUE(LoadFromRegistry(*registry_, *ParseModelRef("tweets/1"), Cache()).ok());
  const std::string cached = Cache() + "/tweets/1/features.json";
  ASSERT_TRUE(PathExists(cached));
  // A mark in the cache directory survives a second load: the entry was reused, not replaced.
  ASSERT_TRUE(ReplaceFileAtomically(Cache() + "/tweets/1/mark", "x", Cache() + "/m.tmp").ok());
  ASSERT_TRUE(LoadFromRegistry(*registry_, *ParseModelRef("tweets/1"), Cache()).ok());
  EXPECT_TRUE(PathExists(Cache() + "/tweets/1/mark"));

  // A damaged entry fails verification, is removed and downloaded again.
  std::string bytes = *ReadWholeFile(cached);
  bytes[bytes.size() / 2] ^= 0x01;
  ASSERT_TRUE(ReplaceFileAtomically(cached, bytes, cached + ".tmp").ok());
  auto again = LoadFromRegistry(*registry_, *ParseModelRef("tweets/1"), Cache());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(PathExists(Cache() + "/tweets/1/mark"));
  // No temporary download is left beside the entry.
  EXPECT_EQ(*ListDir(Cache() + "/tweets"), std::vector<std::string>{"1"});
}

TEST_F(ModelSourceTest, LoadsFromADirectoryAndRefusesADamagedOne) {
  serve::testmodel::WriteModel(dir_.Sub("sentiment"));
  auto m = LoadFromDir(dir_.Sub("sentiment"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->name, "sentiment");
  EXPECT_EQ((*m)->version, 0);
  EXPECT_EQ((*m)->Id(), "sentiment");

  auto missing = LoadFromDir(dir_.Sub("none"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir_.Sub("none")), std::string::npos);
}

TEST_F(ModelSourceTest, ScoresRowsWithLabelsProbabilitiesAndTheModel) {
  serve::testmodel::WriteModel(dir_.Sub("m"));
  auto m = LoadFromDir(dir_.Sub("m"));
  ASSERT_TRUE(m.ok());
  features::Table rows;
  rows.AddColumn("text") = {"love it so happy", "hate it so sad"};
  Result<Scores> s = Score(*m, rows);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->rows, 2u);
  EXPECT_EQ(s->model, *m);
  EXPECT_EQ(s->Label(0), "positive");
  EXPECT_EQ(s->Label(1), "negative");
  EXPECT_GT(s->Probability(0, 1), 0.5);
  EXPECT_NEAR(s->Probability(1, 0) + s->Probability(1, 1), 1.0, 1e-9);
  EXPECT_EQ(TextColumn((*m)->model), "text");

  features::Table wrong;
  wrong.AddColumn("body") = {"love it"};
  Result<Scores> bad = Score(*m, wrong);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("text"), std::string::npos);
}

TEST_F(ModelSourceTest, ASwapLeavesHoldersOnTheOldModelUntilTheyLetGo) {
  serve::testmodel::WriteModel(dir_.Sub("a"), 1);
  serve::testmodel::WriteModel(dir_.Sub("b"), 2);
  ModelSlot slot(*LoadFromDir(dir_.Sub("a")));
  std::shared_ptr<const LoadedModel> in_flight = slot.Load();
  std::weak_ptr<const LoadedModel> old = in_flight;
  std::shared_ptr<const LoadedModel> previous = slot.Swap(*LoadFromDir(dir_.Sub("b")));
  EXPECT_EQ(previous, in_flight);
  EXPECT_EQ(slot.Load()->name, "b");
  EXPECT_EQ(in_flight->name, "a");  // the request in flight keeps its model
  previous.reset();
  EXPECT_FALSE(old.expired());
  in_flight.reset();
  EXPECT_TRUE(old.expired());  // unloaded when the last holder let go
}

}  // namespace
}  // namespace covidflow::serve
