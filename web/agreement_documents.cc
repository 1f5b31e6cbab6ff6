#include "web/agreement_documents.h"

#include <string>
#include <utility>

#include "base/time.h"
#include "contract-templates/fields.h"
#include "contract-templates/render.h"
#include "web/static_files.h"

namespace custos::web {

namespace {

namespace fs = std::filesystem;

bool ValidTemplateId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// D1: the signed non-compete the vault found, read through its own
// template (its stored fields are the form's text, e.g. "8000.00").
Result<contracts::SignedNonCompete> SignedNonCompeteOf(const AgreementLibrary& library,
                                                       const vault::CheckFacts& facts) {
  contracts::SignedNonCompete nc;
  if (facts.signed_noncompete_template.empty()) return nc;
  CUSTOS_ASSIGN_OR_RETURN(
      contracts::Template t,
      LoadAgreementTemplate(library.templates_dir, facts.signed_noncompete_template));
  contracts::FieldValidation v = contracts::ValidateFields(t, facts.signed_noncompete_fields);
  nc.exists = true;
  nc.agreement_id = facts.signed_noncompete_id;
  if (auto it = v.values.find("restricted_months"); it != v.values.end()) {
    nc.months = it->second.number;
  }
  if (auto it = v.values.find("compensation_monthly"); it != v.values.end()) {
    nc.monthly_minor = it->second.money.minor_units;
  }
  if (auto it = v.values.find("restricted_region"); it != v.values.end()) {
    nc.region = it->second.text;
  }
  return nc;
}

Result<vault::BuiltDocument> Build(const AgreementLibrary& library, std::string_view template_id,
                                   const json::Value& fields, policy::Classification classification,
                                   const vault::CheckFacts& facts) {
  CUSTOS_ASSIGN_OR_RETURN(contracts::Template tmpl,
                          LoadAgreementTemplate(library.templates_dir, template_id));
  contracts::FieldValidation validation = contracts::ValidateFields(tmpl, fields);
  contracts::CheckContext ctx;
  ctx.secret_access_record_exists = facts.secret_access_record_exists;
  ctx.first_secret_access_at = facts.first_secret_access_at;
  ctx.nda_signed_at = facts.nda_signed_at;
  ctx.employee_signed = facts.employee_signed;
  ctx.employer_signed = facts.employer_signed;
  ctx.signature_reliable = facts.signature_reliable;
  ctx.copy_delivered = facts.copy_delivered;
  if (facts.employment_end) {
    auto end = ParseDate(*facts.employment_end);
    if (end.ok()) ctx.employment_end = *end;
  }
  if (auto first = ParseDate(facts.signed_on_or_after); first.ok()) {
    ctx.signed_on_or_after = *first;
  }
  if (facts.noncompete_known && tmpl.kind == "departure-notice") {
    CUSTOS_ASSIGN_OR_RETURN(ctx.signed_noncompete, SignedNonCompeteOf(library, facts));
  }
  ctx.minimum_wages = library.minimum_wages.get();
  ctx.legal_rules = library.legal_rules.get();
  contracts::CheckReport report = contracts::RunChecks(tmpl, validation, ctx);
  contracts::RenderOptions ro;
  ro.format = contracts::Format::kHtml;
  ro.classification_marking = std::string(policy::ClassificationLabelZh(classification)) + " / " +
                              std::string(policy::ClassificationLabelEn(classification));
  CUSTOS_ASSIGN_OR_RETURN(std::string html, contracts::Render(tmpl, validation.values, ro));
  vault::BuiltDocument d;
  d.template_version = tmpl.version;
  d.kind = tmpl.kind;
  d.title = tmpl.title;
  d.language = std::string(contracts::LanguageTag(tmpl.language));
  d.html = std::move(html);
  d.report = contracts::ReportToJson(report);
  d.can_send = contracts::CanSendForSignature(report);
  for (const contracts::FieldDef& def : tmpl.fields) {
    if (!def.default_value || fields.Find(def.id) != nullptr) continue;
    d.defaults[def.id] = def.type == contracts::FieldType::kBool
                             ? json::Value(*def.default_value == "true")
                             : json::Value(*def.default_value);
  }
  return d;
}

}  // namespace

fs::path ShippedLettersDir() { return fs::path(ShareDir()) / "contract-templates" / "letters"; }

AgreementLibrary ShippedAgreementLibrary(Status* wage_status) {
  const fs::path root = fs::path(ShareDir()) / "contract-templates";
  AgreementLibrary library;
  library.templates_dir = root / "templates";
  library.letters_dir = ShippedLettersDir();
  auto wages = contracts::MinimumWageTable::Load(root / "data" / "minimum-wages.json");
  if (wage_status != nullptr) *wage_status = wages.status();
  if (wages.ok()) {
    library.minimum_wages =
        std::make_shared<const contracts::MinimumWageTable>(std::move(wages).value());
  }
  auto rules = contracts::LegalRuleTable::Load(root / "data" / "legal-rules.json");
  if (wage_status != nullptr && wage_status->ok()) *wage_status = rules.status();
  if (rules.ok()) {
    library.legal_rules =
        std::make_shared<const contracts::LegalRuleTable>(std::move(rules).value());
  }
  return library;
}

Result<contracts::Template> LoadAgreementTemplate(const fs::path& templates_dir,
                                                  std::string_view id) {
  if (!ValidTemplateId(id)) return Status::InvalidArgument("unknown template", "没有这个模板");
  auto t = contracts::LoadTemplate(templates_dir / (std::string(id) + ".xml"));
  if (!t.ok() && t.status().code() == StatusCode::kNotFound) {
    return Status::InvalidArgument("unknown template", "没有这个模板");
  }
  return t;
}

vault::DocumentBuilder AgreementDocumentBuilder(AgreementLibrary library) {
  return [library = std::move(library)](std::string_view template_id, const json::Value& fields,
                                        policy::Classification classification,
                                        const vault::CheckFacts& facts) {
    return Build(library, template_id, fields, classification, facts);
  };
}

vault::CustomerLetterRenderer CustomerLetterRendererOver(fs::path letters_dir) {
  return [dir = std::move(letters_dir)](
             const vault::CustomerLetterFacts& facts) -> Result<std::string> {
    const char* file =
        facts.language == "en" ? "customer-handover-en.xml" : "customer-handover-zh.xml";
    CUSTOS_ASSIGN_OR_RETURN(contracts::Template t, contracts::LoadTemplate(dir / file));
    json::Value fields = json::Value::MakeObject();
    auto set = [&fields](const char* key, const std::string& value) {
      if (!value.empty()) fields[key] = value;
    };
    set("company_name", facts.company_name);
    set("customer_name", facts.customer_name);
    set("leaver_name", facts.leaver_name);
    set("end_date", facts.end_date);
    set("successor_name", facts.successor_name);
    set("successor_department", facts.successor_department);
    set("successor_phone", facts.successor_phone);
    set("successor_email", facts.successor_email);
    set("letter_date", facts.letter_date);
    set("reply_by", facts.reply_by);
    contracts::FieldValidation v = contracts::ValidateFields(t, fields);
    if (!v.errors.empty()) {
      std::string message = "the letter cannot be written:";
      std::string message_zh = "无法生成客户通知函：";
      for (size_t i = 0; i < v.errors.size(); ++i) {
        const contracts::FieldError& e = v.errors[i];
        message += " " + e.field_id + " (" + e.message_en + ")";
        // message_zh names the field by its label.
        if (i > 0) message_zh += "；";
        message_zh += e.message_zh;
      }
      return Status::InvalidArgument(message, message_zh);
    }
    contracts::RenderOptions options;
    options.format = contracts::Format::kHtml;
    return contracts::Render(t, v.values, options);
  };
}

}  // namespace custos::web
