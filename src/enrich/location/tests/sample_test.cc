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

// The vaccine-tweet sample (another data set, a second labeller, labelled without running the
// normalizer and after its rules were last changed) is held to the same targets.
TEST(LocationSample, VaccineTweetSampleMeetsTheSameTargets) {
  auto sample = ReadHoldout(VaccineLabelsPath(), VaccineCsvPath());
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  ASSERT_EQ(sample->size(), 400u);
  const SampleScore s = Score(LocationNormalizer::Default(), *sample);
  std::string errors;
  for (const std::string& e : s.errors) errors += "  " + e + "\n";
  std::printf("vaccine-tweet %s\n%s", s.Summary().c_str(), errors.c_str());
  RecordProperty("summary", s.Summary());
  EXPECT_GE(s.precision(), 0.95) << s.Summary();
  EXPECT_GE(s.resolved_share_of_resolvable(), 0.60) << s.Summary();
}

// `confidence` means something: over all three labelled samples (1,000 strings), answers given
// with high confidence are right at least as often as medium ones, and medium at least as often
// as low ones (README.md, "What confidence means").
TEST(LocationConfidence, PrecisionRisesWithConfidenceOnTheLabelledSamples) {
  auto first = ReadSample(SamplePath());
  auto holdout = ReadHoldout(HoldoutLabelsPath(), TweetsCsvPath());
  auto vaccine = ReadHoldout(VaccineLabelsPath(), VaccineCsvPath());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(holdout.ok()) << holdout.status().ToString();
  ASSERT_TRUE(vaccine.ok()) << vaccine.status().ToString();
  const LocationNormalizer& n = LocationNormalizer::Default();
  SampleScore all = Score(n, *first);
  all += Score(n, *holdout);
  all += Score(n, *vaccine);
  std::printf("all three samples %s\n", all.Summary().c_str());
  RecordProperty("summary", all.Summary());
  for (int band = 0; band < 3; ++band) ASSERT_GT(all.band_resolved[band], 0) << band;
  EXPECT_GE(all.band_precision(2), all.band_precision(1)) << all.Summary();
  EXPECT_GE(all.band_precision(1), all.band_precision(0)) << all.Summary();
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
