#include "policy/policy.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <string>

#include <pugixml.hpp>

#include "base/time.h"

namespace custos::policy {
namespace {

constexpr int kMaxApprovals = 5;
constexpr int64_t kMaxLoanHours = 24 * 366;
constexpr int kMaxQuota = 1000000;
constexpr int kMaxWindowDays = 3660;
constexpr int kMaxReasonChars = 1000;

// A policy error in both languages; `where` names the element as the XML
// does (the same for every reader).
Status Invalid(std::string_view where, std::string_view what, std::string_view what_zh) {
  return Status::InvalidArgument("policy " + std::string(where) + ": " + std::string(what),
                                 "策略 " + std::string(where) + "：" + std::string(what_zh));
}

// An id the policy's types refused (a role, an action, a classification),
// with their words in both languages.
Status Invalid(std::string_view where, const Status& refused) {
  return Invalid(where, refused.message(),
                 refused.message_zh().empty() ? refused.message() : refused.message_zh());
}

// "<classification id='secret'>" — how an element is named in error messages.
std::string Describe(const pugi::xml_node& node) {
  std::string out = "<" + std::string(node.name());
  if (pugi::xml_attribute id = node.attribute("id")) {
    out += " id='" + std::string(id.value()) + "'";
  } else if (pugi::xml_attribute action = node.attribute("action")) {
    out += " action='" + std::string(action.value()) + "'";
  }
  return out + ">";
}

std::string Path(std::string_view parent, const pugi::xml_node& node) {
  if (parent.empty()) return Describe(node);
  return std::string(parent) + "/" + Describe(node);
}

// A policy that says something we don't understand must not be half-applied,
// so unknown attributes are errors rather than silently ignored.
Status CheckAttributes(const pugi::xml_node& node, std::string_view where,
                       std::initializer_list<std::string_view> allowed) {
  for (const pugi::xml_attribute& attr : node.attributes()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || name == attr.name();
    if (!known)
      return Invalid(where, "unknown attribute '" + std::string(attr.name()) + "'",
                     "未知的属性“" + std::string(attr.name()) + "”");
  }
  return Status::Ok();
}

// Element children only; non-blank text where elements are expected is an error.
Status CheckNoText(const pugi::xml_node& node, std::string_view where) {
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      return Invalid(where, "unexpected text '" + std::string(child.value()) + "'",
                     "此处不应有文字“" + std::string(child.value()) + "”");
    }
  }
  return Status::Ok();
}

// An element that carries only attributes: no text, no child element.
Status CheckEmpty(const pugi::xml_node& node, std::string_view where) {
  CUSTOS_RETURN_IF_ERROR(CheckNoText(node, where));
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() == pugi::node_element)
      return Invalid(Path(where, child), "unknown element", "未知的元素");
  }
  return Status::Ok();
}

// Text or child elements inside an element that holds only attributes
// (<permit>, <view>, <use>, <holiday>, …). Custos before 2026-12-07 passed
// over them: a policy that wrote a quota as <view-quota>3</view-quota>, or a
// condition inside <permit>, was applied without it. A new policy is refused
// for them; a stored version is read as it was when applied (PolicyText).
Status CheckNothingInside(const pugi::xml_node& node, std::string_view where, PolicyText text) {
  if (text == PolicyText::kStored) return Status::Ok();
  return CheckEmpty(node, where);
}

Result<std::string_view> RequiredAttribute(const pugi::xml_node& node, std::string_view where,
                                           const char* name) {
  pugi::xml_attribute attr = node.attribute(name);
  if (!attr) {
    return Invalid(where, "missing attribute '" + std::string(name) + "'",
                   "缺少属性“" + std::string(name) + "”");
  }
  return std::string_view(attr.value());
}

Result<int64_t> ParseInteger(std::string_view text, std::string_view where, std::string_view name,
                             int64_t min, int64_t max) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Invalid(where,
                   std::string(name) + " must be an integer, got '" + std::string(text) + "'",
                   std::string(name) + " 须为整数，而不是“" + std::string(text) + "”");
  }
  if (value < min || value > max) {
    return Invalid(where,
                   std::string(name) + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + std::string(text),
                   std::string(name) + " 须在 " + std::to_string(min) + " 到 " +
                       std::to_string(max) + " 之间，而不是 " + std::string(text));
  }
  return value;
}

Result<int64_t> IntegerAttribute(const pugi::xml_node& node, std::string_view where,
                                 const char* name, int64_t min, int64_t max) {
  CUSTOS_ASSIGN_OR_RETURN(std::string_view text, RequiredAttribute(node, where, name));
  return ParseInteger(text, where, name, min, max);
}

