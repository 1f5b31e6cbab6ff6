// Offline entry points for `custos contract render|check`: files in, text or
// a report out, no vault.
//
// Thread-safety: functions read files only; safe to call concurrently.
#ifndef CUSTOS_CONTRACT_TEMPLATES_OFFLINE_H_
#define CUSTOS_CONTRACT_TEMPLATES_OFFLINE_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "contract-templates/legal_checks.h"
#include "contract-templates/render.h"
#include "contract-templates/template.h"

namespace custos::contracts {

// Reads a fields file (a JSON object). kNotFound when unreadable,
// kInvalidArgument when not JSON.
Result<json::Value> LoadFieldsFile(const std::filesystem::path& path);

// Loads the template and fields, validates, renders. kInvalidArgument when
// any field is invalid (the message lists every field error in English), the
// template is invalid or the marking is bad; kNotFound for missing files.
Result<std::string> RenderFromFiles(const std::filesystem::path& template_path,
                                    const std::filesystem::path& fields_json_path, Format format,
                                    std::string_view classification_marking);

struct OfflineCheckOptions {
  // Facts known to the caller; minimum_wages and legal_rules are ignored
  // (see below).
  CheckContext context;
  // Minimum wage data file; empty: N6's floor is reported as not verified.
  std::filesystem::path minimum_wages_path;
  // Legal rules data file; empty: data/legal-rules.json beside the template's
  // folder (the shipped layout), if it exists; otherwise no check runs (R0).
  std::filesystem::path legal_rules_path;
};

// Loads the template and fields and runs every check. Field errors are part
// of the report (not a failure). Fails with kNotFound / kInvalidArgument only
// when a file is missing or the template, JSON or wage table is malformed.
Result<CheckReport> CheckFromFiles(const std::filesystem::path& template_path,
                                   const std::filesystem::path& fields_json_path,
                                   const OfflineCheckOptions& options = {});

}  // namespace custos::contracts

#endif  // CUSTOS_CONTRACT_TEMPLATES_OFFLINE_H_
