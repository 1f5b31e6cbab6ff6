#include "cli/demo_data.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string_view>
#include <tuple>
#include <utility>

#include "base/encoding.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/agreements/noncompete.h"
#include "vault/audit/audit_log.h"
#include "vault/people/departure_checklist.h"
#include "vault/people/employment.h"
#include "vault/people/handover.h"
#include "vault/records/loans.h"

namespace custos::cli {

// The demo is told in the vault's own vocabulary (this file only).
using namespace vault;  // NOLINT(google-build-using-namespace)
namespace {

using policy::Classification;
using policy::Role;

constexpr std::string_view kSeededKey = "demo/seeded";

struct Person {
  std::string_view username;
  std::string_view display;
  std::string_view department;
  std::string_view role_label;
  std::vector<Role> roles;
};

const std::vector<Person>& People() {
  static const std::vector<Person> people = {
      {"author", "张伟", "销售一部", "author", {Role::kAuthor}},
      {"borrower", "李娜", "市场部", "borrower", {Role::kBorrower}},
      {"custodian", "陈静", "档案室", "custodian", {Role::kCustodian}},
      {"approver", "刘强", "销售管理部", "approver", {Role::kApprover}},
      {"approver2", "郑华", "总经理办公室", "approver", {Role::kApprover}},
      {"legal", "王芳", "法务部", "legal", {Role::kLegal}},
      // A second legal user: an agreement is reviewed and sent by someone
      // other than its drafter.
      {"legal2", "黄睿", "法务部", "legal", {Role::kLegal}},
      {"litigation", "赵磊", "法务部", "litigation", {Role::kLitigation}},
      {"hr", "孙丽", "人力资源部", "hr", {Role::kHr}},
      {"auditor", "周敏", "审计部", "auditor", {Role::kAuditor}},
      {"admin", "吴刚", "信息技术部", "admin", {Role::kAdmin}},
      // A second administrator: grants of approver, custodian and admin
      // roles are confirmed by someone other than who asked for them.
      {"admin2", "冯涛", "信息技术部", "admin", {Role::kAdmin}},
      {"sales.wang", "王磊", "销售一部", "sales", {Role::kAuthor, Role::kBorrower}},
      {"sales.li", "李婷", "销售一部", "sales", {Role::kAuthor, Role::kBorrower}},
      {"sales.zhao", "赵鹏", "销售二部", "sales", {Role::kAuthor, Role::kBorrower}},
      {"sales.qian", "钱悦", "销售二部", "sales", {Role::kAuthor, Role::kBorrower}},
      {"sales.sun", "孙浩", "销售三部", "sales", {Role::kAuthor, Role::kBorrower}},
      {"sales.zhou", "周琳", "销售三部", "sales", {Role::kAuthor, Role::kBorrower}},
  };
  return people;
}

struct City {
  std::string_view name;
  std::string_view region;
  std::string_view code;
  std::array<std::string_view, 3> districts;
};

constexpr std::array<City, 12> kCities = {{
    {"上海", "华东", "310000", {"浦东新区", "闵行区", "嘉定区"}},
    {"苏州", "华东", "320500", {"工业园区", "吴中区", "昆山市"}},
    {"杭州", "华东", "330100", {"滨江区", "余杭区", "萧山区"}},
    {"宁波", "华东", "330200", {"鄞州区", "北仑区", "慈溪市"}},
    {"南京", "华东", "320100", {"江宁区", "鼓楼区", "浦口区"}},
    {"北京", "华北", "110000", {"朝阳区", "海淀区", "顺义区"}},
    {"天津", "华北", "120000", {"滨海新区", "西青区", "武清区"}},
    {"广州", "华南", "440100", {"天河区", "番禺区", "黄埔区"}},
    {"深圳", "华南", "440300", {"南山区", "宝安区", "龙岗区"}},
    {"成都", "西南", "510100", {"高新区", "双流区", "郫都区"}},
    {"武汉", "华中", "420100", {"东湖高新区", "江夏区", "汉阳区"}},
    {"西安", "西北", "610100", {"雁塔区", "未央区", "长安区"}},
}};
constexpr std::array<std::string_view, 24> kBrands = {
    "恒通", "瑞丰", "宏达", "金源", "鼎盛", "联创", "新泰", "永盛", "安捷", "博远", "凯旋", "嘉禾",
    "海纳", "天成", "中瑞", "卓越", "锦程", "盛世", "华茂", "东升", "德润", "广源", "明辉", "信达"};
constexpr std::array<std::string_view, 12> kIndustries = {
    "机电设备", "精密模具", "纺织",     "化工",       "电子科技", "食品",
    "物流",     "建材",     "医疗器械", "汽车零部件", "包装材料", "五金制品"};
constexpr std::array<std::string_view, 3> kSuffixes = {"有限公司", "股份有限公司", "贸易有限公司"};
constexpr std::array<std::string_view, 16> kSurnames = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"};
constexpr std::array<std::string_view, 12> kGiven = {
    "建国", "晓明", "丽华", "志强", "海燕", "文斌", "秀英", "国栋", "雪梅", "俊杰", "春生", "玉兰"};
constexpr std::array<std::string_view, 6> kTitles = {"采购经理", "采购总监", "总经理",
                                                     "财务主管", "生产经理", "董事长"};
constexpr std::array<std::string_view, 6> kRoads = {"人民路", "建设路",   "科技大道",
                                                    "解放路", "工业园路", "长江路"};
constexpr std::array<std::string_view, 6> kHabits = {
    "季度末集中下单，偏好电汇结算",   "小批量高频下单，要求 48 小时内发货",
    "年初签订框架协议，按月分批提货", "只在展会后下大单",
    "要求先样品确认再下单",           "通过集团统一采购平台下单"};
constexpr std::array<std::string_view, 5> kPreferences = {
    "偏好国产原材料，重视交期", "重视售后响应速度", "对包装要求严格，需定制标签",
    "倾向长期固定价格", "喜欢面谈，不喜欢电话推销"};
constexpr std::array<std::string_view, 5> kCharacter = {
    "决策人谨慎，需多次拜访", "老板性格爽快，重视人情", "采购经理注重数据，喜欢对比报价",
    "对价格敏感，但忠诚度高", "决策链长，需要技术部门背书"};
constexpr std::array<std::string_view, 4> kIntentions = {"计划明年扩产，预计采购量增加 30%",
                                                         "考虑引入第二供应商", "有意签订三年长约",
                                                         "评估转向线上采购"};
constexpr std::array<std::string_view, 4> kStatusLabels = {"active", "active", "active", "dormant"};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename A>
  std::string Pick(const A& a) {
    return std::string(a[static_cast<size_t>(Int(0, static_cast<int>(a.size()) - 1))]);
  }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Int(0, 9)));
    return s;
  }
  std::string Uscc(std::string_view code) {
    static constexpr std::string_view kAlnum = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    std::string s = "91";
    s += code;
    for (int i = 0; i < 10; ++i) s.push_back(kAlnum[static_cast<size_t>(Int(0, 30))]);
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

Classification PickClassification(Gen& g) {
  const int x = g.Int(0, 99);
  if (x < 10) return Classification::kPublic;
  if (x < 40) return Classification::kInternal;
  if (x < 70) return Classification::kConfidential;
  if (x < 90) return Classification::kSecret;
  return Classification::kTopSecret;
}

NewRecord MakeCustomer(Gen& g, int index, const std::string& owner, const std::string& custodian) {
  const City& city = kCities[static_cast<size_t>(g.Int(0, kCities.size() - 1))];
  const std::string industry = g.Pick(kIndustries);
  NewRecord r;
  r.kind = RecordKind::kCustomer;
  r.name = std::string(city.name) + g.Pick(kBrands) + industry + g.Pick(kSuffixes);
  r.classification = PickClassification(g);
  r.owner_id = owner;
  r.custodian_id = custodian;
  r.tags = {std::string(city.region), industry};
  r.territory = std::string(city.region) + "区";
  if (g.Int(0, 4) == 0) r.tags.push_back("重点客户");
  r.status = g.Pick(kStatusLabels);
  if (g.Int(0, 2) == 0) {
    r.paper = {"档案室 A" + std::to_string(g.Int(1, 3)), std::to_string(g.Int(1, 12)) + " 号柜",
               std::to_string(index + 1) + " 号盒"};
  }
  if (r.classification >= Classification::kSecret && g.Int(0, 1) == 0) {
    r.declassify_on = std::to_string(2028 + g.Int(0, 5)) + "-12-31";
  }
  RecordContent& c = r.content;
  c.registration_number = g.Uscc(city.code);
  c.address = std::string(city.name) + "市" +
              std::string(city.districts[static_cast<size_t>(g.Int(0, 2))]) + g.Pick(kRoads) +
              std::to_string(g.Int(1, 999)) + " 号";
  const int contacts = g.Int(1, 3);
  for (int i = 0; i < contacts; ++i) {
    const std::string digits = g.Digits(8);
    c.contacts.push_back(
        Contact{g.Pick(kSurnames) + g.Pick(kGiven), g.Pick(kTitles),
                "13" + std::to_string(g.Int(0, 9)) + digits,
                "buyer" + digits.substr(0, 4) + "@customer" + std::to_string(index) + ".example.cn",
                "wx_" + digits});
  }
  c.business_status = g.Int(0, 9) == 0 ? "停业" : "存续";
  c.trading_habits = g.Pick(kHabits);
  c.order_volumes = "月均 " + std::to_string(g.Int(2, 500) * 10) + " 件";
  c.order_cycle = "每 " + std::to_string(g.Int(1, 8)) + " 周一次";
  c.price_tolerance = "可接受涨价不超过 " + std::to_string(g.Int(1, 8)) + "%";
  c.agreed_prices = industry + "主力型号单价 " + std::to_string(g.Int(20, 2000)) +
                    " 元，年度返点 " + std::to_string(g.Int(1, 5)) + "%";
  c.intentions = g.Pick(kIntentions);
  c.preferences = g.Pick(kPreferences);
  c.character_notes = g.Pick(kCharacter);
  c.key_dates = {
      {"2026-" + std::string(g.Int(1, 9) < 10 ? "0" : "") + std::to_string(g.Int(1, 9)) + "-15",
       "年度合同续签"}};
  c.notes = "首次合作于 " + std::to_string(2015 + g.Int(0, 10)) + " 年。";
  return r;
}

NewRecord MakeDocument(Gen& g, int index, const std::string& owner, const std::string& custodian) {
  static constexpr std::array<std::string_view, 5> kTopics = {
      "年度价格体系", "渠道返利政策", "重点客户拜访计划", "新品定价策略", "竞争对手分析"};
  NewRecord r;
  r.kind = RecordKind::kDocument;
  r.name = std::to_string(2024 + index % 3) + " 年" + g.Pick(kTopics) + "（第 " +
           std::to_string(index + 1) + " 号）";
  r.classification = PickClassification(g);
  r.owner_id = owner;
  r.custodian_id = custodian;
  r.tags = {"内部文件", "销售管理"};
  r.content.notes = "本文件为公司商业秘密，仅限授权人员查阅。要点：" + g.Pick(kIntentions) + "；" +
                    g.Pick(kPreferences) + "。";
  return r;
}

// ---- the story's calendar ----------------------------------------------------

// The day of the month the demo's non-compete compensation is due.
constexpr int kDemoPayDay = 15;

constexpr int64_t kDayMillis = int64_t{86'400} * 1000;
constexpr int64_t kHourMillis = int64_t{3'600} * 1000;

// The public holidays on weekdays the company's policy names (DemoPolicyXml).
constexpr std::array<CivilDate, 2> kHolidays = {{{2026, 10, 1}, {2027, 1, 1}}};

// The company's working days as its policy says them: Monday to Friday but
// the holidays.
bool IsWorkday(CivilDate d) {
  const int64_t days = DaysFromCivil(d);
  const int64_t weekday = ((days % 7) + 7 + 4) % 7;  // 0 = Sunday (1970-01-01 was a Thursday)
  if (weekday == 0 || weekday == 6) return false;
  return std::find(kHolidays.begin(), kHolidays.end(), d) == kHolidays.end();
}
CivilDate Plus(CivilDate d, int days) { return CivilFromDays(DaysFromCivil(d) + days); }
// `d` if it is a working day, else the next (or, going back, the last) one.
CivilDate WorkdayFrom(CivilDate d, int step = 1) {
  while (!IsWorkday(d)) d = Plus(d, step);
  return d;
}

// The story's days, counted back from `today`; each is a working day, and
// each step's day follows the one before (DemoTimeline checks).
struct Timeline {
  CivilDate founded;  // the company starts to use Custos: people, policy
  CivilDate files;    // the owners bring their files in
  CivilDate ndas, follow_ups, transfer;
  // kDemoCompletedLeaver.
  CivilDate completed_notice, completed_last_day;
  // kDemoLeaver: collecting the day before the notice (both working days).
  CivilDate collected, notice, last_working_day;
  CivilDate today;
};

Timeline DemoTimeline(CivilDate today) {
  Timeline t;
  t.today = today;
  // Three months' compensation are due by `today` and the fourth is due on
  // the first pay day after it: the first is due on the first pay day after
  // the last working day (the contract's 首期…第一个支付日), which lies 20
  // days before it — whatever the month lengths.
  CivilDate fourth_due{today.year, today.month, kDemoPayDay};
  if (fourth_due <= today) fourth_due = AddMonths(fourth_due, 1);
  // (A weekend moves it back to the Friday: the first pay day after it is
  // the same.)
  t.last_working_day = WorkdayFrom(Plus(AddMonths(fourth_due, -3), -20), -1);
  // Notice about a month before, on a working day that follows another.
  t.notice = Plus(t.last_working_day, -30);
  while (!IsWorkday(t.notice) || !IsWorkday(Plus(t.notice, -1))) t.notice = Plus(t.notice, -1);
  t.collected = Plus(t.notice, -1);
  t.completed_last_day = WorkdayFrom(Plus(t.notice, -20), -1);
  t.completed_notice = WorkdayFrom(Plus(t.completed_last_day, -30), -1);
  t.transfer = WorkdayFrom(Plus(t.completed_notice, -60), -1);
  t.follow_ups = WorkdayFrom(Plus(t.transfer, -30), -1);
  t.founded = WorkdayFrom(Plus(t.follow_ups, -90), -1);
  t.files = WorkdayFrom(Plus(t.founded, 1));
  t.ndas = WorkdayFrom(Plus(t.files, 1));
  const std::array<CivilDate, 10> order = {t.founded,
                                           t.files,
                                           t.ndas,
                                           t.follow_ups,
                                           t.transfer,
                                           t.completed_notice,
                                           t.completed_last_day,
                                           t.collected,
                                           t.notice,
                                           t.last_working_day};
  if (!std::is_sorted(order.begin(), order.end()) || t.last_working_day >= today) {
    Die("demo: the story's calendar is out of order");  // a bug in the offsets above
  }
  return t;
}

// The date in China (UTC+8) of a moment: the demo company's calendar (the
// default policy's <calendar>), as the departure sweep and the server count.
CivilDate ChinaDay(UnixMillis t) { return CivilFromDays(LocalDay(t, 8 * 60)); }

// `day` at hour:minute China time (UTC+8), as a moment.
UnixMillis ChinaTime(CivilDate day, int hour, int minute) {
  return DaysFromCivil(day) * kDayMillis + (int64_t{hour} - 8) * kHourMillis + minute * 60'000;
}

// When the story's last working hours begin: "today" on a working day, if
// they are over by now, else on the last working day that allows it — but
// late enough that a secret file's loan released then (48 hours) is still
// in force for a day, else simply four hours before now. Never before the
// story's present `after`. The hours take about three and a half.
UnixMillis LastHoursStart(UnixMillis now, UnixMillis after) {
  const UnixMillis latest = now - 4 * kHourMillis;
  for (CivilDate d = ChinaDay(latest);; d = Plus(d, -1)) {
    const UnixMillis start = std::min(latest, ChinaTime(d, 13, 0));
    if (start < now - 24 * kHourMillis) break;
    if (IsWorkday(d) && start >= ChinaTime(d, 9, 0)) return std::max(start, after);
  }
  return std::max(latest, after);
}

// A customer's answer given on `day`, as its date: never after the
// server's today, which the vault checks (without a history the story may
// be told for a later `today`).
std::string AnswerDate(CivilDate day) { return FormatDate(std::min(day, ChinaDay(NowMillis()))); }

// With a history, moves the story to `day` at hour:minute China time.
Status StoryAt(DemoHistory* history, CivilDate day, int hour, int minute) {
  return history == nullptr ? Status::Ok() : history->At(day, hour, minute);
}

// A person at their desk in the Shanghai office: each has their own
// workstation, as the audit log's place names it.
Caller SystemCaller(const std::string& user_id, std::string_view username) {
  Caller c;
  c.user_id = user_id;
  c.session = "demo-seed";
  const auto& people = People();
  const auto it = std::find_if(people.begin(), people.end(),
                               [&](const Person& p) { return p.username == username; });
  c.place.workstation = "HX-SH-PC" + std::to_string(101 + (it - people.begin()));
  c.place.location = "华信商贸有限公司 上海总部";
  return c;
}

// The demo company's policy: the shipped default plus its working hours
// (Monday to Friday, 08:00–20:00 China time), so the off-hours alert shows.
std::string DemoPolicyXml() {
  std::string xml(DefaultPolicyXml());
  const std::string_view end = "</custos-policy>";
  const size_t at = xml.rfind(end);
  std::string hours =
      "  <work-hours utc-offset=\"+08:00\" start=\"08:00\" end=\"20:00\"\n"
      "              days=\"mon tue wed thu fri\">\n";
  for (const CivilDate& d : kHolidays) hours += "    <holiday date=\"" + FormatDate(d) + "\"/>\n";
  hours += "  </work-hours>\n";
  xml.insert(at, hours);
  return xml;
}

}  // namespace

Status SeedDemoCompany(Archive& archive, const DemoOptions& options,
                       std::vector<DemoLogin>* logins) {
  Vault& vault = archive.vault();
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(bool seeded, r->Has(tables::kIndex, kSeededKey));
    if (seeded) return Status::AlreadyExists("the demo company is already in this vault");
    for (const Person& p : People()) {
      if (FindUserByName(*r, p.username).ok())
        return Status::AlreadyExists("user '" + std::string(p.username) + "' already exists");
    }
  }
  const std::optional<Timeline> days = options.history != nullptr
                                           ? std::optional(DemoTimeline(options.history->today()))
                                           : std::nullopt;
  if (days) CUSTOS_RETURN_IF_ERROR(StoryAt(options.history, days->founded, 9, 0));
  // Users (passwords hashed outside the write transaction's hot path: one
  // Write per user keeps each transaction short).
  std::map<std::string, User, std::less<>> users;
  std::vector<DemoLogin> out;
  for (const Person& p : People()) {
    SecretBytes password =
        options.password.empty() ? GeneratePassword(16) : SecretBytes::CopyOf(options.password);
    User u;
    u.username = std::string(p.username);
    u.display_name = std::string(p.display);
    u.department = std::string(p.department);
    // Sales team two also covers South China's customers, whoever owns them.
    if (p.department == "销售二部") u.territories = {"华南区"};
    u.roles = p.roles;
    u.created = NowMillis();
    CUSTOS_ASSIGN_OR_RETURN(u.password_hash, HashPassword(password, options.password_kdf));
    User created;
    CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(created, CreateUser(w, u));
      return Status::Ok();
    }));
    users[u.username] = created;
    out.push_back(
        DemoLogin{u.username, std::string(p.role_label), u.display_name, std::move(password)});
  }
  if (days) CUSTOS_RETURN_IF_ERROR(StoryAt(options.history, days->founded, 9, 30));
  CUSTOS_ASSIGN_OR_RETURN(
      PolicyApplication applied,
      ApplyPolicy(vault, archive.audit_log(), SystemCaller(users["admin"].id, "admin"),
                  DemoPolicyXml(), "设定公司工作时间（演示）"));
  if (applied.pending_second_approval) {
    // Two administrators change a policy that guards role grants.
    CUSTOS_RETURN_IF_ERROR(ApplyPolicy(vault, archive.audit_log(),
                                       SystemCaller(users["admin2"].id, "admin2"), DemoPolicyXml(),
                                       "同意：设定公司工作时间（演示）")
                               .status());
  }
  const std::string custodian = users["custodian"].id;
  std::vector<std::string> owners = {"author",     "sales.wang", "sales.li",  "sales.zhao",
                                     "sales.qian", "sales.sun",  "sales.zhou"};
  // Records, created by their owners in batches.
  Gen g(options.seed);
  std::map<std::string, std::vector<NewRecord>> by_owner;
  for (int i = 0; i < options.customers; ++i) {
    const std::string& owner = owners[static_cast<size_t>(i) % owners.size()];
    by_owner[owner].push_back(MakeCustomer(g, i, users[owner].id, custodian));
  }
  for (int i = 0; i < options.documents; ++i) {
    by_owner["author"].push_back(MakeDocument(g, i, users["author"].id, custodian));
  }
  // Each owner brings their files in on the next working day.
  int minutes = 0;
  for (const std::string& owner : owners) {
    if (days) {
      CUSTOS_RETURN_IF_ERROR(
          StoryAt(options.history, days->files, 10 + minutes / 60, minutes % 60));
      minutes += 35;
    }
    const std::vector<NewRecord>& list = by_owner[owner];
    for (size_t start = 0; start < list.size(); start += 100) {
      std::vector<NewRecord> batch(
          list.begin() + static_cast<std::ptrdiff_t>(start),
          list.begin() + static_cast<std::ptrdiff_t>(std::min(list.size(), start + 100)));
      CUSTOS_RETURN_IF_ERROR(
          archive.CreateRecords(SystemCaller(users[owner].id, owner), batch, "客户建档（演示数据）")
              .status());
    }
  }
  CUSTOS_RETURN_IF_ERROR(
      vault.Write([](WriteTxn& w) { return w.Insert(tables::kIndex, kSeededKey, "1"); }));
  if (logins != nullptr) *logins = std::move(out);
  return Status::Ok();
}

