// Reads every row of the real files in ../shared/data and asserts exact counts. The
// expected figures were found independently with Python's csv module (see
// docs/formats/records.md, "How the counts were checked").
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "schema/tests/read_all.h"
#include "schema/time.h"

namespace covidflow::schema {
namespace {

using testing::ReadAllCsv;
using testing::ReadCounts;

std::string ReadData(const std::string& relative) {
  const std::string path = std::string(CF_SHARED_DATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  // The data is part of the test: a missing file fails loudly, it is never skipped.
  EXPECT_TRUE(in.good()) << "missing test data " << path
                         << " (the shared data directory must be next to the project)";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Facts {
  size_t verified = 0, hashtags = 0, text_bytes = 0, multiline = 0, empty_location = 0;
  int64_t followers = 0, favourites = 0;
  Timestamp min_date{INT64_MAX}, max_date{INT64_MIN};
  void Add(const Tweet& t) {
    verified += t.user_verified;
    hashtags += t.hashtags.size();
    text_bytes += t.text.size();
    multiline += t.text.find_first_of("\r\n") != std::string::npos;
    empty_location += t.user_location.empty();
    followers += t.user_followers;
    favourites += t.user_favourites;
    min_date = std::min(min_date, t.date);
    max_date = std::max(max_date, t.date);
  }
};

TEST(RealFiles, Covid19TweetsEveryRowParses) {
  const std::string data = ReadData("covid19-tweets/covid19_tweets_2020-07-25_early.csv");
  ASSERT_EQ(data.size(), 2772990u);
  Facts f;
  ReadCounts c = ReadAllCsv(data, ParseOptions{}, [&](const Tweet& t) { f.Add(t); });
  ASSERT_TRUE(c.header.ok()) << c.header.ToString();
  EXPECT_EQ(c.records, 7218u);
  EXPECT_EQ(c.parsed, 7218u);
  EXPECT_EQ(c.rejected_total(), 0u);
  EXPECT_EQ(c.repaired, 0u);
  EXPECT_EQ(f.verified, 1006u);
  EXPECT_EQ(f.hashtags, 10746u);
  EXPECT_EQ(f.text_bytes, 963022u);
  EXPECT_EQ(f.multiline, 2292u);
  EXPECT_EQ(f.empty_location, 1416u);
  EXPECT_EQ(f.followers, 956715887);
  EXPECT_EQ(f.favourites, 81630290);
  EXPECT_EQ(FormatTimestamp(f.min_date), "2020-07-25 06:31:02");
  EXPECT_EQ(FormatTimestamp(f.max_date), "2020-07-25 11:28:59");
}

TEST(RealFiles, VaccineTweetsExtraColumnsKeptOrIgnored) {
  const std::string data =
      ReadData("covid19-vaccine-tweets/vaccination_tweets_before_2021-03-03.csv");
  ASSERT_EQ(data.size(), 2668137u);
  for (bool keep : {false, true}) {
    ParseOptions o;
    o.keep_extra_columns = keep;
    Facts f;
    int64_t retweets = 0, favorites = 0;
    size_t extras = 0;
    ReadCounts c = ReadAllCsv(data, o, [&](const Tweet& t) {
      f.Add(t);
      extras += t.extra.size();
      for (const auto& [name, value] : t.extra) {
        if (name == "retweets") retweets += std::stoll(value);
        if (name == "favorites") favorites += std::stoll(value);
      }
    });
    ASSERT_TRUE(c.header.ok()) << c.header.ToString();
    EXPECT_EQ(c.records, 6429u);
    EXPECT_EQ(c.parsed, 6429u);
    EXPECT_EQ(c.rejected_total(), 0u);
    EXPECT_EQ(f.verified, 625u);
    EXPECT_EQ(f.hashtags, 12090u);
    EXPECT_EQ(f.text_bytes, 856412u);
    EXPECT_EQ(f.multiline, 1781u);
    EXPECT_EQ(f.empty_location, 1322u);
    EXPECT_EQ(f.followers, 242035483);
    EXPECT_EQ(f.favourites, 89937556);
    EXPECT_EQ(FormatTimestamp(f.min_date), "2020-12-12 11:55:28");
    EXPECT_EQ(FormatTimestamp(f.max_date), "2021-03-02 23:58:53");
    EXPECT_EQ(extras, keep ? 3u * 6429u : 0u);
    EXPECT_EQ(retweets, keep ? 10543 : 0);
    EXPECT_EQ(favorites, keep ? 60241 : 0);
  }
}

TEST(RealFiles, CoronaNlpRepairedOrRejectedByRule) {
  const std::string data = ReadData("corona-nlp/Corona_NLP_train.csv");
  ASSERT_EQ(data.size(), 10500262u);
  ParseOptions o;
  o.mapping = *ColumnMapping::Preset("corona-nlp");

  Facts f;
  ReadCounts c = ReadAllCsv(data, o, [&](const Tweet& t) { f.Add(t); });
  ASSERT_TRUE(c.header.ok()) << c.header.ToString();
  EXPECT_EQ(c.records, 41157u);
  EXPECT_EQ(c.parsed, 41157u);
  EXPECT_EQ(c.repaired, 4u);  // four tweets hold a byte sequence that is not UTF-8
  EXPECT_EQ(c.rejected_total(), 0u);
  EXPECT_EQ(f.text_bytes, 8404274u);  // 8,404,266 raw + 2 per U+FFFD (3 bytes for 1)
  EXPECT_EQ(f.empty_location, 8590u);
  EXPECT_EQ(FormatTimestamp(f.min_date), "2020-03-16 00:00:00");
  EXPECT_EQ(FormatTimestamp(f.max_date), "2020-04-14 00:00:00");

  o.utf8 = Utf8Policy::kReject;
  c = ReadAllCsv(data, o);
  EXPECT_EQ(c.records, 41157u);
  EXPECT_EQ(c.parsed, 41153u);
  EXPECT_EQ(c.rejected, (std::map<std::string, size_t>{{"invalid_utf8", 4}}));

  // Under the reference mapping the header lacks the seed columns: a clear error.
  c = ReadAllCsv(data, ParseOptions{});
  EXPECT_FALSE(c.header.ok());
  EXPECT_NE(c.header.message().find("user_name"), std::string::npos) << c.header.message();
}

}  // namespace
}  // namespace covidflow::schema
