#include "contract-templates/legal_checks.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "contract-templates/offline.h"
#include "tests/contract-templates/test_util.h"

namespace custos::contracts {
namespace {

using testing::ExampleFields;
using testing::ExamplePath;
using testing::MustLoad;
using testing::ReadAll;
using testing::SourceRoot;
using testing::TemplatePath;

std::filesystem::path WagesPath() {
  return SourceRoot() / "contract-templates" / "data" / "minimum-wages.json";
}

const MinimumWageTable& Wages() {
  static const MinimumWageTable* table = [] {
    Result<MinimumWageTable> t = MinimumWageTable::Load(WagesPath());
    if (!t.ok()) Die(t.status().ToString());
    return new MinimumWageTable(*t);
  }();
  return *table;
}

std::filesystem::path RulesPath() {
  return SourceRoot() / "contract-templates" / "data" / "legal-rules.json";
}

const LegalRuleTable& Rules() {
  static const LegalRuleTable* table = [] {
    Result<LegalRuleTable> t = LegalRuleTable::Load(RulesPath());
    if (!t.ok()) Die(t.status().ToString());
    return new LegalRuleTable(*t);
  }();
  return *table;
}

// No facts, only the shipped rules.
CheckContext RulesOnly() {
  CheckContext c;
  c.legal_rules = &Rules();
  return c;
}

// Every fact known and favourable: the shipped examples then pass cleanly.
CheckContext CleanContext() {
  CheckContext c = RulesOnly();
  c.secret_access_record_exists = true;
  c.minimum_wages = &Wages();
  return c;
}

CheckReport Check(const Template& t, const json::Value& fields, const CheckContext& c) {
  return RunChecks(t, ValidateFields(t, fields), c);
}

std::vector<const Finding*> Findings(const CheckReport& r, std::string_view rule) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings) {
    if (f.rule_id == rule) out.push_back(&f);
  }
  return out;
}

bool Has(const CheckReport& r, std::string_view rule, Severity s) {
  for (const Finding* f : Findings(r, rule)) {
    if (f->severity == s) return true;
  }
  return false;
}

std::string Dump(const CheckReport& r) { return FormatReportText(r, Language::kEn); }

// A template variant: the shipped XML with one substring replaced.
Template Variant(const std::string& id, const std::string& from, const std::string& to) {
  std::string xml = ReadAll(TemplatePath(id));
  size_t p = xml.find(from);
  if (p == std::string::npos) Die("variant: text not found: " + from);
  xml.replace(p, from.size(), to);
  Result<Template> t = ParseTemplate(xml);
  if (!t.ok()) Die(t.status().ToString());
  return *t;
}

class ContractsNonCompete : public ::testing::Test {
 protected:
  Template t_ = MustLoad("cn-non-compete");
  json::Value f_ = ExampleFields("cn-non-compete");
  CheckContext c_ = CleanContext();
  CheckReport Run() { return Check(t_, f_, c_); }
};

TEST_F(ContractsNonCompete, CleanDraftHasNoFindings) {
  CheckReport r = Run();
  EXPECT_TRUE(r.findings.empty()) << Dump(r);
  EXPECT_TRUE(r.field_errors.empty());
  EXPECT_TRUE(CanSendForSignature(r));
}

TEST_F(ContractsNonCompete, N1PeriodOverTwoYears) {
  f_["restricted_months"] = 24;
  EXPECT_TRUE(Findings(Run(), "N1").empty());
  f_["restricted_months"] = 25;
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N1", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "N1")[0]->field_id, "restricted_months");
  EXPECT_EQ(Findings(r, "N1")[0]->source, "劳动合同法 第二十四条 / Labor Contract Law Art. 24");
  EXPECT_FALSE(CanSendForSignature(r));
}

// A draft is signed no earlier than the day it is checked: a 签订日期 set
// back before the Labor Contract Law does not turn its checks into "not
// verified" warnings that let an unlawful draft be sent.
TEST_F(ContractsNonCompete, BackdatedSignDateChoosesTodaysRules) {
  f_["restricted_months"] = 36;
  f_["sign_date"] = "2007-12-31";
  CheckReport backdated = Run();
  EXPECT_FALSE(Has(backdated, "N1", Severity::kError)) << "without a floor the 2007 date rules";
  c_.signed_on_or_after = CivilDate{2026, 12, 7};
  CheckReport r = Run();
  EXPECT_TRUE(Has(r, "N1", Severity::kError)) << Dump(r);
  EXPECT_FALSE(CanSendForSignature(r));
  // A later date than the floor is the contract's own.
  f_["sign_date"] = "2027-01-15";
  f_["restricted_months"] = 24;
  EXPECT_TRUE(Run().findings.empty()) << Dump(Run());
}

TEST_F(ContractsNonCompete, N1PeriodNotStartingAtTermination) {
  f_["period_start"] = "other_date";
  f_["start_date"] = "2026-06-01";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N1", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "N1")[0]->field_id, "period_start");
}

TEST_F(ContractsNonCompete, N2ScopeRegionOrPeriodMissing) {
  f_.as_object().erase("restricted_region");
  f_.as_object().erase("restricted_business");
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "N2").size(), 2u) << Dump(r);
  EXPECT_EQ(Findings(r, "N2")[0]->field_id, "restricted_business");
  EXPECT_EQ(Findings(r, "N2")[1]->field_id, "restricted_region");
  EXPECT_FALSE(CanSendForSignature(r));
}

TEST_F(ContractsNonCompete, N3IneligibleCategory) {
  f_["employee_category"] = "other";
  ASSERT_TRUE(Has(Run(), "N3", Severity::kError));
  // The vault's fact overrides the draft's field.
  c_.employee_category = EmployeeCategory::kSeniorTechnical;
  EXPECT_TRUE(Findings(Run(), "N3").empty());
  c_.employee_category = EmployeeCategory::kOther;
  f_["employee_category"] = "senior_management";
  EXPECT_TRUE(Has(Run(), "N3", Severity::kError));
}

TEST_F(ContractsNonCompete, N3NoLinkedRecordOfSecrets) {
  c_.secret_access_record_exists = false;
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N3", Severity::kWarning));
  EXPECT_FALSE(Has(r, "N3", Severity::kError));
  EXPECT_TRUE(CanSendForSignature(r));
  c_.secret_access_record_exists.reset();
  r = Run();
  ASSERT_TRUE(Has(r, "N3", Severity::kWarning));
  EXPECT_NE(Findings(r, "N3")[0]->message_en.find("not verified"), std::string::npos);
}

TEST_F(ContractsNonCompete, N4BlanketScope) {
  f_["restricted_region"] = "全国";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N4", Severity::kWarning)) << Dump(r);
  EXPECT_EQ(Findings(r, "N4")[0]->field_id, "restricted_region");
  f_["restricted_region"] = "深圳市";
  f_["restricted_business"] = "与甲方有竞争关系的所有行业";
  r = Run();
  ASSERT_TRUE(Has(r, "N4", Severity::kWarning));
  EXPECT_EQ(Findings(r, "N4")[0]->field_id, "restricted_business");
}

TEST_F(ContractsNonCompete, N4MainlandAndDomesticWording) {
  for (const char* region : {"中国大陆", "大陆地区", "境内", "中国大陆境内", "我国境内", "境内外",
                             "国内", "Mainland China"}) {
    f_["restricted_region"] = region;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N4", Severity::kWarning)) << region << "\n" << Dump(r);
    EXPECT_EQ(Findings(r, "N4")[0]->field_id, "restricted_region");
  }
  // One city's territory is not blanket.
  f_["restricted_region"] = "广东省深圳市境内";
  EXPECT_TRUE(Findings(Run(), "N4").empty()) << Dump(Run());
}

// The country by name is as blanket as 全国; a province or a city is not, nor
// a city whose name the country's name stands before.
TEST_F(ContractsNonCompete, N4TheWholeCountryByName) {
  for (const char* region : {"中国", "中华人民共和国", "中国全境", "China",
                             "the People's Republic of China", "中国（不含港澳台地区）"}) {
    f_["restricted_region"] = region;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N4", Severity::kWarning)) << region << "\n" << Dump(r);
    EXPECT_EQ(Findings(r, "N4")[0]->field_id, "restricted_region");
    EXPECT_TRUE(CanSendForSignature(r)) << Dump(r);
  }
  for (const char* region : {"深圳市", "广东省", "中国广东省深圳市", "Shenzhen, China"}) {
    f_["restricted_region"] = region;
    EXPECT_TRUE(Findings(Run(), "N4").empty()) << region << "\n" << Dump(Run());
  }
}

// A placeholder agrees no scope or region: it is missing, not filled.
TEST_F(ContractsNonCompete, N2PlaceholderCountsAsMissing) {
  for (const char* placeholder : {"无", "N/A", "/", "待定", "TBD", "-"}) {
    for (const char* field : {"restricted_business", "restricted_region"}) {
      json::Value f = f_;
      f[field] = placeholder;
      CheckReport r = Check(t_, f, c_);
      ASSERT_EQ(Findings(r, "N2").size(), 1u) << field << "=" << placeholder << "\n" << Dump(r);
      EXPECT_EQ(Findings(r, "N2")[0]->field_id, field);
      EXPECT_EQ(Findings(r, "N2")[0]->severity, Severity::kError);
      EXPECT_NE(Findings(r, "N2")[0]->message_zh.find(placeholder), std::string::npos) << Dump(r);
      EXPECT_FALSE(CanSendForSignature(r));
    }
  }
  // Names that begin like a placeholder are names.
  f_["restricted_region"] = "无锡市";
  f_["restricted_business"] = "无人机的研发、生产和销售";
  EXPECT_TRUE(Findings(Run(), "N2").empty()) << Dump(Run());
}

