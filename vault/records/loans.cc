#include "vault/records/loans.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "base/encoding.h"
#include "policy/engine.h"
#include "policy/rules.h"
#include "vault/records/handover_store.h"
#include "vault/store/crypto.h"

namespace custos::vault {
namespace {

constexpr int64_t kMillisPerHour = int64_t{3600} * 1000;

std::string RecordLoanPrefix(std::string_view record_id, std::string_view requester) {
  std::string k = "loan/r/";
  k += record_id;
  k.push_back('\0');
  k += requester;
  k.push_back('\0');
  return k;
}

bool IsOpen(policy::LoanState s) {
  return s == policy::LoanState::kApproved || s == policy::LoanState::kReleased ||
         s == policy::LoanState::kActive;
}

json::Value Strings(const std::vector<std::string>& v) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& s : v) a.Push(s);
  return a;
}

Result<std::vector<std::string>> ReadStrings(const json::Value& o, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* a = o.Find(key);
  if (a == nullptr || !a->is_array()) return out;
  for (const json::Value& s : a->as_array()) {
    if (!s.is_string()) return Status::DataLoss("malformed loan");
    out.push_back(s.as_string());
  }
  return out;
}

// Loan indexes in tables::kIndex (keys only, values empty):
//   "loan/r/" record \0 requester \0 id   by record and requester (views)
//   "loan/u/" requester \0 id              by requester ("my loans")
//   "loan/due/" u64 due, id                open loans by due time (expiry, overdue)
//   "loan/out/" id                         expired paper loans not returned
// kLoanIndexMarker is set once the last three exist for every loan (vaults
// written before them are indexed by EnsureLoanIndex on Archive::Open).
constexpr std::string_view kLoanIndexMarker = "loan/index-v1";

std::string RequesterLoanKey(std::string_view requester, std::string_view id) {
  std::string k = "loan/u/";
  k += requester;
  k.push_back('\0');
  k += id;
  return k;
}
std::string DueLoanKey(UnixMillis due, std::string_view id) {
  return "loan/due/" + EncodeU64(static_cast<uint64_t>(due)) + std::string(id);
}
std::string PaperOutKey(std::string_view id) { return "loan/out/" + std::string(id); }

bool IsPaperOut(const Loan& l) { return l.state == policy::LoanState::kExpired && l.paper; }

// The state-dependent index keys of a loan.
std::vector<std::string> StateIndexKeys(const Loan& l) {
  std::vector<std::string> keys;
  if (IsOpen(l.state) && l.due != 0) keys.push_back(DueLoanKey(l.due, l.id));
  if (IsPaperOut(l)) keys.push_back(PaperOutKey(l.id));
  return keys;
}

Status DeleteIndexKey(WriteTxn& txn, const std::string& key) {
  Status st = txn.Delete(tables::kIndex, key);
  return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
}

// Moves the loan's state-dependent index entries from `before` to `after`.
Status ReindexLoan(WriteTxn& txn, const Loan* before, const Loan& after) {
  const std::vector<std::string> now = StateIndexKeys(after);
  if (before != nullptr) {
    for (const std::string& k : StateIndexKeys(*before)) {
      if (std::find(now.begin(), now.end(), k) == now.end()) {
        CUSTOS_RETURN_IF_ERROR(DeleteIndexKey(txn, k));
      }
    }
  }
  for (const std::string& k : now) CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kIndex, k, ""));
  return Status::Ok();
}

Status PutLoan(WriteTxn& txn, const Loan& loan) {
  auto before = GetLoan(txn, loan.id);
  if (!before.ok() && before.status().code() != StatusCode::kNotFound) return before.status();
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kLoans, loan.id, json::Serialize(loan.ToJson())));
  return ReindexLoan(txn, before.ok() ? &*before : nullptr, loan);
}

// Loads the loans named by the index keys under `prefix`. `id_of` gives the
// loan id in the rest of a key (after the prefix), or nullopt to end the
// scan there; by default the rest is the id.
using IdOf = std::function<Result<std::optional<std::string_view>>(std::string_view rest)>;
Result<std::vector<Loan>> LoansFromIndex(const ReadTxn& txn, const std::string& prefix,
                                         const IdOf& id_of = {}) {
  std::vector<std::string> ids;
  CUSTOS_RETURN_IF_ERROR(
      txn.ScanKeys(tables::kIndex, prefix, [&](std::string_view key) -> Result<bool> {
        const std::string_view rest = key.substr(prefix.size());
        if (!id_of) {
          ids.emplace_back(rest);
          return true;
        }
        CUSTOS_ASSIGN_OR_RETURN(std::optional<std::string_view> id, id_of(rest));
        if (!id) return false;
        ids.emplace_back(*id);
        return true;
      }));
  std::vector<Loan> out;
  out.reserve(ids.size());
  for (const std::string& id : ids) {
    CUSTOS_ASSIGN_OR_RETURN(Loan l, GetLoan(txn, id));
    out.push_back(std::move(l));
  }
  return out;
}