Result<bool> BoolAttribute(const pugi::xml_node& node, std::string_view where, const char* name) {
  CUSTOS_ASSIGN_OR_RETURN(std::string_view text, RequiredAttribute(node, where, name));
  if (text == "true") return true;
  if (text == "false") return false;
  return Invalid(where,
                 std::string(name) + " must be 'true' or 'false', got '" + std::string(text) + "'",
                 std::string(name) + " 须为 true 或 false，而不是“" + std::string(text) + "”");
}

// "unlimited" or a positive count.
Result<std::optional<int>> QuotaAttribute(const pugi::xml_node& node, std::string_view where,
                                          const char* name) {
  CUSTOS_ASSIGN_OR_RETURN(std::string_view text, RequiredAttribute(node, where, name));
  if (text == "unlimited") return std::optional<int>();
  CUSTOS_ASSIGN_OR_RETURN(int64_t n, ParseInteger(text, where, name, 1, kMaxQuota));
  return std::optional<int>(static_cast<int>(n));
}

// SECURITY: the vault keeps kMaxViewsInWindow view times per person and
// file, so a larger quota counted over a window of days could never be
// reached: refused rather than silently unlimited.
Status CheckQuotaInWindow(std::string_view where, std::string_view attribute,
                          std::optional<int> quota, int window_days) {
  if (window_days <= 0 || !quota || *quota <= kMaxViewsInWindow) return Status::Ok();
  return Invalid(where,
                 std::string(attribute) + "=\"" + std::to_string(*quota) + "\" is more than " +
                     std::to_string(kMaxViewsInWindow) +
                     " views in a window of days; use \"unlimited\" or window-days=\"0\"",
                 std::string(attribute) + "=\"" + std::to_string(*quota) +
                     "\" 超过了按天数窗口计数的上限 " + std::to_string(kMaxViewsInWindow) +
                     " 次；请改用 \"unlimited\" 或 window-days=\"0\"");
}

Status ParseRoles(const pugi::xml_node& roles, std::string_view parent, PolicyText text,
                  std::array<std::bitset<kActionCount>, kRoleCount>& out) {
  const std::string where = Path(parent, roles);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(roles, where, {}));
  CUSTOS_RETURN_IF_ERROR(CheckNoText(roles, where));
  std::bitset<kRoleCount> seen;
  for (const pugi::xml_node& role_node : roles.children()) {
    if (role_node.type() != pugi::node_element) continue;
    const std::string role_where = Path(where, role_node);
    if (std::string_view(role_node.name()) != "role") {
      return Invalid(role_where, "unknown element (expected <role>)",
                     "未知的元素（此处应为 <role>）");
    }
    CUSTOS_RETURN_IF_ERROR(CheckAttributes(role_node, role_where, {"id"}));
    CUSTOS_RETURN_IF_ERROR(CheckNoText(role_node, role_where));
    CUSTOS_ASSIGN_OR_RETURN(std::string_view id, RequiredAttribute(role_node, role_where, "id"));
    Result<Role> role = ParseRole(id);
    if (!role.ok()) return Invalid(role_where, role.status());
    const std::size_t r = static_cast<std::size_t>(*role);
    if (seen.test(r)) return Invalid(role_where, "role defined twice", "角色重复定义");
    seen.set(r);
    for (const pugi::xml_node& permit : role_node.children()) {
      if (permit.type() != pugi::node_element) continue;
      const std::string permit_where = Path(role_where, permit);
      if (std::string_view(permit.name()) != "permit") {
        return Invalid(permit_where, "unknown element (expected <permit>)",
                       "未知的元素（此处应为 <permit>）");
      }
      CUSTOS_RETURN_IF_ERROR(CheckAttributes(permit, permit_where, {"action"}));
      CUSTOS_RETURN_IF_ERROR(CheckNothingInside(permit, permit_where, text));
      CUSTOS_ASSIGN_OR_RETURN(std::string_view action_id,
                              RequiredAttribute(permit, permit_where, "action"));
      Result<Action> action = ParseAction(action_id);
      if (!action.ok()) return Invalid(permit_where, action.status());
      out[r].set(static_cast<std::size_t>(*action));
    }
  }
  for (Role role : kAllRoles) {
    if (!seen.test(static_cast<std::size_t>(role))) {
      return Invalid(where, "missing <role id='" + std::string(RoleId(role)) + "'>",
                     "缺少 <role id='" + std::string(RoleId(role)) + "'>");
    }
  }
  return Status::Ok();
}

