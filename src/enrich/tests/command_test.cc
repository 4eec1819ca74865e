#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "enrich/enrichers.h"
#include "enrich/sentiment_command.h"

namespace covidflow::enrich {
namespace {

struct CommandRun {
  int rc;
  std::string out, err;
};

// The enricher built by name, as the composition root builds it for the CLI.
CommandRun RunCommand(const SentimentCommandOptions& o, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  auto enricher = MakeEnricher(o.enricher);
  if (!enricher.ok()) return {-1, "", enricher.status().ToString()};
  const int rc = RunSentimentCommand(**enricher, o, in, out, err);
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

// An unknown enricher is the CLI's usage error (exit 2, before the command runs: e2e test_cli).
TEST(SentimentCommandTest, UnknownColumnFails) {
  SentimentCommandOptions o;
  o.format = SentimentCommandOptions::Format::kCsv;
  o.column = "missing";
  CommandRun r = RunCommand(o, "text\nhello\n");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no column 'missing'"), std::string::npos) << r.err;

  r = RunCommand(o, "");
  EXPECT_EQ(r.rc, 1);
}

// The CSV column is read by schema's RFC 4180 splitter: quoted separators, "" escapes and
// line ends inside quotes are kept; an empty line, a row too short and a record that is not
// valid CSV are skipped and counted.
TEST(SentimentCommandTest, CsvValuesAreSplitByTheSchemaReader) {
  std::vector<std::string> got;
  int64_t skipped = -1;
  std::istringstream in(
      "\xEF\xBB\xBFid,text\r\n"
      "1,\"a, \"\"quoted\"\"\r\nline\"\r\n"
      "\n"
      "2\n"
      "3,\"ab\"cd\n"
      "4,x\"y\n"
      "5,last");
  const Status st = ForEachCsvValue(
      in, "text", [&got](std::string_view v) { got.emplace_back(v); }, &skipped);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got, (std::vector<std::string>{"a, \"quoted\"\r\nline", "x\"y", "last"}));
  EXPECT_EQ(skipped, 3);
  std::istringstream empty("");
  EXPECT_EQ(ForEachCsvValue(
                empty, "text", [](std::string_view) {}, &skipped)
                .code(),
            StatusCode::kInvalidArgument);
}

// Records that cross the reader's 1 MiB chunks come back whole and in order.
TEST(SentimentCommandTest, CsvRecordsAcrossChunksStayWhole) {
  std::string csv = "text\n";
  std::vector<std::string> want;
  for (int i = 0; i < 30000; ++i) {
    want.push_back("row " + std::to_string(i) + ", with a comma\nand a line end " +
                   std::string(static_cast<size_t>(i % 97), 'x'));
    csv += "\"" + want.back() + "\"\r\n";
  }
  std::istringstream in(csv);
  std::vector<std::string> got;
  int64_t skipped = -1;
  ASSERT_TRUE(ForEachCsvValue(
                  in, "text", [&got](std::string_view v) { got.emplace_back(v); }, &skipped)
                  .ok());
  EXPECT_GT(csv.size(), size_t{2} << 20);  // three chunks
  EXPECT_EQ(skipped, 0);
  EXPECT_EQ(got, want);
}

// A line over the limit is skipped to its end and counted, whatever chunk it starts or ends
// in; the lines around it come back whole.
TEST(SentimentCommandTest, LinesOverTheLimitAreSkippedAndCounted) {
  const std::string big(200000, 'y');
  std::istringstream in("short\r\n" + big + "\n" + std::string(100, 'z') + "\r\n" + big);
  std::vector<std::string> got;
  int64_t too_long = -1;
  ForEachLine(
      in, 100, [&got](std::string_view v) { got.emplace_back(v); }, &too_long);
  EXPECT_EQ(too_long, 2);
  EXPECT_EQ(got, (std::vector<std::string>{"short", std::string(100, 'z')}));
}

TEST(SentimentCommandTest, LongLinesAndValuesAreReportedNotScored) {
  SentimentCommandOptions o;
  o.max_field_bytes = 64;
  CommandRun r = RunCommand(o, "fine\n" + std::string(65, 'a') + "\n");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.err.find("skipped 1 lines longer than 64 bytes"), std::string::npos) << r.err;
  o.format = SentimentCommandOptions::Format::kCsv;
  r = RunCommand(o, "text\n\"" + std::string(70, 'b') + "\"\ngood\n");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.err.find("skipped 1 values longer than 64 bytes"), std::string::npos) << r.err;
}

// A column with the lines format is a contradiction, refused rather than ignored.
TEST(SentimentCommandTest, ColumnWithLinesFormatIsRefused) {
  SentimentCommandOptions o;
  o.column = "text";
  const CommandRun r = RunCommand(o, "a,text\n1,good\n");
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("needs CSV input"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace covidflow::enrich
