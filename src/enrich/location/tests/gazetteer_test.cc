// The place tables: the embedded ones parse, and a broken line is reported with its place.
#include "enrich/location/internal/gazetteer.h"

#include <gtest/gtest.h>

#include "enrich/location/internal/text.h"

namespace covidflow::enrich::location::internal {
namespace {

TEST(Gazetteer, EmbeddedTablesParse) {
  auto parsed = Gazetteer::Parse(Gazetteer::EmbeddedSources());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_GT((*parsed)->size(), 2000u);
  EXPECT_NE((*parsed)->RegionId("US-NY"), 0);
  EXPECT_NE((*parsed)->RegionId("IN-OD"), 0);
  EXPECT_TRUE((*parsed)->IsCountry(Gazetteer::PackCountry("NG")));
}

TEST(Gazetteer, EveryRegionOfTheFiveSystemsIsPresent) {
  const Gazetteer& g = Gazetteer::Embedded();
  // 50 states + DC, 13 provinces and territories, 28 states + 8 union territories, 4 nations,
  // 8 states and territories.
  const char* const kCodes[] = {
      "US-AL", "US-AK",  "US-AZ",  "US-AR",  "US-CA",  "US-CO",  "US-CT",  "US-DE",  "US-FL",
      "US-GA", "US-HI",  "US-ID",  "US-IL",  "US-IN",  "US-IA",  "US-KS",  "US-KY",  "US-LA",
      "US-ME", "US-MD",  "US-MA",  "US-MI",  "US-MN",  "US-MS",  "US-MO",  "US-MT",  "US-NE",
      "US-NV", "US-NH",  "US-NJ",  "US-NM",  "US-NY",  "US-NC",  "US-ND",  "US-OH",  "US-OK",
      "US-OR", "US-PA",  "US-RI",  "US-SC",  "US-SD",  "US-TN",  "US-TX",  "US-UT",  "US-VT",
      "US-VA", "US-WA",  "US-WV",  "US-WI",  "US-WY",  "US-DC",  "CA-AB",  "CA-BC",  "CA-MB",
      "CA-NB", "CA-NL",  "CA-NS",  "CA-ON",  "CA-PE",  "CA-QC",  "CA-SK",  "CA-NT",  "CA-NU",
      "CA-YT", "IN-AP",  "IN-AR",  "IN-AS",  "IN-BR",  "IN-CG",  "IN-GA",  "IN-GJ",  "IN-HR",
      "IN-HP", "IN-JH",  "IN-KA",  "IN-KL",  "IN-MP",  "IN-MH",  "IN-MN",  "IN-ML",  "IN-MZ",
      "IN-NL", "IN-OD",  "IN-PB",  "IN-RJ",  "IN-SK",  "IN-TN",  "IN-TS",  "IN-TR",  "IN-UP",
      "IN-UK", "IN-WB",  "IN-AN",  "IN-CH",  "IN-DH",  "IN-DL",  "IN-JK",  "IN-LA",  "IN-LD",
      "IN-PY", "GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR", "AU-NSW", "AU-VIC", "AU-QLD", "AU-SA",
      "AU-WA", "AU-TAS", "AU-ACT", "AU-NT"};
  EXPECT_EQ(std::size(kCodes), 51u + 13u + 36u + 4u + 8u);
  for (const char* code : kCodes) EXPECT_NE(g.RegionId(code), 0) << code;
}

TEST(Gazetteer, NamesAreFoldedLikeFreeText) {
  const Gazetteer& g = Gazetteer::Embedded();
  EXPECT_NE(g.Find(NormalizeKey("Québec")), nullptr);
  EXPECT_NE(g.Find(NormalizeKey("BADEN-WÜRTTEMBERG")), nullptr);
  EXPECT_NE(g.Find("andhrapradesh"), nullptr);  // multi-word names also match as one word
  EXPECT_EQ(NormalizeKey("  St. John's,  NL "), "st johns nl");
}

Status ParseOne(std::string_view line) { return Gazetteer::Parse({{"t.txt", line}}).status(); }

TEST(Gazetteer, BrokenLinesAreReportedWithTheirPlace) {
  EXPECT_TRUE(ParseOne("# comment\nC NG nigeria\n").ok());
  const Status unknown_kind = ParseOne("C NG nigeria\nQ NG naija\n");
  EXPECT_EQ(unknown_kind.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown_kind.message().find("t.txt:2"), std::string::npos) << unknown_kind.message();
  EXPECT_FALSE(ParseOne("C ng nigeria").ok());           // code not in capitals
  EXPECT_FALSE(ParseOne("R US-NEWYORK new york").ok());  // region part too long
  EXPECT_FALSE(ParseOne("T:1.5 FR paris").ok());         // weight out of (0, 1]
  EXPECT_FALSE(ParseOne("T:x FR paris").ok());
  EXPECT_FALSE(ParseOne("P US-NY new york").ok());               // a code is one word
  EXPECT_FALSE(ParseOne("X US south america").ok());             // X lines have the code '-'
  EXPECT_FALSE(ParseOne("C NG").ok());                           // no names
  EXPECT_FALSE(ParseOne("C NG a||b").ok());                      // empty name
  EXPECT_FALSE(ParseOne("C JE jersey\nG JE jersey").ok());       // G lines have the code '-'
  EXPECT_FALSE(ParseOne("C JE jersey\nG - jersey shore").ok());  // G names are one word
  EXPECT_FALSE(ParseOne("G - jersey").ok());                     // a G name must name a place
}

TEST(Gazetteer, OrdinaryWordNamesAreMarkedGeneric) {
  auto g = Gazetteer::Parse({{"t.txt", "G - jersey\nC JE jersey\nC TD chad"}});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_NE((*g)->Find("jersey"), nullptr);
  EXPECT_TRUE((*g)->Find("jersey")->generic);
  EXPECT_EQ((*g)->Find("jersey")->candidates.size(), 1u);  // the mark adds no reading
  EXPECT_FALSE((*g)->Find("chad")->generic);
  EXPECT_EQ(Gazetteer::Embedded().Find("island"), nullptr);  // "Ísland" is not listed
  EXPECT_TRUE(Gazetteer::Embedded().Find("turkey")->generic);
}

}  // namespace
}  // namespace covidflow::enrich::location::internal
