#include "schema/csv.h"

#include <gtest/gtest.h>

#include <vector>

#include "schema/tests/read_all.h"
#include "schema/time.h"

namespace covidflow::schema {
namespace {

using testing::ReadAllCsv;

constexpr std::string_view kHeader =
    "user_name,user_location,user_description,user_created,user_followers,user_friends,"
    "user_favourites,user_verified,date,text,hashtags,source,is_retweet";

// One reference row with `text` and `followers` replaceable.
std::string Row(std::string_view followers = "17", std::string_view text = "\"Hello, world\"") {
  return "Ann,\"Atlanta, GA\",nurse,2017-05-26 05:46:42," + std::string(followers) +
         ",3,0,False,2020-07-25 11:28:59," + std::string(text) +
         ",\"['COVID19', 'Vaccine']\",Twitter for Android,False";
}

std::vector<std::string> SplitAll(std::string_view data) {
  std::vector<std::string> out;
  CsvSplitter s(data);
  std::string_view r;
  while (s.Next(&r)) out.emplace_back(r);
  return out;
}

CsvLayout Reference() {
  auto layout = CsvLayout::FromHeader(kHeader, ColumnMapping());
  EXPECT_TRUE(layout.ok()) << layout.status().ToString();
  return *layout;
}

std::optional<ParseError> Parse(std::string_view raw, Tweet* t, ParseOptions o = {}) {
  static const CsvLayout layout = Reference();
  return ParseCsvRecord(raw, layout, o, t);
}

Reason ReasonOf(std::string_view raw, ParseOptions o = {}) {
  Tweet t;
  auto err = Parse(raw, &t, o);
  EXPECT_TRUE(err.has_value()) << raw;
  return err ? err->reason : Reason::kUnknownFormat;
}

TEST(CsvSplitter, SplitsOnLfAndCrlfOutsideQuotes) {
  EXPECT_EQ(SplitAll("a,b\r\nc,d\ne,f"), (std::vector<std::string>{"a,b", "c,d", "e,f"}));
  EXPECT_EQ(SplitAll("a,\"x\r\ny\",b\r\nc\r\n"), (std::vector<std::string>{"a,\"x\r\ny\",b", "c"}));
  EXPECT_EQ(SplitAll("\"he said \"\"hi\"\"\nthere\",1\n2\n"),
            (std::vector<std::string>{"\"he said \"\"hi\"\"\nthere\",1", "2"}));
  EXPECT_EQ(SplitAll("a\n\nb\n"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(SplitAll("").empty());
}

TEST(CsvSplitter, QuoteInsideAnUnquotedFieldIsLiteral) {
  EXPECT_EQ(SplitAll("5\" screen,b\nc\n"), (std::vector<std::string>{"5\" screen,b", "c"}));
}

TEST(CsvSplitter, UnterminatedQuoteTakesTheRestOfTheInput) {
  CsvSplitter s("a,b\nc,\"open\nd,e\nf\n");
  std::string_view r;
  ASSERT_TRUE(s.Next(&r));
  EXPECT_EQ(r, "a,b");
  EXPECT_EQ(s.position(), 4u);
  ASSERT_TRUE(s.Next(&r));
  EXPECT_EQ(r, "c,\"open\nd,e\nf\n");
  EXPECT_EQ(s.position(), 18u);
  EXPECT_FALSE(s.Next(&r));
}

TEST(CsvSplitter, ACrAtTheEndOfTheBufferIsNotYetATerminator) {
  // A streaming reader cuts buffers anywhere; "ab\r" may continue with "\n".
  CsvSplitter s("ab\r");
  std::string_view r;
  ASSERT_TRUE(s.Next(&r));
  EXPECT_EQ(r, "ab\r");
  EXPECT_EQ(s.position(), 3u);
}

TEST(CsvSplitter, PositionCountsTerminators) {
  CsvSplitter s("ab\r\ncd");
  std::string_view r;
  ASSERT_TRUE(s.Next(&r));
  EXPECT_EQ(s.position(), 4u);
  ASSERT_TRUE(s.Next(&r));
  EXPECT_EQ(r, "cd");
  EXPECT_EQ(s.position(), 6u);
}

TEST(ColumnMapping, ParsesSpecsAndPresets) {
  auto m = ColumnMapping::Preset("corona-nlp");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)[Field::kDate].source, "TweetAt");
  EXPECT_EQ((*m)[Field::kDate].format, "%d-%m-%Y");
  EXPECT_FALSE(m->mapped(Field::kUserFollowers));
  auto again = ColumnMapping::Parse(m->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ToString(), m->ToString());
  EXPECT_EQ(ColumnMapping::Preset("reference")->ToString(), ColumnMapping().ToString());
  EXPECT_FALSE(ColumnMapping::Preset("nope").ok());
  EXPECT_FALSE(ColumnMapping::Parse("user_name=A,text=B").ok());  // no date
  EXPECT_FALSE(ColumnMapping::Parse("user_name=A,date=B,text=C,nope=D").ok());
  EXPECT_FALSE(ColumnMapping::Parse("user_name=A,date=B,text=C,text=D").ok());
  EXPECT_FALSE(ColumnMapping::Parse("user_name=A:%Y,date=B,text=C").ok());
  EXPECT_FALSE(ColumnMapping::Parse("user_name=A,date=B:%q,text=C").ok());
}

TEST(CsvLayout, MapsByNameNotPosition) {
  auto m = ColumnMapping::Parse("user_name=who,date=when,text=what");
  ASSERT_TRUE(m.ok());
  auto layout = CsvLayout::FromHeader("\xEF\xBB\xBFwhat,extra,when,who", *m);
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  Tweet t;
  t.user_followers = 99;  // a reused tweet: unmapped fields go back to defaults
  ParseOptions o;
  o.mapping = *m;
  o.keep_extra_columns = true;
  ASSERT_FALSE(ParseCsvRecord("hi,x,2020-07-25 11:28:59,bob", *layout, o, &t));
  EXPECT_EQ(t.text, "hi");
  EXPECT_EQ(t.user_name, "bob");
  EXPECT_EQ(t.user_followers, 0);
  ASSERT_EQ(t.extra.size(), 1u);
  EXPECT_EQ(t.extra[0], (std::pair<std::string, std::string>{"extra", "x"}));
  o.keep_extra_columns = false;
  ASSERT_FALSE(ParseCsvRecord("hi,x,2020-07-25 11:28:59,bob", *layout, o, &t));
  EXPECT_TRUE(t.extra.empty());
}

TEST(CsvLayout, RejectsMissingAndDuplicateColumns) {
  EXPECT_FALSE(CsvLayout::FromHeader("user_name,date", ColumnMapping()).ok());
  EXPECT_FALSE(CsvLayout::FromHeader(std::string(kHeader) + ",text", ColumnMapping()).ok());
  EXPECT_FALSE(CsvLayout::FromHeader("\"open", ColumnMapping()).ok());
  EXPECT_TRUE(CsvLayout::FromHeader(std::string(kHeader) + ",id", ColumnMapping()).ok());
}

TEST(ParseCsvRecord, ReadsEveryTypedField) {
  Tweet t;
  ASSERT_FALSE(Parse(Row(), &t));
  EXPECT_EQ(t.user_name, "Ann");
  EXPECT_EQ(t.user_location, "Atlanta, GA");
  EXPECT_EQ(t.user_description, "nurse");
  EXPECT_EQ(FormatTimestamp(t.user_created), "2017-05-26 05:46:42");
  EXPECT_EQ(t.user_followers, 17);
  EXPECT_EQ(t.user_friends, 3);
  EXPECT_EQ(t.user_favourites, 0);
  EXPECT_FALSE(t.user_verified);
  EXPECT_EQ(FormatTimestamp(t.date), "2020-07-25 11:28:59");
  EXPECT_EQ(t.text, "Hello, world");
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"COVID19", "Vaccine"}));
  EXPECT_EQ(t.source, "Twitter for Android");
  EXPECT_FALSE(t.is_retweet);
  EXPECT_FALSE(t.utf8_repaired);
}

