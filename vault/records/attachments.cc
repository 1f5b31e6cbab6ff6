#include "vault/records/attachments.h"

#include <sodium.h>
#include <utility>

#include "base/encoding.h"
#include "base/text.h"
#include "policy/engine.h"
#include "policy/rules.h"
#include "vault/access/policy_store.h"
#include "vault/store/crypto.h"
#include "vault/store/sealed_stream.h"

namespace custos::vault {
namespace {

constexpr int64_t kPermitMaxAgeMs = 15 * 60 * 1000;

std::string IndexKey(std::string_view record, std::string_view id) {
  std::string k = "att/";
  k += record;
  k.push_back('\0');
  k += id;
  return k;
}

json::Value InfoToJson(const AttachmentInfo& a, const SealedStream& stream) {
  json::Value o = json::Value::MakeObject();
  o["id"] = a.id;
  o["record"] = a.record_id;
  o["filename"] = a.filename;
  o["media_type"] = a.media_type;
  stream.AddTo(&o);
  o["created"] = a.created;
  o["created_by"] = a.created_by;
  o["audit_seq"] = a.audit_seq;
  return o;
}

struct StoredAttachment {
  AttachmentInfo info;
  SealedStream stream;
};

Result<StoredAttachment> ParseStored(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(text));
  StoredAttachment s;
  AttachmentInfo& a = s.info;
  CUSTOS_ASSIGN_OR_RETURN(a.id, json::GetString(o, "id"));
  CUSTOS_ASSIGN_OR_RETURN(a.record_id, json::GetString(o, "record"));
  CUSTOS_ASSIGN_OR_RETURN(a.filename, json::GetStringOr(o, "filename", ""));
  CUSTOS_ASSIGN_OR_RETURN(a.media_type, json::GetStringOr(o, "media_type", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.stream, SealedStream::From(o, a.id));
  a.size = s.stream.size;
  a.sha256 = s.stream.sha256;
  a.chunk_size = s.stream.chunk_size;
  a.chunks = s.stream.chunks;
  CUSTOS_ASSIGN_OR_RETURN(a.created, json::GetIntOr(o, "created", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.created_by, json::GetStringOr(o, "created_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "audit_seq", 0));
  a.audit_seq = static_cast<uint64_t>(seq);
  return s;
}

}  // namespace

Result<AttachmentInfo> AddAttachment(Archive& archive, const Caller& caller,
                                     std::string_view record_id, std::string_view filename,
                                     std::string_view media_type, std::istream& in,
                                     std::string_view reason, const AttachmentOptions& options) {
  if (filename.empty()) return Status::InvalidArgument("an attachment needs a filename");
  // SECURITY: shown in lists, the audit log and bundles: no line breaks,
  // control or bidirectional characters ("invoice\u202efdp.exe").
  CUSTOS_RETURN_IF_ERROR(CheckTextField("filename", "文件名", filename, false));
  Vault& vault = archive.vault();
  const access::AccessGate& gate = archive.gate();
  // Adding an attachment is decided as a new version of its record.
  access::Attempt attempt;
  attempt.action = policy::Action::kUpdateRecord;
  attempt.event_action = "attachment.add";
  attempt.object_type = "attachment";
  attempt.object_id = "att-" + HexEncode(RandomBytes(8));
  attempt.reason = std::string(reason);
  const std::string& id = attempt.object_id;
  AttachmentInfo info;  // size and digest known once streamed
  auto prepare = [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, Archive::ReadMeta(txn, record_id));
    f.record = Archive::RecordFactsFor(meta);
    e.details["record"] = meta.id;
    e.details["filename"] = std::string(filename);
    if (!info.sha256.empty()) {
      e.details["size"] = info.size;
      e.details["sha256"] = info.sha256;
    }
    return Status::Ok();
  };
  // A denial is written on its own transaction (only the event).
  auto audit_denial = [&]() -> Status {
    auto decided = gate.DecideThenWrite(caller, attempt, prepare, nullptr);
    if (decided.ok()) {
      return Status::Aborted("the decision changed during ingest; retry",
                             "上传期间判定结果已变化，请重试");
    }
    return decided.status();
  };
  // Decide before streaming anything; the decision is made again, in the
  // transaction that commits the metadata and the event.
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(access::Outcome peek, gate.Peek(*r, caller, attempt, prepare));
    r.reset();
    if (!peek.allowed) return audit_denial();
  }
  CUSTOS_ASSIGN_OR_RETURN(
      std::unique_ptr<SealedStreamWriter> writer,
      SealedStreamWriter::Begin(vault, id,
                                SealedStreamOptions{options.chunk_size, options.chunks_per_write}));
  auto fail = [&](Status st) -> Status {
    writer->Discard();
    return st;
  };
  std::string piece(64 * 1024, '\0');
  while (true) {
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    if (in.bad()) {
      sodium_memzero(piece.data(), piece.size());
      return fail(Status::Unavailable("reading the attachment failed"));
    }
    const size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    Status st = writer->Write(std::string_view(piece.data(), n));
    if (!st.ok()) {
      sodium_memzero(piece.data(), piece.size());
      return fail(st);
    }
  }
  sodium_memzero(piece.data(), piece.size());
  auto stream = writer->Finish();
  if (!stream.ok()) return fail(stream.status());
  info.id = id;
  info.record_id = std::string(record_id);
  info.filename = std::string(filename);
  info.media_type = media_type.empty() ? "application/octet-stream" : std::string(media_type);
  info.size = stream->size;
  info.sha256 = stream->sha256;
  info.chunk_size = stream->chunk_size;
  info.chunks = stream->chunks;

  Status denied;
  Status st = vault.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_RETURN_IF_ERROR(writer->CommitIn(txn));
    CUSTOS_ASSIGN_OR_RETURN(access::Outcome o, gate.Decide(txn, caller, attempt, prepare));
    if (!o.allowed) {
      // Roll back this transaction's chunks and event; the denial is
      // audited below on its own.
      denied = o.refusal;
      return Status::Aborted("denied");
    }
    info.audit_seq = o.seq;
    info.created = o.now;
    info.created_by = o.user.id;
    CUSTOS_RETURN_IF_ERROR(
        txn.Insert(tables::kAttachments, info.id, json::Serialize(InfoToJson(info, *stream))));
    return txn.Put(tables::kIndex, IndexKey(info.record_id, info.id), "");
  });
  if (!st.ok() || !denied.ok()) {
    writer->Discard();
    if (!denied.ok()) return audit_denial();
    return st;
  }
  return info;
}

