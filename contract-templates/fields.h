// Field values: validating a JSON object of field values against a template.
//
// The fields JSON is an object keyed by field id. Accepted JSON forms:
//   text, choice        "string"
//   date                "YYYY-MM-DD"
//   money               "8000.00" | 8000 | {"amount": "8000.00", "currency": "CNY"}
//   months, integer     12 | "12"
//   resident_id         "11010519491231002X" (a lower-case x is accepted)
//   region              "440300" | {"code": "440300", "name": "深圳市"}
//   bool                true | false
// Missing fields take their template default; a required field that still
// has no value (and whose `if` condition holds) is an error. Unknown keys are
// errors too, so a misspelt field id is caught instead of silently ignored.
//
// Thread-safety: values and pure functions.
#ifndef CUSTOS_CONTRACT_TEMPLATES_FIELDS_H_
#define CUSTOS_CONTRACT_TEMPLATES_FIELDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "contract-templates/template.h"

namespace custos::contracts {

struct Money {
  int64_t minor_units = 0;  // cents / 分
  std::string currency;     // ISO 4217, e.g. "CNY", "USD"
};

// One validated value. Only the members that belong to `type` are meaningful.
struct FieldValue {
  FieldType type = FieldType::kText;
  std::string text;         // kText, kChoice (option value), kResidentId, kRegion (code)
  std::string region_name;  // kRegion, optional display name
  CivilDate date;           // kDate
  Money money;              // kMoney
  int64_t number = 0;       // kMonths, kInteger
  bool boolean = false;     // kBool
};

using FieldValues = std::map<std::string, FieldValue, std::less<>>;

struct FieldError {
  std::string field_id;  // empty when the error concerns the whole object
  std::string message_zh;
  std::string message_en;
};

struct FieldValidation {
  FieldValues values;  // every field that parsed (including defaults)
  std::vector<FieldError> errors;
  bool ok() const { return errors.empty(); }
};

// Validates `fields` against `tmpl`. Never fails as a whole: every problem is
// reported as a FieldError, in template field order (object-level and
// unknown-key errors first). Values that parsed are kept even when others
// failed, so the legal checks can still run on a partial draft.
FieldValidation ValidateFields(const Template& tmpl, const json::Value& fields);

// Evaluates a template condition against validated values. A field with no
// value is falsy and equals nothing.
bool EvaluateCondition(const Condition& condition, const FieldValues& values);

// Checks a PRC resident identity number (GB 11643-1999): 18 characters, 17
// digits then a digit or 'X', a plausible province prefix, a real birth date
// in positions 7-14, and the ISO 7064 MOD 11-2 check character. Returns the
// number normalised (upper-case X) or kInvalidArgument saying what is wrong.
Result<std::string> ValidateResidentId(std::string_view id);

// The ISO 7064 MOD 11-2 check character for the first 17 digits ('0'-'9' or
// 'X'). `first17` must be 17 ASCII digits (a bug otherwise: aborts).
char ResidentIdCheckChar(std::string_view first17);

// Checks a six-digit GB/T 2260 division code with a known province prefix.
Status ValidateRegionCode(std::string_view code);

// Parses an amount "1234", "1234.5" or "1234.56" into minor units.
// kInvalidArgument for negatives, more than two decimals or junk.
Result<int64_t> ParseAmount(std::string_view text);

}  // namespace custos::contracts

#endif  // CUSTOS_CONTRACT_TEMPLATES_FIELDS_H_