// The single child element `name` of a classification; missing or repeated is
// an error naming it.
Result<pugi::xml_node> SoleChild(const pugi::xml_node& parent, std::string_view where,
                                 const char* name) {
  pugi::xml_node found;
  for (const pugi::xml_node& child : parent.children(name)) {
    if (found) {
      return Invalid(where, "<" + std::string(name) + "> given twice",
                     "<" + std::string(name) + "> 重复出现");
    }
    found = child;
  }
  if (!found) {
    return Invalid(where, "missing <" + std::string(name) + ">",
                   "缺少 <" + std::string(name) + ">");
  }
  return found;
}

Status ParseUse(const pugi::xml_node& use, std::string_view where, PolicyText text,
                ClassificationRules& rules, std::bitset<3>& seen) {
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(use, where, {"action", "permission", "approvals"}));
  CUSTOS_RETURN_IF_ERROR(CheckNothingInside(use, where, text));
  CUSTOS_ASSIGN_OR_RETURN(std::string_view action, RequiredAttribute(use, where, "action"));
  UseRule* rule = nullptr;
  std::size_t index = 0;
  if (action == "copy") {
    rule = &rules.copy;
    index = 0;
  } else if (action == "print") {
    rule = &rules.print;
    index = 1;
  } else if (action == "export") {
    rule = &rules.export_;
    index = 2;
  } else {
    return Invalid(where, "action must be copy, print or export, got '" + std::string(action) + "'",
                   "action 须为 copy、print 或 export，而不是“" + std::string(action) + "”");
  }
  if (seen.test(index)) return Invalid(where, "given twice", "重复出现");
  seen.set(index);

  CUSTOS_ASSIGN_OR_RETURN(std::string_view permission, RequiredAttribute(use, where, "permission"));
  if (permission == "forbidden") {
    rule->permission = UsePermission::kForbidden;
  } else if (permission == "with-approval") {
    rule->permission = UsePermission::kWithApproval;
  } else if (permission == "free") {
    rule->permission = UsePermission::kFree;
  } else {
    return Invalid(where,
                   "permission must be forbidden, with-approval or free, got '" +
                       std::string(permission) + "'",
                   "permission 须为 forbidden、with-approval 或 free，而不是“" +
                       std::string(permission) + "”");
  }
  if (rule->permission == UsePermission::kWithApproval) {
    CUSTOS_ASSIGN_OR_RETURN(int64_t n, IntegerAttribute(use, where, "approvals", 1, kMaxApprovals));
    rule->approvals = static_cast<int>(n);
    if (rules.max_loan_hours <= 0) {
      return Invalid(where, "with-approval needs a <loan> with max-hours above 0",
                     "with-approval 需要 max-hours 大于 0 的 <loan>");
    }
  } else if (use.attribute("approvals")) {
    CUSTOS_ASSIGN_OR_RETURN(int64_t n, IntegerAttribute(use, where, "approvals", 0, 0));
    rule->approvals = static_cast<int>(n);
  }
  return Status::Ok();
}

// "HH:MM", 00:00..24:00, as minutes since midnight.
Result<int> ParseClock(std::string_view text, std::string_view where, std::string_view name) {
  const auto bad = [&] {
    return Invalid(where,
                   std::string(name) + " must be a time HH:MM, got '" + std::string(text) + "'",
                   std::string(name) + " 须为 HH:MM 格式的时间，而不是“" + std::string(text) + "”");
  };
  if (text.size() != 5 || text[2] != ':') return bad();
  for (int i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return bad();
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return bad();
  return h * 60 + m;
}

// The utc-offset attribute of <calendar> and <work-hours>, in minutes.
Result<int> ParseUtcOffset(const pugi::xml_node& node, const std::string& where) {
  CUSTOS_ASSIGN_OR_RETURN(std::string_view offset, RequiredAttribute(node, where, "utc-offset"));
  if (offset.size() != 6 || (offset[0] != '+' && offset[0] != '-')) {
    return Invalid(where, "utc-offset must look like +08:00, got '" + std::string(offset) + "'",
                   "utc-offset 须形如 +08:00，而不是“" + std::string(offset) + "”");
  }
  CUSTOS_ASSIGN_OR_RETURN(int offset_minutes, ParseClock(offset.substr(1), where, "utc-offset"));
  if (offset_minutes > 14 * 60) {
    return Invalid(where, "utc-offset must be within ±14:00, got '" + std::string(offset) + "'",
                   "utc-offset 须在 ±14:00 以内，而不是“" + std::string(offset) + "”");
  }
  return offset[0] == '-' ? -offset_minutes : offset_minutes;
}

// <calendar utc-offset="+08:00"/>
Result<int> ParseCalendar(const pugi::xml_node& node, std::string_view parent) {
  const std::string where = Path(parent, node);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(node, where, {"utc-offset"}));
  CUSTOS_RETURN_IF_ERROR(CheckEmpty(node, where));
  return ParseUtcOffset(node, where);
}