// The loan's details on its audit event, as it stood before the step.
void AddLoanDetails(AuditEvent& e, const Loan& loan) {
  e.details["record"] = loan.record_id;
  e.details["kind"] = policy::LoanKindId(loan.kind);
  e.details["state_before"] = policy::LoanStateId(loan.state);
  if (loan.paper) e.details["paper"] = true;
}

struct StepContext {
  const policy::Decision& decision;
  const User& user;
  UnixMillis now;
  const policy::Policy& policy;
  const RecordMeta& meta;
};
using Mutator = std::function<Status(Loan&, const StepContext&)>;

// One decision on an existing loan through the access path: facts from the
// store, the decision, and the change with its audit event in one
// transaction (only the event if refused).
Result<Loan> Step(Archive& archive, const Caller& caller, std::string_view loan_id,
                  policy::Action action, std::string audit_action, std::string_view note,
                  std::optional<UnixMillis> requested_due, const Mutator& mutate,
                  const std::function<void(Loan&)>& prepare_loan = {}) {
  const access::Attempt attempt = access::Attempt::On(action, audit_action, "loan", loan_id, note);
  Loan loan;
  RecordMeta meta;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(loan, GetLoan(txn, loan_id));
                CUSTOS_ASSIGN_OR_RETURN(meta, Archive::ReadMeta(txn, loan.record_id));
                if (prepare_loan) prepare_loan(loan);
                f.record = Archive::RecordFactsFor(meta);
                f.loan = loan.Facts();
                f.requested_due = requested_due;
                AddLoanDetails(e, loan);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                loan.history.push_back(
                    LoanStep{o.now, o.user.id, attempt.event_action, std::string(note), o.seq});
                return PutLoan(txn, loan);
              },
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                if (!o.allowed) return Status::Ok();
                CUSTOS_RETURN_IF_ERROR(
                    mutate(loan, StepContext{o.decision, o.user, o.now, *o.policy, meta}));
                e.details["state_after"] = policy::LoanStateId(loan.state);
                if (loan.due != 0) e.details["due"] = loan.due;
                return Status::Ok();
              })
          .status());
  return loan;
}

}  // namespace

// ---- Loan values -----------------------------------------------------------------------

json::Value Loan::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["id"] = id;
  o["record"] = record_id;
  o["kind"] = policy::LoanKindId(kind);
  o["state"] = policy::LoanStateId(state);
  o["paper"] = paper;
  o["requester"] = requester_id;
  o["reason"] = reason;
  o["requested_at"] = requested_at;
  o["requested_due"] = requested_due;
  o["approvals_required"] = approvals_required;
  o["approvers"] = Strings(approver_ids);
  o["release_required"] = release_required;
  o["released_by"] = released_by;
  o["due"] = due;
  o["extension_approvers"] = Strings(extension_approver_ids);
  o["extension_due"] = extension_due;
  json::Value h = json::Value::MakeArray();
  for (const LoanStep& s : history) {
    json::Value x = json::Value::MakeObject();
    x["at"] = s.at;
    x["by"] = s.by;
    x["action"] = s.action;
    x["note"] = s.note;
    x["audit_seq"] = s.audit_seq;
    h.Push(std::move(x));
  }
  o["history"] = std::move(h);
  return o;
}