Status SeedDemoCompany(Vault& vault, const DemoOptions& options, std::vector<DemoLogin>* logins) {
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log, AuditLog::Open(vault));
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<Archive> archive, Archive::Open(vault, *log));
  return SeedDemoCompany(*archive, options, logins);
}

namespace {

constexpr std::string_view kAgreementsSeededKey = "demo/agreements";

// The employer as every agreement names it. Made up, like the company.
constexpr std::string_view kEmployer = "华信商贸有限公司";
constexpr std::string_view kEmployerCreditCode = "91310115MA1HX0D26W";
constexpr std::string_view kEmployerAddress = "上海市浦东新区张杨路 1288 号华信大厦 18 层";
constexpr std::string_view kEmployerLegalRep = "郑华";
constexpr std::string_view kArbitration = "上海市浦东新区劳动人事争议仲裁委员会";

// What an agreement says about its employee beyond their account.
struct Signatory {
  std::string_view username;
  std::string_view position;   // 乙方岗位
  std::string_view id_region;  // GB/T 2260 code of the resident ID
  std::string_view birth;      // YYYYMMDD
  bool male = false;
  std::string_view address;
};

// Everyone whose roles may open customer files (the policy's view roles:
// author, borrower, approver), and the custodian who keeps the paper files.
// Legal staff are left out: each agreement needs a legal drafter and a
// second legal reviewer who are not its employee, and the demo has two.
constexpr std::array<Signatory, 11> kSignatories = {{
    {"author", "销售一部 高级客户经理", "310104", "19860412", true,
     "上海市徐汇区漕溪北路 201 弄 6 号 1202 室"},
    {"borrower", "市场部 市场专员", "320583", "19930827", false,
     "上海市闵行区莘松路 58 弄 12 号 301 室"},
    {"approver", "销售管理部 经理", "310110", "19790305", true,
     "上海市杨浦区国定路 335 号 2 号楼 801 室"},
    {"approver2", "总经理办公室 副总经理", "330106", "19740119", true,
     "上海市长宁区仙霞路 99 弄 3 号 602 室"},
    {"custodian", "档案室 档案管理员", "310115", "19880614", false,
     "上海市浦东新区锦绣路 1500 弄 22 号 402 室"},
    {"sales.wang", "销售一部 客户经理", "320102", "19900921", true,
     "上海市普陀区真北路 818 弄 5 号 1101 室"},
    {"sales.li", "销售一部 客户经理", "310107", "19920503", false,
     "上海市闵行区七莘路 1888 弄 17 号 703 室"},
    {"sales.zhao", "销售二部 客户经理", "370202", "19890716", true,
     "上海市宝山区牡丹江路 1211 弄 8 号 502 室"},
    {"sales.qian", "销售二部 销售代表", "330203", "19960210", false,
     "上海市静安区共和新路 3088 弄 2 号 1905 室"},
    {"sales.sun", "销售三部 客户经理", "420106", "19910330", true,
     "上海市嘉定区城中路 138 号 4 号楼 602 室"},
    {"sales.zhou", "销售三部 销售代表", "510107", "19971108", false,
     "上海市松江区人民北路 2255 弄 9 号 301 室"},
}};

// A resident ID number (GB 11643) for one of the made-up staff: region,
// birth date, a sequence number whose last digit is odd for men and even for
// women, and the ISO 7064 MOD 11-2 check character the template's
// resident_id field verifies.
std::string ResidentId(const Signatory& s, int index) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  std::string id = std::string(s.id_region) + std::string(s.birth) +
                   std::to_string(100 + 2 * index + (s.male ? 1 : 0));
  int sum = 0;
  for (size_t i = 0; i < kWeights.size(); ++i) sum += (id[i] - '0') * kWeights[i];
  id.push_back("10X98765432"[sum % 11]);
  return id;
}

