// The generator's moods as the VADER scorer downstream sees them: the drift point must move
// the sentiment labels the enricher assigns, not only the generator's own word lists.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "enrich/vader.h"
#include "ingest/generator.h"
#include "schema/csv.h"

namespace covidflow::ingest {
namespace {

struct Shares {
  double positive = 0;
  double negative = 0;
};

Shares LabelShares(const std::vector<std::string>& texts, size_t from, size_t to) {
  static const enrich::VaderEnricher vader;
  Shares s;
  for (size_t i = from; i < to; ++i) {
    schema::Sentiment::Label label = vader.Score(texts[i]).label;
    s.positive += label == schema::Sentiment::Label::kPositive;
    s.negative += label == schema::Sentiment::Label::kNegative;
  }
  s.positive /= static_cast<double>(to - from);
  s.negative /= static_cast<double>(to - from);
  return s;
}

TEST(GeneratorSentimentTest, VaderSeesTheMoodMixAndItsDrift) {
  GeneratorOptions o;
  o.count = 40000;
  o.drift_after = 20000;
  o.format = GeneratorOptions::Format::kJsonl;  // one line per tweet, parsed below
  Generator gen(o);
  schema::ParseOptions options;
  schema::Tweet tweet;
  std::vector<std::string> texts;
  std::string record;
  for (int64_t i = 0; i < o.count; ++i) {
    record.clear();
    gen.Next(&record);
    ASSERT_FALSE(schema::ParseJsonRecord(record, options, &tweet).has_value());
    texts.push_back(tweet.text);
  }
  Shares before = LabelShares(texts, 0, 20000);
  Shares after = LabelShares(texts, 20000, 40000);
  std::printf("VADER labels: before drift %.3f positive %.3f negative; after %.3f / %.3f\n",
              before.positive, before.negative, after.positive, after.negative);
  // Before: 35% positive / 25% negative moods; after: 15% / 55%. Neutral templates carry
  // no sentiment words, but a second sentence or an emoji can tip a tweet, so the bounds
  // are loose around the design mix.
  EXPECT_GT(before.positive, 0.25);
  EXPECT_GT(before.negative, 0.15);
  EXPECT_LT(before.negative, 0.40);
  EXPECT_GT(after.negative, before.negative + 0.2);
  EXPECT_LT(after.positive, before.positive - 0.1);
}

}  // namespace
}  // namespace covidflow::ingest
