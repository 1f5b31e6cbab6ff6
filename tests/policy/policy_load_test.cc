#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/time.h"
#include "policy/policy.h"

namespace custos::policy {
namespace {

std::string SourceRoot() {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  return root != nullptr ? root : CUSTOS_TEST_SOURCE_ROOT;
}

std::string DefaultPolicyPath() { return SourceRoot() + "/policy/default-policy.xml"; }

std::string DefaultPolicyText() {
  std::ifstream in(DefaultPolicyPath(), std::ios::binary);
  EXPECT_TRUE(in) << DefaultPolicyPath();
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The default policy with the first occurrence of `from` replaced by `to`.
std::string Edited(std::string_view from, std::string_view to) {
  std::string text = DefaultPolicyText();
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test edit not applicable: " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Asserts the text is rejected with kInvalidArgument and a message holding
// every one of `parts`. Called through EXPECT_REJECTED, whose trace names the
// caller's line (clang 14 with libstdc++ has no std::source_location).
void ExpectRejected(const std::string& xml, std::initializer_list<std::string_view> parts) {
  Result<Policy> policy = LoadPolicy(xml);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), StatusCode::kInvalidArgument) << policy.status().ToString();
  for (std::string_view part : parts) {
    EXPECT_NE(policy.status().message().find(part), std::string::npos)
        << "message '" << policy.status().message() << "' lacks '" << part << "'";
  }
  // An administrator reading Chinese is told the same, in Chinese.
  EXPECT_EQ(policy.status().message_zh().rfind("策略", 0), 0u)
      << "no Chinese message for '" << policy.status().message() << "': '"
      << policy.status().message_zh() << "'";
}
#define EXPECT_REJECTED(...)          \
  do {                                \
    SCOPED_TRACE("called from here"); \
    ExpectRejected(__VA_ARGS__);      \
  } while (0)

TEST(PolicyLoadTest, DefaultPolicyLoadsWithDocumentedValues) {
  Result<Policy> loaded = LoadPolicyFile(DefaultPolicyPath());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Policy& p = *loaded;
  EXPECT_EQ(p.version(), "2026.1");
  EXPECT_EQ(p.source(), DefaultPolicyText());
  EXPECT_TRUE(p.digest().empty());

  // The three-views rule.
  for (Classification c : {Classification::kInternal, Classification::kConfidential,
                           Classification::kSecret, Classification::kTopSecret}) {
    EXPECT_EQ(p.rules(c).view_quota, 3) << ClassificationId(c);
    EXPECT_TRUE(p.rules(c).reason_required);
  }
  EXPECT_EQ(p.rules(Classification::kPublic).view_quota, std::nullopt);
  EXPECT_EQ(p.rules(Classification::kConfidential).quota_window_days, 30);
  EXPECT_EQ(p.rules(Classification::kTopSecret).quota_window_days, 0);

  // Two approvers for top secret, one for confidential and secret, none below.
  EXPECT_EQ(p.rules(Classification::kTopSecret).loan_approvals, 2);
  EXPECT_EQ(p.rules(Classification::kSecret).loan_approvals, 1);
  EXPECT_EQ(p.rules(Classification::kConfidential).loan_approvals, 1);
  EXPECT_EQ(p.rules(Classification::kInternal).loan_approvals, 0);
  EXPECT_EQ(p.rules(Classification::kPublic).loan_approvals, 0);
  EXPECT_EQ(p.rules(Classification::kTopSecret).max_loan_hours, 24);
  EXPECT_TRUE(p.rules(Classification::kTopSecret).custodian_release);
  EXPECT_FALSE(p.rules(Classification::kConfidential).custodian_release);
  EXPECT_EQ(p.rules(Classification::kTopSecret).reason_min_chars, 10);

  // Owner rule.
  EXPECT_FALSE(p.rules(Classification::kConfidential).owner_needs_loan);
  EXPECT_TRUE(p.rules(Classification::kTopSecret).owner_needs_loan);
  EXPECT_EQ(p.rules(Classification::kSecret).owner_view_quota, 10);

  // Uses.
  EXPECT_EQ(p.rules(Classification::kTopSecret).copy.permission, UsePermission::kForbidden);
  EXPECT_EQ(p.rules(Classification::kTopSecret).export_.permission, UsePermission::kForbidden);
  EXPECT_EQ(p.rules(Classification::kTopSecret).print.permission, UsePermission::kWithApproval);
  EXPECT_EQ(p.rules(Classification::kTopSecret).print.approvals, 2);
  EXPECT_EQ(p.rules(Classification::kSecret).export_.approvals, 2);
  EXPECT_EQ(p.rules(Classification::kPublic).copy.permission, UsePermission::kFree);
  EXPECT_EQ(&p.use_rule(Classification::kSecret, LoanKind::kExport),
            &p.rules(Classification::kSecret).export_);

  // Roles.
  EXPECT_TRUE(p.RolePermits(Role::kApprover, Action::kApproveLoan));
  EXPECT_FALSE(p.RolePermits(Role::kBorrower, Action::kApproveLoan));
  EXPECT_TRUE(p.RolePermits(Role::kCustodian, Action::kReleaseLoan));
  EXPECT_TRUE(p.RolePermits(Role::kAuditor, Action::kReadAuditLog));
  EXPECT_FALSE(p.RolePermits(Role::kAuditor, Action::kViewContent));
  EXPECT_TRUE(p.RolePermits(Role::kAdmin, Action::kApplyPolicy));
  EXPECT_TRUE(p.RolePermits(Role::kHr, Action::kRegisterResignation));
  EXPECT_TRUE(p.RolePermits(Role::kLitigation, Action::kExportEvidence));
  EXPECT_TRUE(p.RolePermits(Role::kLegal, Action::kDraftContract));
  for (Classification c : kAllClassifications) {
    if (c == Classification::kPublic) continue;
    EXPECT_FALSE(p.rules(c).view_roles.test(static_cast<std::size_t>(Role::kAdmin)));
    EXPECT_FALSE(p.rules(c).view_roles.test(static_cast<std::size_t>(Role::kAuditor)));
  }
}

TEST(PolicyLoadTest, DigestIsAttachedByTheCaller) {
  Result<Policy> p = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(p.ok());
  p->set_digest("ab12");
  EXPECT_EQ(p->digest(), "ab12");
}

TEST(PolicyLoadTest, MissingFileIsNotFound) {
  Result<Policy> p = LoadPolicyFile(SourceRoot() + "/policy/no-such-policy.xml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
}

TEST(PolicyLoadTest, MalformedXml) {
  EXPECT_REJECTED("<custos-policy version='1'><roles></custos-policy>", {"malformed XML", "byte"});
  EXPECT_REJECTED("", {"malformed XML"});
  EXPECT_REJECTED("not xml at all", {});
  std::string truncated = DefaultPolicyText();
  truncated.resize(truncated.size() / 2);
  EXPECT_REJECTED(truncated, {"malformed XML"});
}

TEST(PolicyLoadTest, WrongRootOrVersion) {
  EXPECT_REJECTED("<policy version='1'/>", {"<custos-policy>"});
  EXPECT_REJECTED(Edited("<custos-policy version=\"2026.1\">", "<custos-policy>"),
                  {"missing attribute 'version'"});
  EXPECT_REJECTED(Edited("version=\"2026.1\"", "version=\"\""), {"version must not be empty"});
}

TEST(PolicyLoadTest, UnknownNamesAreRejected) {
  EXPECT_REJECTED(Edited("<role id=\"hr\">", "<role id=\"ceo\">"), {"unknown role 'ceo'"});
  EXPECT_REJECTED(Edited("<permit action=\"draft_contract\"/>", "<permit action=\"shred\"/>"),
                  {"unknown action 'shred'", "<role id='legal'>"});
  EXPECT_REJECTED(Edited("<classification id=\"secret\">", "<classification id=\"restricted\">"),
                  {"unknown classification 'restricted'"});
  EXPECT_REJECTED(
      Edited("<view roles=\"author borrower approver\"/>", "<view roles=\"author boss\"/>"),
      {"unknown role 'boss'", "<classification id='top_secret'>/<view>"});
  EXPECT_REJECTED(Edited("<roles>\n", "<roles><group/>\n"), {"<group>", "expected <role>"});
  EXPECT_REJECTED(Edited("<roles>\n", "<anomalies/><roles>\n"), {"<anomalies>", "unknown element"});
  EXPECT_REJECTED(
      Edited("custodian-release=\"true\"/>", "custodian-release=\"true\" color=\"red\"/>"),
      {"unknown attribute 'color'", "<loan>"});
  EXPECT_REJECTED(Edited("<use action=\"copy\" permission=\"forbidden\"/>",
                         "<use action=\"copy\" permission=\"maybe\"/>"),
                  {"permission must be forbidden, with-approval or free", "top_secret"});
}

TEST(PolicyLoadTest, IncompletePolicyNamesTheMissingElement) {
  EXPECT_REJECTED(Edited("<view-quota views=\"3\" window-days=\"30\"/>", ""),
                  {"<classification id='internal'>", "missing <view-quota>"});
  EXPECT_REJECTED(
      Edited("<view-quota views=\"3\" window-days=\"30\"/>", "<view-quota views=\"3\"/>"),
      {"<view-quota>", "missing attribute 'window-days'"});
  EXPECT_REJECTED(Edited("<reason required=\"true\" min-chars=\"4\"/>", ""),
                  {"<classification id='confidential'>", "missing <reason>"});
  EXPECT_REJECTED(Edited("<loan approvals=\"2\" max-hours=\"24\" custodian-release=\"true\"/>", ""),
                  {"<classification id='top_secret'>", "missing <loan>"});
  EXPECT_REJECTED(Edited("<owner needs-loan=\"false\" view-quota=\"10\"/>", ""),
                  {"<classification id='secret'>", "missing <owner>"});
  EXPECT_REJECTED(Edited("<use action=\"print\" permission=\"free\"/>", ""),
                  {"<classification id='public'>", "missing <use action='print'>"});
  const std::string text = DefaultPolicyText();
  const std::size_t begin = text.find("<classification id=\"secret\">");
  const std::size_t end =
      text.find("</classification>", begin) + std::string("</classification>").size();
  std::string without_secret = text;
  without_secret.erase(begin, end - begin);
  EXPECT_REJECTED(without_secret, {"missing <classification id='secret'>"});
  const std::size_t role_begin = text.find("<role id=\"auditor\">");
  const std::size_t role_end = text.find("</role>", role_begin) + std::string("</role>").size();
  std::string without_auditor = text;
  without_auditor.erase(role_begin, role_end - role_begin);
  EXPECT_REJECTED(without_auditor, {"missing <role id='auditor'>"});
}

TEST(PolicyLoadTest, DuplicatesAreRejected) {
  EXPECT_REJECTED(Edited("<role id=\"hr\">", "<role id=\"admin\">"), {"role defined twice"});
  EXPECT_REJECTED(Edited("<classification id=\"secret\">", "<classification id=\"confidential\">"),
                  {"classification defined twice"});
  EXPECT_REJECTED(Edited("<view-quota views=\"3\" window-days=\"90\"/>",
                         "<view-quota views=\"3\" window-days=\"90\"/><view-quota views=\"5\" "
                         "window-days=\"90\"/>"),
                  {"<view-quota> given twice"});
}

TEST(PolicyLoadTest, BadValuesAreRejected) {
  EXPECT_REJECTED(Edited("<view-quota views=\"3\" window-days=\"30\"/>",
                         "<view-quota views=\"three\" window-days=\"30\"/>"),
                  {"views must be an integer", "'three'"});
  EXPECT_REJECTED(Edited("<view-quota views=\"3\" window-days=\"30\"/>",
                         "<view-quota views=\"0\" window-days=\"30\"/>"),
                  {"views must be between 1"});
  EXPECT_REJECTED(Edited("<view-quota views=\"3\" window-days=\"30\"/>",
                         "<view-quota views=\"3\" window-days=\"-1\"/>"),
                  {"window-days must be between 0"});
  EXPECT_REJECTED(Edited("<reason required=\"true\" min-chars=\"4\"/>",
                         "<reason required=\"yes\" min-chars=\"4\"/>"),
                  {"required must be 'true' or 'false'"});
  EXPECT_REJECTED(Edited("<reason required=\"true\" min-chars=\"4\"/>",
                         "<reason required=\"true\" min-chars=\"0\"/>"),
                  {"min-chars must be at least 1"});
  EXPECT_REJECTED(Edited("<loan approvals=\"1\" max-hours=\"72\" custodian-release=\"false\"/>",
                         "<loan approvals=\"1\" max-hours=\"0\" custodian-release=\"false\"/>"),
                  {"max-hours must be above 0"});
  EXPECT_REJECTED(
      Edited("<loan approvals=\"2\" max-hours=\"24\"", "<loan approvals=\"9\" max-hours=\"24\""),
      {"approvals must be between 0 and 5"});
  EXPECT_REJECTED(Edited("<use action=\"export\" permission=\"with-approval\" approvals=\"2\"/>",
                         "<use action=\"export\" permission=\"with-approval\"/>"),
                  {"missing attribute 'approvals'"});
  EXPECT_REJECTED(Edited("<use action=\"copy\" permission=\"forbidden\"/>",
                         "<use action=\"copy\" permission=\"forbidden\" approvals=\"1\"/>"),
                  {"approvals must be between 0 and 0"});
  EXPECT_REJECTED(Edited("<use action=\"copy\" permission=\"free\"/>",
                         "<use action=\"scan\" permission=\"free\"/>"),
                  {"action must be copy, print or export"});
  EXPECT_REJECTED(Edited("<roles>\n", "<roles>stray text\n"), {"unexpected text"});
}

TEST(PolicyLoadTest, AQuotaOverAWindowCountsAtMostTheViewsTheVaultKeeps) {
  // The vault keeps 1 024 view times per person and file: a quota above
  // that within a window of days could never be reached (every view would
  // be allowed), so it is refused; without a window the count is exact.
  EXPECT_REJECTED(
      Edited("<view-quota views=\"3\" window-days=\"30\"/>",
             "<view-quota views=\"1025\" window-days=\"30\"/>"),
      {"<view-quota>", "views=\"1025\" is more than 1024 views in a window of days", "unlimited"});
  EXPECT_REJECTED(Edited("<owner needs-loan=\"false\" view-quota=\"10\"/>",
                         "<owner needs-loan=\"false\" view-quota=\"5000\"/>"),
                  {"<owner>", "view-quota=\"5000\" is more than 1024"});
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"<view-quota views=\"3\" window-days=\"30\"/>",
            "<view-quota views=\"1024\" window-days=\"30\"/>"},
           {"<view-quota views=\"3\" window-days=\"0\"/>",
            "<view-quota views=\"5000\" window-days=\"0\"/>"},
           {"<owner needs-loan=\"true\" view-quota=\"3\"/>",
            "<owner needs-loan=\"true\" view-quota=\"5000\"/>"}}) {
    Result<Policy> p = LoadPolicy(Edited(from, to));
    EXPECT_TRUE(p.ok()) << to << ": " << p.status().ToString();
  }
}

