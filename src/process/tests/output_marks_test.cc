#include "process/output_marks.h"

#include <gtest/gtest.h>

namespace covidflow::process {
namespace {

TEST(OutputMarksTest, FormatAndParseRoundTrip) {
  const OutputMarks m{Offset(12345678901), Offset(7)};
  EXPECT_EQ(FormatMarks(m), "v1 enriched=12345678901 dlq=7");
  EXPECT_EQ(ParseMarks(FormatMarks(m)), m);
  EXPECT_EQ(ParseMarks("v1 enriched=0 dlq=0"), (OutputMarks{Offset(0), Offset(0)}));
}

TEST(OutputMarksTest, AnythingElseIsNotAMark) {
  for (const char* bad : {"", "v2 enriched=1 dlq=2", "v1 enriched=1", "v1 enriched=x dlq=2",
                          "v1 enriched=1 dlq=", "v1 enriched=1 dlq=2 ", "v1 enriched= dlq=2",
                          "v1 enriched=1 dlq=2x", "enriched=1 dlq=2"}) {
    EXPECT_FALSE(ParseMarks(bad).has_value()) << bad;
  }
}

TEST(OutputTopicsTest, InputPartitionMapsModuloEachOutput) {
  OutputTopics t{"in", "out", "dlq", "g", 3, 2};
  EXPECT_EQ(t.EnrichedOf(PartitionId(7)), PartitionId(1));
  EXPECT_EQ(t.DlqOf(PartitionId(7)), PartitionId(1));
  EXPECT_EQ(t.EnrichedOf(PartitionId(2)), PartitionId(2));
  EXPECT_EQ(t.DlqOf(PartitionId(2)), PartitionId(0));
}

}  // namespace
}  // namespace covidflow::process
