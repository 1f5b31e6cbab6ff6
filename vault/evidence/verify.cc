#include "vault/evidence/verify.h"

#include <map>
#include <set>
#include <utility>

#include "base/encoding.h"
#include "base/json.h"
#include "vault/agreements/signing.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/merkle.h"
#include "vault/audit/signed_note.h"
#include "vault/evidence/manifest.h"
#include "vault/evidence/sha256sums.h"
#include "vault/evidence/timestamp.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence {
namespace {

// Small files are read whole; above this a bundle is refused as malformed.
constexpr size_t kMaxSmallFile = size_t{64} << 20;
// The two index files (manifest.xml, SHA256SUMS) name every file of the
// archive, about 400 and 270 bytes each at most (a path is at most 200), so
// they grow with the bundle: read whole up to kMaxSmallFile plus this much per
// entry. A bundle of a person with 40 000 files has a 110 MiB manifest.
constexpr size_t kIndexBytesPerEntry = size_t{1} << 10;
// One line of audit/events.jsonl (one event): the log appends none larger.
constexpr size_t kMaxEventLine = kMaxAuditLeafBytes;
// Files up to this size are kept from the checksum pass, so the checks
// after it do not inflate them again (proofs, checkpoints, JSON), up to
// kMaxKept bytes in all.
constexpr size_t kKeepFile = size_t{64} << 10;
constexpr size_t kMaxKept = size_t{256} << 20;

// The DER of an Ed25519 SubjectPublicKeyInfo before its 32 key bytes (the
// last byte is a NUL, hence the explicit length).
constexpr std::string_view kEd25519SpkiPrefix("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00",
                                              12);

// A failed check: the file and the check, for the report.
struct Failed {
  std::string file;
  std::string check;
  std::string message;
};

// The Ed25519 key of a PEM SubjectPublicKeyInfo.
Result<std::string> ParseEd25519Pem(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----";
  constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";
  const size_t b = pem.find(kBegin);
  const size_t e = pem.find(kEnd);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) {
    return Status::InvalidArgument("not a PEM public key");
  }
  std::string b64;
  for (char c : pem.substr(b + kBegin.size(), e - b - kBegin.size())) {
    if (c != '\n' && c != '\r' && c != ' ') b64.push_back(c);
  }
  auto der = Base64Decode(b64);
  if (!der.ok() || der->size() != kEd25519SpkiPrefix.size() + kEd25519PublicKeySize ||
      der->substr(0, kEd25519SpkiPrefix.size()) != kEd25519SpkiPrefix) {
    return Status::InvalidArgument("not an Ed25519 SubjectPublicKeyInfo");
  }
  return der->substr(kEd25519SpkiPrefix.size());
}

std::string StrOr(const json::Value& o, std::string_view key) {
  auto r = json::GetStringOr(o, key, "");
  return r.ok() ? *r : std::string();
}
int64_t IntOr(const json::Value& o, std::string_view key) {
  auto r = json::GetIntOr(o, key, -1);
  return r.ok() ? *r : -1;
}

bool IsProofPath(std::string_view path, uint64_t* seq) {
  constexpr std::string_view kPrefix = "audit/";
  constexpr std::string_view kSuffix = ".tlog-proof";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return false;
  const std::string_view digits =
      path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  auto n = ParseDecimal(digits);
  if (!n.ok()) return false;
  *seq = *n;
  return true;
}

class Verifier {
 public:
  Verifier(const ZipReader& zip, VerifyReport* report) : zip_(zip), report_(*report) {}

  // Each step returns a failure or nothing; Run stops at the first.
  std::optional<Failed> Run(const std::optional<std::string>& trusted_key) {
    using Step = std::optional<Failed> (Verifier::*)();
    if (auto f = Archive()) return f;
    if (auto f = Checksums()) return f;
    if (auto f = Key(trusted_key)) return f;
    for (Step step :
         {&Verifier::ManifestSignature, &Verifier::ManifestFiles, &Verifier::CheckpointNote,
          &Verifier::EventsAndProofs, &Verifier::EarlierCheckpoints, &Verifier::Timestamp,
          &Verifier::Policies, &Verifier::Records, &Verifier::Agreements}) {
      if (auto f = (this->*step)()) return f;
    }
    return std::nullopt;
  }

