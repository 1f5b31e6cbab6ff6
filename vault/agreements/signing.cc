#include "vault/agreements/signing.h"

#include <utility>

#include "base/encoding.h"
#include "vault/store/versions.h"

namespace custos::vault {

namespace {

std::string KeyId(std::string_view user_id) { return "sigkey:" + std::string(user_id); }

// SECURITY: the associated data binds the wrapped secret to its user and
// public key, so a wrapped blob copied into another user's record (or paired
// with another public key) fails to open.
std::string WrapAd(std::string_view user_id, std::string_view public_key) {
  std::string ad = "custos.sigkey/1";
  ad.push_back('\0');
  ad += user_id;
  ad.push_back('\0');
  ad += public_key;
  return ad;
}

Result<std::string> HexField(const json::Value& v, std::string_view key, size_t size) {
  CUSTOS_ASSIGN_OR_RETURN(std::string hex, json::GetString(v, key));
  CUSTOS_ASSIGN_OR_RETURN(std::string raw, HexDecode(hex));
  if (size != 0 && raw.size() != size) {
    return Status::DataLoss(std::string(key) + " has the wrong size");
  }
  return raw;
}

Result<SecretBytes> WrapKey(const SecretBytes& password, std::string_view salt,
                            const Argon2Params& kdf) {
  return DeriveKeyFromPassphrase(password, salt, kdf);
}

}  // namespace

json::Value SigningKeyRecord::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["user_id"] = user_id;
  o["public_key"] = HexEncode(public_key);
  o["salt"] = HexEncode(salt);
  o["opslimit"] = kdf.opslimit;
  o["memlimit"] = kdf.memlimit;
  o["wrapped"] = HexEncode(wrapped);
  o["created"] = created;
  o["reason"] = reason;
  return o;
}

Result<SigningKeyRecord> SigningKeyRecord::FromJson(const json::Value& v) {
  SigningKeyRecord r;
  CUSTOS_ASSIGN_OR_RETURN(r.user_id, json::GetString(v, "user_id"));
  CUSTOS_ASSIGN_OR_RETURN(r.public_key, HexField(v, "public_key", kEd25519PublicKeySize));
  CUSTOS_ASSIGN_OR_RETURN(r.salt, HexField(v, "salt", kSaltSize));
  CUSTOS_ASSIGN_OR_RETURN(int64_t ops, json::GetInt(v, "opslimit"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t mem, json::GetInt(v, "memlimit"));
  if (ops <= 0 || mem <= 0) return Status::DataLoss("bad signing key parameters");
  r.kdf = Argon2Params{static_cast<uint64_t>(ops), static_cast<uint64_t>(mem)};
  CUSTOS_ASSIGN_OR_RETURN(r.wrapped, HexField(v, "wrapped", 0));
  CUSTOS_ASSIGN_OR_RETURN(r.created, json::GetInt(v, "created"));
  CUSTOS_ASSIGN_OR_RETURN(r.reason, json::GetStringOr(v, "reason", ""));
  return r;
}

Result<SigningKeyRecord> GenerateSigningKey(std::string_view user_id, const SecretBytes& password,
                                            const Argon2Params& kdf, UnixMillis now,
                                            std::string_view reason) {
  if (user_id.empty()) return Status::InvalidArgument("no user");
  Ed25519KeyPair pair = GenerateEd25519();
  SigningKeyRecord r;
  r.user_id = std::string(user_id);
  r.public_key = pair.public_key;
  r.salt = RandomBytes(kSaltSize);
  r.kdf = kdf;
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes wrap, WrapKey(password, r.salt, kdf));
  r.wrapped = AeadSealSecret(wrap, pair.secret_key, WrapAd(user_id, r.public_key));
  r.created = now;
  r.reason = std::string(reason);
  return r;
}

Result<std::vector<SigningKeyRecord>> SigningKeyHistory(const ReadTxn& txn,
                                                        std::string_view user_id) {
  std::vector<SigningKeyRecord> out;
  std::string prefix = KeyId(user_id);
  prefix.push_back('\0');
  Status st = txn.Scan(tables::kKeys, prefix,
                       [&](std::string_view key, std::string_view value) -> Result<bool> {
                         if (key.size() != prefix.size() + 4) {
                           return Status::DataLoss("malformed signing key entry");
                         }
                         CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
                         CUSTOS_ASSIGN_OR_RETURN(SigningKeyRecord r, SigningKeyRecord::FromJson(v));
                         if (r.user_id != user_id) {
                           return Status::DataLoss("signing key filed under another user");
                         }
                         r.version = DecodeU32(key.substr(prefix.size()));
                         out.push_back(std::move(r));
                         return true;
                       });
  if (!st.ok()) return st;
  return out;
}

