// Legal checks on a filled template (legal-rules.md, "Checks a drafting tool
// can make"): N1–N10 for non-competes, C1–C5 for NDAs, U1–U2 for US NDAs.
//
// The checks are pure: they read the template, the validated field values and
// a CheckContext of facts the vault knows (who the employee is, what they
// accessed, what was signed). A fact left unset is unknown; see
// contract-templates/README.md for what each check does then. In short:
// facts that the law makes a condition of validity (N3 access to secrets, N6
// wage floors) give a "not verified" warning when unknown; facts about events
// that happen after drafting (N10 signature and delivery, C4 timing, C5 loss)
// are only checked when given.
//
// Thread-safety: values and pure functions; a MinimumWageTable is immutable
// after loading and may be shared.
#ifndef CUSTOS_CONTRACT_TEMPLATES_LEGAL_CHECKS_H_
#define CUSTOS_CONTRACT_TEMPLATES_LEGAL_CHECKS_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "contract-templates/fields.h"
#include "contract-templates/template.h"

namespace custos::contracts {

// One local minimum monthly wage (月最低工资标准, first tier for the region).
struct MinimumWage {
  std::string region_code;  // GB/T 2260, e.g. "440300"
  std::string name_zh;
  std::string name_en;
  CivilDate effective;
  int64_t monthly_minor = 0;  // 分
  std::string source;         // the notice it comes from
  // False when the figure could not be confirmed against the official notice;
  // findings that rely on it say so. Absent in the data file = false.
  bool verified = false;
};

// The per-region minimum wages, loaded from a JSON data file
// (contract-templates/data/minimum-wages.json) so that figures can be updated
// without a rebuild.
class MinimumWageTable {
 public:
  MinimumWageTable() = default;

  // kInvalidArgument naming the entry when the JSON is malformed.
  static Result<MinimumWageTable> Parse(std::string_view json_text);
  // kNotFound when the file cannot be read; otherwise as Parse.
  static Result<MinimumWageTable> Load(const std::filesystem::path& path);

  // The entry in force on `as_of` for `region_code`: the exact code first,
  // then its prefecture (first four digits + "00"), then its province (first
  // two + "0000"). Among entries for that code, the latest effective on or
  // before `as_of`. nullopt when nothing matches.
  std::optional<MinimumWage> Find(std::string_view region_code, CivilDate as_of) const;

  const std::vector<MinimumWage>& entries() const { return entries_; }

 private:
  std::vector<MinimumWage> entries_;
};

// One rule the checks apply, loaded from contract-templates/data/legal-rules.json:
// which check, the governing law it is for, its source (with article), the
// period it is in force and the thresholds it sets.
struct LegalRule {
  std::string rule_id;  // "C5"
  std::string law;      // "CN", "US" (any state) or "US-CA"
  CivilDate effective;
  std::optional<CivilDate> until;  // last day in force, when it was replaced
  std::string source;              // "民法典 第五百八十五条 / Civil Code Art. 585"
  std::map<std::string, double, std::less<>> params;  // e.g. {"max_months": 24}
  bool verified = false;  // false: not confirmed against the official text
  std::string note;
};

// The rules data. Immutable after loading; may be shared.
class LegalRuleTable {
 public:
  LegalRuleTable() = default;

  // kInvalidArgument naming the entry when the JSON is malformed, a period
  // is empty, or two rows of one rule and law overlap.
  static Result<LegalRuleTable> Parse(std::string_view json_text);
  // kNotFound when the file cannot be read; otherwise as Parse.
  static Result<LegalRuleTable> Load(const std::filesystem::path& path);

  // The row for `rule_id` and exactly `law` in force on `date`, or null.
  const LegalRule* Find(std::string_view rule_id, std::string_view law, CivilDate date) const;

  const std::vector<LegalRule>& entries() const { return entries_; }

