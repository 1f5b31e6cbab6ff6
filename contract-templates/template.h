// Contract templates: the parsed form of a template XML file.
//
// A template (see contract-templates/README.md for the format) carries
// metadata, typed fields, parties, and clauses whose paragraphs hold
// {{field}} placeholders and optional conditions. Loading checks the whole
// file: every placeholder and condition must name a declared field, every
// choice literal must be one of the field's options. A loaded Template is
// therefore safe to render with any validated set of field values.
//
// Thread-safety: Template is a value; a const Template may be shared.
#ifndef CUSTOS_CONTRACT_TEMPLATES_TEMPLATE_H_
#define CUSTOS_CONTRACT_TEMPLATES_TEMPLATE_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace custos::contracts {

// Language of a template's wording and of messages chosen for people.
enum class Language { kZh, kEn };

// "zh-CN" / "en".
std::string_view LanguageTag(Language lang);

enum class FieldType {
  kText,        // free text; multi-line allowed
  kDate,        // "YYYY-MM-DD"
  kMoney,       // non-negative amount with a currency, two decimals at most
  kMonths,      // whole months, >= 0
  kChoice,      // one of the declared options
  kResidentId,  // PRC resident ID number (GB 11643, ISO 7064 MOD 11-2)
  kRegion,      // six-digit PRC administrative division code (GB/T 2260)
  kBool,        // true / false
  kInteger,     // whole number, optional min/max
};

// "text", "date", "money", ... as written in the XML.
std::string_view FieldTypeName(FieldType type);

struct ChoiceOption {
  std::string value;  // what the fields JSON holds
  std::string label;  // what the rendered contract shows (template language)
};

// A tiny condition: `field`, `!field`, `field == literal` or
// `field != literal`. A bare field is true when it has a value that is
// "truthy" (bool true, non-empty text, non-zero number, any date/choice).
struct Condition {
  enum class Op { kTruthy, kFalsy, kEquals, kNotEquals };
  Op op = Op::kTruthy;
  std::string field;
  std::string literal;  // for kEquals / kNotEquals
  std::string source;   // the original text, for messages
};

struct FieldDef {
  std::string id;
  FieldType type = FieldType::kText;
  bool required = false;
  std::optional<Condition> condition;  // field only applies when this holds
  std::string label_zh;
  std::string label_en;
  std::optional<std::string> default_value;  // in the JSON text form of the type
  std::vector<ChoiceOption> options;         // kChoice only
  std::string currency;                      // kMoney: default currency (ISO 4217)
  std::optional<int64_t> min;                // kInteger / kMonths
  std::optional<int64_t> max;                // kInteger / kMonths
};

struct Paragraph {
  std::optional<Condition> condition;
  std::string text;  // with {{field}} placeholders
};

struct Clause {
  std::string id;
  std::string heading;
  std::vector<std::string> tags;  // semantic tags the legal checks look for
  std::optional<Condition> condition;
  std::vector<Paragraph> paragraphs;
};

// A signing party: one signature block each.
struct Party {
  std::string id;            // "employer", "employee", "discloser", ...
  std::string label;         // "甲方（用人单位）" / "Company"
  std::string name_field;    // field holding the party's name
  std::string signer_label;  // "法定代表人或授权代表（签字）" / "By (signature)"
};

struct Template {
  std::string id;  // "cn-employee-nda"
  // "employee-nda", "non-compete", "mutual-nda", "departure-notice" (the
  // obligations notice a leaver signs) or "customer-letter" (a letter, not
  // an agreement: contract-templates/letters/, no clauses needed)
  std::string kind;
  std::string version;  // "1.0"
  Language language = Language::kZh;
  std::string jurisdiction;  // "CN" or "US"
  // The law the contract is governed by, which decides the checks that run:
  // "CN", "US" (state from the governing_state field) or "US-<state>", e.g.
  // "US-CA". The governing-law attribute; defaults to the jurisdiction.
  std::string governing_law;
  std::string title;
  std::vector<std::string> legal_basis;
  std::vector<FieldDef> fields;
  std::vector<Party> parties;
  std::vector<Paragraph> preamble;  // unnumbered, before the clauses
  std::vector<Clause> clauses;
  std::vector<Paragraph> closing;  // unnumbered, after the clauses

  // nullptr when there is no such field.
  const FieldDef* FindField(std::string_view field_id) const;
};

// Parses a template from XML text. Errors are kInvalidArgument naming the
// offending element (and clause/field id where there is one).
Result<Template> ParseTemplate(std::string_view xml_text);

// Reads and parses a template file. kNotFound when the file cannot be
// opened; otherwise as ParseTemplate, with the path in the message.
Result<Template> LoadTemplate(const std::filesystem::path& path);

struct TemplateSummary {
  std::string id;
  std::string kind;
  std::string version;
  Language language = Language::kZh;
  std::string jurisdiction;
  std::string title;
  std::filesystem::path path;
};

// Loads every *.xml file in `dir`, sorted by file name. kNotFound when `dir`
// is not a directory; the first invalid template fails the whole listing
// (a broken template is a bug in the shipped set, not something to skip).
Result<std::vector<TemplateSummary>> ListTemplates(const std::filesystem::path& dir);

}  // namespace custos::contracts

#endif  // CUSTOS_CONTRACT_TEMPLATES_TEMPLATE_H_
