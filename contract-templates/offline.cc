#include "contract-templates/offline.h"

#include "contract-templates/fields.h"
#include "contract-templates/internal/values.h"

namespace custos::contracts {

Result<json::Value> LoadFieldsFile(const std::filesystem::path& path) {
  CUSTOS_ASSIGN_OR_RETURN(std::string text, internal::ReadFile(path));
  Result<json::Value> v = json::Parse(text);
  if (!v.ok()) return v.status().Annotate(path.filename().string());
  return v;
}

Result<std::string> RenderFromFiles(const std::filesystem::path& template_path,
                                    const std::filesystem::path& fields_json_path, Format format,
                                    std::string_view classification_marking) {
  CUSTOS_ASSIGN_OR_RETURN(Template tmpl, LoadTemplate(template_path));
  CUSTOS_ASSIGN_OR_RETURN(json::Value fields, LoadFieldsFile(fields_json_path));
  FieldValidation v = ValidateFields(tmpl, fields);
  if (!v.ok()) {
    std::string msg = "invalid fields:";
    for (const FieldError& e : v.errors) {
      msg += " [" + (e.field_id.empty() ? std::string("(fields)") : e.field_id) + "] " +
             e.message_en + ";";
    }
    msg.pop_back();
    return Status::InvalidArgument(msg);
  }
  RenderOptions options;
  options.format = format;
  options.classification_marking = std::string(classification_marking);
  return Render(tmpl, v.values, options);
}

Result<CheckReport> CheckFromFiles(const std::filesystem::path& template_path,
                                   const std::filesystem::path& fields_json_path,
                                   const OfflineCheckOptions& options) {
  CUSTOS_ASSIGN_OR_RETURN(Template tmpl, LoadTemplate(template_path));
  CUSTOS_ASSIGN_OR_RETURN(json::Value fields, LoadFieldsFile(fields_json_path));
  CheckContext context = options.context;
  context.minimum_wages = nullptr;
  MinimumWageTable wages;
  if (!options.minimum_wages_path.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(wages, MinimumWageTable::Load(options.minimum_wages_path));
    context.minimum_wages = &wages;
  }
  context.legal_rules = nullptr;
  std::filesystem::path rules_path = options.legal_rules_path;
  if (rules_path.empty()) {
    std::filesystem::path shipped =
        template_path.parent_path().parent_path() / "data" / "legal-rules.json";
    std::error_code ec;
    if (std::filesystem::exists(shipped, ec)) rules_path = shipped;
  }
  LegalRuleTable rules;
  if (!rules_path.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(rules, LegalRuleTable::Load(rules_path));
    context.legal_rules = &rules;
  }
  return RunChecks(tmpl, ValidateFields(tmpl, fields), context);
}

}  // namespace custos::contracts
