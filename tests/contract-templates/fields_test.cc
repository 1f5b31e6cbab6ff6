#include "contract-templates/fields.h"

#include <gtest/gtest.h>

#include "tests/contract-templates/test_util.h"

namespace custos::contracts {
namespace {

using testing::ExampleFields;
using testing::MustLoad;

// --- PRC resident ID numbers (GB 11643, ISO 7064 MOD 11-2) ---

TEST(ContractsResidentId, AcceptsValidNumbers) {
  EXPECT_EQ(*ValidateResidentId("440305199003071236"), "440305199003071236");
  EXPECT_EQ(*ValidateResidentId("110101198001010010"), "110101198001010010");
}

TEST(ContractsResidentId, AcceptsCheckCharacterXInEitherCase) {
  EXPECT_EQ(ResidentIdCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(*ValidateResidentId("11010519491231002X"), "11010519491231002X");
  EXPECT_EQ(*ValidateResidentId("11010519491231002x"), "11010519491231002X");
}

TEST(ContractsResidentId, RejectsWrongChecksum) {
  Result<std::string> r = ValidateResidentId("440305199003071235");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("check"), std::string::npos);
  EXPECT_FALSE(ValidateResidentId("110105194912310021").ok());  // X expected
}

TEST(ContractsResidentId, RejectsImpossibleBirthDate) {
  // 1990-02-30, with a correct check character so only the date is wrong.
  std::string body = "44030519900230123";
  std::string id = body + ResidentIdCheckChar(body);
  Result<std::string> r = ValidateResidentId(id);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("birth date"), std::string::npos);
  std::string old = "44030518991231123";
  EXPECT_FALSE(ValidateResidentId(old + ResidentIdCheckChar(old)).ok());
}

TEST(ContractsResidentId, RejectsWrongLengthAndCharacters) {
  EXPECT_FALSE(ValidateResidentId("").ok());
  EXPECT_FALSE(ValidateResidentId("44030519900307123").ok());    // 17
  EXPECT_FALSE(ValidateResidentId("4403051990030712366").ok());  // 19
  EXPECT_FALSE(ValidateResidentId("440305199003071").ok());      // old 15-digit form
  EXPECT_FALSE(ValidateResidentId("44030519900307X236").ok());   // X inside
  EXPECT_FALSE(ValidateResidentId("44030519900307123Y").ok());
  std::string bad_province = "99030519900307123";
  EXPECT_FALSE(ValidateResidentId(bad_province + ResidentIdCheckChar(bad_province)).ok());
}

TEST(ContractsRegionCode, ValidatesSixDigitsAndProvince) {
  EXPECT_TRUE(ValidateRegionCode("440300").ok());
  EXPECT_TRUE(ValidateRegionCode("110000").ok());
  EXPECT_FALSE(ValidateRegionCode("44030").ok());
  EXPECT_FALSE(ValidateRegionCode("4403000").ok());
  EXPECT_FALSE(ValidateRegionCode("99a300").ok());
  EXPECT_FALSE(ValidateRegionCode("990000").ok());
}

TEST(ContractsAmount, ParsesUpToTwoDecimals) {
  EXPECT_EQ(*ParseAmount("0"), 0);
  EXPECT_EQ(*ParseAmount("12"), 1200);
  EXPECT_EQ(*ParseAmount("12.5"), 1250);
  EXPECT_EQ(*ParseAmount("12.05"), 1205);
  EXPECT_FALSE(ParseAmount("-1").ok());
  EXPECT_FALSE(ParseAmount("1.234").ok());
  EXPECT_FALSE(ParseAmount("1.").ok());
  EXPECT_FALSE(ParseAmount("1,000").ok());
  EXPECT_FALSE(ParseAmount("").ok());
}

// --- Validation against a template ---

const FieldError* FindError(const FieldValidation& v, std::string_view field) {
  for (const FieldError& e : v.errors) {
    if (e.field_id == field) return &e;
  }
  return nullptr;
}

TEST(ContractsFields, ShippedExamplesAreValid) {
  for (const char* id : {"cn-employee-nda", "cn-non-compete", "mutual-nda", "us-employee-nda"}) {
    FieldValidation v = ValidateFields(MustLoad(id), ExampleFields(id));
    EXPECT_TRUE(v.ok()) << id << ": " << (v.errors.empty() ? "" : v.errors[0].message_en);
  }
}

TEST(ContractsFields, ReportsEachBadFieldWithBilingualMessages) {
  Template t = MustLoad("cn-non-compete");
  json::Value f = ExampleFields("cn-non-compete");
  f["sign_date"] = "2026-02-30";
  f["employee_id_number"] = "440305199003071235";
  f["compensation_monthly"] = "-100";
  f["employee_category"] = "intern";
  f["restricted_months"] = "twelve";
  f["has_penalty"] = "yes";
  f["work_region"] = "44030";
  f.as_object().erase("employer_name");
  FieldValidation v = ValidateFields(t, f);
  EXPECT_FALSE(v.ok());
  for (const char* id :
       {"sign_date", "employee_id_number", "compensation_monthly", "employee_category",
        "restricted_months", "has_penalty", "work_region", "employer_name"}) {
    const FieldError* e = FindError(v, id);
    ASSERT_NE(e, nullptr) << id;
    EXPECT_FALSE(e->message_zh.empty());
    EXPECT_FALSE(e->message_en.empty());
  }
  EXPECT_NE(FindError(v, "sign_date")->message_en.find("valid date"), std::string::npos);
  EXPECT_NE(FindError(v, "compensation_monthly")->message_zh.find("负数"), std::string::npos);
  EXPECT_NE(FindError(v, "employee_category")->message_en.find("senior_management"),
            std::string::npos);
  EXPECT_NE(FindError(v, "employer_name")->message_zh.find("必填"), std::string::npos);
  EXPECT_NE(FindError(v, "employee_id_number")->message_en.find("check"), std::string::npos);
  // Errors come in template field order.
  EXPECT_EQ(v.errors.front().field_id, "employer_name");
}

TEST(ContractsFields, UnknownKeysAndNonObjectsAreErrors) {
  Template t = MustLoad("mutual-nda");
  json::Value f = ExampleFields("mutual-nda");
  f["purpse"] = "typo";
  FieldValidation v = ValidateFields(t, f);
  ASSERT_NE(FindError(v, "purpse"), nullptr);
  FieldValidation arr = ValidateFields(t, json::Value::MakeArray());
  ASSERT_EQ(arr.errors.size(), 1u);
  EXPECT_EQ(arr.errors[0].field_id, "");
}

// A text field of a signed contract reads as it holds: a party's name with a
// right-to-left override, a NUL or a carriage return is refused in both
// languages; a clause's own line breaks and tabs are kept.
TEST(ContractsFields, TextThatWouldNotReadAsItHoldsIsRefused) {
  Template t = MustLoad("cn-non-compete");
  json::Value f = ExampleFields("cn-non-compete");
  f["employer_name"] = "华信商贸\u202E有限公司";
  FieldValidation v = ValidateFields(t, f);
  const FieldError* bidi = FindError(v, "employer_name");
  ASSERT_NE(bidi, nullptr);
  EXPECT_NE(bidi->message_zh.find("双向文本控制字符"), std::string::npos);
  EXPECT_NE(bidi->message_en.find("bidirectional control character"), std::string::npos);
  for (const std::string& text :
       {std::string("华信商贸") + '\0' + "有限公司", std::string("华信商贸\r\n有限公司"),
        std::string("华信商贸\u0085有限公司")}) {
    f["employer_name"] = text;
    const FieldValidation refused = ValidateFields(t, f);
    const FieldError* e = FindError(refused, "employer_name");
    ASSERT_NE(e, nullptr) << text;
    EXPECT_NE(e->message_en.find("contains control characters"), std::string::npos) << text;
  }
  f["employer_name"] = "华信商贸有限公司\n\t上海总部";
  EXPECT_EQ(FindError(ValidateFields(t, f), "employer_name"), nullptr);
}

TEST(ContractsFields, ConditionalRequiredFields) {
  Template t = MustLoad("cn-non-compete");
  json::Value f = ExampleFields("cn-non-compete");
  f.as_object().erase("penalty_amount");
  EXPECT_NE(FindError(ValidateFields(t, f), "penalty_amount"), nullptr);
  f["has_penalty"] = false;
  EXPECT_TRUE(ValidateFields(t, f).ok());
  f["period_start"] = "other_date";
  EXPECT_NE(FindError(ValidateFields(t, f), "start_date"), nullptr);
  f["start_date"] = "2026-09-01";
  EXPECT_TRUE(ValidateFields(t, f).ok());
}

TEST(ContractsFields, DefaultsAndValueForms) {
  Template t = MustLoad("cn-non-compete");
  json::Value f = ExampleFields("cn-non-compete");
  f["compensation_monthly"] = json::Value(json::Object{{"amount", "6000.5"}, {"currency", "CNY"}});
  f["restricted_months"] = "12";
  f["employee_id_number"] = "11010519491231002x";
  FieldValidation v = ValidateFields(t, f);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v.values.at("compensation_monthly").money.minor_units, 600050);
  EXPECT_EQ(v.values.at("restricted_months").number, 12);
  EXPECT_EQ(v.values.at("employee_id_number").text, "11010519491231002X");
  EXPECT_EQ(v.values.at("period_start").text, "employment_end");  // default
  EXPECT_EQ(v.values.at("pay_day").number, 15);                   // default
  EXPECT_EQ(v.values.at("work_region").region_name, "深圳市");
  f["compensation_monthly"] = 6000.123;
  EXPECT_NE(FindError(ValidateFields(t, f), "compensation_monthly"), nullptr);
  f["compensation_monthly"] = json::Value(json::Object{{"amount", "1"}, {"currency", "rmb"}});
  EXPECT_NE(FindError(ValidateFields(t, f), "compensation_monthly"), nullptr);
  f["compensation_monthly"] = 6000;
  f["pay_day"] = 31;  // max 28
  EXPECT_NE(FindError(ValidateFields(t, f), "pay_day"), nullptr);
  f["pay_day"] = 20;
  f["secrets_known"] = "   ";
  EXPECT_NE(FindError(ValidateFields(t, f), "secrets_known"), nullptr);
}