TEST_F(ContractsNonCompete, N5NoMonthlyCompensation) {
  f_["compensation_schedule"] = "included_in_salary";
  ASSERT_TRUE(Has(Run(), "N5", Severity::kError));
  f_["compensation_schedule"] = "lump_sum";
  ASSERT_TRUE(Has(Run(), "N5", Severity::kError));
  f_["compensation_schedule"] = "monthly";
  f_["compensation_monthly"] = 0;
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N5", Severity::kError));
  EXPECT_EQ(Findings(r, "N5")[0]->field_id, "compensation_monthly");
}

// What the fields say can be undone in the other wording: the compensation
// paid with the salary or not after leaving (N5); a longer period, or one
// that starts before the employment ends (N1).
TEST_F(ContractsNonCompete, N5AndN1InTheAdditionalTerms) {
  for (const char* text : {
           "竞业限制经济补偿已包含在乙方在职期间的工资中，乙方离职后甲方不再另行支付经济补偿。",
           "The non-compete compensation is included in the Employee's salary during employment; "
           "no further compensation is payable after termination.",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N5", Severity::kError)) << text << "\n" << Dump(r);
    EXPECT_EQ(Findings(r, "N5")[0]->field_id, "");
    EXPECT_FALSE(CanSendForSignature(r));
  }
  // Each sentence is quoted from its first word.
  const CheckReport two = Run();
  std::vector<const Finding*> n5 = Findings(two, "N5");
  ASSERT_EQ(n5.size(), 2u) << Dump(two);
  EXPECT_NE(n5[1]->message_en.find("\"no further compensation is payable"), std::string::npos)
      << n5[1]->message_en;
  f_["additional_terms"] = "乙方离职后甲方不再另行支付经济补偿。";
  EXPECT_TRUE(Has(Run(), "N5", Severity::kError)) << Dump(Run());
  for (const char* text : {
           "竞业限制期限延长为三年",
           "The restricted period shall be thirty-six (36) months.",
           "竞业限制期限自乙方提出辞职之日起计算",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N1", Severity::kError)) << text << "\n" << Dump(r);
    EXPECT_FALSE(CanSendForSignature(r));
  }
  f_["additional_terms"] = "竞业限制期限延长为三年";
  EXPECT_NE(Findings(Run(), "N1")[0]->message_en.find("36 months"), std::string::npos)
      << Dump(Run());
  f_["additional_terms"] = "竞业限制期限自乙方提出辞职之日起计算";
  EXPECT_NE(Findings(Run(), "N1")[0]->message_zh.find("“乙方提出辞职之日”"), std::string::npos)
      << Dump(Run());
  // Lawful: monthly after leaving; payments that stop on breach; the
  // statutory maximum; a later period that is not the restriction's.
  for (const char* text : {
           "竞业限制经济补偿不包含在乙方在职期间的工资中，由甲方在乙方离职后按月另行支付。",
           "乙方离职后违反竞业限制义务的，甲方不再支付经济补偿。",
           "The non-compete compensation is not included in the Employee's salary and is paid "
           "monthly after termination.",
           "竞业限制期限为二十四个月，自乙方离职之日起计算。",
           "竞业限制期限届满后三年内，乙方仍应保守甲方的商业秘密。",
           "The restricted period shall be twelve (12) months from the termination of "
           "employment.",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "N5").empty()) << text << "\n" << Dump(r);
    EXPECT_TRUE(Findings(r, "N1").empty()) << text << "\n" << Dump(r);
  }
}

// N1 reads the non-compete's own period only: the confidentiality term,
// the employment contract's term, this agreement's term are other periods.
TEST_F(ContractsNonCompete, N1OnlyReadsTheNonCompetesOwnPeriod) {
  for (const char* text : {
           "保密期限为三年。",
           "劳动合同期限为三年。",
           "本协议期限自双方签字之日起计算。",
           "本协议有效期限为五年，自签订之日起计算。",
           "乙方的保密期限自本协议签署之日起至相关信息为公众所知悉时止，最长为五年。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "N1").empty()) << text << "\n" << Dump(r);
  }
  for (const char* text : {
           "竞业限制期限延长为三年。",
           "竞业限制的期限为三年。",
           "竞业期限为三年。",
           "The non-compete period shall be three (3) years.",
           "竞业限制的期限自本协议签订之日起计算。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Has(r, "N1", Severity::kError)) << text << "\n" << Dump(r);
  }
}

// A run of digits longer than any count (a sum, a reference number) is not
// read as one, in brackets or not, and cannot overflow.
TEST_F(ContractsNonCompete, LongDigitRunsAreNotCounts) {
  for (const char* text : {
           "The restricted period shall be six (99999999999999999999) months.",
           "The restricted period shall be six (99999999999999999999) years.",
           "竞业限制期限为99999999999999999999个月。",
           "竞业限制期限为9999999999999999999年。",
           "甲方连续99999999999999999999个月未支付经济补偿的，乙方方可解除竞业限制。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "N1").empty()) << text << "\n" << Dump(r);
    EXPECT_TRUE(Findings(r, "N7").empty()) << text << "\n" << Dump(r);
  }
  // Counts of ordinary size are still read, in brackets too.
  f_["additional_terms"] = "The restricted period shall be thirty-six (36) months.";
  EXPECT_TRUE(Has(Run(), "N1", Severity::kError)) << Dump(Run());
}

// A calendar year is not a number of years: a date in the wording is no
// 2027-year period (N1) nor 2027 years of arrears (N7).
TEST_F(ContractsNonCompete, CalendarYearsAreNotDurations) {
  for (const char* text : {
           "竞业限制期限至2027年6月30日止。",
           "竞业限制期限至二〇二七年六月三十日止。",
           "竞业限制期限至27年6月30日止。",
           "甲方于2027年6月30日前未支付经济补偿的，乙方可以书面通知甲方解除竞业限制。",
           "甲方自2027年起逾期支付经济补偿三个月的，乙方可以解除竞业限制。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "N1").empty()) << text << "\n" << Dump(r);
    EXPECT_TRUE(Findings(r, "N7").empty()) << text << "\n" << Dump(r);
  }
  // A number of years is still one, and a date beside it does not hide it.
  for (const char* text : {
           "竞业限制期限为三年，自2027年6月30日乙方离职之日起计算。",
           "竞业限制期限延长为3年。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N1", Severity::kError)) << text << "\n" << Dump(r);
    EXPECT_NE(Findings(r, "N1")[0]->message_en.find("36 months"), std::string::npos) << Dump(r);
  }
}

TEST_F(ContractsNonCompete, N6BelowThirtyPercentOfAverageWage) {
  f_["average_monthly_wage"] = "30000";  // 30% = 9000 > 6000
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N6", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("30%"), std::string::npos);
  c_.average_monthly_wage_minor = 1800000;  // the vault's figure wins
  EXPECT_TRUE(Findings(Run(), "N6").empty()) << Dump(Run());
}

TEST_F(ContractsNonCompete, N6BelowLocalMinimumWage) {
  f_["compensation_monthly"] = "2500";  // Shenzhen: 2520 from 2025-03-01
  f_["average_monthly_wage"] = "8000";
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "N6").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("Shenzhen, 2,520.00"), std::string::npos);
  // The shipped figure is not confirmed against the notice: the message says so.
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("figure not verified"), std::string::npos);
  EXPECT_NE(Findings(r, "N6")[0]->message_zh.find("该标准未经核实"), std::string::npos);
  // Under the earlier standard (2360 from 2022-12-01) 2500 was enough.
  c_.as_of = CivilDate{2024, 1, 1};
  EXPECT_TRUE(Findings(Run(), "N6").empty()) << Dump(Run());
}

TEST_F(ContractsNonCompete, N6UnknownFactsAreReportedAsNotVerified) {
  f_.as_object().erase("average_monthly_wage");
  c_.minimum_wages = nullptr;
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "N6").size(), 2u) << Dump(r);
  for (const Finding* f : Findings(r, "N6")) {
    EXPECT_EQ(f->severity, Severity::kWarning);
    EXPECT_NE(f->message_en.find("not verified"), std::string::npos);
  }
  EXPECT_TRUE(CanSendForSignature(r));
}

// Amounts in two currencies are not compared: a compensation in USD is not
// "below" an average wage in CNY, nor a penalty in USD "large" against a
// compensation in CNY. Each says it was not verified instead.
TEST_F(ContractsNonCompete, N6AndN8DoNotCompareAmountsInTwoCurrencies) {
  json::Value usd = json::Value::MakeObject();
  usd["amount"] = "3000";
  usd["currency"] = "USD";
  f_["average_monthly_wage"] = "30000";  // CNY: 30% = 9 000 > 3 000
  f_["compensation_monthly"] = usd;
  CheckReport r = Run();
  std::vector<const Finding*> n6 = Findings(r, "N6");
  ASSERT_FALSE(n6.empty()) << Dump(r);
  EXPECT_NE(n6[0]->message_en.find("not verified: the average wage is in CNY and the monthly "
                                   "compensation in USD"),
            std::string::npos)
      << Dump(r);
  for (const Finding* f : n6) EXPECT_EQ(f->message_en.find("is below"), std::string::npos);
  // The same currency on both sides is compared as before.
  json::Value avg_usd = json::Value::MakeObject();
  avg_usd["amount"] = "30000";
  avg_usd["currency"] = "USD";
  f_["average_monthly_wage"] = avg_usd;
  r = Run();
  ASSERT_FALSE(Findings(r, "N6").empty()) << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("is below 30%"), std::string::npos) << Dump(r);

  f_["penalty_amount"] = "1000000";  // CNY, against 3 000 USD a month
  r = Run();
  ASSERT_EQ(Findings(r, "N8").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "N8")[0]->severity, Severity::kWarning);
  EXPECT_NE(Findings(r, "N8")[0]->message_en.find("not verified: the penalty is in CNY"),
            std::string::npos)
      << Dump(r);
  EXPECT_EQ(Findings(r, "N8")[0]->message_en.find("large against"), std::string::npos);
}