Result<AttachmentInfo> GetAttachment(const ReadTxn& txn, std::string_view attachment_id) {
  auto raw = txn.Get(tables::kAttachments, attachment_id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such attachment", "没有这个附件");
    }
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(StoredAttachment s, ParseStored(*raw));
  return s.info;
}

Result<std::vector<AttachmentInfo>> ListAttachments(const ReadTxn& txn,
                                                    std::string_view record_id) {
  std::string prefix = "att/";
  prefix += record_id;
  prefix.push_back('\0');
  std::vector<std::string> ids;
  CUSTOS_RETURN_IF_ERROR(
      txn.ScanKeys(tables::kIndex, prefix, [&](std::string_view key) -> Result<bool> {
        ids.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  std::vector<AttachmentInfo> out;
  for (const std::string& id : ids) {
    CUSTOS_ASSIGN_OR_RETURN(AttachmentInfo a, GetAttachment(txn, id));
    out.push_back(std::move(a));
  }
  return out;
}

Result<SealedStream> AttachmentContent(const ReadTxn& txn, std::string_view attachment_id) {
  auto raw = txn.Get(tables::kAttachments, attachment_id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such attachment", "没有这个附件");
    }
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(StoredAttachment s, ParseStored(*raw));
  return s.stream;
}

namespace {

// The event of a download of `info` by `user`.
AuditEvent DownloadEvent(const Caller& caller, const User& user, const AttachmentInfo& info) {
  AuditEvent e =
      access::AccessGate::NewEvent(caller, &user, "attachment.read", "attachment", info.id);
  e.details["record"] = info.record_id;
  e.details["size"] = info.size;
  return e;
}

// SECURITY: in the notice period a leaver may still read the files being
// handed over (to brief the successor), but a download is a copy to take
// away, refused as copies, prints and exports are.
bool MayTakeAway(const User& user) {
  return policy::MayTakeFileAway(access::AccessGate::ActorFactsFor(user));
}

// Marks `e` as that refusal.
void AsNoticeRefusal(AuditEvent* e) {
  e->decision = AuditDecision::kDeny;
  e->rule = std::string(policy::rules::kEmploymentNoticePeriod);
  e->outcome = "denied";
}

Status NoticeRefusal() {
  return policy::Refuse(policy::rules::kEmploymentNoticePeriod,
                        "an attachment is not downloaded during the notice period");
}

}  // namespace

Status CheckMayDownload(Archive& archive, const Caller& caller, const AttachmentInfo& info) {
  bool refused = false;
  CUSTOS_RETURN_IF_ERROR(archive.vault().Write([&](WriteTxn& txn) -> Status {
    refused = false;
    CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(txn, caller));
    if (MayTakeAway(user)) return Status::Ok();
    refused = true;
    AuditEvent e = DownloadEvent(caller, user, info);
    AsNoticeRefusal(&e);
    CUSTOS_ASSIGN_OR_RETURN(e.policy, CurrentPolicyDigest(txn));
    return archive.audit_log().Append(txn, e).status();
  }));
  return refused ? NoticeRefusal() : Status::Ok();
}

Result<AttachmentStream> OpenAttachmentStream(Archive& archive, const Caller& caller,
                                              const policy::Permit& permit,
                                              std::string_view attachment_id) {
  Vault& vault = archive.vault();
  StoredAttachment stored;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    auto raw = r->Get(tables::kAttachments, attachment_id);
    if (!raw.ok()) {
      if (raw.status().code() == StatusCode::kNotFound)
        return Status::NotFound("no such attachment", "没有这个附件");
      return raw.status();
    }
    CUSTOS_ASSIGN_OR_RETURN(stored, ParseStored(*raw));
  }
  const AttachmentInfo& info = stored.info;
  // SECURITY: the permit must be a view of this very record by this caller,
  // recent enough that the grant it was made under still stands.
  if (permit.action() != policy::Action::kViewContent || permit.record_id() != info.record_id ||
      permit.actor_id() != caller.user_id || NowMillis() - permit.decided_at() > kPermitMaxAgeMs) {
    return Status::PermissionDenied("the permit does not cover this attachment");
  }
  bool in_notice = false;
  CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(txn, caller));
    AuditEvent e = DownloadEvent(caller, user, info);
    e.decision = AuditDecision::kAllow;
    e.rule = permit.rule();
    e.policy = permit.policy_digest();
    e.outcome = "ok";
    // A caller who did not ask CheckMayDownload first: the same refusal.
    in_notice = !MayTakeAway(user);
    if (in_notice) AsNoticeRefusal(&e);
    return archive.audit_log().Append(txn, e).status();
  }));
  if (in_notice) return NoticeRefusal();
  AttachmentStream stream;
  stream.info = info;
  stream.write_to = [&vault, content = stored.stream](std::ostream& out) -> Status {
    return ReadSealedStream(vault, content, [&out](std::string_view piece) -> Status {
      out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      if (!out) return Status::Unavailable("writing the attachment failed");
      return Status::Ok();
    });
  };
  return stream;
}

Status ReadAttachment(Archive& archive, const Caller& caller, const policy::Permit& permit,
                      std::string_view attachment_id, std::ostream& out) {
  CUSTOS_ASSIGN_OR_RETURN(AttachmentStream stream,
                          OpenAttachmentStream(archive, caller, permit, attachment_id));
  return stream.write_to(out);
}

}  // namespace custos::vault