TEST(PolicyLoadTest, AdminAndAuditorNeverGetClassifiedViews) {
  EXPECT_REJECTED(Edited("<view roles=\"author borrower approver\"/>",
                         "<view roles=\"author borrower approver admin\"/>"),
                  {"role 'admin' may never view top_secret content"});
  EXPECT_REJECTED(Edited("<view roles=\"author borrower approver legal\"/>",
                         "<view roles=\"author auditor\"/>"),
                  {"role 'auditor' may never view internal content"});
}

// What the policy page shows an administrator who reads Chinese: the
// element as the XML names it, then the problem in Chinese words.
TEST(PolicyLoadTest, ErrorsAreSaidInChineseToo) {
  const auto zh = [](const std::string& xml) {
    Result<Policy> policy = LoadPolicy(xml);
    return policy.ok() ? std::string("loaded") : policy.status().message_zh();
  };
  EXPECT_EQ(zh(Edited("<view roles=\"author borrower approver legal\"/>",
                      "<view roles=\"author auditor\"/>")),
            "策略 <custos-policy>/<classification id='internal'>/<view>："
            "角色“auditor”任何时候都不能查看内部档案的内容");
  EXPECT_NE(zh(Edited("<view roles=\"author borrower approver legal\"/>",
                      "<view roles=\"author boss\"/>"))
                .find("boss"),
            std::string::npos);
  EXPECT_NE(zh("<custos-policy version='1'><roles></custos-policy>").find("XML 格式错误"),
            std::string::npos);
}

