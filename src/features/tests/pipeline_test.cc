#include "features/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace covidflow::features {
namespace {

Table Sample() {
  Table t;
  t.AddColumn("text") = {"I love this :)", "I hate this",     "not bad at all",
                         "@bob love love", "meh https://x.y", "I love it"};
  t.AddColumn("followers") = {"10", "2000", "", "5", "abc", "7"};
  t.AddColumn("verified") = {"True", "False", "True", "False", "False", "1"};
  t.AddColumn("source") = {"web", "android", "web", "iphone", "web", "android"};
  t.AddColumn("date") = {
      "2020-07-25 11:28:59", "2020-07-26 00:00:00", "", "2020-07-27 23:59:59", "bad",
      "2020-07-25 11:00:00"};
  return t;
}

std::vector<FeatureDef> AllKinds() {
  std::vector<FeatureDef> defs;
  FeatureDef text;
  text.name = "t";
  text.column = "text";
  text.min_df = 1;
  text.hash_bits = 12;
  defs.push_back(text);
  auto add = [&](std::string name, FeatureKind kind, std::string column) {
    FeatureDef d;
    d.name = std::move(name);
    d.kind = kind;
    d.column = std::move(column);
    defs.push_back(d);
  };
  add("v", FeatureKind::kVader, "text");
  add("c", FeatureKind::kTextCounts, "text");
  add("f", FeatureKind::kNumeric, "followers");
  add("b", FeatureKind::kBoolean, "verified");
  add("s", FeatureKind::kCategorical, "source");
  add("h", FeatureKind::kHour, "date");
  add("w", FeatureKind::kWeekday, "date");
  return defs;
}

TEST(PipelineTest, EveryKindGivesValidRowsInItsOwnColumns) {
  Result<Pipeline> p = Pipeline::Fit(AllKinds(), Sample(), 3);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Result<SparseRows> x = p->Transform(Sample());
  ASSERT_TRUE(x.ok());
  EXPECT_TRUE(x->Validate().ok());
  EXPECT_EQ(x->rows(), 6u);
  EXPECT_EQ(x->cols, p->cols());
  // 4 vader + 10 counts + 1 numeric + 1 boolean + 3 sources + 24 hours + 7 weekdays.
  EXPECT_GT(p->cols(), 50);
  EXPECT_EQ(p->InputColumns(),
            (std::vector<std::string>{"text", "followers", "verified", "source", "date"}));
}

// Slices of a table give the rows the whole table gives, in a reused buffer; a long text
// (hundreds of n-grams, the radix-sorted path) still gives strictly increasing columns.
TEST(PipelineTest, TransformRangeGivesTheWholeTablesRows) {
  Table t = Sample();
  std::string long_text;
  for (int k = 0; k < 40; ++k)
    long_text += "Loving this wonderful day number " + std::to_string(k) + " ";
  t.AddColumn("text")[2] = long_text;
  Result<Pipeline> p = Pipeline::Fit(AllKinds(), t, 3);
  ASSERT_TRUE(p.ok());
  SparseRows whole = *p->Transform(t);
  ASSERT_TRUE(whole.Validate().ok()) << whole.Validate().ToString();
  EXPECT_GT(whole.RowIndices(2).size(), 300u);
  SparseRows slice;
  for (size_t begin = 0; begin < t.rows(); begin += 4) {
    const size_t end = std::min(t.rows(), begin + 4);
    ASSERT_TRUE(p->TransformRange(t, begin, end, slice).ok());
    ASSERT_EQ(slice.rows(), end - begin);
    EXPECT_EQ(slice.cols, whole.cols);
    for (size_t r = begin; r < end; ++r) {
      auto a = slice.RowIndices(r - begin);
      auto b = whole.RowIndices(r);
      EXPECT_EQ(std::vector<int32_t>(a.begin(), a.end()), std::vector<int32_t>(b.begin(), b.end()));
      auto va = slice.RowValues(r - begin);
      auto vb = whole.RowValues(r);
      EXPECT_EQ(std::vector<float>(va.begin(), va.end()), std::vector<float>(vb.begin(), vb.end()));
    }
  }
  EXPECT_EQ(p->TransformRange(t, 5, 7, slice).code(), StatusCode::kInvalidArgument);
}

TEST(PipelineTest, TextRowsAreL2Normalised) {
  std::vector<FeatureDef> defs = {AllKinds().front()};
  defs[0].char_min = 0;
  defs[0].char_max = 0;
  Result<Pipeline> p = Pipeline::Fit(defs, Sample(), 3);
  ASSERT_TRUE(p.ok());
  SparseRows x = *p->Transform(Sample());
  for (size_t r = 0; r < x.rows(); ++r) {
    double sum = 0;
    for (float v : x.RowValues(r)) sum += static_cast<double>(v) * v;
    EXPECT_NEAR(sum, 1.0, 1e-5) << r;
  }
}

// A row of hundreds of n-grams over more than 256 columns (sorted by radix, several passes):
// columns ascending and unique, and every n-gram's occurrences counted into its column.
TEST(PipelineTest, LongRowsCountEveryNgramInAscendingColumns) {
  std::string text;
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (int w = 0; w < 300; ++w) text += "w" + std::to_string(w) + " ";
  }
  Table t;
  t.AddColumn("text") = {text};
  FeatureDef def;
  def.name = "t";
  def.column = "text";
  def.word_max = 1;
  def.char_min = 0;
  def.char_max = 0;
  def.min_df = 1;
  Result<Pipeline> p = Pipeline::Fit({def}, t, 7);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->cols(), 300);  // no two of the 300 words share a bucket with this seed
  SparseRows x = *p->Transform(t);
  ASSERT_TRUE(x.Validate().ok());
  ASSERT_EQ(x.RowIndices(0).size(), 300u);
  // Each word three times and one row (equal idf): equal weights, L2-normalised.
  for (float v : x.RowValues(0)) EXPECT_FLOAT_EQ(v, 1.0f / std::sqrt(300.0f));
}