TEST_F(ContractsNonCompete, N7WaiverOfReleaseRights) {
  f_["additional_terms"] = "乙方放弃依法解除本协议的权利。";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N7", Severity::kError)) << Dump(r);
  EXPECT_NE(Findings(r, "N7")[0]->message_zh.find("乙方放弃依法解除本协议的权利"),
            std::string::npos);
  f_["additional_terms"] = "甲方提前解除竞业限制的，无需额外支付经济补偿。";
  EXPECT_TRUE(Has(Run(), "N7", Severity::kError));
  f_["additional_terms"] = "乙方离职后应当保持联系方式畅通。";
  EXPECT_TRUE(Findings(Run(), "N7").empty());
}

// Art. 38 waived in other words, Art. 39's release called 终止, and a
// sentence that restates Art. 39 (with its 不再 about the employee's duty).
TEST_F(ContractsNonCompete, N7MatchesWhatTheSentenceDoes) {
  f_["additional_terms"] =
      "甲方逾期支付经济补偿的，乙方仍应继续履行竞业限制义务直至期限届满，不因甲方欠付而免除。";
  EXPECT_TRUE(Has(Run(), "N7", Severity::kError)) << Dump(Run());
  f_["additional_terms"] = "甲方可随时书面通知乙方终止竞业限制，且无需额外支付任何经济补偿。";
  EXPECT_TRUE(Has(Run(), "N7", Severity::kError)) << Dump(Run());
  f_["additional_terms"] = "乙方不得以甲方未支付经济补偿为由解除竞业限制。";
  EXPECT_TRUE(Has(Run(), "N7", Severity::kError)) << Dump(Run());
  f_["additional_terms"] =
      "甲方在竞业限制期限内解除本协议的，乙方自解除之日起不再履行竞业限制义务，"
      "甲方额外支付乙方三个月的竞业限制经济补偿。";
  EXPECT_TRUE(Findings(Run(), "N7").empty()) << Dump(Run());
  // Arrears of less than three months do not yet give the release right.
  f_["additional_terms"] = "甲方逾期支付经济补偿不满三个月的，乙方仍应继续履行竞业限制义务。";
  EXPECT_TRUE(Findings(Run(), "N7").empty()) << Dump(Run());
  f_["additional_terms"] =
      "甲方未支付经济补偿的，乙方仍然可以依法解除竞业限制，且不能免除甲方的付款责任。";
  EXPECT_TRUE(Findings(Run(), "N7").empty()) << Dump(Run());
  // The employment's end is not the non-compete's release.
  f_["additional_terms"] =
      "劳动合同解除或者终止后，甲方不再支付工资，改为按月支付竞业限制经济补偿。";
  EXPECT_TRUE(Findings(Run(), "N7").empty()) << Dump(Run());
}

// Arts. 38-39 narrowed rather than waived: the employee bound whatever the
// arrears, the release put off past three months' arrears, the employer's
// three extra months cut short or dropped — in Chinese and in English.
TEST_F(ContractsNonCompete, N7NarrowedReleaseRights) {
  for (const char* text : {
           "甲方可随时书面通知乙方解除竞业限制，乙方同意不要求额外三个月的经济补偿。",
           "甲方迟延支付经济补偿的，不影响乙方履行竞业限制义务。",
           "甲方连续六个月未支付经济补偿的，乙方方可书面通知甲方解除竞业限制。",
           "甲方在竞业限制期限内解除竞业限制的，额外支付乙方一个月的经济补偿。",
           "Late payment of compensation by the Employer shall not relieve the Employee of the "
           "non-compete obligations.",
           "The Employer may end the restriction at any time by written notice and shall owe "
           "nothing further.",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N7", Severity::kError)) << text << "\n" << Dump(r);
    EXPECT_NE(Findings(r, "N7")[0]->message_zh.find(text), std::string::npos) << Dump(r);
    EXPECT_FALSE(CanSendForSignature(r));
  }
  f_["additional_terms"] = "甲方连续六个月未支付经济补偿的，乙方方可书面通知甲方解除竞业限制。";
  EXPECT_NE(Findings(Run(), "N7")[0]->message_en.find("after 6 months"), std::string::npos)
      << Dump(Run());
  f_["additional_terms"] = "甲方在竞业限制期限内解除竞业限制的，额外支付乙方一个月的经济补偿。";
  EXPECT_NE(Findings(Run(), "N7")[0]->message_en.find("for 1 extra month"), std::string::npos)
      << Dump(Run());
  // Lawful: the statutory three months or more, a right kept, Art. 38 restated.
  for (const char* text : {
           "甲方在竞业限制期限内解除竞业限制的，额外支付乙方六个月的经济补偿。",
           "因甲方原因连续三个月未支付经济补偿的，乙方可以书面通知甲方解除竞业限制。",
           "甲方迟延支付经济补偿的，不影响乙方依法解除竞业限制的权利。",
           "The Employer may release the Employee from the restriction by written notice and "
           "shall pay three additional months' compensation.",
           "The Employee may release the non-compete if the Employer does not pay compensation "
           "for three months.",
       }) {
    f_["additional_terms"] = text;
    EXPECT_TRUE(Findings(Run(), "N7").empty()) << text << "\n" << Dump(Run());
  }
}

TEST_F(ContractsNonCompete, N8PenaltyLargeAgainstCompensation) {
  f_["penalty_amount"] = "1000000";  // total compensation 72,000
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N8", Severity::kWarning)) << Dump(r);
  EXPECT_EQ(Findings(r, "N8")[0]->source, "民法典 第五百八十五条 / Civil Code Art. 585");
  f_["has_penalty"] = false;  // the leftover amount no longer counts
  EXPECT_TRUE(Findings(Run(), "N8").empty());
  f_["has_penalty"] = true;
  f_["penalty_amount"] = "200000";
  EXPECT_TRUE(Findings(Run(), "N8").empty());
}

TEST_F(ContractsNonCompete, N9BypassingLabourArbitration) {
  f_["dispute_forum"] = "commercial_arbitration";
  ASSERT_TRUE(Has(Run(), "N9", Severity::kError));
  f_["dispute_forum"] = "labour_arbitration";
  f_["additional_terms"] = "双方同意，发生争议时直接向人民法院起诉。";
  ASSERT_TRUE(Has(Run(), "N9", Severity::kError));
}

// Any arbitration body but a labour one, and a final award, bypass labour
// arbitration whatever words surround them.
TEST_F(ContractsNonCompete, N9OtherArbitrationBodyOrFinalAward) {
  f_["additional_terms"] = "因本协议发生的争议，提交上海仲裁委员会仲裁，仲裁裁决是终局的。";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N9", Severity::kError)) << Dump(r);
  EXPECT_NE(Findings(r, "N9")[0]->message_zh.find("上海仲裁委员会"), std::string::npos) << Dump(r);
  f_["additional_terms"] = "双方之间的纠纷由深圳国际仲裁院仲裁。";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError)) << Dump(Run());
  f_["additional_terms"] = "因本协议发生的争议，由劳动人事争议仲裁委员会仲裁，仲裁裁决为终局裁决。";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError)) << Dump(Run());
  // The commission named in the template's own clause must be a labour one.
  f_["arbitration_commission"] = "上海仲裁委员会";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError)) << Dump(Run());
  f_["arbitration_commission"] = "深圳市南山区劳动人事争议仲裁委员会";
  f_["additional_terms"] =
      "因本协议发生的争议，向深圳市劳动人事争议仲裁委员会或者上海市劳动人事争议仲裁委员会申请"
      "仲裁。";
  EXPECT_TRUE(Findings(Run(), "N9").empty()) << Dump(Run());
}

