// Borrowing (借阅): loans of a record for viewing, copying, printing or
// exporting, each kind approved on its own.
//
// States (policy/types.h): requested → approved / denied → released (by a
// custodian, when the policy requires it or the loan is of paper) → active
// (first use) until its due time → returned / expired / revoked. A loan is
// extended only by a new approval (ExtendLoan, counted like approvals).
//
// Every step gathers the facts from the store, calls policy::Authorize and
// writes the change and its audit event in one Vault::Write function; a
// denial writes only its event and is returned as kPermissionDenied with
// "rule: message".
//
// Storage: tables::kLoans id → Loan JSON; tables::kIndex
// "loan/r/" + record + \0 + requester + \0 + loan id → "" (usable-loan lookup).
// Loan ids: "l-" + 16 hex digits.
//
// Thread-safety: free functions; the Archive is shared (records.h).
#ifndef CUSTOS_VAULT_RECORDS_LOANS_H_
#define CUSTOS_VAULT_RECORDS_LOANS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/facts.h"
#include "policy/types.h"
#include "vault/records/records.h"

namespace custos::vault {

struct LoanStep {
  UnixMillis at = 0;
  std::string by;
  std::string action;  // "request", "approve", "deny", "release", ...
  std::string note;
  uint64_t audit_seq = 0;
};

struct Loan {
  std::string id;
  std::string record_id;
  policy::LoanKind kind = policy::LoanKind::kView;
  policy::LoanState state = policy::LoanState::kRequested;
  bool paper = false;  // the paper original leaves the archive room
  std::string requester_id;
  std::string reason;
  UnixMillis requested_at = 0;
  UnixMillis requested_due = 0;  // asked for (0 = the longest allowed)
  int approvals_required = 0;
  std::vector<std::string> approver_ids;
  bool release_required = false;
  std::string released_by;
  UnixMillis due = 0;  // set when approved
  std::vector<std::string> extension_approver_ids;
  UnixMillis extension_due = 0;  // pending extension's due time
  std::vector<LoanStep> history;

  json::Value ToJson() const;
  static Result<Loan> FromJson(const json::Value& v);
  policy::LoanFacts Facts() const;
};

struct LoanRequest {
  std::string record_id;
  policy::LoanKind kind = policy::LoanKind::kView;
  std::string reason;
  std::optional<UnixMillis> due;  // nullopt = the longest the policy allows
  bool paper = false;
};

// request_loan.
Result<Loan> RequestLoan(Archive& archive, const Caller& caller, const LoanRequest& request);
// approve_loan: one approval; when complete the loan is approved with its due
// time (the requested one, else the longest allowed from now).
Result<Loan> ApproveLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                         std::string_view note);
// deny_loan.
Result<Loan> DenyLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                      std::string_view note);
// release_loan (custodian). Required when the policy says so or for paper;
// kFailedPrecondition "loan.not_required"-style otherwise is left to policy.
Result<Loan> ReleaseLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                         std::string_view note);
// return_loan (requester or custodian).
Result<Loan> ReturnLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                        std::string_view note);
// revoke_loan (approver or custodian).
Result<Loan> RevokeLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                        std::string_view note);
// extend_loan: one approval of a later due time; applied when complete.
Result<Loan> ExtendLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                        UnixMillis new_due, std::string_view note);

// A copy, print or export of a record (action kCopy, kPrint or kExport):
// authorized on its own (a loan of that kind when the policy asks for one),
// audited ("record.copy" / "record.print" / "record.export"), and the
// latest version returned for the caller to copy, print or export. The loan
// used becomes active. kInvalidArgument for any other action.
struct UseResult {
  RecordVersion version;
  uint64_t audit_seq = 0;
  std::string rule;
  std::string loan_id;
};
Result<UseResult> UseRecord(Archive& archive, const Caller& caller, std::string_view record_id,
                            policy::Action action, std::string_view reason);

// Marks every open loan past its due time as expired (one audited system
// event per loan, action "loan.expire"). Returns how many.
Result<int> ExpireOverdueLoans(Archive& archive, UnixMillis now);

Result<Loan> GetLoan(const ReadTxn& txn, std::string_view loan_id);
// All loans, or only those of one record and/or requester (then through the
// record and requester indexes).
Result<std::vector<Loan>> ListLoans(const ReadTxn& txn, std::string_view record_id = {},
                                    std::string_view requester_id = {});
// Open loans (approved/released/active) whose due time is <= now, and expired
// loans not yet returned (paper still out) — the overdue list. Read through
// indexes: the cost follows the overdue loans, not all loans.
Result<std::vector<Loan>> ListOverdueLoans(const ReadTxn& txn, UnixMillis now);
// Open loans whose due time is <= now (the due-time index).
Result<std::vector<Loan>> OpenLoansDueBy(const ReadTxn& txn, UnixMillis now);
// Indexes the loans of a vault written before the requester and due-time
// indexes existed (once; a marker records it). Archive::Open calls it.
Status EnsureLoanIndex(Vault& vault);

// For views and uses: the caller's loan of `kind` on `record_id` that is open
// (approved/released/active) with the latest due time, or nullopt.
Result<std::optional<Loan>> FindOpenLoan(const ReadTxn& txn, std::string_view record_id,
                                         std::string_view requester_id, policy::LoanKind kind);
// Records a use under `loan` inside `txn`: a released/approved loan becomes
// active. Part of the using operation's transaction.
Status MarkLoanUsed(WriteTxn& txn, Loan loan, std::string_view by, uint64_t audit_seq);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_RECORDS_LOANS_H_
