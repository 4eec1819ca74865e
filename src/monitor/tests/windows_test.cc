#include "monitor/windows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace covidflow::monitor {
namespace {

constexpr int64_t kHour = 3600 * 1000;

schema::EnrichedTweet At(int64_t time_ms, double compound = 0.5) {
  schema::EnrichedTweet t;
  t.tweet.date.seconds = time_ms / 1000;
  t.tweet.text = "été";
  t.tweet.hashtags = {"a", "b"};
  t.sentiment.compound = compound;
  t.sentiment.label = schema::Sentiment::Label::kPositive;
  t.enricher = "vader";
  return t;
}

const TableColumn& Column(const Table& t, std::string_view name) {
  const TableColumn* c = t.Find(name);
  EXPECT_NE(c, nullptr) << name;
  return *c;
}

TEST(DriftWindowsTest, WindowsCloseWhenEveryPartitionIsPastThem) {
  DriftWindows w(kHour, kHour / 2);
  w.Add(At(10 * 1000), 0, 0);
  w.Add(At(kHour + 1000), 1, 0);  // window 1
  // Partition 0 far ahead: partition 1 still holds the watermark at 1h.
  w.Add(At(5 * kHour), 0, 1);
  EXPECT_TRUE(w.TakeClosed().empty());
  EXPECT_EQ(w.state().Watermark(), kHour + 1000);
  w.Add(At(kHour + kHour / 2), 1, 1);  // watermark 1.5h: window 0 closes
  std::vector<StreamWindow> closed = w.TakeClosed();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].start_ms, 0);
  EXPECT_EQ(closed[0].end_ms, kHour);
  EXPECT_EQ(closed[0].table.rows, 1u);
  EXPECT_EQ(w.state().closed_through_ms, kHour);
  // A record for the closed window is late and changes nothing.
  w.Add(At(20 * 1000), 1, 2);
  EXPECT_EQ(w.counts().late, 1);
  EXPECT_EQ(w.counts().added, 4);
  EXPECT_TRUE(w.TakeClosed().empty());
  // Partition 1 moves on: windows 1 (two rows) closes; 2..3 had no rows and close too.
  w.Add(At(5 * kHour), 1, 3);
  closed = w.TakeClosed();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].start_ms, kHour);
  EXPECT_EQ(closed[0].table.rows, 2u);
  EXPECT_EQ(w.state().closed_through_ms, 4 * kHour);
  w.Add(At(3 * kHour), 0, 2);
  EXPECT_EQ(w.counts().late, 2);
  EXPECT_EQ(w.open_windows(), 1u);  // window 5
}

TEST(DriftWindowsTest, APartitionWithRecordsNotReadYetHoldsTheWatermark) {
  WindowsState state;
  state.partition_time_ms[1] = WindowsState::kNone;
  DriftWindows w(kHour, 0, state);
  w.Add(At(10), 0, 0);
  w.Add(At(3 * kHour), 0, 1);
  EXPECT_TRUE(w.TakeClosed().empty());
  w.Add(At(3 * kHour), 1, 0);
  EXPECT_EQ(w.TakeClosed().size(), 1u);
}

TEST(DriftWindowsTest, AnIdlePartitionHoldsNothingBackUntilItsNextRecord) {
  WindowsState state;
  state.partition_time_ms[1] = WindowsState::kNone;  // no record so far, beside a live writer
  DriftWindows w(kHour, 0, state);
  w.Add(At(10), 0, 0);
  w.Add(At(2 * kHour), 0, 1);
  EXPECT_TRUE(w.TakeClosed().empty());
  w.MarkIdle(1);
  EXPECT_EQ(w.state().Watermark(), 2 * kHour);
  std::vector<StreamWindow> closed = w.TakeClosed();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].start_ms, 0);
  // Its next record takes part again: late if its window has closed, else it holds again.
  w.Add(At(20 * 1000), 1, 0);
  EXPECT_EQ(w.counts().late, 1);
  EXPECT_EQ(w.state().Watermark(), 20 * 1000);
  w.Add(At(5 * kHour), 0, 2);
  EXPECT_TRUE(w.TakeClosed().empty());  // window 2h..3h waits for partition 1
  w.Add(At(4 * kHour), 1, 1);
  EXPECT_EQ(w.TakeClosed().size(), 1u);
  // The whole stream quiet: everything written has been read, the latest time holds.
  w.MarkIdle(0);
  EXPECT_EQ(w.state().Watermark(), 4 * kHour);
  w.MarkIdle(1);
  EXPECT_EQ(w.state().Watermark(), 5 * kHour);
  EXPECT_EQ(w.TakeClosed().size(), 1u);  // 4h..5h: partition 1's record
}

TEST(DriftWindowsTest, ResumeOffsetIsTheFirstOffsetAnOpenWindowHolds) {
  DriftWindows w(kHour, 0);
  w.Add(At(10), 0, 7);
  w.Add(At(kHour + 10), 0, 8);
  w.Add(At(kHour + 20), 1, 3);
  EXPECT_EQ(w.ResumeOffset(0, 9), 7);
  EXPECT_EQ(w.ResumeOffset(1, 4), 3);
  EXPECT_EQ(w.ResumeOffset(2, 5), 5);    // nothing open from partition 2
  EXPECT_EQ(w.TakeClosed().size(), 1u);  // window 0 (partition 1 is at 1h)
  EXPECT_EQ(w.ResumeOffset(0, 9), 8);
}

