#include "vault/attachments.h"

#include <sodium.h>
#include <utility>

#include "base/encoding.h"
#include "vault/crypto.h"

namespace custos::vault {
namespace {

constexpr std::string_view kKekName = "attachments.kek";
constexpr int64_t kPermitMaxAgeMs = 15 * 60 * 1000;
constexpr size_t kMaxChunkSize = 16u << 20;

std::string ChunkKey(std::string_view id, uint32_t index) {
  std::string k(id);
  k.push_back('\0');
  k += EncodeU32(index);
  return k;
}

std::string ChunkAd(std::string_view id, uint32_t index) {
  std::string ad = "custos-attachment-chunk\0";
  ad += id;
  ad.push_back('\0');
  ad += EncodeU32(index);
  return ad;
}

std::string KeyAd(std::string_view id) { return "custos-attachment-key:" + std::string(id); }

std::string IndexKey(std::string_view record, std::string_view id) {
  std::string k = "att/";
  k += record;
  k.push_back('\0');
  k += id;
  return k;
}

json::Value InfoToJson(const AttachmentInfo& a, const std::string& header_b64,
                       const std::string& key_b64) {
  json::Value o = json::Value::MakeObject();
  o["id"] = a.id;
  o["record"] = a.record_id;
  o["filename"] = a.filename;
  o["media_type"] = a.media_type;
  o["size"] = a.size;
  o["sha256"] = a.sha256;
  o["chunk_size"] = a.chunk_size;
  o["chunks"] = a.chunks;
  o["header"] = header_b64;
  o["key"] = key_b64;
  o["created"] = a.created;
  o["created_by"] = a.created_by;
  o["audit_seq"] = a.audit_seq;
  return o;
}

struct StoredAttachment {
  AttachmentInfo info;
  std::string header;      // raw
  std::string sealed_key;  // raw
};

Result<StoredAttachment> ParseStored(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(text));
  StoredAttachment s;
  AttachmentInfo& a = s.info;
  CUSTOS_ASSIGN_OR_RETURN(a.id, json::GetString(o, "id"));
  CUSTOS_ASSIGN_OR_RETURN(a.record_id, json::GetString(o, "record"));
  CUSTOS_ASSIGN_OR_RETURN(a.filename, json::GetStringOr(o, "filename", ""));
  CUSTOS_ASSIGN_OR_RETURN(a.media_type, json::GetStringOr(o, "media_type", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t size, json::GetInt(o, "size"));
  a.size = static_cast<uint64_t>(size);
  CUSTOS_ASSIGN_OR_RETURN(a.sha256, json::GetString(o, "sha256"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t cs, json::GetInt(o, "chunk_size"));
  a.chunk_size = static_cast<uint32_t>(cs);
  CUSTOS_ASSIGN_OR_RETURN(int64_t n, json::GetInt(o, "chunks"));
  a.chunks = static_cast<uint32_t>(n);
  CUSTOS_ASSIGN_OR_RETURN(a.created, json::GetIntOr(o, "created", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.created_by, json::GetStringOr(o, "created_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "audit_seq", 0));
  a.audit_seq = static_cast<uint64_t>(seq);
  CUSTOS_ASSIGN_OR_RETURN(std::string header_b64, json::GetString(o, "header"));
  CUSTOS_ASSIGN_OR_RETURN(s.header, Base64Decode(header_b64));
  CUSTOS_ASSIGN_OR_RETURN(std::string key_b64, json::GetString(o, "key"));
  CUSTOS_ASSIGN_OR_RETURN(s.sealed_key, Base64Decode(key_b64));
  if (s.header.size() != crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    return Status::DataLoss("attachment header is malformed");
  return s;
}

// Deletes chunks [0, n) of `id` in batches; best effort after a failed ingest.
void DeleteChunks(Vault& vault, const std::string& id, uint32_t n) {
  for (uint32_t start = 0; start < n; start += 256) {
    vault
        .Write([&](WriteTxn& txn) -> Status {
          for (uint32_t i = start; i < n && i < start + 256; ++i) {
            Status st = txn.Delete(tables::kAttachmentChunks, ChunkKey(id, i));
            if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
          }
          return Status::Ok();
        })
        .IgnoreError();
  }
}

// Authorization to add an attachment: the same decision as a new version.
policy::Authorization AuthorizeAdd(const policy::Policy& policy, const User& user,
                                   const RecordMeta& meta, std::string_view reason) {
  policy::Facts f;
  f.actor = Archive::ActorFactsFor(user);
  f.record = Archive::RecordFactsFor(meta);
  f.now = NowMillis();
  f.reason = std::string(reason);
  return policy::Authorize(policy, f, policy::Action::kUpdateRecord);
}

}  // namespace

Result<AttachmentInfo> AddAttachment(Archive& archive, const Caller& caller,
                                     std::string_view record_id, std::string_view filename,
                                     std::string_view media_type, std::istream& in,
                                     std::string_view reason, const AttachmentOptions& options) {
  if (filename.empty()) return Status::InvalidArgument("an attachment needs a filename");
  if (options.chunk_size == 0 || options.chunk_size > kMaxChunkSize ||
      options.chunks_per_write == 0)
    return Status::InvalidArgument("bad attachment chunk options");
  Vault& vault = archive.vault();
  const std::string id = "a-" + HexEncode(RandomBytes(8));
  // A denial is written on its own transaction (only the event).
  auto audit_denial = [&]() -> Status {
    Status denied;
    CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(User user, Archive::CallerUser(txn, caller));
      CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(txn));
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, Archive::ReadMeta(txn, record_id));
      const policy::Authorization auth = AuthorizeAdd(*policy, user, meta, reason);
      denied =
          auth.ok() ? Status::Aborted("the decision changed during ingest; retry") : auth.status();
      AuditEvent e = Archive::NewEvent(caller, &user, "attachment.add", "attachment", id);
      e.reason = std::string(reason);
      Archive::SetDecision(&e, auth, *policy);
      e.details["record"] = meta.id;
      e.details["filename"] = std::string(filename);
      return archive.audit_log().Append(txn, e).status();
    }));
    return denied;
  };
  // Decide before streaming anything; the decision is made again, in the
  // transaction that commits the metadata and the event.
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(User user, Archive::CallerUser(*r, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*r));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, Archive::ReadMeta(*r, record_id));
    const bool allowed = AuthorizeAdd(*policy, user, meta, reason).ok();
    r.reset();
    if (!allowed) return audit_denial();
  }
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek, vault.GetOrCreateSecret(kKekName, 32));
  AttachmentInfo info;
  info.id = id;
  info.record_id = std::string(record_id);
  info.filename = std::string(filename);
  info.media_type = media_type.empty() ? "application/octet-stream" : std::string(media_type);
  info.chunk_size = options.chunk_size;

  SecretBytes key(crypto_secretstream_xchacha20poly1305_KEYBYTES);
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  crypto_secretstream_xchacha20poly1305_state state;
  std::string header(crypto_secretstream_xchacha20poly1305_HEADERBYTES, '\0');
  crypto_secretstream_xchacha20poly1305_init_push(
      &state, reinterpret_cast<unsigned char*>(header.data()), key.data());

  Sha256Hasher hasher;
  std::vector<std::pair<std::string, std::string>> pending;  // key → ciphertext
  std::string current(options.chunk_size, '\0');
  std::string next(options.chunk_size, '\0');
  auto fill = [&](std::string* buf) -> Result<size_t> {
    in.read(buf->data(), static_cast<std::streamsize>(buf->size()));
    if (in.bad()) return Status::Unavailable("reading the attachment failed");
    return static_cast<size_t>(in.gcount());
  };
  auto flush = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    Status st = vault.Write([&](WriteTxn& txn) -> Status {
      for (const auto& [k, v] : pending)
        CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kAttachmentChunks, k, v));
      return Status::Ok();
    });
    pending.clear();
    return st;
  };
  auto fail = [&](Status st) -> Status {
    DeleteChunks(vault, info.id, info.chunks);
    return st;
  };
  CUSTOS_ASSIGN_OR_RETURN(size_t current_len, fill(&current));
  while (true) {
    size_t next_len = 0;
    if (current_len == current.size()) {
      auto got = fill(&next);
      if (!got.ok()) return fail(got.status());
      next_len = *got;
    }
    const bool last = next_len == 0;
    hasher.Update(std::string_view(current.data(), current_len));
    const uint32_t index = info.chunks;
    const std::string ad = ChunkAd(info.id, index);
    std::string cipher(current_len + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &state, reinterpret_cast<unsigned char*>(cipher.data()), &clen,
        reinterpret_cast<const unsigned char*>(current.data()), current_len,
        reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
             : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    cipher.resize(clen);
    pending.emplace_back(ChunkKey(info.id, index), std::move(cipher));
    info.chunks += 1;
    info.size += current_len;
    if (pending.size() >= options.chunks_per_write) {
      Status st = flush();
      if (!st.ok()) return fail(st);
    }
    if (last) break;
    std::swap(current, next);
    current_len = next_len;
  }
  sodium_memzero(&state, sizeof state);
  sodium_memzero(current.data(), current.size());
  sodium_memzero(next.data(), next.size());
  info.sha256 = HexEncode(hasher.Finish());
  const std::string sealed_key = AeadSealSecret(kek, key, KeyAd(info.id));

  Status denied;
  Status st = vault.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    for (const auto& [k, v] : pending)
      CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kAttachmentChunks, k, v));
    CUSTOS_ASSIGN_OR_RETURN(User user, Archive::CallerUser(txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(txn));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, Archive::ReadMeta(txn, record_id));
    const policy::Authorization auth = AuthorizeAdd(*policy, user, meta, reason);
    AuditEvent e = Archive::NewEvent(caller, &user, "attachment.add", "attachment", info.id);
    e.reason = std::string(reason);
    Archive::SetDecision(&e, auth, *policy);
    e.details["record"] = meta.id;
    e.details["filename"] = info.filename;
    e.details["size"] = info.size;
    e.details["sha256"] = info.sha256;
    if (!auth.ok()) {
      // Roll back this transaction's chunks; the denial is audited below.
      denied = auth.status();
      return Status::Aborted("denied");
    }
    CUSTOS_ASSIGN_OR_RETURN(info.audit_seq, archive.audit_log().Append(txn, e));
    info.created = NowMillis();
    info.created_by = user.id;
    CUSTOS_RETURN_IF_ERROR(txn.Insert(
        tables::kAttachments, info.id,
        json::Serialize(InfoToJson(info, Base64Encode(header), Base64Encode(sealed_key)))));
    return txn.Put(tables::kIndex, IndexKey(meta.id, info.id), "");
  });
  if (!st.ok() || !denied.ok()) {
    DeleteChunks(vault, info.id, info.chunks);
    if (!denied.ok()) return audit_denial();
    return st;
  }
  return info;
}

