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

TEST(StatusTest, AChineseMessageTravelsWithItsContext) {
  Status s = Status::InvalidArgument("name is blank", "客户名称为空");
  EXPECT_EQ(s.message(), "name is blank");
  EXPECT_EQ(s.message_zh(), "客户名称为空");
  Status in_row = s.Annotate("record 3", "第 3 份档案");
  EXPECT_EQ(in_row.message(), "record 3: name is blank");
  EXPECT_EQ(in_row.message_zh(), "第 3 份档案：客户名称为空");
  // Without Chinese words for the context the Chinese message stays as it is;
  // a message without Chinese gets none from its context.
  EXPECT_EQ(s.Annotate("record 3").message_zh(), "客户名称为空");
  EXPECT_EQ(Status::NotFound("no user").Annotate("x", "某处").message_zh(), "");
  Status refused =
      Status::Refused(StatusCode::kPermissionDenied, "r: no", Refusal{"r", "r: no", "不可以"});
  EXPECT_EQ(refused.Annotate("record 2", "第 2 份档案").refusal()->message_zh,
            "第 2 份档案：不可以");
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
