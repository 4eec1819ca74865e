#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "enrich/internal/csv_reader.h"
#include "enrich/sentiment_command.h"

namespace covidflow::enrich {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text) {
  std::istringstream in(text);
  internal::CsvReader reader(in);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (reader.Next(fields)) rows.push_back(fields);
  return rows;
}

using Rows = std::vector<std::vector<std::string>>;

// Expected rows are what Python's csv.reader returns for the same text (newline="").
TEST(CsvReaderTest, ReadsLikePythonsCsvModule) {
  EXPECT_EQ(ReadAll("a,b\r\n1,2\r\n"), (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(ReadAll("a,\"b\r\nc\",d\n"), (Rows{{"a", "b\r\nc", "d"}}));
  EXPECT_EQ(ReadAll("x\"y,z\n"), (Rows{{"x\"y", "z"}}));
  EXPECT_EQ(ReadAll("\"ab\"cd,e\n"), (Rows{{"abcd", "e"}}));
  EXPECT_EQ(ReadAll("a\n\nb\n"), (Rows{{"a"}, {}, {"b"}}));
  EXPECT_EQ(ReadAll("\"unterminated\nrest"), (Rows{{"unterminated\nrest"}}));
  EXPECT_EQ(ReadAll("a,b"), (Rows{{"a", "b"}}));
  EXPECT_EQ(ReadAll("a\rb\r\n"), (Rows{{"a"}, {"b"}}));
  EXPECT_EQ(ReadAll("\"\",\"\"\n"), (Rows{{"", ""}}));
  EXPECT_EQ(ReadAll(",\n"), (Rows{{"", ""}}));
  EXPECT_EQ(ReadAll("\"say \"\"hi\"\"\"\n"), (Rows{{"say \"hi\""}}));
}

struct CommandRun {
  int rc;
  std::string out, err;
};

CommandRun RunCommand(const SentimentCommandOptions& o, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  const int rc = RunSentimentCommand(o, in, out, err);
  return {rc, out.str(), err.str()};
}

TEST(SentimentCommandTest, LinesGiveOneObjectEach) {
  const CommandRun r = RunCommand({}, "I love this!\r\nnot bad at all\n\n");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out,
            "{\"text\":\"I love this!\",\"neg\":0,\"neu\":0.308,\"pos\":0.692,\"compound\":0.6696,"
            "\"positive\":0.6919285274183611,\"neutral\":0.3080714725816389,\"negative\":0,"
            "\"label\":\"positive\",\"enricher\":\"vader\"}\n"
            "{\"text\":\"not bad at all\",\"neg\":0,\"neu\":0.513,\"pos\":0.487,\"compound\":0.431,"
            "\"positive\":0.4871794871794872,\"neutral\":0.5128205128205128,\"negative\":0,"
            "\"label\":\"positive\",\"enricher\":\"vader\"}\n"
            "{\"text\":\"\",\"neg\":0,\"neu\":0,\"pos\":0,\"compound\":0,\"positive\":0,"
            "\"neutral\":1,\"negative\":0,\"label\":\"neutral\",\"enricher\":\"vader\"}\n");
}

TEST(SentimentCommandTest, CsvColumnByNameWithQuotedNewlines) {
  SentimentCommandOptions o;
  o.format = SentimentCommandOptions::Format::kCsv;
  o.column = "tweet";
  const CommandRun r =
      RunCommand(o, "\xEF\xBB\xBFid,tweet\r\n1,\"so sad,\r\nvery sad\"\r\n2,\r\n3\r\n");
  EXPECT_EQ(r.rc, 0);
  std::istringstream lines(r.out);
  std::string first, second, third;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, third));  // row "3" has no tweet column: skipped
  EXPECT_NE(first.find("\"text\":\"so sad,\\r\\nvery sad\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"label\":\"negative\""), std::string::npos) << first;
  EXPECT_NE(second.find("\"text\":\"\""), std::string::npos) << second;
  EXPECT_NE(r.err.find("skipped 1 rows"), std::string::npos) << r.err;
}

TEST(SentimentCommandTest, InvalidUtf8IsRepairedInTheOutput) {
  const CommandRun r = RunCommand({}, "good \xff\n");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("\"text\":\"good \xEF\xBF\xBD\""), std::string::npos) << r.out;
}

TEST(SentimentCommandTest, NoneEnricherHasNoVaderNumbers) {
  SentimentCommandOptions o;
  o.enricher = "none";
  const CommandRun r = RunCommand(o, "I love this\n");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out,
            "{\"text\":\"I love this\",\"positive\":0,\"neutral\":1,\"negative\":0,"
            "\"label\":\"neutral\",\"enricher\":\"none\"}\n");
}

TEST(SentimentCommandTest, UnknownEnricherOrColumnFails) {
  SentimentCommandOptions o;
  o.enricher = "bert";
  CommandRun r = RunCommand(o, "x\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no enricher named 'bert'"), std::string::npos) << r.err;

  o = {};
  o.format = SentimentCommandOptions::Format::kCsv;
  o.column = "missing";
  r = RunCommand(o, "text\nhello\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no column 'missing'"), std::string::npos) << r.err;

  r = RunCommand(o, "");
  EXPECT_EQ(r.rc, 1);
}

TEST(SentimentCommandTest, ParsesFlags) {
  std::string file;
  auto o = ParseSentimentArgs(
      {"--enricher", "none", "--column", "tweet", "--format", "csv", "in.csv"}, file);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->enricher, "none");
  EXPECT_EQ(o->column, "tweet");
  EXPECT_EQ(o->format, SentimentCommandOptions::Format::kCsv);
  EXPECT_EQ(file, "in.csv");

  EXPECT_FALSE(ParseSentimentArgs({"--format", "xml"}, file).ok());
  EXPECT_FALSE(ParseSentimentArgs({"--column"}, file).ok());
  EXPECT_FALSE(ParseSentimentArgs({"--bogus"}, file).ok());
  EXPECT_FALSE(ParseSentimentArgs({"a", "b"}, file).ok());
  ASSERT_TRUE(ParseSentimentArgs({"-"}, file).ok());
  EXPECT_EQ(file, "");
}

}  // namespace
}  // namespace covidflow::enrich
