#include "enrich/vader.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "base/utf8.h"
#include "enrich/enrichers.h"

namespace covidflow::enrich {
namespace {

struct Case {
  const char* text;
  double neg, neu, pos, compound;
};

// Expected numbers printed by vaderSentiment 3.3.2's polarity_scores for each text; together
// they exercise every rule (boosters, caps, negation, "never so/this", "but", "kind of",
// idioms, "least", "no", emoticons, emoji, ? and !).
const Case kReference[] = {
#include "reference_cases.inc"
};

TEST(VaderTest, MatchesReferenceOnRuleExamples) {
  VaderEnricher vader;
  for (const Case& c : kReference) {
    const VaderScores s = vader.ScoreVader(c.text);
    EXPECT_EQ(s.neg, c.neg) << c.text;
    EXPECT_EQ(s.neu, c.neu) << c.text;
    EXPECT_EQ(s.pos, c.pos) << c.text;
    EXPECT_EQ(s.compound, c.compound) << c.text;
  }
}

TEST(VaderTest, SentimentShapeSumsToOneAndLabels) {
  VaderEnricher vader;
  for (const Case& c : kReference) {
    const schema::Sentiment s = vader.Score(c.text);
    EXPECT_NEAR(s.positive + s.neutral + s.negative, 1.0, 1e-12) << c.text;
    EXPECT_GE(s.neutral, 0.0);
    const auto want = c.compound >= 0.05    ? schema::Sentiment::Label::kPositive
                      : c.compound <= -0.05 ? schema::Sentiment::Label::kNegative
                                            : schema::Sentiment::Label::kNeutral;
    EXPECT_EQ(s.label, want) << c.text;
  }
  const schema::Sentiment empty = vader.Score("");
  EXPECT_EQ(empty.neutral, 1.0);
  EXPECT_EQ(empty.label, schema::Sentiment::Label::kNeutral);
}

TEST(VaderTest, RoundLikePythonRoundsHalfEvenOnTheExactValue) {
  EXPECT_EQ(RoundLikePython(0.0625, 3), 0.062);  // an exact tie: half to even
  // Expected values are Python 3.11's round(): the stored double decides, not the literal.
  EXPECT_EQ(RoundLikePython(0.0635, 3), 0.064);  // stored slightly above the tie
  EXPECT_EQ(RoundLikePython(2.675, 2), 2.67);    // stored slightly below the tie
  EXPECT_EQ(RoundLikePython(0.12345, 4), 0.1235);
  EXPECT_EQ(RoundLikePython(-0.43105, 4), -0.431);
  EXPECT_EQ(RoundLikePython(0.8316, 4), 0.8316);
}

// Bad input must give valid scores and never crash.
TEST(VaderTest, BadInputGivesValidScores) {
  VaderEnricher vader;
  std::vector<std::string> inputs = {
      "",
      std::string(1, '\0'),
      "\xff\xfe\xfd good \xc2",                                // invalid UTF-8
      "\xed\xa0\x80 surrogate \xf4\x90\x80\x80",               // surrogate and > U+10FFFF
      "\xe2\x82",                                              // truncated sequence at the end
      "😁😁😁🆙🔛",                                                 // only emoji
      "https://t.co/abc @someone #tag",                        // only URLs, mentions, hashtags
      "فيروس كورونا سيء جدا",                                  // right to left
      "שלום good עולם",                                        // right to left mixed
      "👩‍👩‍👧‍👦 good\u200bbad \u200d\u200d",  // zero-width joiners and spaces
      "!!!!!!!!?????",
      std::string(100 * 1024, 'a'),
  };
  std::string big;
  while (big.size() < 100 * 1024) big += "not very GOOD but bad 😁 no never so happy least ";
  inputs.push_back(big);
  for (const std::string& in : inputs) {
    const VaderScores v = vader.ScoreVader(in);
    EXPECT_GE(v.compound, -1.0);
    EXPECT_LE(v.compound, 1.0);
    for (double x : {v.neg, v.neu, v.pos}) {
      EXPECT_GE(x, 0.0);
      EXPECT_LE(x, 1.0);
    }
    const schema::Sentiment s = vader.Score(in);
    EXPECT_NEAR(s.positive + s.neutral + s.negative, 1.0, 1e-9);
  }
}

TEST(VaderTest, InvalidUtf8IsScoredAsPythonsReplacement) {
  VaderEnricher vader;
  // "good" followed by a broken sequence scores as "good\uFFFD" would.
  const VaderScores broken = vader.ScoreVader("so \xe2\x82 good!");
  const VaderScores replaced = vader.ScoreVader("so \xEF\xBF\xBD good!");
  EXPECT_EQ(broken.compound, replaced.compound);
  EXPECT_EQ(broken.neu, replaced.neu);
}

// Ill-formed UTF-8 mixed with words, emoji, non-ASCII whitespace and words that straddle
// the scorer's 64-byte blocks: every number equals the score of the repaired text, which is
// what the parity test checks against the reference.
TEST(VaderTest, InvalidUtf8ScoresExactlyAsItsRepair) {
  VaderEnricher vader;
  const char* pieces[] = {"good",         "NOT",      "bad",      "but",         "\xff",
                          "\xe2\x82",     "\xf0\x9f", "\xc0\xaf", "😁",           "💘",
                          "\xc2\xa0",     " ",        "  ",       "!",           "?",
                          "café",         "ÉCOLE",    "kind of",  "n't",         ":)",
                          "\xed\xa0\x80", "\t",       "very",     "\xe2\x80\x99"};
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t count = next() % 60;
    for (size_t k = 0; k < count; ++k) {
      text += pieces[next() % std::size(pieces)];
      if (next() % 3 != 0) text += ' ';
    }
    std::string repaired;
    AppendRepairedUtf8(repaired, text);
    const VaderScores a = vader.ScoreVader(text);
    const VaderScores b = vader.ScoreVader(repaired);
    EXPECT_EQ(a.compound, b.compound) << text;
    EXPECT_EQ(a.raw_pos, b.raw_pos) << text;
    EXPECT_EQ(a.raw_neg, b.raw_neg) << text;
    EXPECT_EQ(a.raw_neu, b.raw_neu) << text;
    // Score skips the rounding that its shape does not use: otherwise the same numbers.
    const schema::Sentiment shape = vader.Score(text);
    const schema::Sentiment want = ToSentiment(a);
    EXPECT_EQ(shape.positive, want.positive) << text;
    EXPECT_EQ(shape.negative, want.negative) << text;
    EXPECT_EQ(shape.neutral, want.neutral) << text;
    EXPECT_EQ(shape.compound, want.compound) << text;
    EXPECT_EQ(shape.label, want.label) << text;
  }
}

TEST(VaderTest, ScoreIsThreadSafe) {
  VaderEnricher vader;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        for (const Case& c : kReference) {
          if (vader.ScoreVader(c.text).compound != c.compound) ++mismatches[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(RegistryTest, BuiltInsAreListedAndMade) {
  const auto list = ListEnrichers();
  ASSERT_GE(list.size(), 2u);
  bool has_none = false, has_vader = false;
  for (const auto& e : list) {
    has_none |= e.name == "none";
    has_vader |= e.name == "vader";
    EXPECT_FALSE(e.description.empty());
  }
  EXPECT_TRUE(has_none);
  EXPECT_TRUE(has_vader);

  auto vader = MakeEnricher("vader");
  ASSERT_TRUE(vader.ok());
  EXPECT_EQ((*vader)->Id(), "vader");
  EXPECT_EQ((*vader)->Score("I love this").label, schema::Sentiment::Label::kPositive);

  auto none = MakeEnricher("none");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->Id(), "none");
  const schema::Sentiment s = (*none)->Score("I love this");
  EXPECT_EQ(s.neutral, 1.0);
  EXPECT_EQ(s.label, schema::Sentiment::Label::kNeutral);

  auto missing = MakeEnricher("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("vader"), std::string::npos);
}

TEST(RegistryTest, RegisterRejectsDuplicatesAndEmpty) {
  EXPECT_EQ(RegisterEnricher({"vader", "again"}, [] { return MakeEnricher("none"); }).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(RegisterEnricher({"", "x"}, [] { return MakeEnricher("none"); }).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(RegisterEnricher({"test-neutral", "for this test"}, [] {
                return MakeEnricher("none");
              }).ok());
  EXPECT_TRUE(MakeEnricher("test-neutral").ok());
}

}  // namespace
}  // namespace covidflow::enrich