TEST(ContractsFields, ConditionEvaluation) {
  FieldValues values;
  FieldValue b;
  b.type = FieldType::kBool;
  b.boolean = true;
  values["flag"] = b;
  FieldValue c;
  c.type = FieldType::kChoice;
  c.text = "court";
  values["forum"] = c;
  auto cond = [](Condition::Op op, std::string field, std::string lit = "") {
    Condition k;
    k.op = op;
    k.field = std::move(field);
    k.literal = std::move(lit);
    return k;
  };
  EXPECT_TRUE(EvaluateCondition(cond(Condition::Op::kTruthy, "flag"), values));
  EXPECT_FALSE(EvaluateCondition(cond(Condition::Op::kFalsy, "flag"), values));
  EXPECT_TRUE(EvaluateCondition(cond(Condition::Op::kFalsy, "missing"), values));
  EXPECT_TRUE(EvaluateCondition(cond(Condition::Op::kEquals, "forum", "court"), values));
  EXPECT_FALSE(EvaluateCondition(cond(Condition::Op::kEquals, "forum", "x"), values));
  EXPECT_TRUE(EvaluateCondition(cond(Condition::Op::kNotEquals, "forum", "x"), values));
  EXPECT_TRUE(EvaluateCondition(cond(Condition::Op::kEquals, "flag", "true"), values));
  EXPECT_FALSE(EvaluateCondition(cond(Condition::Op::kEquals, "missing", "x"), values));
}

}  // namespace
}  // namespace custos::contracts