Result<Loan> Loan::FromJson(const json::Value& o) {
  Loan l;
  CUSTOS_ASSIGN_OR_RETURN(l.id, json::GetString(o, "id"));
  CUSTOS_ASSIGN_OR_RETURN(l.record_id, json::GetString(o, "record"));
  CUSTOS_ASSIGN_OR_RETURN(std::string kind, json::GetString(o, "kind"));
  CUSTOS_ASSIGN_OR_RETURN(l.kind, policy::ParseLoanKind(kind));
  CUSTOS_ASSIGN_OR_RETURN(std::string state, json::GetString(o, "state"));
  CUSTOS_ASSIGN_OR_RETURN(l.state, policy::ParseLoanState(state));
  if (const json::Value* p = o.Find("paper"); p != nullptr && p->is_bool()) l.paper = p->as_bool();
  CUSTOS_ASSIGN_OR_RETURN(l.requester_id, json::GetString(o, "requester"));
  CUSTOS_ASSIGN_OR_RETURN(l.reason, json::GetStringOr(o, "reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(l.requested_at, json::GetIntOr(o, "requested_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(l.requested_due, json::GetIntOr(o, "requested_due", 0));
  CUSTOS_ASSIGN_OR_RETURN(int64_t req, json::GetIntOr(o, "approvals_required", 0));
  l.approvals_required = static_cast<int>(req);
  CUSTOS_ASSIGN_OR_RETURN(l.approver_ids, ReadStrings(o, "approvers"));
  if (const json::Value* r = o.Find("release_required"); r != nullptr && r->is_bool())
    l.release_required = r->as_bool();
  CUSTOS_ASSIGN_OR_RETURN(l.released_by, json::GetStringOr(o, "released_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(l.due, json::GetIntOr(o, "due", 0));
  CUSTOS_ASSIGN_OR_RETURN(l.extension_approver_ids, ReadStrings(o, "extension_approvers"));
  CUSTOS_ASSIGN_OR_RETURN(l.extension_due, json::GetIntOr(o, "extension_due", 0));
  if (const json::Value* h = o.Find("history"); h != nullptr && h->is_array()) {
    for (const json::Value& x : h->as_array()) {
      LoanStep s;
      CUSTOS_ASSIGN_OR_RETURN(s.at, json::GetIntOr(x, "at", 0));
      CUSTOS_ASSIGN_OR_RETURN(s.by, json::GetStringOr(x, "by", ""));
      CUSTOS_ASSIGN_OR_RETURN(s.action, json::GetStringOr(x, "action", ""));
      CUSTOS_ASSIGN_OR_RETURN(s.note, json::GetStringOr(x, "note", ""));
      CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(x, "audit_seq", 0));
      s.audit_seq = static_cast<uint64_t>(seq);
      l.history.push_back(std::move(s));
    }
  }
  return l;
}

policy::LoanFacts Loan::Facts() const {
  policy::LoanFacts f;
  f.id = id;
  f.record_id = record_id;
  f.kind = kind;
  f.state = state;
  f.requester_id = requester_id;
  f.approver_ids = approver_ids;
  f.released_by = released_by;
  f.due = due;
  f.extension_approver_ids = extension_approver_ids;
  return f;
}

// ---- reading ---------------------------------------------------------------------------

Result<Loan> GetLoan(const ReadTxn& txn, std::string_view loan_id) {
  auto raw = txn.Get(tables::kLoans, loan_id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such loan", "没有这笔借阅");
    }
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  return Loan::FromJson(v);
}

Result<std::vector<Loan>> ListLoans(const ReadTxn& txn, std::string_view record_id,
                                    std::string_view requester_id) {
  if (!record_id.empty()) {
    if (!requester_id.empty())
      return LoansFromIndex(txn, RecordLoanPrefix(record_id, requester_id));
    std::string prefix = "loan/r/";
    prefix += record_id;
    prefix.push_back('\0');
    // The rest is requester \0 id.
    return LoansFromIndex(txn, prefix,
                          [](std::string_view rest) -> Result<std::optional<std::string_view>> {
                            const size_t nul = rest.find('\0');
                            if (nul == std::string_view::npos)
                              return Status::DataLoss("loan index key is damaged");
                            return std::optional<std::string_view>(rest.substr(nul + 1));
                          });
  }
  if (!requester_id.empty()) {
    std::string prefix = "loan/u/";
    prefix += requester_id;
    prefix.push_back('\0');
    return LoansFromIndex(txn, prefix);
  }
  std::vector<Loan> out;
  CUSTOS_RETURN_IF_ERROR(
      txn.Scan(tables::kLoans, "", [&](std::string_view, std::string_view value) -> Result<bool> {
        CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
        CUSTOS_ASSIGN_OR_RETURN(Loan l, Loan::FromJson(v));
        out.push_back(std::move(l));
        return true;
      }));
  return out;
}

Result<std::vector<Loan>> ListOverdueLoans(const ReadTxn& txn, UnixMillis now) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> all, OpenLoansDueBy(txn, now));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> paper, LoansFromIndex(txn, "loan/out/"));
  for (Loan& l : paper) all.push_back(std::move(l));
  std::vector<Loan> out;
  for (Loan& l : all) {
    const bool overdue_open = IsOpen(l.state) && l.due != 0 && l.due <= now;
    // Expired paper that never came back is still out of the archive room.
    const bool paper_out = l.state == policy::LoanState::kExpired && l.paper;
    if (overdue_open || paper_out) out.push_back(std::move(l));
  }
  std::sort(out.begin(), out.end(), [](const Loan& a, const Loan& b) { return a.due < b.due; });
  return out;
}