// The demo's people as the seeding acts for them: each account and the
// password its owner signs with.
class Cast {
 public:
  static Result<Cast> Load(Vault& vault, const std::vector<DemoLogin>& logins) {
    Cast cast;
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    for (const Person& p : People()) {
      auto user = FindUserByName(*r, p.username);
      if (!user.ok()) {
        return Status::FailedPrecondition("demo user '" + std::string(p.username) +
                                          "' is missing: seed the company first");
      }
      auto login = std::find_if(logins.begin(), logins.end(),
                                [&](const DemoLogin& l) { return l.username == p.username; });
      if (login == logins.end()) {
        return Status::FailedPrecondition("no login for demo user '" + std::string(p.username) +
                                          "'");
      }
      cast.users_[std::string(p.username)] = std::move(user).value();
      cast.passwords_[std::string(p.username)] = &login->password;
    }
    return cast;
  }

  // Only for the demo's own usernames (Load found them all).
  const User& user(std::string_view username) const {
    auto it = users_.find(username);
    if (it == users_.end()) Die("demo: unknown demo user");
    return it->second;
  }
  const SecretBytes& password(std::string_view username) const {
    auto it = passwords_.find(username);
    if (it == passwords_.end()) Die("demo: unknown demo user");
    return *it->second;
  }
  Caller As(std::string_view username) const { return SystemCaller(user(username).id, username); }