 private:
  void Pass(std::string line) { report_.passed.push_back(std::move(line)); }

  Result<std::string> ReadSmall(const std::string& path) const {
    if (auto it = kept_.find(path); it != kept_.end()) return it->second;
    const ZipEntry* e = zip_.Find(path);
    if (e == nullptr) return Status::NotFound("missing");
    return zip_.ReadAll(*e, kMaxSmallFile);
  }

  // manifest.xml or SHA256SUMS, whose size grows with the archive's.
  Result<std::string> ReadIndex(const std::string& path) const {
    if (auto it = kept_.find(path); it != kept_.end()) return it->second;
    const ZipEntry* e = zip_.Find(path);
    if (e == nullptr) return Status::NotFound("missing");
    return zip_.ReadAll(*e, kMaxSmallFile + kIndexBytesPerEntry * zip_.entries().size());
  }

  // 1. The archive: valid names, the required files.
  std::optional<Failed> Archive() {
    for (const ZipEntry& e : zip_.entries()) {
      if (e.is_directory()) continue;  // as unzip-and-rezip tools add them
      if (!ValidBundlePath(e.name)) {
        return Failed{e.name, "archive",
                      "not a bundle path (plain relative path of "
                      "[A-Za-z0-9._-] segments)"};
      }
      files_.push_back(&e);
    }
    for (const char* required :
         {"manifest.xml", "manifest.xml.sig", "SHA256SUMS", "keys/log-key.pem", "keys/log-key.vkey",
          "audit/checkpoint", "audit/events.jsonl", "evidence/request.json", "report.html",
          "VERIFY.md"}) {
      if (zip_.Find(required) == nullptr) return Failed{required, "archive", "missing"};
    }
    report_.files = files_.size();
    Pass("archive: " + std::to_string(files_.size()) + " files, every required file present");
    return std::nullopt;
  }

  // 2. SHA256SUMS lists every file but itself, each hash matches. Hashes
  //    every file once; the manifest check uses them.
  std::optional<Failed> Checksums() {
    auto text = ReadIndex("SHA256SUMS");
    if (!text.ok()) return Failed{"SHA256SUMS", "checksums", text.status().message()};
    auto sums = ParseSha256Sums(*text);
    if (!sums.ok()) return Failed{"SHA256SUMS", "checksums", sums.status().message()};
    for (const ZipEntry* e : files_) {
      Sha256Hasher h;
      uint64_t size = 0;
      const bool keep = e->size <= kKeepFile && kept_bytes_ + e->size <= kMaxKept;
      std::string bytes;
      Status st = zip_.Read(*e, [&](std::string_view piece) {
        h.Update(piece);
        size += piece.size();
        if (keep) bytes.append(piece);
        return Status::Ok();
      });
      if (!st.ok()) return Failed{e->name, "archive", st.message()};
      hashes_[e->name] = {size, HexEncode(h.Finish())};
      if (keep) {
        kept_bytes_ += bytes.size();
        kept_.emplace(e->name, std::move(bytes));
      }
    }
    for (const auto& [path, hex] : *sums) {
      auto it = hashes_.find(path);
      if (it == hashes_.end()) return Failed{path, "checksums", "listed but not in the archive"};
      if (it->second.second != hex) {
        return Failed{path, "checksums", "SHA-256 differs from SHA256SUMS"};
      }
    }
    for (const auto& [path, size_hash] : hashes_) {
      if (path != "SHA256SUMS" && sums->count(path) == 0) {
        return Failed{path, "checksums", "not listed in SHA256SUMS"};
      }
    }
    Pass("checksums: SHA256SUMS matches all " + std::to_string(sums->size()) + " files");
    return std::nullopt;
  }