Result<std::optional<Loan>> FindOpenLoan(const ReadTxn& txn, std::string_view record_id,
                                         std::string_view requester_id, policy::LoanKind kind) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> loans,
                          LoansFromIndex(txn, RecordLoanPrefix(record_id, requester_id)));
  std::optional<Loan> best;
  int best_score = 0;
  const UnixMillis now = NowMillis();
  for (Loan& l : loans) {
    if (l.kind != kind) continue;
    // Prefer a usable grant; otherwise show the one that explains the denial.
    int score = 0;
    if (IsOpen(l.state))
      score = l.due > now ? 4 : 3;
    else if (l.state == policy::LoanState::kRequested)
      score = 2;
    else if (l.state == policy::LoanState::kExpired)
      score = 1;
    if (score > best_score || (score == best_score && score > 0 && l.due > best->due)) {
      best = std::move(l);
      best_score = score;
    }
  }
  return best;
}

Status MarkLoanUsed(WriteTxn& txn, Loan loan, std::string_view by, uint64_t audit_seq) {
  if (loan.state == policy::LoanState::kApproved || loan.state == policy::LoanState::kReleased) {
    loan.state = policy::LoanState::kActive;
    loan.history.push_back(LoanStep{NowMillis(), std::string(by), "loan.first_use", "", audit_seq});
    return PutLoan(txn, loan);
  }
  return Status::Ok();
}

// ---- workflow ----------------------------------------------------------------------------

namespace {

// A second request of the same kind for the same file by the same person,
// while the first is pending or in force, would only stand twice in the
// approvers' queue (a double click, a retry): refused, naming the first.
// (Read on the decision's snapshot, whose reads the write checks again, so
// two such requests at once cannot both pass.)
Status CheckNoOpenLoan(const ReadTxn& txn, std::string_view record_id, std::string_view user_id,
                       policy::LoanKind kind, UnixMillis now) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> mine,
                          LoansFromIndex(txn, RecordLoanPrefix(record_id, user_id)));
  for (const Loan& l : mine) {
    if (l.kind != kind) continue;
    const bool pending = l.state == policy::LoanState::kRequested;
    const bool in_force = IsOpen(l.state) && (l.due == 0 || l.due > now);
    if (!pending && !in_force) continue;
    const std::string en = std::string(pending ? "your request " : "your loan ") + l.id +
                           " of this file, of the same kind, is " +
                           (pending ? "still waiting for approval; withdraw it first to change it"
                                    : "still in force; ask for an extension instead");
    const std::string zh =
        pending ? "您对该档案的同类借阅申请（" + l.id +
                      "）尚在审批中，无需重复申请；如需修改，请先撤回。"
                : "您对该档案的同类借阅（" + l.id + "）仍在有效期内；如需更长时间，请申请延期。";
    return Status::Refused(StatusCode::kFailedPrecondition, "loan.already_open: " + en,
                           Refusal{"loan.already_open", "loan.already_open: " + en, zh});
  }
  return Status::Ok();
}

}  // namespace

Result<Loan> RequestLoan(Archive& archive, const Caller& caller, const LoanRequest& request) {
  const access::Attempt attempt =
      access::Attempt::On(policy::Action::kRequestLoan, "loan.request", "loan",
                          "l-" + HexEncode(RandomBytes(8)), request.reason);
  Loan loan;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, Archive::ReadMeta(txn, request.record_id));
                CUSTOS_RETURN_IF_ERROR(CheckNoOpenLoan(txn, meta.id, user.id, request.kind, f.now));
                loan = Loan{};
                loan.id = attempt.object_id;
                loan.record_id = meta.id;
                loan.kind = request.kind;
                loan.state = policy::LoanState::kRequested;
                loan.paper = request.paper;
                loan.requester_id = user.id;
                loan.reason = request.reason;
                loan.requested_at = f.now;
                loan.requested_due = request.due.value_or(0);
                f.record = Archive::RecordFactsFor(meta);
                f.loan = loan.Facts();
                f.requested_due = request.due;
                AddLoanDetails(e, loan);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                loan.approvals_required = o.decision.approvals_required;
                loan.release_required = o.decision.custodian_release_required || request.paper;
                loan.history.push_back(
                    LoanStep{o.now, o.user.id, "loan.request", request.reason, o.seq});
                CUSTOS_RETURN_IF_ERROR(
                    txn.Insert(tables::kLoans, loan.id, json::Serialize(loan.ToJson())));
                CUSTOS_RETURN_IF_ERROR(txn.Put(
                    tables::kIndex, RecordLoanPrefix(loan.record_id, o.user.id) + loan.id, ""));
                CUSTOS_RETURN_IF_ERROR(
                    txn.Put(tables::kIndex, RequesterLoanKey(o.user.id, loan.id), ""));
                return ReindexLoan(txn, nullptr, loan);
              })
          .status());
  return loan;
}

