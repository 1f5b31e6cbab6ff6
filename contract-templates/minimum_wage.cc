#include <algorithm>

#include "contract-templates/internal/values.h"
#include "contract-templates/legal_checks.h"

namespace custos::contracts {

Result<MinimumWageTable> MinimumWageTable::Parse(std::string_view json_text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value root, json::Parse(json_text));
  if (!root.is_object()) return Status::InvalidArgument("minimum wages: not a JSON object");
  CUSTOS_ASSIGN_OR_RETURN(std::string format, json::GetString(root, "format"));
  if (format != "custos-minimum-wages/1") {
    return Status::InvalidArgument("minimum wages: unknown format " + format);
  }
  const json::Value* entries = root.Find("entries");
  if (entries == nullptr || !entries->is_array()) {
    return Status::InvalidArgument("minimum wages: \"entries\" must be an array");
  }
  MinimumWageTable table;
  for (size_t i = 0; i < entries->as_array().size(); ++i) {
    const json::Value& e = entries->as_array()[i];
    std::string where = "minimum wages: entries[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(where + " is not an object");
    MinimumWage w;
    Result<std::string> code = json::GetString(e, "region_code");
    if (!code.ok()) return code.status().Annotate(where);
    w.region_code = *code;
    CUSTOS_RETURN_IF_ERROR(ValidateRegionCode(w.region_code).Annotate(where));
    where += " (" + w.region_code + ")";
    Result<std::string> zh = json::GetString(e, "name_zh");
    Result<std::string> en = json::GetString(e, "name_en");
    Result<std::string> eff = json::GetString(e, "effective");
    Result<std::string> monthly = json::GetString(e, "monthly");
    Result<std::string> source = json::GetStringOr(e, "source", "");
    for (const Status& s :
         {zh.status(), en.status(), eff.status(), monthly.status(), source.status()}) {
      if (!s.ok()) return s.Annotate(where);
    }
    w.name_zh = *zh;
    w.name_en = *en;
    w.source = *source;
    Result<CivilDate> d = ParseDate(*eff);
    if (!d.ok()) return Status::InvalidArgument(where + ": effective must be YYYY-MM-DD");
    w.effective = *d;
    Result<int64_t> amount = ParseAmount(*monthly);
    if (!amount.ok() || *amount <= 0) {
      return Status::InvalidArgument(where + ": monthly must be a positive amount");
    }
    w.monthly_minor = *amount;
    if (const json::Value* v = e.Find("verified"); v != nullptr) {
      if (!v->is_bool()) return Status::InvalidArgument(where + ": verified must be a bool");
      w.verified = v->as_bool();
    }
    for (const MinimumWage& prev : table.entries_) {
      if (prev.region_code == w.region_code && prev.effective == w.effective) {
        return Status::InvalidArgument(where + ": duplicate region and effective date");
      }
    }
    table.entries_.push_back(std::move(w));
  }
  // Sorted so lookups and listings are deterministic whatever the file order.
  std::sort(table.entries_.begin(), table.entries_.end(),
            [](const MinimumWage& a, const MinimumWage& b) {
              if (a.region_code != b.region_code) return a.region_code < b.region_code;
              return a.effective < b.effective;
            });
  return table;
}

Result<MinimumWageTable> MinimumWageTable::Load(const std::filesystem::path& path) {
  CUSTOS_ASSIGN_OR_RETURN(std::string text, internal::ReadFile(path));
  Result<MinimumWageTable> t = Parse(text);
  if (!t.ok()) return t.status().Annotate(path.filename().string());
  return t;
}

std::optional<MinimumWage> MinimumWageTable::Find(std::string_view region_code,
                                                  CivilDate as_of) const {
  if (region_code.size() != 6) return std::nullopt;
  std::string candidates[3] = {std::string(region_code),
                               std::string(region_code.substr(0, 4)) + "00",
                               std::string(region_code.substr(0, 2)) + "0000"};
  for (const std::string& code : candidates) {
    const MinimumWage* best = nullptr;
    for (const MinimumWage& w : entries_) {
      if (w.region_code == code && w.effective <= as_of) best = &w;  // sorted by date
    }
    if (best != nullptr) return *best;
  }
  return std::nullopt;
}

}  // namespace custos::contracts
