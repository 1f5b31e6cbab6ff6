#include "contract-templates/internal/values.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/text.h"

namespace custos::contracts::internal {
namespace {

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsLiteralChar(char c) { return IsIdentChar(c) || c == '.' || c == '-'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsIdentChar(c)) return false;
  }
  return true;
}

ValueError Err(std::string zh, std::string en) { return ValueError{std::move(zh), std::move(en)}; }

std::string TypeNameZh(FieldType t) {
  switch (t) {
    case FieldType::kText:
      return "文本";
    case FieldType::kDate:
      return "日期（YYYY-MM-DD）";
    case FieldType::kMoney:
      return "金额";
    case FieldType::kMonths:
      return "月数";
    case FieldType::kChoice:
      return "选项";
    case FieldType::kResidentId:
      return "居民身份证号码";
    case FieldType::kRegion:
      return "行政区划代码";
    case FieldType::kBool:
      return "是/否";
    case FieldType::kInteger:
      return "整数";
  }
  return "";
}

// Whole numbers from a JSON int or a decimal string.
std::variant<int64_t, ValueError> ParseWhole(const FieldDef& def, const json::Value& v) {
  int64_t n = 0;
  if (v.is_int()) {
    n = v.as_int();
  } else if (v.is_string()) {
    const std::string& s = v.as_string();
    bool neg = !s.empty() && s[0] == '-';
    std::string_view digits = neg ? std::string_view(s).substr(1) : std::string_view(s);
    if (digits.empty() || digits.size() > 15) return Err("应为整数", "must be a whole number");
    for (char c : digits) {
      if (c < '0' || c > '9') return Err("应为整数", "must be a whole number");
      n = n * 10 + (c - '0');
    }
    if (neg) n = -n;
  } else {
    return Err("应为整数", "must be a whole number");
  }
  if (def.type == FieldType::kMonths && n < 0)
    return Err("月数不得为负数", "months must not be negative");
  if (def.min && n < *def.min) {
    return Err("不得小于 " + std::to_string(*def.min),
               "must be at least " + std::to_string(*def.min));
  }
  if (def.max && n > *def.max) {
    return Err("不得大于 " + std::to_string(*def.max),
               "must be at most " + std::to_string(*def.max));
  }
  return n;
}

}  // namespace

