#include "enrich/enrichment.h"

#include <gtest/gtest.h>

#include <thread>

#include "enrich/enrichers.h"

namespace covidflow::enrich {
namespace {

class Tag : public EnrichmentStep {
 public:
  explicit Tag(std::string id) : id_(std::move(id)) {}
  std::string_view Id() const override { return id_; }
  void Apply(std::span<schema::EnrichedTweet* const> tweets) const override {
    for (schema::EnrichedTweet* t : tweets) t->enricher += id_;
  }

 private:
  std::string id_;
};

std::shared_ptr<const Enrichment> Of(std::vector<std::string> ids) {
  std::vector<std::shared_ptr<const EnrichmentStep>> steps;
  for (auto& id : ids) steps.push_back(std::make_shared<Tag>(std::move(id)));
  return std::make_shared<const Enrichment>(std::move(steps));
}

TEST(EnrichmentTest, StepsRunInOrderOnEveryTweet) {
  auto e = Of({"a", "b", "c"});
  EXPECT_EQ(e->Id(), "a+b+c");
  std::vector<schema::EnrichedTweet> tweets(3);
  std::vector<schema::EnrichedTweet*> ptrs{&tweets[0], &tweets[1], &tweets[2]};
  e->Apply(ptrs);
  for (const auto& t : tweets) EXPECT_EQ(t.enricher, "abc");
  EXPECT_EQ(Enrichment().Id(), "");
}

TEST(EnrichmentTest, SentimentStepScoresAndNamesTheEnricher) {
  auto vader = MakeEnricher("vader");
  ASSERT_TRUE(vader.ok());
  std::shared_ptr<const Enricher> enricher = std::move(vader).value();
  SentimentStep step(enricher);
  EXPECT_EQ(step.Id(), "vader");
  std::vector<schema::EnrichedTweet> tweets(2);
  tweets[0].tweet.text = "not bad at all";
  tweets[1].tweet.text = "this is terrible";
  std::vector<schema::EnrichedTweet*> ptrs{&tweets[0], &tweets[1]};
  step.Apply(ptrs);
  for (const auto& t : tweets) {
    EXPECT_EQ(t.enricher, "vader");
    const schema::Sentiment want = enricher->Score(t.tweet.text);
    EXPECT_EQ(t.sentiment.compound, want.compound);
    EXPECT_EQ(t.sentiment.label, want.label);
  }
  EXPECT_GT(tweets[0].sentiment.compound, 0);
  EXPECT_LT(tweets[1].sentiment.compound, 0);
}

TEST(EnrichmentSlotTest, SwapReturnsThePreviousAndLoadersKeepTheirs) {
  EnrichmentSlot slot(Of({"a"}));
  std::shared_ptr<const Enrichment> held = slot.Load();
  std::weak_ptr<const Enrichment> watch = held;
  std::shared_ptr<const Enrichment> previous = slot.Swap(Of({"b"}));
  EXPECT_EQ(previous, held);
  EXPECT_EQ(slot.Load()->Id(), "b");
  EXPECT_EQ(held->Id(), "a");  // still usable by whoever loaded it
  previous.reset();
  EXPECT_FALSE(watch.expired());
  held.reset();
  EXPECT_TRUE(watch.expired());
}

TEST(EnrichmentSlotTest, NeverEmpty) {
  EnrichmentSlot slot(nullptr);
  ASSERT_NE(slot.Load(), nullptr);
  EXPECT_TRUE(slot.Load()->steps().empty());
  slot.Swap(nullptr);
  ASSERT_NE(slot.Load(), nullptr);
}

TEST(EnrichmentSlotTest, LoadAndSwapFromManyThreads) {
  EnrichmentSlot slot(Of({"x"}));
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&slot, t] {
      for (int i = 0; i < 1000; ++i) {
        if (t == 0) {
          slot.Swap(Of({i % 2 ? "x" : "y"}));
        } else {
          auto e = slot.Load();
          ASSERT_TRUE(e->Id() == "x" || e->Id() == "y");
        }
      }
    });
  }
}

}  // namespace
}  // namespace covidflow::enrich