  // 3. The log key: PEM and vkey agree; a trusted key, when given, is it.
  std::optional<Failed> Key(const std::optional<std::string>& trusted) {
    auto pem = ReadSmall("keys/log-key.pem");
    auto vkey_text = ReadSmall("keys/log-key.vkey");
    if (!pem.ok() || !vkey_text.ok()) return Failed{"keys/log-key.pem", "key", "unreadable"};
    auto pem_key = ParseEd25519Pem(*pem);
    if (!pem_key.ok()) return Failed{"keys/log-key.pem", "key", pem_key.status().message()};
    std::string vkey = *vkey_text;
    while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r')) vkey.pop_back();
    auto verifier = note::ParseVerifierKey(vkey);
    if (!verifier.ok()) return Failed{"keys/log-key.vkey", "key", verifier.status().message()};
    if (verifier->public_key != *pem_key) {
      return Failed{"keys/log-key.vkey", "key", "not the same key as keys/log-key.pem"};
    }
    verifier_ = *verifier;
    if (trusted) {
      if (*trusted != verifier_.public_key) {
        return Failed{"keys/log-key.pem", "key", "the bundle's log key is not the trusted key"};
      }
      report_.key_from_bundle = false;
      Pass("key: the bundle's log key is the trusted key (" + vkey + ")");
    } else {
      Pass("key: " + vkey +
           " — taken from the bundle itself; compare it with the key "
           "the company published (--key)");
    }
    return std::nullopt;
  }

  // 4. manifest.xml.sig by the log key.
  std::optional<Failed> ManifestSignature() {
    auto xml = ReadIndex("manifest.xml");
    auto sig = ReadSmall("manifest.xml.sig");
    if (!xml.ok()) return Failed{"manifest.xml", "manifest signature", xml.status().message()};
    if (!sig.ok()) return Failed{"manifest.xml.sig", "manifest signature", sig.status().message()};
    if (!Ed25519Verify(verifier_.public_key, *xml, *sig)) {
      return Failed{"manifest.xml", "manifest signature",
                    "manifest.xml.sig is not a valid Ed25519 signature of it by the log key"};
    }
    manifest_xml_ = std::move(*xml);
    Pass("manifest signature: manifest.xml is signed by the log key");
    return std::nullopt;
  }

  // 5. The manifest lists every other file with its size and SHA-256.
  std::optional<Failed> ManifestFiles() {
    auto m = ParseManifest(manifest_xml_);
    if (!m.ok()) return Failed{"manifest.xml", "manifest", m.status().message()};
    manifest_ = std::move(*m);
    std::set<std::string> listed;
    for (const ManifestFile& f : manifest_.files) {
      auto it = hashes_.find(f.path);
      if (it == hashes_.end()) return Failed{f.path, "manifest", "listed but not in the archive"};
      if (it->second.first != f.size) return Failed{f.path, "manifest", "size differs"};
      if (it->second.second != f.sha256_hex) return Failed{f.path, "manifest", "SHA-256 differs"};
      listed.insert(f.path);
    }
    for (const auto& [path, size_hash] : hashes_) {
      if (path == "manifest.xml" || path == "manifest.xml.sig" || path == "SHA256SUMS") continue;
      if (listed.count(path) == 0) return Failed{path, "manifest", "not listed in manifest.xml"};
    }
    report_.case_ref = manifest_.case_ref;
    report_.request_id = manifest_.request_id;
    report_.redacted = manifest_.redacted;
    Pass("manifest: " + std::to_string(manifest_.files.size()) +
         " files with sizes and SHA-256, nothing unlisted (case " + manifest_.case_ref + ")");
    return std::nullopt;
  }

  // 6. The checkpoint: signed by the log key, named as the manifest says.
  std::optional<Failed> CheckpointNote() {
    auto note_text = ReadSmall("audit/checkpoint");
    if (!note_text.ok()) return Failed{"audit/checkpoint", "checkpoint", "unreadable"};
    auto text = note::Open(*note_text, verifier_);
    if (!text.ok()) return Failed{"audit/checkpoint", "checkpoint", text.status().message()};
    auto cp = ParseCheckpoint(*text);
    if (!cp.ok()) return Failed{"audit/checkpoint", "checkpoint", cp.status().message()};
    if (cp->origin != verifier_.name || cp->origin != manifest_.log_name) {
      return Failed{"audit/checkpoint", "checkpoint",
                    "origin '" + cp->origin + "' is not the log key's name and Log/@Name"};
    }
    if (cp->size != manifest_.checkpoint_size || Base64Encode(cp->root) != manifest_.root_b64) {
      return Failed{"audit/checkpoint", "checkpoint",
                    "size or root differs from manifest.xml's Log element"};
    }
    checkpoint_note_ = std::move(*note_text);
    checkpoint_ = std::move(*cp);
    report_.checkpoint_size = checkpoint_.size;
    Pass("checkpoint: signed by the log key, size " + std::to_string(checkpoint_.size) + ", root " +
         Base64Encode(checkpoint_.root));
    return std::nullopt;
  }

