#include "features/table.h"

#include <gtest/gtest.h>

#include "base/fs.h"
#include "base/testing/temp_dir.h"

namespace covidflow::features {
namespace {

TEST(TableTest, ReadsCsvJsonlAndLines) {
  testing::TempDir dir;
  const std::string csv = dir.Sub("a.csv");
  ASSERT_TRUE(ReplaceFileAtomically(csv, "label,text\n1,\"hi, there\"\n0,bye\n", csv + ".t").ok());
  Result<Table> t = ReadTable(csv, FileFormat::kCsv);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->rows(), 2u);
  EXPECT_EQ((*t->Column("text"))[0], "hi, there");

  const std::string jsonl = dir.Sub("a.jsonl");
  ASSERT_TRUE(ReplaceFileAtomically(
                  jsonl, "{\"text\":\"a\",\"n\":3}\n\n{\"text\":\"b\",\"x\":true}\n", jsonl + ".t")
                  .ok());
  t = ReadTable(jsonl, FileFormat::kJsonl);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rows(), 2u);
  EXPECT_EQ((*t->Column("n"))[0], "3");
  EXPECT_EQ((*t->Column("n"))[1], "");
  EXPECT_EQ((*t->Column("x"))[0], "");
  EXPECT_EQ((*t->Column("x"))[1], "true");

  const std::string lines = dir.Sub("a.txt");
  ASSERT_TRUE(ReplaceFileAtomically(lines, "one\r\ntwo\n", lines + ".t").ok());
  t = ReadTable(lines, FileFormat::kLines, "tweet");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->Column("tweet"), (std::vector<std::string>{"one", "two"}));
}

TEST(TableTest, BadInputNamesFileAndLine) {
  testing::TempDir dir;
  const std::string csv = dir.Sub("bad.csv");
  ASSERT_TRUE(ReplaceFileAtomically(csv, "a,b\n1,2,3\n", csv + ".t").ok());
  Result<Table> t = ReadTable(csv, FileFormat::kCsv);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("record 2"), std::string::npos);
  const std::string jsonl = dir.Sub("bad.jsonl");
  ASSERT_TRUE(ReplaceFileAtomically(jsonl, "{\"a\":1}\n{oops\n", jsonl + ".t").ok());
  t = ReadTable(jsonl, FileFormat::kJsonl);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("line 2"), std::string::npos);
  EXPECT_EQ(ReadTable(dir.Sub("absent.csv"), FileFormat::kCsv).status().code(),
            StatusCode::kNotFound);
}

TEST(TableTest, AppendMatchesColumnsByName) {
  Table a;
  a.AddColumn("x") = {"1"};
  Table b;
  b.AddColumn("y") = {"2", "3"};
  AppendTable(a, b);
  EXPECT_EQ(a.rows(), 3u);
  EXPECT_EQ(*a.Column("x"), (std::vector<std::string>{"1", "", ""}));
  EXPECT_EQ(*a.Column("y"), (std::vector<std::string>{"", "2", "3"}));
}

TEST(FileFormatTest, ByNameAndExtension) {
  EXPECT_EQ(*ParseFileFormat("auto", "x.csv"), FileFormat::kCsv);
  EXPECT_EQ(*ParseFileFormat("auto", "x.jsonl"), FileFormat::kJsonl);
  EXPECT_EQ(*ParseFileFormat("auto", "x.txt"), FileFormat::kLines);
  EXPECT_FALSE(ParseFileFormat("xml", "x").ok());
}

}  // namespace
}  // namespace covidflow::features