constexpr std::string_view kPolicyEnd = "</custos-policy>";

std::string WithWorkHours(std::string_view element) {
  return Edited(kPolicyEnd, std::string(element) + std::string(kPolicyEnd));
}

TEST(PolicyLoadTest, WorkHoursAreOptionalAndParsed) {
  Result<Policy> plain = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->work_hours(), nullptr);  // the shipped default sets none

  Result<Policy> p = LoadPolicy(WithWorkHours(
      R"(<work-hours utc-offset="+08:00" start="08:30" end="18:00" days="mon tue wed thu fri">
           <workday date="2026-10-10"/>
           <holiday date="2026-10-08"/>
           <holiday date="2026-10-01"/>
         </work-hours>)"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const anomaly::WorkHours* h = p->work_hours();
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->utc_offset_minutes, 480);
  EXPECT_EQ(h->start_minute, 8 * 60 + 30);
  EXPECT_EQ(h->end_minute, 18 * 60);
  EXPECT_EQ(h->weekdays, 0b0011111);
  EXPECT_EQ(h->holidays,
            (std::vector<int64_t>{DaysFromCivil({2026, 10, 1}), DaysFromCivil({2026, 10, 8})}));
  EXPECT_EQ(h->extra_workdays, std::vector<int64_t>{DaysFromCivil({2026, 10, 10})});

  Result<Policy> west = LoadPolicy(
      WithWorkHours(R"(<calendar utc-offset="-05:30"/>)"
                    R"(<work-hours utc-offset="-05:30" start="00:00" end="24:00" days="sun"/>)"));
  ASSERT_TRUE(west.ok()) << west.status().ToString();
  EXPECT_EQ(west->work_hours()->utc_offset_minutes, -330);
  EXPECT_EQ(west->work_hours()->end_minute, 1440);
  EXPECT_EQ(west->work_hours()->weekdays, 0b1000000);
}