Result<Loan> ApproveLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                         std::string_view note) {
  return Step(
      archive, caller, loan_id, policy::Action::kApproveLoan, "loan.approve", note, std::nullopt,
      [](Loan& loan, const StepContext& c) -> Status {
        loan.approver_ids.push_back(c.user.id);
        if (!c.decision.approvals_complete) return Status::Ok();
        loan.state = policy::LoanState::kApproved;
        loan.release_required = loan.release_required || c.decision.custodian_release_required;
        // The grant runs from the final approval: the requested due
        // time when still ahead and within the longest loan, else the
        // longest loan.
        const UnixMillis latest =
            c.now + c.policy.rules(c.meta.classification).max_loan_hours * kMillisPerHour;
        loan.due = (loan.requested_due > c.now && loan.requested_due <= latest) ? loan.requested_due
                                                                                : latest;
        return Status::Ok();
      });
}

Result<Loan> DenyLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                      std::string_view note) {
  return Step(archive, caller, loan_id, policy::Action::kDenyLoan, "loan.deny", note, std::nullopt,
              [](Loan& loan, const StepContext&) -> Status {
                loan.state = policy::LoanState::kDenied;
                return Status::Ok();
              });
}

Result<Loan> ReleaseLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                         std::string_view note) {
  return Step(archive, caller, loan_id, policy::Action::kReleaseLoan, "loan.release", note,
              std::nullopt, [](Loan& loan, const StepContext& c) -> Status {
                loan.state = policy::LoanState::kReleased;
                loan.released_by = c.user.id;
                return Status::Ok();
              });
}

Result<Loan> ReturnLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                        std::string_view note) {
  return Step(archive, caller, loan_id, policy::Action::kReturnLoan, "loan.return", note,
              std::nullopt, [](Loan& loan, const StepContext&) -> Status {
                loan.state = policy::LoanState::kReturned;
                return Status::Ok();
              });
}

Result<Loan> RevokeLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                        std::string_view note) {
  return Step(archive, caller, loan_id, policy::Action::kRevokeLoan, "loan.revoke", note,
              std::nullopt, [](Loan& loan, const StepContext&) -> Status {
                loan.state = policy::LoanState::kRevoked;
                return Status::Ok();
              });
}

Result<Loan> ExtendLoan(Archive& archive, const Caller& caller, std::string_view loan_id,
                        UnixMillis new_due, std::string_view note) {
  return Step(
      archive, caller, loan_id, policy::Action::kExtendLoan, "loan.extend", note, new_due,
      [new_due](Loan& loan, const StepContext& c) -> Status {
        loan.extension_due = new_due;
        loan.extension_approver_ids.push_back(c.user.id);
        if (c.decision.approvals_complete) {
          loan.due = new_due;
          loan.extension_due = 0;
          loan.extension_approver_ids.clear();
        }
        return Status::Ok();
      },
      // Approvals count toward one due time; asking for another starts over.
      [new_due](Loan& loan) {
        if (loan.extension_due != new_due) {
          loan.extension_approver_ids.clear();
          loan.extension_due = new_due;
        }
      });
}

Result<int> ExpireOverdueLoans(Archive& archive, UnixMillis now) {
  int expired = 0;
  CUSTOS_RETURN_IF_ERROR(archive.vault().Write([&](WriteTxn& txn) -> Status {
    expired = 0;
    CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(txn));
    CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> all, OpenLoansDueBy(txn, now));
    for (Loan& loan : all) {
      if (!IsOpen(loan.state) || loan.due == 0 || loan.due > now) continue;
      AuditEvent e;
      e.action = "loan.expire";
      e.object = {"loan", loan.id, std::nullopt};
      e.decision = AuditDecision::kAllow;
      e.rule = std::string(policy::rules::kLoanExpired);
      e.policy = policy->digest();
      e.outcome = "ok";
      e.details["record"] = loan.record_id;
      e.details["requester"] = loan.requester_id;
      e.details["due"] = loan.due;
      e.details["state_before"] = policy::LoanStateId(loan.state);
      CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, archive.audit_log().Append(txn, e));
      loan.state = policy::LoanState::kExpired;
      loan.history.push_back(LoanStep{now, "", "loan.expire", "", seq});
      CUSTOS_RETURN_IF_ERROR(PutLoan(txn, loan));
      ++expired;
    }
    return Status::Ok();
  }));
  return expired;
}

