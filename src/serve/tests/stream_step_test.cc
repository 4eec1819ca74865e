// The stream's model step: tweets as the model's rows, scores written into each tweet, a
// swap taking effect at the next chunk.
#include "serve/stream_step.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/testing/temp_dir.h"
#include "log/open.h"
#include "serve/prediction_log.h"
#include "serve/scoring.h"
#include "serve/tests/test_model.h"

namespace covidflow::serve {
namespace {

schema::EnrichedTweet Tweet(std::string text) {
  schema::EnrichedTweet e;
  e.tweet.user_name = "Ann";
  e.tweet.user_followers = 17;
  e.tweet.user_verified = true;
  e.tweet.date = schema::Timestamp{1595676539};
  e.tweet.text = std::move(text);
  e.tweet.hashtags = {"COVID19", "Vaccine"};
  e.sentiment.compound = -0.25;
  e.sentiment.label = schema::Sentiment::Label::kNegative;
  e.source.offset = Offset(42);
  return e;
}

TEST(TweetRowsTest, FieldsAreWrittenAsTheReferenceCsvWritesThem) {
  const schema::EnrichedTweet t = Tweet("so good");
  const schema::EnrichedTweet* rows[] = {&t};
  auto table =
      TweetRows({"text", "date", "event_time", "user_followers", "user_verified", "hashtags",
                 "sentiment_compound", "sentiment_label", "source_offset", "is_retweet"},
                rows);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->rows(), 1u);
  auto value = [&](const char* name) { return table->Column(name)->at(0); };
  EXPECT_EQ(value("text"), "so good");
  EXPECT_EQ(value("date"), "2020-07-25 11:28:59");
  EXPECT_EQ(value("event_time"), "2020-07-25 11:28:59");
  EXPECT_EQ(value("user_followers"), "17");
  EXPECT_EQ(value("user_verified"), "True");
  EXPECT_EQ(value("is_retweet"), "False");
  EXPECT_EQ(value("hashtags"), "['COVID19', 'Vaccine']");
  EXPECT_EQ(value("sentiment_compound"), "-0.25");
  EXPECT_EQ(value("sentiment_label"), "negative");
  EXPECT_EQ(value("source_offset"), "42");
}

TEST(TweetRowsTest, AColumnNoFieldFillsIsRefusedByName) {
  const schema::EnrichedTweet t = Tweet("x");
  const schema::EnrichedTweet* rows[] = {&t};
  auto table = TweetRows({"text", "retweet_count"}, rows);
  ASSERT_EQ(table.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(table.status().message().find("'retweet_count'"), std::string::npos);
}

class ModelStepTest : public ::testing::Test {
 protected:
  std::shared_ptr<const LoadedModel> Load(const std::string& name, int seed) {
    testmodel::WriteModel(dir_.Sub(name), seed);
    auto m = LoadFromDir(dir_.Sub(name));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return *m;
  }
  covidflow::testing::TempDir dir_;
};

TEST_F(ModelStepTest, EveryTweetGetsTheModelsAnswer) {
  auto model = Load("m1", 1);
  ASSERT_TRUE(CheckStreamable(model->model).ok());
  auto slot = std::make_shared<ModelSlot>(model);
  ModelStep step(slot);

  const std::vector<std::string> texts = {"what a great day", "awful terrible news", "", "ok"};
  std::vector<schema::EnrichedTweet> tweets;
  for (const auto& t : texts) tweets.push_back(Tweet(t));
  std::vector<schema::EnrichedTweet*> ptrs;
  for (auto& t : tweets) ptrs.push_back(&t);
  step.Apply(ptrs);

  // The same rows scored directly.
  features::Table direct;
  direct.names = {"text"};
  direct.columns = {texts};
  auto scores = Score(model, direct);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  auto oov = model->model.pipeline.OutOfVocabulary(direct);
  ASSERT_TRUE(oov.ok()) << oov.status().ToString();
  // "great", "day", "news" are the model's words; "what", "a", "awful"... and "ok" are not
  // (12 hash bits: checked against the pipeline itself, not assumed); "" has no word.
  EXPECT_LT((*oov)[0], 1.0);
  EXPECT_GT((*oov)[0], 0.0);
  EXPECT_FALSE(tweets[2].prediction.oov_rate.has_value());
  for (size_t r = 0; r < tweets.size(); ++r) {
    const schema::ModelPrediction& p = tweets[r].prediction;
    EXPECT_EQ(p.model, "m1");
    if (r != 2) {
      ASSERT_TRUE(p.oov_rate.has_value()) << r;
      EXPECT_EQ(*p.oov_rate, (*oov)[r]) << r;
    }
    EXPECT_EQ(p.label, scores->Label(r));
    EXPECT_EQ(p.confidence, scores->Probability(r, scores->labels[r]));
    const auto probabilities = nlohmann::ordered_json::parse(p.probabilities);
    ASSERT_EQ(probabilities.size(), scores->classes().size());
    size_t c = 0;
    for (const auto& [name, value] : probabilities.items()) {
      EXPECT_EQ(name, scores->classes()[c]);
      EXPECT_EQ(value.get<double>(), scores->Probability(r, c));
      ++c;
    }
  }
}

TEST_F(ModelStepTest, ASwappedModelScoresTheNextChunk) {
  auto slot = std::make_shared<ModelSlot>(Load("m1", 1));
  ModelStep step(slot);
  schema::EnrichedTweet a = Tweet("good"), b = Tweet("bad");
  schema::EnrichedTweet* first[] = {&a};
  step.Apply(first);
  slot->Swap(Load("m2", 2));
  schema::EnrichedTweet* second[] = {&b};
  step.Apply(second);
  EXPECT_EQ(a.prediction.model, "m1");
  EXPECT_EQ(b.prediction.model, "m2");
}

TEST_F(ModelStepTest, EveryScoredTweetIsOnePredictionRecordNamedByItsSourcePosition) {
  auto log = log::OpenFileLog(dir_.Sub("log"));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto predictions = PredictionLog::Open(**log, {});
  ASSERT_TRUE(predictions.ok()) << predictions.status().ToString();
  auto model = Load("m1", 1);
  ModelStep step(std::make_shared<ModelSlot>(model), predictions->get());

  std::vector<schema::EnrichedTweet> tweets = {Tweet("what a great day"), Tweet("awful news"),
                                               Tweet("what a great day")};
  for (size_t i = 0; i < tweets.size(); ++i) {
    tweets[i].source.topic = "tweets.raw";
    tweets[i].source.partition = PartitionId(static_cast<int32_t>(i % 2));
    tweets[i].source.offset = Offset(static_cast<int64_t>(100 + i));
  }
  tweets[1].tweet.extra = {{"lang", "en"}, {"tweet_id", "1250000000000000001"}};
  tweets[2].tweet.extra = {{"id", "77"}};
  std::vector<schema::EnrichedTweet*> ptrs;
  for (auto& t : tweets) ptrs.push_back(&t);
  step.Apply(ptrs);
  ASSERT_TRUE((*predictions)->Close().ok());

  const std::vector<PredictionRecord> records = testmodel::ReadPredictions(**log, "predictions");
  ASSERT_EQ(records.size(), tweets.size());
  const char* ids[] = {"tweets.raw/0/100", "tweets.raw/1/101", "tweets.raw/0/102"};
  for (size_t i = 0; i < records.size(); ++i) {
    const PredictionRecord& r = records[i];
    EXPECT_EQ(r.request_id, ids[i]);
    EXPECT_EQ(r.row, 0);
    EXPECT_EQ(r.model, "m1");
    EXPECT_EQ(r.version, "");  // a directory's model
    EXPECT_EQ(r.role, Role::kChampion);
    EXPECT_EQ(r.label, tweets[i].prediction.label);
    ASSERT_EQ(r.probabilities.size(), model->model.classes.size());
    EXPECT_GE(r.latency_seconds, 0);
    EXPECT_GT(r.time_ms, 0);
  }
  EXPECT_EQ(records[0].tweet_id, std::nullopt);
  EXPECT_EQ(records[1].tweet_id, "1250000000000000001");
  EXPECT_EQ(records[2].tweet_id, "77");
  // The same text is the same input; another text another one.
  EXPECT_EQ(records[0].input_digest, records[2].input_digest);
  EXPECT_NE(records[0].input_digest, records[1].input_digest);
  // All three were one chunk: one latency.
  EXPECT_EQ(records[0].latency_seconds, records[1].latency_seconds);
}

TEST_F(ModelStepTest, ARegressionModelGivesEveryTweetItsValueAndNoClass) {
  testmodel::WriteRegressionModel(dir_.Sub("r"));
  auto m = LoadFromDir(dir_.Sub("r"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(CheckStreamable((*m)->model).ok());
  auto log = log::OpenFileLog(dir_.Sub("log"));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto predictions = PredictionLog::Open(**log, {});
  ASSERT_TRUE(predictions.ok()) << predictions.status().ToString();
  ModelStep step(std::make_shared<ModelSlot>(*m), predictions->get());

  const std::vector<std::string> texts = {"what a great day", "awful terrible news", ""};
  std::vector<schema::EnrichedTweet> tweets;
  for (const auto& t : texts) tweets.push_back(Tweet(t));
  // A tweet scored before by a classifier keeps nothing of that answer.
  tweets[0].prediction.label = "positive";
  tweets[0].prediction.confidence = 0.9;
  tweets[0].prediction.probabilities = R"({"positive":0.9})";
  std::vector<schema::EnrichedTweet*> ptrs;
  for (auto& t : tweets) ptrs.push_back(&t);
  step.Apply(ptrs);
  ASSERT_TRUE((*predictions)->Close().ok());

  features::Table direct;
  direct.names = {"text"};
  direct.columns = {texts};
  auto scores = Score(*m, direct);
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  ASSERT_TRUE(scores->Regression());
  for (size_t r = 0; r < tweets.size(); ++r) {
    const schema::ModelPrediction& p = tweets[r].prediction;
    EXPECT_EQ(p.model, "r");
    EXPECT_EQ(p.value, scores->Value(r)) << r;
    EXPECT_TRUE(p.label.empty()) << r;
    EXPECT_EQ(p.confidence, 0) << r;
    EXPECT_TRUE(p.probabilities.empty()) << r;
  }
  // The model learned the positive words' value above the negative words'.
  EXPECT_GT(tweets[0].prediction.value, tweets[1].prediction.value);
  const std::vector<PredictionRecord> records = testmodel::ReadPredictions(**log, "predictions");
  ASSERT_EQ(records.size(), tweets.size());
  for (size_t r = 0; r < records.size(); ++r) {
    EXPECT_EQ(records[r].value, tweets[r].prediction.value) << r;
    EXPECT_EQ(records[r].label, "");
    EXPECT_TRUE(records[r].probabilities.empty());
  }
}

TEST_F(ModelStepTest, ASwapBetweenAClassifierAndARegressionIsRefusedNamingBoth) {
  testmodel::WriteRegressionModel(dir_.Sub("r"));
  auto regression = LoadFromDir(dir_.Sub("r"));
  ASSERT_TRUE(regression.ok()) << regression.status().ToString();
  auto classifier = Load("m1", 1);
  const Status to_regression = CheckStreamSwap(*classifier, **regression);
  ASSERT_EQ(to_regression.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(to_regression.message().find("model r is a regression model"), std::string::npos)
      << to_regression.message();
  EXPECT_NE(to_regression.message().find("the stream keeps m1"), std::string::npos)
      << to_regression.message();
  const Status to_classifier = CheckStreamSwap(**regression, *classifier);
  ASSERT_EQ(to_classifier.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(to_classifier.message().find("model m1 is a classifier"), std::string::npos)
      << to_classifier.message();
  // The same kind swaps.
  EXPECT_TRUE(CheckStreamSwap(*classifier, *Load("m2", 2)).ok());
  EXPECT_TRUE(CheckStreamSwap(**regression, **regression).ok());
}

}  // namespace
}  // namespace covidflow::serve