std::variant<FieldValue, ValueError> ParseFieldValue(const FieldDef& def, const json::Value& v) {
  FieldValue out;
  out.type = def.type;
  const std::string want_zh = "应为" + TypeNameZh(def.type);
  const std::string want_en = "must be a " + std::string(FieldTypeName(def.type)) + " value";
  switch (def.type) {
    case FieldType::kText: {
      if (!v.is_string()) return Err(want_zh, want_en);
      std::string_view t = v.as_string();
      // Whitespace-only text is no value at all.
      bool blank = true;
      for (char c : t) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
      }
      if (blank) return Err("不得为空", "must not be empty");
      // Line breaks and tabs are a clause's own; other control characters
      // and bidirectional overrides (which would show a name or an amount in
      // a signed contract in another order than it holds) are not
      // (base/text.h).
      if (t.find('\r') != std::string_view::npos) {
        return Err("含有控制字符", "contains control characters");  // lines end in LF
      }
      switch (CheckText(t, /*block=*/true).fault) {
        case TextFault::kNone:
          break;
        case TextFault::kBidi:
          return Err("含有双向文本控制字符，会使文字的显示顺序与内容不符",
                     "contains a bidirectional control character, which would show the text in "
                     "another order than it holds");
        default:
          return Err("含有控制字符", "contains control characters");
      }
      out.text = std::string(t);
      return out;
    }
    case FieldType::kDate: {
      if (!v.is_string()) return Err(want_zh, want_en);
      Result<CivilDate> d = ParseDate(v.as_string());
      if (!d.ok())
        return Err("不是有效日期（应为 YYYY-MM-DD）", "is not a valid date (YYYY-MM-DD)");
      out.date = *d;
      return out;
    }
    case FieldType::kMoney: {
      const json::Value* amount = &v;
      out.money.currency = def.currency.empty() ? "CNY" : def.currency;
      if (v.is_object()) {
        amount = v.Find("amount");
        if (amount == nullptr) return Err("缺少金额 amount", "is missing \"amount\"");
        if (const json::Value* cur = v.Find("currency"); cur != nullptr) {
          if (!cur->is_string() || cur->as_string().size() != 3) {
            return Err("币种应为三位 ISO 4217 代码",
                       "currency must be a three-letter ISO 4217 code");
          }
          for (char c : cur->as_string()) {
            if (c < 'A' || c > 'Z') {
              return Err("币种应为三位 ISO 4217 代码",
                         "currency must be a three-letter ISO 4217 code");
            }
          }
          out.money.currency = cur->as_string();
        }
      }
      std::string text;
      if (amount->is_int()) {
        text = std::to_string(amount->as_int());
      } else if (amount->is_string()) {
        text = amount->as_string();
      } else if (amount->type() == json::Type::kDouble) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", amount->as_double());
        // Reject values that lose precision at two decimals (e.g. 1.005).
        if (std::stod(buf) != amount->as_double()) {
          return Err("金额最多两位小数", "amount has more than two decimals");
        }
        text = buf;
      } else {
        return Err(want_zh, want_en);
      }
      if (!text.empty() && text[0] == '-')
        return Err("金额不得为负数", "amount must not be negative");
      Result<int64_t> minor = ParseAmount(text);
      if (!minor.ok())
        return Err("不是有效金额（最多两位小数）", "is not a valid amount (at most two decimals)");
      out.money.minor_units = *minor;
      return out;
    }
    case FieldType::kMonths:
    case FieldType::kInteger: {
      auto n = ParseWhole(def, v);
      if (auto* e = std::get_if<ValueError>(&n)) return *e;
      out.number = std::get<int64_t>(n);
      return out;
    }
    case FieldType::kChoice: {
      if (!v.is_string()) return Err(want_zh, want_en);
      for (const ChoiceOption& o : def.options) {
        if (o.value == v.as_string()) {
          out.text = o.value;
          return out;
        }
      }
      std::string allowed;
      for (const ChoiceOption& o : def.options) {
        if (!allowed.empty()) allowed += ", ";
        allowed += o.value;
      }
      return Err("不是可选项之一（" + allowed + "）",
                 "is not one of the options (" + allowed + ")");
    }
    case FieldType::kResidentId: {
      if (!v.is_string()) return Err(want_zh, want_en);
      Result<std::string> id = ValidateResidentId(v.as_string());
      if (!id.ok()) {
        return Err("不是有效的居民身份证号码：" + id.status().message(),
                   "is not a valid PRC resident ID number: " + id.status().message());
      }
      out.text = *id;
      return out;
    }
    case FieldType::kRegion: {
      const json::Value* code = &v;
      if (v.is_object()) {
        code = v.Find("code");
        if (code == nullptr) return Err("缺少行政区划代码 code", "is missing \"code\"");
        if (const json::Value* name = v.Find("name"); name != nullptr) {
          if (!name->is_string()) return Err("名称 name 应为文本", "\"name\" must be a string");
          out.region_name = name->as_string();
        }
      }
      if (!code->is_string()) return Err(want_zh, want_en);
      if (!ValidateRegionCode(code->as_string()).ok()) {
        return Err("不是有效的六位行政区划代码", "is not a valid six-digit PRC division code");
      }
      out.text = code->as_string();
      return out;
    }
    case FieldType::kBool: {
      if (!v.is_bool()) return Err("应为 true 或 false", "must be true or false");
      out.boolean = v.as_bool();
      return out;
    }
  }
  return Err(want_zh, want_en);
}

