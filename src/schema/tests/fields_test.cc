// The field table: its run-time view, its agreement with the seed names the readers use,
// and the compile-time visitors reaching the right members.
#include "schema/fields.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace covidflow::schema {
namespace {

TEST(FieldsTest, SeedFieldsComeFirstInFieldOrder) {
  const auto cols = Columns();
  ASSERT_EQ(cols.size(), kColumnCount);
  for (size_t i = 0; i < kFieldCount; ++i) {
    ASSERT_TRUE(cols[i].seed.has_value()) << cols[i].name;
    EXPECT_EQ(static_cast<size_t>(*cols[i].seed), i);
    EXPECT_EQ(cols[i].seed_name, FieldName(static_cast<Field>(i)));
  }
  for (size_t i = kFieldCount; i < cols.size(); ++i) {
    EXPECT_FALSE(cols[i].seed.has_value()) << cols[i].name;
    EXPECT_FALSE(cols[i].required) << cols[i].name;
  }
}

TEST(FieldsTest, NamesAreUniqueAndFoundByName) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < Columns().size(); ++i) {
    EXPECT_TRUE(names.insert(Columns()[i].name).second) << Columns()[i].name;
    ASSERT_EQ(FindColumn(Columns()[i].name), i);
  }
  EXPECT_FALSE(FindColumn("date").has_value());  // the seed name of event_time
  EXPECT_FALSE(FindColumn("no_such_column").has_value());
}

TEST(FieldsTest, KnownEntries) {
  const ColumnInfo& event = Columns()[*FindColumn("event_time")];
  EXPECT_EQ(event.type, ValueType::kTimestamp);
  EXPECT_EQ(event.seed_name, "date");
  EXPECT_TRUE(event.required);
  EXPECT_EQ(Columns()[*FindColumn("user_followers")].type, ValueType::kInt64);
  EXPECT_EQ(Columns()[*FindColumn("hashtags")].type, ValueType::kStringList);
  EXPECT_EQ(Columns()[*FindColumn("source_partition")].type, ValueType::kInt32);
  EXPECT_EQ(Columns()[*FindColumn("ingest_time")].type, ValueType::kTimestampMillis);
  EXPECT_EQ(Columns()[*FindColumn("sentiment_label")].type, ValueType::kLabel);
  EXPECT_TRUE(Columns()[*FindColumn("country")].nullable);
  EXPECT_FALSE(Columns()[*FindColumn("text")].nullable);
  std::set<std::string_view> required;
  for (const ColumnInfo& c : Columns()) {
    if (c.required) required.insert(c.seed_name);
  }
  EXPECT_EQ(required, (std::set<std::string_view>{"user_name", "date", "text"}));
  EXPECT_EQ(ValueTypeName(ValueType::kStringList), "string_list");
}

TEST(FieldsTest, SeedNamesRoundTrip) {
  for (size_t i = 0; i < kFieldCount; ++i) {
    Field f;
    ASSERT_TRUE(FieldFromName(FieldName(static_cast<Field>(i)), &f));
    EXPECT_EQ(static_cast<size_t>(f), i);
  }
  Field f;
  EXPECT_FALSE(FieldFromName("event_time", &f));
}

TEST(FieldsTest, VisitorsReachTheMembers) {
  Tweet t;
  t.user_followers = 7;
  t.text = "hello";
  t.hashtags = {"a", "b"};
  std::vector<std::string_view> names;
  ForEachSeedField(t, [&](const auto& def, auto& value) {
    names.push_back(def.SeedName());
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::is_same_v<T, int64_t>) value += 1;
  });
  ASSERT_EQ(names.size(), kFieldCount);
  EXPECT_EQ(names[9], "text");
  EXPECT_EQ(t.user_followers, 8);
  EXPECT_EQ(t.user_friends, 1);

  std::string seen;
  VisitSeedField(Field::kText, t, [&](const auto&, const auto& value) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(value)>, std::string>) {
      seen = value;
    }
  });
  EXPECT_EQ(seen, "hello");

  EnrichedTweet e;
  e.tweet = t;
  e.source.partition = PartitionId(3);
  EXPECT_EQ(kColumnDef<9>.Ref(e), "hello");
  EXPECT_EQ(std::get<23>(kColumnDefs).Ref(e), PartitionId(3));
  EXPECT_EQ(Columns()[23].name, "source_partition");
}

}  // namespace
}  // namespace covidflow::schema