// A court named for disputes with no arbitration before it, an English
// arbitration body, and a court in the commission field all bypass labour
// arbitration; the court after an award does not.
TEST_F(ContractsNonCompete, N9CourtOrEnglishBodyOrCourtAsCommission) {
  for (const char* text : {
           "因本协议发生的争议，由甲方所在地人民法院管辖。",
           "…任何一方均可向甲方所在地人民法院提起诉讼。",
           "Any dispute arising from this Agreement shall be submitted to the people's court "
           "where the Employer is located.",
           "…referred to the Shanghai International Arbitration Center…",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "N9", Severity::kError)) << text << "\n" << Dump(r);
    EXPECT_FALSE(CanSendForSignature(r));
  }
  f_["additional_terms"] = "…referred to the Shanghai International Arbitration Center…";
  EXPECT_NE(Findings(Run(), "N9")[0]->message_en.find("\"Shanghai International Arbitration "
                                                      "Center\""),
            std::string::npos)
      << Dump(Run());
  f_.as_object().erase("additional_terms");
  f_["arbitration_commission"] = "上海市浦东新区人民法院";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N9", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "N9")[0]->field_id, "arbitration_commission");
  EXPECT_NE(Findings(r, "N9")[0]->message_en.find("a court"), std::string::npos) << Dump(r);
  // Lawful: arbitration first, then the court; a labour commission in
  // English; a claim in tort for infringing trade secrets.
  f_["arbitration_commission"] = "上海市浦东新区劳动人事争议仲裁委员会";
  for (const char* text : {
           "争议先申请劳动人事争议仲裁，对仲裁裁决不服的，可以向人民法院提起诉讼。",
           "Any dispute shall first be submitted to the Shenzhen Labour Dispute Arbitration "
           "Commission; a party dissatisfied with the award may sue in the people's court.",
           "乙方侵犯甲方商业秘密的，甲方可以依法向人民法院提起侵权诉讼。",
       }) {
    f_["additional_terms"] = text;
    EXPECT_TRUE(Findings(Run(), "N9").empty()) << text << "\n" << Dump(Run());
  }
}

// A court that orders a disclosure does not hear a dispute: a
// compelled-disclosure clause is no dispute clause. One that sends disputes
// about disclosure to a court still bypasses labour arbitration.
TEST_F(ContractsNonCompete, N9NotForCompelledDisclosure) {
  for (const char* text : {
           "If required by a court in legal proceedings to disclose Confidential Information, "
           "the Employee shall give prompt notice to the Employer.",
           "人民法院在诉讼中依法要求披露的，乙方应及时通知甲方。",
           "乙方依人民法院的生效裁判或者诉讼程序中的要求披露保密信息的，应当事先书面通知甲方。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "N9").empty()) << text << "\n" << Dump(r);
  }
  f_["additional_terms"] = "因披露保密信息发生的争议，由甲方所在地人民法院管辖。";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError)) << Dump(Run());
}

TEST_F(ContractsNonCompete, N10SignatureAndDelivery) {
  c_.employee_signed = true;
  c_.employer_signed = true;
  c_.signature_reliable = true;
  c_.copy_delivered = true;
  EXPECT_TRUE(Findings(Run(), "N10").empty());
  c_.copy_delivered = false;
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "N10").size(), 1u);
  EXPECT_NE(Findings(r, "N10")[0]->message_en.find("copy"), std::string::npos);
  c_.signature_reliable = false;
  EXPECT_EQ(Findings(Run(), "N10").size(), 2u);
}

class ContractsNda : public ::testing::Test {
 protected:
  Template t_ = MustLoad("cn-employee-nda");
  json::Value f_ = ExampleFields("cn-employee-nda");
  CheckContext c_ = CleanContext();
  CheckReport Run() { return Check(t_, f_, c_); }
};

TEST_F(ContractsNda, CleanDraftHasNoFindings) {
  CheckReport r = Run();
  EXPECT_TRUE(r.findings.empty()) << Dump(r);
  EXPECT_TRUE(CanSendForSignature(r));
}

TEST_F(ContractsNda, C1PenaltyInEmployeeNda) {
  f_["additional_terms"] = "乙方违反本协议的，应当向甲方支付违约金五万元。";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C1", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "C1")[0]->source,
            "劳动合同法 第二十五条、第九十条 / Labor Contract Law Arts. 25, 90");
  EXPECT_FALSE(CanSendForSignature(r));
}

// A sentence that says no penalty is agreed agrees none.
TEST_F(ContractsNda, C1NotForASentenceThatDisclaimsAPenalty) {
  for (const char* text : {"双方确认，本协议不约定违约金，乙方违反本协议的，按实际损失赔偿。",
                           "本协议不设违约金。", "本协议无违约金条款，乙方违约的应当赔偿损失。",
                           "The parties agree no liquidated damages; the employee is liable for "
                           "actual loss."}) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "C1").empty()) << text << "\n" << Dump(r);
  }
  // Paying a penalty that exists is not a denial of it.
  f_["additional_terms"] = "乙方不支付违约金的，甲方可以从其工资中扣除。";
  EXPECT_TRUE(Has(Run(), "C1", Severity::kError));
  f_["additional_terms"] = "The employee shall not disclose and shall pay a penalty of 50,000.";
  EXPECT_TRUE(Has(Run(), "C1", Severity::kError));
  f_["additional_terms"] = "本协议不约定违约金；乙方违反本协议的，应当向甲方支付违约金五万元。";
  EXPECT_TRUE(Has(Run(), "C1", Severity::kError));
  // A fixed sum of damages is for counsel to judge: a warning.
  f_["additional_terms"] = "乙方违反保密义务的，应向甲方支付赔偿金人民币十万元。";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C1", Severity::kWarning)) << Dump(r);
  EXPECT_FALSE(Has(r, "C1", Severity::kError)) << Dump(r);
  EXPECT_TRUE(CanSendForSignature(r));
  f_["additional_terms"] = "乙方违反保密义务的，应向甲方支付赔偿金50000元。";
  EXPECT_TRUE(Has(Run(), "C1", Severity::kWarning));
  f_["additional_terms"] = "乙方违反保密义务的，应赔偿甲方的实际损失。";
  EXPECT_TRUE(Findings(Run(), "C1").empty());
}

// A penalty by another name (罚款, 罚金, a stated sum of 违约赔偿), and wording
// that only looks like a denial ("without delay", "no further notice", a
// bracketed 不包括), is still a penalty.
TEST_F(ContractsNda, C1PenaltyByOtherNamesAndWording) {
  for (const char* text : {
           "…处以罚款人民币50000元",
           "…缴纳罚金五万元",
           "…一次性向甲方支付违约赔偿人民币50000元",
           "The Employee shall without delay pay liquidated damages of RMB 50,000 for any "
           "disclosure",
           "…shall with no further notice pay a penalty of RMB 50,000",
           "乙方违反保密义务的（不包括过失）应支付违约金五万元。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    ASSERT_TRUE(Has(r, "C1", Severity::kError)) << text << "\n" << Dump(r);
    EXPECT_FALSE(CanSendForSignature(r)) << text;
  }
  // Lawful: a fine someone else imposed, as a loss to make good; breach
  // damages without a sum; denials that govern the word.
  for (const char* text : {
           "甲方因乙方泄密被行政机关处以罚款的，乙方应当赔偿甲方因此遭受的损失。",
           "乙方违反保密义务的，应当承担违约赔偿责任，赔偿甲方的实际损失。",
           "No liquidated damages shall apply; the Employee shall without delay compensate the "
           "Employer's actual loss.",
           "本协议（依照劳动合同法第二十五条）不约定违约金。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_FALSE(Has(r, "C1", Severity::kError)) << text << "\n" << Dump(r);
  }
}

// A fine an authority imposes on the employer, made good as its loss, is
// damages; a fine the contract lays on the employee is still a penalty.
TEST_F(ContractsNda, C1NotForAFineTheEmployerSuffers) {
  for (const char* text : {
           "致使甲方受到行政罚款的，乙方应当赔偿甲方损失。",
           "因乙方泄密致使甲方遭受罚款的，乙方应当赔偿甲方因此遭受的损失。",
           "甲方因乙方泄密而承担的罚款，由乙方赔偿。",
           "甲方因此承担的罚金及其他损失，由乙方赔偿。",
           "甲方因乙方违反本协议被处以行政罚款的，乙方应赔偿该损失。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "C1").empty()) << text << "\n" << Dump(r);
  }
  for (const char* text : {
           "乙方违反保密义务的，将受到罚款人民币五万元。",
           "乙方违反本协议应承担的罚款为五万元。",
           "乙方违反保密义务的，甲方对乙方处以罚款五万元。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Has(r, "C1", Severity::kError)) << text << "\n" << Dump(r);
  }
}

TEST_F(ContractsNda, C2NoSurvivalOrReturnClause) {
  t_ = Variant("cn-employee-nda", R"(tags="term survival")", R"(tags="term")");
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "C2").size(), 1u) << Dump(r);
  t_ = Variant("cn-employee-nda", R"(tags="return-on-exit")", R"(tags="exit")");
  r = Run();
  ASSERT_EQ(Findings(r, "C2").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "C2")[0]->message_en.find("return or deletion"), std::string::npos);
}

// The clauses are there, but the additional terms take them back.
TEST_F(ContractsNda, C2AdditionalTermsThatTakeBackSurvivalOrReturn) {
  f_["additional_terms"] = "乙方离职后，本协议约定的保密义务即行终止。";
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "C2").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "C2")[0]->severity, Severity::kError);
  EXPECT_NE(Findings(r, "C2")[0]->message_zh.find("即行终止"), std::string::npos) << Dump(r);
  EXPECT_FALSE(CanSendForSignature(r));
  f_["additional_terms"] = "乙方离职时无需返还或删除其持有的工作资料。";
  r = Run();
  ASSERT_EQ(Findings(r, "C2").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "C2")[0]->message_en.find("return or deletion"), std::string::npos);
  EXPECT_FALSE(CanSendForSignature(r));
  // Lawful: the duty kept, ended only when the information is public; the
  // return made, with no reminder needed; public materials.
  for (const char* text : {
           "乙方的保密义务不因乙方离职而免除。",
           "乙方离职后，保密义务至相关信息为公众所知悉时终止。",
           "乙方离职时应当返还或删除其持有的全部工作资料，无需甲方另行催告。",
           "乙方离职时无需返还甲方已公开发布的产品宣传册。",
       }) {
    f_["additional_terms"] = text;
    EXPECT_TRUE(Findings(Run(), "C2").empty()) << text << "\n" << Dump(Run());
  }
}