Result<SigningKeyRecord> LatestSigningKey(const ReadTxn& txn, std::string_view user_id) {
  CUSTOS_ASSIGN_OR_RETURN(uint32_t latest, LatestVersion(txn, tables::kKeys, KeyId(user_id)));
  CUSTOS_ASSIGN_OR_RETURN(std::string text, GetVersion(txn, tables::kKeys, KeyId(user_id), latest));
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  CUSTOS_ASSIGN_OR_RETURN(SigningKeyRecord r, SigningKeyRecord::FromJson(v));
  if (r.user_id != user_id) return Status::DataLoss("signing key filed under another user");
  r.version = latest;
  return r;
}

Result<bool> IsUserPublicKey(const ReadTxn& txn, std::string_view user_id,
                             std::string_view public_key) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> all, SigningKeyHistory(txn, user_id));
  for (const SigningKeyRecord& r : all) {
    if (ConstantTimeEquals(r.public_key, public_key)) return true;
  }
  return false;
}

Status StoreSigningKey(WriteTxn& txn, const SigningKeyRecord& record,
                       std::optional<uint32_t> expected_previous) {
  auto latest = LatestVersion(txn, tables::kKeys, KeyId(record.user_id));
  uint32_t current = 0;
  if (latest.ok()) {
    current = *latest;
  } else if (latest.status().code() != StatusCode::kNotFound) {
    return latest.status();
  }
  if (expected_previous && *expected_previous != current) {
    return Status::Aborted("the signing key changed concurrently",
                           "签名密钥刚被另一操作更改，请重试");
  }
  return AppendVersion(txn, tables::kKeys, KeyId(record.user_id), json::Serialize(record.ToJson()))
      .status();
}

Result<SecretBytes> UnlockSigningKey(const SigningKeyRecord& record, const User& user,
                                     const SecretBytes& password) {
  if (record.user_id != user.id) return Status::PermissionDenied("not the user's signing key");
  if (user.password_hash.empty() || user.disabled ||
      !VerifyPassword(password, user.password_hash)) {
    return Status::Unauthenticated("wrong password", "密码错误");
  }
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes wrap, WrapKey(password, record.salt, record.kdf));
  auto secret = AeadOpenSecret(wrap, record.wrapped, WrapAd(record.user_id, record.public_key));
  if (!secret.ok()) {
    // The password is the user's current one, so the key was wrapped under
    // an earlier password that was not known when it changed (a reset).
    return Status::FailedPrecondition(
        "the signing key was sealed under an earlier password; a new key must be issued");
  }
  if (secret->size() != kEd25519SecretKeySize ||
      !ConstantTimeEquals(secret->view().substr(32), record.public_key)) {
    return Status::DataLoss("signing key does not match its public key");
  }
  return std::move(secret).value();
}

Result<UnlockedKey> ObtainSigningKey(
    Vault& vault, const User& user, const SecretBytes& password, const Argon2Params& kdf,
    UnixMillis now, const std::function<Status(WriteTxn&, const SigningKeyRecord&)>& on_new_key) {
  std::optional<SigningKeyRecord> latest;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.BeginRead());
    auto r = LatestSigningKey(*txn, user.id);
    if (r.ok()) {
      latest = std::move(r).value();
    } else if (r.status().code() != StatusCode::kNotFound) {
      return r.status();
    }
  }
  std::string reason = "issued";
  if (latest) {
    auto secret = UnlockSigningKey(*latest, user, password);
    if (secret.ok()) return UnlockedKey{std::move(*latest), std::move(secret).value()};
    if (secret.status().code() != StatusCode::kFailedPrecondition) return secret.status();
    reason = "reissued after a password reset";
  } else if (user.password_hash.empty() || user.disabled ||
             !VerifyPassword(password, user.password_hash)) {
    return Status::Unauthenticated("wrong password", "密码错误");
  }
  CUSTOS_ASSIGN_OR_RETURN(SigningKeyRecord fresh,
                          GenerateSigningKey(user.id, password, kdf, now, reason));
  Status st = vault.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_RETURN_IF_ERROR(StoreSigningKey(
        txn, fresh,
        latest ? std::optional<uint32_t>(latest->version) : std::optional<uint32_t>(0)));
    CUSTOS_ASSIGN_OR_RETURN(fresh.version, LatestVersion(txn, tables::kKeys, KeyId(user.id)));
    if (on_new_key) CUSTOS_RETURN_IF_ERROR(on_new_key(txn, fresh));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes secret, UnlockSigningKey(fresh, user, password));
  return UnlockedKey{std::move(fresh), std::move(secret)};
}

