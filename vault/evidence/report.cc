#include "vault/evidence/report.h"

#include <algorithm>
#include <bitset>
#include <cstdio>
#include <map>
#include <set>

#include "base/html.h"

namespace custos::vault::evidence {
namespace {

std::string E(std::string_view s) { return HtmlEscape(s); }

std::string Time(UnixMillis t) {
  if (t == 0) return "—";
  std::string s = FormatRfc3339Millis(t);  // 2026-12-02T07:00:00.000Z
  return s.substr(0, 10) + " " + s.substr(11, 8) + " UTC";
}

// The date of `t` in the company's calendar (ReportData::utc_offset_minutes).
std::string Day(UnixMillis t, int utc_offset_minutes) {
  return FormatDate(CivilFromDays(LocalDay(t, utc_offset_minutes)));
}

std::string Num(uint64_t n) { return std::to_string(n); }

std::string Bi(std::string_view zh, std::string_view en) {
  return E(zh) + " <span class=\"en\">/ " + E(en) + "</span>";
}

std::string ClassLabel(std::string_view id) {
  auto c = policy::ParseClassification(id);
  if (!c.ok()) return E(id);
  return Bi(policy::ClassificationLabelZh(*c), policy::ClassificationLabelEn(*c));
}

// The actions people read in the timeline.
struct ActionLabel {
  std::string_view id;
  std::string_view zh;
  std::string_view en;
};
constexpr ActionLabel kActions[] = {
    {"record.view", "查阅", "view"},
    {"record.copy", "复制", "copy"},
    {"record.print", "打印", "print"},
    {"record.export", "导出", "export"},
    {"record.create", "新建档案", "create"},
    {"record.update", "修改档案", "update"},
    {"record.reassign", "变更负责人", "reassign"},
    {"record.search", "检索", "search"},
    {"loan.request", "申请借阅", "loan request"},
    {"loan.approve", "批准借阅", "loan approval"},
    {"loan.return", "归还借阅", "loan return"},
    {"attachment.read", "读取附件", "attachment read"},
    {"user.resignation.register", "登记离职", "resignation registered"},
    {"user.resignation.withdraw", "撤回离职", "resignation withdrawn"},
    {"user.departed", "离职生效", "departed"},
    {"departure.handover.assign", "分配交接", "handover assigned"},
    {"departure.handover.confirm", "确认交接", "handover confirmed"},
    {"departure.customer_letter", "致客户通知函", "letter to the customer"},
    {"departure.customer_confirm", "客户答复", "customer's answer"},
    {"departure.customer_waive", "免除客户确认", "customer confirmation waived"},
};

std::string ActionText(std::string_view id) {
  for (const ActionLabel& a : kActions) {
    if (a.id == id) return Bi(a.zh, a.en);
  }
  return "<code>" + E(id) + "</code>";
}

// An employment state (policy id) in words; an unknown id as it is.
std::string EmploymentText(std::string_view id) {
  if (id == "active") return Bi("在职", "employed");
  if (id == "notice_given") return Bi("离职通知期", "notice given");
  if (id == "departed") return Bi("已离职", "departed");
  return E(id);
}

bool IsUse(std::string_view action) {
  return action == "record.copy" || action == "record.print" || action == "record.export";
}

std::string Yes(bool b) { return b ? Bi("是", "yes") : Bi("否", "no"); }

std::string Roles(const std::bitset<policy::kRoleCount>& roles) {
  std::string zh;
  std::string en;
  for (policy::Role r : policy::kAllRoles) {
    if (!roles.test(static_cast<size_t>(r))) continue;
    if (!zh.empty()) {
      zh += "、";
      en += ", ";
    }
    zh += std::string(policy::RoleLabelZh(r));
    en += std::string(policy::RoleLabelEn(r));
  }
  if (zh.empty()) return Bi("无", "nobody");
  return Bi(zh, en);
}

std::string UseText(const policy::UseRule& u) {
  switch (u.permission) {
    case policy::UsePermission::kForbidden:
      return Bi("禁止", "forbidden");
    case policy::UsePermission::kFree:
      return Bi("无需审批", "free");
    case policy::UsePermission::kWithApproval:
      return Bi("须 " + std::to_string(u.approvals) + " 人审批",
                "with " + std::to_string(u.approvals) + " approval(s)");
  }
  return "";
}

// The policy's rules per marking, in words.
std::string PolicyTable(const policy::Policy& p) {
  std::string h = "<table><thead><tr><th>" + Bi("密级", "Marking") + "</th><th>" +
                  Bi("可查阅角色", "Who may view") + "</th><th>" + Bi("查阅次数", "View quota") +
                  "</th><th>" + Bi("事由", "Reason") + "</th><th>" +
                  Bi("借阅审批", "Loan approvals") + "</th><th>" +
                  Bi("复制/打印/导出", "Copy / print / export") + "</th></tr></thead><tbody>";
  for (policy::Classification c : policy::kAllClassifications) {
    const policy::ClassificationRules& r = p.rules(c);
    std::string quota;
    if (!r.view_quota) {
      quota = Bi("不限", "unlimited");
    } else {
      const std::string n = std::to_string(*r.view_quota);
      const std::string w = std::to_string(r.quota_window_days);
      quota = r.quota_window_days == 0 ? Bi("每人每份 " + n + " 次", n + " per person per file")
                                       : Bi("每人每份 " + w + " 天内 " + n + " 次",
                                            n + " per person per file in " + w + " days");
    }
    std::string reason =
        r.reason_required
            ? Bi("必填，至少 " + std::to_string(r.reason_min_chars) + " 字",
                 "required, at least " + std::to_string(r.reason_min_chars) + " characters")
            : Bi("不要求", "not required");
    std::string loan = r.loan_approvals == 0
                           ? Bi("无需借阅", "no loan needed")
                           : Bi(std::to_string(r.loan_approvals) + " 人批准，最长 " +
                                    std::to_string(r.max_loan_hours) + " 小时" +
                                    (r.custodian_release ? "，须保管人发放" : ""),
                                std::to_string(r.loan_approvals) + " approval(s), at most " +
                                    std::to_string(r.max_loan_hours) + " h" +
                                    (r.custodian_release ? ", released by a custodian" : ""));
    h += "<tr><td>" + Bi(policy::ClassificationLabelZh(c), policy::ClassificationLabelEn(c)) +
         "</td><td>" + Roles(r.view_roles) + "</td><td>" + quota + "</td><td>" + reason +
         "</td><td>" + loan + "</td><td>" + Bi("复制", "Copy") + "：" + UseText(r.copy) + "<br>" +
         Bi("打印", "Print") + "：" + UseText(r.print) + "<br>" + Bi("导出", "Export") + "：" +
         UseText(r.export_) + "</td></tr>";
  }
  h += "</tbody></table>";
  return h;
}

constexpr std::string_view kCss = R"css(
@page { size: A4; margin: 18mm 15mm 20mm 15mm;
  @bottom-center { content: "第 " counter(page) " 页，共 " counter(pages) " 页 / Page " counter(page) " of " counter(pages); font-size: 9pt; color: #555; }
  @top-right { content: "Custos evidence report"; font-size: 8pt; color: #888; } }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", sans-serif; font-size: 10.5pt; color: #111; line-height: 1.45; max-width: 190mm; margin: 0 auto; padding: 1em; }
h1 { font-size: 18pt; margin: .2em 0 .4em; }
h2 { font-size: 13.5pt; border-bottom: 2px solid #333; padding-bottom: .15em; margin-top: 1.6em; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 1.1em 0 .3em; break-after: avoid; }
.en { color: #555; font-weight: normal; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 .8em; font-size: 9.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 1px solid #999; padding: .25em .4em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 8.5pt; word-break: break-all; }
.spike { background: #fde2e2; font-weight: bold; }
.refused { color: #8a1c1c; }
.notice { background: #fff4d6; }
.after { background: #eee; }
.box { border: 1px solid #888; padding: .6em .8em; margin: .6em 0; }
.sign { margin-top: 2.2em; }
.sign span, .blank { display: inline-block; min-width: 10em; border-bottom: 1px solid #000; }
.sign span { min-width: 16em; }
.chapter { break-before: page; }
.warn { color: #8a3b00; }
@media screen { body { background: #fafafa; } }
)css";

struct DayCounts {
  int views = 0;
  int refusals = 0;
  int uses = 0;
  int alerts = 0;
};

// A handover's customer state (vault/people/handover.h, CustomerStateId) in both
// languages.
std::string HandoverCustomerText(std::string_view state) {
  if (state == "confirmed") return Bi("客户已确认", "confirmed by the customer");
  if (state == "waived") return Bi("已豁免", "waived");
  if (state == "refused") return Bi("客户拒绝", "refused by the customer");
  if (state == "unreachable") return Bi("无法联系客户", "customer unreachable");
  if (state == "pending") return Bi("待客户确认", "not yet asked or answered");
  return E(state);
}

struct RecordAccess {
  UnixMillis first = 0;
  UnixMillis last = 0;
  int views = 0;
  int refusals = 0;
  int uses = 0;
};

std::string Timeline(const ReportData& d, const ReportPerson& p,
                     const std::map<std::string, const ReportRecord*>& records) {
  std::map<std::string, DayCounts> days;
  std::map<std::string, RecordAccess> per_record;
  int views = 0;
  int refusals = 0;
  int uses = 0;
  for (const ReportEvent& e : d.events) {
    if (e.actor_id != p.id) continue;
    const std::string day = Day(e.time, d.utc_offset_minutes);
    const bool view = e.action == "record.view";
    const bool use = IsUse(e.action);
    if (!e.allowed) {
      days[day].refusals += 1;
      refusals += 1;
    } else if (view) {
      days[day].views += 1;
      views += 1;
    } else if (use) {
      days[day].uses += 1;
      uses += 1;
    }
    if ((view || use) && !e.record_id.empty()) {
      RecordAccess& a = per_record[e.record_id];
      if (a.first == 0 || e.time < a.first) a.first = e.time;
      if (e.time > a.last) a.last = e.time;
      if (!e.allowed) {
        a.refusals += 1;
      } else if (view) {
        a.views += 1;
      } else {
        a.uses += 1;
      }
    }
  }
  for (const ReportAlert& a : p.alerts) days[Day(a.at, d.utc_offset_minutes)].alerts += 1;
  std::vector<int64_t> counts;
  for (const auto& [day, c] : days) {
    if (c.views > 0) counts.push_back(c.views);
  }
  const double median = policy::anomaly::MedianOfActiveDays(counts);
  int spikes = 0;

  std::string h =
      "<h3>" + E(p.display_name) + " (" + E(p.username) + ", <code>" + E(p.id) + "</code>)</h3>";
  h += "<table><tbody><tr><th>" + Bi("部门", "Department") + "</th><td>" + E(p.department) +
       "</td><th>" + Bi("在职状态", "Employment") + "</th><td>" + EmploymentText(p.employment) +
       (p.disabled ? " (" + Bi("账号已停用", "account disabled") + ")" : "") + "</td></tr>";
  h += "<tr><th>" + Bi("提出离职日", "Notice date") + "</th><td>" +
       E(p.notice_date.empty() ? "—" : p.notice_date) + "</td><th>" +
       Bi("最后工作日", "Last working day") + "</th><td>" +
       E(p.last_working_day.empty() ? "—" : p.last_working_day) + "</td></tr>";
  h += "<tr><th>" + Bi("查阅（允许）", "Views (allowed)") + "</th><td class=\"n\">" + Num(views) +
       "</td><th>" + Bi("被拒绝的操作", "Refused attempts") + "</th><td class=\"n\">" +
       Num(refusals) + "</td></tr>";
  h += "<tr><th>" + Bi("复制/打印/导出", "Copies / prints / exports") + "</th><td class=\"n\">" +
       Num(uses) + "</td><th>" + Bi("告警", "Alerts") + "</th><td class=\"n\">" +
       Num(p.alerts.size()) + "</td></tr></tbody></table>";

  h += "<p>" +
       Bi("每日活动（UTC" + FormatUtcOffset(d.utc_offset_minutes) +
              " 的日期，即公司日历，与离职通知日、最后工作日相同；表中时刻为 UTC）。"
              "查阅数超过本人活跃日中位数的 " +
              std::to_string(d.thresholds.spike_factor) + " 倍且不少于 " +
              std::to_string(d.thresholds.spike_min_views) + " 次的日期标为异常。",
          "Activity per day (dates at UTC" + FormatUtcOffset(d.utc_offset_minutes) +
              ", the company's calendar, as the notice date and the last working day; the "
              "times in the tables are UTC). Days whose views exceed " +
              std::to_string(d.thresholds.spike_factor) +
              "× the person's median active day and at least " +
              std::to_string(d.thresholds.spike_min_views) + " are flagged as spikes.") +
       "</p>";
  h += "<table><thead><tr><th>" + Bi("日期", "Date") + "</th><th>" + Bi("查阅", "Views") +
       "</th><th>" + Bi("复制等", "Uses") + "</th><th>" + Bi("被拒绝", "Refused") + "</th><th>" +
       Bi("告警", "Alerts") + "</th><th>" + Bi("说明", "Note") + "</th></tr></thead><tbody>";
  for (const auto& [day, c] : days) {
    const bool spike = policy::anomaly::IsSpike(c.views, median, d.thresholds) &&
                       static_cast<int>(counts.size()) >= d.thresholds.baseline_min_active_days;
    if (spike) ++spikes;
    std::string note;
    std::string cls;
    // The period is marked on days the person did something; a day with
    // only alerts about them (a customer who refused the handover after
    // they left) says so instead of reading like their own activity.
    const bool acted = c.views + c.uses + c.refusals > 0;
    if (!acted) {
      note = Bi("仅有关于本人的告警，本人无查阅、使用或被拒操作",
                "alerts about the person only; no views, uses or refusals by them");
    } else if (!p.last_working_day.empty() && day > p.last_working_day) {
      note = Bi("最后工作日之后", "after the last working day");
      cls = "after";
    } else if (!p.notice_date.empty() && day >= p.notice_date) {
      note = Bi("离职通知期内", "during the notice period");
      cls = "notice";
    }
    if (spike) {
      note += (note.empty() ? "" : "；") + Bi("异常峰值", "spike");
      cls = "spike";
    }
    h += "<tr" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + "><td>" + day +
         "</td><td class=\"n\">" + Num(c.views) + "</td><td class=\"n\">" + Num(c.uses) +
         "</td><td class=\"n\">" + Num(c.refusals) + "</td><td class=\"n\">" + Num(c.alerts) +
         "</td><td>" + note + "</td></tr>";
  }
  h += "</tbody></table>";
  char median_text[32];
  std::snprintf(median_text, sizeof median_text, "%.1f", median);
  h += "<p>" +
       Bi(std::string("活跃日中位数 ") + median_text + " 次；异常峰值日 " + std::to_string(spikes) +
              " 天。",
          std::string("Median active day ") + median_text + " views; " + std::to_string(spikes) +
              " spike day(s).") +
       "</p>";

  if (!per_record.empty()) {
    h += "<p>" + Bi("逐份档案的首次与最后访问", "First and last access per record") + "</p>";
    h += "<table><thead><tr><th>" + Bi("档案", "Record") + "</th><th>" + Bi("密级", "Marking") +
         "</th><th>" + Bi("首次", "First") + "</th><th>" + Bi("最后", "Last") + "</th><th>" +
         Bi("查阅", "Views") + "</th><th>" + Bi("复制等", "Uses") + "</th><th>" +
         Bi("被拒绝", "Refused") + "</th></tr></thead><tbody>";
    for (const auto& [id, a] : per_record) {
      auto it = records.find(id);
      const std::string name = it != records.end() ? it->second->name : "";
      const std::string cls = it != records.end() ? ClassLabel(it->second->classification) : "—";
      h += "<tr><td>" + E(name) + "<br><code>" + E(id) + "</code></td><td>" + cls + "</td><td>" +
           Time(a.first) + "</td><td>" + Time(a.last) + "</td><td class=\"n\">" + Num(a.views) +
           "</td><td class=\"n\">" + Num(a.uses) + "</td><td class=\"n\">" + Num(a.refusals) +
           "</td></tr>";
    }
    h += "</tbody></table>";
  }
  // Each access with its time, place and reason: what the person declared at
  // login (workstation, location) and for the act, and the address it came
  // from — what the "three views" rule records and a court asks for.
  {
    constexpr size_t kMaxAccessRows = 1000;
    std::string rows;
    size_t shown = 0;
    size_t total = 0;
    for (const ReportEvent& e : d.events) {
      if (e.actor_id != p.id || (e.action != "record.view" && !IsUse(e.action))) continue;
      if (++total > kMaxAccessRows) continue;
      ++shown;
      auto it = records.find(e.record_id);
      const std::string name = it != records.end() ? it->second->name : "";
      rows += "<tr" + std::string(e.allowed ? "" : " class=\"refused\"") + "><td>" + Time(e.time) +
              "</td><td>" + ActionText(e.action) + "</td><td>" + E(name) + "<br><code>" +
              E(e.record_id) + "</code></td><td>" +
              (e.allowed ? Bi("允许", "allowed")
                         : Bi("拒绝", "refused") + " <code>" + E(e.rule) + "</code>") +
              "</td><td>" + E(e.workstation) + "<br>" + E(e.location) + "<br><code>" + E(e.ip) +
              "</code></td><td>" + E(e.reason) + "</td><td class=\"n\">" + Num(e.seq) +
              "</td></tr>";
    }
    if (total > 0) {
      h += "<p>" +
           Bi("每次查阅与使用：时间、地点与事由", "Each view and use: time, place and reason") +
           (total > shown ? " (" +
                                Bi("仅列前 " + Num(shown) + " 条，共 " + Num(total) +
                                       " 条；全部见 audit/events.jsonl",
                                   "first " + Num(shown) + " of " + Num(total) +
                                       "; all are in audit/events.jsonl") +
                                ")"
                          : "") +
           "</p><table><thead><tr><th>" + Bi("时间", "Time") + "</th><th>" + Bi("操作", "Action") +
           "</th><th>" + Bi("档案", "Record") + "</th><th>" + Bi("决定", "Decision") + "</th><th>" +
           Bi("地点（工作站、所在地点、地址）", "Place (workstation, location, address)") +
           "</th><th>" + Bi("事由", "Reason") + "</th><th>" + Bi("事件序号", "Seq") +
           "</th></tr></thead><tbody>" + rows + "</tbody></table>";
    }
  }
  // Other steps by or about the person: loans, handovers, resignation,
  // departure — what frames the accesses above.
  constexpr size_t kMaxKeyEvents = 300;
  std::string rows;
  size_t shown = 0;
  size_t total = 0;
  for (const ReportEvent& e : d.events) {
    const bool about = e.object_id == p.id;
    const bool other = e.actor_id == p.id && e.action != "record.view" && !IsUse(e.action);
    if (!about && !other) continue;
    if (++total > kMaxKeyEvents) continue;
    ++shown;
    rows += "<tr><td>" + Time(e.time) + "</td><td>" + ActionText(e.action) + "</td><td>" +
            E(e.actor_name) + "</td><td>" +
            (e.allowed ? Bi("允许", "allowed") : Bi("拒绝", "refused")) + "</td><td><code>" +
            E(e.object_id) + "</code></td><td class=\"n\">" + Num(e.seq) + "</td></tr>";
  }
  if (total > 0) {
    h += "<p>" + Bi("其他相关事件", "Other events by or about the person") +
         (total > shown ? " (" +
                              Bi("仅列前 " + Num(shown) + " 条，共 " + Num(total) + " 条",
                                 "first " + Num(shown) + " of " + Num(total)) +
                              ")"
                        : "") +
         "</p><table><thead><tr><th>" + Bi("时间", "Time") + "</th><th>" + Bi("操作", "Action") +
         "</th><th>" + Bi("执行人", "By") + "</th><th>" + Bi("决定", "Decision") + "</th><th>" +
         Bi("对象", "Object") + "</th><th>" + Bi("事件序号", "Seq") + "</th></tr></thead><tbody>" +
         rows + "</tbody></table>";
  }
  if (!p.handovers.empty()) {
    h += "<p>" +
         Bi("客户交接与客户确认（见 people/" + p.id + ".json 的 handovers）",
            "Customer handovers and the customers' confirmation (see handovers in people/" + p.id +
                ".json)") +
         "</p><table><thead><tr><th>" + Bi("档案", "Record") + "</th><th>" +
         Bi("接手人", "Successor") + "</th><th>" + Bi("交接", "Handover") + "</th><th>" +
         Bi("客户确认", "Customer") + "</th><th>" + Bi("事件序号", "Event seq") +
         "</th></tr></thead><tbody>";
    for (const ReportHandover& x : p.handovers) {
      auto it = records.find(x.record_id);
      const std::string name = it != records.end() ? E(it->second->name) + "<br>" : "";
      std::string handover = x.state == "confirmed"
                                 ? Bi("已确认", "confirmed") + " — " + E(x.confirmed_by_name) +
                                       ", " + Time(x.confirmed_at)
                                 : Bi("待审批人确认", "awaiting an approver");
      std::string customer = HandoverCustomerText(x.customer);
      if (!x.customer_date.empty()) customer += " (" + E(x.customer_date) + ")";
      if (!x.waived_by_name.empty()) {
        customer += " — " + Bi("豁免人 ", "waived by ") + E(x.waived_by_name);
      }
      std::string seqs = x.confirm_seq != 0 ? Num(x.confirm_seq) : "—";
      if (x.customer_seq != 0) seqs += " / " + Num(x.customer_seq);
      h += "<tr><td>" + name + "<code>" + E(x.record_id) + "</code></td><td>" +
           E(x.successor_name) + "</td><td>" + handover + "</td><td>" + customer +
           "</td><td class=\"n\">" + seqs + "</td></tr>";
    }
    h += "</tbody></table>";
  }
  if (!p.alerts.empty()) {
    h += "<p>" +
         Bi("告警（见 people/" + p.id + ".json）", "Alerts (see people/" + p.id + ".json)") +
         "</p><table><thead><tr><th>" + Bi("时间", "Time") + "</th><th>" + Bi("类型", "Type") +
         "</th><th>" + Bi("档案", "Record") + "</th><th>" + Bi("事件序号", "Event seq") +
         "</th></tr></thead><tbody>";
    for (const ReportAlert& a : p.alerts) {
      h += "<tr><td>" + Time(a.at) + "</td><td><code>" + E(a.type) + "</code></td><td><code>" +
           E(a.record_id) + "</code></td><td class=\"n\">" + Num(a.audit_seq) + "</td></tr>";
    }
    h += "</tbody></table>";
  }
  return h;
}

std::string NonCompeteSection(const ReportAgreement& a) {
  const json::Value& nc = a.noncompete;
  std::string h =
      "<h3>" + E(a.title) + " — " + E(a.employee_name) + " (<code>" + E(a.id) + "</code>)</h3>";
  const json::Value* terms = nc.Find("terms");
  const json::Value* status = nc.Find("status");
  const json::Value* tracking = nc.Find("tracking");
  auto text = [](const json::Value* o, std::string_view key) -> std::string {
    if (o == nullptr || !o->is_object()) return "—";
    const json::Value* v = o->Find(key);
    if (v == nullptr || v->is_null()) return "—";
    if (v->is_string()) return E(v->as_string());
    return E(json::Serialize(*v));
  };
  h += "<table><tbody>";
  h += "<tr><th>" + Bi("起算日（最后工作日）", "Start (last working day)") + "</th><td>" +
       text(terms, "start") + "</td><th>" + Bi("期限（月）", "Months") + "</th><td>" +
       text(terms, "months") + "</td></tr>";
  h += "<tr><th>" + Bi("月补偿（分）", "Monthly compensation (minor units)") + "</th><td>" +
       text(terms, "monthly_minor") + " " + text(terms, "currency") + "</td><th>" +
       Bi("状态", "Phase") + "</th><td>" + text(status, "phase") + "</td></tr>";
  h += "<tr><th>" + Bi("逾期月数", "Overdue months") + "</th><td>" +
       text(status, "overdue_months") + "</td><th>" + Bi("下一期应付日", "Next due") + "</th><td>" +
       text(status, "next_due") + "</td></tr></tbody></table>";
  if (tracking != nullptr && tracking->is_object()) {
    const json::Value* payments = tracking->Find("payments");
    if (payments != nullptr && payments->is_array() && !payments->as_array().empty()) {
      h += "<table><thead><tr><th>" + Bi("所付月份", "Month paid") + "</th><th>" +
           Bi("金额（分）", "Amount (minor units)") + "</th><th>" + Bi("支付日", "Paid on") +
           "</th><th>" + Bi("凭证", "Reference") + "</th></tr></thead><tbody>";
      for (const json::Value& p : payments->as_array()) {
        h += "<tr><td class=\"n\">" + text(&p, "month") + "</td><td class=\"n\">" +
             text(&p, "amount_minor") + "</td><td>" + text(&p, "paid_on") + "</td><td>" +
             text(&p, "reference") + "</td></tr>";
      }
      h += "</tbody></table>";
    }
  }
  if (status != nullptr && status->is_object()) {
    const json::Value* months = status->Find("months");
    if (months != nullptr && months->is_array() && !months->as_array().empty()) {
      h += "<table><thead><tr><th>" + Bi("月份", "Month") + "</th><th>" + Bi("应付日", "Due") +
           "</th><th>" + Bi("应付", "Owed") + "</th><th>" + Bi("已付", "Paid") + "</th><th>" +
           Bi("逾期", "Overdue") + "</th></tr></thead><tbody>";
      for (const json::Value& m : months->as_array()) {
        h += "<tr><td class=\"n\">" + text(&m, "month") + "</td><td>" + text(&m, "due") +
             "</td><td class=\"n\">" + text(&m, "amount_minor") + "</td><td class=\"n\">" +
             text(&m, "paid_minor") + "</td><td>" + text(&m, "overdue") + "</td></tr>";
      }
      h += "</tbody></table>";
    }
  }
  h += "<p>" +
       Bi("数据见 agreements/" + a.id + "/noncompete.json（导出当日状态）。",
          "Data in agreements/" + a.id + "/noncompete.json (status on the export day).") +
       "</p>";
  return h;
}

std::string CustodyName(std::string_view what) {
  if (what == "request") return Bi("提出申请", "requested");
  if (what == "approve") return Bi("批准", "approved");
  if (what == "deny") return Bi("拒绝", "denied");
  if (what == "export") return Bi("导出", "exported");
  if (what == "download") return Bi("再次下载", "downloaded again");
  if (what == "hold.lift") return Bi("解除保全", "hold lifted");
  return E(what);
}

}  // namespace

std::string RenderReport(const ReportData& d) {
  std::map<std::string, const ReportRecord*> records;
  for (const ReportRecord& r : d.records) records[r.id] = &r;
  std::string h = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n<title>";
  h += E("证据包报告 / Evidence report — " + d.case_ref);
  h += "</title>\n<style>" + std::string(kCss) + "</style></head><body>\n";

  // ---- case and scope
  h += "<h1>" + Bi("证据包报告", "Evidence bundle report") + "</h1>";
  h += "<table><tbody>";
  h += "<tr><th>" + Bi("案号", "Case") + "</th><td>" + E(d.case_ref) + "</td></tr>";
  h += "<tr><th>" + Bi("用途", "Purpose") + "</th><td>" + E(d.purpose) + "</td></tr>";
  h += "<tr><th>" + Bi("证据申请", "Evidence request") + "</th><td><code>" + E(d.request_id) +
       "</code></td></tr>";
  std::string people;
  for (const ReportPerson& p : d.people) {
    if (!people.empty()) people += "；";
    people += E(p.display_name) + " (" + E(p.username) + ")";
  }
  h += "<tr><th>" + Bi("涉及人员", "People") + "</th><td>" + (people.empty() ? "—" : people) +
       "</td></tr>";
  int named = 0;
  for (const ReportRecord& r : d.records) named += r.named ? 1 : 0;
  h += "<tr><th>" + Bi("档案", "Records") + "</th><td>" +
       Bi(Num(d.records.size()) + " 份（其中申请点名 " + Num(named) + " 份）",
          Num(d.records.size()) + " (" + Num(named) + " named by the request)") +
       "</td></tr>";
  h += "<tr><th>" + Bi("时间范围", "Window") + "</th><td>" + Time(d.from) + " — " +
       (d.to == 0 ? Bi("至检查点", "to the checkpoint") : Time(d.to)) + "</td></tr>";
  h += "<tr><th>" + Bi("事件", "Events") + "</th><td>" + Num(d.events.size()) + "</td></tr>";
  h += "<tr><th>" + Bi("制作", "Made by") + "</th><td>" + E(d.creator_name) + ", " +
       Time(d.created) + "</td></tr>";
  h += "<tr><th>" + Bi("版本", "Edition") + "</th><td>" +
       (d.redacted ? Bi("遮蔽版：内容以加盐哈希承诺代替",
                        "redacted: content replaced by salted "
                        "commitments")
                   : Bi("完整版", "full")) +
       (d.encrypted ? "；" + Bi("以 age 格式加密交付", "delivered encrypted (age)") : "") +
       "</td></tr>";
  h += "<tr><th>" + Bi("审计日志", "Audit log") + "</th><td><code>" + E(d.log_name) + "</code>, " +
       Bi("检查点大小 " + Num(d.checkpoint_size), "checkpoint size " + Num(d.checkpoint_size)) +
       ", root <code>" + E(d.root_b64) + "</code>, " + Bi("公钥 ID ", "key ID ") + "<code>" +
       E(d.key_id_hex) + "</code></td></tr>";
  h += "<tr><th>" + Bi("可信时间戳", "Trusted timestamp") + "</th><td>" +
       (d.timestamped ? Bi("有：audit/checkpoint.tsr（RFC 3161），CA 证书见 keys/tsa-ca.pem",
                           "yes: audit/checkpoint.tsr (RFC 3161), CA in keys/tsa-ca.pem")
                      : "<span class=\"warn\">" +
                            Bi("无。本证据包未取得第三方可信时间戳；检查点时间由 Custos "
                               "服务器时钟给出。",
                               "none. This bundle carries no third-party timestamp; the "
                               "checkpoint's time is the Custos server's clock.") +
                            "</span>") +
       "</td></tr>";
  h += "</tbody></table>";

  // ---- confidentiality measures
  h += "<h2 class=\"chapter\">" + Bi("一、保密措施", "1. Confidentiality measures") + "</h2>";
  h += "<p>" +
       Bi("以下为本证据包所含文件记载的、公司在涉案期间采取的保密措施（《最高人民法院关于审理侵犯商"
          "业"
          "秘密民事案件适用法律若干问题的规定》第五条、第六条）。",
          "The measures the company had in force, as this bundle's files record them (SPC "
          "Provisions on Trade-Secret Civil Cases, 2020, Art. 5-6).") +
       "</p>";
  h += "<h3>" + Bi("密级标识", "Classification markings") + "</h3>";
  std::map<std::string, int> by_class;
  for (const ReportRecord& r : d.records) by_class[r.classification] += 1;
  h += "<table><thead><tr><th>" + Bi("密级", "Marking") + "</th><th>" + Bi("档案数", "Records") +
       "</th></tr></thead><tbody>";
  for (policy::Classification c : policy::kAllClassifications) {
    const std::string id(policy::ClassificationId(c));
    h += "<tr><td>" + ClassLabel(id) + "</td><td class=\"n\">" + Num(by_class[id]) + "</td></tr>";
  }
  h += "</tbody></table><p>" +
       Bi("每份档案的每个版本均带密级标识，见 records/*/v*.html。",
          "Every version of every record carries its marking, see records/*/v*.html.") +
       "</p>";
  h += "<h3>" + Bi("访问规则（策略）", "Access rules (policy)") + "</h3>";
  for (const ReportPolicy& p : d.policies) {
    h += "<p><b>" + Bi("策略版本 ", "Policy version ") + E(p.version) + "</b> — <code>policy/" +
         E(p.sha256) + ".xml</code>" +
         (p.first_applied != 0 ? "，" + Bi("自 " + Time(p.first_applied) + " 起施行",
                                           "in force from " + Time(p.first_applied))
                               : "") +
         (p.sha256 == d.policy_in_force ? "（" + Bi("导出时有效", "in force at export") + "）"
                                        : "") +
         "</p>";
    if (p.parsed) h += PolicyTable(*p.parsed);
  }
  h += "<p>" +
       Bi("每次访问（无论允许或拒绝）均记录时间、地点（IP、终端、申报位置）、事由、决定、依据的规则"
          "及当时策略的哈希；"
          "借阅须经申请人以外的审批人批准；档案负责人不得审批他人对其档案的访问。",
          "Every access, allowed or refused, is logged with time, place (IP, workstation, "
          "declared location), reason, decision, the deciding rule and the policy's hash; loans "
          "are approved by someone other than the requester; a record's owner never approves "
          "access to it.") +
       "</p>";
  h += "<h3>" + Bi("保密协议与竞业限制协议", "Agreements signed") + "</h3>";
  if (d.agreements.empty()) {
    h += "<p class=\"warn\">" +
         Bi("本证据包中没有涉及人员的协议。", "This bundle holds no agreement of the people.") +
         "</p>";
  } else {
    h += "<table><thead><tr><th>" + Bi("协议", "Agreement") + "</th><th>" + Bi("员工", "Employee") +
         "</th><th>" + Bi("方式", "Method") + "</th><th>" + Bi("员工签署", "Employee signed") +
         "</th><th>" + Bi("完成", "Completed") + "</th><th>" + Bi("签名验证", "Signatures") +
         "</th></tr></thead><tbody>";
    for (const ReportAgreement& a : d.agreements) {
      // A voided agreement was never signed and binds no one: said so, not
      // flagged as a signature that failed.
      const bool voided = a.state == "voided";
      const std::string method = a.method == "paper"        ? Bi("纸质扫描件", "paper scan")
                                 : a.method == "electronic" ? Bi("电子签名", "electronic")
                                 : voided ? Bi("已作废（未签署）", "void (never signed)")
                                          : E(a.state);
      h += "<tr><td>" + E(a.title) + "<br><code>" + E(a.id) + "</code></td><td>" +
           E(a.employee_name) + "</td><td>" + method + "</td><td>" + Time(a.employee_signed_at) +
           "</td><td>" + Time(a.completed_at) + "</td><td>" +
           (voided ? std::string("—")
            : a.all_signatures_ok && a.document_hash_ok
                ? Bi("通过", "verified")
                : "<span class=\"warn\">" + Bi("未通过或未签署", "not verified") + "</span>") +
           "</td></tr>";
    }
    h += "</tbody></table>";
  }

  // ---- timelines
  h += "<h2 class=\"chapter\">" + Bi("二、访问时间线", "2. Access timeline") + "</h2>";
  if (d.people.empty()) {
    h += "<p>" +
         Bi("申请未点名人员；事件见 audit/events.jsonl。",
            "The request names no person; the events are in audit/events.jsonl.") +
         "</p>";
  }
  for (const ReportPerson& p : d.people) h += Timeline(d, p, records);

  // ---- records
  h += "<h2 class=\"chapter\">" + Bi("三、档案", "3. Records") + "</h2>";
  h += "<table><thead><tr><th>" + Bi("档案", "Record") + "</th><th>" + Bi("类型", "Kind") +
       "</th><th>" + Bi("密级（现）", "Marking (now)") + "</th><th>" + Bi("负责人", "Owner") +
       "</th><th>" + Bi("版本数", "Versions") + "</th><th>" + Bi("诉讼保全", "Legal hold") +
       "</th></tr></thead><tbody>";
  for (const ReportRecord& r : d.records) {
    h += "<tr><td>" + E(r.name) + "<br><code>" + E(r.id) + "</code></td><td>" + E(r.kind) +
         "</td><td>" + ClassLabel(r.classification) + "</td><td>" + E(r.owner_name) +
         "</td><td class=\"n\">" + Num(r.versions) + "</td><td>" + Yes(r.held) + "</td></tr>";
  }
  h += "</tbody></table>";

  // ---- non-competes
  bool any_nc = false;
  for (const ReportAgreement& a : d.agreements) any_nc = any_nc || !a.noncompete.is_null();
  if (any_nc) {
    h += "<h2>" + Bi("四、竞业限制", "4. Non-competes") + "</h2>";
    for (const ReportAgreement& a : d.agreements) {
      if (!a.noncompete.is_null()) h += NonCompeteSection(a);
    }
  }

  // ---- chain of custody
  h += "<h2>" + Bi("五、证据保管链", "5. Chain of custody") + "</h2><table><thead><tr><th>" +
       Bi("时间", "Time") + "</th><th>" + Bi("步骤", "Step") + "</th><th>" + Bi("人员", "By") +
       "</th><th>" + Bi("事件序号", "Event seq") + "</th><th>" + Bi("说明", "Note") +
       "</th></tr></thead><tbody>";
  for (const ReportCustody& c : d.custody) {
    h += "<tr><td>" + Time(c.at) + "</td><td>" + CustodyName(c.what) + "</td><td>" + E(c.by_name) +
         "</td><td class=\"n\">" + Num(c.audit_seq) + "</td><td><code>" + E(c.note) +
         "</code></td></tr>";
  }
  h += "<tr><td>" + Time(d.created) + "</td><td>" + Bi("本次导出", "this export") + "</td><td>" +
       E(d.creator_name) + "</td><td>—</td><td>" +
       Bi("本次导出事件在本证据包之后写入日志，见下一次导出或审计日志。",
          "This export's own event follows the bundle in the log (see the next export or the "
          "audit log).") +
       "</td></tr></tbody></table>";

  // ---- system statement
  h += "<h2 class=\"chapter\">" + Bi("六、系统说明", "6. System statement") + "</h2>";
  h +=
      "<p>" +
      Bi("Custos 将每一次访问记录为一条规范化 JSON 事件（键排序、无多余空白），事件的精确字节即 "
         "Merkle "
         "树叶子（RFC 6962，SHA-256）。日志定期以 Ed25519 "
         "密钥签署检查点（c2sp.org/tlog-checkpoint，"
         "签名格式 "
         "c2sp.org/signed-note），从不签署相互矛盾的两个检查点。访问与其事件在同一事务中提交："
         "事件无法写入时访问不发生。",
         "Custos records every access as one canonical-JSON event (sorted keys, no insignificant "
         "whitespace) whose exact bytes are a leaf of a Merkle tree (RFC 6962, SHA-256). The "
         "log signs checkpoints with an Ed25519 key (c2sp.org/tlog-checkpoint, "
         "c2sp.org/signed-note) and never signs two checkpoints inconsistent with each other. "
         "An access and its event commit in one transaction: if the event cannot be written, "
         "the access does not happen.") +
      "</p><p>" +
      Bi("本证据包包含 " + Num(d.events.size()) + " 条事件及每条事件相对于检查点（大小 " +
             Num(d.checkpoint_size) +
             "）的包含证明；早先导出所依据的检查点附有一致性证明。"
             "manifest.xml 列出全部 " +
             Num(d.files) +
             " 个文件的大小与 SHA-256，并以日志密钥签名（manifest.xml.sig）；SHA256SUMS "
             "可用 sha256sum -c 核对。验证步骤见 VERIFY.md，verify.py 仅依赖 Python 3 与 openssl。",
         "This bundle holds " + Num(d.events.size()) +
             " events, each with its inclusion proof against the checkpoint of size " +
             Num(d.checkpoint_size) +
             "; the checkpoints of earlier exports come with consistency proofs. "
             "manifest.xml lists all " +
             Num(d.files) +
             " files with size and SHA-256 and is signed with the log key "
             "(manifest.xml.sig); SHA256SUMS checks with sha256sum -c. VERIFY.md gives the "
             "steps; verify.py needs only Python 3 and openssl.") +
      "</p>";

  // ---- draft certifications
  h += "<h2 class=\"chapter\">" + Bi("七、认证文书草稿", "7. Draft certifications") + "</h2>";
  h += "<p class=\"warn\">" +
       Bi("以下为草稿，须由熟悉系统的保管人员核对、修改后签署；签署前请律师审阅。",
          "Drafts: to be checked, adapted and signed by a custodian who knows the system; have "
          "counsel review them first.") +
       "</p>";
  h += "<h3>电子数据真实性说明</h3><div class=\"box\">";
  h += "<p>本人<span class=\"blank\"></span>，系<span class=\"blank\"></span>公司<span "
       "class=\"blank\"></span>"
       "（职务），负责管理本公司 Custos 商业秘密保管系统。就案号为“" +
       E(d.case_ref) + "”的证据包（证据申请 " + E(d.request_id) +
       "）所含电子数据，依据《最高人民法院关于民事诉讼证据的若干规定》第九十三条、第九十四条说明如"
       "下：</p><ol>";
  h += "<li>上述数据系本公司在日常经营管理中形成，并按档案管理制度保存于 Custos 系统；"
       "系统运行环境为<span class=\"blank\"></span>，在数据形成期间运行正常。</li>";
  h += "<li>系统对每一次访问自动记录时间、地点、事由与决定，记录以默克尔树及数字签名防止篡改；"
       "任何改动均会使本证据包的校验失败。</li>";
  h += "<li>本证据包由 " + E(d.creator_name) + " 于 " + Time(d.created) +
       " 经审批后从系统导出，导出行为本身记入审计日志。检查点大小为 " + Num(d.checkpoint_size) +
       "，根哈希为 " + E(d.root_b64) + "，日志公钥 ID 为 " + E(d.key_id_hex) + "。</li>";
  h += "<li>证据包内各文件的 SHA-256 值载于 manifest.xml 与 SHA256SUMS，可按 VERIFY.md "
       "所述方法重复验证。</li>";
  h += "</ol><p class=\"sign\">说明人（签名）：<span></span>　日期：<span></span></p></div>";
  h += "<h3>Declaration of a qualified person (FRE 902(13) and 902(14))</h3><div class=\"box\">";
  h += "<p>I, <span class=\"blank\"></span>, declare: I am employed by <span "
       "class=\"blank\"></span> "
       "as <span class=\"blank\"></span> and am "
       "familiar with the Custos records system the company uses to keep its confidential "
       "customer files and the log of every access to them. The records in evidence bundle " +
       E(d.request_id) + " (case " + E(d.case_ref) +
       ") were generated by that system in the regular course of business, by an electronic "
       "process that produces an accurate result: each access is recorded when it occurs, and "
       "the log is protected by a SHA-256 Merkle tree and signed checkpoints.</p>";
  h += "<p>The bundle was copied from the system on " + Time(d.created) +
       " by an approved export that the system itself recorded. Its integrity is established "
       "by a process of digital identification: every file's SHA-256 hash value is listed in "
       "manifest.xml (signed with the log key, ID " +
       E(d.key_id_hex) +
       ") and in SHA256SUMS; I have compared the hash values of the copy produced with those "
       "values and they match. The chain of custody is listed in section 5 of this report.</p>";
  h += "<p>I declare under penalty of perjury under the laws of the United States of America "
       "that the foregoing is true and correct (28 U.S.C. § 1746).</p>";
  h += "<p class=\"sign\">Signature: <span></span> Date: <span></span></p></div>";
  h += "<p class=\"warn\">" +
       Bi("向境外司法机构提供存储于中国境内的数据前，须依《个人信息保护法》第四十一条、《数据安全法"
          "》第三十六条取得主管机关批准。",
          "Before data stored in China is provided to a foreign court, approval is needed under "
          "PIPL Art. 41 and the Data Security Law Art. 36.") +
       "</p>";
  h += "</body></html>\n";
  return h;
}

}  // namespace custos::vault::evidence