TEST(DriftWindowsTest, ARestartFromTheCommittedStateRebuildsTheSameWindow) {
  // Records of two partitions, each in time order; the first instance stops after six.
  struct Rec {
    int32_t partition;
    int64_t offset;
    int64_t time_ms;
  };
  std::vector<Rec> records;
  for (int64_t i = 0; i < 10; ++i) {
    records.push_back({0, i, i * kHour / 4});
    records.push_back({1, i, i * kHour / 4 + 1});
  }
  auto feed = [&](DriftWindows& w, size_t from, size_t to, std::map<int32_t, int64_t>* skip) {
    std::vector<StreamWindow> out;
    for (size_t i = from; i < to; ++i) {
      const Rec& r = records[i];
      if (skip != nullptr && r.offset < (*skip)[r.partition]) continue;
      w.Add(At(r.time_ms, static_cast<double>(i)), r.partition, r.offset);
      for (StreamWindow& s : w.TakeClosed()) out.push_back(std::move(s));
    }
    return out;
  };
  DriftWindows whole(kHour, 0);
  std::vector<StreamWindow> expected = feed(whole, 0, records.size(), nullptr);
  ASSERT_EQ(expected.size(), 2u);

  DriftWindows first(kHour, 0);
  std::vector<StreamWindow> before = feed(first, 0, 12, nullptr);
  ASSERT_EQ(before.size(), 1u);
  std::map<int32_t, int64_t> resume = {{0, first.ResumeOffset(0, 6)},
                                       {1, first.ResumeOffset(1, 6)}};
  EXPECT_EQ(resume[0], 4);
  WindowsState state;
  MergeWindowsState(EncodeWindowsState(first.state()), &state);
  MergeWindowsState("not json", &state);
  EXPECT_EQ(state.closed_through_ms, first.state().closed_through_ms);
  EXPECT_EQ(state.partition_time_ms, first.state().partition_time_ms);
  DriftWindows second(kHour, 0, state);
  std::vector<StreamWindow> after = feed(second, 0, records.size(), &resume);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].start_ms, expected[1].start_ms);
  EXPECT_EQ(Column(after[0].table, "sentiment_compound").numbers,
            Column(expected[1].table, "sentiment_compound").numbers);
}

TEST(AppendEnrichedTest, RowsHaveTheLakeSourcesColumnsAndTypes) {
  Table t;
  schema::EnrichedTweet a = At(0, 0.25);
  a.location.country = "FR";
  a.tweet.user_followers = 12;
  a.tweet.user_verified = true;
  a.prediction.model = "tweets/2";
  a.prediction.label = "pos";
  a.prediction.confidence = 0.75;
  a.prediction.oov_rate = 0.125;
  AppendEnriched(a, &t);
  AppendEnriched(At(0, -0.5), &t);
  EXPECT_EQ(t.rows, 2u);
  std::vector<std::string> names;
  for (const TableColumn& c : t.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "sentiment_positive", "sentiment_neutral", "sentiment_negative",
                       "sentiment_compound", "sentiment_label", "enricher", "country",
                       "location_confidence", "user_followers", "user_friends", "user_verified",
                       "is_retweet", "model_label", "model_confidence", "model_value",
                       "text_length", "hashtag_count", "model_oov_rate"}));
  // The model's answer; a tweet no model scored has none (not a confidence of 0).
  EXPECT_EQ(Column(t, "model_label").present, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(Column(t, "model_confidence").type, CellType::kFloat);
  EXPECT_EQ(Column(t, "model_confidence").numbers[0], 0.75);
  EXPECT_TRUE(std::isnan(Column(t, "model_confidence").numbers[1]));
  // A classifier's tweet has no regression value.
  EXPECT_TRUE(std::isnan(Column(t, "model_value").numbers[0]));
  EXPECT_EQ(Column(t, "sentiment_compound").type, CellType::kFloat);
  EXPECT_EQ(Column(t, "sentiment_compound").numbers, (std::vector<double>{0.25, -0.5}));
  EXPECT_EQ(Column(t, "sentiment_label").strings[0], "positive");
  EXPECT_EQ(Column(t, "country").present, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(Column(t, "user_followers").type, CellType::kInt);
  EXPECT_EQ(Column(t, "user_followers").numbers[0], 12);
  EXPECT_EQ(Column(t, "user_verified").type, CellType::kBool);
  EXPECT_EQ(Column(t, "user_verified").numbers, (std::vector<double>{1, 0}));
  EXPECT_EQ(Column(t, "text_length").numbers[0], 3);  // code points of "été"
  EXPECT_EQ(Column(t, "hashtag_count").numbers[0], 2);
  EXPECT_EQ(Column(t, "model_oov_rate").type, CellType::kFloat);
  EXPECT_EQ(Column(t, "model_oov_rate").numbers[0], 0.125);
  EXPECT_TRUE(std::isnan(Column(t, "model_oov_rate").numbers[1]));  // not scored
}

}  // namespace
}  // namespace covidflow::monitor
