#include "features/sparse_rows.h"

#include <gtest/gtest.h>

namespace covidflow::features {
namespace {

TEST(SparseRowsTest, AddRowKeepsOffsets) {
  SparseRows m;
  m.cols = 5;
  const int32_t i0[] = {0, 3};
  const float v0[] = {1.0f, 2.0f};
  m.AddRow(i0, v0);
  m.AddRow({}, {});
  const int32_t i2[] = {4};
  const float v2[] = {5.0f};
  m.AddRow(i2, v2);
  ASSERT_EQ(m.rows(), 3u);
  EXPECT_EQ(m.RowIndices(0).size(), 2u);
  EXPECT_TRUE(m.RowIndices(1).empty());
  EXPECT_EQ(m.RowValues(2)[0], 5.0f);
  EXPECT_TRUE(m.Validate().ok());
}

TEST(SparseRowsTest, ValidateRejectsUnorderedAndOutOfRangeColumns) {
  SparseRows m;
  m.cols = 3;
  const int32_t bad_order[] = {2, 1};
  const float v[] = {1.0f, 1.0f};
  m.AddRow(bad_order, v);
  EXPECT_EQ(m.Validate().code(), StatusCode::kInvalidArgument);
  SparseRows wide;
  wide.cols = 2;
  const int32_t too_wide[] = {0, 2};
  wide.AddRow(too_wide, v);
  EXPECT_NE(wide.Validate().message().find("row 0"), std::string::npos);
}

}  // namespace
}  // namespace covidflow::features