// <work-hours utc-offset="+08:00" start="08:30" end="18:00"
//             days="mon tue wed thu fri">
//   <holiday date="YYYY-MM-DD"/> <workday date="YYYY-MM-DD"/> …
// </work-hours>
Status ParseWorkHours(const pugi::xml_node& node, std::string_view parent, PolicyText text,
                      anomaly::WorkHours& out) {
  const std::string where = Path(parent, node);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(node, where, {"utc-offset", "start", "end", "days"}));
  CUSTOS_RETURN_IF_ERROR(CheckNoText(node, where));

  CUSTOS_ASSIGN_OR_RETURN(out.utc_offset_minutes, ParseUtcOffset(node, where));

  CUSTOS_ASSIGN_OR_RETURN(std::string_view start, RequiredAttribute(node, where, "start"));
  CUSTOS_ASSIGN_OR_RETURN(out.start_minute, ParseClock(start, where, "start"));
  CUSTOS_ASSIGN_OR_RETURN(std::string_view end, RequiredAttribute(node, where, "end"));
  CUSTOS_ASSIGN_OR_RETURN(out.end_minute, ParseClock(end, where, "end"));
  if (out.end_minute <= out.start_minute) {
    return Invalid(where, "end must be after start (a working day cannot cross midnight)",
                   "end 须晚于 start（工作日不能跨过午夜）");
  }

  CUSTOS_ASSIGN_OR_RETURN(std::string_view days, RequiredAttribute(node, where, "days"));
  std::istringstream words{std::string(days)};
  out.weekdays = 0;
  for (std::string word; words >> word;) {
    const auto& ids = anomaly::kWeekdayIds;
    const auto it = std::find(ids.begin(), ids.end(), word);
    if (it == ids.end()) {
      return Invalid(where, "days lists mon … sun separated by spaces, got '" + word + "'",
                     "days 须列出 mon … sun，以空格分隔，而不是“" + word + "”");
    }
    const auto bit = static_cast<uint8_t>(1u << (it - ids.begin()));
    if (out.weekdays & bit) {
      return Invalid(where, "day '" + word + "' given twice", "“" + word + "”重复出现");
    }
    out.weekdays |= bit;
  }
  if (out.weekdays == 0) {
    return Invalid(where, "days must name at least one working weekday",
                   "days 须至少列出一个工作日");
  }

  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string child_where = Path(where, child);
    const std::string_view name = child.name();
    if (name != "holiday" && name != "workday") {
      return Invalid(child_where, "unknown element (expected <holiday> or <workday>)",
                     "未知的元素（此处应为 <holiday> 或 <workday>）");
    }
    CUSTOS_RETURN_IF_ERROR(CheckAttributes(child, child_where, {"date"}));
    CUSTOS_RETURN_IF_ERROR(CheckNoText(child, child_where));
    CUSTOS_RETURN_IF_ERROR(CheckNothingInside(child, child_where, text));
    CUSTOS_ASSIGN_OR_RETURN(std::string_view date_text,
                            RequiredAttribute(child, child_where, "date"));
    Result<CivilDate> date = ParseDate(date_text);
    if (!date.ok()) {
      return Invalid(child_where, "date must be YYYY-MM-DD, got '" + std::string(date_text) + "'",
                     "date 须为 YYYY-MM-DD 格式，而不是“" + std::string(date_text) + "”");
    }
    const int64_t day = DaysFromCivil(*date);
    auto& list = name == "holiday" ? out.holidays : out.extra_workdays;
    const auto& other = name == "holiday" ? out.extra_workdays : out.holidays;
    if (std::find(list.begin(), list.end(), day) != list.end()) {
      return Invalid(child_where, "date " + std::string(date_text) + " given twice",
                     "日期 " + std::string(date_text) + " 重复出现");
    }
    if (std::find(other.begin(), other.end(), day) != other.end()) {
      return Invalid(child_where,
                     "date " + std::string(date_text) + " is both a holiday and a working day",
                     "日期 " + std::string(date_text) + " 既是节假日又是调休工作日");
    }
    list.push_back(day);
  }
  std::sort(out.holidays.begin(), out.holidays.end());
  std::sort(out.extra_workdays.begin(), out.extra_workdays.end());
  return Status::Ok();
}