// char_tokens "whitespace": the char n-grams see the punctuation that the tweet tokens drop,
// the word n-grams stay the tweet's, and the choice travels with the saved state.
TEST(PipelineTest, WhitespaceCharTokensKeepPunctuationAndSurviveTheSavedState) {
  Table t;
  t.AddColumn("text") = {"good!!!", "good", "bad...", "bad"};
  std::vector<FeatureDef> defs = {AllKinds().front()};
  Result<Pipeline> tweet = Pipeline::Fit(defs, t, 5);
  defs[0].char_tokens = "whitespace";
  Result<Pipeline> raw = Pipeline::Fit(defs, t, 5);
  ASSERT_TRUE(tweet.ok() && raw.ok());
  EXPECT_GT(raw->cols(), tweet->cols());  // "d..", ".." and the like are n-grams now
  Result<Pipeline> served = Pipeline::FromJson(nlohmann::json::parse(raw->ToJson().dump()));
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(served->defs()[0].char_tokens, "whitespace");
  EXPECT_EQ(served->Transform(t)->values, raw->Transform(t)->values);
  EXPECT_EQ(served->Transform(t)->indices, raw->Transform(t)->indices);
}

// A chars-only whitespace block (word_ngrams [0, 0]) skips the tweet's normalisation: its
// columns are exactly the char part of the block with both, trained and served.
TEST(PipelineTest, AWhitespaceCharsOnlyBlockGivesTheCharPartOfTheFullBlock) {
  Table t;
  t.AddColumn("text") = {
      "Good!!! @you http://x.co", "good :) #Yes", "bad... NOT bad", "bad", "soooo good!!", ""};
  std::vector<FeatureDef> both = {AllKinds().front()};
  both[0].char_tokens = "whitespace";
  std::vector<FeatureDef> chars = both;
  chars[0].word_min = chars[0].word_max = 0;
  Result<Pipeline> full = Pipeline::Fit(both, t, 7);
  Result<Pipeline> trained = Pipeline::Fit(chars, t, 7);
  ASSERT_TRUE(full.ok() && trained.ok());
  Result<Pipeline> served = Pipeline::FromJson(nlohmann::json::parse(trained->ToJson().dump()));
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  const int32_t words = full->cols() - trained->cols();
  ASSERT_GT(words, 0);
  const SparseRows f = *full->Transform(t);
  for (const Pipeline* p : {&*trained, &*served}) {
    const SparseRows x = *p->Transform(t);
    ASSERT_EQ(x.rows(), f.rows());
    for (size_t r = 0; r < f.rows(); ++r) {
      std::vector<int32_t> idx;
      std::vector<float> val;
      auto fi = f.RowIndices(r);
      auto fv = f.RowValues(r);
      for (size_t k = 0; k < fi.size(); ++k) {
        if (fi[k] < words) continue;
        idx.push_back(fi[k] - words);
        val.push_back(fv[k]);
      }
      auto xi = x.RowIndices(r);
      auto xv = x.RowValues(r);
      EXPECT_EQ(std::vector<int32_t>(xi.begin(), xi.end()), idx) << "row " << r;
      EXPECT_EQ(std::vector<float>(xv.begin(), xv.end()), val) << "row " << r;
    }
  }
}

// The serving path: the fitted state through JSON text and back gives identical vectors.
TEST(PipelineTest, TrainingAndServingPathsGiveIdenticalVectors) {
  Result<Pipeline> trained = Pipeline::Fit(AllKinds(), Sample(), 42);
  ASSERT_TRUE(trained.ok());
  const std::string saved = trained->ToJson().dump();
  Result<Pipeline> served = Pipeline::FromJson(nlohmann::json::parse(saved));
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  Table unseen = Sample();
  unseen.AddColumn("text")[0] = "brand new words here :(";
  unseen.AddColumn("source")[1] = "tractor";
  for (const Table& t : {Sample(), unseen}) {
    SparseRows a = *trained->Transform(t);
    SparseRows b = *served->Transform(t);
    EXPECT_EQ(a.cols, b.cols);
    EXPECT_EQ(a.offsets, b.offsets);
    EXPECT_EQ(a.indices, b.indices);
    EXPECT_EQ(a.values, b.values);
  }
}

