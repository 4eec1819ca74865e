// Training and evaluating from the lake and from Parquet files: the same model as from a CSV
// export of the same rows, date pruning, the event-time window, lineage, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "base/fs.h"
#include "base/testing/temp_dir.h"
#include "lake/sink.h"
#include "lake/writer.h"
#include "model/artifact.h"
#include "schema/csv.h"
#include "schema/time.h"
#include "train/evaluate.h"
#include "train/trainer.h"

namespace covidflow::train {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t k20210104 = 1609718400;  // 2021-01-04 00:00:00 UTC

// Four days of tweets whose words follow their sentiment label, with a little noise.
std::vector<schema::EnrichedTweet> Rows() {
  const char* pos[] = {"love this", "great day", "so happy", "wonderful news", "best ever"};
  const char* neg[] = {"hate this", "awful day", "so sad", "terrible news", "worst ever"};
  std::vector<schema::EnrichedTweet> rows;
  for (int i = 0; i < 160; ++i) {
    schema::EnrichedTweet r;
    const bool positive = (i * 7) % 3 != 0;
    const bool noisy = i % 11 == 0;
    r.tweet.user_name = "u" + std::to_string(i % 13);
    r.tweet.text = std::string((positive != noisy) ? pos[i % 5] : neg[i % 5]) + ", \"item\" " +
                   std::to_string(i % 17);
    r.tweet.date.seconds = k20210104 + (i % 4) * kDay + (i * 523) % kDay;
    r.tweet.user_verified = i % 5 == 0;
    r.tweet.hashtags = {"COVID19"};
    r.sentiment.compound = positive ? 0.1 + 0.003 * (i % 50) : -0.2 - 0.007 * (i % 30);
    r.sentiment.label =
        positive ? schema::Sentiment::Label::kPositive : schema::Sentiment::Label::kNegative;
    r.enricher = "vader";
    r.source.topic = "tweets.raw";
    r.source.offset = Offset(i);
    rows.push_back(std::move(r));
  }
  return rows;
}

// The same rows as a CSV written here by hand (not through the lake's rendering): numbers in
// %.17g, booleans lower-case; a row's values read back the same.
std::string CsvExport(const std::vector<schema::EnrichedTweet>& rows) {
  std::string out = "text,sentiment_label,sentiment_compound,user_verified,event_time\n";
  for (const schema::EnrichedTweet& r : rows) {
    std::string text = r.tweet.text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    char number[40];
    std::snprintf(number, sizeof number, "%.17g", r.sentiment.compound);
    out += quoted + "\"," +
           (r.sentiment.label == schema::Sentiment::Label::kPositive ? "positive" : "negative") +
           "," + number + "," + (r.tweet.user_verified ? "true" : "false") + "," +
           schema::FormatTimestamp(r.tweet.date) + "\n";
  }
  return out;
}

class TrainLakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rows_ = Rows();
    auto sink = lake::LakeSink::Open(Lake());
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    // Two commits: two files in each partition.
    for (size_t i = 0; i < rows_.size(); ++i) {
      (*sink)->Append(rows_[i]);
      if (i == rows_.size() / 2) {
        ASSERT_TRUE((*sink)->Commit().ok());
      }
    }
    ASSERT_TRUE((*sink)->Commit().ok());
  }
  std::string Lake() const { return dir_.Sub("lake"); }
  // The rows in the order the lake gives them back: by partition date, then file (the first
  // commit's before the second's), then as appended. The model depends on the rows' order
  // (liblinear's sums), so an export to compare with keeps it.
  std::vector<schema::EnrichedTweet> LakeOrder() const {
    std::vector<std::pair<std::pair<int64_t, int>, size_t>> keys;
    for (size_t i = 0; i < rows_.size(); ++i) {
      const int commit = i <= rows_.size() / 2 ? 0 : 1;
      keys.push_back({{rows_[i].tweet.date.seconds / kDay, commit}, i});
    }
    std::stable_sort(keys.begin(), keys.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<schema::EnrichedTweet> out;
    for (const auto& k : keys) out.push_back(rows_[k.second]);
    return out;
  }
  Result<Spec> MakeSpec(const std::string& feature_column = "sentiment_compound",
                        const std::string& split =
                            "by: time, column: event_time, "
                            "validation_from: '2021-01-06 00:00:00'") {
    return ParseSpec(
        "name: lake\ntask: binary\nseed: 5\nlabel: sentiment_label\nmin_class_rows: 5\n"
        "features:\n"
        "  - {kind: text, column: text, min_df: 1, hash_bits: 12}\n"
        "  - {kind: numeric, column: " +
            feature_column +
            "}\n"
            "  - {kind: boolean, column: user_verified}\n"
            "  - {kind: hour, column: event_time}\n"
            "model: {family: linear, hyperparameters: {C: 2}}\n"
            "split: {" +
            split + "}\n",
        dir_.path());
  }
  TrainOptions FromLake(const std::string& out, features::LakeQuery q = {}) {
    TrainOptions o;
    q.dir = q.dir.empty() ? Lake() : q.dir;
    o.lake = q;
    o.out_dir = dir_.Sub(out);
    return o;
  }
  TrainOptions FromFiles(const std::string& out, std::vector<std::string> files) {
    TrainOptions o;
    o.data_files = std::move(files);
    o.out_dir = dir_.Sub(out);
    return o;
  }
  void ExpectSameModel(const std::string& a, const std::string& b) {
    for (const char* f : {"features.json", "classifier.json", "linear.model"}) {
      Result<std::string> x = ReadWholeFile(dir_.Sub(a + "/") + f);
      Result<std::string> y = ReadWholeFile(dir_.Sub(b + "/") + f);
      ASSERT_TRUE(x.ok() && y.ok()) << f;
      EXPECT_EQ(*x, *y) << a << " vs " << b << ": " << f;
    }
  }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_TRUE(ReplaceFileAtomically(dir_.Sub(name), bytes, dir_.Sub(name) + ".tmp").ok());
  }

  std::vector<schema::EnrichedTweet> rows_;
  testing::TempDir dir_;
};