// The company's calendar: the date "today" wherever the vault compares one.
TEST(PolicyLoadTest, TheCalendarIsChinasUnlessThePolicySetsAnother) {
  // 2027-01-15T16:30Z is 00:30 on the 16th in Beijing.
  const UnixMillis t = *ParseRfc3339("2027-01-15T16:30:00Z");
  Result<Policy> plain = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->utc_offset_minutes(), 480);
  EXPECT_EQ(FormatDate(plain->LocalDate(t)), "2027-01-16");
  EXPECT_EQ(FormatDate(plain->LocalDate(t - 31 * 60 * 1000)), "2027-01-15");  // 23:59

  Result<Policy> west = LoadPolicy(WithWorkHours(R"(<calendar utc-offset="-05:00"/>)"));
  ASSERT_TRUE(west.ok()) << west.status().ToString();
  EXPECT_EQ(west->utc_offset_minutes(), -300);
  EXPECT_EQ(FormatDate(west->LocalDate(t)), "2027-01-15");
  EXPECT_EQ(FormatDate(west->LocalDate(*ParseRfc3339("2027-01-16T04:59:59Z"))), "2027-01-15");
  EXPECT_EQ(FormatDate(west->LocalDate(*ParseRfc3339("2027-01-16T05:00:00Z"))), "2027-01-16");

  // Working hours share the calendar's clock: on another one they need a
  // <calendar> that says so (the dates never follow the hours silently, so
  // removing the hours does not move them).
  EXPECT_REJECTED(
      WithWorkHours(R"(<work-hours utc-offset="+00:00" start="09:00" end="17:00" days="mon"/>)"),
      {"<work-hours> is at +00:00 but the company's calendar is +08:00",
       R"(add <calendar utc-offset="+00:00"/>)"});
  Result<Policy> both = LoadPolicy(
      WithWorkHours(R"(<calendar utc-offset="+00:00"/>)"
                    R"(<work-hours utc-offset="+00:00" start="09:00" end="17:00" days="mon"/>)"));
  ASSERT_TRUE(both.ok()) << both.status().ToString();

  EXPECT_REJECTED(WithWorkHours(R"(<calendar utc-offset="+08:00"/>)"
                                R"(<work-hours utc-offset="+00:00" start="09:00" end="17:00" )"
                                R"(days="mon"/>)"),
                  {"<calendar>", "utc-offset +08:00 differs from <work-hours>'s +00:00"});
  EXPECT_REJECTED(WithWorkHours(R"(<calendar utc-offset="8"/>)"),
                  {"<calendar>", "utc-offset must look like +08:00"});
  EXPECT_REJECTED(WithWorkHours(R"(<calendar utc-offset="-14:30"/>)"), {"within ±14:00"});
  EXPECT_REJECTED(WithWorkHours(R"(<calendar/>)"), {"missing attribute 'utc-offset'"});
  EXPECT_REJECTED(WithWorkHours(R"(<calendar utc-offset="+08:00" zone="Asia/Shanghai"/>)"),
                  {"unknown attribute 'zone'"});
  EXPECT_REJECTED(
      WithWorkHours(R"(<calendar utc-offset="+08:00"/><calendar utc-offset="+08:00"/>)"),
      {"given twice"});
  EXPECT_REJECTED(WithWorkHours(R"(<calendar utc-offset="+08:00"><day/></calendar>)"),
                  {"<day>", "unknown element"});
}