  // 7. Every event is in the log under the checkpoint.
  std::optional<Failed> EventsAndProofs() {
    std::optional<Failed> failed;
    std::string partial;
    bool have_last = false;
    uint64_t last = 0;
    auto line_done = [&](std::string_view line) -> bool {
      const std::string where = "audit/events.jsonl";
      auto v = json::Parse(line);
      if (!v.ok() || !v->is_object()) {
        failed = Failed{where, "events",
                        "line " + std::to_string(report_.events + 1) + " is not a JSON object"};
        return false;
      }
      auto seq_value = json::GetInt(*v, "seq");
      if (!seq_value.ok() || *seq_value < 0) {
        failed =
            Failed{where, "events", "line " + std::to_string(report_.events + 1) + " has no seq"};
        return false;
      }
      const uint64_t seq = static_cast<uint64_t>(*seq_value);
      if (seq >= checkpoint_.size) {
        failed =
            Failed{where, "events", "seq " + std::to_string(seq) + " is beyond the checkpoint"};
        return false;
      }
      if (have_last && seq <= last) {
        failed = Failed{where, "events", "seqs do not strictly increase at " + std::to_string(seq)};
        return false;
      }
      have_last = true;
      last = seq;
      const std::string proof_path = "audit/" + std::to_string(seq) + ".tlog-proof";
      auto proof_text = ReadSmall(proof_path);
      if (!proof_text.ok()) {
        failed = Failed{proof_path, "inclusion proof", proof_text.status().message()};
        return false;
      }
      auto proof = ParseTlogProof(*proof_text);
      if (!proof.ok()) {
        failed = Failed{proof_path, "inclusion proof", proof.status().message()};
        return false;
      }
      if (proof->index != seq) {
        failed = Failed{proof_path, "inclusion proof", "its index is not the event's seq"};
        return false;
      }
      if (proof->checkpoint != checkpoint_note_) {
        failed = Failed{proof_path, "inclusion proof", "its checkpoint is not audit/checkpoint"};
        return false;
      }
      Status st = merkle::VerifyInclusion(seq, checkpoint_.size, merkle::LeafHash(line),
                                          proof->hashes, checkpoint_.root);
      if (!st.ok()) {
        failed = Failed{proof_path, "inclusion proof",
                        "event " + std::to_string(seq) +
                            " (audit/events.jsonl) is not in the "
                            "log under audit/checkpoint: " +
                            st.message()};
        return false;
      }
      seqs_.insert(seq);
      NoteHoldEvent(*v, seq);
      if (auto p = json::GetStringOr(*v, "policy", ""); p.ok() && !p->empty()) {
        policies_.insert(*p);
      }
      if (const json::Value* d = v->Find("details"); d != nullptr && d->is_object()) {
        if (const json::Value* c = d->Find("checkpoint"); c != nullptr && c->is_object()) {
          auto size = json::GetInt(*c, "size");
          auto root = json::GetString(*c, "root");
          if (size.ok() && root.ok() && *size > 0 &&
              static_cast<uint64_t>(*size) < checkpoint_.size) {
            named_checkpoints_[static_cast<uint64_t>(*size)] = *root;
          }
        }
      }
      report_.events += 1;
      return true;
    };
    const ZipEntry* events = zip_.Find("audit/events.jsonl");
    Status st = zip_.Read(*events, [&](std::string_view piece) -> Status {
      while (!piece.empty()) {
        const size_t nl = piece.find('\n');
        if (nl == std::string_view::npos) {
          partial.append(piece);
          if (partial.size() > kMaxEventLine) {
            return Status::InvalidArgument("an event line is longer than 1 MiB");
          }
          return Status::Ok();
        }
        partial.append(piece.substr(0, nl));
        piece.remove_prefix(nl + 1);
        if (!line_done(partial)) return Status::Aborted("stop");
        partial.clear();
      }
      return Status::Ok();
    });
    if (failed) return failed;
    if (!st.ok()) return Failed{"audit/events.jsonl", "events", st.message()};
    if (!partial.empty()) {
      return Failed{"audit/events.jsonl", "events", "the last line does not end in a newline"};
    }
    for (const ZipEntry* e : files_) {
      uint64_t seq = 0;
      if (IsProofPath(e->name, &seq) && seqs_.count(seq) == 0) {
        return Failed{e->name, "inclusion proof", "a proof of an event the bundle does not hold"};
      }
    }
    std::string hold;
    if (hold_event_) {
      if (auto f = HoldAsLogged()) return f;
      hold = "; the request's legal hold is the one event " + std::to_string(hold_seq_) + " placed";
    }
    Pass("events: " + std::to_string(report_.events) +
         " events, each proven included under the checkpoint (RFC 6962)" + hold);
    return std::nullopt;
  }

