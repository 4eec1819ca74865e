// Replays every kept input of the VADER fuzz target (tests/fuzz/corpus/vader/) through the
// fuzz body, so the bad-input cases (empty, 100 KB, invalid UTF-8, only emoji, RTL, ZWJ,
// URLs and mentions) and any fixed crash stay covered without building with libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "base/testing/fuzz_corpus.h"
#include "enrich/tests/vader_fuzz_body.h"
#include "enrich/vader.h"

namespace covidflow::enrich {
namespace {

TEST(VaderFuzzCorpus, EveryKeptInputKeepsTheContract) {
  const int replayed =
      covidflow::testing::ReplayFuzzCorpus(CF_SOURCE_DIR, "vader", fuzz::FuzzVaderBytes);
  EXPECT_GE(replayed, 10) << "the seed corpus has at least 10 inputs";
}

// Long texts with "but" take the n log n path of the "but" rule; the expected numbers are
// vaderSentiment 3.3.2's (which needed minutes for them).
TEST(VaderFuzzCorpus, LongTextsWithButMatchReference) {
  struct {
    const char* file;
    double neg, neu, pos, compound;
  } cases[] = {{"big_100k", 0.372, 0.305, 0.323, -1.0}, {"long_but", 0.392, 0.162, 0.445, 1.0}};
  const VaderEnricher vader;
  for (const auto& c : cases) {
    const std::filesystem::path path =
        std::filesystem::path(CF_SOURCE_DIR) / "tests/fuzz/corpus/vader" / c.file;
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "missing " << path;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const VaderScores v = vader.ScoreVader(text);
    EXPECT_EQ(v.neg, c.neg) << c.file;
    EXPECT_EQ(v.neu, c.neu) << c.file;
    EXPECT_EQ(v.pos, c.pos) << c.file;
    EXPECT_EQ(v.compound, c.compound) << c.file;
  }
}

}  // namespace
}  // namespace covidflow::enrich