TEST(ParseCsvRecord, UnescapesQuotesAndKeepsNewlines) {
  Tweet t;
  ASSERT_FALSE(Parse(Row("1", "\"She said \"\"stay home\"\"\r\nnow\""), &t));
  EXPECT_EQ(t.text, "She said \"stay home\"\r\nnow");
  ASSERT_FALSE(Parse(Row("1", "\"\"\"\"\"\""), &t));  // a text of two quotes
  EXPECT_EQ(t.text, "\"\"");
}

TEST(ParseCsvRecord, HashtagForms) {
  Tweet t;
  auto with = [&](std::string_view tags) {
    const std::string row = Row();
    constexpr std::string_view kTags = "\"['COVID19', 'Vaccine']\"";
    const size_t at = row.find(kTags);
    std::string r = row.substr(0, at);
    r.append(tags);
    r.append(row, at + kTags.size());
    return Parse(r, &t);
  };
  ASSERT_FALSE(with(""));
  EXPECT_TRUE(t.hashtags.empty());
  ASSERT_FALSE(with("['One']"));
  EXPECT_EQ(t.hashtags, std::vector<std::string>{"One"});
  ASSERT_FALSE(with("[]"));
  EXPECT_TRUE(t.hashtags.empty());
  ASSERT_FALSE(with("\"[\"\"It's\"\", 'b']\""));
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"It's", "b"}));
  for (std::string_view bad : {"COVID19", "['a'", "['a' 'b']", "['a'] x", "[a]"}) {
    auto err = with(bad);
    ASSERT_TRUE(err.has_value()) << bad;
    EXPECT_EQ(err->reason, Reason::kBadHashtags) << bad;
  }
}