 private:
  std::vector<LegalRule> entries_;
};

// The governing law of a filled template: the template's governing-law; for
// "US", "US-CA" when the governing_state field names California.
std::string GoverningLaw(const Template& tmpl, const FieldValues& values);

enum class EmployeeCategory {
  kSeniorManagement,     // 高级管理人员
  kSeniorTechnical,      // 高级技术人员
  kConfidentialityDuty,  // 其他负有保密义务的人员
  kOther,                // none of the above: not eligible for a non-compete
};

// D1: the employee's signed non-compete as the vault holds it.
struct SignedNonCompete {
  bool exists = false;  // false: the employee has no completed non-compete
  std::string agreement_id;
  int64_t months = 0;         // restricted_months
  int64_t monthly_minor = 0;  // compensation_monthly, in 分
  // restricted_region as written; empty: not known, not compared.
  std::string region;
};

// Facts the checks may use. Unset = unknown.
struct CheckContext {
  // D1 (departure notice). What the notice quotes must match this; unset:
  // not compared (a warning says so).
  std::optional<SignedNonCompete> signed_noncompete;
  // N3. Overrides the template's employee_category field when set.
  std::optional<EmployeeCategory> employee_category;
  // N3. Whether the vault links a record of trade secrets the person accessed.
  std::optional<bool> secret_access_record_exists;
  // N6. Average monthly wage over the 12 months before leaving, in 分;
  // overrides the template's average_monthly_wage field when set.
  std::optional<int64_t> average_monthly_wage_minor;
  // N6. Work region (GB/T 2260); overrides the template's work_region field.
  std::optional<std::string> region_code;
  // The contract's date, for choosing the rules in force; defaults to the
  // agreement's sign_date field, else its effective_date, else the latest
  // rules. N6 also starts the restricted period here when employment_end is
  // unknown.
  std::optional<CivilDate> as_of;
  // The first day the agreement can be signed (a draft is signed no earlier
  // than the day it is checked). A sign_date or effective_date before it is
  // taken as this day, so a backdated date cannot choose rules that were not
  // yet in force. Ignored when as_of is set.
  std::optional<CivilDate> signed_on_or_after;
  // N6. The day the employment ends (its last day; the restricted period
  // starts the next day).
  std::optional<CivilDate> employment_end;
  // N6. Minimum wage table; when null the floor is reported as not verified.
  const MinimumWageTable* minimum_wages = nullptr;
  // Every check. When null no check runs and the report holds one error
  // (rule "R0"): a draft cannot be judged without its rules.
  const LegalRuleTable* legal_rules = nullptr;
  // N10. Checked only when at least one of these is set.
  std::optional<bool> employee_signed;
  std::optional<bool> employer_signed;
  std::optional<bool> signature_reliable;  // e.g. verified e-signature or attested wet signature
  std::optional<bool> copy_delivered;      // the employee's copy was delivered and recorded
  // C4. Both known: error when signed after first access. Only first access
  // known (a draft not yet signed): warning.
  std::optional<UnixMillis> nda_signed_at;
  std::optional<UnixMillis> first_secret_access_at;
  // C5. Estimated loss from a breach, in minor units of the penalty currency.
  std::optional<int64_t> estimated_loss_minor;
  // CA2. The employee primarily resides and works in California; checked
  // only when true.
  std::optional<bool> employee_in_california;
  // CA2. The employee was individually represented by counsel in negotiating
  // the choice of law and forum (Labor Code §925(e)).
  std::optional<bool> employee_represented_by_counsel;
};

enum class Severity { kError, kWarning };
std::string_view SeverityName(Severity s);  // "error" / "warning"

struct Finding {
  Severity severity = Severity::kError;
  std::string rule_id;   // "N1"
  std::string source;    // "劳动合同法 第二十四条 / Labor Contract Law Art. 24"
  std::string field_id;  // the field concerned, or empty
  std::string message_zh;
  std::string message_en;
};

struct CheckReport {
  std::string template_id;
  std::string template_version;
  std::vector<FieldError> field_errors;  // from ValidateFields
  std::vector<Finding> findings;         // in rule order
};

// Runs every check that applies to the template's kind and governing law
// (a PRC rule never runs on a US contract, nor a US rule on a PRC one), each
// with the rule row in force on the date that matters to it.
// Field errors from `validation` are copied into the report.
CheckReport RunChecks(const Template& tmpl, const FieldValidation& validation,
                      const CheckContext& context);

// True when the report has no field errors and no error findings.
bool CanSendForSignature(const CheckReport& report);

// A readable report in one language, deterministic.
std::string FormatReportText(const CheckReport& report, Language lang);

// {"template_id", "template_version", "can_send_for_signature",
//  "field_errors": [{"field", "message_zh", "message_en"}],
//  "findings": [{"rule", "severity", "source", "field", "message_zh", "message_en"}]}
json::Value ReportToJson(const CheckReport& report);

// Reads a CheckContext from JSON (for the CLI's --context file). Keys, all
// optional: employee_category ("senior_management", "senior_technical",
// "confidentiality_duty", "other"), secret_access_record_exists (bool),
// average_monthly_wage ("12000.00"), region_code, as_of ("YYYY-MM-DD"),
// employee_signed, employer_signed, signature_reliable, copy_delivered
// (bools), nda_signed_at, first_secret_access_at (RFC 3339),
// estimated_loss ("50000.00"), employment_end ("YYYY-MM-DD"),
// employee_in_california, employee_represented_by_counsel (bools).
// minimum_wages and legal_rules are not set. kInvalidArgument
// naming the key on a bad value.
Result<CheckContext> ParseCheckContext(const json::Value& json);

}  // namespace custos::contracts

#endif  // CUSTOS_CONTRACT_TEMPLATES_LEGAL_CHECKS_H_
