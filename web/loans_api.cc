// /api/v1/loans: borrowing (借阅) over HTTP — request, the lists each role
// works from, and every transition (approve, deny, release, return, revoke,
// extend) — and POST /api/v1/records/{id}/use, the copy, print or export a
// loan of that kind allows. Each step is decided and audited by vault/loans
// (policy, separation of duties, one transaction with its event); this file
// checks who may read which list, translates HTTP to calls and Status to HTTP.
#include <algorithm>
#include <string>
#include <vector>

#include "base/json.h"
#include "vault/records/loans.h"
#include "vault/records/records.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

using policy::Role;

json::Value LoanJson(const vault::ReadTxn& txn, const vault::Archive& archive,
                     const vault::Loan& loan, UnixMillis now) {
  json::Value v = loan.ToJson();
  v["requester_person"] = PersonJson(txn, loan.requester_id);
  auto meta = archive.GetMeta(loan.record_id);
  if (meta.ok()) {
    v["record_name"] = meta->name;
    v["marking"] = MarkingJson(meta->classification);
    v["record_owner"] = meta->owner_id;
  }
  const bool open = loan.state == policy::LoanState::kApproved ||
                    loan.state == policy::LoanState::kReleased ||
                    loan.state == policy::LoanState::kActive;
  v["overdue"] = (open && loan.due != 0 && loan.due <= now) ||
                 (loan.state == policy::LoanState::kExpired && loan.paper);
  json::Value approvers = json::Value::MakeArray();
  for (const std::string& a : loan.approver_ids) approvers.Push(PersonJson(txn, a));
  v["approver_people"] = std::move(approvers);
  return v;
}