 private:
  std::map<std::string, User, std::less<>> users_;
  std::map<std::string, const SecretBytes*, std::less<>> passwords_;
};

// The fields both templates share: the parties and the dispute forum.
json::Value PartyFields(const User& employee, const Signatory& s, int index) {
  json::Value f = json::Value::MakeObject();
  f["employer_name"] = std::string(kEmployer);
  f["employer_credit_code"] = std::string(kEmployerCreditCode);
  f["employer_address"] = std::string(kEmployerAddress);
  f["employer_legal_rep"] = std::string(kEmployerLegalRep);
  f["employee_name"] = employee.display_name;
  f["employee_id_number"] = ResidentId(s, index);
  f["employee_address"] = std::string(s.address);
  f["employee_position"] = std::string(s.position);
  f["dispute_forum"] = "labour_arbitration";
  f["arbitration_commission"] = std::string(kArbitration);
  return f;
}

json::Value NdaFields(const User& employee, const Signatory& s, int index) {
  json::Value f = PartyFields(employee, s, index);
  f["additional_confidential_info"] =
      "甲方保密档案系统（Custos）中的客户档案、经营文件及其借阅、查阅和审批记录";
  f["sign_place"] = "上海市浦东新区";
  return f;
}

// The non-compete of a salesperson who knows the East China customers. The
// compensation is above 30% of the average wage and Shanghai's minimum wage
// (N6), the region and business are named, not blanket (N4), and the
// penalty stays well under three times the total compensation (N8).
json::Value NonCompeteFields(const User& employee, const Signatory& s, int index) {
  json::Value f = PartyFields(employee, s, index);
  f["compensation_schedule"] = "monthly";
  f["pay_day"] = kDemoPayDay;
  f["employee_category"] = "confidentiality_duty";
  f["secrets_known"] =
      "甲方华东区客户的名单、联系人及联系方式、交易习惯、采购意向、历史成交价格和返点政策，"
      "以及乙方在保密档案系统中借阅、查阅过的其他销售团队的客户档案";
  f["restricted_business"] = "机电设备、精密模具、五金制品及汽车零部件的批发和销售";
  f["named_competitors"] = "上海同舟机电贸易有限公司、苏州启航五金销售有限公司";
  f["restricted_region"] = "上海市、江苏省苏州市、浙江省杭州市和宁波市";
  f["restricted_months"] = 12;
  f["compensation_monthly"] = "6000.00";
  f["average_monthly_wage"] = "18500.00";
  json::Value region = json::Value::MakeObject();
  region["code"] = "310000";
  region["name"] = "上海市";
  f["work_region"] = std::move(region);
  f["has_penalty"] = true;
  f["penalty_amount"] = "150000.00";
  return f;
}

// The departure obligations notice legal issues to the leaver: it repeats
// their non-compete's period, region and compensation (check D1 compares
// them with the signed agreement) and lists what they must return.
json::Value NoticeFields(const User& employee, const Signatory& s, const json::Value& nc,
                         CivilDate last_working_day, CivilDate notice_date,
                         std::string_view contact) {
  json::Value f = json::Value::MakeObject();
  f["employer_name"] = std::string(kEmployer);
  f["employee_name"] = employee.display_name;
  f["employee_position"] = std::string(s.position);
  f["last_working_day"] = FormatDate(last_working_day);
  f["secrets_known"] = nc.Find("secrets_known")->as_string();
  f["has_noncompete"] = true;
  f["restricted_months"] = nc.Find("restricted_months")->as_int();
  f["compensation_monthly"] = nc.Find("compensation_monthly")->as_string();
  f["restricted_region"] = nc.Find("restricted_region")->as_string();
  f["return_items"] = "客户档案借阅件、报价单、客户名片和通讯录、公司笔记本电脑及移动存储设备";
  f["contact_name"] = "法务部 " + std::string(contact);
  f["contact_phone"] = "021-6288 0100";
  f["notice_date"] = FormatDate(notice_date);
  return f;
}

