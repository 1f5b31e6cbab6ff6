// Rendering a filled template to printable HTML or plain text.
//
// Output is deterministic: the same template, values and options always give
// the same bytes (no clock, no locale, no unordered containers), so the vault
// can hash and sign the rendered document. Field values are HTML-escaped in
// the HTML form; template wording is trusted (it comes from the shipped
// templates) but is escaped as well, so a template cannot inject markup.
//
// Thread-safety: pure functions.
#ifndef CUSTOS_CONTRACT_TEMPLATES_RENDER_H_
#define CUSTOS_CONTRACT_TEMPLATES_RENDER_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "contract-templates/fields.h"
#include "contract-templates/template.h"

namespace custos::contracts {

enum class Format { kHtml, kText };

struct RenderOptions {
  Format format = Format::kHtml;
  // Shown in a banner at the top and bottom of every page, e.g.
  // "秘密 / CONFIDENTIAL". Empty: no banner.
  std::string classification_marking;
};

// Renders `tmpl` with `values` (normally FieldValidation::values of a draft
// with no errors). A placeholder whose field has no value renders as a blank
// line to fill in by hand. Clauses are numbered in order of those included
// (第一条… for zh-CN, 1. … for en). Fails only with kInvalidArgument when the
// marking is not valid UTF-8 or contains a line break.
Result<std::string> Render(const Template& tmpl, const FieldValues& values,
                           const RenderOptions& options);

// The display form of one value in the template's language, as placed into
// the wording: dates "2026年3月1日" / "March 1, 2026", money
// "人民币 8,000.00 元" / "USD 8,000.00", months "12个月" / "12 months",
// choices their option label, bools 是/否 / yes/no.
std::string FormatValue(const Template& tmpl, const FieldDef& def, const FieldValue& value);

// "第一条" … for n >= 1 (Chinese numerals, up to 9999).
std::string ChineseOrdinalArticle(int n);

}  // namespace custos::contracts

#endif  // CUSTOS_CONTRACT_TEMPLATES_RENDER_H_