TEST(ParseCsvRecord, BadNumbers) {
  for (std::string_view bad : {"-5", "", "12a", "1.0", "9223372036854775808", " 7", "+7"}) {
    Tweet t;
    auto err = Parse(Row(bad), &t);
    ASSERT_TRUE(err.has_value()) << bad;
    EXPECT_EQ(err->reason, Reason::kBadNumber) << bad;
    EXPECT_EQ(err->field, "user_followers");
  }
  Tweet t;
  ASSERT_FALSE(Parse(Row("9223372036854775807"), &t));
  EXPECT_EQ(t.user_followers, INT64_MAX);
  ASSERT_FALSE(Parse(Row("007"), &t));
  EXPECT_EQ(t.user_followers, 7);
}

TEST(ParseCsvRecord, BadTimestampsBoolsAndRanges) {
  auto replace = [](const std::string& r, std::string_view from, std::string_view to) {
    const size_t at = r.find(from);
    std::string out = r.substr(0, at);
    out.append(to);
    out.append(r, at + from.size());
    return out;
  };
  const std::string row = Row();
  EXPECT_EQ(ReasonOf(replace(row, "2020-07-25 11:28:59", "2020-02-30 11:28:59")),
            Reason::kBadTimestamp);
  EXPECT_EQ(ReasonOf(replace(row, "2020-07-25 11:28:59", "25-07-2020 11:28")),
            Reason::kBadTimestamp);
  EXPECT_EQ(ReasonOf(replace(row, "2020-07-25 11:28:59", "")), Reason::kMissingField);
  EXPECT_EQ(ReasonOf(replace(row, "2020-07-25 11:28:59", "2101-01-01 00:00:00")),
            Reason::kOutOfRange);
  EXPECT_EQ(ReasonOf(replace(row, "2017-05-26 05:46:42", "1999-05-26 05:46:42")),
            Reason::kOutOfRange);
  EXPECT_EQ(ReasonOf(replace(row, "2017-05-26 05:46:42", "")), Reason::kBadTimestamp);
  EXPECT_EQ(ReasonOf(replace(row, "False,2020", "Yes,2020")), Reason::kBadBool);
  EXPECT_EQ(ReasonOf(replace(row, "Android,False", "Android,")), Reason::kBadBool);
  EXPECT_EQ(ReasonOf(replace(row, "Ann,", ",")), Reason::kMissingField);
  EXPECT_EQ(ReasonOf(replace(row, "\"Hello, world\"", "")), Reason::kMissingField);
  Tweet t;
  ASSERT_FALSE(Parse(replace(row, "False,2020", "TRUE,2020"), &t));
  EXPECT_TRUE(t.user_verified);
}

TEST(ParseCsvRecord, MalformedStructure) {
  EXPECT_EQ(ReasonOf(Row("1", "\"never closed")), Reason::kMalformedCsv);
  EXPECT_EQ(ReasonOf(Row("1", "\"closed\"then more")), Reason::kMalformedCsv);
  EXPECT_EQ(ReasonOf(Row() + ",extra"), Reason::kColumnCount);
  EXPECT_EQ(ReasonOf("Ann,2020-07-25 11:28:59,hi"), Reason::kColumnCount);
  EXPECT_EQ(ReasonOf(""), Reason::kEmptyRecord);
  EXPECT_EQ(ReasonOf(",,,,"), Reason::kEmptyRecord);
  EXPECT_EQ(ReasonOf(",,,,,,,,,,,,"), Reason::kEmptyRecord);
  EXPECT_EQ(ReasonOf("\"\",,,,,,,,,,,,"), Reason::kEmptyRecord);
}