// <anomaly-rules spike-factor="3" spike-min-views="5" baseline-min-days="5"
//                denials="3" denial-window-minutes="15"/>, each optional.
Status ParseAnomalyRules(const pugi::xml_node& node, std::string_view parent,
                         anomaly::Thresholds& out) {
  const std::string where = Path(parent, node);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(
      node, where,
      {"spike-factor", "spike-min-views", "baseline-min-days", "denials", "denial-window-minutes",
       "outside-assignment-per-day", "outside-assignment-exempt"}));
  CUSTOS_RETURN_IF_ERROR(CheckEmpty(node, where));
  const auto optional = [&](const char* name, int64_t min, int64_t max,
                            int64_t fallback) -> Result<int64_t> {
    if (!node.attribute(name)) return fallback;
    return IntegerAttribute(node, where, name, min, max);
  };
  CUSTOS_ASSIGN_OR_RETURN(int64_t factor, optional("spike-factor", 2, 100, out.spike_factor));
  CUSTOS_ASSIGN_OR_RETURN(int64_t views,
                          optional("spike-min-views", 1, 100000, out.spike_min_views));
  CUSTOS_ASSIGN_OR_RETURN(int64_t days, optional("baseline-min-days", 1, anomaly::kBaselineDays,
                                                 out.baseline_min_active_days));
  CUSTOS_ASSIGN_OR_RETURN(int64_t denials,
                          optional("denials", 2, anomaly::kMaxKeptDenials, out.denials));
  CUSTOS_ASSIGN_OR_RETURN(int64_t minutes, optional("denial-window-minutes", 1, 24 * 60,
                                                    out.denial_window_millis / 60000));
  out.spike_factor = static_cast<int>(factor);
  out.spike_min_views = static_cast<int>(views);
  out.baseline_min_active_days = static_cast<int>(days);
  out.denials = static_cast<int>(denials);
  out.denial_window_millis = minutes * 60000;
  CUSTOS_ASSIGN_OR_RETURN(int64_t outside, optional("outside-assignment-per-day", 0, 10000,
                                                    out.outside_assignment_per_day));
  out.outside_assignment_per_day = static_cast<int>(outside);
  if (pugi::xml_attribute exempt = node.attribute("outside-assignment-exempt")) {
    out.outside_assignment_exempt.reset();
    std::istringstream words{std::string(exempt.value())};
    for (std::string word; words >> word;) {
      Result<Role> role = ParseRole(word);
      if (!role.ok()) return Invalid(where, role.status());
      out.outside_assignment_exempt.set(static_cast<std::size_t>(*role));
    }
  }
  return Status::Ok();
}

// <user-admin two-person-roles="approver custodian admin"/>: the roles whose
// grant a second administrator confirms. An empty list turns the rule off.
Status ParseUserAdmin(const pugi::xml_node& node, std::string_view parent,
                      std::bitset<kRoleCount>& out) {
  const std::string where = Path(parent, node);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(node, where, {"two-person-roles"}));
  CUSTOS_RETURN_IF_ERROR(CheckEmpty(node, where));
  CUSTOS_ASSIGN_OR_RETURN(std::string_view roles_text,
                          RequiredAttribute(node, where, "two-person-roles"));
  out.reset();
  std::istringstream words{std::string(roles_text)};
  for (std::string word; words >> word;) {
    Result<Role> role = ParseRole(word);
    if (!role.ok()) return Invalid(where, role.status());
    out.set(static_cast<std::size_t>(*role));
  }
  return Status::Ok();
}

// <departure customer-confirmation="required|optional|off"/>.
Status ParseDeparture(const pugi::xml_node& node, std::string_view parent,
                      CustomerConfirmation& out) {
  const std::string where = Path(parent, node);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(node, where, {"customer-confirmation"}));
  CUSTOS_RETURN_IF_ERROR(CheckEmpty(node, where));
  CUSTOS_ASSIGN_OR_RETURN(std::string_view mode,
                          RequiredAttribute(node, where, "customer-confirmation"));
  for (CustomerConfirmation c : {CustomerConfirmation::kOff, CustomerConfirmation::kOptional,
                                 CustomerConfirmation::kRequired}) {
    if (mode == CustomerConfirmationId(c)) {
      out = c;
      return Status::Ok();
    }
  }
  return Invalid(where, "customer-confirmation must be required, optional or off",
                 "customer-confirmation 须为 required、optional 或 off");
}

