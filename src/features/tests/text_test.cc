#include "features/text.h"

#include <gtest/gtest.h>

namespace covidflow::features {
namespace {

std::string Norm(std::string_view s) {
  std::string out;
  NormalizeTweet(s, out);
  return out;
}

TEST(NormalizeTweetTest, UrlsMentionsHashtagsCase) {
  EXPECT_EQ(Norm("@Bob Check https://t.co/xyz NOW #Happy"), "@user check <url> now happy");
  EXPECT_EQ(Norm("www.example.com rocks"), "<url> rocks");
}

TEST(NormalizeTweetTest, ElongationsAreCutAndMarked) {
  EXPECT_EQ(Norm("soooo goooood"), "soo <elong> good <elong>");
  EXPECT_EQ(Norm("1000 people"), "1000 people");
}

TEST(NormalizeTweetTest, EmoticonsEmojiAndPunctuation) {
  EXPECT_EQ(Norm("great :) but sad :( <3"), "great <smile> but sad <sad> <heart>");
  EXPECT_EQ(Norm("what?!!! ok."), "what ? ! ok");
  EXPECT_EQ(Norm("love it\xF0\x9F\x98\x80\xF0\x9F\x98\x80"),
            "love it \xF0\x9F\x98\x80 \xF0\x9F\x98\x80");
  EXPECT_EQ(Norm("caf\xC3\xA9 ok"), "caf\xC3\xA9 ok");
}

TEST(NormalizeTweetTest, AnyBytesAreSafe) {
  EXPECT_EQ(Norm(""), "");
  const std::string junk("\xFF\xFE\xC3", 3);
  std::string out;
  NormalizeTweet(junk, out);  // must not read past the end
  EXPECT_FALSE(out.empty());
}

TEST(LowercaseTokensTest, SplitsAtWhiteSpaceAndKeepsPunctuation) {
  std::string out;
  LowercaseTokens("  Gas hit $3.39!!!!\tI\xE2\x80\x99m :) GOOD\n", out);
  EXPECT_EQ(out, "gas hit $3.39!!!! i\xE2\x80\x99m :) good");
  LowercaseTokens(" \t\n", out);
  EXPECT_EQ(out, "");
}

TEST(HashNgramsTest, CountsFollowTheOrders) {
  std::vector<uint64_t> words, chars;
  NgramOptions o;  // words 1-2, chars 2-5
  HashNgrams("ab cd", o, words, chars);
  EXPECT_EQ(words.size(), 3u);  // ab, cd, "ab cd"
  // " ab " has 4 bytes: n-grams of 2..5 → 3 + 2 + 1 + 0 = 6, twice.
  EXPECT_EQ(chars.size(), 12u);
  std::vector<uint64_t> words2, chars2;
  HashNgrams("cd ab", o, words2, chars2);
  EXPECT_NE(words[2], words2[2]);  // bigrams keep order
  o.seed = 1;
  HashNgrams("ab cd", o, words2, chars2);
  EXPECT_NE(words, words2);  // the seed changes the hashes
}

TEST(TextCountsTest, CountsEachSignal) {
  float c[kTextCountColumns];
  TextCounts("NOT good!! I didn't LOVE it?? sooo #sad @you http://x \xF0\x9F\x98\x80", c);
  EXPECT_EQ(c[0], 2);  // !
  EXPECT_EQ(c[1], 2);  // ?
  EXPECT_EQ(c[2], 2);  // NOT, LOVE
  EXPECT_EQ(c[3], 1);  // sooo
  EXPECT_EQ(c[4], 2);  // NOT, didn't
  EXPECT_EQ(c[5], 1);  // emoji
  EXPECT_EQ(c[6], 1);
  EXPECT_EQ(c[7], 1);
  EXPECT_EQ(c[8], 1);
}

}  // namespace
}  // namespace covidflow::features