std::string CanonicalText(const FieldValue& value) {
  switch (value.type) {
    case FieldType::kText:
    case FieldType::kChoice:
    case FieldType::kResidentId:
    case FieldType::kRegion:
      return value.text;
    case FieldType::kDate:
      return FormatDate(value.date);
    case FieldType::kMoney: {
      std::string s = std::to_string(value.money.minor_units / 100) + ".";
      int64_t cents = value.money.minor_units % 100;
      if (cents < 10) s += "0";
      return s + std::to_string(cents);
    }
    case FieldType::kMonths:
    case FieldType::kInteger:
      return std::to_string(value.number);
    case FieldType::kBool:
      return value.boolean ? "true" : "false";
  }
  return "";
}

bool IsTruthy(const FieldValue& value) {
  switch (value.type) {
    case FieldType::kBool:
      return value.boolean;
    case FieldType::kMonths:
    case FieldType::kInteger:
      return value.number != 0;
    case FieldType::kMoney:
      return value.money.minor_units != 0;
    case FieldType::kText:
    case FieldType::kChoice:
    case FieldType::kResidentId:
    case FieldType::kRegion:
      return !value.text.empty();
    case FieldType::kDate:
      return true;
  }
  return false;
}

Result<Condition> ParseCondition(std::string_view text) {
  Condition c;
  c.source = std::string(text);
  std::string_view s = Trim(text);
  auto bad = [&]() {
    return Status::InvalidArgument("condition \"" + std::string(text) +
                                   "\" is not `field`, `!field`, `field == value` or "
                                   "`field != value`");
  };
  size_t op = s.find("==");
  bool equals = true;
  if (op == std::string_view::npos) {
    op = s.find("!=");
    equals = false;
  }
  if (op == std::string_view::npos) {
    if (!s.empty() && s[0] == '!') {
      c.op = Condition::Op::kFalsy;
      s = Trim(s.substr(1));
    }
    if (!IsIdentifier(s)) return bad();
    c.field = std::string(s);
    return c;
  }
  std::string_view field = Trim(s.substr(0, op));
  std::string_view lit = Trim(s.substr(op + 2));
  if (!IsIdentifier(field)) return bad();
  if (lit.size() >= 2 && lit.front() == '\'' && lit.back() == '\'') {
    lit = lit.substr(1, lit.size() - 2);
    if (lit.find('\'') != std::string_view::npos) return bad();
  } else {
    if (lit.empty()) return bad();
    for (char ch : lit) {
      if (!IsLiteralChar(ch)) return bad();
    }
  }
  c.op = equals ? Condition::Op::kEquals : Condition::Op::kNotEquals;
  c.field = std::string(field);
  c.literal = std::string(lit);
  return c;
}

Status ScanPlaceholders(std::string_view text, const std::function<void(std::string_view)>& on_text,
                        const std::function<void(std::string_view)>& on_field) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      if (text.find("}}", pos) != std::string_view::npos) {
        return Status::InvalidArgument("stray \"}}\" outside a placeholder");
      }
      on_text(text.substr(pos));
      break;
    }
    if (text.substr(pos, open - pos).find("}}") != std::string_view::npos) {
      return Status::InvalidArgument("stray \"}}\" outside a placeholder");
    }
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return Status::InvalidArgument("unclosed \"{{\"");
    std::string_view name = Trim(text.substr(open + 2, close - open - 2));
    if (!IsIdentifier(name)) {
      return Status::InvalidArgument("placeholder \"" +
                                     std::string(text.substr(open, close + 2 - open)) +
                                     "\" is not {{field_id}}");
    }
    if (open > pos) on_text(text.substr(pos, open - pos));
    on_field(name);
    pos = close + 2;
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::Unavailable("error reading " + path.string());
  return ss.str();
}

std::string FormatAmount(int64_t minor_units) {
  std::string whole = std::to_string(minor_units / 100);
  std::string grouped;
  int count = 0;
  for (size_t i = whole.size(); i > 0; --i) {
    if (count > 0 && count % 3 == 0) grouped.insert(grouped.begin(), ',');
    grouped.insert(grouped.begin(), whole[i - 1]);
    ++count;
  }
  int64_t cents = minor_units % 100;
  return grouped + "." + (cents < 10 ? "0" : "") + std::to_string(cents);
}

}  // namespace custos::contracts::internal