namespace {

Result<SigningKeyRecord> Rewrapped(const SigningKeyRecord& current, const User& user,
                                   const SecretBytes& old_password, const SecretBytes& new_password,
                                   const Argon2Params& kdf, UnixMillis now) {
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes secret, UnlockSigningKey(current, user, old_password));
  SigningKeyRecord next = current;
  next.salt = RandomBytes(kSaltSize);
  next.kdf = kdf;
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes wrap, WrapKey(new_password, next.salt, kdf));
  next.wrapped = AeadSealSecret(wrap, secret, WrapAd(next.user_id, next.public_key));
  next.created = now;
  next.reason = "rewrapped";
  // `version` keeps the version this was derived from, for CommitRewrap.
  return next;
}

}  // namespace

Result<std::optional<SigningKeyRecord>> PrepareRewrap(Vault& vault, const User& user,
                                                      const SecretBytes& old_password,
                                                      const SecretBytes& new_password,
                                                      const Argon2Params& kdf, UnixMillis now) {
  SigningKeyRecord current;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.BeginRead());
    auto r = LatestSigningKey(*txn, user.id);
    if (!r.ok()) {
      if (r.status().code() == StatusCode::kNotFound) return std::optional<SigningKeyRecord>();
      return r.status();
    }
    current = std::move(r).value();
  }
  auto next = Rewrapped(current, user, old_password, new_password, kdf, now);
  if (!next.ok()) {
    // A key already unusable (sealed under a reset-away password) stays
    // so; the next signature issues a replacement.
    if (next.status().code() == StatusCode::kFailedPrecondition) {
      return std::optional<SigningKeyRecord>();
    }
    return next.status();
  }
  return std::optional<SigningKeyRecord>(std::move(next).value());
}

Status CommitRewrap(WriteTxn& txn, const SigningKeyRecord& rewrapped) {
  return StoreSigningKey(txn, rewrapped, rewrapped.version);
}

Status RewrapSigningKey(WriteTxn& txn, const User& user, const SecretBytes& old_password,
                        const SecretBytes& new_password, const Argon2Params& kdf) {
  auto current = LatestSigningKey(txn, user.id);
  if (!current.ok()) {
    if (current.status().code() == StatusCode::kNotFound) return Status::Ok();
    return current.status();
  }
  auto next = Rewrapped(*current, user, old_password, new_password, kdf, NowMillis());
  if (!next.ok()) {
    if (next.status().code() == StatusCode::kFailedPrecondition) return Status::Ok();
    return next.status();
  }
  return CommitRewrap(txn, *next);
}

// ---- signatures ------------------------------------------------------------

std::string SignatureStatement::Canonical() const {
  json::Value o = json::Value::MakeObject();
  o["agreement_id"] = agreement_id;
  o["document_sha256"] = document_sha256;
  o["format"] = kSignatureFormat;
  o["role"] = role;
  o["signer_id"] = signer_id;
  o["signer_name"] = signer_name;
  o["time"] = FormatRfc3339Millis(time);
  return json::Serialize(o);
}

Result<SignatureStatement> SignatureStatement::Parse(std::string_view text) {
  auto v = json::Parse(text);
  if (!v.ok() || !v->is_object()) return Status::InvalidArgument("statement is not JSON");
  SignatureStatement s;
  CUSTOS_ASSIGN_OR_RETURN(s.agreement_id, json::GetString(*v, "agreement_id"));
  CUSTOS_ASSIGN_OR_RETURN(s.document_sha256, json::GetString(*v, "document_sha256"));
  CUSTOS_ASSIGN_OR_RETURN(std::string format, json::GetString(*v, "format"));
  CUSTOS_ASSIGN_OR_RETURN(s.role, json::GetString(*v, "role"));
  CUSTOS_ASSIGN_OR_RETURN(s.signer_id, json::GetString(*v, "signer_id"));
  CUSTOS_ASSIGN_OR_RETURN(s.signer_name, json::GetString(*v, "signer_name"));
  CUSTOS_ASSIGN_OR_RETURN(std::string time, json::GetString(*v, "time"));
  CUSTOS_ASSIGN_OR_RETURN(s.time, ParseRfc3339(time));
  if (format != kSignatureFormat) return Status::InvalidArgument("unknown statement format");
  if (s.Canonical() != text) return Status::InvalidArgument("statement is not canonical");
  return s;
}