// Text for a PDF string literal: the characters PDF escapes, escaped.
std::string PdfText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '(' || c == ')' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The demo has no scanner: the "scan" of a paper agreement is a one-page
// PDF saying what it stands in for and which document was printed for
// signing. Same inputs, same bytes (so the same SHA-256).
std::string PaperScanPlaceholder(const Agreement& a, std::string_view signer) {
  const std::vector<std::string> lines = {
      "Huaxin Trading Co., Ltd. - employee confidentiality agreement (paper original)",
      "Signed on paper by the employee (" + std::string(signer) + ") and by the company.",
      "Agreement " + a.id + ", printed document SHA-256:",
      a.document_sha256,
      "Custos demo data: this page stands in for the scan of the signed original,",
      "which is kept in the archive room.",
  };
  std::string content = "BT\n/F1 11 Tf\n16 TL\n72 770 Td\n";
  for (const std::string& line : lines) content += "(" + PdfText(line) + ") Tj T*\n";
  content += "ET";
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
      "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
  };
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char entry[21];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    pdf += entry;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// A stretch of the story: steps some minutes apart, the first on `day` at
// hour:minute China time (or at the minute from `at`). Without a history
// every step is now. (Steps over every file of a person are one step: each
// read of the clock within a step moves it on a millisecond, a few per
// action, so a company of any size fits its day.)
class Steps {
 public:
  Steps(DemoHistory* history, CivilDate day, int hour, int minute)
      : history_(history), day_(day), minute_(hour * 60 + minute) {}
  Steps(DemoHistory* history, UnixMillis at) : history_(history) {
    const UnixMillis local = at + 8 * kHourMillis;
    day_ = ChinaDay(at);
    minute_ = static_cast<int>((local - DaysFromCivil(day_) * kDayMillis + 59'999) / 60'000);
  }
  // The first step, then each `minutes` after the one before.
  Status Next(int minutes = 2) {
    if (started_) minute_ += minutes;
    started_ = true;
    return StoryAt(history_, day_, minute_ / 60, minute_ % 60);
  }

 private:
  DemoHistory* history_;
  CivilDate day_;
  int minute_ = 0;
  bool started_ = false;
};

// Draft (legal) → submit → review and send (the second legal user).
Result<Agreement> DraftAndSend(Agreements& agreements, const Cast& cast,
                               std::string_view template_id, const User& employee,
                               json::Value fields) {
  DraftRequest draft;
  draft.template_id = std::string(template_id);
  draft.employee_id = employee.id;
  draft.classification = Classification::kConfidential;
  draft.fields = std::move(fields);
  CUSTOS_ASSIGN_OR_RETURN(Agreement a, agreements.CreateDraft(cast.As("legal"), draft));
  CUSTOS_RETURN_IF_ERROR(agreements.Submit(cast.As("legal"), a.id).status());
  return agreements.Send(cast.As("legal2"), a.id);
}

// Signed by the employee and countersigned by legal; the employee then
// downloads their copy (the delivery N10 asks for).
Status SignElectronically(Agreements& agreements, const Cast& cast, const Agreement& a,
                          std::string_view employee) {
  CUSTOS_RETURN_IF_ERROR(
      agreements.Sign(cast.As(employee), a.id, cast.password(employee)).status());
  CUSTOS_RETURN_IF_ERROR(
      agreements.Countersign(cast.As("legal"), a.id, cast.password("legal")).status());
  return agreements.Download(cast.As(employee), a.id).status();
}

Status SeedNdas(Agreements& agreements, const Cast& cast, Steps& steps, DemoDeparture* out) {
  for (size_t i = 0; i < kSignatories.size(); ++i) {
    CUSTOS_RETURN_IF_ERROR(steps.Next(20));
    const Signatory& s = kSignatories[i];
    const User& employee = cast.user(s.username);
    CUSTOS_ASSIGN_OR_RETURN(Agreement a, DraftAndSend(agreements, cast, kDemoNdaTemplate, employee,
                                                      NdaFields(employee, s, static_cast<int>(i))));
    if (s.username == kDemoPaperSigner) {
      // Signed on paper at a branch visit: legal files the scan, and the
      // custodian who took the original into the archive room attests it.
      CUSTOS_RETURN_IF_ERROR(
          agreements
              .UploadPaper(cast.As("legal"), a.id, PaperScanPlaceholder(a, s.username),
                           "application/pdf", "",
                           PaperLocation{"档案室 A1", "人事档案柜 2 号", "保密协议 第 1 盒"},
                           FormatDate(ChinaDay(NowMillis())))
              .status());
      CUSTOS_RETURN_IF_ERROR(
          agreements.AttestPaper(cast.As("custodian"), a.id, cast.password("custodian")).status());
      CUSTOS_RETURN_IF_ERROR(agreements.Download(cast.As(s.username), a.id).status());
    } else {
      CUSTOS_RETURN_IF_ERROR(SignElectronically(agreements, cast, a, s.username));
    }
    ++out->ndas;
  }
  return Status::Ok();
}

// Refused is what the story expects here; anything else is a seeding error.
Status ExpectRefused(const Status& st, std::string_view what) {
  if (st.code() == StatusCode::kPermissionDenied || st.code() == StatusCode::kResourceExhausted) {
    return Status::Ok();
  }
  if (st.ok()) return Status::Internal("demo: " + std::string(what) + " was allowed");
  return st;
}

// The leaver, working from the office as usual, then from home.
Caller LeaverAt(const Cast& cast, bool home) {
  Caller c = cast.As(kDemoLeaver);
  if (home) {
    c.place.workstation = "个人笔记本电脑";
    c.place.location = "上海市闵行区（家中，远程登录）";
  }
  return c;
}

// Before giving notice, the leaver collects other teams' customers: views
// under approved loans (and of internal files, which need none), refused
// copies, prints and exports, a fourth view of one file refused by the
// quota, and two views from home that evening. Returns the loans to give
// back.
Result<std::vector<Loan>> CollectCustomers(Archive& archive, const Cast& cast, DemoHistory* history,
                                           const Timeline& days, DemoDeparture* out) {
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, days.collected, 9, 35));
  Steps at_desk(history, days.collected, 9, 40);
  const std::string leaver_id = cast.user(kDemoLeaver).id;
  const Caller office = LeaverAt(cast, false);
  SearchQuery q;
  q.kind = RecordKind::kCustomer;
  q.limit = 100000;
  CUSTOS_ASSIGN_OR_RETURN(SearchResult found, archive.Search(office, q));
  // Ids are random; names (from the seed) give the same order every time.
  std::vector<RecordMeta> others;
  for (RecordMeta& m : found.records) {
    if (m.owner_id != leaver_id) others.push_back(std::move(m));
  }
  std::sort(others.begin(), others.end(), [](const RecordMeta& a, const RecordMeta& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  auto pick = [&](Classification c, size_t n) {
    std::vector<const RecordMeta*> list;
    for (const RecordMeta& m : others) {
      if (m.classification == c && list.size() < n) list.push_back(&m);
    }
    return list;
  };
  static constexpr std::array<std::string_view, 4> kReasons = {
      "拜访前了解客户采购计划", "准备季度报价，参考同类客户价格", "协助同事跟进客户订单",
      "核对客户联系人和交易习惯"};
  size_t reason = 0;
  auto next_reason = [&]() { return kReasons[reason++ % kReasons.size()]; };
  auto view = [&](Steps& steps, const Caller& who, const RecordMeta& m, int times) -> Status {
    for (int i = 0; i < times; ++i) {
      CUSTOS_RETURN_IF_ERROR(steps.Next(3));
      CUSTOS_RETURN_IF_ERROR(archive.View(who, m.id, next_reason()).status());
    }
    return Status::Ok();
  };
  const Caller approver = cast.As("approver");
  std::vector<Loan> loans;
  auto borrow = [&](const RecordMeta& m, bool release) -> Status {
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(4));
    CUSTOS_ASSIGN_OR_RETURN(Loan loan,
                            RequestLoan(archive, office,
                                        LoanRequest{m.id, policy::LoanKind::kView,
                                                    "协助同事跟进客户，需了解客户历史订单和报价",
                                                    std::nullopt, false}));
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(6));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, loan.id, "同意").status());
    if (release) {
      CUSTOS_RETURN_IF_ERROR(at_desk.Next(10));
      CUSTOS_RETURN_IF_ERROR(
          ReleaseLoan(archive, cast.As("custodian"), loan.id, "档案已借出").status());
    }
    loans.push_back(std::move(loan));
    return Status::Ok();
  };

  std::vector<const RecordMeta*> internal = pick(Classification::kInternal, 8);
  std::vector<const RecordMeta*> confidential = pick(Classification::kConfidential, 8);
  std::vector<const RecordMeta*> secret = pick(Classification::kSecret, 4);
  std::vector<const RecordMeta*> top = pick(Classification::kTopSecret, 1);
  // The first internal files from the office; the last two are kept for home.
  const size_t at_office = internal.size() > 2 ? internal.size() - 2 : internal.size();
  for (size_t i = 0; i < at_office; ++i) {
    CUSTOS_RETURN_IF_ERROR(view(at_desk, office, *internal[i], 1));
  }
  for (size_t i = 0; i < confidential.size(); ++i) {
    CUSTOS_RETURN_IF_ERROR(borrow(*confidential[i], false));
    CUSTOS_RETURN_IF_ERROR(
        view(at_desk, office, *confidential[i], i == 0 ? 3 : 1 + static_cast<int>(i % 2)));
  }
  for (const RecordMeta* m : secret) {
    CUSTOS_RETURN_IF_ERROR(borrow(*m, true));
    CUSTOS_RETURN_IF_ERROR(view(at_desk, office, *m, 2));
  }
  // One print she was allowed (a print loan, approved): the departure
  // report lists it under what she took away.
  if (confidential.size() > 1) {
    const std::string why = "打印报价单，拜访客户时使用";
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(4));
    CUSTOS_ASSIGN_OR_RETURN(
        Loan print, RequestLoan(archive, office,
                                LoanRequest{confidential[1]->id, policy::LoanKind::kPrint, why,
                                            std::nullopt, false}));
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(6));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, print.id, "同意打印一份").status());
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(3));
    CUSTOS_RETURN_IF_ERROR(
        UseRecord(archive, office, confidential[1]->id, policy::Action::kPrint, why).status());
    loans.push_back(std::move(print));  // given back with the others before she leaves
  }
  // Taking the files out: refused without a loan of that kind; a fourth
  // look at the first file is over the quota. Refusals in a row are an
  // alert of their own (policy/anomaly.h).
  if (!confidential.empty()) {
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(2));
    CUSTOS_RETURN_IF_ERROR(ExpectRefused(
        archive.View(office, confidential[0]->id, "再核对一次报价").status(), "a fourth view"));
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(2));
    CUSTOS_RETURN_IF_ERROR(ExpectRefused(
        UseRecord(archive, office, confidential[0]->id, policy::Action::kCopy, "整理客户资料备用")
            .status(),
        "a copy without a loan"));
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(2));
    CUSTOS_RETURN_IF_ERROR(ExpectRefused(UseRecord(archive, office, confidential[0]->id,
                                                   policy::Action::kPrint, "打印报价单带给客户")
                                             .status(),
                                         "a print without a loan"));
  }
  if (!secret.empty()) {
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(2));
    CUSTOS_RETURN_IF_ERROR(ExpectRefused(
        UseRecord(archive, office, secret[0]->id, policy::Action::kExport, "导出客户资料备份")
            .status(),
        "an export without a loan"));
  }
  if (!top.empty()) {
    CUSTOS_RETURN_IF_ERROR(at_desk.Next(2));
    CUSTOS_RETURN_IF_ERROR(ExpectRefused(
        UseRecord(archive, office, top[0]->id, policy::Action::kCopy, "复制重点客户合同条款")
            .status(),
        "a copy of a top-secret file"));
  }
  // Then from home that evening: a place the vault has not seen them at,
  // after hours.
  Steps evening(history, days.collected, 21, 30);
  const Caller home = LeaverAt(cast, true);
  for (size_t i = at_office; i < internal.size(); ++i) {
    CUSTOS_RETURN_IF_ERROR(view(evening, home, *internal[i], 1));
  }
  out->files_viewed = static_cast<int>(internal.size() + confidential.size() + secret.size());
  return loans;
}

