#include "model/hyperparameters.h"

#include <gtest/gtest.h>

#include "model/family.h"

namespace covidflow::model {
namespace {

TEST(HyperparametersTest, TypedGettersParseAndFallBack) {
  Hyperparameters p(
      Hyperparameters::Values{{"C", "0.5"}, {"depth", "6"}, {"bias", "false"}, {"kind", "b"}});
  EXPECT_EQ(*p.Double("C", 1.0, 0.0, 10.0), 0.5);
  EXPECT_EQ(*p.Int("depth", 3, 1, 20), 6);
  EXPECT_FALSE(*p.Bool("bias", true));
  EXPECT_EQ(*p.Choice("kind", "a", {"a", "b"}), "b");
  EXPECT_EQ(*p.Double("absent", 2.5, 0.0, 10.0), 2.5);
  EXPECT_TRUE(p.CheckAllRead().ok());
}

TEST(HyperparametersTest, ErrorsNameTheKeyAndTheValue) {
  Hyperparameters p(Hyperparameters::Values{{"C", "abc"}, {"depth", "100"}, {"kind", "z"}});
  Result<double> c = p.Double("C", 1.0, 0.0, 10.0);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'C'"), std::string::npos);
  EXPECT_NE(c.status().message().find("'abc'"), std::string::npos);
  EXPECT_FALSE(p.Int("depth", 3, 1, 20).ok());
  EXPECT_FALSE(p.Choice("kind", "a", {"a", "b"}).ok());
}

TEST(HyperparametersTest, UnreadKeysAreRejectedByName) {
  Hyperparameters p(Hyperparameters::Values{{"C", "1"}, {"Cc", "2"}});
  ASSERT_TRUE(p.Double("C", 1.0, 0.0, 10.0).ok());
  Status s = p.CheckAllRead();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'Cc'"), std::string::npos);
}

TEST(FamiliesTest, LinearIsRegisteredAndUnknownFamiliesAreNamed) {
  Hyperparameters none;
  EXPECT_TRUE(MakeTrainer("linear", none).ok());
  Hyperparameters also_none;
  Result<std::unique_ptr<Trainer>> t = MakeTrainer("no_such_family", also_none);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_NE(t.status().message().find("linear"), std::string::npos);
  Hyperparameters typo(Hyperparameters::Values{{"CC", "1"}});
  EXPECT_EQ(MakeTrainer("linear", typo).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::model
