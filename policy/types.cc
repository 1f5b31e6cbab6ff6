#include "policy/types.h"

#include <string>

namespace custos::policy {
namespace {

struct RoleInfo {
  std::string_view id;
  std::string_view zh;
  std::string_view en;
};

// Indexed by the enum's value; the static_asserts below keep them in step.
constexpr std::array<RoleInfo, kRoleCount> kRoleInfo = {{
    {"author", "编写人", "Author"},
    {"borrower", "借用人", "Borrower"},
    {"custodian", "保管人", "Custodian"},
    {"approver", "审批人", "Approver"},
    {"legal", "法务", "Legal"},
    {"litigation", "诉讼", "Litigation"},
    {"hr", "人事", "HR"},
    {"auditor", "审计", "Auditor"},
    {"admin", "管理员", "Administrator"},
}};
static_assert(static_cast<std::size_t>(Role::kAdmin) + 1 == kRoleCount);

constexpr std::array<RoleInfo, kClassificationCount> kClassificationInfo = {{
    {"public", "公开", "Public"},
    {"internal", "内部", "Internal"},
    {"confidential", "秘密", "Confidential"},
    {"secret", "机密", "Secret"},
    {"top_secret", "绝密", "Top secret"},
}};
static_assert(static_cast<std::size_t>(Classification::kTopSecret) + 1 == kClassificationCount);

constexpr std::array<std::string_view, 3> kEmploymentIds = {"active", "notice_given", "departed"};
static_assert(static_cast<std::size_t>(EmploymentState::kDeparted) + 1 == kEmploymentIds.size());

constexpr std::array<std::string_view, kActionCount> kActionIds = {
    "view_content",
    "create_record",
    "update_record",
    "reassign_owner",
    "request_loan",
    "approve_loan",
    "deny_loan",
    "release_loan",
    "return_loan",
    "revoke_loan",
    "extend_loan",
    "copy",
    "print",
    "export",
    "search_metadata",
    "read_audit_log",
    "manage_users",
    "apply_policy",
    "draft_contract",
    "register_resignation",
    "export_evidence",
    "assign_handover",
    "confirm_handover",
    "read_departure_report",
    "request_evidence",
    "approve_evidence",
    "deny_evidence",
    "lift_legal_hold",
    "lower_classification",
    "read_agreement",
    "confirm_customer",
    "waive_customer_confirmation",
    "agreement_step",
};
static_assert(static_cast<std::size_t>(Action::kAgreementStep) + 1 == kActionCount);

constexpr std::array<std::string_view, 8> kLoanStateIds = {
    "requested", "approved", "denied", "released", "active", "returned", "expired", "revoked",
};
static_assert(static_cast<std::size_t>(LoanState::kRevoked) + 1 == kLoanStateIds.size());

constexpr std::array<std::string_view, 3> kEvidenceStateIds = {"requested", "approved", "denied"};
static_assert(static_cast<std::size_t>(EvidenceState::kDenied) + 1 == kEvidenceStateIds.size());

constexpr std::array<std::string_view, 4> kLoanKindIds = {"view", "copy", "print", "export"};
static_assert(static_cast<std::size_t>(LoanKind::kExport) + 1 == kLoanKindIds.size());

template <typename E, std::size_t N>
Result<E> ParseId(const std::array<std::string_view, N>& ids, std::string_view id,
                  std::string_view what, std::string_view what_zh) {
  for (std::size_t i = 0; i < N; ++i) {
    if (ids[i] == id) return static_cast<E>(i);
  }
  std::string known;
  for (std::string_view k : ids) known += (known.empty() ? "" : "、") + std::string(k);
  return Status::InvalidArgument(
      "unknown " + std::string(what) + " '" + std::string(id) + "'",
      "未知的" + std::string(what_zh) + "“" + std::string(id) + "”（可用：" + known + "）");
}

template <std::size_t N>
std::array<std::string_view, N> Ids(const std::array<RoleInfo, N>& info) {
  std::array<std::string_view, N> ids;
  for (std::size_t i = 0; i < N; ++i) ids[i] = info[i].id;
  return ids;
}

}  // namespace

std::string_view RoleId(Role role) { return kRoleInfo[static_cast<std::size_t>(role)].id; }
std::string_view ClassificationId(Classification c) {
  return kClassificationInfo[static_cast<std::size_t>(c)].id;
}
std::string_view EmploymentStateId(EmploymentState s) {
  return kEmploymentIds[static_cast<std::size_t>(s)];
}
std::string_view ActionId(Action action) { return kActionIds[static_cast<std::size_t>(action)]; }
std::string_view LoanStateId(LoanState s) { return kLoanStateIds[static_cast<std::size_t>(s)]; }
std::string_view LoanKindId(LoanKind k) { return kLoanKindIds[static_cast<std::size_t>(k)]; }
std::string_view EvidenceStateId(EvidenceState s) {
  return kEvidenceStateIds[static_cast<std::size_t>(s)];
}

std::string_view RoleLabelZh(Role role) { return kRoleInfo[static_cast<std::size_t>(role)].zh; }
std::string_view RoleLabelEn(Role role) { return kRoleInfo[static_cast<std::size_t>(role)].en; }
std::string_view ClassificationLabelZh(Classification c) {
  return kClassificationInfo[static_cast<std::size_t>(c)].zh;
}
std::string_view ClassificationLabelEn(Classification c) {
  return kClassificationInfo[static_cast<std::size_t>(c)].en;
}

Result<Role> ParseRole(std::string_view id) {
  return ParseId<Role>(Ids(kRoleInfo), id, "role", "角色");
}
Result<Classification> ParseClassification(std::string_view id) {
  return ParseId<Classification>(Ids(kClassificationInfo), id, "classification", "密级");
}
Result<EmploymentState> ParseEmploymentState(std::string_view id) {
  return ParseId<EmploymentState>(kEmploymentIds, id, "employment state", "在职状态");
}
Result<Action> ParseAction(std::string_view id) {
  return ParseId<Action>(kActionIds, id, "action", "操作");
}
Result<LoanState> ParseLoanState(std::string_view id) {
  return ParseId<LoanState>(kLoanStateIds, id, "loan state", "借阅状态");
}
Result<LoanKind> ParseLoanKind(std::string_view id) {
  return ParseId<LoanKind>(kLoanKindIds, id, "loan kind", "借阅类型");
}
Result<EvidenceState> ParseEvidenceState(std::string_view id) {
  return ParseId<EvidenceState>(kEvidenceStateIds, id, "evidence request state", "证据包申请状态");
}

std::optional<LoanKind> LoanKindForAction(Action action) {
  switch (action) {
    case Action::kViewContent:
      return LoanKind::kView;
    case Action::kCopy:
      return LoanKind::kCopy;
    case Action::kPrint:
      return LoanKind::kPrint;
    case Action::kExport:
      return LoanKind::kExport;
    default:
      return std::nullopt;
  }
}

}  // namespace custos::policy
