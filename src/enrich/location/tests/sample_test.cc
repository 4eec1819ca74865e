// Measures the normalizer on 300 user_location values drawn from the covid19-tweets data and
// labelled by hand (data/location_sample_300.tsv; data/draw_sample.py states the rule), and
// asserts the targets of issue 3: precision >= 95 % on what it resolves, and at least 60 % of
// the resolvable values resolved.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "enrich/location/normalizer.h"
#include "enrich/location/tests/sample_eval.h"

namespace covidflow::enrich::location::testing {
namespace {

TEST(LocationSample, MeetsPrecisionAndCoverageTargets) {
  auto sample = ReadSample(SamplePath());
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_EQ(sample->size(), 300u);
  const SampleScore s = Score(LocationNormalizer::Default(), *sample);
  std::string errors;
  for (const std::string& e : s.errors) errors += "  " + e + "\n";
  std::printf("%s\n%s", s.Summary().c_str(), errors.c_str());
  RecordProperty("summary", s.Summary());
  EXPECT_GE(s.precision(), 0.95) << s.Summary();
  EXPECT_GE(s.resolved_share_of_resolvable(), 0.60) << s.Summary();
}

// The held-out sample was drawn and labelled after the tables were written and has not been
// used to change them: these are the out-of-sample figures, held to the same targets.
TEST(LocationSample, HeldOutSampleMeetsTheSameTargets) {
  auto sample = ReadSample(HoldoutPath());
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_EQ(sample->size(), 300u);
  const SampleScore s = Score(LocationNormalizer::Default(), *sample);
  std::string errors;
  for (const std::string& e : s.errors) errors += "  " + e + "\n";
  std::printf("held-out %s\n%s", s.Summary().c_str(), errors.c_str());
  RecordProperty("summary", s.Summary());
  EXPECT_GE(s.precision(), 0.95) << s.Summary();
  EXPECT_GE(s.resolved_share_of_resolvable(), 0.60) << s.Summary();
}

// The 600 strings are user_location values of the shared data file (provenance check). The
// test fails, never skips, when the data is missing.
TEST(LocationSample, StringsComeFromTheSharedData) {
  const std::string path =
      std::string(CF_SHARED_DATA_DIR) + "/covid19-tweets/covid19_tweets_2020-07-25_early.csv";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing shared data file " << path
                  << " (the sample's provenance cannot be checked without it)";
  const std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& sample_path : {SamplePath(), HoldoutPath()}) {
    auto sample = ReadSample(sample_path);
    ASSERT_TRUE(sample.ok()) << sample.status().ToString();
    for (const LabelledLocation& row : *sample) {
      if (row.text.empty()) continue;
      EXPECT_NE(csv.find(row.text), std::string::npos) << "'" << row.text << "' is not in " << path;
    }
  }
}

}  // namespace
}  // namespace covidflow::enrich::location::testing