// The excuse denied, or the employer keeping what it got back, excuses
// nothing; the employee excused or keeping copies still does.
TEST_F(ContractsNda, C2NotForADeniedExcuseOrTheEmployerKeepingMaterials) {
  for (const char* text : {
           "乙方离职不免除其返还涉密资料的义务。",
           "乙方不得以任何理由免于返还资料。",
           "甲方有权保留乙方交还的资料。",
           "甲方有权保留其向乙方提供的全部文件。",
           "乙方不可保留任何涉密资料的复制件。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Findings(r, "C2").empty()) << text << "\n" << Dump(r);
  }
  for (const char* text : {
           "乙方离职时免于返还其持有的工作资料。",
           "乙方离职时可以保留其工作期间形成的文件副本。",
           "经甲方同意，乙方有权保留甲方提供的资料。",
       }) {
    f_["additional_terms"] = text;
    CheckReport r = Run();
    EXPECT_TRUE(Has(r, "C2", Severity::kError)) << text << "\n" << Dump(r);
  }
}

TEST_F(ContractsNda, C3DefinitionMissesCustomerCategories) {
  t_ = Variant("cn-employee-nda", "以及客户的交易习惯、交易意向、交易内容", "以及客户的交易内容");
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C3", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "C3")[0]->message_en.find("customer trading habits"), std::string::npos);
  EXPECT_NE(Findings(r, "C3")[0]->message_en.find("customer intentions"), std::string::npos);
  EXPECT_EQ(Findings(r, "C3")[0]->message_en.find("prices"), std::string::npos);
}

TEST_F(ContractsNda, C4SignedAfterFirstAccess) {
  c_.first_secret_access_at = *ParseRfc3339("2026-03-01T09:00:00Z");
  c_.nda_signed_at = *ParseRfc3339("2026-02-27T10:00:00Z");
  EXPECT_TRUE(Findings(Run(), "C4").empty());
  c_.nda_signed_at = *ParseRfc3339("2026-03-05T10:00:00Z");
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C4", Severity::kError)) << Dump(r);
  EXPECT_NE(Findings(r, "C4")[0]->message_en.find("2026-03-01T09:00:00.000Z"), std::string::npos);
  // A draft not signed yet for someone who already has access: a warning.
  c_.nda_signed_at.reset();
  r = Run();
  EXPECT_TRUE(Has(r, "C4", Severity::kWarning));
  EXPECT_FALSE(Has(r, "C4", Severity::kError));
}

TEST_F(ContractsNda, N9AppliesToChineseEmployeeNdaToo) {
  f_["dispute_forum"] = "court";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError));
}

TEST_F(ContractsNda, N9CourtOrEnglishBodyOrCourtAsCommission) {
  f_["additional_terms"] = "因本协议发生的争议，由甲方所在地人民法院管辖。";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError)) << Dump(Run());
  f_["additional_terms"] = "…referred to the Shanghai International Arbitration Center…";
  EXPECT_TRUE(Has(Run(), "N9", Severity::kError)) << Dump(Run());
  f_.as_object().erase("additional_terms");
  f_["arbitration_commission"] = "上海市浦东新区人民法院";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "N9", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "N9")[0]->field_id, "arbitration_commission");
  f_["arbitration_commission"] = "深圳市南山区劳动人事争议仲裁委员会";
  f_["additional_terms"] = "争议先申请劳动人事争议仲裁，对仲裁裁决不服的，可以向人民法院提起诉讼。";
  EXPECT_TRUE(Findings(Run(), "N9").empty()) << Dump(Run());
}

TEST_F(ContractsNda, N9NotForCompelledDisclosure) {
  f_["additional_terms"] = "人民法院在诉讼中依法要求披露的，乙方应及时通知甲方。";
  EXPECT_TRUE(Findings(Run(), "N9").empty()) << Dump(Run());
  f_["additional_terms"] =
      "If required by a court in legal proceedings to disclose Confidential Information, the "
      "Employee shall give prompt notice.";
  EXPECT_TRUE(Findings(Run(), "N9").empty()) << Dump(Run());
}

TEST(ContractsChecks, U1WhistleblowerNotice) {
  CheckContext c = RulesOnly();
  Template us = MustLoad("us-employee-nda");
  json::Value f = ExampleFields("us-employee-nda");
  CheckReport clean = Check(us, f, c);
  EXPECT_TRUE(clean.findings.empty()) << Dump(clean);
  EXPECT_TRUE(CanSendForSignature(clean));
  Template missing =
      Variant("us-employee-nda", R"(tags="whistleblower-notice")", R"(tags="notice")");
  CheckReport r = Check(missing, f, c);
  ASSERT_TRUE(Has(r, "U1", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "U1")[0]->source, "18 U.S.C. §1833(b)(3)");
}

TEST(ContractsChecks, U1AppliesToMutualNdaWithAnIndividual) {
  CheckContext c = RulesOnly();
  json::Value f = ExampleFields("mutual-nda");
  f["counterparty_is_individual"] = true;
  EXPECT_TRUE(Findings(Check(MustLoad("mutual-nda"), f, c), "U1").empty());
  Template no_notice = Variant("mutual-nda", R"(tags="whistleblower-notice")", R"(tags="x")");
  EXPECT_TRUE(Has(Check(no_notice, f, c), "U1", Severity::kError));
  f["counterparty_is_individual"] = false;
  EXPECT_TRUE(Findings(Check(no_notice, f, c), "U1").empty());
}

TEST(ContractsChecks, U2MissingStandardClauses) {
  CheckContext c = RulesOnly();
  json::Value f = ExampleFields("mutual-nda");
  EXPECT_TRUE(Check(MustLoad("mutual-nda"), f, c).findings.empty());
  Template t = Variant("mutual-nda", R"(tags="compelled-disclosure")", R"(tags="x")");
  CheckReport r = Check(t, f, c);
  ASSERT_EQ(Findings(r, "U2").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "U2")[0]->severity, Severity::kWarning);
  EXPECT_NE(Findings(r, "U2")[0]->message_en.find("compelled-disclosure"), std::string::npos);
  EXPECT_TRUE(CanSendForSignature(r));
}

TEST(ContractsChecks, FieldErrorsBlockSignature) {
  Template t = MustLoad("us-employee-nda");
  json::Value f = ExampleFields("us-employee-nda");
  f["effective_date"] = "2026-13-01";
  CheckReport r = Check(t, f, RulesOnly());
  ASSERT_EQ(r.field_errors.size(), 1u);
  EXPECT_FALSE(CanSendForSignature(r));
}

TEST(ContractsChecks, ReportFormsAreDeterministic) {
  Template t = MustLoad("cn-non-compete");
  json::Value f = ExampleFields("cn-non-compete");
  f["restricted_months"] = 36;
  f["restricted_region"] = "全国";
  CheckReport r = Check(t, f, CleanContext());
  json::Value j = ReportToJson(r);
  EXPECT_EQ(j.Find("template_id")->as_string(), "cn-non-compete");
  EXPECT_FALSE(j.Find("can_send_for_signature")->as_bool());
  const json::Array& findings = j.Find("findings")->as_array();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].Find("rule")->as_string(), "N1");
  EXPECT_EQ(findings[0].Find("severity")->as_string(), "error");
  EXPECT_EQ(findings[1].Find("rule")->as_string(), "N4");
  EXPECT_EQ(findings[1].Find("severity")->as_string(), "warning");
  EXPECT_EQ(json::Serialize(j), json::Serialize(ReportToJson(Check(t, f, CleanContext()))));
  std::string zh = FormatReportText(r, Language::kZh);
  EXPECT_NE(zh.find("结论：不可发送签署（错误 1 项，警告 1 项）"), std::string::npos) << zh;
  EXPECT_NE(zh.find("[错误] N1"), std::string::npos);
  std::string en = FormatReportText(r, Language::kEn);
  EXPECT_NE(en.find("Result: may NOT be sent for signature (1 error(s), 1 warning(s))"),
            std::string::npos)
      << en;
  EXPECT_NE(en.find("Source: 劳动合同法 第二十四条 / Labor Contract Law Art. 24"),
            std::string::npos);
}

TEST(ContractsChecks, ParseCheckContext) {
  json::Value j = testing::ParseJson(R"({
    "employee_category": "senior_technical", "secret_access_record_exists": true,
    "average_monthly_wage": "20000.00", "region_code": "310000", "as_of": "2026-01-01",
    "employee_signed": true, "copy_delivered": false,
    "nda_signed_at": "2026-01-02T08:00:00Z", "first_secret_access_at": "2026-01-03T08:00:00+08:00",
    "estimated_loss": 50000})");
  Result<CheckContext> c = ParseCheckContext(j);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->employee_category, EmployeeCategory::kSeniorTechnical);
  EXPECT_EQ(c->average_monthly_wage_minor, 2000000);
  EXPECT_EQ(c->region_code, "310000");
  EXPECT_EQ(c->copy_delivered, false);
  EXPECT_FALSE(c->employer_signed.has_value());
  EXPECT_EQ(c->estimated_loss_minor, 5000000);
  EXPECT_EQ(*c->first_secret_access_at - *c->nda_signed_at, 16 * 3600 * 1000);
  EXPECT_FALSE(ParseCheckContext(testing::ParseJson(R"({"employee_category": "boss"})")).ok());
  EXPECT_FALSE(ParseCheckContext(testing::ParseJson(R"({"unknown": 1})")).ok());
  EXPECT_FALSE(ParseCheckContext(testing::ParseJson(R"({"as_of": "yesterday"})")).ok());
}

