#include "policy/internal/messages.h"

#include <array>
#include <optional>
#include <string>

#include "base/status.h"
#include "policy/rules.h"

namespace custos::policy::internal {
namespace {

struct Entry {
  std::string_view rule;
  RuleText text;
};

constexpr std::array kEntries = {
    Entry{rules::kFactsIncomplete,
          {"The request lacks facts needed for a decision.", "请求缺少做出决定所需的信息。"}},
    Entry{
        rules::kEmploymentDeparted,
        {"The user has left the company; all access is closed.", "该用户已离职，所有访问已关闭。"}},
    Entry{rules::kEmploymentNoticePeriod,
          {"During the notice period only handover views are allowed.",
           "离职交接期内仅允许为交接查阅档案。"}},
    Entry{rules::kRoleNotPermitted,
          {"None of the user's roles permits this action.", "该用户的角色无权执行此操作。"}},
    Entry{rules::kRoleContentBlind,
          {"Administrators and auditors never see classified content.",
           "管理员和审计人员不得查看涉密内容。"}},
    Entry{rules::kClassificationViewDenied,
          {"The user's roles may not see records of this classification.",
           "该用户的角色无权查看此密级的档案。"}},
    Entry{rules::kUseForbidden,
          {"The policy forbids this use for records of this classification.",
           "本密级档案禁止此类使用。"}},
    Entry{rules::kRecordNotOwner,
          {"Only the record's owner may update it.", "只有档案负责人可以更新档案。"}},
    Entry{rules::kReasonRequired, {"A reason is required.", "必须填写事由。"}},
    Entry{rules::kReasonTooShort, {"The stated reason is too short.", "填写的事由过短。"}},
    Entry{rules::kQuotaExhausted,
          {"The view quota for this document is used up.", "该档案的查阅次数已用完。"}},
    Entry{rules::kLoanRequired,
          {"Viewing this record needs an approved loan.", "查阅此档案需要经批准的借阅。"}},
    Entry{rules::kLoanNotRequired,
          {"No loan is needed (or possible) for this use.", "此项使用无需（或不能）借阅。"}},
    Entry{rules::kLoanNotYours, {"The loan belongs to someone else.", "该借阅属于他人。"}},
    Entry{rules::kLoanWrongRecord,
          {"The loan is for a different record.", "该借阅针对的是另一份档案。"}},
    Entry{rules::kLoanWrongKind, {"The loan does not grant this use.", "该借阅不包含此项使用。"}},
    Entry{rules::kLoanNotApproved, {"The loan has not been approved.", "该借阅尚未批准。"}},
    Entry{rules::kLoanDenied, {"The loan was denied.", "该借阅已被拒绝。"}},
    Entry{rules::kLoanNotReleased,
          {"The loan must be released by a custodian first.", "该借阅须先由保管人发放。"}},
    Entry{rules::kLoanReturned, {"The loan has been returned.", "该借阅已归还。"}},
    Entry{rules::kLoanRevoked, {"The loan has been revoked.", "该借阅已被撤销。"}},
    Entry{rules::kLoanExpired, {"The loan has expired.", "该借阅已过期。"}},
    Entry{rules::kLoanNotPending,
          {"The loan is not waiting for this step.", "该借阅当前不处于此步骤。"}},
    Entry{rules::kLoanNotOpen, {"The loan is not open.", "该借阅未处于有效状态。"}},
    Entry{rules::kLoanTooLong,
          {"The loan would last longer than the policy allows.", "借阅期限超过规定的最长期限。"}},
    Entry{rules::kLoanInvalidDue, {"The requested due time is not valid.", "申请的归还时间无效。"}},
    Entry{
        rules::kSodRequesterNotApprover,
        {"The requester may not approve or deny their own request.", "申请人不得审批本人的申请。"}},
    Entry{rules::kSodOwnerNotApprover,
          {"The record's owner or author may not approve access to it.",
           "档案负责人或编写人不得审批对该档案的访问。"}},
    Entry{rules::kSodApproverCountedTwice,
          {"The same approver cannot count twice.", "同一审批人不得重复计入审批。"}},
    Entry{rules::kSodCustodianNotApprover,
          {"The releasing custodian may not be an approver of the same loan.",
           "发放借阅的保管人不得为该借阅的审批人。"}},
    Entry{rules::kSodRequesterNotCustodian,
          {"The requester may not release their own loan.", "借阅申请人不得自行发放借阅。"}},
    Entry{rules::kSodOwnerNotCustodian,
          {"The record's owner or author may not release a loan of it.",
           "档案负责人或编写人不得发放该档案的借阅。"}},
    Entry{rules::kSodSelfAssignment,
          {"A record cannot be assigned to the person assigning it.", "不得将档案分配给自己。"}},
    Entry{
        rules::kSodAssignerNotConfirmer,
        {"Whoever assigned a handover may not confirm it.", "交接分配人不得确认本人分配的交接。"}},
    Entry{rules::kEvidenceNotPending,
          {"The evidence request is not waiting for a decision.",
           "该证据申请当前不处于待审批状态。"}},
    Entry{rules::kEvidenceNotApproved,
          {"The evidence request has not been approved.", "该证据申请尚未批准。"}},
    Entry{rules::kEvidenceDenied, {"The evidence request was denied.", "该证据申请已被拒绝。"}},
    Entry{rules::kEvidenceNotRequester,
          {"Only the requester may export this evidence.", "只有申请人可以导出该证据包。"}},
    Entry{rules::kSodSubjectNotApprover,
          {"A person the evidence is about may not decide on the request.",
           "证据涉及的人员不得审批该申请。"}},
    Entry{rules::kHoldNoDeclassify,
          {"The record is under legal hold: its classification cannot be lowered.",
           "该档案处于诉讼保全中，不得降低密级。"}},
    Entry{rules::kRecordLoweringNeedsApprover,
          {"Lowering a record's classification needs an approver other than its owner.",
           "降低档案密级须由档案负责人以外的审批人决定。"}},
    Entry{rules::kRecordNotLower,
          {"The new marking does not lower the record's classification.",
           "新的密级设置并未降低档案密级。"}},
    Entry{rules::kSodSelfGrant,
          {"No one may grant roles to themselves.", "任何人不得为自己授予角色。"}},
    Entry{rules::kSodGrantConfirmer,
          {"A role grant must be confirmed by a second administrator: not the one who asked for "
           "it, nor an account whose password was set through a link that administrator issued.",
           "角色授予须由另一位管理员确认：申请人本人及通过其签发的设置链接设定密码的账号均不得确认"
           "。"}},
    Entry{rules::kAllowRole, {"Allowed by role.", "角色允许。"}},
    Entry{rules::kAllowViewOpen,
          {"Allowed: this classification needs no loan.", "允许：此密级查阅无需借阅。"}},
    Entry{rules::kAllowViewOwner,
          {"Allowed: the owner views their own record.", "允许：负责人查阅本人负责的档案。"}},
    Entry{rules::kAllowViewLoan, {"Allowed under an approved loan.", "允许：凭已批准的借阅查阅。"}},
    Entry{rules::kAllowUseFree,
          {"Allowed: this use needs no approval.", "允许：此项使用无需审批。"}},
    Entry{rules::kAllowUseLoan,
          {"Allowed under an approved loan for this use.", "允许：凭已批准的使用申请。"}},
    Entry{rules::kAllowRecordUpdate,
          {"Allowed: the owner updates their record.", "允许：负责人更新档案。"}},
    Entry{rules::kAllowRecordReassign,
          {"Allowed: reassignment by an approver.", "允许：由审批人重新分配。"}},
    Entry{rules::kAllowLoanRequest, {"Loan request accepted.", "借阅申请已受理。"}},
    Entry{rules::kAllowLoanApprove, {"Approval recorded.", "审批已记录。"}},
    Entry{rules::kAllowLoanDeny, {"Denial recorded.", "拒绝已记录。"}},
    Entry{rules::kAllowLoanRelease, {"Loan released.", "借阅已发放。"}},
    Entry{rules::kAllowLoanReturn, {"Loan returned.", "借阅已归还。"}},
    Entry{rules::kAllowLoanRevoke, {"Loan revoked.", "借阅已撤销。"}},
    Entry{rules::kAllowLoanExtend, {"Extension approval recorded.", "延期审批已记录。"}},
    Entry{rules::kAllowHandoverAssign,
          {"Allowed: handover assigned to a successor.", "允许：已将交接分配给接替人。"}},
    Entry{rules::kAllowHandoverConfirm,
          {"Allowed: handover confirmed by an approver.", "允许：交接已由审批人确认。"}},
    Entry{rules::kAllowEvidenceRequest, {"Evidence request accepted.", "证据申请已受理。"}},
    Entry{rules::kAllowEvidenceApprove, {"Approval recorded.", "审批已记录。"}},
    Entry{rules::kAllowEvidenceDeny, {"Denial recorded.", "拒绝已记录。"}},
    Entry{rules::kAllowEvidenceExport,
          {"Allowed: export of an approved evidence request by its requester.",
           "允许：申请人导出已批准的证据包。"}},
    Entry{rules::kAllowHoldLift, {"Legal hold lifted.", "诉讼保全已解除。"}},
    Entry{rules::kAllowAgreementRead,
          {"Allowed: a role that reads agreements.", "允许：该角色可以阅读协议。"}},
    Entry{rules::kAllowAgreementOwn,
          {"Allowed: the employee reads their own agreement.", "允许：员工阅读本人的协议。"}},
    Entry{
        rules::kAgreementsLegalOnly,
        {"Only legal drafts, reviews and sends agreements.", "只有法务可以起草、复核和发送协议。"}},
    Entry{rules::kAgreementsReviewByOther,
          {"The drafter cannot send their own draft: legal other than the drafter reviews it.",
           "起草人不能发送自己的草稿，须由起草人以外的法务复核。"}},
    Entry{rules::kAgreementsEmployeeOnly,
          {"Only the employee named in the agreement signs it.", "只有协议中的员工本人可以签署。"}},
    Entry{rules::kAgreementsCompanySigner,
          {"A legal user other than the employee countersigns for the company.",
           "须由员工本人以外的法务代表公司会签。"}},
    Entry{rules::kAgreementsCustodianAttests,
          {"A custodian other than the uploader and the employee attests the paper.",
           "须由上传人和员工本人以外的保管人见证纸质协议。"}},
    Entry{rules::kAgreementsReaders,
          {"Not yours to read: legal, auditors, litigation and the employee once it is sent.",
           "无权查看：仅限法务、审计、诉讼人员及已收到协议的员工本人。"}},
    Entry{rules::kAgreementsLegal, {"Allowed: a step by legal.", "允许：法务操作。"}},
    Entry{rules::kAgreementsEmployee,
          {"Allowed: the employee named in the agreement.", "允许：协议中的员工本人。"}},
    Entry{rules::kAgreementsCompany,
          {"Allowed: legal countersigns for the company.", "允许：法务代表公司会签。"}},
    Entry{rules::kAgreementsCustodian,
          {"Allowed: a custodian attests the paper.", "允许：保管人见证纸质协议。"}},
    Entry{rules::kNoncompeteLegalOnly,
          {"Only legal records non-compete payments and releases.",
           "只有法务可以登记竞业补偿支付和解除。"}},
    Entry{rules::kNoncompeteReaders,
          {"Non-compete tracking is for legal, HR and auditors only.",
           "竞业限制跟踪仅限法务、人事和审计人员。"}},
    Entry{rules::kNoncompeteLegal, {"Allowed: recorded by legal.", "允许：法务登记。"}},
    Entry{
        rules::kAllowRecordLower,
        {"Allowed: an approver lowers the record's classification.", "允许：审批人降低档案密级。"}},
    Entry{rules::kAllowUserAdmin,
          {"Allowed: user administration by an administrator.", "允许：管理员管理用户。"}},
    Entry{rules::kAllowUserGrantPending,
          {"Role grant recorded; a second administrator must confirm it.",
           "角色授予已记录，需另一位管理员确认。"}},
    Entry{rules::kAllowUserGrantConfirm,
          {"Allowed: a second administrator confirms the role grant.",
           "允许：另一位管理员确认角色授予。"}},
    Entry{rules::kAllowUserFirstAdmin,
          {"Allowed: the vault's only administrator appoints a second one.",
           "允许：系统唯一的管理员任命第二位管理员。"}},
    Entry{rules::kAllowHoldTransferFirst,
          {"First approval of a move under legal hold recorded; a second approver must confirm "
           "it.",
           "诉讼保全中的档案转移已记录第一位审批人，需另一位审批人确认。"}},
};

}  // namespace

std::optional<RuleText> FindTextForRule(std::string_view rule) {
  for (const Entry& e : kEntries) {
    if (e.rule == rule) return e.text;
  }
  return std::nullopt;
}

RuleText TextForRule(std::string_view rule) {
  if (std::optional<RuleText> text = FindTextForRule(rule)) return *text;
  Die("policy: no message for rule " + std::string(rule));
}

}  // namespace custos::policy::internal
