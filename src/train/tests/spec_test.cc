#include "train/spec.h"

#include <gtest/gtest.h>

#include <cmath>

namespace covidflow::train {
namespace {

const char* kGood = R"(
name: tweet-sentiment
task: multiclass
seed: 7
label: label_name
features:
  - {name: words, kind: text, column: text, word_ngrams: [1, 2], char_ngrams: [2, 4], min_df: 2}
  - {kind: vader, column: text}
model:
  family: linear
  hyperparameters: {C: 0.5, class_weight: balanced}
split:
  by: files
  train: data/train.csv
  validation: [data/val.csv]
metrics: [macro_recall, accuracy]
promotion: macro_recall on validation >= champion + 0.005
)";

TEST(SpecTest, ParsesEveryField) {
  Result<Spec> s = ParseSpec(kGood, "/base");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->name, "tweet-sentiment");
  EXPECT_EQ(s->seed, 7u);
  EXPECT_EQ(s->label.column, "label_name");
  ASSERT_EQ(s->features.size(), 2u);
  EXPECT_EQ(s->features[0].char_max, 4);
  EXPECT_EQ(s->features[1].name, "text_vader");
  EXPECT_EQ(s->family, "linear");
  EXPECT_EQ(s->hyperparameters.at("C"), "0.5");
  EXPECT_EQ(s->split.train_files, (std::vector<std::string>{"/base/data/train.csv"}));
  EXPECT_EQ(s->split.validation_files, (std::vector<std::string>{"/base/data/val.csv"}));
  EXPECT_EQ(s->promotion, "macro_recall on validation >= champion + 0.005");
  EXPECT_EQ(s->hash.size(), 8u);
}

TEST(SpecTest, LabelExpressionAndMapping) {
  std::string yaml = std::string(kGood);
  yaml.replace(yaml.find("label: label_name"), 17, "label: retweets > 0");
  Result<Spec> s = ParseSpec(yaml, "");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->label.column, "retweets");
  EXPECT_EQ(ClassOf(s->label, "3"), "true");
  EXPECT_EQ(ClassOf(s->label, "0"), "false");
  EXPECT_EQ(ClassOf(s->label, "x"), std::nullopt);
  yaml = std::string(kGood);
  yaml.replace(yaml.find("label: label_name"), 17,
               "label: {column: label, mapping: {'0': negative, '1': neutral, '2': positive}}");
  s = ParseSpec(yaml, "");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->label.class_order, (std::vector<std::string>{"negative", "neutral", "positive"}));
  EXPECT_EQ(ClassOf(s->label, "2"), "positive");
  EXPECT_EQ(ClassOf(s->label, "9"), std::nullopt);
}

// task: regression reads a numeric column or log1p(column); a comparison or a mapping is not
// a regression's label, and log1p is not a classifier's.
TEST(SpecTest, RegressionLabels) {
  std::string yaml = std::string(kGood);
  yaml.replace(yaml.find("task: multiclass"), 16, "task: regression");
  yaml.replace(yaml.find("label: label_name"), 17, "label: log1p(retweets)");
  // A classifier's rule is refused for a regression; an error's rule goes down.
  Result<Spec> s = ParseSpec(yaml, "");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("'promotion': macro_recall is a classifier's metric"),
            std::string::npos)
      << s.status().message();
  const std::string rule = "macro_recall on validation >= champion + 0.005";
  yaml.replace(yaml.find(rule), rule.size(), "rmse on validation <= champion - 0.01");
  s = ParseSpec(yaml, "");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->task, Task::kRegression);
  EXPECT_EQ(s->promotion, "rmse on validation <= champion - 0.01");
  EXPECT_EQ(s->label.column, "retweets");
  EXPECT_DOUBLE_EQ(**ValueOf(s->label, "3"), std::log1p(3.0));
  EXPECT_FALSE(ValueOf(s->label, "")->has_value());
  EXPECT_EQ(ValueOf(s->label, "many").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValueOf(s->label, "-1").status().code(), StatusCode::kInvalidArgument);
  for (const char* label : {"label: retweets > 0", "label: {column: l, mapping: {a: b}}"}) {
    std::string bad = yaml;
    bad.replace(bad.find("label: log1p(retweets)"), 22, label);
    Result<Spec> r = ParseSpec(bad, "");
    ASSERT_FALSE(r.ok()) << label;
    EXPECT_NE(r.status().message().find("'label'"), std::string::npos) << r.status().message();
  }
  std::string classify = std::string(kGood);
  classify.replace(classify.find("label: label_name"), 17, "label: log1p(retweets)");
  EXPECT_EQ(ParseSpec(classify, "").status().code(), StatusCode::kInvalidArgument);
}

// Each bad spec names its field.
TEST(SpecTest, BadSpecsNameTheField) {
  struct Case {
    std::string from, to, field;
  };
  const Case cases[] = {
      {"name: tweet-sentiment", "name: 'bad name!'", "'name'"},
      {"task: multiclass", "task: ranking", "'task'"},
      {"seed: 7", "seed: -1", "'seed'"},
      {"label: label_name", "label: 'a + b'", "'label'"},
      {"kind: vader", "kind: telepathy", "'features[1].kind'"},
      {"min_df: 2", "min_df: 0", "'features[0].min_df'"},
      {"word_ngrams: [1, 2]", "word_ngrams: [3, 2]", "'features[0]'"},
      {"min_df: 2}", "min_df: 2, char_tokens: bytes}", "'features[0]'"},
      {"family: linear", "family: [linear]", "'model.family'"},
      {"by: files", "by: chance", "'split.by'"},
      {"promotion:", "promotoin:", "'promotoin'"},
      {">= champion + 0.005", "~ champion", "'promotion': promotion rule"},
      {"macro_recall on validation >=", "rmse on validation <=",
       "'promotion': rmse is a regressor's metric; the task is multiclass"},
      {"macro_recall on validation >=", "macro_recall on validation <=",
       "'promotion': promotion rule 'macro_recall on validation <= champion + 0.005': macro_recall "
       "is higher-is-better"},
  };
  for (const Case& c : cases) {
    std::string yaml = kGood;
    ASSERT_NE(yaml.find(c.from), std::string::npos) << c.from;
    yaml.replace(yaml.find(c.from), c.from.size(), c.to);
    Result<Spec> s = ParseSpec(yaml, "");
    ASSERT_FALSE(s.ok()) << c.to;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(c.field), std::string::npos)
        << c.to << " → " << s.status().message();
  }
  EXPECT_FALSE(ParseSpec("name: [unclosed", "").ok());
  EXPECT_FALSE(ParseSpec("- a list", "").ok());
}

TEST(SpecTest, TimeSplit) {
  std::string yaml = kGood;
  const size_t at = yaml.find("split:");
  yaml.replace(at, yaml.find("metrics:") - at,
               "split: {by: time, column: date, validation_from: '2021-03-01 00:00:00', "
               "test_from: '2021-04-01 00:00:00'}\n");
  Result<Spec> s = ParseSpec(yaml, "");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->split.by, SplitSpec::By::kTime);
  yaml.replace(yaml.find("2021-04-01"), 10, "2021-01-01");
  EXPECT_NE(ParseSpec(yaml, "").status().message().find("split.test_from"), std::string::npos);
}

}  // namespace
}  // namespace covidflow::train