TEST(ContractsMinimumWages, LooksUpByRegionHierarchyAndDate) {
  const MinimumWageTable& w = Wages();
  CivilDate d2026{2026, 6, 1};
  EXPECT_EQ(w.Find("440300", d2026)->monthly_minor, 252000);
  EXPECT_EQ(w.Find("440305", d2026)->region_code, "440300");  // district → city
  EXPECT_EQ(w.Find("440600", d2026)->region_code, "440000");  // other city → province
  EXPECT_EQ(w.Find("110105", d2026)->monthly_minor, 254000);
  EXPECT_EQ(w.Find("110105", CivilDate{2025, 8, 31})->monthly_minor, 242000);
  EXPECT_FALSE(w.Find("110105", CivilDate{2020, 1, 1}).has_value());
  EXPECT_FALSE(w.Find("650100", d2026).has_value());
}

TEST(ContractsMinimumWages, DemoRegionsHaveCurrentFiguresWithTheirNotice) {
  // Shanghai, Beijing and Shenzhen: the demo's regions (cli/demo_data.cc)
  // and the examples' work region.
  for (const char* code : {"310000", "110000", "440300"}) {
    std::optional<MinimumWage> w = Wages().Find(code, CivilDate{2026, 3, 2});
    ASSERT_TRUE(w.has_value()) << code;
    EXPECT_EQ(w->region_code, code);
    EXPECT_GE(w->effective, (CivilDate{2025, 1, 1})) << code;
    EXPECT_FALSE(w->source.empty()) << code;
  }
  Result<MinimumWageTable> t = MinimumWageTable::Parse(R"({"format": "custos-minimum-wages/1",
      "entries": [{"region_code": "110000", "name_zh": "北京市", "name_en": "Beijing",
       "effective": "2025-09-01", "monthly": "2540", "verified": true}]})");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->entries()[0].verified);
  EXPECT_FALSE(Wages().entries()[0].verified);
  // Every shipped entry says whether it was confirmed against its notice.
  json::Value raw = testing::ParseJson(ReadAll(WagesPath()));
  for (const json::Value& e : raw.Find("entries")->as_array()) {
    EXPECT_NE(e.Find("verified"), nullptr) << json::Serialize(e);
  }
}

TEST(ContractsMinimumWages, RejectsMalformedData) {
  EXPECT_FALSE(MinimumWageTable::Parse("{}").ok());
  EXPECT_FALSE(MinimumWageTable::Parse(R"({"format": "custos-minimum-wages/1", "entries": [
      {"region_code": "110000", "name_zh": "北京", "name_en": "Beijing",
       "effective": "2025-09-31", "monthly": "2540"}]})")
                   .ok());
  Result<MinimumWageTable> bad = MinimumWageTable::Parse(R"({"format": "custos-minimum-wages/1",
      "entries": [{"region_code": "110000", "name_zh": "北京", "name_en": "Beijing",
       "effective": "2025-09-01", "monthly": "-1"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("entries[0]"), std::string::npos);
  EXPECT_EQ(MinimumWageTable::Load("/no/such/file.json").status().code(), StatusCode::kNotFound);
}

TEST(ContractsChecks, CheckFromFilesWithShippedExamples) {
  for (const char* id :
       {"cn-b2b-nda", "cn-employee-nda", "cn-non-compete", "mutual-nda", "us-employee-nda"}) {
    OfflineCheckOptions o;
    o.context.secret_access_record_exists = true;
    o.minimum_wages_path = WagesPath();
    Result<CheckReport> r = CheckFromFiles(TemplatePath(id), ExamplePath(id), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->findings.empty()) << id << "\n" << Dump(*r);
    EXPECT_TRUE(CanSendForSignature(*r));
  }
  // Offline, with no facts at all, the non-compete's unverifiable facts show.
  Result<CheckReport> r =
      CheckFromFiles(TemplatePath("cn-non-compete"), ExamplePath("cn-non-compete"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Findings(*r, "N3").size(), 1u);
  EXPECT_EQ(Findings(*r, "N6").size(), 1u);
  EXPECT_TRUE(CanSendForSignature(*r));
}

// --- Governing law (issue 20, item 1) ----------------------------------------

TEST(ContractsLaw, GoverningLawComesFromTemplateAndState) {
  Template t = MustLoad("mutual-nda");
  json::Value f = ExampleFields("mutual-nda");
  EXPECT_EQ(t.governing_law, "US");
  EXPECT_EQ(GoverningLaw(t, ValidateFields(t, f).values), "US-CA");
  f["governing_state"] = "Texas";
  EXPECT_EQ(GoverningLaw(t, ValidateFields(t, f).values), "US");
  EXPECT_EQ(MustLoad("cn-non-compete").governing_law, "CN");
}

TEST(ContractsLaw, C5DoesNotRunOnUsMutualNda) {
  Template t = MustLoad("mutual-nda");
  json::Value f = ExampleFields("mutual-nda");
  f["has_penalty"] = true;
  f["penalty_amount"] = "100000";
  CheckContext c = RulesOnly();
  c.estimated_loss_minor = 5000000;
  CheckReport r = Check(t, f, c);
  EXPECT_TRUE(Findings(r, "C5").empty()) << Dump(r);
}

TEST(ContractsLaw, PrcRulesNeverRunOnUsContracts) {
  Template t = MustLoad("us-employee-nda");
  json::Value f = ExampleFields("us-employee-nda");
  CheckContext c = RulesOnly();
  c.employee_signed = false;  // N10 is a PRC rule (Labor Contract Law Art. 16)
  CheckReport r = Check(t, f, c);
  for (const Finding& x : r.findings) {
    EXPECT_TRUE(x.rule_id.starts_with("U") || x.rule_id.starts_with("CA") || x.rule_id == "C4")
        << Dump(r);
  }
  EXPECT_TRUE(Findings(r, "N10").empty());
}

TEST(ContractsLaw, NoRulesNoChecks) {
  CheckReport r = Check(MustLoad("cn-non-compete"), ExampleFields("cn-non-compete"), {});
  ASSERT_EQ(r.findings.size(), 1u) << Dump(r);
  EXPECT_EQ(r.findings[0].rule_id, "R0");
  EXPECT_FALSE(CanSendForSignature(r));
}

// A PRC-law variant of the mutual NDA: C5 runs, with the source in force on
// the contract's date.
TEST(ContractsLaw, C5CitesTheSourceInForceOnTheContractDate) {
  Template t = Variant("mutual-nda", R"(jurisdiction="US" governing-law="US")",
                       R"(jurisdiction="CN" governing-law="CN")");
  json::Value f = ExampleFields("mutual-nda");
  f["has_penalty"] = true;
  f["penalty_amount"] = "100000";
  CheckContext c = RulesOnly();
  c.estimated_loss_minor = 5000000;
  CheckReport r = Check(t, f, c);
  ASSERT_TRUE(Has(r, "C5", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "C5")[0]->source.find("第六十五条"), std::string::npos);
  EXPECT_NE(Findings(r, "C5")[0]->source.find("not verified"), std::string::npos);
  c.estimated_loss_minor = 9000000;  // 90,000: within 30%
  EXPECT_TRUE(Findings(Check(t, f, c), "C5").empty());
  c.estimated_loss_minor = 5000000;
  f["effective_date"] = "2015-06-01";
  r = Check(t, f, c);
  ASSERT_TRUE(Has(r, "C5", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "C5")[0]->source.find("Art. 29"), std::string::npos);
  EXPECT_TRUE(Findings(r, "U1").empty());
}

// --- Chinese business-to-business NDA (item 2) -------------------------------

class ContractsB2bNda : public ::testing::Test {
 protected:
  Template t_ = MustLoad("cn-b2b-nda");
  json::Value f_ = ExampleFields("cn-b2b-nda");
  CheckContext c_ = CleanContext();
  CheckReport Run() { return Check(t_, f_, c_); }
};

TEST_F(ContractsB2bNda, CleanDraftHasNoFindings) {
  CheckReport r = Run();
  EXPECT_TRUE(r.field_errors.empty());
  EXPECT_TRUE(r.findings.empty()) << Dump(r);
  EXPECT_EQ(t_.governing_law, "CN");
}

TEST_F(ContractsB2bNda, C2ScopeSurvivalAndReturnUnderPrcLaw) {
  t_ = Variant("cn-b2b-nda", R"(tags="return-on-exit")", R"(tags="exit")");
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "C2").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "C2")[0]->message_en.find("cooperation ends"), std::string::npos);
  EXPECT_EQ(Findings(r, "C2")[0]->source,
            "商业秘密民事案件规定 第六条 / SPC Trade-Secret Provisions (2020) Art. 6");
}

TEST_F(ContractsB2bNda, C2AdditionalTermsThatTakeBackSurvival) {
  f_["additional_terms"] = "合作结束后，接收方的保密义务即行终止。";
  EXPECT_TRUE(Has(Run(), "C2", Severity::kError)) << Dump(Run());
  f_["additional_terms"] = "合作结束后，接收方的保密义务继续有效三年。";
  EXPECT_TRUE(Findings(Run(), "C2").empty()) << Dump(Run());
}

