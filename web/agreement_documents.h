// Agreement documents from the template library (contract-templates/): the
// DocumentBuilder the vault's agreements take (vault/agreements/agreements.h). The
// vault may not link the template library (ARCHITECTURE.md: vault → policy,
// base), so whoever opens vault::Agreements passes this builder in. The web
// API and `custos demo` both use it, so an agreement the demo seeds is
// rendered and checked exactly as one a legal user drafts in the UI.
//
// Thread-safety: an AgreementLibrary is a value; the builder holds its own
// copy (the wage table is immutable and shared) and may be called from any
// thread at once. It reads the template file on every call.
#ifndef CUSTOS_WEB_AGREEMENT_DOCUMENTS_H_
#define CUSTOS_WEB_AGREEMENT_DOCUMENTS_H_

#include <filesystem>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "contract-templates/legal_checks.h"
#include "contract-templates/template.h"
#include "vault/agreements/agreements.h"
#include "vault/people/handover.h"

namespace custos::web {

// Where the builder finds its templates and the data its checks read.
struct AgreementLibrary {
  std::filesystem::path templates_dir;  // one <template id>.xml per template
  // Letters (not agreements): customer-handover-zh.xml / -en.xml.
  std::filesystem::path letters_dir;
  // The local minimum wages for check N6; null when none could be loaded
  // (N6 then reports the floor as not verified).
  std::shared_ptr<const contracts::MinimumWageTable> minimum_wages;
  // The legal rules every check reads; null when they could not be loaded
  // (every report then holds the error R0 and nothing can be sent).
  std::shared_ptr<const contracts::LegalRuleTable> legal_rules;
};

// The library shipped with this build: ShareDir()/contract-templates/
// templates, its data/minimum-wages.json and data/legal-rules.json. The
// templates are not read here. When a data file cannot be loaded, its member
// is null and `*wage_status` (if not null) says why; otherwise OK.
AgreementLibrary ShippedAgreementLibrary(Status* wage_status = nullptr);

// ShareDir()/contract-templates/letters, without loading the data files.
std::filesystem::path ShippedLettersDir();

// Template `id` from `templates_dir`. SECURITY: an id is 1–64 characters of
// [a-z0-9-], so it can never name a file outside the folder. Returns
// kInvalidArgument "unknown template" for a malformed id or a template that
// does not exist; other load errors (a malformed template) pass through.
Result<contracts::Template> LoadAgreementTemplate(const std::filesystem::path& templates_dir,
                                                  std::string_view id);

// The vault's DocumentBuilder over `library`: loads the template
// (LoadAgreementTemplate), validates the fields, runs the legal checks with
// the facts the vault passes (C4, N3, N10) and the wage table (N6), and
// renders deterministic HTML carrying the classification marking. Field
// errors and findings are in the report, not failures; a missing template
// is kInvalidArgument.
vault::DocumentBuilder AgreementDocumentBuilder(AgreementLibrary library);

// The vault's CustomerLetterRenderer (vault/people/handover.h) over `letters_dir`:
// the customer-handover letter in the facts' language, as printable HTML.
// kInvalidArgument naming the fields a letter cannot go without (e.g. the
// successor's department when their account has none).
vault::CustomerLetterRenderer CustomerLetterRendererOver(std::filesystem::path letters_dir);

}  // namespace custos::web

#endif  // CUSTOS_WEB_AGREEMENT_DOCUMENTS_H_
