#include "monitor/table.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "base/testing/temp_dir.h"

namespace covidflow::monitor {
namespace {

std::string Write(const testing::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ReadTableTest, CsvCellsAreTypedAsPandasTypesThem) {
  testing::TempDir dir;
  auto t = ReadTable(
      Write(dir, "a.csv", "i,f,gap,b,s\n1,1.5,3,True,x\n2,2,,False,\"y, z\"\n-3,1e3,4,True,x\n"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->rows, 3U);
  EXPECT_EQ(t->Find("i")->type, CellType::kInt);
  EXPECT_EQ(t->Find("f")->type, CellType::kFloat);
  EXPECT_EQ(t->Find("gap")->type, CellType::kFloat);  // an int column with a gap is float
  EXPECT_TRUE(std::isnan(t->Find("gap")->numbers[1]));
  EXPECT_EQ(t->Find("b")->type, CellType::kBool);
  EXPECT_EQ(t->Find("s")->type, CellType::kString);
  EXPECT_EQ(t->Find("s")->strings[1], "y, z");
  EXPECT_EQ(InferUsage(*t->Find("i")), Usage::kCategorical);  // <= 10 distinct ints
  EXPECT_EQ(InferUsage(*t->Find("f")), Usage::kNumeric);
  EXPECT_EQ(InferUsage(*t->Find("s")), Usage::kText);  // 2 distinct of 3 present: over half
  EXPECT_EQ(InferUsage(*t->Find("b")), Usage::kCategorical);
}

TEST(ReadTableTest, JsonLinesAndErrorsNameTheProblem) {
  testing::TempDir dir;
  auto t =
      ReadTable(Write(dir, "a.jsonl", "{\"x\": 1, \"t\": \"a\"}\n{\"x\": 2.5, \"t\": null}\n"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->Find("x")->type, CellType::kFloat);
  EXPECT_EQ(t->Find("t")->present[1], 0);

  auto bad = ReadTable(Write(dir, "b.csv", "a,b\n1\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("record 2"), std::string::npos);
  EXPECT_EQ(ReadTable(dir.path() + "/missing.csv").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadTable(Write(dir, "c.txt", "x")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTable("lake:" + dir.path() + "?since=2020-01-01").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ReadTableTest, TableJsonLinesReadsBackTheSameColumnsTypesAndValues) {
  Table t;
  t.rows = 3;
  const double nan = std::nan("");
  t.columns.push_back({"f", CellType::kFloat, {0.0, 2.0, nan}, {}, {}});  // whole floats stay float
  t.columns.push_back({"i", CellType::kInt, {1, -7, 30000000000.0}, {}, {}});
  t.columns.push_back({"b", CellType::kBool, {1, 0, 1}, {}, {}});
  t.columns.push_back({"s", CellType::kString, {}, {"a \"q\"", "", "é"}, {1, 0, 1}});
  auto back = ReadTableBytes("ref.jsonl", TableJsonLines(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->rows, 3U);
  ASSERT_EQ(back->columns.size(), 4U);
  for (const TableColumn& want : t.columns) {
    const TableColumn* got = back->Find(want.name);
    ASSERT_NE(got, nullptr) << want.name;
    EXPECT_EQ(got->type, want.type) << want.name;
    for (size_t r = 0; r < 3; ++r) {
      if (want.type == CellType::kString) {
        EXPECT_EQ(got->present[r], want.present[r]);
        if (want.present[r] != 0) {
          EXPECT_EQ(got->strings[r], want.strings[r]);
        }
      } else if (std::isnan(want.numbers[r])) {
        EXPECT_TRUE(std::isnan(got->numbers[r]));
      } else {
        EXPECT_EQ(got->numbers[r], want.numbers[r]) << want.name << " row " << r;
      }
    }
  }
  EXPECT_EQ(ReadTableBytes("ref.txt", "").status().code(), StatusCode::kInvalidArgument);
}

TEST(PrepareSamplesTest, TextIsSkippedAndCategoriesShareADictionary) {
  testing::TempDir dir;
  std::string ref = "id,c,v\n";
  std::string cur = "id,c,v\n";
  for (int i = 0; i < 40; ++i) {
    ref +=
        "r" + std::to_string(i) + "," + (i % 2 == 0 ? "a" : "b") + "," + std::to_string(i) + ".5\n";
    cur += "c" + std::to_string(i) + "," + (i % 3 == 0 ? "new" : "a") + "," + std::to_string(i) +
           ".5\n";
  }
  auto r = ReadTable(Write(dir, "r.csv", ref));
  auto c = ReadTable(Write(dir, "c.csv", cur));
  auto s = PrepareSamples(*r, *c, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->skipped.size(), 1U);
  EXPECT_EQ(s->skipped[0], "id");
  auto d = CompareColumns(s->reference, s->current, DriftOptions{});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->columns[0].column, "c");
  EXPECT_EQ(d->columns[0].distinct_values, 3U);  // a, b, new
  EXPECT_EQ(d->columns[0].score, 0.0);           // a new category: chi-square p = 0
  EXPECT_TRUE(d->columns[0].drifted);
  EXPECT_FALSE(d->columns[1].drifted);
  EXPECT_FALSE(PrepareSamples(*r, *c, {"id"}).ok());
  EXPECT_FALSE(PrepareSamples(*r, *c, {"nope"}).ok());
}

}  // namespace
}  // namespace covidflow::monitor
