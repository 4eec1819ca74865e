#include "enrich/location/location_step.h"

#include <gtest/gtest.h>

namespace covidflow::enrich::location {
namespace {

TEST(LocationStepTest, NormalizesEachTweetsUserLocation) {
  const LocationNormalizer& n = LocationNormalizer::Default();
  LocationStep step(n);
  EXPECT_EQ(step.Id(), "location");
  std::vector<schema::EnrichedTweet> tweets(3);
  tweets[0].tweet.user_location = "Atlanta, GA";
  tweets[1].tweet.user_location = "India";
  tweets[2].tweet.user_location = "";
  std::vector<schema::EnrichedTweet*> ptrs{&tweets[0], &tweets[1], &tweets[2]};
  step.Apply(ptrs);
  for (const auto& t : tweets) {
    const schema::Location want = n.Normalize(t.tweet.user_location);
    EXPECT_EQ(t.location.country, want.country);
    EXPECT_EQ(t.location.region, want.region);
  }
  EXPECT_EQ(tweets[0].location.country, "US");
  EXPECT_EQ(tweets[1].location.country, "IN");
  EXPECT_EQ(tweets[2].location.country, "");
}

}  // namespace
}  // namespace covidflow::enrich::location
