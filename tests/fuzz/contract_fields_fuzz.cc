// Fuzzes field values for contract templates (contract-templates/fields.h,
// ValidateFields): the fields JSON a legal user sends to draft, preview and
// check an agreement through the API. Each input is one JSON text, used as
// the fields of every shipped template and as a CheckContext
// (ParseCheckContext), with the shipped minimum wage table. Checks:
//   - validation keeps only declared fields, each of its declared type, and
//     names only declared fields or keys of the input in its errors;
//   - whatever validated, the template renders to HTML and text without
//     error, the same bytes twice, as valid UTF-8; in HTML, a text value
//     holding markup never appears unescaped;
//   - the legal checks run on the partial draft; a draft with field errors
//     can never be sent for signature; the report survives JSON.
// Seed corpus: tests/fuzz/corpus/contract_fields/ (the shipped examples,
// variants and broken ones).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "contract-templates/fields.h"
#include "contract-templates/legal_checks.h"
#include "contract-templates/render.h"
#include "contract-templates/template.h"
#include "tests/fuzz/promise.h"

namespace {

using namespace custos::contracts;
namespace json = custos::json;

using custos::fuzz::Require;

struct Shipped {
  std::vector<Template> templates;
  MinimumWageTable wages;
};

const Shipped& Load() {
  static const Shipped* shipped = [] {
    auto* s = new Shipped();
    const std::string dir = CUSTOS_FUZZ_CONTRACTS_DIR;
    auto list = ListTemplates(dir + "/templates");
    Require(list.ok() && !list->empty(), "the shipped templates load");
    for (const TemplateSummary& summary : *list) {
      auto t = LoadTemplate(summary.path);
      Require(t.ok(), "a shipped template loads");
      s->templates.push_back(std::move(t).value());
    }
    auto wages = MinimumWageTable::Load(dir + "/data/minimum-wages.json");
    Require(wages.ok(), "the shipped wage table loads");
    s->wages = std::move(wages).value();
    return s;
  }();
  return *shipped;
}

void CheckValidation(const Template& t, const json::Value& fields, const FieldValidation& v) {
  for (const auto& [id, value] : v.values) {
    const FieldDef* def = t.FindField(id);
    Require(def != nullptr, "only declared fields have values");
    Require(value.type == def->type, "a value has its field's type");
  }
  for (const FieldError& e : v.errors) {
    Require(!e.message_en.empty() && !e.message_zh.empty(), "an error has both messages");
    Require(e.field_id.empty() || t.FindField(e.field_id) != nullptr ||
                fields.Find(e.field_id) != nullptr,
            "an error names a declared field or a key of the input");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Shipped& shipped = Load();
  json::ParseOptions po;
  po.max_depth = 32;  // as the API parses bodies
  auto fields = json::Parse(std::string_view(reinterpret_cast<const char*>(data), size), po);
  if (!fields.ok()) return 0;

  CheckContext context;
  if (auto parsed = ParseCheckContext(*fields); parsed.ok()) context = *parsed;
  context.minimum_wages = &shipped.wages;

  for (const Template& t : shipped.templates) {
    const FieldValidation validation = ValidateFields(t, *fields);
    CheckValidation(t, *fields, validation);
    for (Format format : {Format::kHtml, Format::kText}) {
      RenderOptions options;
      options.format = format;
      options.classification_marking = "秘密 / CONFIDENTIAL";
      auto once = Render(t, validation.values, options);
      Require(once.ok(), "a template renders with any validated values");
      Require(json::IsValidUtf8(*once), "a rendered document is valid UTF-8");
      auto twice = Render(t, validation.values, options);
      Require(twice.ok() && *twice == *once, "rendering is deterministic");
      if (format != Format::kHtml) continue;
      for (const auto& [id, value] : validation.values) {
        if (value.text.find("<x") == std::string::npos) continue;
        Require(once->find(value.text) == std::string::npos,
                "SECURITY: a value's markup is escaped in HTML");
      }
    }
    const CheckReport report = RunChecks(t, validation, context);
    Require(!CanSendForSignature(report) || validation.ok(), "field errors stop signing");
    Require(report.field_errors.size() == validation.errors.size(),
            "the report carries every field error");
    auto j = json::Parse(json::Serialize(ReportToJson(report)));
    Require(j.ok() && j->is_object(), "the report is a JSON object");
    Require(json::IsValidUtf8(FormatReportText(report, Language::kZh)) &&
                json::IsValidUtf8(FormatReportText(report, Language::kEn)),
            "the report text is valid UTF-8");
  }
  return 0;
}
