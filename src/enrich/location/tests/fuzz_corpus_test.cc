// Replays every kept input of the location fuzz target (tests/fuzz/corpus/location/) through
// the fuzz body, so a fixed crash stays fixed without building with libFuzzer.
#include "base/testing/fuzz_corpus.h"

#include <gtest/gtest.h>

#include "enrich/location/tests/location_fuzz_body.h"

namespace covidflow::enrich::location {
namespace {

TEST(LocationFuzzCorpus, EveryKeptInputKeepsTheContract) {
  const int replayed =
      covidflow::testing::ReplayFuzzCorpus(CF_SOURCE_DIR, "location", fuzz::FuzzLocationBytes);
  EXPECT_GE(replayed, 10) << "the seed corpus has at least 10 inputs";
}

}  // namespace
}  // namespace covidflow::enrich::location