TEST(PolicyLoadTest, BadWorkHoursAreRejected) {
  const auto hours = [](std::string_view attrs, std::string_view children = "") {
    return WithWorkHours("<work-hours " + std::string(attrs) + ">" + std::string(children) +
                         "</work-hours>");
  };
  const std::string ok = R"(utc-offset="+08:00" start="08:00" end="20:00" days="mon fri")";
  EXPECT_REJECTED(hours(R"(utc-offset="8" start="08:00" end="20:00" days="mon")"),
                  {"<work-hours>", "utc-offset must look like +08:00"});
  EXPECT_REJECTED(hours(R"(utc-offset="+15:00" start="08:00" end="20:00" days="mon")"),
                  {"within ±14:00"});
  EXPECT_REJECTED(hours(R"(utc-offset="+08:00" start="8:00" end="20:00" days="mon")"),
                  {"start must be a time HH:MM"});
  EXPECT_REJECTED(hours(R"(utc-offset="+08:00" start="08:00" end="24:30" days="mon")"),
                  {"end must be a time HH:MM"});
  EXPECT_REJECTED(hours(R"(utc-offset="+08:00" start="20:00" end="08:00" days="mon")"),
                  {"end must be after start"});
  EXPECT_REJECTED(hours(R"(utc-offset="+08:00" start="08:00" end="20:00" days="")"),
                  {"at least one working weekday"});
  EXPECT_REJECTED(hours(R"(utc-offset="+08:00" start="08:00" end="20:00" days="monday")"),
                  {"days lists mon", "'monday'"});
  EXPECT_REJECTED(hours(R"(utc-offset="+08:00" start="08:00" end="20:00" days="mon mon")"),
                  {"'mon' given twice"});
  EXPECT_REJECTED(hours(R"(start="08:00" end="20:00" days="mon")"),
                  {"missing attribute 'utc-offset'"});
  EXPECT_REJECTED(hours(ok + R"( timezone="Asia/Shanghai")"), {"unknown attribute 'timezone'"});
  EXPECT_REJECTED(hours(ok, R"(<holiday date="2026-02-30"/>)"), {"<holiday>", "YYYY-MM-DD"});
  EXPECT_REJECTED(hours(ok, R"(<holiday date="2026-10-01"/><holiday date="2026-10-01"/>)"),
                  {"given twice"});
  EXPECT_REJECTED(hours(ok, R"(<holiday date="2026-10-01"/><workday date="2026-10-01"/>)"),
                  {"both a holiday and a working day"});
  EXPECT_REJECTED(hours(ok, R"(<vacation date="2026-10-01"/>)"), {"<vacation>", "unknown element"});
  EXPECT_REJECTED(hours(ok, "9 to 5"), {"unexpected text"});
  EXPECT_REJECTED(WithWorkHours("<work-hours " + ok + "/><work-hours " + ok + "/>"),
                  {"<work-hours>", "given twice"});
}

