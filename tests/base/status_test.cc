#include "base/status.h"

#include <gtest/gtest.h>

namespace custos {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  CUSTOS_ASSIGN_OR_RETURN(int h, Half(x));
  CUSTOS_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, CodesAndMessages) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::DataLoss("value does not open");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.ToString(), "data_loss: value does not open");
  EXPECT_EQ(s.Annotate("table users").message(), "table users: value does not open");
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(StatusDeathTest, ValueOfFailedResultAborts) {
  Result<int> r = Status::NotFound("x");
  EXPECT_DEATH({ (void)r.value(); }, "failed Result");
}

TEST(StatusDeathTest, ResultFromOkStatusAborts) {
  EXPECT_DEATH({ Result<int> r = Status::Ok(); }, "OK Status");
}

}  // namespace
}  // namespace custos
