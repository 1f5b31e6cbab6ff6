#include "vault/demo_data.h"

#include <array>
#include <random>
#include <string_view>
#include <utility>

#include "vault/audit_log.h"
#include "vault/loans.h"
#include "vault/policy_store.h"
#include "vault/users.h"

namespace custos::vault {
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

Caller SystemCaller(const std::string& user_id) {
  Caller c;
  c.user_id = user_id;
  c.session = "demo-seed";
  c.place.workstation = "demo-seed";
  c.place.location = "华信商贸有限公司 上海总部";
  return c;
}

// The demo company's policy: the shipped default plus its working hours
// (Monday to Friday, 08:00–20:00 China time), so the off-hours alert shows.
std::string DemoPolicyXml() {
  std::string xml(DefaultPolicyXml());
  const std::string_view end = "</custos-policy>";
  const size_t at = xml.rfind(end);
  xml.insert(at,
             "  <work-hours utc-offset=\"+08:00\" start=\"08:00\" end=\"20:00\"\n"
             "              days=\"mon tue wed thu fri\">\n"
             "    <holiday date=\"2026-10-01\"/>\n"
             "    <holiday date=\"2027-01-01\"/>\n"
             "  </work-hours>\n");
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
    u.roles = p.roles;
    u.created = NowMillis();
    User created;
    CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(created, CreateUser(w, u, password, options.password_kdf));
      return Status::Ok();
    }));
    users[u.username] = created;
    out.push_back(
        DemoLogin{u.username, std::string(p.role_label), u.display_name, std::move(password)});
  }
  CUSTOS_RETURN_IF_ERROR(ApplyPolicy(vault, archive.audit_log(), SystemCaller(users["admin"].id),
                                     DemoPolicyXml(), "设定公司工作时间（演示）")
                             .status());
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
  std::vector<RecordMeta> all;
  for (const std::string& owner : owners) {
    const std::vector<NewRecord>& list = by_owner[owner];
    for (size_t start = 0; start < list.size(); start += 100) {
      std::vector<NewRecord> batch(
          list.begin() + static_cast<std::ptrdiff_t>(start),
          list.begin() + static_cast<std::ptrdiff_t>(std::min(list.size(), start + 100)));
      CUSTOS_ASSIGN_OR_RETURN(
          std::vector<RecordMeta> made,
          archive.CreateRecords(SystemCaller(users[owner].id), batch, "客户建档（演示数据）"));
      all.insert(all.end(), made.begin(), made.end());
    }
  }
  // Later versions: quarterly follow-ups on some customers.
  for (size_t i = 0; i < all.size() && i < 40; i += 2) {
    const RecordMeta& m = all[i];
    auto r = vault.BeginRead();
    if (!r.ok()) return r.status();
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion v, ReadRecordVersion(**r, m.id, m.latest_version));
    r->reset();
    RecordUpdate u{m.name, m.classification, m.declassify_on, m.custodian_id,
                   m.tags, m.status,         m.paper,         v.content};
    u.content.notes += " 季度回访：客户反馈良好，" + g.Pick(kIntentions) + "。";
    u.content.price_tolerance = "可接受涨价不超过 " + std::to_string(g.Int(1, 8)) + "%";
    CUSTOS_RETURN_IF_ERROR(
        archive.UpdateRecord(SystemCaller(m.owner_id), m.id, u, "季度回访更新").status());
  }
  // A handover: some of 周琳's customers go to 孙浩.
  int handed = 0;
  for (const RecordMeta& m : all) {
    if (m.owner_id != users["sales.zhou"].id || handed >= 5) continue;
    CUSTOS_RETURN_IF_ERROR(archive
                               .ReassignOwner(SystemCaller(users["approver"].id), m.id,
                                              users["sales.sun"].id, "周琳调岗，客户交接给孙浩")
                               .status());
    ++handed;
  }
  // Loans in various states, by the borrower on files of each level.
  auto find = [&](Classification c, int skip) -> const RecordMeta* {
    for (const RecordMeta& m : all) {
      if (m.classification == c && m.kind == RecordKind::kCustomer && skip-- == 0) return &m;
    }
    return nullptr;
  };
  const Caller borrower = SystemCaller(users["borrower"].id);
  const Caller approver = SystemCaller(users["approver"].id);
  const Caller approver2 = SystemCaller(users["approver2"].id);
  const Caller keeper = SystemCaller(users["custodian"].id);
  auto request = [&](const RecordMeta* m, policy::LoanKind kind,
                     std::string reason) -> Result<Loan> {
    if (m == nullptr) return Status::FailedPrecondition("demo: too few records for loans");
    return RequestLoan(archive, borrower,
                       LoanRequest{m->id, kind, std::move(reason), std::nullopt, false});
  };
  // Nobody opens a classified file here: the staff sign their NDAs first
  // (SeedDemoAgreements), and an NDA signed after its employee's first view
  // fails check C4. The active loan is a copy in use instead.
  if (options.customers >= 50) {
    CUSTOS_RETURN_IF_ERROR(request(find(Classification::kConfidential, 0), policy::LoanKind::kView,
                                   "准备客户续约谈判材料")
                               .status());  // stays requested
    CUSTOS_ASSIGN_OR_RETURN(Loan approved, request(find(Classification::kConfidential, 1),
                                                   policy::LoanKind::kView, "核对历史报价与返点"));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, approved.id, "同意，限三日内").status());
    CUSTOS_ASSIGN_OR_RETURN(Loan released,
                            request(find(Classification::kSecret, 0), policy::LoanKind::kView,
                                    "配合年度审计抽查客户档案"));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, released.id, "同意").status());
    CUSTOS_RETURN_IF_ERROR(ReleaseLoan(archive, keeper, released.id, "纸质档案已借出").status());
    CUSTOS_ASSIGN_OR_RETURN(Loan back, request(find(Classification::kSecret, 1),
                                               policy::LoanKind::kView, "整理客户拜访记录"));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, back.id, "同意").status());
    CUSTOS_RETURN_IF_ERROR(ReleaseLoan(archive, keeper, back.id, "已发放").status());
    CUSTOS_RETURN_IF_ERROR(ReturnLoan(archive, borrower, back.id, "已归还").status());
    CUSTOS_ASSIGN_OR_RETURN(Loan no, request(find(Classification::kConfidential, 2),
                                             policy::LoanKind::kView, "了解一下情况"));
    CUSTOS_RETURN_IF_ERROR(DenyLoan(archive, approver, no.id, "理由不充分").status());
    CUSTOS_ASSIGN_OR_RETURN(Loan copy, request(find(Classification::kInternal, 0),
                                               policy::LoanKind::kCopy, "制作投标报价附件"));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver, copy.id, "同意复制一份").status());
    CUSTOS_RETURN_IF_ERROR(
        UseRecord(archive, borrower, copy.record_id, policy::Action::kCopy, "制作投标报价附件")
            .status());
    CUSTOS_ASSIGN_OR_RETURN(Loan top,
                            request(find(Classification::kTopSecret, 0), policy::LoanKind::kView,
                                    "配合法务部门核查客户合同条款"));
    CUSTOS_RETURN_IF_ERROR(ApproveLoan(archive, approver2, top.id, "第一审批人同意").status());
  }
  // A salesperson opening other people's secret files without a loan:
  // refused each time, and the third refusal within minutes is an
  // anomaly alert for the auditor (policy/anomaly.h).
  const Caller zhao = SystemCaller(users["sales.zhao"].id);
  int tried = 0;
  for (const RecordMeta& m : all) {
    if (tried == 3) break;
    if (m.classification != Classification::kSecret || m.owner_id == users["sales.zhao"].id)
      continue;
    ++tried;
    auto v = archive.View(zhao, m.id, "看看其他组的大客户");
    if (v.ok()) return Status::Internal("demo: a view without a loan was allowed");
    if (v.status().code() != StatusCode::kPermissionDenied) return v.status();
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

}  // namespace custos::vault