// An administrator who writes a rule as text or as a child element where
// Custos reads only attributes must be told, not have the rule left out:
// <view-quota views="unlimited" …>3</view-quota> would otherwise apply no
// quota at all. A version stored when it was applied (before this check) is
// still read, so the vault holding it opens.
TEST(PolicyLoadTest, TextOrElementsInsideAnElementOfAttributesAreRefusedInANewPolicy) {
  constexpr std::string_view kElement = "unknown element";
  constexpr std::string_view kText = "unexpected text";
  const std::vector<std::pair<std::string, std::string_view>> policies = {
      {Edited("<permit action=\"view_content\"/>",
              "<permit action=\"view_content\"><when role=\"sales\"/></permit>"),
       kElement},
      {Edited("<permit action=\"view_content\"/>",
              "<permit action=\"view_content\">only mine</permit>"),
       kText},
      {Edited("<view roles=\"author borrower approver legal\"/>",
              "<view roles=\"author borrower approver legal\"><deny role=\"legal\"/></view>"),
       kElement},
      {Edited("<view-quota views=\"3\" window-days=\"30\"/>",
              "<view-quota views=\"3\" window-days=\"30\">1</view-quota>"),
       kText},
      {Edited("<reason required=\"true\" min-chars=\"4\"/>",
              "<reason required=\"true\" min-chars=\"4\"><min-chars>20</min-chars></reason>"),
       kElement},
      {Edited("<loan approvals=\"1\" max-hours=\"72\" custodian-release=\"false\"/>",
              "<loan approvals=\"1\" max-hours=\"72\" custodian-release=\"false\">24</loan>"),
       kText},
      {Edited("<owner needs-loan=\"false\" view-quota=\"10\"/>",
              "<owner needs-loan=\"false\" view-quota=\"10\"><![CDATA[3]]></owner>"),
       kText},
      {Edited("<use action=\"print\" permission=\"free\"/>",
              "<use action=\"print\" permission=\"free\"><approvals>1</approvals></use>"),
       kElement},
      {WithWorkHours(R"(<work-hours utc-offset="+08:00" start="08:00" end="20:00" days="mon">)"
                     R"(<holiday date="2026-10-01"><workday date="2026-10-02"/></holiday>)"
                     "</work-hours>"),
       kElement},
  };
  for (const auto& [xml, why] : policies) {
    EXPECT_REJECTED(xml, {why});
    Result<Policy> stored = LoadPolicy(xml, PolicyText::kStored);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
  }
  // A stored read refuses all else as before, such as text in an element
  // that holds elements.
  EXPECT_FALSE(LoadPolicy(Edited("<roles>\n", "<roles>stray text\n"), PolicyText::kStored).ok());
}