Result<AttachmentInfo> GetAttachment(const ReadTxn& txn, std::string_view attachment_id) {
  auto raw = txn.Get(tables::kAttachments, attachment_id);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return Status::NotFound("no such attachment");
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

namespace {
Status DecryptTo(Vault& vault, const StoredAttachment& stored, std::ostream& out);
}  // namespace

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
        return Status::NotFound("no such attachment");
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
  CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(User user, Archive::CallerUser(txn, caller));
    AuditEvent e = Archive::NewEvent(caller, &user, "attachment.read", "attachment", info.id);
    e.decision = AuditDecision::kAllow;
    e.rule = permit.rule();
    e.policy = permit.policy_digest();
    e.outcome = "ok";
    e.details["record"] = info.record_id;
    e.details["size"] = info.size;
    return archive.audit_log().Append(txn, e).status();
  }));
  AttachmentStream stream;
  stream.info = info;
  stream.write_to = [&vault, stored](std::ostream& out) -> Status {
    return DecryptTo(vault, stored, out);
  };
  return stream;
}

Status ReadAttachment(Archive& archive, const Caller& caller, const policy::Permit& permit,
                      std::string_view attachment_id, std::ostream& out) {
  CUSTOS_ASSIGN_OR_RETURN(AttachmentStream stream,
                          OpenAttachmentStream(archive, caller, permit, attachment_id));
  return stream.write_to(out);
}

