#include "contract-templates/render.h"

#include <cstdlib>
#include <fstream>

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

constexpr const char* kTemplateIds[] = {"cn-b2b-nda",     "cn-departure-notice", "cn-employee-nda",
                                        "cn-non-compete", "mutual-nda",          "us-employee-nda"};

std::string Marking(const Template& t) {
  return t.language == Language::kZh ? "秘密 / CONFIDENTIAL" : "CONFIDENTIAL / 秘密";
}

std::string RenderExample(const std::string& id, Format format) {
  Template t = MustLoad(id);
  FieldValidation v = ValidateFields(t, ExampleFields(id));
  EXPECT_TRUE(v.ok()) << id << ": " << (v.errors.empty() ? "" : v.errors[0].message_en);
  Result<std::string> out = Render(t, v.values, {format, Marking(t)});
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "";
}

// Golden files: regenerate with CUSTOS_UPDATE_GOLDEN=1, then review the diff
// by eye before committing.
void CompareGolden(const std::string& name, const std::string& actual) {
  std::filesystem::path path = SourceRoot() / "tests" / "contract-templates" / "golden" / name;
  if (std::getenv("CUSTOS_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing golden file " << path;
  EXPECT_EQ(ReadAll(path), actual) << "rendering of " << name << " changed";
}

TEST(ContractsRender, EveryTemplateMatchesGoldenHtmlAndText) {
  for (const char* id : kTemplateIds) {
    SCOPED_TRACE(id);
    CompareGolden(std::string(id) + ".html", RenderExample(id, Format::kHtml));
    CompareGolden(std::string(id) + ".txt", RenderExample(id, Format::kText));
  }
}

TEST(ContractsRender, RenderingTwiceGivesIdenticalBytes) {
  for (const char* id : kTemplateIds) {
    SCOPED_TRACE(id);
    for (Format f : {Format::kHtml, Format::kText}) {
      std::string a = RenderExample(id, f);
      std::string b = RenderExample(id, f);
      ASSERT_FALSE(a.empty());
      EXPECT_EQ(a, b);
    }
  }
}

TEST(ContractsRender, FieldOrderInJsonDoesNotMatter) {
  Template t = MustLoad("mutual-nda");
  json::Value fields = ExampleFields("mutual-nda");
  std::string text = json::SerializePretty(fields);
  json::Value reparsed = testing::ParseJson(text);
  FieldValidation a = ValidateFields(t, fields);
  FieldValidation b = ValidateFields(t, reparsed);
  EXPECT_EQ(*Render(t, a.values, {Format::kHtml, "X"}), *Render(t, b.values, {Format::kHtml, "X"}));
}

TEST(ContractsRender, HtmlIsSelfContainedPrintableAndMarked) {
  std::string html = RenderExample("cn-non-compete", Format::kHtml);
  EXPECT_NE(html.find("@page { size: A4;"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("<div class=\"marking marking-top\">秘密 / CONFIDENTIAL</div>"),
            std::string::npos);
  EXPECT_NE(html.find("<div class=\"marking marking-bottom\">秘密 / CONFIDENTIAL</div>"),
            std::string::npos);
  EXPECT_NE(html.find("<h2>第一条 乙方知悉的商业秘密</h2>"), std::string::npos);
  EXPECT_NE(html.find("第十条"), std::string::npos);
  EXPECT_NE(html.find("甲方（用人单位，盖章）"), std::string::npos);
  EXPECT_NE(html.find("乙方（签字）"), std::string::npos);
  EXPECT_NE(html.find("人民币 6,000.00 元（大写：陆仟元整）"), std::string::npos);
}

TEST(ContractsRender, EnglishClausesAreNumberedWithDigits) {
  std::string text = RenderExample("us-employee-nda", Format::kText);
  EXPECT_NE(text.find("1. Purpose\n"), std::string::npos);
  EXPECT_NE(text.find("Notice of Immunity under 18 U.S.C. §1833(b)"), std::string::npos);
  EXPECT_NE(text.find("March 2, 2026"), std::string::npos);
  EXPECT_EQ(text.rfind("\n【CONFIDENTIAL / 秘密】\n"),
            text.size() - std::string("\n【CONFIDENTIAL / 秘密】\n").size());
}

TEST(ContractsRender, FieldValuesAreHtmlEscaped) {
  Template t = MustLoad("mutual-nda");
  json::Value fields = ExampleFields("mutual-nda");
  fields["purpose"] = "<script>alert(1)</script> & \"quotes\"";
  FieldValidation v = ValidateFields(t, fields);
  ASSERT_TRUE(v.ok());
  std::string html = *Render(t, v.values, {Format::kHtml, "<b>CONFIDENTIAL</b>"});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<b>CONFIDENTIAL"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
  // The plain-text form is not escaped.
  std::string text = *Render(t, v.values, {Format::kText, ""});
  EXPECT_NE(text.find("<script>alert(1)</script> & \"quotes\""), std::string::npos);
}

TEST(ContractsRender, ConditionsIncludeAndExcludeClausesAndRenumber) {
  Template t = MustLoad("mutual-nda");
  json::Value fields = ExampleFields("mutual-nda");
  std::string without = *Render(t, ValidateFields(t, fields).values, {Format::kText, ""});
  EXPECT_EQ(without.find("1833(b)"), std::string::npos);
  EXPECT_EQ(without.find("Liquidated Damages"), std::string::npos);
  fields["counterparty_is_individual"] = true;
  fields["has_penalty"] = true;
  fields["penalty_amount"] = "25000";
  FieldValidation v = ValidateFields(t, fields);
  ASSERT_TRUE(v.ok());
  std::string with = *Render(t, v.values, {Format::kText, ""});
  EXPECT_NE(with.find("9. Notice of Immunity under 18 U.S.C. §1833(b)"), std::string::npos);
  EXPECT_NE(with.find("10. Liquidated Damages"), std::string::npos);
  EXPECT_NE(with.find("USD 25,000.00 per such disclosure"), std::string::npos);
}

TEST(ContractsRender, MissingOptionalValueRendersAsBlankLine) {
  Template t = MustLoad("cn-employee-nda");
  FieldValues none;
  std::string text = *Render(t, none, {Format::kText, ""});
  EXPECT_NE(text.find("甲方（用人单位）：__________"), std::string::npos);
}

TEST(ContractsRender, RejectsMultiLineMarking) {
  Template t = MustLoad("cn-employee-nda");
  Result<std::string> r = Render(t, {}, {Format::kHtml, "秘密\n<b>"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(ContractsRender, ChineseArticleNumbers) {
  EXPECT_EQ(ChineseOrdinalArticle(1), "第一条");
  EXPECT_EQ(ChineseOrdinalArticle(10), "第十条");
  EXPECT_EQ(ChineseOrdinalArticle(11), "第十一条");
  EXPECT_EQ(ChineseOrdinalArticle(20), "第二十条");
  EXPECT_EQ(ChineseOrdinalArticle(24), "第二十四条");
  EXPECT_EQ(ChineseOrdinalArticle(101), "第一百零一条");
}

TEST(ContractsRender, CnyAmountInCapitals) {
  Template t = MustLoad("cn-non-compete");
  const FieldDef* def = t.FindField("compensation_monthly");
  ASSERT_NE(def, nullptr);
  auto cap = [&](int64_t minor) {
    FieldValue v;
    v.type = FieldType::kMoney;
    v.money = {minor, "CNY"};
    return FormatValue(t, *def, v);
  };
  EXPECT_EQ(cap(600000), "人民币 6,000.00 元（大写：陆仟元整）");
  EXPECT_EQ(cap(1000100), "人民币 10,001.00 元（大写：壹万零壹元整）");
  EXPECT_EQ(cap(12345678), "人民币 123,456.78 元（大写：壹拾贰万叁仟肆佰伍拾陆元柒角捌分）");
  EXPECT_EQ(cap(100000005), "人民币 1,000,000.05 元（大写：壹佰万元零伍分）");
  EXPECT_EQ(cap(0), "人民币 0.00 元（大写：零元整）");
}

TEST(ContractsRender, RenderFromFilesReportsFieldErrors) {
  std::filesystem::path bad =
      std::filesystem::temp_directory_path() / "custos_contracts_bad_fields.json";
  std::ofstream(bad) << R"({"employee_id_number": "440305199003071235"})";
  Result<std::string> r =
      RenderFromFiles(TemplatePath("cn-employee-nda"), bad, Format::kText, "秘密");
  std::filesystem::remove(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("[employee_id_number]"), std::string::npos);
  EXPECT_NE(r.status().message().find("[employer_name]"), std::string::npos);
}

TEST(ContractsRender, RenderFromFilesMatchesInMemoryRendering) {
  for (const char* id : kTemplateIds) {
    Template t = MustLoad(id);
    Result<std::string> r =
        RenderFromFiles(TemplatePath(id), ExamplePath(id), Format::kHtml, Marking(t));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, RenderExample(id, Format::kHtml));
  }
  EXPECT_EQ(
      RenderFromFiles("no/such.xml", ExamplePath("mutual-nda"), Format::kText, "").status().code(),
      StatusCode::kNotFound);
}

}  // namespace
}  // namespace custos::contracts
