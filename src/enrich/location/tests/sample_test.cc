// Measures the normalizer on 300 user_location values drawn from the covid19-tweets data and
// labelled by hand (data/location_sample_300.tsv; data/draw_sample.py states the rule), and
// asserts the targets of issue 3: precision >= 95 % on what it resolves, and at least 60 % of
// the resolvable values resolved.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
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

// The held-out sample was drawn and labelled after the tables were written: these are the
// out-of-sample figures, held to the same targets. Its strings are read from the shared data
// (the test fails, never skips, when the data is missing).
TEST(LocationSample, HeldOutSampleMeetsTheSameTargets) {
  auto sample = ReadHoldout(HoldoutLabelsPath(), TweetsCsvPath());
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

// The 300 strings are user_location values of the shared data file (provenance check), and
// the file is read as the held-out test expects: 7,218 records.
TEST(LocationSample, StringsComeFromTheSharedData) {
  auto column = ReadLocationColumn(TweetsCsvPath());
  ASSERT_TRUE(column.ok()) << column.status().ToString()
                           << " (the sample's provenance cannot be checked without it)";
  EXPECT_EQ(column->size(), 7218u);
  std::set<std::string> values;
  for (std::string v : *column) {
    std::replace_if(
        v.begin(), v.end(), [](char c) { return c == '\t' || c == '\r' || c == '\n'; }, ' ');
    values.insert(v);
  }
  auto sample = ReadSample(SamplePath());
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  for (const LabelledLocation& row : *sample) {
    EXPECT_TRUE(values.count(row.text)) << "'" << row.text << "' is not a user_location value";
  }
}

}  // namespace
}  // namespace covidflow::enrich::location::testing
