#pragma once
// Reads the hand-labelled sample (data/location_sample_300.tsv) and scores the normalizer on
// it. Shared by the accuracy test and the benchmark.
#include <string>
#include <vector>

#include "base/status.h"
#include "enrich/location/normalizer.h"

namespace covidflow::enrich::location::testing {

struct LabelledLocation {
  std::string text;
  std::string country;  // the true answer; empty = not resolvable
  std::string region;
};

// The sample's path inside the source tree.
std::string SamplePath();
Result<std::vector<LabelledLocation>> ReadSample(const std::string& path);

// The shared data file both samples were drawn from (outside the project).
std::string TweetsCsvPath();
// The user_location column of every record of an RFC 4180 CSV with a header row.
// NotFound when the file is missing.
Result<std::vector<std::string>> ReadLocationColumn(const std::string& csv_path);

// The held-out sample, drawn and labelled after the tables were written. Its labels file
// (data/location_holdout_300_labels.tsv) holds record indices, not strings, so the strings
// are read from the shared data: NotFound when it is missing.
std::string HoldoutLabelsPath();
Result<std::vector<LabelledLocation>> ReadHoldout(const std::string& labels_path,
                                                  const std::string& csv_path);

// A third sample, from another data set (vaccine tweets, Dec 2020 – Mar 2021), drawn and
// labelled by a second person, without running the normalizer, after the rules for issue 11's
// false-confidence classes were written: data/location_vaccine_400_labels.tsv holds record
// indices; the strings are read from the shared data.
std::string VaccineLabelsPath();
std::string VaccineCsvPath();

struct SampleScore {
  int total = 0;
  int resolvable = 0;           // the truth has a country
  int resolved = 0;             // the normalizer gave a country
  int resolved_resolvable = 0;  // ... on a resolvable row
  int correct = 0;              // country right, and region right where one was given
  int country_correct = 0;      // country right
  int regions_given = 0;
  int regions_correct = 0;
  std::vector<std::string> errors;  // "text -> got XX/XX-YY, truth ZZ/ZZ-WW"
  // Answers and right answers by confidence band: [0.3, 0.6), [0.6, 0.9), [0.9, 1].
  int band_resolved[3] = {};
  int band_correct[3] = {};

  double band_precision(int band) const {
    return band_resolved[band] == 0 ? 0 : double(band_correct[band]) / band_resolved[band];
  }
  SampleScore& operator+=(const SampleScore& other);

  double precision() const { return resolved == 0 ? 0 : double(correct) / resolved; }
  double resolved_share_of_resolvable() const {
    return resolvable == 0 ? 0 : double(resolved_resolvable) / resolvable;
  }
  double resolved_share_of_all() const { return total == 0 ? 0 : double(resolved) / total; }
  std::string Summary() const;
};

SampleScore Score(const LocationNormalizer& normalizer,
                  const std::vector<LabelledLocation>& sample);

}  // namespace covidflow::enrich::location::testing
