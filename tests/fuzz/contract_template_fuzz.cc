// Fuzzes the contract template loader (contract-templates/template.h,
// ParseTemplate) and what a loaded template promises: "a loaded Template is
// safe to render with any validated set of field values". For each template
// it accepts:
//   - every paragraph scans, and every placeholder, condition and party
//     name field names a declared field (the renderer relies on it and
//     ignores scanning errors);
//   - with the values its defaults give, it renders to HTML and text
//     without error, the same bytes twice, as valid UTF-8;
//   - the legal checks run, and their report survives JSON.
// Seed corpus: tests/fuzz/corpus/contract_template/ (the shipped templates,
// small ones and broken ones).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/json.h"
#include "contract-templates/fields.h"
#include "contract-templates/internal/values.h"
#include "contract-templates/legal_checks.h"
#include "contract-templates/render.h"
#include "contract-templates/template.h"
#include "tests/fuzz/promise.h"

namespace {

using namespace custos::contracts;
namespace json = custos::json;

using custos::fuzz::Require;

void CheckCondition(const Template& t, const std::optional<Condition>& c) {
  if (c) Require(t.FindField(c->field) != nullptr, "a condition names a declared field");
}

void CheckText(const Template& t, std::string_view text) {
  const custos::Status s = internal::ScanPlaceholders(
      text, [](std::string_view) {},
      [&](std::string_view name) {
        Require(t.FindField(name) != nullptr, "a placeholder names a declared field");
      });
  Require(s.ok(), "every paragraph of a loaded template scans");
}

void CheckParagraphs(const Template& t, const std::vector<Paragraph>& ps) {
  for (const Paragraph& p : ps) {
    CheckCondition(t, p.condition);
    CheckText(t, p.text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto t = ParseTemplate(xml);
  if (!t.ok()) {
    Require(t.status().code() == custos::StatusCode::kInvalidArgument,
            "a refusal is kInvalidArgument");
    return 0;
  }
  for (const FieldDef& f : t->fields) CheckCondition(*t, f.condition);
  for (const Party& p : t->parties) {
    Require(t->FindField(p.name_field) != nullptr, "a party's name field is declared");
  }
  CheckParagraphs(*t, t->preamble);
  CheckParagraphs(*t, t->closing);
  for (const Clause& c : t->clauses) {
    CheckCondition(*t, c.condition);
    CheckParagraphs(*t, c.paragraphs);
  }

  const FieldValidation validation = ValidateFields(*t, json::Value::MakeObject());
  for (Format format : {Format::kHtml, Format::kText}) {
    RenderOptions options;
    options.format = format;
    options.classification_marking = "秘密 / CONFIDENTIAL";
    auto once = Render(*t, validation.values, options);
    Require(once.ok(), "a loaded template renders with any validated values");
    Require(json::IsValidUtf8(*once), "a rendered document is valid UTF-8");
    auto twice = Render(*t, validation.values, options);
    Require(twice.ok() && *twice == *once, "rendering is deterministic");
  }

  const CheckReport report = RunChecks(*t, validation, CheckContext{});
  Require(!CanSendForSignature(report) || validation.ok(), "field errors stop signing");
  const std::string j = json::Serialize(ReportToJson(report));
  Require(json::Parse(j).ok(), "the report is JSON");
  Require(json::IsValidUtf8(FormatReportText(report, Language::kZh)) &&
              json::IsValidUtf8(FormatReportText(report, Language::kEn)),
          "the report text is valid UTF-8");
  return 0;
}