Status ParseClassificationElement(const pugi::xml_node& node, std::string_view parent,
                                  PolicyText text,
                                  std::array<ClassificationRules, kClassificationCount>& out,
                                  std::bitset<kClassificationCount>& seen) {
  const std::string where = Path(parent, node);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(node, where, {"id"}));
  CUSTOS_RETURN_IF_ERROR(CheckNoText(node, where));
  CUSTOS_ASSIGN_OR_RETURN(std::string_view id, RequiredAttribute(node, where, "id"));
  Result<Classification> parsed = ParseClassification(id);
  if (!parsed.ok()) return Invalid(where, parsed.status());
  const Classification c = *parsed;
  const std::size_t index = static_cast<std::size_t>(c);
  if (seen.test(index)) return Invalid(where, "classification defined twice", "密级重复定义");
  seen.set(index);
  ClassificationRules& rules = out[index];

  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string_view name = child.name();
    if (name != "view" && name != "view-quota" && name != "reason" && name != "loan" &&
        name != "owner" && name != "use") {
      return Invalid(Path(where, child), "unknown element", "未知的元素");
    }
  }

  // <view roles="…"/>
  CUSTOS_ASSIGN_OR_RETURN(pugi::xml_node view, SoleChild(node, where, "view"));
  const std::string view_where = Path(where, view);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(view, view_where, {"roles"}));
  CUSTOS_RETURN_IF_ERROR(CheckNothingInside(view, view_where, text));
  CUSTOS_ASSIGN_OR_RETURN(std::string_view roles_text,
                          RequiredAttribute(view, view_where, "roles"));
  std::istringstream words{std::string(roles_text)};
  for (std::string word; words >> word;) {
    Result<Role> role = ParseRole(word);
    if (!role.ok()) return Invalid(view_where, role.status());
    // SECURITY: admin and auditor are content-blind above public; a policy
    // that says otherwise is refused rather than silently narrowed.
    if (c > Classification::kPublic && (*role == Role::kAdmin || *role == Role::kAuditor)) {
      return Invalid(
          view_where,
          "role '" + word + "' may never view " + std::string(ClassificationId(c)) + " content",
          "角色“" + word + "”任何时候都不能查看" + std::string(ClassificationLabelZh(c)) +
              "档案的内容");
    }
    rules.view_roles.set(static_cast<std::size_t>(*role));
  }

  // <view-quota views="N|unlimited" window-days="D"/>
  CUSTOS_ASSIGN_OR_RETURN(pugi::xml_node quota, SoleChild(node, where, "view-quota"));
  const std::string quota_where = Path(where, quota);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(quota, quota_where, {"views", "window-days"}));
  CUSTOS_RETURN_IF_ERROR(CheckNothingInside(quota, quota_where, text));
  CUSTOS_ASSIGN_OR_RETURN(rules.view_quota, QuotaAttribute(quota, quota_where, "views"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t window,
                          IntegerAttribute(quota, quota_where, "window-days", 0, kMaxWindowDays));
  rules.quota_window_days = static_cast<int>(window);
  CUSTOS_RETURN_IF_ERROR(
      CheckQuotaInWindow(quota_where, "views", rules.view_quota, rules.quota_window_days));

  // <reason required="…" min-chars="N"/>
  CUSTOS_ASSIGN_OR_RETURN(pugi::xml_node reason, SoleChild(node, where, "reason"));
  const std::string reason_where = Path(where, reason);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(reason, reason_where, {"required", "min-chars"}));
  CUSTOS_RETURN_IF_ERROR(CheckNothingInside(reason, reason_where, text));
  CUSTOS_ASSIGN_OR_RETURN(rules.reason_required, BoolAttribute(reason, reason_where, "required"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t min_chars,
                          IntegerAttribute(reason, reason_where, "min-chars", 0, kMaxReasonChars));
  rules.reason_min_chars = static_cast<int>(min_chars);
  if (rules.reason_required && rules.reason_min_chars < 1) {
    return Invalid(reason_where, "min-chars must be at least 1 when a reason is required",
                   "要求填写事由时，min-chars 至少为 1");
  }

  // <loan approvals="N" max-hours="H" custodian-release="…"/>
  CUSTOS_ASSIGN_OR_RETURN(pugi::xml_node loan, SoleChild(node, where, "loan"));
  const std::string loan_where = Path(where, loan);
  CUSTOS_RETURN_IF_ERROR(
      CheckAttributes(loan, loan_where, {"approvals", "max-hours", "custodian-release"}));
  CUSTOS_RETURN_IF_ERROR(CheckNothingInside(loan, loan_where, text));
  CUSTOS_ASSIGN_OR_RETURN(int64_t approvals,
                          IntegerAttribute(loan, loan_where, "approvals", 0, kMaxApprovals));
  rules.loan_approvals = static_cast<int>(approvals);
  CUSTOS_ASSIGN_OR_RETURN(rules.max_loan_hours,
                          IntegerAttribute(loan, loan_where, "max-hours", 0, kMaxLoanHours));
  CUSTOS_ASSIGN_OR_RETURN(rules.custodian_release,
                          BoolAttribute(loan, loan_where, "custodian-release"));
  if (rules.loan_approvals > 0 && rules.max_loan_hours <= 0) {
    return Invalid(loan_where, "max-hours must be above 0 when loans need approval",
                   "借阅需要审批时，max-hours 须大于 0");
  }

  // <owner needs-loan="…" view-quota="N|unlimited"/>
  CUSTOS_ASSIGN_OR_RETURN(pugi::xml_node owner, SoleChild(node, where, "owner"));
  const std::string owner_where = Path(where, owner);
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(owner, owner_where, {"needs-loan", "view-quota"}));
  CUSTOS_RETURN_IF_ERROR(CheckNothingInside(owner, owner_where, text));
  CUSTOS_ASSIGN_OR_RETURN(rules.owner_needs_loan, BoolAttribute(owner, owner_where, "needs-loan"));
  CUSTOS_ASSIGN_OR_RETURN(rules.owner_view_quota, QuotaAttribute(owner, owner_where, "view-quota"));
  CUSTOS_RETURN_IF_ERROR(CheckQuotaInWindow(owner_where, "view-quota", rules.owner_view_quota,
                                            rules.quota_window_days));

  // <use action="copy|print|export" …/>, each exactly once.
  std::bitset<3> uses;
  for (const pugi::xml_node& use : node.children("use")) {
    CUSTOS_RETURN_IF_ERROR(ParseUse(use, Path(where, use), text, rules, uses));
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (uses.test(i)) continue;
    const std::string element = std::string("<use action='") +
                                (i == 0   ? "copy"
                                 : i == 1 ? "print"
                                          : "export") +
                                "'>";
    return Invalid(where, "missing " + element, "缺少 " + element);
  }
  return Status::Ok();
}

}  // namespace

