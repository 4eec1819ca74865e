#include "monitor/quality.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/testing/temp_dir.h"

namespace covidflow::monitor {
namespace {

constexpr int64_t kHour = 3600 * 1000;

LivePrediction Pred(std::string id, std::string label, double p_pos, int64_t time_ms,
                    std::string version = "1") {
  return {std::move(id),
          "m",
          std::move(version),
          std::move(label),
          {{"negative", 1 - p_pos}, {"positive", p_pos}},
          time_ms};
}

QualityOptions Hourly() {
  QualityOptions o;
  o.window_ms = kHour;
  o.lateness_ms = kHour;
  return o;
}

TEST(QualityJoinTest, ScoresEachWindowAndVersionOnItsJoinedRows) {
  QualityJoin join(Hourly());
  // Window 0: three right, one wrong; window 1: version 2, one right one wrong.
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  join.AddPrediction(Pred("2", "negative", 0.2, 20));
  join.AddPrediction(Pred("3", "positive", 0.6, 30));
  join.AddPrediction(Pred("4", "positive", 0.7, 40));
  join.AddPrediction(Pred("5", "positive", 0.8, kHour + 5, "2"));
  join.AddPrediction(Pred("6", "positive", 0.55, kHour + 6, "2"));
  join.AddLabel({"1", "positive", std::nullopt});
  join.AddLabel({"2", "negative", std::nullopt});
  join.AddLabel({"3", "positive", std::nullopt});
  join.AddLabel({"4", "negative", std::nullopt});
  join.AddLabel({"5", "positive", std::nullopt});
  join.AddLabel({"6", "negative", std::nullopt});
  const QualityReport r = join.Report();
  ASSERT_EQ(r.windows.size(), 2u);
  const WindowQuality& w0 = r.windows[0];
  EXPECT_EQ(w0.start_ms, 0);
  EXPECT_EQ(w0.end_ms, kHour);
  EXPECT_EQ(w0.version, "1");
  EXPECT_EQ(w0.joined, 4);
  ASSERT_TRUE(w0.metrics.ok()) << w0.metrics.status().ToString();
  EXPECT_DOUBLE_EQ(w0.metrics->accuracy, 0.75);
  // negative: P=1 R=1/2 F1=2/3; positive: P=2/3 R=1 F1=4/5.
  EXPECT_NEAR(w0.metrics->macro_f1, (2.0 / 3 + 0.8) / 2, 1e-12);
  // Positives 0.9, 0.6 against negatives 0.2, 0.7: 3 of 4 pairs ordered.
  ASSERT_TRUE(w0.metrics->roc_auc.ok());
  EXPECT_DOUBLE_EQ(*w0.metrics->roc_auc, 0.75);
  const WindowQuality& w1 = r.windows[1];
  EXPECT_EQ(w1.start_ms, kHour);
  EXPECT_EQ(w1.version, "2");
  ASSERT_TRUE(w1.metrics.ok());
  EXPECT_DOUBLE_EQ(w1.metrics->accuracy, 0.5);
  EXPECT_EQ(r.counts.labels_joined, 6);
  EXPECT_EQ(r.counts.labels_unknown, 0);
}

TEST(QualityJoinTest, LateLabelsAreCountedAndLeftOutOfTheFigures) {
  QualityJoin join(Hourly());
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  join.AddPrediction(Pred("2", "positive", 0.9, 20));
  // The window [0, 1h) closes at 2h: a label arriving then is late.
  join.AddLabel({"1", "positive", 2 * kHour - 1});
  join.AddLabel({"2", "negative", 2 * kHour});
  const QualityReport r = join.Report();
  ASSERT_EQ(r.windows.size(), 1u);
  EXPECT_EQ(r.windows[0].joined, 1);
  EXPECT_EQ(r.windows[0].late_labels, 1);
  EXPECT_TRUE(r.windows[0].closed);  // the watermark (2h) reached the close
  ASSERT_TRUE(r.windows[0].metrics.ok());
  EXPECT_DOUBLE_EQ(r.windows[0].metrics->accuracy, 1.0);
  EXPECT_EQ(r.counts.labels_joined, 1);
  EXPECT_EQ(r.counts.labels_late, 1);
}

TEST(QualityJoinTest, FirstLabelWinsAndDuplicatesAreCounted) {
  QualityJoin join(Hourly());
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  join.AddLabel({"1", "positive", std::nullopt});
  join.AddLabel({"1", "negative", std::nullopt});
  join.AddLabel({"1", "negative", std::nullopt});
  const QualityReport r = join.Report();
  EXPECT_EQ(r.counts.duplicate_labels, 2);
  ASSERT_EQ(r.windows.size(), 1u);
  ASSERT_TRUE(r.windows[0].metrics.ok());
  EXPECT_DOUBLE_EQ(r.windows[0].metrics->accuracy, 1.0);
}

TEST(QualityJoinTest, DuplicatePredictionsOfOneVersionCountOnceButEachVersionJoins) {
  QualityJoin join(Hourly());
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  join.AddPrediction(Pred("1", "negative", 0.1, 11));  // a retry: the first wins
  join.AddPrediction(Pred("1", "negative", 0.1, 12, "2"));
  join.AddLabel({"1", "positive", std::nullopt});
  const QualityReport r = join.Report();
  EXPECT_EQ(r.counts.duplicate_predictions, 1);
  ASSERT_EQ(r.windows.size(), 2u);
  EXPECT_DOUBLE_EQ(r.windows[0].metrics->accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.windows[1].metrics->accuracy, 0.0);
  EXPECT_EQ(r.counts.labels_joined, 1);
}

TEST(QualityJoinTest, UnknownIdsUnlabelledAndForeignLabelsAreCounted) {
  QualityJoin join(Hourly());
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  join.AddPrediction(Pred("2", "positive", 0.9, 10));
  join.AddPrediction(Pred("3", "positive", 0.9, 10));
  join.AddLabel({"1", "positive", std::nullopt});
  join.AddLabel({"3", "neutral", std::nullopt});  // not a class of the model
  join.AddLabel({"99", "positive", std::nullopt});
  const QualityReport r = join.Report();
  ASSERT_EQ(r.windows.size(), 1u);
  EXPECT_EQ(r.windows[0].predictions, 3);
  EXPECT_EQ(r.windows[0].unlabelled, 1);
  EXPECT_EQ(r.windows[0].foreign_labels, 1);
  EXPECT_EQ(r.windows[0].joined, 1);
  EXPECT_EQ(r.counts.labels_unknown, 1);
  // One class in the truth: ROC-AUC is undefined, with the reason, not a number.
  EXPECT_FALSE(r.windows[0].metrics->roc_auc.ok());
}

TEST(QualityJoinTest, MalformedAndInconsistentPredictionsAreCountedNotJoined) {
  QualityOptions o = Hourly();
  o.model = "m";
  QualityJoin join(o);
  LivePrediction other = Pred("1", "positive", 0.9, 10);
  other.model = "other";
  join.AddPrediction(other);
  join.AddPrediction(Pred("", "positive", 0.9, 10));
  LivePrediction bad_label = Pred("2", "maybe", 0.9, 10);
  join.AddPrediction(bad_label);
  join.AddPrediction(Pred("3", "positive", 0.9, 10));
  LivePrediction reordered = Pred("4", "positive", 0.9, 10);
  std::swap(reordered.probabilities[0], reordered.probabilities[1]);
  join.AddPrediction(reordered);
  join.CountMalformed("prediction: not JSON");
  const QualityReport r = join.Report();
  EXPECT_EQ(r.counts.predictions_read, 5);
  EXPECT_EQ(r.counts.predictions_of_other_models, 1);
  EXPECT_EQ(r.counts.predictions_without_tweet_id, 1);
  EXPECT_EQ(r.counts.malformed.at("prediction: label is none of its classes"), 1);
  EXPECT_EQ(r.counts.malformed.at("prediction: classes differ from the version's first prediction"),
            1);
  EXPECT_EQ(r.counts.malformed.at("prediction: not JSON"), 1);
  ASSERT_EQ(r.windows.size(), 1u);
  EXPECT_EQ(r.windows[0].predictions, 1);
  EXPECT_FALSE(r.windows[0].metrics.ok());  // nothing joined: no figures
}

TEST(QualityJoinTest, WindowsAlignToTheEpochForNegativeTimesToo) {
  QualityJoin join(Hourly());
  join.AddPrediction(Pred("1", "positive", 0.9, -1));
  const QualityReport r = join.Report();
  ASSERT_EQ(r.windows.size(), 1u);
  EXPECT_EQ(r.windows[0].start_ms, -kHour);
  EXPECT_EQ(r.windows[0].end_ms, 0);
}

TEST(ParseLabelJsonTest, ReadsIdsAsTextExactlyAndTimes) {
  auto l = ParseLabelJson(R"({"tweet_id":1250000000000000001,"label":"positive","time_ms":5})",
                          "tweet_id", "label", 9);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->tweet_id, "1250000000000000001");
  EXPECT_EQ(l->label, "positive");
  EXPECT_EQ(l->time_ms, 5);
  auto stamped = ParseLabelJson(R"({"id":"7","y":1})", "id", "y", 9);
  ASSERT_TRUE(stamped.ok());
  EXPECT_EQ(stamped->label, "1");
  EXPECT_EQ(stamped->time_ms, 9);  // the record's timestamp
  EXPECT_EQ(ParseLabelJson("{", "tweet_id", "label", 0).status().message(),
            "label: not a JSON object");
  EXPECT_EQ(ParseLabelJson(R"({"label":"x"})", "tweet_id", "label", 0).status().message(),
            "label: no tweet_id");
  EXPECT_EQ(ParseLabelJson(R"({"tweet_id":"1"})", "tweet_id", "label", 0).status().message(),
            "label: no label");
  EXPECT_FALSE(
      ParseLabelJson(R"({"tweet_id":"1","label":"x","time_ms":"soon"})", "tweet_id", "label", 0)
          .ok());
}

TEST(ReadLabelFileTest, CountsMalformedRowsAndRejectsAHeaderWithoutTheColumns) {
  testing::TempDir dir;
  const std::string csv = dir.Sub("labels.csv");
  ASSERT_TRUE(ReplaceFileAtomically(csv,
                                    "tweet_id,label,time_ms\n"
                                    "1,positive,5\n"
                                    ",positive,5\n"
                                    "2,negative,soon\n"
                                    "3,\"unterminated\n",
                                    csv + ".tmp")
                  .ok());
  QualityJoin join(Hourly());
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  ASSERT_TRUE(ReadLabelFile(csv, "tweet_id", "label", join).ok());
  const QualityReport r = join.Report();
  EXPECT_EQ(r.counts.labels_read, 1);
  EXPECT_EQ(r.counts.labels_joined, 1);
  EXPECT_EQ(r.counts.malformed.at("label: no tweet_id"), 1);
  EXPECT_EQ(r.counts.malformed.at("label: time_ms is not an integer"), 1);
  EXPECT_EQ(r.counts.malformed.at("label: malformed CSV record"), 1);

  const Status no_column = ReadLabelFile(csv, "tweet_id", "truth", join);
  EXPECT_EQ(no_column.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_column.message().find("--label-column"), std::string::npos);
  EXPECT_EQ(ReadLabelFile(dir.Sub("none.csv"), "tweet_id", "label", join).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ReadLabelFile(dir.Sub("x.parquet"), "tweet_id", "label", join).code(),
            StatusCode::kInvalidArgument);

  const std::string jsonl = dir.Sub("labels.jsonl");
  ASSERT_TRUE(ReplaceFileAtomically(jsonl, "{\"tweet_id\":\"1\",\"label\":\"negative\"}\nnope\n\n",
                                    jsonl + ".tmp")
                  .ok());
  QualityJoin second(Hourly());
  ASSERT_TRUE(ReadLabelFile(jsonl, "tweet_id", "label", second).ok());
  EXPECT_EQ(second.Report().counts.labels_read, 1);
  EXPECT_EQ(second.Report().counts.malformed.at("label: not a JSON object"), 1);
}

TEST(ParseDurationMsTest, ReadsUnitsAndRejectsTheRest) {
  EXPECT_EQ(*ParseDurationMs("1h"), kHour);
  EXPECT_EQ(*ParseDurationMs("30m"), 30 * 60 * 1000);
  EXPECT_EQ(*ParseDurationMs("2d"), 48 * kHour);
  EXPECT_EQ(*ParseDurationMs("90s"), 90000);
  EXPECT_EQ(*ParseDurationMs("500ms"), 500);
  EXPECT_FALSE(ParseDurationMs("0h").ok());
  EXPECT_FALSE(ParseDurationMs("1w").ok());
  EXPECT_FALSE(ParseDurationMs("h").ok());
  EXPECT_FALSE(ParseDurationMs("").ok());
  EXPECT_FALSE(ParseDurationMs("-1h").ok());
}

TEST(QualityJoinTest, NewestScoresEachVersionOnItsNewestLabelledPredictionsOnly) {
  QualityJoin join(Hourly());
  // Version 1: of the two old predictions one is wrong; the newest three are right, with one
  // unlabelled among them.
  join.AddPrediction(Pred("1", "positive", 0.9, 10));
  join.AddPrediction(Pred("2", "positive", 0.8, 20));
  join.AddPrediction(Pred("3", "negative", 0.1, 5 * kHour + 30));
  join.AddPrediction(Pred("4", "positive", 0.7, 5 * kHour + 40));
  join.AddPrediction(Pred("5", "positive", 0.6, 5 * kHour + 50));  // never labelled
  join.AddPrediction(Pred("6", "positive", 0.9, 5 * kHour + 35));
  // Version 2: one prediction, wrong; a label that is none of its classes.
  join.AddPrediction(Pred("1", "negative", 0.3, 6 * kHour, "2"));
  join.AddPrediction(Pred("7", "negative", 0.3, 6 * kHour + 1, "2"));
  join.AddLabel({"1", "positive", std::nullopt});
  join.AddLabel({"2", "negative", std::nullopt});
  join.AddLabel({"3", "negative", std::nullopt});
  join.AddLabel({"4", "positive", std::nullopt});
  join.AddLabel({"6", "positive", std::nullopt});
  join.AddLabel({"7", "maybe", std::nullopt});
  const std::vector<WindowQuality> newest = join.Newest(3);
  ASSERT_EQ(newest.size(), 2u);
  const WindowQuality& v1 = newest[0];
  EXPECT_EQ(v1.version, "1");
  EXPECT_EQ(v1.joined, 3);
  EXPECT_EQ(v1.predictions, 4);  // 5 (unlabelled), 4, 6, 3: the two old ones not looked at
  EXPECT_EQ(v1.unlabelled, 1);
  EXPECT_EQ(v1.start_ms, 5 * kHour + 30);
  EXPECT_EQ(v1.end_ms, 5 * kHour + 41);
  ASSERT_TRUE(v1.metrics.ok()) << v1.metrics.status().ToString();
  EXPECT_DOUBLE_EQ(v1.metrics->accuracy, 1.0);
  // Over more rows the old ones count too: 4 right of 5.
  EXPECT_DOUBLE_EQ(join.Newest(10)[0].metrics->accuracy, 0.8);
  const WindowQuality& v2 = newest[1];
  EXPECT_EQ(v2.version, "2");
  EXPECT_EQ(v2.joined, 1);
  EXPECT_EQ(v2.foreign_labels, 1);
  ASSERT_TRUE(v2.metrics.ok());
  EXPECT_DOUBLE_EQ(v2.metrics->accuracy, 0.0);
}

LivePrediction Value(std::string id, double value, int64_t time_ms, std::string version = "7") {
  LivePrediction p;
  p.tweet_id = std::move(id);
  p.model = "r";
  p.version = std::move(version);
  p.time_ms = time_ms;
  p.value = value;
  return p;
}

TEST(QualityJoinTest, ARegressionModelsWindowsGetItsErrorsFromTheMetricsModule) {
  QualityJoin join(Hourly());
  join.AddPrediction(Value("1", 2.0, 10));
  join.AddPrediction(Value("2", 0.5, 20));
  join.AddPrediction(Value("3", 4.0, 30));
  join.AddPrediction(Value("4", 1.0, 40));  // its label is not a number: foreign
  join.AddPrediction(Value("5", 3.0, 50));  // no label
  join.AddLabel({"1", "3", std::nullopt});
  join.AddLabel({"2", "0.5", std::nullopt});
  join.AddLabel({"3", "1e0", std::nullopt});
  join.AddLabel({"4", "positive", std::nullopt});
  // A regression record with probabilities is malformed, as is a non-finite value.
  LivePrediction bad = Value("6", 1.0, 60);
  bad.probabilities = {{"a", 1.0}};
  join.AddPrediction(bad);
  join.AddPrediction(Value("7", std::nan(""), 70));
  // A classifier's record under the regression's version differs in its classes.
  LivePrediction clf = Pred("8", "positive", 0.9, 80, "7");
  clf.model = "r";
  join.AddPrediction(clf);
  const QualityReport r = join.Report();
  ASSERT_EQ(r.windows.size(), 1u);
  const WindowQuality& w = r.windows[0];
  EXPECT_TRUE(w.regression);
  EXPECT_TRUE(w.classes.empty());
  EXPECT_EQ(w.predictions, 5);
  EXPECT_EQ(w.joined, 3);
  EXPECT_EQ(w.foreign_labels, 1);
  EXPECT_EQ(w.unlabelled, 1);
  EXPECT_FALSE(w.metrics.ok());
  ASSERT_TRUE(w.regression_metrics.ok()) << w.regression_metrics.status().ToString();
  // Errors 1, 0, 3: the metrics module's own figures on the same rows.
  const std::vector<double> truth = {3, 0.5, 1}, predicted = {2, 0.5, 4};
  auto want = model::EvaluateRegression({truth, predicted});
  ASSERT_TRUE(want.ok());
  EXPECT_DOUBLE_EQ(w.regression_metrics->mae, 4.0 / 3);
  EXPECT_DOUBLE_EQ(w.regression_metrics->mae, want->mae);
  EXPECT_DOUBLE_EQ(w.regression_metrics->rmse, std::sqrt(10.0 / 3));
  EXPECT_DOUBLE_EQ(w.regression_metrics->rmse, want->rmse);
  EXPECT_EQ(r.counts.malformed.size(), 2u);
  int64_t malformed = 0;
  for (const auto& [reason, n] : r.counts.malformed) malformed += n;
  EXPECT_EQ(malformed, 3);

  // The newest labelled predictions: the same rows.
  const std::vector<WindowQuality> newest = join.Newest(10);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_TRUE(newest[0].regression);
  EXPECT_EQ(newest[0].joined, 3);
  ASSERT_TRUE(newest[0].regression_metrics.ok());
  EXPECT_DOUBLE_EQ(newest[0].regression_metrics->rmse, want->rmse);
  // A classifier's window has no regression figures.
  QualityJoin classifier(Hourly());
  classifier.AddPrediction(Pred("1", "positive", 0.9, 10));
  classifier.AddLabel({"1", "positive", std::nullopt});
  const QualityReport c = classifier.Report();
  ASSERT_EQ(c.windows.size(), 1u);
  EXPECT_FALSE(c.windows[0].regression);
  EXPECT_TRUE(c.windows[0].metrics.ok());
  EXPECT_FALSE(c.windows[0].regression_metrics.ok());
}

}  // namespace
}  // namespace covidflow::monitor