// The follow-ups' words (which intention, which tolerance) come from here.
constexpr uint64_t kFollowUpSeed = 20260401;

// Every file in the vault, by name (ids are random; names come from the
// seed, so the same seed gives the same order).
Result<std::vector<RecordMeta>> AllFiles(Archive& archive, const Cast& cast) {
  std::vector<RecordMeta> all;
  for (const Person& p : People()) {
    CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                            archive.RecordsOwnedBy(cast.user(p.username).id));
    for (const std::string& id : ids) {
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, archive.GetMeta(id));
      all.push_back(std::move(m));
    }
  }
  std::sort(all.begin(), all.end(), [](const RecordMeta& a, const RecordMeta& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return all;
}

// A quarter in: follow-up versions of some customers; a month later some
// of 周琳's customers go to 孙浩 (every second one, at most five: she keeps
// the rest, which she hands over when she leaves).
Status SeedFollowUpsAndTransfer(Archive& archive, const Cast& cast, DemoHistory* history,
                                const Timeline& days) {
  Vault& vault = archive.vault();
  CUSTOS_ASSIGN_OR_RETURN(std::vector<RecordMeta> all, AllFiles(archive, cast));
  auto owner_of = [&](const RecordMeta& m) {
    for (const Person& p : People()) {
      if (cast.user(p.username).id == m.owner_id) return cast.As(p.username);
    }
    return SystemCaller(m.owner_id, "");
  };
  Gen g(kFollowUpSeed);
  Steps afternoon(history, days.follow_ups, 14, 0);
  int customers = 0;
  for (const RecordMeta& m : all) {
    if (m.kind != RecordKind::kCustomer || customers++ % 2 == 1) continue;
    if (customers > 40) break;
    CUSTOS_RETURN_IF_ERROR(afternoon.Next(7));
    auto r = vault.BeginRead();
    if (!r.ok()) return r.status();
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion v, ReadRecordVersion(**r, m.id, m.latest_version));
    r->reset();
    RecordUpdate u{m.name,   m.classification, m.declassify_on, m.custodian_id, m.tags,
                   m.status, m.territory,      m.paper,         v.content};
    u.content.notes += " 季度回访：客户反馈良好，" + g.Pick(kIntentions) + "。";
    u.content.price_tolerance = "可接受涨价不超过 " + std::to_string(g.Int(1, 8)) + "%";
    CUSTOS_RETURN_IF_ERROR(archive.UpdateRecord(owner_of(m), m.id, u, "季度回访更新").status());
  }
  Steps morning(history, days.transfer, 11, 0);
  const std::string zhou = cast.user(kDemoCompletedLeaver).id;
  int handed = 0;
  int seen = 0;
  for (const RecordMeta& m : all) {
    if (m.owner_id != zhou || handed >= 5) continue;
    if (seen++ % 2 == 1) continue;
    CUSTOS_RETURN_IF_ERROR(morning.Next(3));
    CUSTOS_RETURN_IF_ERROR(archive
                               .ReassignOwner(cast.As("approver"), m.id, cast.user("sales.sun").id,
                                              "周琳调岗，客户交接给孙浩")
                               .status());
    ++handed;
  }
  return Status::Ok();
}

// 李婷's ordinary weeks before she resigns: on six working days she opens
// two of her own customers (files up to confidential, which an owner opens
// without a loan) — the baseline against which the day she collects other
// teams' files is a spike (anomaly.view_spike, and the report's spike day).
Status SeedEverydayWork(Archive& archive, const Cast& cast, DemoHistory* history,
                        const Timeline& days) {
  const Caller office = LeaverAt(cast, false);
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> ids, archive.RecordsOwnedBy(office.user_id));
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> own;
  for (const std::string& id : ids) {
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, archive.GetMeta(id));
    if (m.kind == RecordKind::kCustomer && m.classification <= Classification::kConfidential) {
      own.push_back(id);
    }
  }
  if (own.empty()) return Status::Ok();
  static constexpr std::array<std::string_view, 3> kReasons = {
      "跟进客户本月订单", "准备客户拜访，核对联系人", "更新客户报价前查看历史记录"};
  // Six of the working days between 周琳's last answers and the day
  // before the collecting, spread out.
  std::vector<CivilDate> workdays;
  for (CivilDate d = Plus(days.completed_last_day, 3); d < Plus(days.collected, -1);
       d = Plus(d, 1)) {
    if (IsWorkday(d)) workdays.push_back(d);
  }
  const size_t n = std::min<size_t>(6, workdays.size());
  size_t next = 0;
  for (size_t d = 0; d < n; ++d) {
    Steps steps(history, workdays[d * workdays.size() / n], 10, 10 + 7 * static_cast<int>(d));
    for (int i = 0; i < 2; ++i) {
      CUSTOS_RETURN_IF_ERROR(steps.Next(25));
      CUSTOS_RETURN_IF_ERROR(
          archive.View(office, own[next++ % own.size()], kReasons[(d + i) % kReasons.size()])
              .status());
    }
  }
  return Status::Ok();
}