Result<UseResult> UseRecord(Archive& archive, const Caller& caller, std::string_view record_id,
                            policy::Action action, std::string_view reason) {
  const std::optional<policy::LoanKind> kind = policy::LoanKindForAction(action);
  if (!kind || *kind == policy::LoanKind::kView)
    return Status::InvalidArgument("only copy, print and export are uses");
  access::Attempt attempt =
      RecordAttempt(action, "record." + std::string(policy::LoanKindId(*kind)), record_id, reason);
  // Taking content out is watched like viewing it: notice period, off
  // hours, a new place, refusals in a row.
  attempt.alert_record_id = std::string(record_id);
  UseResult out;
  RecordMeta meta;
  std::optional<Loan> loan;
  int views_used = 0;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, Archive::ReadMeta(txn, record_id));
                CUSTOS_ASSIGN_OR_RETURN(loan, FindOpenLoan(txn, meta.id, user.id, *kind));
                CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(txn));
                f.record = Archive::RecordFactsFor(meta);
                if (loan) f.loan = loan->Facts();
                CUSTOS_ASSIGN_OR_RETURN(f.outside_assignment, OutsideAssignment(txn, user, meta));
                CUSTOS_ASSIGN_OR_RETURN(
                    f.views_used,
                    Archive::ViewsUsed(txn, user.id, meta.id, *policy, meta.classification, f.now));
                views_used = f.views_used;
                e.object.version = meta.latest_version;
                e.details["classification"] = policy::ClassificationId(meta.classification);
                if (loan) e.details["loan"] = loan->id;
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                // The content leaves as a view's would: it counts against the quota.
                CUSTOS_RETURN_IF_ERROR(Archive::CountViews(txn, o.user.id, meta.id, o.now, 1));
                CUSTOS_ASSIGN_OR_RETURN(out.version,
                                        ReadRecordVersion(txn, meta.id, meta.latest_version));
                out.audit_seq = o.seq;
                out.rule = o.rule;
                out.loan_id.clear();
                if (loan && o.rule == policy::rules::kAllowUseLoan) {
                  CUSTOS_RETURN_IF_ERROR(MarkLoanUsed(txn, *loan, o.user.id, o.seq));
                  out.loan_id = loan->id;
                }
                return Status::Ok();
              },
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                e.details["views_used"] = o.allowed ? views_used + 1 : views_used;
                if (o.decision.view_quota) e.details["view_quota"] = *o.decision.view_quota;
                return Status::Ok();
              })
          .status());
  return out;
}

Result<std::vector<Loan>> OpenLoansDueBy(const ReadTxn& txn, UnixMillis now) {
  const std::string due_limit = EncodeU64(static_cast<uint64_t>(now));
  // The rest is u64 due (big-endian, so key order is due order), then the id.
  return LoansFromIndex(txn, "loan/due/",
                        [&](std::string_view rest) -> Result<std::optional<std::string_view>> {
                          if (rest.size() < due_limit.size())
                            return Status::DataLoss("loan index key is damaged");
                          if (rest.substr(0, due_limit.size()) > due_limit)
                            return std::optional<std::string_view>();  // due later
                          return std::optional<std::string_view>(rest.substr(due_limit.size()));
                        });
}

Status EnsureLoanIndex(Vault& vault) {
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(bool done, r->Has(tables::kIndex, kLoanIndexMarker));
    if (done) return Status::Ok();
  }
  return vault.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(bool done, txn.Has(tables::kIndex, kLoanIndexMarker));
    if (done) return Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> all, ListLoans(txn));
    for (const Loan& l : all) {
      CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kIndex, RequesterLoanKey(l.requester_id, l.id), ""));
      CUSTOS_RETURN_IF_ERROR(ReindexLoan(txn, nullptr, l));
    }
    return txn.Put(tables::kIndex, kLoanIndexMarker, "1");
  });
}

}  // namespace custos::vault
