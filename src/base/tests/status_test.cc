#include "base/status.h"

#include <gtest/gtest.h>

namespace covidflow {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

Status Check(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(StatusTest, ResultCarriesValueOrError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().ToString(), "InvalidArgument: odd");
  EXPECT_FALSE(Check(3).ok());
  EXPECT_TRUE(Check(4).ok());
}

TEST(StatusTest, ContextAndRetriable) {
  Status s = Status::Unavailable("broker down").WithContext("produce");
  EXPECT_EQ(s.message(), "produce: broker down");
  EXPECT_TRUE(s.retriable());
  EXPECT_FALSE(Status::Corruption("x").retriable());
  EXPECT_NE(Status::FromErrno(2, "open x").message().find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace covidflow