namespace {

Status DecryptTo(Vault& vault, const StoredAttachment& stored, std::ostream& out) {
  const AttachmentInfo& info = stored.info;
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek, vault.GetOrCreateSecret(kKekName, 32));
  auto key = AeadOpenSecret(kek, stored.sealed_key, KeyAd(info.id));
  if (!key.ok()) return Status::DataLoss("the attachment key does not open");
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(
          &state, reinterpret_cast<const unsigned char*>(stored.header.data()), key->data()) != 0) {
    return Status::DataLoss("the attachment header is invalid");
  }
  Sha256Hasher hasher;
  uint64_t total = 0;
  std::string plain;
  Status result;
  for (uint32_t i = 0; i < info.chunks && result.ok(); ++i) {
    // One short read transaction per chunk: large files never pin a snapshot
    // for long, and only one chunk is in memory at a time.
    auto r = vault.BeginRead();
    if (!r.ok()) {
      result = r.status();
      break;
    }
    auto cipher = (*r)->Get(tables::kAttachmentChunks, ChunkKey(info.id, i));
    if (!cipher.ok()) {
      result = cipher.status().code() == StatusCode::kNotFound
                   ? Status::DataLoss("attachment chunk " + std::to_string(i) + " is missing")
                   : cipher.status();
      break;
    }
    if (cipher->size() < crypto_secretstream_xchacha20poly1305_ABYTES) {
      result = Status::DataLoss("attachment chunk " + std::to_string(i) + " is truncated");
      break;
    }
    plain.resize(cipher->size() - crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long plen = 0;
    unsigned char tag = 0;
    const std::string ad = ChunkAd(info.id, i);
    if (crypto_secretstream_xchacha20poly1305_pull(
            &state, reinterpret_cast<unsigned char*>(plain.data()), &plen, &tag,
            reinterpret_cast<const unsigned char*>(cipher->data()), cipher->size(),
            reinterpret_cast<const unsigned char*>(ad.data()), ad.size()) != 0) {
      result = Status::DataLoss("attachment chunk " + std::to_string(i) + " fails to open");
      break;
    }
    const bool last = i + 1 == info.chunks;
    if (last != (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)) {
      result = Status::DataLoss("attachment stream ends in the wrong place");
      break;
    }
    hasher.Update(std::string_view(plain.data(), plen));
    total += plen;
    out.write(plain.data(), static_cast<std::streamsize>(plen));
    if (!out) result = Status::Unavailable("writing the attachment failed");
  }
  sodium_memzero(&state, sizeof state);
  if (!plain.empty()) sodium_memzero(plain.data(), plain.size());
  CUSTOS_RETURN_IF_ERROR(result);
  if (total != info.size || HexEncode(hasher.Finish()) != info.sha256)
    return Status::DataLoss("the attachment does not match its recorded SHA-256");
  return Status::Ok();
}

}  // namespace

}  // namespace custos::vault
