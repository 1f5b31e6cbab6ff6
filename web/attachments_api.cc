// Attachments of a record over HTTP: list (metadata, for those who may see
// the record), upload (the record's owner, per policy; the body is streamed
// from the connection — bounded by ServerOptions::max_upload_bytes, not the
// JSON body limit — and encrypted in chunks by the vault, never held whole;
// an upload cut short stores nothing)
// and download. SECURITY: a download is an audited view of the record (grant
// or owner rule, quota, reason — a view is counted) followed by the audited
// attachment read under that view's Permit; nothing is sent unless both are
// allowed. The file is then streamed one decrypted, authenticated chunk at a
// time; should its final SHA-256 not match, the connection is cut short of
// Content-Length, so the client never holds a complete-looking bad file.
#include <sstream>
#include <string>

#include "base/json.h"
#include "vault/records/attachments.h"
#include "vault/records/records.h"
#include "web/internal/app.h"
#include "web/internal/handler_util.h"

namespace custos::web::internal {

namespace {

json::Value InfoJson(const vault::ReadTxn& txn, const vault::AttachmentInfo& a) {
  json::Value v = json::Value::MakeObject();
  v["id"] = a.id;
  v["record"] = a.record_id;
  v["filename"] = a.filename;
  v["media_type"] = a.media_type;
  v["size"] = a.size;
  v["sha256"] = a.sha256;
  v["created"] = FormatRfc3339Millis(a.created);
  v["created_by"] = PersonJson(txn, a.created_by);
  v["audit_seq"] = a.audit_seq;
  return v;
}

HttpResponse List(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto meta = VisibleRecord(app, ctx, req.params.at("id"));
  if (!meta.ok()) return ErrorResponse(meta.status());
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  auto list = vault::ListAttachments(**r, meta->id);
  if (!list.ok()) return ErrorResponse(list.status());
  json::Value items = json::Value::MakeArray();
  for (const vault::AttachmentInfo& a : *list) items.Push(InfoJson(**r, a));
  json::Value v = json::Value::MakeObject();
  v["attachments"] = std::move(items);
  return HttpResponse::Json(v);
}

bool SafeFilename(const std::string& name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"') return false;
  }
  return true;
}

HttpResponse Upload(App& app, const HttpRequest& req, const RequestContext& ctx) {
  const std::string filename = QueryString(req, "filename");
  if (!SafeFilename(filename)) {
    return ErrorResponse(Status::InvalidArgument(
        "filename (query) is required: 1-255 bytes, no slashes, quotes or control characters",
        "须指定文件名（查询参数 filename）：1–255 字节，不能含斜杠、引号或控制字符"));
  }
  const std::string reason = QueryString(req, "reason");
  if (reason.find_first_not_of(" \t") == std::string::npos || reason.size() > 4096) {
    return ErrorResponse(
        Status::InvalidArgument("reason (query) is required", "请填写事由（查询参数 reason）"));
  }
  std::string type = req.Header("content-type");
  if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  if (type.empty() || type.size() > 127) type = "application/octet-stream";
  // Streamed from the connection when served (Route::Streaming): the file
  // is encrypted chunk by chunk and never held whole in memory.
  std::istringstream buffered;
  std::istream* in = req.body_stream;
  if (in == nullptr) {
    buffered.str(req.body);
    in = &buffered;
  }
  const int64_t length =
      req.body_stream != nullptr ? req.body_length : static_cast<int64_t>(req.body.size());
  if (length <= 0) return ErrorResponse(Status::InvalidArgument("the file is empty", "文件为空"));
  // SECURITY: a streamed body that ends before its Content-Length (the
  // client went away) makes `in` fail rather than end (connection.cc,
  // BodyInBuf), so AddAttachment stores nothing and audits no addition:
  // what arrived is not what was sent.
  auto info = vault::AddAttachment(*app.options.archive, ctx.ToCaller(), req.params.at("id"),
                                   filename, type, *in, reason);
  if (!info.ok()) return ErrorResponse(info.status());
  if (static_cast<int64_t>(info->size) != length) {
    // Unreachable: the stream gives exactly `length` bytes or fails.
    app.Log("an upload was stored with another size than its Content-Length");
    return ErrorResponse(Status::Internal("upload size mismatch"));
  }
  auto r = app.vault.BeginRead();
  if (!r.ok()) return ErrorResponse(r.status());
  json::Value v = json::Value::MakeObject();
  v["attachment"] = InfoJson(**r, *info);
  return HttpResponse::Json(v, 201);
}

std::string PercentEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpResponse Download(App& app, const HttpRequest& req, const RequestContext& ctx) {
  auto reason = json::GetString(req.json, "reason");
  if (!reason.ok()) return ErrorResponse(reason.status());
  vault::AttachmentInfo info;
  {
    auto r = app.vault.BeginRead();
    if (!r.ok()) return ErrorResponse(r.status());
    auto got = vault::GetAttachment(**r, req.params.at("id"));
    if (!got.ok()) {
      if (got.status().code() == StatusCode::kNotFound) {
        return ErrorResponse(Status::NotFound("no such attachment", "没有这个附件"));
      }
      return ErrorResponse(got.status());
    }
    info = *got;
  }
  const vault::Caller caller = ctx.ToCaller();
  // Refused in the notice period before the view it would cost.
  if (Status may = vault::CheckMayDownload(*app.options.archive, caller, info); !may.ok()) {
    return ErrorResponse(may);
  }
  auto view = app.options.archive->View(caller, info.record_id, *reason);
  if (!view.ok()) return ErrorResponse(view.status());
  if (!view->permit) return ErrorResponse(Status::Internal("view without a permit"));
  // Authorized and audited now; the bytes are streamed after the headers,
  // one decrypted chunk at a time.
  auto stream = vault::OpenAttachmentStream(*app.options.archive, caller, *view->permit, info.id);
  if (!stream.ok()) return ErrorResponse(stream.status());
  HttpResponse resp;
  resp.status = 200;
  resp.content_type = "application/octet-stream";
  resp.stream_body = std::move(stream->write_to);
  resp.stream_length = stream->info.size;
  resp.headers.emplace_back("Content-Disposition",
                            "attachment; filename*=UTF-8''" + PercentEncode(info.filename));
  resp.headers.emplace_back("X-Custos-Audit-Seq", std::to_string(view->audit_seq));
  resp.headers.emplace_back("X-Custos-Classification",
                            std::string(policy::ClassificationId(view->meta.classification)));
  return resp;
}

}  // namespace

void RegisterAttachmentRoutes(App& app) {
  app.router.Add(Route::ForSession("GET", "/api/v1/records/{id}/attachments", Bind(app, &List)));
  app.router.Add(Route::ForSession("POST", "/api/v1/records/{id}/attachments", Bind(app, &Upload))
                     .Streaming());
  app.router.Add(
      Route::ForSession("POST", "/api/v1/attachments/{id}/download", Bind(app, &Download)).Json());
}

}  // namespace custos::web::internal