TEST_F(ContractsB2bNda, C5PenaltyUnderPrcLaw) {
  c_.estimated_loss_minor = 10000000;  // 100,000 against a 200,000 penalty
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C5", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "C5")[0]->source.find("第五百八十五条"), std::string::npos);
  c_.estimated_loss_minor = 16000000;  // 160,000: within 30%
  EXPECT_TRUE(Findings(Run(), "C5").empty());
  EXPECT_TRUE(Findings(Run(), "U1").empty());
}

// N10 speaks of the employee and the Labor Contract Law: not for two companies.
TEST_F(ContractsB2bNda, N10IsNotRunBetweenCompanies) {
  c_.employee_signed = false;
  c_.employer_signed = false;
  c_.copy_delivered = false;
  CheckReport r = Run();
  EXPECT_TRUE(Findings(r, "N10").empty()) << Dump(r);
  for (const Finding& f : r.findings) {
    EXPECT_EQ(f.source.find("劳动合同法"), std::string::npos) << Dump(r);
  }
}

// --- Rules are data (item 3) -------------------------------------------------

TEST(ContractsRules, ThresholdsComeFromTheData) {
  Result<LegalRuleTable> rules = LegalRuleTable::Parse(R"({"format": "custos-legal-rules/1",
      "rules": [{"rule": "N1", "law": "CN", "effective": "2008-01-01",
                 "source": "test source", "params": {"max_months": 12}, "verified": true}]})");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  CheckContext c = CleanContext();
  c.legal_rules = &*rules;
  json::Value f = ExampleFields("cn-non-compete");
  f["restricted_months"] = 13;
  CheckReport r = Check(MustLoad("cn-non-compete"), f, c);
  ASSERT_TRUE(Has(r, "N1", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "N1")[0]->source, "test source");
  // Rules without a row in the data are reported as not verified, not skipped.
  ASSERT_TRUE(Has(r, "N5", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "N5")[0]->message_en.find("not verified"), std::string::npos);
}

TEST(ContractsRules, RuleInForceOnTheContractDate) {
  CheckContext c = CleanContext();
  c.secret_access_record_exists = false;
  json::Value f = ExampleFields("cn-non-compete");
  CheckReport r = Check(MustLoad("cn-non-compete"), f, c);
  ASSERT_TRUE(Has(r, "N3", Severity::kWarning));
  EXPECT_NE(Findings(r, "N3")[0]->source.find("(II) Art. 13"), std::string::npos);
  f["sign_date"] = "2024-05-01";  // before Interpretation (II) took effect
  r = Check(MustLoad("cn-non-compete"), f, c);
  ASSERT_TRUE(Has(r, "N3", Severity::kWarning));
  EXPECT_EQ(Findings(r, "N3")[0]->source.find("(II)"), std::string::npos) << Dump(r);
}

TEST(ContractsRules, RejectsMalformedOrOverlappingRows) {
  EXPECT_FALSE(LegalRuleTable::Parse("{}").ok());
  Result<LegalRuleTable> overlap = LegalRuleTable::Parse(R"({"format": "custos-legal-rules/1",
      "rules": [{"rule": "N1", "law": "CN", "effective": "2008-01-01", "source": "a"},
                {"rule": "N1", "law": "CN", "effective": "2020-01-01", "source": "b"}]})");
  ASSERT_FALSE(overlap.ok());
  EXPECT_NE(overlap.status().message().find("rules[1]"), std::string::npos);
  EXPECT_FALSE(LegalRuleTable::Parse(R"({"format": "custos-legal-rules/1",
      "rules": [{"rule": "N1", "law": "XX", "effective": "2008-01-01", "source": "a"}]})")
                   .ok());
  EXPECT_TRUE(LegalRuleTable::Parse(R"({"format": "custos-legal-rules/1",
      "rules": [{"rule": "N1", "law": "CN", "effective": "2008-01-01", "until": "2019-12-31",
                 "source": "a"},
                {"rule": "N1", "law": "CN", "effective": "2020-01-01", "source": "b"}]})")
                  .ok());
}

TEST(ContractsRules, ShippedRulesCoverEveryCheckToday) {
  const CivilDate today{2026, 3, 2};
  for (const char* id : {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N10", "C1", "C2",
                         "C3", "C4", "C5", "C6"}) {
    EXPECT_NE(Rules().Find(id, "CN", today), nullptr) << id;
  }
  for (const char* id : {"C4", "U1", "U2", "CA2"})
    EXPECT_NE(Rules().Find(id, "US", today), nullptr);
  EXPECT_NE(Rules().Find("CA1", "US-CA", today), nullptr);
  EXPECT_NE(Rules().Find("D1", "CN", today), nullptr);
  EXPECT_EQ(Rules().Find("N8", "CN", today)->params.at("penalty_to_compensation_ratio"), 3.0);
}

// N6: each month of the restricted period against the minimum wage in force
// in that month, not on the signing day.
TEST_F(ContractsNonCompete, N6MinimumWageRaisedDuringThePeriod) {
  f_["compensation_monthly"] = "2400";  // Shenzhen: 2360 until 2025-02, 2520 from 2025-03-01
  f_["average_monthly_wage"] = "8000";
  f_["sign_date"] = "2024-05-31";
  c_.employment_end = CivilDate{2024, 5, 31};  // the period runs 2024-06-01 to 2025-05-31
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "N6").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("month 10 of the restricted period (from "
                                                  "2025-03-01)"),
            std::string::npos)
      << Dump(r);
  c_.employment_end = CivilDate{2023, 6, 1};  // the period ends before the rise
  EXPECT_TRUE(Findings(Run(), "N6").empty()) << Dump(Run());
}

// N6: the period starts the day after the employment ends, and a month is
// judged by the highest minimum wage in force on any of its days.
TEST_F(ContractsNonCompete, N6EachMonthFromTheDayAfterTheEmploymentEnds) {
  f_["compensation_monthly"] = "2500";  // Shenzhen: 2360, 2520 from 2025-03-01
  f_["average_monthly_wage"] = "8000";
  f_["restricted_months"] = 2;
  f_["sign_date"] = "2025-01-01";
  c_.employment_end = CivilDate{2025, 1, 31};  // February and March 2025
  CheckReport r = Run();
  ASSERT_EQ(Findings(r, "N6").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("month 2 of the restricted period (from "
                                                  "2025-03-01)"),
            std::string::npos)
      << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("2,520.00"), std::string::npos);
  // A month that only ends on the day of the rise is judged by it too:
  // 2025-01-02 to 2025-03-01 is two months, the second with 2025-03-01 in it.
  c_.employment_end = CivilDate{2025, 1, 1};
  r = Run();
  ASSERT_EQ(Findings(r, "N6").size(), 1u) << Dump(r);
  EXPECT_NE(Findings(r, "N6")[0]->message_en.find("month 2 of the restricted period (from "
                                                  "2025-02-02)"),
            std::string::npos)
      << Dump(r);
  // Two months that end before the rise.
  c_.employment_end = CivilDate{2024, 12, 31};
  EXPECT_TRUE(Findings(Run(), "N6").empty()) << Dump(Run());
}

// --- California (item 1) ----------------------------------------------------

TEST(ContractsCalifornia, CA1UnlawfulActsCarveOut) {
  Template t = MustLoad("us-employee-nda");
  json::Value f = ExampleFields("us-employee-nda");
  EXPECT_TRUE(Findings(Check(t, f, RulesOnly()), "CA1").empty());
  Template missing = Variant("us-employee-nda", R"(tags="unlawful-acts-carve-out")", R"(tags="x")");
  CheckReport r = Check(missing, f, RulesOnly());
  ASSERT_TRUE(Has(r, "CA1", Severity::kError)) << Dump(r);
  EXPECT_NE(Findings(r, "CA1")[0]->source.find("12964.5"), std::string::npos);
  f["governing_state"] = "Texas";  // not governed by California law
  EXPECT_TRUE(Findings(Check(missing, f, RulesOnly()), "CA1").empty());
}

TEST(ContractsCalifornia, CA2ForeignLawOrForumForACaliforniaEmployee) {
  Template t = MustLoad("us-employee-nda");
  json::Value f = ExampleFields("us-employee-nda");
  f["works_in_california"] = "unknown";  // the context's facts below decide
  CheckContext c = RulesOnly();
  c.employee_in_california = true;
  EXPECT_TRUE(Findings(Check(t, f, c), "CA2").empty());
  f["governing_state"] = "Texas";
  f["venue"] = "Travis County, Texas";
  CheckReport r = Check(t, f, c);
  ASSERT_EQ(Findings(r, "CA2").size(), 2u) << Dump(r);
  EXPECT_EQ(Findings(r, "CA2")[0]->field_id, "governing_state");
  EXPECT_EQ(Findings(r, "CA2")[1]->field_id, "venue");
  c.employee_represented_by_counsel = true;  // §925(e)
  EXPECT_TRUE(Findings(Check(t, f, c), "CA2").empty());
  c.employee_represented_by_counsel.reset();
  c.employee_in_california.reset();  // unknown: not checked, and the drafter is told
  r = Check(t, f, c);
  ASSERT_EQ(Findings(r, "CA2").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "CA2")[0]->severity, Severity::kWarning);
  EXPECT_EQ(Findings(r, "CA2")[0]->field_id, "works_in_california");
  EXPECT_TRUE(CanSendForSignature(r));
}