  void NoteHoldEvent(const json::Value& event, uint64_t seq) {
    auto action = json::GetStringOr(event, "action", "");
    if (!action.ok() || *action != "evidence.approve") return;
    const json::Value* object = event.Find("object");
    const json::Value* details = event.Find("details");
    if (object == nullptr || !object->is_object() || details == nullptr || !details->is_object())
      return;
    auto id = json::GetStringOr(*object, "id", "");
    const json::Value* hold = details->Find("legal_hold");
    if (!id.ok() || *id != manifest_.request_id || hold == nullptr || !hold->is_object()) return;
    hold_event_ = *hold;
    hold_seq_ = seq;
  }

  // The hold evidence/request.json names (every held record and agreement)
  // is the one the approval recorded in the log: the same ids, or, for a list
  // the event cut (audit_log.h, PutIdList), its first ids, its total and the
  // SHA-256 of the whole list, one id per line.
  std::optional<Failed> HoldAsLogged() {
    const std::string where = "evidence/request.json";
    const std::string seq = std::to_string(hold_seq_);
    auto text = ReadSmall(where);
    if (!text.ok()) return Failed{where, "events", text.status().message()};
    auto request = json::Parse(*text);
    const json::Value* hold =
        request.ok() && request->is_object() ? request->Find("hold") : nullptr;
    if (hold == nullptr || !hold->is_object()) {
      return Failed{where, "events", "no legal hold, though event " + seq + " placed one"};
    }
    for (const std::string key : {"records", "agreements"}) {
      const json::Value* kept = hold->Find(key);
      const json::Value* logged = hold_event_->Find(key);
      if (kept == nullptr || !kept->is_array() || logged == nullptr || !logged->is_array()) {
        return Failed{where, "events",
                      "the hold's " + key + " are not a list here or in event " + seq};
      }
      std::vector<std::string> ids;
      for (const json::Value& id : kept->as_array()) {
        if (!id.is_string()) return Failed{where, "events", "the hold's " + key + " are not ids"};
        ids.push_back(id.as_string());
      }
      const json::Array& listed = logged->as_array();
      const json::Value* digest = hold_event_->Find(key + "_sha256");
      const bool cut = digest != nullptr;
      bool same = cut ? listed.size() <= ids.size() : listed.size() == ids.size();
      for (size_t i = 0; same && i < listed.size(); ++i) {
        same = listed[i].is_string() && listed[i].as_string() == ids[i];
      }
      if (same && cut) {
        auto total = json::GetInt(*hold_event_, key + "_total");
        same = digest->is_string() && digest->as_string() == IdListSha256(ids) && total.ok() &&
               *total == static_cast<int64_t>(ids.size());
      }
      if (!same) {
        return Failed{where, "events",
                      "the hold's " + key + " differ from those event " + seq + " recorded"};
      }
    }
    return std::nullopt;
  }

