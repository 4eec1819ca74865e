#include "enrich/location/tests/sample_eval.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>

namespace covidflow::enrich::location::testing {

std::string SamplePath() {
  return std::string(CF_SOURCE_DIR) + "/src/enrich/location/tests/data/location_sample_300.tsv";
}

std::string HoldoutLabelsPath() {
  return std::string(CF_SOURCE_DIR) +
         "/src/enrich/location/tests/data/location_holdout_300_labels.tsv";
}

std::string TweetsCsvPath() {
  return std::string(CF_SHARED_DATA_DIR) + "/covid19-tweets/covid19_tweets_2020-07-25_early.csv";
}

std::string VaccineLabelsPath() {
  return std::string(CF_SOURCE_DIR) +
         "/src/enrich/location/tests/data/location_vaccine_400_labels.tsv";
}

std::string VaccineCsvPath() {
  return std::string(CF_SHARED_DATA_DIR) +
         "/covid19-vaccine-tweets/vaccination_tweets_before_2021-03-03.csv";
}

Result<std::vector<std::string>> ReadLocationColumn(const std::string& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return Status::NotFound("missing shared data file " + csv_path);
  const std::string csv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::string field;
  size_t column = 0;
  size_t wanted = SIZE_MAX;  // the user_location column, found in the header
  bool quoted = false;
  bool header = true;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',' || c == '\n') {
      if (header && field == "user_location") wanted = column;
      if (column == wanted && !header) out.push_back(field);
      field.clear();
      column = c == ',' ? column + 1 : 0;
      if (c == '\n') {
        if (header && wanted == SIZE_MAX) {
          return Status::Corruption(csv_path + ": no user_location column in the header");
        }
        header = false;
      }
    } else if (c != '\r') {
      field += c;
    }
  }
  return out;
}

Result<std::vector<LabelledLocation>> ReadHoldout(const std::string& labels_path,
                                                  const std::string& csv_path) {
  std::ifstream in(labels_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open the held-out labels " + labels_path);
  ASSIGN_OR_RETURN(std::vector<std::string> column, ReadLocationColumn(csv_path));
  std::vector<LabelledLocation> rows;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    if (++line_number == 1) continue;  // header: row, country, region
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) {
      return Status::Corruption(labels_path + ":" + std::to_string(line_number) +
                                ": expected three tab-separated columns");
    }
    const size_t row = std::stoul(line.substr(0, t1));
    if (row >= column.size()) {
      return Status::Corruption(labels_path + ":" + std::to_string(line_number) + ": record " +
                                std::to_string(row) + " is beyond the data file's " +
                                std::to_string(column.size()) + " records");
    }
    rows.push_back({column[row], line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)});
  }
  return rows;
}

Result<std::vector<LabelledLocation>> ReadSample(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open the labelled sample " + path);
  std::vector<LabelledLocation> rows;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line_number == 1) {
      if (line != "location\tcountry\tregion") {
        return Status::Corruption(path + ": header is not 'location<TAB>country<TAB>region'");
      }
      continue;
    }
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos || line.find('\t', t2 + 1) != std::string::npos) {
      return Status::Corruption(path + ":" + std::to_string(line_number) +
                                ": expected three tab-separated columns");
    }
    rows.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)});
  }
  return rows;
}

SampleScore Score(const LocationNormalizer& normalizer,
                  const std::vector<LabelledLocation>& sample) {
  SampleScore s;
  for (const LabelledLocation& row : sample) {
    ++s.total;
    const bool resolvable = !row.country.empty();
    s.resolvable += resolvable;
    const schema::Location got = normalizer.Normalize(row.text);
    if (got.country.empty()) {
      if (resolvable)
        s.errors.push_back("unresolved: '" + row.text + "' (truth " + row.country +
                           (row.region.empty() ? "" : "/" + row.region) + ")");
      continue;
    }
    ++s.resolved;
    s.resolved_resolvable += resolvable;
    const int band = got.confidence >= 0.9 ? 2 : got.confidence >= 0.6 ? 1 : 0;
    ++s.band_resolved[band];
    const bool country_ok = got.country == row.country;
    const bool region_ok = got.region.empty() || got.region == row.region;
    s.country_correct += country_ok;
    if (!got.region.empty()) {
      ++s.regions_given;
      s.regions_correct += country_ok && region_ok;
    }
    if (country_ok && region_ok) {
      ++s.correct;
      ++s.band_correct[band];
    } else {
      s.errors.push_back("WRONG: '" + row.text + "' -> " + got.country +
                         (got.region.empty() ? "" : "/" + got.region) + ", truth " +
                         (row.country.empty() ? "none" : row.country) +
                         (row.region.empty() ? "" : "/" + row.region));
    }
  }
  return s;
}

std::string SampleScore::Summary() const {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "sample: %d rows, %d resolvable; resolved %d (%.1f%% of all, %.1f%% of the "
                "resolvable); precision %.1f%% (%d/%d: country and any given region right); "
                "country right %d/%d; regions given %d, right %d",
                total, resolvable, resolved, 100.0 * resolved_share_of_all(),
                100.0 * resolved_share_of_resolvable(), 100.0 * precision(), correct, resolved,
                country_correct, resolved, regions_given, regions_correct);
  std::string out = buf;
  static const char* const kBands[] = {"low [0.3, 0.6)", "medium [0.6, 0.9)", "high [0.9, 1]"};
  for (int b = 0; b < 3; ++b) {
    std::snprintf(buf, sizeof(buf), "\n  confidence %-17s %3d answers, %3d right (%.1f%%)",
                  kBands[b], band_resolved[b], band_correct[b], 100.0 * band_precision(b));
    out += buf;
  }
  return out;
}

SampleScore& SampleScore::operator+=(const SampleScore& o) {
  total += o.total;
  resolvable += o.resolvable;
  resolved += o.resolved;
  resolved_resolvable += o.resolved_resolvable;
  correct += o.correct;
  country_correct += o.country_correct;
  regions_given += o.regions_given;
  regions_correct += o.regions_correct;
  for (int b = 0; b < 3; ++b) {
    band_resolved[b] += o.band_resolved[b];
    band_correct[b] += o.band_correct[b];
  }
  errors.insert(errors.end(), o.errors.begin(), o.errors.end());
  return *this;
}

}  // namespace covidflow::enrich::location::testing