// The drafter answers in the template's fields; the vault does not know
// where its users live.
TEST(ContractsCalifornia, CA2FromTheTemplatesFields) {
  Template t = MustLoad("us-employee-nda");
  json::Value f = ExampleFields("us-employee-nda");
  const CheckContext c = RulesOnly();
  f["governing_state"] = "Texas";
  f["venue"] = "Travis County, Texas";
  f["works_in_california"] = "yes";
  CheckReport r = Check(t, f, c);
  ASSERT_EQ(Findings(r, "CA2").size(), 2u) << Dump(r);
  EXPECT_EQ(Findings(r, "CA2")[0]->severity, Severity::kError);
  EXPECT_FALSE(CanSendForSignature(r));
  f["represented_by_counsel"] = true;  // §925(e)
  EXPECT_TRUE(Findings(Check(t, f, c), "CA2").empty());
  f["represented_by_counsel"] = false;
  f["works_in_california"] = "no";
  EXPECT_TRUE(Findings(Check(t, f, c), "CA2").empty());
  f["works_in_california"] = "yes";
  f["governing_state"] = "California";
  f["venue"] = "Santa Clara County, California";
  EXPECT_TRUE(Findings(Check(t, f, c), "CA2").empty());
  f["worker_type"] = "contractor";  // §925 protects employees
  f["governing_state"] = "Texas";
  f["venue"] = "Travis County, Texas";
  EXPECT_TRUE(Findings(Check(t, f, c), "CA2").empty());
}

// --- Non-solicitation under the non-compete penalty (item 6) -----------------

TEST_F(ContractsNonCompete, C6PenaltyCoversNonSolicitation) {
  t_ = Variant("cn-non-compete", "从事受限业务。</p>",
               "从事受限业务；乙方不劝诱甲方的客户、员工终止与甲方的合作或者劳动关系。</p>");
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C6", Severity::kWarning)) << Dump(r);
  EXPECT_NE(Findings(r, "C6")[0]->message_en.find("non-solicitation"), std::string::npos);
  EXPECT_TRUE(CanSendForSignature(r));
  f_["has_penalty"] = false;  // no penalty, nothing at risk
  EXPECT_TRUE(Findings(Run(), "C6").empty());
}

TEST_F(ContractsNonCompete, C6PenaltyInAdditionalTermsForOtherDuties) {
  f_["additional_terms"] = "乙方违反本协议的，应当向甲方支付违约金十万元。";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C6", Severity::kWarning)) << Dump(r);
  EXPECT_TRUE(Findings(r, "C1").empty()) << Dump(r);
  // A penalty for confidentiality is no longer a warning: C1 makes it an error.
  f_["additional_terms"] = "乙方违反保密义务的，应当向甲方支付违约金十万元。";
  r = Run();
  EXPECT_TRUE(Findings(r, "C6").empty()) << Dump(r);
  EXPECT_TRUE(Has(r, "C1", Severity::kError)) << Dump(r);
}

// LCL Art. 25: a penalty may secure a non-compete, never a duty of
// confidentiality, whichever employee document agrees it.
TEST_F(ContractsNonCompete, C1PenaltyForConfidentialityInNonCompete) {
  f_["additional_terms"] = "乙方违反保密义务、泄露甲方客户信息的，应向甲方支付违约金人民币十万元。";
  CheckReport r = Run();
  ASSERT_TRUE(Has(r, "C1", Severity::kError)) << Dump(r);
  EXPECT_NE(Findings(r, "C1")[0]->message_zh.find("泄露甲方客户信息"), std::string::npos);
  EXPECT_EQ(Findings(r, "C1")[0]->source,
            "劳动合同法 第二十五条、第九十条 / Labor Contract Law Arts. 25, 90");
  EXPECT_FALSE(CanSendForSignature(r));
  // Without the template's own penalty the sentence is still a penalty.
  f_["has_penalty"] = false;
  EXPECT_TRUE(Has(Run(), "C1", Severity::kError));
  // A penalty for breach of the non-compete itself stays allowed.
  f_["has_penalty"] = true;
  f_["additional_terms"] = "乙方违反竞业限制义务的，应向甲方支付违约金人民币十万元。";
  r = Run();
  EXPECT_TRUE(Findings(r, "C1").empty()) << Dump(r);
  // A confidentiality duty written into the scope the penalty secures.
  f_.as_object().erase("additional_terms");
  t_ = Variant("cn-non-compete", "从事受限业务。</p>",
               "从事受限业务；乙方不泄露甲方的保密信息。</p>");
  r = Run();
  ASSERT_TRUE(Has(r, "C1", Severity::kError)) << Dump(r);
  EXPECT_EQ(Findings(r, "C1")[0]->field_id, "penalty_amount");
  f_["has_penalty"] = false;
  EXPECT_TRUE(Findings(Run(), "C1").empty());
}

TEST(ContractsDepartureNotice, C1PenaltyForConfidentiality) {
  const Template t = MustLoad("cn-departure-notice");
  json::Value f = ExampleFields("cn-departure-notice");
  EXPECT_TRUE(Findings(Check(t, f, CleanContext()), "C1").empty());
  f["secrets_known"] = "客户名单；您泄露上述信息的，应向公司支付违约金五万元";
  EXPECT_TRUE(Has(Check(t, f, CleanContext()), "C1", Severity::kError));
}

TEST_F(ContractsNonCompete, NonSolicitationIsItsOwnClauseOutsideThePenalty) {
  const Clause* scope = nullptr;
  const Clause* non_solicit = nullptr;
  for (const Clause& c : t_.clauses) {
    if (c.id == "scope") scope = &c;
    if (c.id == "non-solicitation") non_solicit = &c;
  }
  ASSERT_NE(scope, nullptr);
  ASSERT_NE(non_solicit, nullptr);
  for (const Paragraph& p : scope->paragraphs) {
    EXPECT_EQ(p.text.find("劝诱"), std::string::npos) << p.text;
  }
  EXPECT_TRUE(Findings(Run(), "C6").empty());
}

// D1: the departure notice quotes the non-compete the employee signed —
// whether there is one, its period and its monthly compensation.
TEST(ContractsDepartureNotice, D1ComparesTheNoticeWithTheSignedNonCompete) {
  const Template t = MustLoad("cn-departure-notice");
  const json::Value example = ExampleFields("cn-departure-notice");
  // Not compared: a warning, never silence.
  CheckReport r = Check(t, example, CleanContext());
  ASSERT_EQ(Findings(r, "D1").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "D1")[0]->severity, Severity::kWarning);
  EXPECT_TRUE(CanSendForSignature(r));

  CheckContext c = CleanContext();
  c.signed_noncompete =
      SignedNonCompete{true, "a-00000000000000aa", 12, 600000, "广东省深圳市、广州市、东莞市"};
  r = Check(t, example, c);
  EXPECT_TRUE(Findings(r, "D1").empty()) << Dump(r);
  EXPECT_TRUE(r.findings.empty()) << Dump(r);

  // Another period and another amount than signed: one error each.
  json::Value other = example;
  other["restricted_months"] = 24;
  other["compensation_monthly"] = "5000.00";
  r = Check(t, other, c);
  ASSERT_EQ(Findings(r, "D1").size(), 2u) << Dump(r);
  EXPECT_EQ(Findings(r, "D1")[0]->field_id, "restricted_months");
  EXPECT_EQ(Findings(r, "D1")[1]->field_id, "compensation_monthly");
  EXPECT_FALSE(CanSendForSignature(r));

  // A signed non-compete the notice leaves out.
  json::Value silent = example;
  silent["has_noncompete"] = false;
  r = Check(t, silent, c);
  ASSERT_EQ(Findings(r, "D1").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "D1")[0]->field_id, "has_noncompete");
  EXPECT_FALSE(CanSendForSignature(r));

  // A non-compete quoted that was never signed.
  c.signed_noncompete = SignedNonCompete{};
  r = Check(t, example, c);
  ASSERT_EQ(Findings(r, "D1").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "D1")[0]->severity, Severity::kError);
  r = Check(t, silent, c);
  EXPECT_TRUE(Findings(r, "D1").empty()) << Dump(r);
}

// D1 compares the region too, as text without spaces and punctuation.
TEST(ContractsDepartureNotice, D1ComparesTheRegion) {
  const Template t = MustLoad("cn-departure-notice");
  json::Value f = ExampleFields("cn-departure-notice");  // 广东省深圳市、广州市、东莞市
  CheckContext c = CleanContext();
  c.signed_noncompete =
      SignedNonCompete{true, "a-00000000000000aa", 12, 600000, "广东省深圳市、广州市、东莞市"};
  EXPECT_TRUE(Findings(Check(t, f, c), "D1").empty());
  f["restricted_region"] = "广东省深圳市，广州市, 东莞市";
  EXPECT_TRUE(Findings(Check(t, f, c), "D1").empty()) << Dump(Check(t, f, c));
  f["restricted_region"] = "上海市";
  CheckReport r = Check(t, f, c);
  ASSERT_EQ(Findings(r, "D1").size(), 1u) << Dump(r);
  EXPECT_EQ(Findings(r, "D1")[0]->field_id, "restricted_region");
  EXPECT_EQ(Findings(r, "D1")[0]->severity, Severity::kError);
  EXPECT_NE(Findings(r, "D1")[0]->message_zh.find("广东省深圳市"), std::string::npos);
  EXPECT_FALSE(CanSendForSignature(r));
}

}  // namespace
}  // namespace custos::contracts