  // 8. Earlier exports' checkpoints are extended by this one.
  std::optional<Failed> EarlierCheckpoints() {
    const std::string new_size = std::to_string(checkpoint_.size);
    std::set<std::string> expected;
    for (const auto& [size, root] : named_checkpoints_) {
      const std::string old = std::to_string(size);
      const std::string note_path = "audit/checkpoints/" + old;
      const std::string proof_path = "audit/consistency/" + old + "-" + new_size;
      expected.insert(proof_path);
      auto note_text = ReadSmall(note_path);
      if (!note_text.ok()) return Failed{note_path, "earlier checkpoint", "missing"};
      auto text = note::Open(*note_text, verifier_);
      if (!text.ok()) return Failed{note_path, "earlier checkpoint", text.status().message()};
      auto cp = ParseCheckpoint(*text);
      if (!cp.ok()) return Failed{note_path, "earlier checkpoint", cp.status().message()};
      if (cp->origin != checkpoint_.origin || cp->size != size || Base64Encode(cp->root) != root) {
        return Failed{note_path, "earlier checkpoint",
                      "not the checkpoint the event names (size " + old + ")"};
      }
      auto lines = ReadSmall(proof_path);
      if (!lines.ok()) return Failed{proof_path, "consistency proof", "missing"};
      auto proof = ParseHashLines(*lines);
      if (!proof.ok()) return Failed{proof_path, "consistency proof", proof.status().message()};
      Status st =
          merkle::VerifyConsistency(size, checkpoint_.size, cp->root, checkpoint_.root, *proof);
      if (!st.ok()) return Failed{proof_path, "consistency proof", st.message()};
    }
    for (const ZipEntry* e : files_) {
      if (e->name.starts_with("audit/consistency/") && expected.count(e->name) == 0) {
        return Failed{e->name, "consistency proof", "no event names its checkpoint"};
      }
    }
    Pass("earlier checkpoints: " + std::to_string(named_checkpoints_.size()) +
         " extended by this one (RFC 6962 consistency)");
    return std::nullopt;
  }

  // 9. The trusted timestamp, when present.
  std::optional<Failed> Timestamp() {
    const ZipEntry* tsr = zip_.Find("audit/checkpoint.tsr");
    if (tsr == nullptr) {
      Pass("timestamp: none in this bundle (the checkpoint's time is the server's)");
      return std::nullopt;
    }
    auto reply = zip_.ReadAll(*tsr, kMaxSmallFile);
    auto ca = ReadSmall("keys/tsa-ca.pem");
    if (!reply.ok()) return Failed{"audit/checkpoint.tsr", "timestamp", "unreadable"};
    if (!ca.ok()) return Failed{"keys/tsa-ca.pem", "timestamp", "missing"};
    auto info = CheckTimestampResponse(*reply, checkpoint_note_, nullptr, *ca,
                                       TimestampCheckTime::kTokenTime);
    if (!info.ok()) return Failed{"audit/checkpoint.tsr", "timestamp", info.status().message()};
    report_.timestamped = true;
    Pass("timestamp: RFC 3161 token over audit/checkpoint, " + FormatRfc3339Millis(info->gen_time) +
         (info->tsa_name.empty() ? "" : " by " + info->tsa_name) + ", chained to keys/tsa-ca.pem");
    return std::nullopt;
  }

  // 10. Policies: named by their hash, every event's policy present.
  std::optional<Failed> Policies() {
    size_t n = 0;
    for (const ZipEntry* e : files_) {
      if (!e->name.starts_with("policy/")) continue;
      const std::string name = e->name.substr(7);
      if (!name.ends_with(".xml") || name.size() != 68) {
        return Failed{e->name, "policy", "not policy/<sha256>.xml"};
      }
      if (hashes_[e->name].second != name.substr(0, 64)) {
        return Failed{e->name, "policy", "its SHA-256 is not its name"};
      }
      ++n;
    }
    for (const std::string& p : policies_) {
      if (zip_.Find("policy/" + p + ".xml") == nullptr) {
        return Failed{"policy/" + p + ".xml", "policy", "an event names it; it is missing"};
      }
    }
    Pass("policies: " + std::to_string(n) +
         " versions, each named by its SHA-256, every "
         "event's policy present");
    return std::nullopt;
  }