json::Value SignatureConditions::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["signer_controls_key"] = signer_controls_key;
  o["covers_document"] = covers_document;
  o["signature_verifies"] = signature_verifies;
  o["reliable"] = reliable();
  if (!note.empty()) o["note"] = note;
  return o;
}

Result<SignatureConditions> SignatureConditions::FromJson(const json::Value& v) {
  SignatureConditions c;
  auto flag = [&](std::string_view name, bool* out) -> Status {
    const json::Value* f = v.Find(name);
    if (f == nullptr || !f->is_bool()) {
      return Status::DataLoss("signature conditions: " + std::string(name) + " is not a boolean");
    }
    *out = f->as_bool();
    return Status::Ok();
  };
  CUSTOS_RETURN_IF_ERROR(flag("signer_controls_key", &c.signer_controls_key));
  CUSTOS_RETURN_IF_ERROR(flag("covers_document", &c.covers_document));
  CUSTOS_RETURN_IF_ERROR(flag("signature_verifies", &c.signature_verifies));
  CUSTOS_ASSIGN_OR_RETURN(c.note, json::GetStringOr(v, "note", ""));
  return c;
}

json::Value SignatureRecord::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["statement"] = statement;
  o["signature"] = HexEncode(signature);
  o["public_key"] = HexEncode(public_key);
  o["key_version"] = key_version;
  o["method"] = method;
  if (conditions) o["conditions"] = conditions->ToJson();
  return o;
}

Result<SignatureRecord> SignatureRecord::FromJson(const json::Value& v) {
  SignatureRecord r;
  CUSTOS_ASSIGN_OR_RETURN(r.statement, json::GetString(v, "statement"));
  CUSTOS_ASSIGN_OR_RETURN(r.signature, HexField(v, "signature", kEd25519SignatureSize));
  CUSTOS_ASSIGN_OR_RETURN(r.public_key, HexField(v, "public_key", kEd25519PublicKeySize));
  CUSTOS_ASSIGN_OR_RETURN(int64_t kv, json::GetInt(v, "key_version"));
  r.key_version = static_cast<uint32_t>(kv);
  CUSTOS_ASSIGN_OR_RETURN(r.method, json::GetString(v, "method"));
  if (const json::Value* c = v.Find("conditions"); c != nullptr) {
    if (!c->is_object()) return Status::DataLoss("signature conditions are not an object");
    CUSTOS_ASSIGN_OR_RETURN(r.conditions, SignatureConditions::FromJson(*c));
  }
  return r;
}

SignatureRecord SignStatement(const SigningKeyRecord& key, const SecretBytes& secret_key,
                              const SignatureStatement& statement) {
  SignatureRecord r;
  r.statement = statement.Canonical();
  r.signature = Ed25519Sign(secret_key, r.statement);
  r.public_key = key.public_key;
  r.key_version = key.version;
  return r;
}

Status VerifySignatureRecord(const SignatureRecord& record, const SignatureStatement& expected) {
  if (record.method != "ed25519") return Status::DataLoss("unknown signature method");
  auto parsed = SignatureStatement::Parse(record.statement);
  if (!parsed.ok()) return Status::DataLoss("signature statement: " + parsed.status().message());
  const SignatureStatement& s = *parsed;
  if (s.agreement_id != expected.agreement_id) return Status::DataLoss("agreement id differs");
  if (s.document_sha256 != expected.document_sha256) {
    return Status::DataLoss("document hash differs from the signed one");
  }
  if (s.role != expected.role) return Status::DataLoss("signer role differs");
  if (s.signer_id != expected.signer_id) return Status::DataLoss("signer differs");
  if (s.signer_name != expected.signer_name) return Status::DataLoss("signer name differs");
  if (s.time != expected.time) return Status::DataLoss("signing time differs");
  if (!Ed25519Verify(record.public_key, record.statement, record.signature)) {
    return Status::DataLoss("signature does not verify");
  }
  return Status::Ok();
}

}  // namespace custos::vault