// Resignation, loans back, non-compete, handover, departure, customers,
// compensation.
Status SeedDeparture(Archive& archive, Agreements& agreements, const Cast& cast,
                     DemoHistory* history, const Timeline& days, std::vector<Loan> loans,
                     const CustomerLetterRenderer& letters, DemoDeparture* out) {
  Vault& vault = archive.vault();
  const AuditLog& log = archive.audit_log();
  const User& leaver = cast.user(kDemoLeaver);
  const User& successor = cast.user(kDemoSuccessor);
  out->leaver_name = leaver.display_name;
  out->successor_name = successor.display_name;
  out->last_working_day = days.last_working_day;
  out->notice_date = days.notice;
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, days.notice, 9, 30));
  CUSTOS_ASSIGN_OR_RETURN(
      User resigned,
      RegisterResignation(vault, log, cast.As("hr"), leaver.id, FormatDate(out->notice_date),
                          FormatDate(out->last_working_day),
                          "本人提出辞职（个人原因），离职面谈记录已归档"));
  // The loans go back the same morning, before they fall due.
  const Caller office = LeaverAt(cast, false);
  Steps returning(history, days.notice, 10, 30);
  for (const Loan& loan : loans) {
    CUSTOS_RETURN_IF_ERROR(returning.Next(2));
    CUSTOS_RETURN_IF_ERROR(ReturnLoan(archive, office, loan.id, "离职前归还借阅").status());
  }

  // The non-compete, signed during the notice period: by now the vault holds
  // the record of what they accessed (N3); then the obligations notice,
  // issued the day after the notice, and signed.
  const CivilDate signing = WorkdayFrom(Plus(days.notice, 1));
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, signing, 10, 0));
  const auto signatory = std::find_if(kSignatories.begin(), kSignatories.end(),
                                      [](const Signatory& s) { return s.username == kDemoLeaver; });
  const json::Value nc_fields =
      NonCompeteFields(leaver, *signatory, static_cast<int>(signatory - kSignatories.begin()));
  CUSTOS_ASSIGN_OR_RETURN(
      Agreement nc, DraftAndSend(agreements, cast, kDemoNonCompeteTemplate, leaver, nc_fields));
  CUSTOS_RETURN_IF_ERROR(SignElectronically(agreements, cast, nc, kDemoLeaver));
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, signing, 11, 0));
  CUSTOS_ASSIGN_OR_RETURN(
      Agreement notice,
      DraftAndSend(agreements, cast, kDemoNoticeTemplate, leaver,
                   NoticeFields(leaver, *signatory, nc_fields, out->last_working_day,
                                Plus(out->notice_date, 1), cast.user("legal").display_name)));
  CUSTOS_RETURN_IF_ERROR(SignElectronically(agreements, cast, notice, kDemoLeaver));

  // Nothing new in the notice period: a look at a colleague's file is refused.
  const CivilDate refused = WorkdayFrom(Plus(signing, 1));
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, refused, 9, 50));
  SearchQuery q;
  q.kind = RecordKind::kCustomer;
  q.owner_id = successor.id;
  q.limit = 1;
  CUSTOS_ASSIGN_OR_RETURN(SearchResult theirs, archive.Search(office, q));
  if (!theirs.records.empty()) {
    CUSTOS_RETURN_IF_ERROR(ExpectRefused(
        archive.View(office, theirs.records[0].id, "最后确认一下客户联系方式").status(),
        "a view in the notice period"));
  }

  // The handover: HR assigns every file to the successor, the leaver shows
  // them one (the only view the notice period allows), an approver confirms.
  const CivilDate handover = WorkdayFrom(Plus(refused, 1));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> files, archive.RecordsOwnedBy(leaver.id));
  std::sort(files.begin(), files.end());
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, handover, 10, 0));
  for (const std::string& id : files) {
    CUSTOS_RETURN_IF_ERROR(
        AssignHandover(archive, cast.As("hr"), leaver.id, id, successor.id,
                       leaver.display_name + "离职，客户由" + successor.display_name + "接手")
            .status());
  }
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, handover, 11, 0));
  for (const std::string& id : files) {
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, archive.GetMeta(id));
    if (meta.classification == Classification::kTopSecret) continue;  // needs a loan
    CUSTOS_RETURN_IF_ERROR(
        archive.View(office, id, "向" + successor.display_name + "介绍客户情况").status());
    break;
  }
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, handover, 15, 0));
  for (const std::string& id : files) {
    CUSTOS_RETURN_IF_ERROR(ConfirmHandover(archive, cast.As("approver"), leaver.id, id,
                                           "已与" + successor.display_name + "当面核对客户清单")
                               .status());
    ++out->handed_over;
  }
  // The custodian writes to the first customer.
  if (!files.empty() && letters) {
    CUSTOS_RETURN_IF_ERROR(StoryAt(history, WorkdayFrom(Plus(handover, 1)), 10, 0));
    CustomerLetterRequest letter;
    letter.company_name = "华信商贸有限公司";
    letter.successor_phone = "021-6288 0102";
    letter.successor_email = "wang.lei@huaxin.example.cn";
    CUSTOS_RETURN_IF_ERROR(
        IssueCustomerLetter(archive, cast.As("custodian"), leaver.id, files[0], letter, letters)
            .status());
  }

  // The sweep `custos serve` runs on its timer: the last working day is past.
  const CivilDate swept = Plus(days.last_working_day, 1);
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, swept, 8, 5));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<User> departed, MarkDeparted(vault, log, swept));
  if (std::none_of(departed.begin(), departed.end(),
                   [&](const User& u) { return u.id == leaver.id; })) {
    return Status::Internal("demo: the leaver was not marked departed");
  }

  // The customers: the first confirms (the signed reply to the letter); the
  // second refuses and an approver waives it (legal writes to them
  // separately); the third cannot be reached; the rest are not asked yet,
  // so the departure is still in progress. The answers come a few days
  // after the last working day.
  const CivilDate answer_day = WorkdayFrom(Plus(days.last_working_day, 3));
  Steps answering(history, answer_day, 11, 0);
  CUSTOS_RETURN_IF_ERROR(answering.Next(0));
  const std::string answered = AnswerDate(answer_day);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& id = files[i];
    if (i < 3) CUSTOS_RETURN_IF_ERROR(answering.Next(20));
    CustomerAnswerInput answer;
    answer.date = answered;
    if (i == 0) {
      answer.answer = CustomerAnswer::kConfirmed;
      answer.method = "letter";
      answer.contact_name = "周敏";
      answer.contact_position = "采购部经理";
      answer.note = "客户已在回执上盖章寄回";
      CUSTOS_RETURN_IF_ERROR(
          RecordCustomerAnswer(archive, cast.As(kDemoSuccessor), leaver.id, id, answer).status());
      ++out->customers_confirmed;
    } else if (i == 1) {
      answer.answer = CustomerAnswer::kRefused;
      answer.method = "phone";
      answer.contact_name = "吴建国";
      answer.contact_position = "总经理";
      answer.note = "客户表示仍将与" + leaver.display_name + "联系，拒绝确认";
      CUSTOS_RETURN_IF_ERROR(
          RecordCustomerAnswer(archive, cast.As("custodian"), leaver.id, id, answer).status());
      CUSTOS_RETURN_IF_ERROR(answering.Next(40));
      CUSTOS_RETURN_IF_ERROR(
          WaiveCustomerConfirmation(archive, cast.As("approver2"), leaver.id, id,
                                    "客户拒绝确认；法务已发书面通知，列入重点关注客户")
              .status());
      ++out->customers_waived;
    } else if (i == 2) {
      answer.answer = CustomerAnswer::kUnreachable;
      answer.method = "phone";
      answer.note = "连续三天电话无人接听";
      CUSTOS_RETURN_IF_ERROR(
          RecordCustomerAnswer(archive, cast.As(kDemoSuccessor), leaver.id, id, answer).status());
      ++out->customers_open;
    } else {
      ++out->customers_open;
    }
  }

  // Compensation for every month already due, recorded by legal the
  // morning it was paid, on the last working day at least two days before
  // its due date — except the second month: missed, and paid a month late
  // with the third.
  const int64_t today = DaysFromCivil(days.today);
  NonCompeteTracker tracker(vault, log);
  CUSTOS_ASSIGN_OR_RETURN(NonCompeteTerms terms, TermsFor(nc, resigned));
  const std::vector<MonthStatus> schedule = CompensationSchedule(terms);
  for (const MonthStatus& m : schedule) {
    if (DaysFromCivil(m.due) > today) break;
    const MonthStatus& paid_with = m.month == 2 && schedule.size() > 2 ? schedule[2] : m;
    NonCompetePayment p;
    p.month = m.month;
    p.amount_minor = terms.monthly_minor;
    p.paid_on = WorkdayFrom(Plus(paid_with.due, -2), -1);
    CUSTOS_RETURN_IF_ERROR(StoryAt(history, p.paid_on, 9, m.month * 2));
    std::string date = FormatDate(p.paid_on);
    date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
    p.reference = "银行回单 HX" + date + "-0" + std::to_string(m.month);
    CUSTOS_RETURN_IF_ERROR(tracker.RecordPayment(cast.As("legal"), nc.id, p));
    ++out->payments;
  }
  return Status::Ok();
}

// A departure that is over: 周琳 (kDemoCompletedLeaver) left three weeks
// before the leaver's notice, with nothing outstanding — every file handed
// to 孙浩 and confirmed by an approver, every customer told and confirming
// (孙浩 records each answer), the obligations notice refused at the exit
// interview and the refusal recorded by HR, no loans, the account disabled
// by the sweep. Her checklist is complete: what "done" looks like.
Status SeedCompletedDeparture(Archive& archive, const Cast& cast, DemoHistory* history,
                              const Timeline& days, DemoDeparture* out) {
  Vault& vault = archive.vault();
  const AuditLog& log = archive.audit_log();
  const User& leaver = cast.user(kDemoCompletedLeaver);
  const User& successor = cast.user("sales.sun");
  out->completed_leaver_name = leaver.display_name;
  const CivilDate last_day = days.completed_last_day;
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, days.completed_notice, 10, 0));
  CUSTOS_RETURN_IF_ERROR(
      RegisterResignation(vault, log, cast.As("hr"), leaver.id, FormatDate(days.completed_notice),
                          FormatDate(last_day), "本人提出辞职（回老家发展），离职面谈记录已归档")
          .status());
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> files, archive.RecordsOwnedBy(leaver.id));
  std::sort(files.begin(), files.end());
  const std::string reason = leaver.display_name + "离职，客户由" + successor.display_name + "接手";
  const CivilDate handover = WorkdayFrom(Plus(last_day, -3), -1);
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, handover, 10, 0));
  for (const std::string& id : files) {
    CUSTOS_RETURN_IF_ERROR(
        AssignHandover(archive, cast.As("hr"), leaver.id, id, successor.id, reason).status());
  }
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, handover, 14, 0));
  for (const std::string& id : files) {
    CUSTOS_RETURN_IF_ERROR(ConfirmHandover(archive, cast.As("approver"), leaver.id, id,
                                           "已与" + successor.display_name + "逐户核对")
                               .status());
  }
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, last_day, 16, 0));
  CUSTOS_RETURN_IF_ERROR(
      RecordNoticeRefusal(archive, cast.As("hr"), leaver.id, "",
                          "离职面谈时口头告知保密义务，本人拒绝签收书面告知书；人事孙丽、"
                          "法务王芳在场")
          .status());
  const CivilDate swept = Plus(last_day, 1);
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, swept, 8, 5));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<User> departed, MarkDeparted(vault, log, swept));
  if (std::none_of(departed.begin(), departed.end(),
                   [&](const User& u) { return u.id == leaver.id; })) {
    return Status::Internal("demo: the completed leaver was not marked departed");
  }
  const CivilDate answer_day = WorkdayFrom(Plus(last_day, 2));
  CUSTOS_RETURN_IF_ERROR(StoryAt(history, answer_day, 10, 0));
  CustomerAnswerInput answer;
  answer.answer = CustomerAnswer::kConfirmed;
  answer.method = "phone";
  answer.contact_name = "采购负责人";
  answer.date = AnswerDate(answer_day);
  answer.note = "客户已知悉对接人变更，同意由" + successor.display_name + "继续对接";
  for (const std::string& id : files) {
    CUSTOS_RETURN_IF_ERROR(
        RecordCustomerAnswer(archive, cast.As("sales.sun"), leaver.id, id, answer).status());
    ++out->completed_handovers;
  }
  return Status::Ok();
}

