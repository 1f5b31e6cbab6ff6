#include "contract-templates/template.h"

#include <gtest/gtest.h>

#include "tests/contract-templates/test_util.h"

namespace custos::contracts {
namespace {

using testing::MustLoad;
using testing::SourceRoot;

TEST(ContractsTemplate, ListsTheShippedTemplates) {
  Result<std::vector<TemplateSummary>> list =
      ListTemplates(SourceRoot() / "contract-templates" / "templates");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 6u);
  EXPECT_EQ((*list)[0].id, "cn-b2b-nda");
  EXPECT_EQ((*list)[0].kind, "mutual-nda");
  EXPECT_EQ((*list)[0].title, "企业间保密协议");
  EXPECT_EQ((*list)[1].id, "cn-departure-notice");
  EXPECT_EQ((*list)[1].kind, "departure-notice");
  EXPECT_EQ((*list)[1].title, "离职保密义务告知书");
  EXPECT_EQ((*list)[2].id, "cn-employee-nda");
  EXPECT_EQ((*list)[2].language, Language::kZh);
  EXPECT_EQ((*list)[2].title, "保密协议");
  EXPECT_EQ((*list)[3].id, "cn-non-compete");
  EXPECT_EQ((*list)[3].kind, "non-compete");
  EXPECT_EQ((*list)[4].id, "mutual-nda");
  EXPECT_EQ((*list)[5].id, "us-employee-nda");
  EXPECT_EQ((*list)[5].jurisdiction, "US");
  EXPECT_EQ(ListTemplates("/no/such/dir").status().code(), StatusCode::kNotFound);
}

// The 2025 revision of the Anti-Unfair Competition Law (in force 2025-10-15)
// may have renumbered the trade-secret article (2019: Art. 9): templates cite
// the 2019 number with its period and the revised text by subject.
TEST(ContractsTemplate, AuclCitationsNameTheTextInForce) {
  for (const char* id : {"cn-b2b-nda", "cn-employee-nda", "cn-non-compete"}) {
    for (const std::string& s : MustLoad(id).legal_basis) {
      if (s.find("反不正当竞争法") == std::string::npos) continue;
      EXPECT_NE(s.find("2019"), std::string::npos) << id << ": " << s;
      EXPECT_NE(s.find("2025-10-15"), std::string::npos) << id << ": " << s;
    }
  }
}

TEST(ContractsTemplate, ParsesMetadataFieldsAndClauses) {
  Template t = MustLoad("cn-non-compete");
  EXPECT_EQ(t.version, "1.1");
  EXPECT_FALSE(t.legal_basis.empty());
  const FieldDef* months = t.FindField("restricted_months");
  ASSERT_NE(months, nullptr);
  EXPECT_EQ(months->type, FieldType::kMonths);
  EXPECT_TRUE(months->required);
  const FieldDef* penalty = t.FindField("penalty_amount");
  ASSERT_NE(penalty, nullptr);
  ASSERT_TRUE(penalty->condition.has_value());
  EXPECT_EQ(penalty->condition->field, "has_penalty");
  EXPECT_EQ(penalty->currency, "CNY");
  ASSERT_EQ(t.parties.size(), 2u);
  EXPECT_EQ(t.parties[1].name_field, "employee_name");
  EXPECT_EQ(t.clauses.front().id, "secrets");
}

TEST(ContractsTemplate, JoinsWrappedChineseLinesWithoutSpaces) {
  Result<Template> t = ParseTemplate(R"(<contract-template id="x" kind="mutual-nda" version="1"
      language="zh-CN" jurisdiction="CN"><title>测试</title>
    <fields><field id="a" type="text" label-zh="甲" label-en="A"/>
            <field id="b" type="text" label-zh="乙" label-en="B"/></fields>
    <parties><party id="a" label="甲方" name-field="a" signer-label="签字"/>
             <party id="b" label="乙方" name-field="b" signer-label="签字"/></parties>
    <clauses><clause id="c" heading="条款"><p>
        第一行
        第二行 and
        English
      </p></clause></clauses></contract-template>)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->clauses[0].paragraphs[0].text, "第一行第二行 and English");
}

std::string Minimal(const std::string& fields, const std::string& clause) {
  return R"(<contract-template id="x" kind="mutual-nda" version="1" language="en" jurisdiction="US">
    <title>T</title><fields><field id="a" type="text" label-zh="甲" label-en="A"/>
    <field id="b" type="text" label-zh="乙" label-en="B"/>)" +
         fields + R"(</fields>
    <parties><party id="a" label="A" name-field="a" signer-label="By"/>
             <party id="b" label="B" name-field="b" signer-label="By"/></parties>
    <clauses>)" +
         clause + "</clauses></contract-template>";
}

void ExpectInvalid(const std::string& xml, const std::string& needle) {
  Result<Template> t = ParseTemplate(xml);
  ASSERT_FALSE(t.ok()) << "expected failure mentioning " << needle;
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find(needle), std::string::npos) << t.status().message();
}

TEST(ContractsTemplate, MinimalTemplateLoads) {
  EXPECT_TRUE(
      ParseTemplate(Minimal("", R"(<clause id="c" heading="H"><p>{{a}}</p></clause>)")).ok());
}

TEST(ContractsTemplate, ErrorsNameTheElement) {
  ExpectInvalid("<not-xml", "XML error");
  ExpectInvalid("<other/>", "<contract-template>");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H"><p>{{nope}}</p></clause>)"),
                "clause id=\"c\"");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H"><p>{{nope}}</p></clause>)"), "{{nope}}");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H"><p>{{a</p></clause>)"), "unclosed");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H" if="zz"><p>x</p></clause>)"),
                "unknown field \"zz\"");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H"><p if="a ~ b">x</p></clause>)"),
                "condition");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H" iff="a"><p>x</p></clause>)"),
                "unknown attribute \"iff\"");
  ExpectInvalid(Minimal("", R"(<clause id="c"><p>x</p></clause>)"), "heading");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H"><p>x</p></clause>
                               <clause id="c" heading="H"><p>y</p></clause>)"),
                "duplicate clause id");
  ExpectInvalid(Minimal(R"(<field id="m" type="money" label-zh="m" label-en="m" default="-5"/>)",
                        R"(<clause id="c" heading="H"><p>x</p></clause>)"),
                "field id=\"m\"");
  ExpectInvalid(Minimal(R"(<field id="k" type="choice" label-zh="k" label-en="k"/>)",
                        R"(<clause id="c" heading="H"><p>x</p></clause>)"),
                "choice without options");
  ExpectInvalid(
      Minimal(
          R"(<field id="k" type="choice" label-zh="k" label-en="k"><option value="x">X</option></field>)",
          R"(<clause id="c" heading="H"><p if="k == y">x</p></clause>)"),
      "not an option of k");
  ExpectInvalid(Minimal(R"(<field id="z" type="colour" label-zh="z" label-en="z"/>)",
                        R"(<clause id="c" heading="H"><p>x</p></clause>)"),
                "unknown field type");
  ExpectInvalid(Minimal(R"(<field id="a" type="text" label-zh="z" label-en="z"/>)",
                        R"(<clause id="c" heading="H"><p>x</p></clause>)"),
                "duplicate field id");
  ExpectInvalid(Minimal("", R"(<clause id="c" heading="H"><p>x<b>y</b></p></clause>)"),
                "text only");
  ExpectInvalid(Minimal("", ""), "no clauses");
}

}  // namespace
}  // namespace custos::contracts
