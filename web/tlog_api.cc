// /tlog/: the audit log as a tiled transparency log (c2sp.org/tlog-tiles),
// so that an auditor, a monitor or a witness can check it with any tlog
// client, without Custos's API: the latest signed checkpoint, the tree's
// hashes in tiles, and the events in bundles (vault/audit/tlog_tiles.h).
//
// SECURITY: the checkpoint and the hash tiles hold hashes and the log's
// size, nothing of any event: auditors only, unless the operator publishes
// them (ServerOptions::tlog_public) for outside monitors and witnesses.
// Entry bundles hold the events (who, which file, when, why — never record
// content): auditors only, and each read is decided by read_audit_log and
// written to the log ("audit.read"), as every read of the log through the
// API is.
#include <string>

#include "base/json.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/signed_note.h"
#include "vault/audit/tlog_tiles.h"
#include "vault/records/records.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

HttpResponse Bytes(std::string body, std::string content_type, std::string cache) {
  HttpResponse r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", std::move(cache));
  return r;
}

// The size a checkpoint note commits to (0 when it does not parse).
uint64_t CheckpointSize(std::string_view note) {
  auto parsed = vault::note::Parse(note);
  if (!parsed.ok()) return 0;
  auto cp = vault::ParseCheckpoint(parsed->text);
  return cp.ok() ? cp->size : 0;
}

}  // namespace

Result<std::string> CurrentCheckpoint(App& app) {
  const vault::AuditLog& log = app.options.archive->audit_log();
  Result<std::string> cp = Status::NotFound("no checkpoint");
  uint64_t size = 0;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, app.vault.BeginRead());
    cp = log.LatestCheckpoint(*r);
    CUSTOS_ASSIGN_OR_RETURN(size, log.Size(*r));
  }
  if (!cp.ok() && cp.status().code() != StatusCode::kNotFound) return cp.status();
  if (!cp.ok()) return log.CheckpointNow();  // the first one
  // Readers want the log as it is: a checkpoint behind the log is replaced
  // by a fresh one, signed at most every 5 s by this server (anyone may
  // ask when the hashes are public, and each one is a write).
  const int64_t now = app.Now();
  int64_t last = app.last_fresh_checkpoint.load();
  if (CheckpointSize(*cp) < size && now - last >= 5000 &&
      app.last_fresh_checkpoint.compare_exchange_strong(last, now)) {
    auto fresh = log.CheckpointNow();
    if (fresh.ok()) return fresh;
  }
  return cp;
}

namespace {

HttpResponse Checkpoint(App& app, const HttpRequest&, const RequestContext&) {
  Result<std::string> cp = CurrentCheckpoint(app);
  if (!cp.ok()) return ErrorResponse(cp.status());
  // Mutable: cached a few seconds at most.
  return Bytes(std::move(cp).value(), "text/plain; charset=utf-8",
               app.options.tlog_public ? "public, max-age=5" : "private, max-age=5");
}

// A hash tile or an entry bundle, named by the rest of the path.
HttpResponse Tile(App& app, const HttpRequest& req, const RequestContext& ctx, bool entries) {
  auto tile = vault::tlog::ParseTilePath(std::string(entries ? "tile/entries/" : "tile/") +
                                         req.params.at("path"));
  if (!tile.ok()) return ErrorResponse(tile.status());
  if (tile->entries != entries) return ErrorResponse(Status::NotFound("no such tile"));
  if (entries) {
    json::Value details = json::Value::MakeObject();
    details["what"] = "tlog entries";
    details["tile"] = vault::tlog::FormatTilePath(*tile);
    Status allowed =
        app.options.archive->AuthorizeLogRead(ctx.ToCaller(), "audit.read", std::move(details));
    if (!allowed.ok()) return ErrorResponse(allowed);
  }
  const vault::AuditLog& log = app.options.archive->audit_log();
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  auto size = log.Size(**r);
  if (!size.ok()) return ErrorResponse(size.status());
  auto bytes = vault::tlog::ReadTile(**r, *tile, *size);
  if (!bytes.ok()) return ErrorResponse(bytes.status());
  // What a tile path names never changes.
  const bool shared_cache = app.options.tlog_public && !entries;
  return Bytes(std::move(bytes).value(), "application/octet-stream",
               std::string(shared_cache ? "public" : "private") + ", max-age=31536000, immutable");
}

HttpResponse HashTile(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Tile(app, req, ctx, false);
}

HttpResponse EntryBundle(App& app, const HttpRequest& req, const RequestContext& ctx) {
  return Tile(app, req, ctx, true);
}

}  // namespace

void RegisterTlogRoutes(App& app) {
  using policy::Role;
  if (app.options.tlog_public) {
    app.router.Add(Route::Public("GET", "/tlog/checkpoint", Bind(app, &Checkpoint)));
    app.router.Add(Route::Public("GET", "/tlog/tile/{path*}", Bind(app, &HashTile)));
  } else {
    app.router.Add(
        Route::ForRoles("GET", "/tlog/checkpoint", {Role::kAuditor}, Bind(app, &Checkpoint)));
    app.router.Add(
        Route::ForRoles("GET", "/tlog/tile/{path*}", {Role::kAuditor}, Bind(app, &HashTile)));
  }
  app.router.Add(Route::ForRoles("GET", "/tlog/tile/entries/{path*}", {Role::kAuditor},
                                 Bind(app, &EntryBundle)));
}

}  // namespace custos::web::internal