  // 11. Records: commitments, and in a full bundle the values behind them.
  std::optional<Failed> Records() {
    size_t n = 0;
    for (const ZipEntry* e : files_) {
      if (!e->name.starts_with("records/") || !e->name.ends_with(".commitments.json")) continue;
      const std::string base = e->name.substr(0, e->name.size() - 17);  // records/<id>/v<n>
      const size_t slash = base.rfind('/');
      const std::string record = base.substr(8, slash - 8);
      auto version = ParseDecimal(std::string_view(base).substr(slash + 2));
      if (slash == std::string::npos || base[slash + 1] != 'v' || !version.ok()) {
        return Failed{e->name, "record commitments", "not records/<id>/v<n>.commitments.json"};
      }
      auto text = zip_.ReadAll(*e, kMaxSmallFile);
      auto c = text.ok() ? json::Parse(*text) : Result<json::Value>(text.status());
      const json::Value* fields = c.ok() ? c->Find("fields") : nullptr;
      if (!c.ok() || fields == nullptr || !fields->is_object() || StrOr(*c, "record") != record ||
          IntOr(*c, "version") != static_cast<int64_t>(*version)) {
        return Failed{e->name, "record commitments", "does not name its record and version"};
      }
      const ZipEntry* raw = zip_.Find(base + ".json");
      const ZipEntry* salts = zip_.Find(base + ".salts.json");
      if (manifest_.redacted) {
        if (raw != nullptr || salts != nullptr) {
          return Failed{base + ".json", "record commitments",
                        "a redacted bundle carries a version's content"};
        }
        ++n;
        continue;
      }
      if (raw == nullptr) return Failed{base + ".json", "record version", "missing"};
      if (salts == nullptr) return Failed{base + ".salts.json", "record commitments", "missing"};
      auto version_text = zip_.ReadAll(*raw, kMaxSmallFile);
      auto v = version_text.ok() ? json::Parse(*version_text)
                                 : Result<json::Value>(version_text.status());
      if (!v.ok() || StrOr(*v, "record_id") != record ||
          IntOr(*v, "version") != static_cast<int64_t>(*version)) {
        return Failed{base + ".json", "record version",
                      "is not version " + std::to_string(*version) + " of " + record};
      }
      const json::Value* content = v->Find("content");
      std::vector<std::pair<std::string, std::string>> flat;
      if (content == nullptr || !FlattenInto(*content, "content", &flat)) {
        return Failed{base + ".json", "record version", "its content is not strings"};
      }
      auto salts_text = zip_.ReadAll(*salts, kMaxSmallFile);
      auto s =
          salts_text.ok() ? json::Parse(*salts_text) : Result<json::Value>(salts_text.status());
      const json::Value* salt_map = s.ok() ? s->Find("salts") : nullptr;
      if (salt_map == nullptr || !salt_map->is_object() ||
          salt_map->as_object().size() != flat.size() ||
          fields->as_object().size() != flat.size()) {
        return Failed{base + ".salts.json", "record commitments",
                      "salts and commitments do not cover exactly the content's fields"};
      }
      for (const auto& [path, value] : flat) {
        const json::Value* salt_b64 = salt_map->Find(path);
        const json::Value* commitment = fields->Find(path);
        if (salt_b64 == nullptr || commitment == nullptr || !salt_b64->is_string() ||
            !commitment->is_string()) {
          return Failed{base + ".salts.json", "record commitments",
                        "no salt or commitment for " + path};
        }
        auto salt = Base64Decode(salt_b64->as_string());
        if (!salt.ok() || salt->size() != 32 ||
            HexEncode(Sha256(*salt + value)) != commitment->as_string()) {
          return Failed{e->name, "record commitments",
                        "the commitment of " + path + " does not match the value"};
        }
      }
      ++n;
    }
    Pass("records: " + std::to_string(n) + " versions, " +
         (manifest_.redacted ? std::string("redacted (commitments only)")
                             : std::string("every content field matches its commitment")));
    return std::nullopt;
  }

