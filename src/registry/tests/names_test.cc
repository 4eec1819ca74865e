#include "registry/names.h"

#include <gtest/gtest.h>

#include <string>

namespace covidflow::registry {
namespace {

TEST(ValidateNameTest, AcceptsOrdinaryNames) {
  for (const char* name : {"tweets", "tweet-sentiment_v2", "a.b", "Modèle", "x y"}) {
    EXPECT_TRUE(ValidateName("model", name).ok()) << name;
  }
  EXPECT_TRUE(ValidateName("model", std::string(kMaxNameBytes, 'a')).ok());
}

TEST(ValidateNameTest, RefusesWhatCouldEscapeTheStoreOrConfuseALine) {
  const std::string too_long(kMaxNameBytes + 1, 'a');
  for (const std::string& name :
       {std::string(), std::string("a/b"), std::string("../x"), std::string(".."),
        std::string("a..b"), std::string("a\\b"), std::string("a\nb"), std::string("a\tb"),
        std::string("a\x7f"), std::string(1, '\0'), std::string("."), std::string("\xff\xfe"),
        too_long}) {
    Status s = ValidateName("model", name);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("model"), std::string::npos) << s.message();
  }
}

TEST(ValidateNameTest, TheMessageSaysWhy) {
  EXPECT_NE(ValidateName("experiment", "a/b").message().find("path separator"), std::string::npos);
  EXPECT_NE(ValidateName("experiment", std::string(300, 'x')).message().find("300 bytes"),
            std::string::npos);
  // Control characters are not echoed raw into a terminal or log line.
  EXPECT_EQ(ValidateName("model", "a\nb").message().find('\n'), std::string::npos);
}

TEST(ValidateAliasTest, RefusesReservedAndVersionLikeAliases) {
  EXPECT_TRUE(ValidateAlias("champion").ok());
  EXPECT_TRUE(ValidateAlias("challenger").ok());
  EXPECT_TRUE(ValidateAlias("v").ok());
  EXPECT_TRUE(ValidateAlias("v2a").ok());
  EXPECT_EQ(ValidateAlias("latest").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateAlias("v3").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateAlias("V12").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateAlias("a/b").code(), StatusCode::kInvalidArgument);
}

TEST(ParseVersionTest, PositiveIntegersOnly) {
  EXPECT_EQ(ParseVersion("1").value(), 1);
  EXPECT_EQ(ParseVersion("1000").value(), 1000);
  for (const char* bad : {"", "0", "-1", "1.5", "2x", " 3", "99999999999999999999"}) {
    EXPECT_EQ(ParseVersion(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace covidflow::registry