const UseRule& Policy::use_rule(Classification c, LoanKind kind) const {
  const ClassificationRules& r = rules(c);
  switch (kind) {
    case LoanKind::kCopy:
      return r.copy;
    case LoanKind::kPrint:
      return r.print;
    case LoanKind::kExport:
      return r.export_;
    case LoanKind::kView:
      break;
  }
  Die("Policy::use_rule called for a view");
}

std::string_view UsePermissionId(UsePermission p) {
  switch (p) {
    case UsePermission::kForbidden:
      return "forbidden";
    case UsePermission::kWithApproval:
      return "with-approval";
    case UsePermission::kFree:
      return "free";
  }
  return "forbidden";
}

std::string_view CustomerConfirmationId(CustomerConfirmation c) {
  switch (c) {
    case CustomerConfirmation::kOff:
      return "off";
    case CustomerConfirmation::kOptional:
      return "optional";
    case CustomerConfirmation::kRequired:
      return "required";
  }
  return "optional";
}

Result<Policy> LoadPolicy(std::string_view xml, PolicyText text) {
  // pugixml reports errors by value but may throw std::bad_alloc; nothing may
  // escape this boundary.
  try {
    pugi::xml_document doc;
    pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!parsed) {
      return Status::InvalidArgument("policy: malformed XML at byte " +
                                         std::to_string(parsed.offset) + ": " +
                                         parsed.description(),
                                     "策略：XML 格式错误，位于第 " + std::to_string(parsed.offset) +
                                         " 字节（" + parsed.description() + "）");
    }
    pugi::xml_node root = doc.document_element();
    if (!root || std::string_view(root.name()) != "custos-policy") {
      return Status::InvalidArgument("policy: the root element must be <custos-policy>",
                                     "策略：根元素须为 <custos-policy>");
    }
    const std::string where = Describe(root);
    CUSTOS_RETURN_IF_ERROR(CheckAttributes(root, where, {"version"}));
    CUSTOS_RETURN_IF_ERROR(CheckNoText(root, where));

    Policy policy;
    CUSTOS_ASSIGN_OR_RETURN(std::string_view version, RequiredAttribute(root, where, "version"));
    if (version.empty()) return Invalid(where, "version must not be empty", "version 不能为空");
    policy.version_ = std::string(version);

    bool have_roles = false;
    bool have_anomaly_rules = false;
    bool have_user_admin = false;
    bool have_departure = false;
    std::optional<int> calendar_offset;
    std::string calendar_where;
    std::bitset<kClassificationCount> seen;
    for (const pugi::xml_node& child : root.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      if (name == "roles") {
        if (have_roles) return Invalid(Path(where, child), "given twice", "重复出现");
        have_roles = true;
        CUSTOS_RETURN_IF_ERROR(ParseRoles(child, where, text, policy.role_actions_));
      } else if (name == "classification") {
        CUSTOS_RETURN_IF_ERROR(
            ParseClassificationElement(child, where, text, policy.classifications_, seen));
      } else if (name == "anomaly-rules") {
        if (have_anomaly_rules) return Invalid(Path(where, child), "given twice", "重复出现");
        have_anomaly_rules = true;
        CUSTOS_RETURN_IF_ERROR(ParseAnomalyRules(child, where, policy.anomaly_thresholds_));
      } else if (name == "user-admin") {
        if (have_user_admin) return Invalid(Path(where, child), "given twice", "重复出现");
        have_user_admin = true;
        CUSTOS_RETURN_IF_ERROR(ParseUserAdmin(child, where, policy.two_person_roles_));
      } else if (name == "departure") {
        if (have_departure) return Invalid(Path(where, child), "given twice", "重复出现");
        have_departure = true;
        CUSTOS_RETURN_IF_ERROR(ParseDeparture(child, where, policy.customer_confirmation_));
      } else if (name == "calendar") {
        if (calendar_offset) return Invalid(Path(where, child), "given twice", "重复出现");
        CUSTOS_ASSIGN_OR_RETURN(calendar_offset, ParseCalendar(child, where));
        calendar_where = Path(where, child);
      } else if (name == "work-hours") {
        if (policy.work_hours_) return Invalid(Path(where, child), "given twice", "重复出现");
        anomaly::WorkHours hours;
        CUSTOS_RETURN_IF_ERROR(ParseWorkHours(child, where, text, hours));
        policy.work_hours_ = std::move(hours);
      } else {
        return Invalid(Path(where, child), "unknown element", "未知的元素");
      }
    }
    if (!have_roles) return Invalid(where, "missing <roles>", "缺少 <roles>");
    // One clock for the company: working hours on another offset than its
    // calendar would put an evening view on the next day's date. The
    // calendar is China's unless <calendar> says otherwise (never taken from
    // <work-hours>, so that removing the hours does not move the dates).
    if (calendar_offset) policy.utc_offset_minutes_ = *calendar_offset;
    if (policy.work_hours_ &&
        policy.work_hours_->utc_offset_minutes != policy.utc_offset_minutes_) {
      const std::string hours = FormatUtcOffset(policy.work_hours_->utc_offset_minutes);
      const std::string days = FormatUtcOffset(policy.utc_offset_minutes_);
      const std::string fix = "<calendar utc-offset=\"" + hours + "\"/>";
      if (calendar_offset) {
        return Invalid(calendar_where,
                       "utc-offset " + days + " differs from <work-hours>'s " + hours,
                       "utc-offset " + days + " 与 <work-hours> 的 " + hours + " 不一致");
      }
      return Invalid(where,
                     "<work-hours> is at " + hours + " but the company's calendar is " + days +
                         " (the default); add " + fix + " if the company's dates are at " + hours,
                     "<work-hours> 的时区为 " + hours + "，而公司日历为 " + days +
                         "（默认值）；如公司日期按 " + hours + " 计算，请加上 " + fix);
    }
    for (Classification c : kAllClassifications) {
      if (!seen.test(static_cast<std::size_t>(c))) {
        const std::string element =
            "<classification id='" + std::string(ClassificationId(c)) + "'>";
        return Invalid(where, "missing " + element, "缺少 " + element);
      }
    }
    policy.source_ = std::string(xml);
    return policy;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("policy: loading failed: ") + e.what());
  }
}

Result<Policy> LoadPolicyFile(const std::string& path) {
  std::string bytes;
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::NotFound("policy file '" + path + "' cannot be opened",
                              "无法打开策略文件“" + path + "”");
    }
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return Status::Unavailable("policy file '" + path + "': read error");
  } catch (const std::exception& e) {
    return Status::Unavailable("policy file '" + path + "': " + e.what());
  }
  return LoadPolicy(bytes);
}

}  // namespace custos::policy