HttpResponse LoanResponse(App& app, const Result<vault::Loan>& loan, int status = 200) {
  if (!loan.ok()) return ErrorResponse(loan.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["loan"] = LoanJson(**r, *app.options.archive, *loan, app.Now());
  return HttpResponse::Json(v, status);
}

HttpResponse Request(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::LoanRequest lr;
  auto record = RequiredText(req.json, "record", 64);
  if (!record.ok()) return ErrorResponse(record.status());
  lr.record_id = *record;
  auto kind = json::GetStringOr(req.json, "kind", "view");
  if (!kind.ok()) return ErrorResponse(kind.status());
  auto parsed = policy::ParseLoanKind(*kind);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  lr.kind = *parsed;
  auto reason = RequiredText(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  lr.reason = *reason;
  auto due = OptionalTime(req.json, "due");
  if (!due.ok()) return ErrorResponse(due.status());
  lr.due = *due;
  auto paper = OptionalBool(req.json, "paper", lr.paper);
  if (!paper.ok()) return ErrorResponse(paper.status());
  lr.paper = *paper;
  return LoanResponse(app, vault::RequestLoan(*app.options.archive, ctx.ToCaller(), lr), 201);
}

bool IsOpen(const vault::Loan& l) {
  return l.state == policy::LoanState::kApproved || l.state == policy::LoanState::kReleased ||
         l.state == policy::LoanState::kActive;
}

// The lists: mine (anyone: my own requests and loans), approve (approvers:
// requests waiting for an approval that the caller may give — not their own,
// not yet approved by them), open (approvers: approved/released/active loans,
// the ones an extension may be approved for), release (custodians: approved
// loans waiting for release), out (custodians: released/active loans to take
// back), overdue (custodians, approvers, auditors).
HttpResponse List(App& app, const HttpRequest& req, const RequestContext& ctx) {
  std::string scope = QueryString(req, "scope");
  if (scope.empty()) scope = "mine";
  const std::string& me = ctx.user->id;
  auto needs = [&](std::initializer_list<Role> roles) {
    return std::none_of(roles.begin(), roles.end(), [&](Role r) { return ctx.HasRole(r); });
  };
  if (scope == "approve" && needs({Role::kApprover})) {
    return ErrorResponse(403, "permission_denied", "only approvers see requests to approve",
                         "只有审批人可以查看待审批申请");
  }
  if (scope == "open" && needs({Role::kApprover})) {
    return ErrorResponse(403, "permission_denied", "only approvers see open loans to extend",
                         "只有审批人可以查看可延期的借阅");
  }
  if ((scope == "release" || scope == "out") && needs({Role::kCustodian})) {
    return ErrorResponse(403, "permission_denied", "only custodians see loans to release",
                         "只有保管人可以查看待发放和待收回的借阅");
  }
  if (scope == "overdue" && needs({Role::kCustodian, Role::kApprover, Role::kAuditor})) {
    return ErrorResponse(403, "permission_denied", "your roles do not allow this",
                         "您的角色无权执行此操作");
  }
  if (scope != "mine" && scope != "approve" && scope != "open" && scope != "release" &&
      scope != "out" && scope != "overdue") {
    return ErrorResponse(
        Status::InvalidArgument("scope must be mine, approve, open, release, out or overdue",
                                "scope 须为 mine、approve、open、release、out 或 overdue"));
  }
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  const UnixMillis now = app.Now();
  Result<std::vector<vault::Loan>> loans =
      scope == "overdue" ? vault::ListOverdueLoans(**r, now)
                         : vault::ListLoans(**r, {}, scope == "mine" ? std::string_view(me) : "");
  if (!loans.ok()) return ErrorResponse(loans.status());
  json::Value list = json::Value::MakeArray();
  for (const vault::Loan& l : *loans) {
    bool keep = true;
    if (scope == "approve") {
      const bool waiting =
          l.state == policy::LoanState::kRequested || (IsOpen(l) && l.extension_due != 0);
      const auto& given =
          l.state == policy::LoanState::kRequested ? l.approver_ids : l.extension_approver_ids;
      // Own requests stay listed (marked) so that the refusal is the
      // policy's, shown when tried, not a silently missing row.
      keep = waiting && std::find(given.begin(), given.end(), me) == given.end();
    } else if (scope == "open") {
      keep = IsOpen(l);
    } else if (scope == "release") {
      keep = l.state == policy::LoanState::kApproved && l.release_required;
    } else if (scope == "out") {
      keep = l.state == policy::LoanState::kReleased || l.state == policy::LoanState::kActive ||
             (l.state == policy::LoanState::kExpired && l.paper);
    }
    if (keep) list.Push(LoanJson(**r, *app.options.archive, l, now));
  }
  json::Value v = json::Value::MakeObject();
  v["scope"] = scope;
  v["loans"] = std::move(list);
  return HttpResponse::Json(v);
}

HttpResponse Get(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  auto loan = vault::GetLoan(**r, req.params.at("id"));
  if (!loan.ok()) return ErrorResponse(loan.status());
  // SECURITY: a loan names a record and a reason; only its requester and
  // the roles that work on loans may read it. Others get 404, as for an
  // unknown id.
  const bool may = loan->requester_id == ctx.user->id || ctx.HasRole(Role::kApprover) ||
                   ctx.HasRole(Role::kCustodian) || ctx.HasRole(Role::kAuditor);
  if (!may) return ErrorResponse(Status::NotFound("no such loan", "没有这笔借阅"));
  json::Value v = json::Value::MakeObject();
  v["loan"] = LoanJson(**r, *app.options.archive, *loan, app.Now());
  return HttpResponse::Json(v);
}

using Step = Result<vault::Loan> (*)(vault::Archive&, const vault::Caller&, std::string_view,
                                     std::string_view);

HttpResponse Transition(App& app, const HttpRequest& req, const RequestContext& ctx, Step step,
                        bool comment_required) {
  auto note =
      comment_required ? RequiredText(req.json, "comment") : OptionalText(req.json, "comment");
  if (!note.ok()) return ErrorResponse(note.status());
  return LoanResponse(app, step(*app.options.archive, ctx.ToCaller(), req.params.at("id"), *note));
}

HttpResponse Approve(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Transition(app, req, ctx, &vault::ApproveLoan, false);
}
HttpResponse Deny(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Transition(app, req, ctx, &vault::DenyLoan, true);
}
HttpResponse Release(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Transition(app, req, ctx, &vault::ReleaseLoan, false);
}
HttpResponse Return(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Transition(app, req, ctx, &vault::ReturnLoan, false);
}
HttpResponse Revoke(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Transition(app, req, ctx, &vault::RevokeLoan, true);
}

HttpResponse Extend(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto due = OptionalTime(req.json, "due");
  if (!due.ok()) return ErrorResponse(due.status());
  if (!due->has_value()) {
    return ErrorResponse(Status::InvalidArgument("due is required", "请选择新的到期时间"));
  }
  auto note = OptionalText(req.json, "comment");
  if (!note.ok()) return ErrorResponse(note.status());
  return LoanResponse(app, vault::ExtendLoan(*app.options.archive, ctx.ToCaller(),
                                             req.params.at("id"), **due, *note));
}

// The copy, print or export of a record's latest version. The loan of that
// kind (when the policy asks for one) is the caller's own, found by the
// vault; the answer carries what the UI needs to mark the result: the
// classification marking and the watermark (viewer, time, audit seq).
HttpResponse Use(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto action_id = RequiredText(req.json, "action", 16);
  if (!action_id.ok()) return ErrorResponse(action_id.status());
  policy::Action action;
  if (*action_id == "copy") {
    action = policy::Action::kCopy;
  } else if (*action_id == "print") {
    action = policy::Action::kPrint;
  } else if (*action_id == "export") {
    action = policy::Action::kExport;
  } else {
    return ErrorResponse(
        Status::InvalidArgument("action must be copy, print or export",
                                "action 须为 copy（复制）、print（打印）或 export（导出）"));
  }
  // As for views, an empty reason is the policy's to refuse (and audit).
  auto reason = json::GetString(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto used =
      vault::UseRecord(*app.options.archive, ctx.ToCaller(), req.params.at("id"), action, *reason);
  if (!used.ok()) return ErrorResponse(used.status());
  const vault::RecordMeta& meta = used->version.meta;
  json::Value v = json::Value::MakeObject();
  v["action"] = *action_id;
  v["record"] = used->version.record_id;
  v["name"] = meta.name;
  v["classification"] = policy::ClassificationId(meta.classification);
  v["marking"] = MarkingJson(meta.classification);
  v["version"] = static_cast<int64_t>(used->version.version);
  v["content"] = used->version.content.ToJson();
  json::Value mark = json::Value::MakeObject();
  mark["viewer_id"] = ctx.user->id;
  mark["viewer_name"] = ctx.user->display_name;
  mark["time"] = FormatRfc3339Millis(ctx.now);
  mark["audit_seq"] = used->audit_seq;
  v["watermark"] = std::move(mark);
  v["rule"] = used->rule;
  v["loan"] = used->loan_id.empty() ? json::Value() : json::Value(used->loan_id);
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterLoanRoutes(App& app) {
  // The role lists turn away callers who could never be allowed; the policy
  // (inside vault/loans) decides every transition, including separation of
  // duties (own request, own file, the approver releasing).
  app.router.Add(Route::ForSession("POST", "/api/v1/loans", Bind(app, &Request)).Json());
  app.router.Add(Route::ForSession("GET", "/api/v1/loans", Bind(app, &List)));
  app.router.Add(Route::ForSession("GET", "/api/v1/loans/{id}", Bind(app, &Get)));
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/loans/{id}/approve", {Role::kApprover}, Bind(app, &Approve))
          .Json());
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/loans/{id}/deny", {Role::kApprover}, Bind(app, &Deny))
          .Json());
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/loans/{id}/release", {Role::kCustodian}, Bind(app, &Release))
          .Json());
  app.router.Add(Route::ForSession("POST", "/api/v1/loans/{id}/return", Bind(app, &Return)).Json());
  // Any session: besides approvers and custodians, a requester may withdraw
  // their own request while it is undecided (the policy decides).
  app.router.Add(Route::ForSession("POST", "/api/v1/loans/{id}/revoke", Bind(app, &Revoke)).Json());
  app.router.Add(
      Route::ForRoles("POST", "/api/v1/loans/{id}/extend", {Role::kApprover}, Bind(app, &Extend))
          .Json());
  // Any session may ask; the policy decides (a loan of the kind, or a free
  // use of a public file).
  app.router.Add(Route::ForSession("POST", "/api/v1/records/{id}/use", Bind(app, &Use)).Json());
}

}  // namespace custos::web::internal