TEST_F(TrainLakeTest, LakeAndItsCsvExportGiveTheSameModelBytes) {
  Result<Spec> spec = MakeSpec();
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<TrainReport> lake = Train(*spec, FromLake("from_lake"));
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();
  Write("export.csv", CsvExport(LakeOrder()));
  Result<TrainReport> csv = Train(*spec, FromFiles("from_csv", {dir_.Sub("export.csv")}));
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  ExpectSameModel("from_lake", "from_csv");
  ASSERT_EQ(lake->splits.size(), 2u);
  EXPECT_EQ(lake->splits[0].rows, 80);  // 2021-01-04 and -05
  EXPECT_EQ(lake->splits[1].rows, 80);
  EXPECT_EQ(lake->splits[1].metrics.accuracy, csv->splits[1].metrics.accuracy);
  EXPECT_GT(lake->splits[1].metrics.accuracy, 0.8);

  // Lineage: each lake file read with its rows, size and mtime; the range.
  const nlohmann::json& l = lake->lineage;
  ASSERT_EQ(l["inputs"].size(), 8u) << l.dump();  // 4 partitions × 2 commits
  int64_t rows = 0;
  for (const nlohmann::json& in : l["inputs"]) {
    EXPECT_NE(in["path"].get<std::string>().find("/tweets/date=2021-01-0"), std::string::npos);
    EXPECT_GT(in["bytes"].get<int64_t>(), 0);
    EXPECT_GT(in["mtime_ns"].get<int64_t>(), 0);
    rows += in["rows"].get<int64_t>();
  }
  EXPECT_EQ(rows, 160);
  EXPECT_EQ(l["lake"]["dir"], Lake());
  EXPECT_EQ(l["lake"]["rows"], 160);
  schema::Timestamp first = rows_[0].tweet.date, last = first;
  for (const schema::EnrichedTweet& t : rows_) {
    first = std::min(first, t.tweet.date);
    last = std::max(last, t.tweet.date);
  }
  EXPECT_EQ(l["date_range"],
            nlohmann::json::array({schema::FormatTimestamp(first), schema::FormatTimestamp(last)}));
  Result<model::Model> m = model::LoadModel(dir_.Sub("from_lake"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->record["lineage"]["lake"]["files"], 8);
}

TEST_F(TrainLakeTest, AParquetFileInDataGivesTheSameModel) {
  Result<Spec> spec = MakeSpec();
  ASSERT_TRUE(lake::WriteParquetFile(dir_.Sub("all.parquet"), LakeOrder(), {}).ok());
  ASSERT_TRUE(Train(*spec, FromLake("from_lake")).ok());
  Result<TrainReport> r = Train(*spec, FromFiles("from_parquet", {dir_.Sub("all.parquet")}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectSameModel("from_lake", "from_parquet");
  EXPECT_TRUE(r->lineage["inputs"][0].contains("crc32c"));
}

TEST_F(TrainLakeTest, PartitionsOutsideTheRangeAreNeverOpened) {
  Result<Spec> spec = MakeSpec();
  // A damaged file in a partition before the range: reading it would fail.
  ASSERT_TRUE(MakeDirs(Lake() + "/tweets/date=2021-01-01").ok());
  Write("lake/tweets/date=2021-01-01/part-bad.parquet", "PAR1 not a parquet file PAR1");
  features::LakeQuery q;
  q.from_date = "2021-01-04";
  Result<TrainReport> r = Train(*spec, FromLake("pruned", q));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->lineage["inputs"].size(), 8u);
  // Without the range it is read, and named.
  Result<TrainReport> all = Train(*spec, FromLake("unpruned"));
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kCorruption) << all.status().ToString();
  EXPECT_NE(all.status().message().find("part-bad.parquet"), std::string::npos);
}

TEST_F(TrainLakeTest, AnEventTimeWindowKeepsOnlyItsRows) {
  Result<Spec> spec = MakeSpec();
  features::LakeQuery q;
  // 2021-01-04 12:00 up to 2021-01-06 12:00: pruning opens three partitions, the window cuts
  // half a day off the first and the last.
  q.from_ms = (k20210104 + kDay / 2) * 1000;
  q.to_ms = (k20210104 + 2 * kDay + kDay / 2) * 1000;
  Result<TrainReport> r = Train(*spec, FromLake("window", q));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  int64_t inside = 0;
  int64_t in_partitions = 0;
  for (const schema::EnrichedTweet& t : rows_) {
    const int64_t ms = t.tweet.date.seconds * 1000;
    inside += ms >= q.from_ms && ms < q.to_ms;
    in_partitions += t.tweet.date.seconds < k20210104 + 3 * kDay;
  }
  EXPECT_EQ(r->splits[0].rows + r->splits[1].rows, inside);
  EXPECT_EQ(r->lineage["lake"]["rows_outside_window"], in_partitions - inside);
  EXPECT_EQ(r->lineage["inputs"].size(), 6u);
  EXPECT_EQ(r->lineage["lake"]["from_ms"], q.from_ms);
}

TEST_F(TrainLakeTest, ClearErrorsNameWhatIsWrong) {
  Result<Spec> spec = MakeSpec();
  features::LakeQuery missing;
  missing.dir = dir_.Sub("no-lake");
  Result<TrainReport> r = Train(*spec, FromLake("a", missing));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no-lake"), std::string::npos) << r.status().ToString();

  features::LakeQuery later;
  later.from_date = "2030-01-01";
  r = Train(*spec, FromLake("b", later));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no rows"), std::string::npos) << r.status().ToString();

  Result<Spec> retweets = MakeSpec("retweets");
  ASSERT_TRUE(retweets.ok());
  r = Train(*retweets, FromLake("c"));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'retweets'"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("features[1]"), std::string::npos);

  Write("t.csv", "text,sentiment_label\na,positive\n");
  Result<Spec> files = MakeSpec("sentiment_compound", "by: files, train: t.csv");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  r = Train(*files, FromLake("d"));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("split.by"), std::string::npos) << r.status().ToString();
  for (const char* out : {"a", "b", "c", "d"}) EXPECT_FALSE(PathExists(dir_.Sub(out))) << out;
}

