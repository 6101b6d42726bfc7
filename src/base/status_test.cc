#include "base/status.h"

#include <gtest/gtest.h>

namespace customs {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument(std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CUSTOMS_ASSIGN_OR_RETURN(int h, Half(x), "first half");
  CUSTOMS_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckQuarter(int x) {
  CUSTOMS_TRY(Quarter(x), "quarter of " + std::to_string(x));
  return Status::Ok();
}

TEST(StatusTest, PropagatesWithContext) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "3 is odd");
  Status s = CheckQuarter(5);
  EXPECT_EQ(s.message(), "quarter of 5: first half: 5 is odd");
  EXPECT_EQ(s.ToString(), "invalid input: quarter of 5: first half: 5 is odd");
  EXPECT_TRUE(CheckQuarter(4).ok());
}

}  // namespace
}  // namespace customs
