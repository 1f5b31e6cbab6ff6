#include <algorithm>

#include "contract-templates/internal/values.h"
#include "contract-templates/legal_checks.h"

namespace custos::contracts {

Result<LegalRuleTable> LegalRuleTable::Parse(std::string_view json_text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value root, json::Parse(json_text));
  if (!root.is_object()) return Status::InvalidArgument("legal rules: not a JSON object");
  CUSTOS_ASSIGN_OR_RETURN(std::string format, json::GetString(root, "format"));
  if (format != "custos-legal-rules/1") {
    return Status::InvalidArgument("legal rules: unknown format " + format);
  }
  const json::Value* rules = root.Find("rules");
  if (rules == nullptr || !rules->is_array()) {
    return Status::InvalidArgument("legal rules: \"rules\" must be an array");
  }
  LegalRuleTable table;
  for (size_t i = 0; i < rules->as_array().size(); ++i) {
    const json::Value& e = rules->as_array()[i];
    std::string where = "legal rules: rules[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::InvalidArgument(where + " is not an object");
    LegalRule r;
    Result<std::string> id = json::GetString(e, "rule");
    Result<std::string> law = json::GetString(e, "law");
    Result<std::string> eff = json::GetString(e, "effective");
    Result<std::string> until = json::GetStringOr(e, "until", "");
    Result<std::string> source = json::GetString(e, "source");
    Result<std::string> note = json::GetStringOr(e, "note", "");
    for (const Status& s : {id.status(), law.status(), eff.status(), until.status(),
                            source.status(), note.status()}) {
      if (!s.ok()) return s.Annotate(where);
    }
    r.rule_id = *id;
    r.law = *law;
    r.source = *source;
    r.note = *note;
    where += " (" + r.rule_id + " " + r.law + ")";
    if (r.rule_id.empty() || r.source.empty()) {
      return Status::InvalidArgument(where + ": rule and source must not be empty");
    }
    if (r.law != "CN" && r.law != "US" && !(r.law.size() == 5 && r.law.starts_with("US-"))) {
      return Status::InvalidArgument(where + ": law must be CN, US or US-<state>");
    }
    Result<CivilDate> d = ParseDate(*eff);
    if (!d.ok()) return Status::InvalidArgument(where + ": effective must be YYYY-MM-DD");
    r.effective = *d;
    if (!until->empty()) {
      Result<CivilDate> u = ParseDate(*until);
      if (!u.ok() || *u < r.effective) {
        return Status::InvalidArgument(where + ": until must be a date on or after effective");
      }
      r.until = *u;
    }
    if (const json::Value* v = e.Find("verified"); v != nullptr) {
      if (!v->is_bool()) return Status::InvalidArgument(where + ": verified must be a bool");
      r.verified = v->as_bool();
    }
    if (const json::Value* p = e.Find("params"); p != nullptr) {
      if (!p->is_object()) return Status::InvalidArgument(where + ": params must be an object");
      for (const auto& [k, v] : p->as_object()) {
        if (!v.is_number() || v.as_double() <= 0) {
          return Status::InvalidArgument(where + ": params." + k + " must be a positive number");
        }
        r.params[k] = v.as_double();
      }
    }
    for (const LegalRule& prev : table.entries_) {
      if (prev.rule_id != r.rule_id || prev.law != r.law) continue;
      bool prev_ends_before = prev.until && *prev.until < r.effective;
      bool ends_before_prev = r.until && *r.until < prev.effective;
      if (!prev_ends_before && !ends_before_prev) {
        return Status::InvalidArgument(where + ": overlaps another row of the same rule and law");
      }
    }
    table.entries_.push_back(std::move(r));
  }
  return table;
}

Result<LegalRuleTable> LegalRuleTable::Load(const std::filesystem::path& path) {
  CUSTOS_ASSIGN_OR_RETURN(std::string text, internal::ReadFile(path));
  Result<LegalRuleTable> t = Parse(text);
  if (!t.ok()) return t.status().Annotate(path.filename().string());
  return t;
}

const LegalRule* LegalRuleTable::Find(std::string_view rule_id, std::string_view law,
                                      CivilDate date) const {
  for (const LegalRule& r : entries_) {
    if (r.rule_id == rule_id && r.law == law && r.effective <= date &&
        (!r.until || date <= *r.until)) {
      return &r;
    }
  }
  return nullptr;
}

std::string GoverningLaw(const Template& tmpl, const FieldValues& values) {
  if (tmpl.governing_law != "US") return tmpl.governing_law;
  auto it = values.find("governing_state");
  if (it == values.end()) return "US";
  std::string state;
  for (char c : it->second.text) {
    if (c != ' ' && c != '.') state += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  if (state == "CALIFORNIA" || state == "CA" || state == "CAL" || state == "STATEOFCALIFORNIA") {
    return "US-CA";
  }
  return "US";
}

}  // namespace custos::contracts