TEST(ParseCsvRecord, InvalidUtf8IsRepairedOrRejected) {
  const std::string row = Row("1", "\"bad \xC2 byte\"");
  Tweet t;
  ASSERT_FALSE(Parse(row, &t));
  EXPECT_TRUE(t.utf8_repaired);
  EXPECT_EQ(t.text, "bad \xEF\xBF\xBD byte");
  ASSERT_FALSE(Parse(Row(), &t));
  EXPECT_FALSE(t.utf8_repaired);  // reset for a reused tweet
  ParseOptions reject;
  reject.utf8 = Utf8Policy::kReject;
  auto err = Parse(row, &t, reject);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->reason, Reason::kInvalidUtf8);
  EXPECT_EQ(err->field, "text");
  // In a typed field invalid bytes are simply a bad value.
  EXPECT_EQ(ReasonOf(Row("1\xFF")), Reason::kBadNumber);
}

TEST(ParseCsvRecord, FieldOverTheLimit) {
  const std::string big(10 << 20, 'x');  // a 10 MB field
  auto err = [&](ParseOptions o) {
    Tweet t;
    return Parse(Row("1", big), &t, o);
  };
  auto e = err(ParseOptions{});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, Reason::kFieldTooLarge);
  EXPECT_EQ(e->field, "text");
  ParseOptions roomy;
  roomy.max_field_bytes = 16 << 20;
  EXPECT_FALSE(err(roomy).has_value());
}

TEST(ReadAllCsv, BadFilesGiveExactCounts) {
  // An empty file has no header: the layout is the error.
  EXPECT_FALSE(ReadAllCsv("", ParseOptions{}).header.ok());
  // A file of only ",,,," lines: the first is a header lacking every column.
  EXPECT_FALSE(ReadAllCsv(",,,,\n,,,,\n", ParseOptions{}).header.ok());
  // Behind a real header, ",,,," lines are empty records.
  std::string data = std::string(kHeader) + "\r\n";
  for (int i = 0; i < 50; ++i) data += ",,,,\r\n";
  auto c = ReadAllCsv(data, ParseOptions{});
  ASSERT_TRUE(c.header.ok());
  EXPECT_EQ(c.records, 50u);
  EXPECT_EQ(c.parsed, 0u);
  EXPECT_EQ(c.rejected["empty_record"], 50u);

  // A mix: every bad kind once, plus good rows; an unterminated quote near the end
  // swallows the rest of the file into one malformed record.
  data = std::string(kHeader) + "\r\n" + Row() + "\r\n" + Row("-1") + "\r\n" +
         Row("1", "\"multi\nline\"") + "\r\n" + Row() + ",x\r\n" + "a,b\r\n" + "\r\n" +
         Row("1", "\"inv\xE2\x28\xA1\"") + "\r\n" + "Ann,\"never closed\r\nAnn,more\r\n";
  c = ReadAllCsv(data, ParseOptions{});
  EXPECT_EQ(c.records, 7u);
  EXPECT_EQ(c.parsed, 3u);
  EXPECT_EQ(c.repaired, 1u);
  EXPECT_EQ(c.rejected, (std::map<std::string, size_t>{
                            {"bad_number", 1}, {"column_count", 2}, {"malformed_csv", 1}}));
}

TEST(ReadAllCsv, TenMegabyteFieldIsOneDeadLetter) {
  const std::string big = "\"" + std::string(10 << 20, 'y') + "\"";
  const std::string data =
      std::string(kHeader) + "\r\n" + Row() + "\r\n" + Row("1", big) + "\r\n" + Row() + "\r\n";
  auto c = ReadAllCsv(data, ParseOptions{});
  ASSERT_TRUE(c.header.ok());
  EXPECT_EQ(c.records, 3u);
  EXPECT_EQ(c.parsed, 2u);
  EXPECT_EQ(c.rejected, (std::map<std::string, size_t>{{"field_too_large", 1}}));
}

}  // namespace
}  // namespace covidflow::schema