TEST(PolicyLoadTest, AnomalyThresholdsDefaultOrFromThePolicy) {
  Result<Policy> plain = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->anomaly_thresholds().spike_factor, anomaly::kSpikeFactor);
  EXPECT_EQ(plain->anomaly_thresholds().denials, anomaly::kDenialThreshold);
  EXPECT_EQ(plain->anomaly_thresholds().denial_window_millis, anomaly::kDenialWindowMillis);

  Result<Policy> p = LoadPolicy(
      WithWorkHours(R"(<anomaly-rules spike-factor="4" denials="2" denial-window-minutes="5"/>)"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const anomaly::Thresholds& t = p->anomaly_thresholds();
  EXPECT_EQ(t.spike_factor, 4);
  EXPECT_EQ(t.spike_min_views, anomaly::kSpikeMinViews);  // not given: the default
  EXPECT_EQ(t.baseline_min_active_days, anomaly::kBaselineMinActiveDays);
  EXPECT_EQ(t.denials, 2);
  EXPECT_EQ(t.denial_window_millis, 5 * 60'000);

  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules spike-factor="1"/>)"),
                  {"<anomaly-rules>", "spike-factor must be between 2 and 100"});
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules denials="33"/>)"),
                  {"denials must be between 2 and 32"});
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules baseline-min-days="31"/>)"),
                  {"baseline-min-days must be between 1 and 30"});
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules denial-window-minutes="0"/>)"),
                  {"denial-window-minutes"});
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules threshold="3"/>)"),
                  {"unknown attribute 'threshold'"});
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules/><anomaly-rules/>)"), {"given twice"});
}

