// Private helpers shared by the loader, the validator, the renderer and the
// checks: parsing one field value, conditions, and small text utilities.
#ifndef CUSTOS_CONTRACT_TEMPLATES_INTERNAL_VALUES_H_
#define CUSTOS_CONTRACT_TEMPLATES_INTERNAL_VALUES_H_

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "base/json.h"
#include "base/status.h"
#include "contract-templates/fields.h"
#include "contract-templates/template.h"

namespace custos::contracts::internal {

struct ValueError {
  std::string zh;
  std::string en;
};

// Parses one JSON value for `def` (type rules in fields.h).
std::variant<FieldValue, ValueError> ParseFieldValue(const FieldDef& def, const json::Value& v);

// The text a condition literal is compared with: option value, "true",
// "12", "2026-03-01", region code, "8000.00".
std::string CanonicalText(const FieldValue& value);

// Truthiness for `if="field"` (see template.h).
bool IsTruthy(const FieldValue& value);

// Syntax only: `field`, `!field`, `field == lit`, `field != lit`, where lit is
// [A-Za-z0-9_.-]+ or '...'. kInvalidArgument otherwise.
Result<Condition> ParseCondition(std::string_view text);

// Calls `on_field(name)` for every {{name}} in `text`, `on_text(piece)` for
// the text between. kInvalidArgument for an unclosed or malformed placeholder.
Status ScanPlaceholders(std::string_view text, const std::function<void(std::string_view)>& on_text,
                        const std::function<void(std::string_view)>& on_field);

// Whole file as bytes. kNotFound when it cannot be opened, kUnavailable on a
// read error.
Result<std::string> ReadFile(const std::filesystem::path& path);

// Province (or SAR) name for the first two digits of a division code; empty
// when unknown.
std::string_view ProvinceName(std::string_view code, Language lang);

// "12,345.67" from minor units.
std::string FormatAmount(int64_t minor_units);

}  // namespace custos::contracts::internal

#endif  // CUSTOS_CONTRACT_TEMPLATES_INTERNAL_VALUES_H_