// The story's last working hours (from `start`, LastHoursStart): a
// salesperson opening other people's secret files without a loan, refused
// each time (the third refusal within minutes is an anomaly alert for the
// auditor, policy/anomaly.h); then the borrower's loans in every state, by
// the borrower on files of each level, those in force still in force now.
Status SeedRecentActivity(Archive& archive, const Cast& cast, DemoHistory* history,
                          UnixMillis start) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<RecordMeta> all, AllFiles(archive, cast));
  Steps steps(history, start);
  const Caller zhao = cast.As("sales.zhao");
  int tried = 0;
  for (const RecordMeta& m : all) {
    if (tried == 3) break;
    if (m.kind != RecordKind::kCustomer || m.classification != Classification::kSecret ||
        m.owner_id == zhao.user_id) {
      continue;
    }
    ++tried;
    CUSTOS_RETURN_IF_ERROR(steps.Next(2));
    auto v = archive.View(zhao, m.id, "看看其他组的大客户");
    if (v.ok()) return Status::Internal("demo: a view without a loan was allowed");
    if (v.status().code() != StatusCode::kPermissionDenied) return v.status();
  }
  auto find = [&](Classification c, int skip) -> const RecordMeta* {
    for (const RecordMeta& m : all) {
      if (m.classification == c && m.kind == RecordKind::kCustomer && skip-- == 0) return &m;
    }
    return nullptr;
  };
  const int customers = static_cast<int>(std::count_if(
      all.begin(), all.end(), [](const RecordMeta& m) { return m.kind == RecordKind::kCustomer; }));
  if (customers < 50) return Status::Ok();  // too few files of each level
  const Caller borrower = cast.As("borrower");
  const Caller approver = cast.As("approver");
  const Caller approver2 = cast.As("approver2");
  const Caller keeper = cast.As("custodian");
  CUSTOS_RETURN_IF_ERROR(steps.Next(30));
  auto request = [&](const RecordMeta* m, policy::LoanKind kind,
                     std::string reason) -> Result<Loan> {
    if (m == nullptr) return Status::FailedPrecondition("demo: too few records for loans");
    CUSTOS_RETURN_IF_ERROR(steps.Next(5));
    return RequestLoan(archive, borrower,
                       LoanRequest{m->id, kind, std::move(reason), std::nullopt, false});
  };
  auto then = [&](int minutes) { return steps.Next(minutes); };
  CUSTOS_RETURN_IF_ERROR(request(find(Classification::kConfidential, 0), policy::LoanKind::kView,
                                 "准备客户续约谈判材料")
                             .status());  // stays requested
  CUSTOS_ASSIGN_OR_RETURN(Loan approved, request(find(Classification::kConfidential, 1),
                                                 policy::LoanKind::kView, "核对历史报价与返点"));
  CUSTOS_RETURN_IF_ERROR(then(12));
  CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, approved.id, "同意，限三日内").status());
  CUSTOS_ASSIGN_OR_RETURN(Loan released,
                          request(find(Classification::kSecret, 0), policy::LoanKind::kView,
                                  "配合年度审计抽查客户档案"));
  CUSTOS_RETURN_IF_ERROR(then(10));
  CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, released.id, "同意").status());
  CUSTOS_RETURN_IF_ERROR(then(15));
  CUSTOS_RETURN_IF_ERROR(ReleaseLoan(archive, keeper, released.id, "纸质档案已借出").status());
  CUSTOS_ASSIGN_OR_RETURN(Loan back, request(find(Classification::kSecret, 1),
                                             policy::LoanKind::kView, "整理客户拜访记录"));
  CUSTOS_RETURN_IF_ERROR(then(10));
  CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, back.id, "同意").status());
  CUSTOS_RETURN_IF_ERROR(then(10));
  CUSTOS_RETURN_IF_ERROR(ReleaseLoan(archive, keeper, back.id, "已发放").status());
  CUSTOS_RETURN_IF_ERROR(then(60));
  CUSTOS_RETURN_IF_ERROR(ReturnLoan(archive, borrower, back.id, "已归还").status());
  CUSTOS_ASSIGN_OR_RETURN(Loan no, request(find(Classification::kConfidential, 2),
                                           policy::LoanKind::kView, "了解一下情况"));
  CUSTOS_RETURN_IF_ERROR(then(8));
  CUSTOS_RETURN_IF_ERROR(DenyLoan(archive, approver, no.id, "理由不充分").status());
  CUSTOS_ASSIGN_OR_RETURN(Loan copy, request(find(Classification::kInternal, 0),
                                             policy::LoanKind::kCopy, "制作投标报价附件"));
  CUSTOS_RETURN_IF_ERROR(then(10));
  CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, copy.id, "同意复制一份").status());
  CUSTOS_RETURN_IF_ERROR(then(5));
  CUSTOS_RETURN_IF_ERROR(
      UseRecord(archive, borrower, copy.record_id, policy::Action::kCopy, "制作投标报价附件")
          .status());
  CUSTOS_ASSIGN_OR_RETURN(Loan top,
                          request(find(Classification::kTopSecret, 0), policy::LoanKind::kView,
                                  "配合法务部门核查客户合同条款"));
  CUSTOS_RETURN_IF_ERROR(then(20));
  CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver2, top.id, "第一审批人同意").status());
  return Status::Ok();
}

}  // namespace

DemoHistory::DemoHistory() : DemoHistory(NowMillis()) {}

DemoHistory::DemoHistory(UnixMillis now) : now_(now) {
  if (StoryClockSet()) Die("demo: a story is already being told");
  // The company's first morning; the vault created now is dated then.
  if (!SetStoryClock(ChinaTime(DemoTimeline(today()).founded, 8, 30))) {
    Die("demo: the story clock refused its first moment");
  }
}

DemoHistory::~DemoHistory() { ClearStoryClock(); }

CivilDate DemoHistory::today() const { return ChinaDay(now_); }

Status DemoHistory::At(UnixMillis at) {
  if (SetStoryClock(std::min(at, now_))) return Status::Ok();
  if (at > now_) return Status::Ok();  // the story has reached now: it stays there
  return Status::Internal("demo: the story would go back in time to " + FormatRfc3339Millis(at));
}

Status DemoHistory::At(CivilDate day, int hour, int minute) {
  return At(ChinaTime(day, hour, minute));
}

Result<DemoDeparture> SeedDemoStory(Archive& archive, const DocumentBuilder& documents,
                                    const std::vector<DemoLogin>& logins,
                                    const DemoAgreementOptions& options) {
  Vault& vault = archive.vault();
  DemoHistory* history = options.history;
  if (history != nullptr && history->today() != options.today) {
    return Status::Internal("demo: the history is told for another day");
  }
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(bool company, r->Has(tables::kIndex, kSeededKey));
    if (!company) return Status::FailedPrecondition("the demo company is not seeded yet");
    CUSTOS_ASSIGN_OR_RETURN(bool seeded, r->Has(tables::kIndex, kAgreementsSeededKey));
    if (seeded) return Status::AlreadyExists("the demo's story is already in this vault");
  }
  CUSTOS_ASSIGN_OR_RETURN(Cast cast, Cast::Load(vault, logins));
  const Timeline days = DemoTimeline(options.today);
  AgreementsOptions ao;
  ao.signing_kdf = options.signing_kdf;
  Agreements agreements(vault, archive.audit_log(), documents, ao);
  DemoDeparture out;
  Steps signing(history, days.ndas, 9, 40);
  CUSTOS_RETURN_IF_ERROR(SeedNdas(agreements, cast, signing, &out));
  CUSTOS_RETURN_IF_ERROR(SeedFollowUpsAndTransfer(archive, cast, history, days));
  CUSTOS_RETURN_IF_ERROR(SeedCompletedDeparture(archive, cast, history, days, &out));
  CUSTOS_RETURN_IF_ERROR(SeedEverydayWork(archive, cast, history, days));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> loans,
                          CollectCustomers(archive, cast, history, days, &out));
  CUSTOS_RETURN_IF_ERROR(SeedDeparture(archive, agreements, cast, history, days, std::move(loans),
                                       options.letters, &out));
  const UnixMillis last_hours =
      history != nullptr ? LastHoursStart(history->now(), NowMillis()) : 0;
  CUSTOS_RETURN_IF_ERROR(SeedRecentActivity(archive, cast, history, last_hours));
  CUSTOS_RETURN_IF_ERROR(
      vault.Write([](WriteTxn& w) { return w.Insert(tables::kIndex, kAgreementsSeededKey, "1"); }));
  return out;
}

}  // namespace custos::cli
