// /api/v1/audit and /api/v1/alerts: the audit log for auditors — events
// filtered by person, record, action, decision and time (paginated), the
// latest signed checkpoint, an inclusion proof for one event — and the
// alerts raised by the vault (exhausted quotas, ...).
//
// SECURITY: the router admits only auditors; each call is then authorized
// by the policy in force (read_audit_log, the caller's employment state) and
// is itself written to the log ("audit.read"), allowed or denied. Events
// carry reasons and places but never record content.
#include <string>
#include <utility>

#include "base/json.h"
#include "policy/engine.h"
#include "vault/access/alerts.h"
#include "vault/records/records.h"
#include "vault/store/tables.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

// Asks the policy and logs the read (vault::Archive::AuthorizeLogRead). OK
// when allowed.
Status AuthorizeRead(App& app, const RequestContext& ctx, std::string_view what,
                     json::Value details) {
  details["what"] = what;
  return app.options.archive->AuthorizeLogRead(ctx.ToCaller(), "audit.read", std::move(details));
}

// False when the leaf's text shows that it cannot match the action and
// decision filters, without parsing it: a page of rare events (the home
// page's recent denials) may pass over most of the log. Leaves are written
// by json::Serialize, so "deny" is spelled as it is; anything unexpected is
// left to Matches on the parsed leaf.
bool MayMatch(std::string_view leaf, const std::string& action, const std::string& decision) {
  if (!decision.empty()) {
    auto d = json::MemberText(leaf, "decision");
    if (d.ok() && (d->size() != decision.size() + 2 || d->substr(1, decision.size()) != decision)) {
      return false;
    }
  }
  if (!action.empty()) {
    auto a = json::MemberText(leaf, "action");
    if (a.ok() && (a->size() < action.size() + 2 || a->substr(1, action.size()) != action)) {
      return false;
    }
  }
  return true;
}

bool Matches(const json::Value& leaf, const std::string& action, const std::string& decision) {
  if (!action.empty()) {
    const json::Value* a = leaf.Find("action");
    if (a == nullptr || !a->is_string()) return false;
    // "loan" matches every loan.* action; "loan.approve" only itself.
    const std::string& s = a->as_string();
    if (s != action && !(s.starts_with(action) && s.size() > action.size() &&
                         s[action.size()] == '.' && action.find('.') == std::string::npos)) {
      return false;
    }
  }
  if (!decision.empty()) {
    const json::Value* d = leaf.Find("decision");
    if (d == nullptr || !d->is_string() || d->as_string() != decision) return false;
  }
  return true;
}

HttpResponse Events(App& app, const HttpRequest& req, const RequestContext& ctx) {
  vault::AuditFilter filter;
  std::string actor = QueryString(req, "actor");
  std::string record = QueryString(req, "record");
  std::string action = QueryString(req, "action");
  std::string decision = QueryString(req, "decision");
  if (!decision.empty() && decision != "allow" && decision != "deny") {
    return ErrorResponse(
        Status::InvalidArgument("decision must be allow or deny", "结果须为 allow 或 deny"));
  }
  if (action.size() > 64 || actor.size() > 64 || record.size() > 64) {
    return ErrorResponse(
        Status::InvalidArgument("filter too long", "筛选条件过长（每项最多 64 字节）"));
  }
  auto from = QueryTime(req, "from");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = QueryTime(req, "to");
  if (!to.ok()) return ErrorResponse(to.status());
  auto limit = QuerySize(req, "limit", 50, 500);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto offset = QuerySize(req, "offset", 0, 1'000'000);
  if (!offset.ok()) return ErrorResponse(offset.status());
  std::string order = QueryString(req, "order");
  if (order.empty()) order = "desc";
  if (order != "asc" && order != "desc") {
    return ErrorResponse(
        Status::InvalidArgument("order must be asc or desc", "order 须为 asc 或 desc"));
  }
  if (*limit == 0) *limit = 50;

  // The actor filter accepts a username too (what an auditor types).
  {
    auto r = app.vault.BeginRead();
    if (!r.ok()) return ErrorResponse(r.status());
    if (!actor.empty()) {
      if (auto u = vault::FindUserByName(**r, actor); u.ok()) actor = u->id;
      filter.actor = actor;
    }
  }
  if (!record.empty()) filter.object = record;
  filter.denied = decision == "deny";
  filter.from = *from;
  filter.to = *to;

  json::Value details = json::Value::MakeObject();
  details["actor"] = actor;
  details["record"] = record;
  details["action"] = action;
  details["decision"] = decision;
  if (Status s = AuthorizeRead(app, ctx, "events", std::move(details)); !s.ok()) {
    return ErrorResponse(s);
  }

  // Read from the end for newest first (the default), from the start for
  // oldest first, and stop one match after the page: a page of recent events
  // costs the page, not the whole log. `total` is known (and given) only
  // when the read reached the other end.
  filter.newest_first = order == "desc";
  const uint64_t want = *offset + *limit;
  uint64_t matched = 0;
  bool more = false;
  json::Value list = json::Value::MakeArray();
  Status parse_error;
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  Status s =
      app.options.archive->audit_log().Export(**r, filter, [&](uint64_t, std::string_view leaf) {
        if (!MayMatch(leaf, action, decision)) return true;
        auto v = json::Parse(leaf);
        if (!v.ok()) {
          parse_error = Status::DataLoss("audit leaf does not parse");
          return false;
        }
        if (!Matches(*v, action, decision)) return true;
        if (++matched > want) {
          more = true;
          return false;
        }
        if (matched > *offset) list.Push(std::move(v).value());
        return true;
      });
  r->reset();
  if (!s.ok()) return ErrorResponse(s);
  if (!parse_error.ok()) return ErrorResponse(parse_error);
  json::Value v = json::Value::MakeObject();
  v["events"] = std::move(list);
  v["more"] = more;
  if (!more) v["total"] = matched;
  v["offset"] = static_cast<uint64_t>(*offset);
  v["limit"] = static_cast<uint64_t>(*limit);
  v["order"] = order;
  return HttpResponse::Json(v);
}