  // 12. Agreements: each signature verifies over its statement, which names
  //     the agreement and the signed document's SHA-256.
  std::optional<Failed> Agreements() {
    size_t n = 0;
    for (const ZipEntry* e : files_) {
      if (!e->name.starts_with("agreements/") || !e->name.ends_with(".json") ||
          e->name.find("/signatures/") == std::string::npos) {
        continue;
      }
      const std::string base = e->name.substr(0, e->name.size() - 5);
      const std::string agreement = e->name.substr(11, e->name.find('/', 11) - 11);
      const std::string dir = "agreements/" + agreement + "/";
      auto text = zip_.ReadAll(*e, kMaxSmallFile);
      auto v = text.ok() ? json::Parse(*text) : Result<json::Value>(text.status());
      auto record = v.ok() ? SignatureRecord::FromJson(*v) : Result<SignatureRecord>(v.status());
      if (!record.ok()) return Failed{e->name, "agreement signature", "not a signature record"};
      auto statement_file = ReadSmall(base + ".statement");
      auto sig_file = ReadSmall(base + ".sig");
      auto pem_file = ReadSmall(base + ".pem");
      if (!statement_file.ok() || *statement_file != record->statement) {
        return Failed{base + ".statement", "agreement signature", "not the record's statement"};
      }
      if (!sig_file.ok() || *sig_file != record->signature) {
        return Failed{base + ".sig", "agreement signature", "not the record's signature"};
      }
      auto pem_key =
          pem_file.ok() ? ParseEd25519Pem(*pem_file) : Result<std::string>(pem_file.status());
      if (!pem_key.ok() || *pem_key != record->public_key) {
        return Failed{base + ".pem", "agreement signature", "not the record's public key"};
      }
      auto statement = SignatureStatement::Parse(record->statement);
      if (!statement.ok() || statement->agreement_id != agreement) {
        return Failed{e->name, "agreement signature", "the statement does not name " + agreement};
      }
      if (!Ed25519Verify(record->public_key, record->statement, record->signature)) {
        return Failed{e->name, "agreement signature", "the Ed25519 signature does not verify"};
      }
      const std::string doc = statement->role == "custodian" ? dir + "scan" : dir + "document.html";
      auto it = hashes_.find(doc);
      if (it == hashes_.end())
        return Failed{doc, "agreement signature", "the signed file is missing"};
      if (it->second.second != statement->document_sha256) {
        return Failed{doc, "agreement signature",
                      "its SHA-256 is not the one the signature covers"};
      }
      ++n;
    }
    Pass("agreements: " + std::to_string(n) +
         " signatures verified over the exact documents signed");
    return std::nullopt;
  }

  static bool FlattenInto(const json::Value& v, const std::string& path,
                          std::vector<std::pair<std::string, std::string>>* out) {
    if (v.is_string()) {
      out->emplace_back(path, v.as_string());
      return true;
    }
    if (v.is_object()) {
      for (const auto& [k, child] : v.as_object()) {
        if (!FlattenInto(child, path + "." + k, out)) return false;
      }
      return true;
    }
    if (v.is_array()) {
      size_t i = 0;
      for (const json::Value& child : v.as_array()) {
        if (!FlattenInto(child, path + "[" + std::to_string(i++) + "]", out)) return false;
      }
      return true;
    }
    return false;
  }

  const ZipReader& zip_;
  VerifyReport& report_;
  std::vector<const ZipEntry*> files_;
  std::map<std::string, std::pair<uint64_t, std::string>> hashes_;  // path → size, hex
  // Small files as the checksum pass read (and CRC-checked) them.
  std::map<std::string, std::string, std::less<>> kept_;
  size_t kept_bytes_ = 0;
  note::Verifier verifier_;
  std::string manifest_xml_;
  Manifest manifest_;
  std::string checkpoint_note_;
  vault::Checkpoint checkpoint_;
  std::set<uint64_t> seqs_;
  std::set<std::string> policies_;
  std::map<uint64_t, std::string> named_checkpoints_;
  // The legal hold as the approval that placed it recorded it in the log
  // (details.legal_hold of this request's evidence.approve), and its seq.
  std::optional<json::Value> hold_event_;
  uint64_t hold_seq_ = 0;
};

}  // namespace

Result<VerifyReport> VerifyBundle(const ZipReader& zip, const VerifyOptions& options) {
  std::optional<std::string> trusted;
  if (!options.trusted_key.empty()) {
    if (options.trusted_key.find("-----BEGIN") != std::string::npos) {
      auto key = ParseEd25519Pem(options.trusted_key);
      if (!key.ok()) return Status::InvalidArgument("--key: " + key.status().message());
      trusted = *key;
    } else {
      std::string text = options.trusted_key;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      auto v = note::ParseVerifierKey(text);
      if (!v.ok()) return Status::InvalidArgument("--key: " + v.status().message());
      trusted = v->public_key;
    }
  }
  VerifyReport report;
  Verifier verifier(zip, &report);
  if (std::optional<Failed> f = verifier.Run(trusted)) {
    report.failure = VerifyFailure{f->file, f->check, f->message};
  }
  return report;
}

}  // namespace custos::vault::evidence