TEST(PolicyLoadTest, TwoPersonRolesDefaultOrFromThePolicy) {
  const std::string shipped = R"(<user-admin two-person-roles="approver custodian admin"/>)";
  Result<Policy> plain = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(plain.ok());
  for (Role r : kAllRoles) {
    const bool guarded = r == Role::kApprover || r == Role::kCustodian || r == Role::kAdmin;
    EXPECT_EQ(plain->GrantNeedsSecondAdmin(r), guarded) << RoleId(r);
  }
  // Without the element: the same safe default.
  Result<Policy> absent = LoadPolicy(Edited(shipped, ""));
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_TRUE(absent->GrantNeedsSecondAdmin(Role::kAdmin));
  EXPECT_FALSE(absent->GrantNeedsSecondAdmin(Role::kAuthor));
  // A company may guard other roles, or none.
  Result<Policy> legal = LoadPolicy(Edited(shipped, R"(<user-admin two-person-roles="legal"/>)"));
  ASSERT_TRUE(legal.ok()) << legal.status().ToString();
  EXPECT_TRUE(legal->GrantNeedsSecondAdmin(Role::kLegal));
  EXPECT_FALSE(legal->GrantNeedsSecondAdmin(Role::kAdmin));
  Result<Policy> none = LoadPolicy(Edited(shipped, R"(<user-admin two-person-roles=""/>)"));
  ASSERT_TRUE(none.ok());
  for (Role r : kAllRoles) EXPECT_FALSE(none->GrantNeedsSecondAdmin(r));

  EXPECT_REJECTED(Edited(shipped, R"(<user-admin two-person-roles="king"/>)"), {"<user-admin>"});
  EXPECT_REJECTED(Edited(shipped, R"(<user-admin/>)"), {"missing attribute 'two-person-roles'"});
  EXPECT_REJECTED(Edited(shipped, shipped + shipped), {"<user-admin>", "given twice"});
}

TEST(PolicyLoadTest, OutsideAssignmentThresholdAndExemptRoles) {
  Result<Policy> plain = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(plain.ok());
  const anomaly::Thresholds& d = plain->anomaly_thresholds();
  EXPECT_EQ(d.outside_assignment_per_day, anomaly::kOutsideAssignmentPerDay);
  EXPECT_TRUE(d.outside_assignment_exempt.test(static_cast<size_t>(Role::kCustodian)));
  EXPECT_FALSE(d.outside_assignment_exempt.test(static_cast<size_t>(Role::kBorrower)));
  Result<Policy> p = LoadPolicy(WithWorkHours(
      R"(<anomaly-rules outside-assignment-per-day="0" outside-assignment-exempt="legal"/>)"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->anomaly_thresholds().outside_assignment_per_day, 0);  // off
  EXPECT_TRUE(
      p->anomaly_thresholds().outside_assignment_exempt.test(static_cast<size_t>(Role::kLegal)));
  EXPECT_FALSE(p->anomaly_thresholds().outside_assignment_exempt.test(
      static_cast<size_t>(Role::kCustodian)));
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules outside-assignment-per-day="-1"/>)"),
                  {"outside-assignment-per-day"});
  EXPECT_REJECTED(WithWorkHours(R"(<anomaly-rules outside-assignment-exempt="king"/>)"),
                  {"<anomaly-rules>"});
}

TEST(PolicyLoadTest, CustomerConfirmationModeFromThePolicy) {
  const std::string shipped = R"(<departure customer-confirmation="required"/>)";
  Result<Policy> plain = LoadPolicy(DefaultPolicyText());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->customer_confirmation(), CustomerConfirmation::kRequired);
  Result<Policy> absent = LoadPolicy(Edited(shipped, ""));
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_EQ(absent->customer_confirmation(), CustomerConfirmation::kOptional);
  Result<Policy> off = LoadPolicy(Edited(shipped, R"(<departure customer-confirmation="off"/>)"));
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_EQ(off->customer_confirmation(), CustomerConfirmation::kOff);
  EXPECT_EQ(CustomerConfirmationId(off->customer_confirmation()), "off");

  EXPECT_REJECTED(Edited(shipped, R"(<departure customer-confirmation="maybe"/>)"),
                  {"<departure>", "required, optional or off"});
  EXPECT_REJECTED(Edited(shipped, R"(<departure/>)"),
                  {"missing attribute 'customer-confirmation'"});
  EXPECT_REJECTED(Edited(shipped, shipped + shipped), {"<departure>", "given twice"});
}

}  // namespace
}  // namespace custos::policy