HttpResponse Checkpoint(App& app, const HttpRequest&, const RequestContext& ctx) {
  if (Status s = AuthorizeRead(app, ctx, "checkpoint", json::Value::MakeObject()); !s.ok()) {
    return ErrorResponse(s);
  }
  const vault::AuditLog& log = app.options.archive->audit_log();
  auto cp = CurrentCheckpoint(app);
  if (!cp.ok()) return ErrorResponse(cp.status());
  auto size = [&]() -> Result<uint64_t> {
    CUSTOS_ASSIGN_OR_RETURN(auto rr, app.vault.BeginRead());
    return log.Size(*rr);
  }();
  json::Value v = json::Value::MakeObject();
  v["checkpoint"] = *cp;
  v["log_name"] = log.name();
  v["verifier_key"] = log.VerifierKey();
  v["public_key_pem"] = log.PublicKeyPem();
  if (size.ok()) v["log_size"] = *size;
  return HttpResponse::Json(v);
}

HttpResponse Proof(App& app, const HttpRequest& req, const RequestContext& ctx) {
  const std::string& text = req.params.at("seq");
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return ErrorResponse(Status::InvalidArgument("seq must be a number", "序号须为数字"));
  }
  const uint64_t seq = std::stoull(text);
  json::Value details = json::Value::MakeObject();
  details["seq"] = seq;
  if (Status s = AuthorizeRead(app, ctx, "proof", std::move(details)); !s.ok()) {
    return ErrorResponse(s);
  }
  auto proof = app.options.archive->audit_log().Prove(seq);
  if (!proof.ok()) return ErrorResponse(proof.status());
  json::Value v = json::Value::MakeObject();
  v["seq"] = seq;
  v["proof"] = *proof;
  v["format"] = "c2sp.org/tlog-proof@v1";
  return HttpResponse::Json(v);
}

HttpResponse Alerts(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto limit = QuerySize(req, "limit", 100, 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  if (Status s = AuthorizeRead(app, ctx, "alerts", json::Value::MakeObject()); !s.ok()) {
    return ErrorResponse(s);
  }
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value list = json::Value::MakeArray();
  Status s =
      vault::access::ScanAlerts(**r, /*newest_first=*/true, [&](json::Value a) -> Result<bool> {
        if (const json::Value* u = a.Find("user_id"); u != nullptr && u->is_string()) {
          a["user"] = PersonJson(**r, u->as_string());
        }
        if (const json::Value* rec = a.Find("record_id"); rec != nullptr && rec->is_string()) {
          if (auto m = app.options.archive->GetMeta(rec->as_string()); m.ok()) {
            a["record_name"] = m->name;
          }
        }
        if (const json::Value* at = a.Find("at"); at != nullptr && at->is_int()) {
          a["time"] = FormatRfc3339Millis(at->as_int());
        }
        list.Push(std::move(a));
        return list.as_array().size() < *limit;
      });
  if (!s.ok()) return ErrorResponse(s);
  json::Value v = json::Value::MakeObject();
  v["alerts"] = std::move(list);
  return HttpResponse::Json(v);
}

}  // namespace

void RegisterAuditRoutes(App& app) {
  using policy::Role;
  app.router.Add(
      Route::ForRoles("GET", "/api/v1/audit/events", {Role::kAuditor}, Bind(app, &Events)));
  app.router.Add(
      Route::ForRoles("GET", "/api/v1/audit/checkpoint", {Role::kAuditor}, Bind(app, &Checkpoint)));
  app.router.Add(Route::ForRoles("GET", "/api/v1/audit/events/{seq}/proof", {Role::kAuditor},
                                 Bind(app, &Proof)));
  app.router.Add(Route::ForRoles("GET", "/api/v1/alerts", {Role::kAuditor}, Bind(app, &Alerts)));
}

}  // namespace custos::web::internal