TEST(PipelineTest, AColumnMissingEverywhereIsRefusedByName) {
  std::vector<FeatureDef> defs = AllKinds();
  defs[3].column = "no_such_column";
  Result<Pipeline> p = Pipeline::Fit(defs, Sample(), 1);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("'no_such_column' is missing everywhere"), std::string::npos);
  Table empty_text = Sample();
  for (std::string& v : empty_text.AddColumn("followers")) v.clear();
  EXPECT_FALSE(Pipeline::Fit(AllKinds(), empty_text, 1).ok());
}

TEST(PipelineTest, TransformNamesAMissingInputColumn) {
  Result<Pipeline> p = Pipeline::Fit(AllKinds(), Sample(), 1);
  Table only_text;
  only_text.AddColumn("text") = {"hello"};
  Result<SparseRows> x = p->Transform(only_text);
  ASSERT_FALSE(x.ok());
  EXPECT_NE(x.status().message().find("'followers'"), std::string::npos);
}

TEST(PipelineTest, BadStateIsCorruptionNotACrash) {
  Result<Pipeline> p = Pipeline::Fit(AllKinds(), Sample(), 1);
  nlohmann::json state = p->ToJson();
  state["features"][0]["state"]["word_idf"].erase(0);
  EXPECT_EQ(Pipeline::FromJson(state).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Pipeline::FromJson(nlohmann::json::array()).status().code(), StatusCode::kCorruption);
  nlohmann::json bad_kind = p->ToJson();
  bad_kind["features"][1]["kind"] = "telepathy";
  EXPECT_FALSE(Pipeline::FromJson(bad_kind).ok());
}

TEST(FeatureDefTest, ValidateNamesTheOption) {
  FeatureDef d;
  d.name = "t";
  d.column = "text";
  d.hash_bits = 40;
  EXPECT_NE(d.Validate().message().find("hash_bits"), std::string::npos);
  d.hash_bits = 20;
  d.word_min = 3;
  d.word_max = 2;
  EXPECT_NE(d.Validate().message().find("word_ngrams"), std::string::npos);
  d.word_min = 1;
  d.char_tokens = "bytes";
  EXPECT_NE(d.Validate().message().find("char_tokens"), std::string::npos);
  EXPECT_FALSE(ParseFeatureKind("telepathy").ok());
}

// The out-of-vocabulary rate: the share of a row's words (unigrams, normalised as Transform
// normalises them) that training kept no column for; min_df decides what was kept. Large
// hash spaces make a collision between these few words negligible.
TEST(PipelineTest, OutOfVocabularyIsTheShareOfWordsTrainingDidNotKeep) {
  FeatureDef text;
  text.name = "t";
  text.column = "text";
  text.min_df = 2;
  text.hash_bits = 20;
  Table train;
  train.AddColumn("text") = {"good vaccine news", "bad vaccine news", "good day", "LOVE it"};
  Result<Pipeline> p = Pipeline::Fit({text}, train, 7);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  // Kept (in 2+ rows): good, vaccine, news. Not kept: bad, day, love, it (1 row each).
  Table now;
  now.AddColumn("text") = {
      "good vaccine news", "good news on lockdown", "bad day", "#Vaccine NEWS!!", "", "zebra"};
  Result<std::vector<double>> oov = p->OutOfVocabulary(now);
  ASSERT_TRUE(oov.ok()) << oov.status().ToString();
  ASSERT_EQ(oov->size(), 6u);
  EXPECT_EQ((*oov)[0], 0.0);
  EXPECT_EQ((*oov)[1], 0.5);  // on, lockdown of 4
  EXPECT_EQ((*oov)[2], 1.0);  // seen once in training: below min_df
  // Normalised as for the model: "#Vaccine" is "vaccine", "NEWS" is "news", "!!" a token "!".
  EXPECT_DOUBLE_EQ((*oov)[3], 1.0 / 3.0);
  EXPECT_TRUE(std::isnan((*oov)[4]));  // no word
  EXPECT_EQ((*oov)[5], 1.0);

  // The same after the state is saved and loaded (the served model's path).
  Result<Pipeline> loaded = Pipeline::FromJson(p->ToJson());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Result<std::vector<double>> again = loaded->OutOfVocabulary(now);
  ASSERT_TRUE(again.ok());
  for (size_t r = 0; r < 4; ++r) EXPECT_EQ((*again)[r], (*oov)[r]) << r;

  // No words to know: a pipeline without a word n-gram text feature; a missing column.
  FeatureDef counts;
  counts.name = "c";
  counts.kind = FeatureKind::kTextCounts;
  counts.column = "text";
  Result<Pipeline> no_words = Pipeline::Fit({counts}, train, 7);
  ASSERT_TRUE(no_words.ok());
  EXPECT_EQ(no_words->OutOfVocabulary(now).status().code(), StatusCode::kNotFound);
  Table other;
  other.AddColumn("body") = {"good"};
  EXPECT_EQ(p->OutOfVocabulary(other).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace covidflow::features