TEST_F(TrainLakeTest, EvaluateOnALakeWindowEqualsEvaluateOnTheSameRowsExported) {
  Result<Spec> spec = MakeSpec();
  ASSERT_TRUE(Train(*spec, FromLake("model")).ok());
  Result<Spec> other = MakeSpec(
      "sentiment_compound", "by: time, column: event_time, validation_from: '2021-01-05 00:00:00'");
  ASSERT_TRUE(Train(*other, FromLake("champion")).ok());
  EvaluateOptions o;
  o.model_dir = dir_.Sub("model");
  o.against_dir = dir_.Sub("champion");
  o.lake = features::LakeQuery{};
  o.lake->dir = Lake();
  o.lake->from_ms = (k20210104 + 2 * kDay) * 1000;  // the held-out days
  Result<EvaluateReport> lake = Evaluate(o);
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();
  std::vector<schema::EnrichedTweet> held_out;
  for (const schema::EnrichedTweet& t : LakeOrder()) {
    if (t.tweet.date.seconds >= k20210104 + 2 * kDay) held_out.push_back(t);
  }
  Write("held_out.csv", CsvExport(held_out));
  o.lake.reset();
  o.data_files = {dir_.Sub("held_out.csv")};
  Result<EvaluateReport> csv = Evaluate(o);
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(lake->input_rows, static_cast<int64_t>(held_out.size()));
  EXPECT_EQ(lake->comparison.rows, csv->comparison.rows);
  EXPECT_EQ(lake->comparison.candidate.accuracy, csv->comparison.candidate.accuracy);
  ASSERT_TRUE(lake->comparison.champion.has_value());
  EXPECT_EQ(lake->comparison.champion->macro_f1, csv->comparison.champion->macro_f1);
}

}  // namespace
}  // namespace covidflow::train
