#include "contract-templates/fields.h"

#include <array>
#include <set>

#include "contract-templates/internal/values.h"

namespace custos::contracts {
namespace {

struct Province {
  std::string_view prefix;
  std::string_view zh;
  std::string_view en;
};

// GB/T 2260 first-level divisions, plus 81/82/83 used in residence-permit
// numbers of Hong Kong, Macao and Taiwan residents.
constexpr std::array<Province, 35> kProvinces = {{
    {"11", "北京市", "Beijing"},
    {"12", "天津市", "Tianjin"},
    {"13", "河北省", "Hebei"},
    {"14", "山西省", "Shanxi"},
    {"15", "内蒙古自治区", "Inner Mongolia"},
    {"21", "辽宁省", "Liaoning"},
    {"22", "吉林省", "Jilin"},
    {"23", "黑龙江省", "Heilongjiang"},
    {"31", "上海市", "Shanghai"},
    {"32", "江苏省", "Jiangsu"},
    {"33", "浙江省", "Zhejiang"},
    {"34", "安徽省", "Anhui"},
    {"35", "福建省", "Fujian"},
    {"36", "江西省", "Jiangxi"},
    {"37", "山东省", "Shandong"},
    {"41", "河南省", "Henan"},
    {"42", "湖北省", "Hubei"},
    {"43", "湖南省", "Hunan"},
    {"44", "广东省", "Guangdong"},
    {"45", "广西壮族自治区", "Guangxi"},
    {"46", "海南省", "Hainan"},
    {"50", "重庆市", "Chongqing"},
    {"51", "四川省", "Sichuan"},
    {"52", "贵州省", "Guizhou"},
    {"53", "云南省", "Yunnan"},
    {"54", "西藏自治区", "Tibet"},
    {"61", "陕西省", "Shaanxi"},
    {"62", "甘肃省", "Gansu"},
    {"63", "青海省", "Qinghai"},
    {"64", "宁夏回族自治区", "Ningxia"},
    {"65", "新疆维吾尔自治区", "Xinjiang"},
    {"71", "台湾省", "Taiwan"},
    {"81", "香港特别行政区", "Hong Kong"},
    {"82", "澳门特别行政区", "Macao"},
    {"83", "台湾地区（居住证）", "Taiwan (residence permit)"},
}};

const Province* FindProvince(std::string_view code) {
  if (code.size() < 2) return nullptr;
  for (const Province& p : kProvinces) {
    if (code.substr(0, 2) == p.prefix) return &p;
  }
  return nullptr;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

namespace internal {
std::string_view ProvinceName(std::string_view code, Language lang) {
  const Province* p = FindProvince(code);
  if (p == nullptr) return {};
  return lang == Language::kZh ? p->zh : p->en;
}
}  // namespace internal

char ResidentIdCheckChar(std::string_view first17) {
  if (first17.size() != 17 || !AllDigits(first17)) Die("ResidentIdCheckChar: need 17 digits");
  // ISO 7064 MOD 11-2: weight of position i (from the left, 1-based, of 18)
  // is 2^(18-i) mod 11; the check value makes the weighted sum ≡ 1 (mod 11).
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

Result<std::string> ValidateResidentId(std::string_view id) {
  if (id.size() != 18) {
    return Status::InvalidArgument("must be 18 characters, got " + std::to_string(id.size()));
  }
  std::string norm(id);
  if (norm[17] == 'x') norm[17] = 'X';
  std::string_view body = std::string_view(norm).substr(0, 17);
  if (!AllDigits(body)) return Status::InvalidArgument("the first 17 characters must be digits");
  if (!AllDigits(norm.substr(17)) && norm[17] != 'X') {
    return Status::InvalidArgument("the last character must be a digit or X");
  }
  if (FindProvince(body) == nullptr) {
    return Status::InvalidArgument("unknown province code " + std::string(body.substr(0, 2)));
  }
  std::string birth = norm.substr(6, 4) + "-" + norm.substr(10, 2) + "-" + norm.substr(12, 2);
  Result<CivilDate> date = ParseDate(birth);
  if (!date.ok() || date->year < 1900) {
    return Status::InvalidArgument("birth date " + birth + " is not a valid date");
  }
  if (ResidentIdCheckChar(body) != norm[17]) {
    return Status::InvalidArgument("wrong check character");
  }
  return norm;
}

Status ValidateRegionCode(std::string_view code) {
  if (code.size() != 6 || !AllDigits(code)) {
    return Status::InvalidArgument("region code must be six digits");
  }
  if (FindProvince(code) == nullptr) {
    return Status::InvalidArgument("unknown province prefix in region code");
  }
  return Status::Ok();
}

Result<int64_t> ParseAmount(std::string_view text) {
  auto bad = [&]() {
    return Status::InvalidArgument("\"" + std::string(text) + "\" is not an amount");
  };
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 13 || !AllDigits(whole)) return bad();
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 2 || !AllDigits(frac))) {
    return bad();
  }
  int64_t v = 0;
  for (char c : whole) v = v * 10 + (c - '0');
  int64_t cents = 0;
  if (!frac.empty()) {
    cents = (frac[0] - '0') * 10;
    if (frac.size() == 2) cents += frac[1] - '0';
  }
  return v * 100 + cents;
}

bool EvaluateCondition(const Condition& condition, const FieldValues& values) {
  auto it = values.find(condition.field);
  const FieldValue* v = it == values.end() ? nullptr : &it->second;
  switch (condition.op) {
    case Condition::Op::kTruthy:
      return v != nullptr && internal::IsTruthy(*v);
    case Condition::Op::kFalsy:
      return v == nullptr || !internal::IsTruthy(*v);
    case Condition::Op::kEquals:
      return v != nullptr && internal::CanonicalText(*v) == condition.literal;
    case Condition::Op::kNotEquals:
      return v == nullptr || internal::CanonicalText(*v) != condition.literal;
  }
  return false;
}

FieldValidation ValidateFields(const Template& tmpl, const json::Value& fields) {
  FieldValidation out;
  if (!fields.is_object()) {
    out.errors.push_back({"", "字段应为 JSON 对象", "fields must be a JSON object"});
    return out;
  }
  for (const auto& [key, unused] : fields.as_object()) {
    if (tmpl.FindField(key) == nullptr) {
      out.errors.push_back({key, "模板中没有此字段", "no such field in the template"});
    }
  }
  std::vector<FieldError> field_errors;
  std::set<std::string, std::less<>> failed;
  for (const FieldDef& def : tmpl.fields) {
    const json::Value* v = fields.Find(def.id);
    if (v == nullptr || v->is_null()) continue;
    auto parsed = internal::ParseFieldValue(def, *v);
    if (auto* e = std::get_if<internal::ValueError>(&parsed)) {
      field_errors.push_back({def.id, def.label_zh + "：" + e->zh, def.label_en + ": " + e->en});
      failed.insert(def.id);
    } else {
      out.values.emplace(def.id, std::get<FieldValue>(std::move(parsed)));
    }
  }
  // Defaults were validated when the template was loaded.
  for (const FieldDef& def : tmpl.fields) {
    if (out.values.contains(def.id) || failed.contains(def.id) || !def.default_value) continue;
    json::Value dv = def.type == FieldType::kBool ? json::Value(*def.default_value == "true")
                                                  : json::Value(*def.default_value);
    auto parsed = internal::ParseFieldValue(def, dv);
    if (auto* fv = std::get_if<FieldValue>(&parsed)) out.values.emplace(def.id, std::move(*fv));
  }
  // Required-ness depends on conditions, which depend on the other values.
  std::vector<FieldError> missing;
  for (const FieldDef& def : tmpl.fields) {
    if (!def.required || out.values.contains(def.id) || failed.contains(def.id)) continue;
    if (def.condition && !EvaluateCondition(*def.condition, out.values)) continue;
    missing.push_back({def.id, def.label_zh + "：必填", def.label_en + ": required"});
  }
  // Report in template field order.
  for (const FieldDef& def : tmpl.fields) {
    for (const FieldError& e : field_errors) {
      if (e.field_id == def.id) out.errors.push_back(e);
    }
    for (const FieldError& e : missing) {
      if (e.field_id == def.id) out.errors.push_back(e);
    }
  }
  return out;
}

}  // namespace custos::contracts
