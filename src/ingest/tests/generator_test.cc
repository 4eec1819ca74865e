#include "ingest/generator.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/internal/vocabulary.h"

namespace covidflow::ingest {
namespace {

using Format = GeneratorOptions::Format;
using Row = std::vector<std::string>;

constexpr char kRealFile[] =
    CF_SHARED_DATA_DIR "/covid19-tweets/covid19_tweets_2020-07-25_early.csv";

std::string ReadRealFile() {
  std::ifstream in(kRealFile, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "reference data missing: cannot read " << kRealFile
                  << " (the shared data directory must sit next to the project)";
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A strict RFC 4180 reader for the tests: records end with CRLF; a quoted field may hold
// commas, CR, LF and doubled quotes; a quote anywhere else is an error. Returns false (with
// `error`) on a structural error or an unterminated quote.
bool ParseCsv(std::string_view in, std::vector<Row>* rows, std::string* error) {
  size_t i = 0;
  while (i < in.size()) {
    Row row;
    std::string field;
    for (;;) {
      field.clear();
      if (i < in.size() && in[i] == '"') {
        ++i;
        for (;;) {
          if (i >= in.size()) {
            *error = "unterminated quote in record " + std::to_string(rows->size());
            return false;
          }
          if (in[i] == '"') {
            if (i + 1 < in.size() && in[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          field.push_back(in[i++]);
        }
      } else {
        while (i < in.size() && in[i] != ',' && in[i] != '\r' && in[i] != '\n') {
          if (in[i] == '"') {
            *error = "stray quote in record " + std::to_string(rows->size());
            return false;
          }
          field.push_back(in[i++]);
        }
      }
      row.push_back(field);
      if (i < in.size() && in[i] == ',') {
        ++i;
        continue;
      }
      if (in.substr(i, 2) == "\r\n") {
        i += 2;
        break;
      }
      *error = "record " + std::to_string(rows->size()) + " not terminated by CRLF";
      return false;
    }
    rows->push_back(std::move(row));
  }
  return true;
}

// Records produced one by one, with the kind of each.
struct Sample {
  std::string bytes;  // header (CSV) + records with terminators, as Generate writes them
  std::vector<std::string> records;
  std::vector<std::string> kinds;
  GeneratorStats stats;
};

Sample Produce(const GeneratorOptions& options) {
  Sample s;
  Generator gen(options);
  if (options.format == Format::kCsv) {
    s.bytes.append(gen.Header()).append(gen.Terminator());
  }
  std::string record;
  for (int64_t i = 0; i < options.count; ++i) {
    record.clear();
    gen.Next(&record);
    s.bytes.append(record).append(gen.Terminator());
    s.records.push_back(record);
    s.kinds.emplace_back(gen.last_malformed_kind());
  }
  s.stats = gen.stats();
  return s;
}

std::vector<Row> ParseOrFail(const std::string& bytes) {
  std::vector<Row> rows;
  std::string error;
  EXPECT_TRUE(ParseCsv(bytes, &rows, &error)) << error;
  return rows;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Column formats as the reference file writes them.
const std::regex kTimestampRe(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})");
const std::regex kCountRe(R"(0|[1-9]\d*)");
const std::regex kBoolRe("True|False");
const std::regex kHashtagsRe(R"(|\['[^',\[\]]+'(, '[^',\[\]]+')*\])");

enum Col {
  kName,
  kLocation,
  kDescription,
  kCreated,
  kFollowers,
  kFriends,
  kFavourites,
  kVerified,
  kDate,
  kText,
  kHashtags,
  kSource,
  kRetweet,
  kEngagement
};

// A timestamp in the reference format with a real calendar date and time of day.
bool ValidTimestamp(const std::string& v) {
  if (!std::regex_match(v, kTimestampRe)) return false;
  int y = std::stoi(v.substr(0, 4)), m = std::stoi(v.substr(5, 2)), d = std::stoi(v.substr(8, 2));
  int hh = std::stoi(v.substr(11, 2)), mm = std::stoi(v.substr(14, 2)),
      ss = std::stoi(v.substr(17, 2));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1] || (m == 2 && d == 29 && !leap)) return false;
  return hh < 24 && mm < 60 && ss < 60;
}

// The first violated format of a data row, or "" when every value has the reference format.
std::string FormatViolation(const Row& r) {
  if (r.size() < 13) return "column_count";
  auto full = [](const std::string& v, const std::regex& re) { return std::regex_match(v, re); };
  if (!ValidTimestamp(r[kCreated]) || !ValidTimestamp(r[kDate])) return "bad_timestamp";
  if (!full(r[kFollowers], kCountRe) || !full(r[kFriends], kCountRe) ||
      !full(r[kFavourites], kCountRe)) {
    return "bad_number";
  }
  if (!full(r[kVerified], kBoolRe) || !full(r[kRetweet], kBoolRe)) return "bad_bool";
  if (!full(r[kHashtags], kHashtagsRe)) return "bad_hashtags";
  if (r[kText].empty() || r[kName].empty()) return "missing_field";
  return "";
}

std::string HeaderOf(const std::string& file) { return file.substr(0, file.find("\r\n")); }

TEST(GeneratorTest, SameSeedSameBytesDifferentSeedDifferentBytes) {
  GeneratorOptions o;
  o.count = 20000;
  o.malformed_rate = 0.01;
  o.drift_after = 10000;
  o.engagement_label = true;
  for (Format f : {Format::kCsv, Format::kJsonl}) {
    o.format = f;
    o.seed = 7;
    Sample a = Produce(o), b = Produce(o);
    o.seed = 8;
    Sample c = Produce(o);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_NE(a.bytes, c.bytes);
    size_t differing = 0;
    for (size_t i = 0; i < a.records.size(); ++i) differing += a.records[i] != c.records[i];
    EXPECT_GT(differing, a.records.size() * 99 / 100) << "seeds should give unrelated streams";
  }
}

// Pins the stream: a change in the PRNG, a table or a template changes these hashes, and a
// platform whose arithmetic differs fails here. Update the constants only on purpose.
TEST(GeneratorTest, StreamIsPinned) {
  GeneratorOptions o;
  o.count = 2000;
  o.seed = 1;
  Sample csv = Produce(o);
  o.format = Format::kJsonl;
  o.malformed_rate = 0.05;
  o.engagement_label = true;
  Sample jsonl = Produce(o);
  EXPECT_EQ(Fnv1a(csv.bytes), 0x45ddd749ff8eb464ULL) << std::hex << Fnv1a(csv.bytes);
  EXPECT_EQ(Fnv1a(jsonl.bytes), 0x4bde85c6b93d257cULL) << std::hex << Fnv1a(jsonl.bytes);
  // CSV with every malformed kind, the engagement column and drift: the value of this hash
  // is the hand-written writer's (before the fields were written from schema/fields.h).
  o.format = Format::kCsv;
  o.drift_after = 1000;
  Sample damaged = Produce(o);
  EXPECT_EQ(Fnv1a(damaged.bytes), 0xd089c0b41eb32c33ULL) << std::hex << Fnv1a(damaged.bytes);
}

TEST(GeneratorTest, GenerateWritesTheSameBytesToAFile) {
  GeneratorOptions o;
  o.count = 30000;  // several 1 MiB flushes
  o.malformed_rate = 0.02;
  char path[] = "/tmp/cf_generator_testXXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  Result<GeneratorStats> stats = Generate(o, fd);
  ::close(fd);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  ::unlink(path);
  Sample s = Produce(o);
  EXPECT_EQ(ss.str(), s.bytes);
  EXPECT_EQ(stats->bytes, static_cast<int64_t>(s.bytes.size()));
  EXPECT_EQ(stats->records, 30000);
  EXPECT_EQ(stats->malformed, 600);
  EXPECT_EQ(stats->malformed_by_kind, s.stats.malformed_by_kind);
}

TEST(GeneratorTest, WriteFailureIsAnError) {
  GeneratorOptions o;
  o.count = 10;
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  Result<GeneratorStats> stats = Generate(o, fd);
  ::close(fd);
  EXPECT_FALSE(stats.ok());
}

TEST(GeneratorTest, HeaderEqualsTheReferenceFileHeader) {
  std::string real = ReadRealFile();
  ASSERT_FALSE(real.empty());
  GeneratorOptions o;
  Generator gen(o);
  EXPECT_EQ(gen.Header(), HeaderOf(real));
  EXPECT_EQ(gen.Terminator(), "\r\n");
  o.engagement_label = true;
  Generator labelled(o);
  EXPECT_EQ(labelled.Header(), HeaderOf(real) + ",engagement");
}

TEST(GeneratorTest, CsvIsRfc4180WithOneRecordPerTweet) {
  GeneratorOptions o;
  o.count = 50000;
  Sample s = Produce(o);
  std::vector<Row> rows = ParseOrFail(s.bytes);
  ASSERT_EQ(rows.size(), 50001u);
  size_t with_newline = 0, quoted = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 13u) << "record " << i;
    with_newline += rows[i][kText].find('\n') != std::string::npos;
  }
  for (const std::string& r : s.records) quoted += r.find('"') != std::string::npos;
  // The reference file has a newline in about a third of its texts; quoting must be exercised.
  EXPECT_GT(with_newline, 50000u / 10);
  EXPECT_GT(quoted, 50000u / 4);
}

// The same regexes accept every value of the reference file and every generated value.
TEST(GeneratorTest, ValueFormatsMatchTheReferenceFile) {
  std::string real = ReadRealFile();
  ASSERT_FALSE(real.empty());
  std::vector<Row> real_rows = ParseOrFail(real);
  ASSERT_GT(real_rows.size(), 7000u);
  std::set<std::string> real_sources;
  for (size_t i = 1; i < real_rows.size(); ++i) {
    ASSERT_EQ(real_rows[i].size(), 13u);
    // The reference file has a few empty user names; the name check is the generator's own.
    Row r = real_rows[i];
    if (r[kName].empty()) r[kName] = "x";
    EXPECT_EQ(FormatViolation(r), "") << "reference record " << i;
    real_sources.insert(r[kSource]);
  }
  GeneratorOptions o;
  o.count = 20000;
  o.engagement_label = true;
  std::vector<Row> rows = ParseOrFail(Produce(o).bytes);
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(FormatViolation(rows[i]), "") << "generated record " << i;
    ASSERT_TRUE(real_sources.count(rows[i][kSource]) || rows[i][kSource] == "SocialFlow")
        << rows[i][kSource];
    ASSERT_TRUE(rows[i][kEngagement] == "0" || rows[i][kEngagement] == "1");
    ASSERT_EQ(rows[i][kRetweet], "False");
  }
}

TEST(GeneratorTest, DistributionsLookLikeTheReferenceStream) {
  GeneratorOptions o;
  o.count = 100000;
  o.seed = 3;
  std::vector<Row> rows = ParseOrFail(Produce(o).bytes);
  ASSERT_EQ(rows.size(), 100001u);
  std::vector<int64_t> followers;
  int64_t verified = 0, empty_location = 0, empty_hashtags = 0;
  std::map<std::string, int64_t> locations;
  std::string previous_date;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    followers.push_back(std::stoll(r[kFollowers]));
    verified += r[kVerified] == "True";
    empty_location += r[kLocation].empty();
    empty_hashtags += r[kHashtags].empty();
    ++locations[r[kLocation]];
    ASSERT_GE(r[kDate], previous_date) << "event time must not go back, record " << i;
    ASSERT_LT(r[kCreated], r[kDate]) << "account created after its tweet, record " << i;
    previous_date = r[kDate];
  }
  std::sort(followers.begin(), followers.end());
  int64_t median = followers[followers.size() / 2];
  int64_t p99 = followers[followers.size() * 99 / 100];
  // Reference file: 13.5% verified, median 988 followers, p99 4.5M, 19.6% empty locations.
  EXPECT_GT(verified, 11000);
  EXPECT_LT(verified, 16000);
  EXPECT_GT(median, 300);
  EXPECT_LT(median, 3000);
  EXPECT_GT(p99, 300 * median) << "follower counts must be heavy-tailed";
  EXPECT_LT(p99, 130'000'000);
  EXPECT_GT(empty_location, 15000);
  EXPECT_LT(empty_location, 25000);
  EXPECT_GT(empty_hashtags, 20000);
  EXPECT_LT(empty_hashtags, 40000);
  // Cities, countries and jokes are all there.
  EXPECT_GT(locations["New York, NY"], 0);
  EXPECT_GT(locations["India"], locations["Mumbai, India"]);
  EXPECT_GT(locations["Mars"], 0);
}

double ShareWithAnyWord(const std::vector<Row>& rows, size_t from, size_t to,
                        std::span<const std::string_view> words) {
  int64_t hits = 0;
  for (size_t i = from; i < to; ++i) {
    const std::string& text = rows[i][kText];
    for (std::string_view w : words) {
      if (text.find(w) != std::string::npos) {
        ++hits;
        break;
      }
    }
  }
  return static_cast<double>(hits) / static_cast<double>(to - from);
}

std::string TopHashtag(const std::vector<Row>& rows, size_t from, size_t to,
                       std::map<std::string, int64_t>* counts) {
  static const std::regex kTag("'([^']+)'");
  for (size_t i = from; i < to; ++i) {
    const std::string& h = rows[i][kHashtags];
    for (auto it = std::sregex_iterator(h.begin(), h.end(), kTag); it != std::sregex_iterator();
         ++it) {
      ++(*counts)[(*it)[1].str()];
    }
  }
  return std::max_element(counts->begin(), counts->end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

TEST(GeneratorTest, DriftChangesSentimentHashtagsAndLocationsAfterK) {
  GeneratorOptions o;
  o.count = 60000;
  o.drift_after = 30000;
  std::vector<Row> rows = ParseOrFail(Produce(o).bytes);
  ASSERT_EQ(rows.size(), 60001u);
  const size_t k = 1 + 30000;  // row index of the first drifted tweet
  double negative_before = ShareWithAnyWord(rows, 1, k, internal::kNegativeWords);
  double negative_after = ShareWithAnyWord(rows, k, rows.size(), internal::kNegativeWords);
  double positive_before = ShareWithAnyWord(rows, 1, k, internal::kPositiveWords);
  double positive_after = ShareWithAnyWord(rows, k, rows.size(), internal::kPositiveWords);
  EXPECT_GT(negative_after, negative_before + 0.15);
  EXPECT_LT(positive_after, positive_before - 0.10);

  std::map<std::string, int64_t> before, after;
  EXPECT_EQ(TopHashtag(rows, 1, k, &before), "COVID19");
  EXPECT_EQ(TopHashtag(rows, k, rows.size(), &after), "SecondWave");
  EXPECT_EQ(before.count("SecondWave"), 0u);

  auto share = [&](size_t from, size_t to, const std::string& location) {
    int64_t n = 0;
    for (size_t i = from; i < to; ++i) n += rows[i][kLocation] == location;
    return static_cast<double>(n) / static_cast<double>(to - from);
  };
  EXPECT_LT(share(k, rows.size(), "India"), share(1, k, "India") / 2);
  EXPECT_GT(share(k, rows.size(), "Brazil"), 0.01);
  EXPECT_EQ(share(1, k, "Brazil"), 0);

  // Without a drift point the second half looks like the first.
  o.drift_after = -1;
  std::vector<Row> steady = ParseOrFail(Produce(o).bytes);
  double steady_after = ShareWithAnyWord(steady, k, steady.size(), internal::kNegativeWords);
  EXPECT_NEAR(steady_after, negative_before, 0.03);
}

// Counts by kind follow from the rotation: malformed record m has kind m % kinds.
std::map<std::string, int64_t> ExpectedByKind(Format f, int64_t malformed) {
  std::map<std::string, int64_t> by_kind;
  std::vector<std::string_view> kinds = Generator::MalformedKinds(f);
  for (int64_t m = 0; m < malformed; ++m) ++by_kind[std::string(kinds[m % kinds.size()])];
  return by_kind;
}

TEST(GeneratorTest, MalformedCsvRecordsAreExactlyCountedAndEachHasItsDefect) {
  for (double rate : {0.0, 0.001, 0.05, 0.123, 0.5, 1.0}) {
    SCOPED_TRACE(rate);
    GeneratorOptions o;
    o.count = 10007;
    o.malformed_rate = rate;
    Sample s = Produce(o);
    int64_t expected = Generator::ExpectedMalformed(o.count, rate);
    EXPECT_EQ(expected, static_cast<int64_t>(rate * 10007));
    EXPECT_EQ(s.stats.malformed, expected);
    EXPECT_EQ(s.stats.records, 10007);
    EXPECT_EQ(s.stats.malformed_by_kind, ExpectedByKind(Format::kCsv, expected));
    // Still one CSV record per tweet: a malformed record never swallows its neighbours.
    std::vector<Row> rows = ParseOrFail(s.bytes);
    ASSERT_EQ(rows.size(), 10008u);
    for (size_t i = 0; i < s.records.size(); ++i) {
      const Row& r = rows[i + 1];
      std::string violation = r.size() != 13 ? "column_count" : FormatViolation(r);
      ASSERT_EQ(violation, s.kinds[i]) << "record " << i << ": " << s.records[i];
    }
  }
}

TEST(GeneratorTest, MalformedJsonlRecordsAreExactlyCountedAndEachHasItsDefect) {
  GeneratorOptions o;
  o.count = 6000;
  o.format = Format::kJsonl;
  o.malformed_rate = 0.1;
  o.engagement_label = true;
  Sample s = Produce(o);
  EXPECT_EQ(s.stats.malformed, 600);
  EXPECT_EQ(s.stats.malformed_by_kind, ExpectedByKind(Format::kJsonl, 600));
  EXPECT_EQ(std::count(s.bytes.begin(), s.bytes.end(), '\n'), 6000);
  const std::vector<std::string> kKeys = {
      "user_name",    "user_location",   "user_description", "user_created", "user_followers",
      "user_friends", "user_favourites", "user_verified",    "date",         "text",
      "hashtags",     "source",          "is_retweet",       "engagement"};
  for (size_t i = 0; i < s.records.size(); ++i) {
    SCOPED_TRACE(s.records[i]);
    const std::string& kind = s.kinds[i];
    nlohmann::json j = nlohmann::json::parse(s.records[i], nullptr, /*allow_exceptions=*/false);
    if (kind == "malformed_json") {
      EXPECT_TRUE(j.is_discarded() || !j.is_object());
      continue;
    }
    ASSERT_TRUE(j.is_object());
    std::string violation;
    if (!j.contains("text") || j["text"] == "") violation = "missing_field";
    if (!j["user_followers"].is_number_unsigned()) violation = "bad_number";
    if (!j["user_verified"].is_boolean()) violation = "bad_bool";
    if (!j["hashtags"].is_array() ||
        !std::all_of(j["hashtags"].begin(), j["hashtags"].end(),
                     [](const nlohmann::json& t) { return t.is_string(); })) {
      violation = "bad_hashtags";
    }
    if (!ValidTimestamp(j["date"].get<std::string>())) {
      violation = "bad_timestamp";
    }
    EXPECT_EQ(violation, kind);
    if (kind.empty()) {
      EXPECT_EQ(j.size(), kKeys.size());
      for (const std::string& key : kKeys) EXPECT_TRUE(j.contains(key)) << key;
      EXPECT_TRUE(ValidTimestamp(j["user_created"].get<std::string>()));
      EXPECT_TRUE(j["user_friends"].is_number_unsigned());
      EXPECT_TRUE(j["is_retweet"].is_boolean());
    }
  }
}

TEST(GeneratorTest, JsonlCarriesTheSameTweetsAsCsv) {
  GeneratorOptions o;
  o.count = 3000;
  o.engagement_label = true;
  std::vector<Row> rows = ParseOrFail(Produce(o).bytes);
  o.format = Format::kJsonl;
  Sample jsonl = Produce(o);
  for (size_t i = 0; i < jsonl.records.size(); ++i) {
    const Row& r = rows[i + 1];
    nlohmann::json j = nlohmann::json::parse(jsonl.records[i]);
    ASSERT_EQ(j["user_name"], r[kName]);
    ASSERT_EQ(j["user_location"], r[kLocation]);
    ASSERT_EQ(j["text"], r[kText]);
    ASSERT_EQ(j["date"], r[kDate]);
    ASSERT_EQ(j["user_followers"].get<int64_t>(), std::stoll(r[kFollowers]));
    ASSERT_EQ(j["user_verified"].get<bool>(), r[kVerified] == "True");
    ASSERT_EQ(j["engagement"].get<int>(), std::stoi(r[kEngagement]));
    std::string list;
    for (const auto& t : j["hashtags"]) {
      list += (list.empty() ? "['" : ", '") + t.get<std::string>() + "'";
    }
    if (!list.empty()) list += "]";
    ASSERT_EQ(list, r[kHashtags]);
  }
}

TEST(GeneratorTest, EngagementDependsOnTheFeatures) {
  GeneratorOptions o;
  o.count = 50000;
  o.engagement_label = true;
  std::vector<Row> rows = ParseOrFail(Produce(o).bytes);
  ASSERT_EQ(rows[0].back(), "engagement");
  int64_t small = 0, small_engaged = 0, large = 0, large_engaged = 0, engaged = 0;
  int64_t verified = 0, verified_engaged = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    int64_t f = std::stoll(r[kFollowers]);
    bool e = r[kEngagement] == "1";
    engaged += e;
    if (f < 1000) small += 1, small_engaged += e;
    if (f >= 10000) large += 1, large_engaged += e;
    if (r[kVerified] == "True") verified += 1, verified_engaged += e;
  }
  double share = static_cast<double>(engaged) / 50000;
  EXPECT_GT(share, 0.15);
  EXPECT_LT(share, 0.85) << "a label that is almost constant teaches nothing";
  double p_small = static_cast<double>(small_engaged) / static_cast<double>(small);
  double p_large = static_cast<double>(large_engaged) / static_cast<double>(large);
  double p_verified = static_cast<double>(verified_engaged) / static_cast<double>(verified);
  EXPECT_GT(p_large, p_small + 0.2);
  EXPECT_GT(p_verified, share + 0.1);
}

TEST(GeneratorTest, EngagementColumnDoesNotChangeTheTweets) {
  GeneratorOptions o;
  o.count = 2000;
  Sample plain = Produce(o);
  o.engagement_label = true;
  Sample labelled = Produce(o);
  for (size_t i = 0; i < plain.records.size(); ++i) {
    ASSERT_EQ(labelled.records[i].substr(0, labelled.records[i].size() - 2), plain.records[i]);
  }
}

}  // namespace
}  // namespace covidflow::ingest
