#include "vault/records/records.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "base/encoding.h"
#include "base/text.h"
#include "policy/anomaly.h"
#include "policy/rules.h"
#include "vault/access/alerts.h"
#include "vault/records/handover_store.h"
#include "vault/records/internal/catalog.h"
#include "vault/records/internal/records_codec.h"
#include "vault/records/legal_hold.h"
#include "vault/records/loans.h"
#include "vault/store/crypto.h"
#include "vault/store/sealed_cache.h"
#include "vault/store/versions.h"

namespace custos::vault {

using internal::OwnKey;
using internal::OwnPrefix;
using internal::VersionToJson;

namespace {

// The "via" of a pending transfer (legal_hold.h) made by ReassignOwner.
constexpr std::string_view kTransferByReassign = "reassign";
// The first approval of lowering a top-secret marking waits in the same slot
// as a held record's move (a held record's marking is never lowered).
constexpr std::string_view kLowering = "lower";

// Whether a new marking lowers the record's: a lower classification, or a
// declassification date set where there was none or moved earlier.
bool LowersClassification(const RecordMeta& meta, policy::Classification classification,
                          std::string_view declassify_on) {
  if (classification < meta.classification) return true;
  if (declassify_on.empty() || declassify_on == meta.declassify_on) return false;
  return meta.declassify_on.empty() || declassify_on < meta.declassify_on;
}

// The marking version `n` of a record was stored with (its metadata
// snapshot), for judging a view of an older version.
Result<policy::Classification> VersionLevel(const ReadTxn& txn, std::string_view record_id,
                                            uint32_t n) {
  CUSTOS_ASSIGN_OR_RETURN(std::string raw, GetVersion(txn, tables::kRecords, record_id, n));
  auto meta_text = json::MemberText(raw, "meta");
  if (!meta_text.ok()) return Status::DataLoss("malformed record version");
  auto cls = json::MemberText(*meta_text, "classification");
  if (!cls.ok() || cls->size() < 2) return Status::DataLoss("malformed record version");
  auto level = policy::ParseClassification(cls->substr(1, cls->size() - 2));
  if (!level.ok()) return Status::DataLoss("malformed record version");
  return *level;
}

json::Value ChangeJson(std::string_view from, std::string_view to) {
  json::Value c = json::Value::MakeObject();
  c["from"] = from;
  c["to"] = to;
  return c;
}

// Quota counters keep at most this many recent view times per user and
// record: as many as a quota counted over a window may allow (the policy
// refuses more).
constexpr size_t kMaxRecentViews = policy::kMaxViewsInWindow;

std::string ViewCountKey(std::string_view user, std::string_view record) {
  std::string k(user);
  k.push_back('\0');
  k += record;
  return k;
}

Status AppendOwnership(WriteTxn& txn, std::string_view record_id, OwnershipChange c) {
  c.index = 1;
  auto last = txn.LastKeyWithPrefix(tables::kIndex, OwnPrefix(record_id));
  if (last.ok()) {
    c.index = DecodeU32(std::string_view(*last).substr(last->size() - 4)) + 1;
  } else if (last.status().code() != StatusCode::kNotFound) {
    return last.status();
  }
  json::Value o = json::Value::MakeObject();
  o["index"] = c.index;
  o["from"] = c.from;
  o["to"] = c.to;
  o["by"] = c.by;
  o["at"] = c.at;
  o["reason"] = c.reason;
  o["audit_seq"] = c.audit_seq;
  return txn.Insert(tables::kIndex, OwnKey(record_id, c.index), json::Serialize(o));
}

Status PutMeta(WriteTxn& txn, const RecordMeta& meta) {
  return txn.Put(tables::kRecordIndex, meta.id, json::Serialize(meta.ToJson()));
}

// The user `id` names, when they may be given files to own or keep: a known
// user whose account is not disabled (a leaver's customers go to their
// successors, never back to them). `what` names the person's part ("the
// owner"), `what_zh` the same in Chinese ("负责人").
Result<User> HolderCalled(const ReadTxn& txn, const std::string& id, std::string_view what,
                          std::string_view what_zh) {
  auto u = GetUser(txn, id);
  if (!u.ok()) {
    if (u.status().code() == StatusCode::kNotFound)
      return Status::InvalidArgument(std::string(what) + " is not a known user",
                                     std::string(what_zh) + "不是系统中的用户");
    return u.status();
  }
  if (u->disabled) {
    return Status::InvalidArgument(
        std::string(what) + " " + u->username + " has left or is disabled",
        std::string(what_zh) + " " + u->username + " 已离职或账户已停用");
  }
  return std::move(u).value();
}

// That `id`, when given, may hold files (HolderCalled).
Status CheckUserCanHold(const ReadTxn& txn, const std::string& id, std::string_view what,
                        std::string_view what_zh) {
  if (id.empty()) return Status::Ok();
  return HolderCalled(txn, id, what, what_zh).status();
}

// A file's keeper (保管人): a records keeper (the custodian role) who is
// neither its owner nor its author — the keeper releases loans and checks
// what the writer and the holder do, so none of them keeps their own file.
// Empty: no keeper named.
Status CheckKeeper(const ReadTxn& txn, const std::string& custodian_id, const std::string& owner_id,
                   const std::string& author_id) {
  if (custodian_id.empty()) return Status::Ok();
  CUSTOS_ASSIGN_OR_RETURN(User keeper, HolderCalled(txn, custodian_id, "the custodian", "保管人"));
  if (custodian_id == owner_id || custodian_id == author_id) {
    return Status::InvalidArgument(
        "the custodian may not be the file's owner or author: they check each other",
        "保管人不得为档案的负责人或编写人：双方须相互制约");
  }
  if (!keeper.HasRole(policy::Role::kCustodian)) {
    return Status::InvalidArgument(
        "the custodian " + keeper.username + " is not a records keeper (custodian role)",
        "保管人 " + keeper.username + " 不是档案保管员（无保管人角色）");
  }
  return Status::Ok();
}

struct ViewCount {
  int64_t total = 0;
  std::vector<UnixMillis> recent;
};

// Stored form: 0x01, then u64 total, then the recent view times as u64
// milliseconds (big-endian, oldest first). Views run on the committer
// thread; a JSON array of up to 1 024 numbers parsed and rewritten on every
// view cost more than the rest of the view. The older JSON form
// {"n":total,"t":[ms,...]} is still read.
constexpr char kViewCountFormat = '\x01';

Result<ViewCount> ReadViewCount(const ReadTxn& txn, const std::string& key) {
  ViewCount c;
  auto raw = txn.Get(tables::kViewCounts, key);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return c;
    return raw.status();
  }
  std::string_view r = *raw;
  if (!r.empty() && r[0] == kViewCountFormat) {
    if (r.size() < 9 || (r.size() - 9) % 8 != 0) return Status::DataLoss("view count is damaged");
    c.total = static_cast<int64_t>(DecodeU64(r.substr(1, 8)));
    c.recent.reserve((r.size() - 9) / 8);
    for (size_t at = 9; at < r.size(); at += 8) {
      c.recent.push_back(static_cast<UnixMillis>(DecodeU64(r.substr(at, 8))));
    }
    return c;
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(r));
  CUSTOS_ASSIGN_OR_RETURN(c.total, json::GetIntOr(o, "n", 0));
  if (const json::Value* t = o.Find("t"); t != nullptr && t->is_array()) {
    for (const json::Value& x : t->as_array()) c.recent.push_back(x.as_int());
  }
  return c;
}

int ViewsInWindow(const ViewCount& c, int window_days, UnixMillis now) {
  if (window_days <= 0) return static_cast<int>(c.total);
  const UnixMillis from = now - window_days * kMillisPerDay;
  return static_cast<int>(
      std::count_if(c.recent.begin(), c.recent.end(), [&](UnixMillis t) { return t > from; }));
}

// Records `views` more views at `now`.
Status WriteViewCount(WriteTxn& txn, const std::string& key, ViewCount c, UnixMillis now,
                      int views = 1) {
  c.total += views;
  for (int i = 0; i < views; ++i) c.recent.push_back(now);
  size_t first = c.recent.size() > kMaxRecentViews ? c.recent.size() - kMaxRecentViews : 0;
  std::string raw;
  raw.reserve(9 + 8 * (c.recent.size() - first));
  raw += kViewCountFormat;
  raw += EncodeU64(static_cast<uint64_t>(c.total));
  for (size_t i = first; i < c.recent.size(); ++i) {
    raw += EncodeU64(static_cast<uint64_t>(c.recent[i]));
  }
  return txn.Put(tables::kViewCounts, key, raw);
}

// The attempt to create the record `id` (its event: "record.create").
access::Attempt CreateAttempt(const std::string& id, std::string_view reason) {
  return access::Attempt::On(policy::Action::kCreateRecord, "record.create", "record", id, reason);
}

// The record facts of a record about to be created by `user`.
policy::RecordFacts NewRecordFacts(const std::string& id, const NewRecord& record,
                                   const User& user) {
  return policy::RecordFacts{id, record.classification,
                             record.owner_id.empty() ? user.id : record.owner_id, user.id,
                             record.custodian_id};
}

std::string NewRecordId(RecordKind kind) {
  return (kind == RecordKind::kCustomer ? "c-" : "d-") + HexEncode(RandomBytes(8));
}

}  // namespace

access::Attempt RecordAttempt(policy::Action action, std::string event_action,
                              std::string_view record_id, std::string_view reason) {
  return access::Attempt::On(action, event_action, "record", record_id, reason);
}

Status Archive::WriteNextVersion(WriteTxn& txn, RecordMeta* meta, std::string_view author_id,
                                 UnixMillis now, std::string_view reason,
                                 const RecordContent& content) {
  meta->updated = now;
  meta->revision += 1;
  meta->latest_version += 1;
  RecordVersion v{meta->id, meta->latest_version, std::string(author_id),
                  now,      std::string(reason),  *meta,
                  content};
  CUSTOS_ASSIGN_OR_RETURN(uint32_t n, AppendVersion(txn, tables::kRecords, meta->id,
                                                    json::Serialize(VersionToJson(v))));
  if (n != meta->latest_version) return Status::DataLoss("record versions out of step");
  CUSTOS_RETURN_IF_ERROR(PutMeta(txn, *meta));
  CUSTOS_RETURN_IF_ERROR(CatalogOnCommit(txn, *meta));
  return Status::Ok();
}

// ---- records --------------------------------------------------------------------

Result<RecordMeta> Archive::CreateRecordIn(WriteTxn& txn, const policy::Permit& permit,
                                           const NewRecord& record, std::string_view reason,
                                           uint64_t audit_seq) {
  if (permit.action() != policy::Action::kCreateRecord || permit.record_id().empty())
    return Status::PermissionDenied("permit does not allow creating this record");
  const UnixMillis now = NowMillis();
  RecordMeta meta;
  meta.id = permit.record_id();
  meta.kind = record.kind;
  meta.name = record.name;
  meta.classification = record.classification;
  meta.declassify_on = record.declassify_on;
  meta.owner_id = record.owner_id.empty() ? permit.actor_id() : record.owner_id;
  meta.author_id = permit.actor_id();
  meta.custodian_id = record.custodian_id;
  meta.tags = record.tags;
  meta.status = record.status.empty() ? "active" : record.status;
  meta.territory = record.territory;
  meta.paper = record.paper;
  meta.created = now;
  meta.updated = now;
  meta.revision = 1;
  meta.latest_version = 1;
  RecordVersion v{meta.id, 1, permit.actor_id(), now, std::string(reason), meta, record.content};
  CUSTOS_ASSIGN_OR_RETURN(
      uint32_t n, AppendVersion(txn, tables::kRecords, meta.id, json::Serialize(VersionToJson(v))));
  if (n != 1) return Status::AlreadyExists("record id collision");
  CUSTOS_RETURN_IF_ERROR(PutMeta(txn, meta));
  CUSTOS_RETURN_IF_ERROR(AppendOwnership(txn, meta.id,
                                         OwnershipChange{0, "", meta.owner_id, permit.actor_id(),
                                                         now, std::string(reason), audit_seq}));
  CUSTOS_RETURN_IF_ERROR(CatalogOnCommit(txn, meta));
  return meta;
}

Result<RecordMeta> Archive::CreateRecord(const Caller& caller, const NewRecord& record,
                                         std::string_view reason) {
  if (IsBlankText(record.name)) {
    return Status::InvalidArgument("a record needs a name", "请填写客户名称");
  }
  CUSTOS_RETURN_IF_ERROR(CheckRecordText(record));
  const std::string id = NewRecordId(record.kind);
  RecordMeta out;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, CreateAttempt(id, reason),
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_RETURN_IF_ERROR(
                    CheckUserCanHold(txn, record.owner_id, "the owner", "负责人"));
                f.record = NewRecordFacts(id, record, user);
                CUSTOS_RETURN_IF_ERROR(
                    CheckKeeper(txn, record.custodian_id, f.record->owner_id, f.record->author_id));
                e.object.version = 1;
                e.details["classification"] = policy::ClassificationId(record.classification);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(out, CreateRecordIn(txn, *o.permit, record, reason, o.seq));
                return Status::Ok();
              })
          .status());
  return out;
}

Result<std::vector<RecordMeta>> Archive::CreateRecords(const Caller& caller,
                                                       const std::vector<NewRecord>& records,
                                                       std::string_view reason) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string which = "record " + std::to_string(i + 1) + ": ";
    const std::string which_zh = "第 " + std::to_string(i + 1) + " 份档案：";
    if (IsBlankText(records[i].name)) {
      return Status::InvalidArgument(which + "a record needs a name", which_zh + "请填写客户名称");
    }
    if (Status text = CheckRecordText(records[i]); !text.ok()) {
      return Status::InvalidArgument(which + text.message(),
                                     text.message_zh().empty() ? "" : which_zh + text.message_zh());
    }
    ids.push_back(NewRecordId(records[i].kind));
  }
  std::vector<RecordMeta> out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    out.clear();
    const UnixMillis now = NowMillis();
    const auto prepare = [&](size_t i, bool with_details) -> access::Prepare {
      return [&, i, with_details](const ReadTxn& t, const User& user, policy::Facts& f,
                                  AuditEvent& e) -> Status {
        const NewRecord& record = records[i];
        const std::string which = "record " + std::to_string(i + 1);
        const std::string which_zh = "第 " + std::to_string(i + 1) + " 份档案";
        CUSTOS_RETURN_IF_ERROR(
            CheckUserCanHold(t, record.owner_id, "the owner", "负责人").Annotate(which, which_zh));
        f.record = NewRecordFacts(ids[i], record, user);
        CUSTOS_RETURN_IF_ERROR(
            CheckKeeper(t, record.custodian_id, f.record->owner_id, f.record->author_id)
                .Annotate(which, which_zh));
        f.now = now;
        e.object.version = 1;
        if (with_details) {
          e.details["classification"] = policy::ClassificationId(record.classification);
        }
        return Status::Ok();
      };
    };
    // All or nothing: every record is decided first (advisory, in this same
    // transaction); a refusal is recorded alone, as the one event.
    for (size_t i = 0; i < records.size(); ++i) {
      CUSTOS_ASSIGN_OR_RETURN(
          access::Outcome peek,
          gate_.Peek(txn, caller, CreateAttempt(ids[i], reason), prepare(i, false)));
      if (peek.allowed) continue;
      CUSTOS_ASSIGN_OR_RETURN(
          access::Outcome o,
          gate_.Decide(txn, caller, CreateAttempt(ids[i], reason), prepare(i, false)));
      denied = o.allowed
                   ? Status::Aborted("the decision changed; try again", "判定结果已变化，请重试")
                   : o.refusal.Annotate("record " + std::to_string(i + 1),
                                        "第 " + std::to_string(i + 1) + " 份档案");
      return Status::Ok();
    }
    for (size_t i = 0; i < records.size(); ++i) {
      CUSTOS_ASSIGN_OR_RETURN(
          access::Outcome o,
          gate_.Decide(txn, caller, CreateAttempt(ids[i], reason), prepare(i, true)));
      if (!o.allowed) {
        return Status::Aborted("the decision changed; try again", "判定结果已变化，请重试");
      }
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta m,
                              CreateRecordIn(txn, *o.permit, records[i], reason, o.seq));
      out.push_back(std::move(m));
    }
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<RecordMeta> Archive::UpdateRecord(const Caller& caller, std::string_view record_id,
                                         const RecordUpdate& update, std::string_view reason) {
  if (IsBlankText(update.name)) {
    return Status::InvalidArgument("a record needs a name", "请填写客户名称");
  }
  // Judged whole before anything is decided; what fails only a rule the
  // stored file itself breaks is judged again against it below.
  const Status text = CheckRecordText(update);
  RecordMeta meta;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kUpdateRecord, "record.update", record_id, reason),
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                if (!text.ok()) {
                  CUSTOS_ASSIGN_OR_RETURN(RecordVersion before,
                                          ReadRecordVersion(txn, record_id, meta.latest_version));
                  CUSTOS_RETURN_IF_ERROR(CheckRecordText(update, &before));
                }
                // A leaver who still keeps the file may stay its custodian
                // until it is handed over; only a new one is checked.
                if (update.custodian_id != meta.custodian_id) {
                  CUSTOS_RETURN_IF_ERROR(
                      CheckKeeper(txn, update.custodian_id, meta.owner_id, meta.author_id));
                }
                f.record = RecordFactsFor(meta);
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                f.lowers_classification =
                    LowersClassification(meta, update.classification, update.declassify_on);
                e.object.id = meta.id;
                e.object.version = meta.latest_version + 1;
                if (update.classification != meta.classification) {
                  e.details["classification"] =
                      ChangeJson(policy::ClassificationId(meta.classification),
                                 policy::ClassificationId(update.classification));
                }
                if (update.declassify_on != meta.declassify_on) {
                  e.details["declassify_on"] = ChangeJson(meta.declassify_on, update.declassify_on);
                }
                if (update.territory != meta.territory) {
                  e.details["territory"] = ChangeJson(meta.territory, update.territory);
                }
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                meta.name = update.name;
                meta.classification = update.classification;
                meta.declassify_on = update.declassify_on;
                meta.custodian_id = update.custodian_id;
                meta.tags = update.tags;
                meta.status = update.status.empty() ? "active" : update.status;
                meta.territory = update.territory;
                meta.paper = update.paper;
                return WriteNextVersion(txn, &meta, o.user.id, o.now, reason, update.content);
              })
          .status());
  return meta;
}

Result<RecordMeta> Archive::LowerClassification(const Caller& caller, std::string_view record_id,
                                                policy::Classification classification,
                                                std::string_view declassify_on,
                                                std::string_view reason,
                                                bool* pending_second_approval) {
  // The same lowering: the same new marking and date.
  const std::string lowering =
      std::string(policy::ClassificationId(classification)) + "|" + std::string(declassify_on);
  bool pending = false;
  if (!declassify_on.empty()) {
    if (Status date = ParseDate(declassify_on).status(); !date.ok()) {
      return Status(date.code(), date.message(), "解密日期须为日期（YYYY-MM-DD）");
    }
  }
  RecordMeta meta;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kLowerClassification, "record.reclassify", record_id,
                            reason),
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                f.record = RecordFactsFor(meta);
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                f.lowers_classification = LowersClassification(meta, classification, declassify_on);
                CUSTOS_ASSIGN_OR_RETURN(f.lowering_first_approver,
                                        HoldFirstApprover(txn, meta.id, lowering, kLowering));
                e.object.id = meta.id;
                e.object.version = meta.latest_version + 1;
                e.details["classification"] =
                    ChangeJson(policy::ClassificationId(meta.classification),
                               policy::ClassificationId(classification));
                e.details["declassify_on"] = ChangeJson(meta.declassify_on, declassify_on);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                if (!o.decision.approvals_complete) {
                  // A top-secret file: the first of two approvals is kept;
                  // the marking stays.
                  pending = true;
                  return PutPendingTransfer(
                      txn, PendingTransfer{meta.id, lowering, o.user.id, std::string(kLowering),
                                           o.now, o.seq});
                }
                CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(RecordVersion latest,
                                        ReadRecordVersion(txn, meta.id, meta.latest_version));
                meta.classification = classification;
                meta.declassify_on = std::string(declassify_on);
                // The content is unchanged; the version's author is the
                // approver who decided the new marking.
                return WriteNextVersion(txn, &meta, o.user.id, o.now, reason, latest.content);
              },
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                if (o.allowed && !o.decision.approvals_complete) {
                  e.outcome = "pending_second_approval";
                  // Recorded, not written: the version stays the latest.
                  e.object.version = meta.latest_version;
                }
                return Status::Ok();
              })
          .status());
  if (pending_second_approval != nullptr) *pending_second_approval = pending;
  return meta;
}

Result<RecordMeta> Archive::ReassignOwner(const Caller& caller, std::string_view record_id,
                                          std::string_view new_owner_id, std::string_view reason,
                                          bool* pending_second_approval) {
  RecordMeta meta;
  RecordMeta out;
  bool pending = false;
  const std::string target(new_owner_id);
  access::Attempt attempt =
      RecordAttempt(policy::Action::kReassignOwner, "record.reassign", record_id, reason);
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                pending = false;
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                if (target.empty()) {
                  return Status::InvalidArgument("the new owner is missing", "未指定新负责人");
                }
                CUSTOS_RETURN_IF_ERROR(CheckUserCanHold(txn, target, "the new owner", "新负责人"));
                // The keeper checks the owner: never both.
                if (target == meta.custodian_id) {
                  return Status::InvalidArgument(
                      "the new owner keeps this file (its custodian); name another owner, or "
                      "another custodian first",
                      "新负责人是该档案的保管人；请另选负责人，或先更换保管人");
                }
                f.record = RecordFactsFor(meta);
                f.target_user_id = target;
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(
                    f.hold_first_approver,
                    HoldFirstApprover(txn, meta.id, target, kTransferByReassign));
                e.object.id = meta.id;
                e.details["from"] = meta.owner_id;
                e.details["to"] = target;
                if (f.record->legal_hold) e.details["legal_hold"] = true;
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                if (!o.decision.approvals_complete) {
                  // Under legal hold: the first of two approvals is kept; the
                  // owner stays.
                  pending = true;
                  out = meta;
                  return PutPendingTransfer(
                      txn, PendingTransfer{meta.id, target, o.user.id,
                                           std::string(kTransferByReassign), o.now, o.seq});
                }
                CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(
                    out, ReassignOwnerIn(txn, *o.permit, meta, target, reason, o.seq));
                return Status::Ok();
              },
              [](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                if (o.allowed && !o.decision.approvals_complete) {
                  e.outcome = "pending_second_approval";
                }
                return Status::Ok();
              })
          .status());
  if (pending_second_approval != nullptr) *pending_second_approval = pending;
  return out;
}

Result<RecordMeta> Archive::ReassignOwnerIn(WriteTxn& txn, const policy::Permit& permit,
                                            RecordMeta meta, std::string_view new_owner_id,
                                            std::string_view reason, uint64_t audit_seq) {
  if (permit.record_id() != meta.id || (permit.action() != policy::Action::kReassignOwner &&
                                        permit.action() != policy::Action::kConfirmHandover)) {
    return Status::Internal("ownership change without a matching permit");
  }
  const std::string target(new_owner_id);
  CUSTOS_RETURN_IF_ERROR(
      AppendOwnership(txn, meta.id,
                      OwnershipChange{0, meta.owner_id, target, permit.actor_id(),
                                      permit.decided_at(), std::string(reason), audit_seq}));
  meta.owner_id = target;
  meta.updated = permit.decided_at();
  meta.revision += 1;
  CUSTOS_RETURN_IF_ERROR(PutMeta(txn, meta));
  CUSTOS_RETURN_IF_ERROR(CatalogOnCommit(txn, meta));
  return meta;
}

Result<std::vector<RecordMeta>> Archive::DeclassifyDue(CivilDate today) {
  static constexpr std::string_view kDeclassifyRule = "record.declassify_on";
  std::vector<std::string> due;
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  {
    const int64_t today_day = DaysFromCivil(today);
    std::shared_lock lock(catalog_mu_);
    for (const internal::Catalog::Entry& e : catalog_->entries()) {
      if (e.declassify_day == internal::Catalog::kNoDate ||
          e.classification == policy::Classification::kPublic)
        continue;
      if (e.declassify_day <= today_day) due.push_back(*e.id);
    }
  }
  std::vector<RecordMeta> out;
  if (due.empty()) return out;
  const std::string today_text = FormatDate(today);
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    out.clear();
    CUSTOS_ASSIGN_OR_RETURN(auto policy, PolicyAt(txn));
    for (const std::string& id : due) {
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(txn, id));
      auto date = ParseDate(meta.declassify_on);  // re-checked: it may have changed
      if (meta.classification == policy::Classification::kPublic || !date.ok() || today < *date)
        continue;
      // A record under legal hold keeps its marking until the hold is
      // lifted; the next sweep after that declassifies it.
      CUSTOS_ASSIGN_OR_RETURN(bool held, RecordOnHold(txn, meta.id));
      if (held) continue;
      CUSTOS_ASSIGN_OR_RETURN(RecordVersion latest,
                              ReadRecordVersion(txn, meta.id, meta.latest_version));
      const UnixMillis now = NowMillis();
      AuditEvent e;  // the system: no actor, session or place
      e.action = "record.declassify";
      e.object = {"record", meta.id, static_cast<int64_t>(meta.latest_version + 1)};
      e.decision = AuditDecision::kAllow;
      e.rule = std::string(kDeclassifyRule);
      e.policy = policy->digest();
      e.outcome = "ok";
      e.details["from"] = policy::ClassificationId(meta.classification);
      e.details["declassify_on"] = meta.declassify_on;
      e.details["today"] = today_text;
      CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
      (void)seq;
      const std::string reason =
          "解密日期已到 / declassification date reached (" + meta.declassify_on + ")";
      meta.classification = policy::Classification::kPublic;
      meta.declassify_on.clear();
      CUSTOS_RETURN_IF_ERROR(WriteNextVersion(txn, &meta, "", now, reason, latest.content));
      out.push_back(meta);
    }
    return Status::Ok();
  }));
  return out;
}

// ---- alerts on access attempts ----------------------------------------------------

// ---- views ------------------------------------------------------------------------

Result<ViewResult> Archive::ViewIn(const Caller& caller, std::string_view record_id,
                                   std::string_view reason, const ViewOptions& options,
                                   std::vector<uint32_t> extra_versions,
                                   std::vector<RecordVersion>* extra_out) {
  ViewResult out;
  RecordMeta meta;
  uint32_t version = 0;
  std::optional<Loan> loan;
  policy::Classification level = policy::Classification::kTopSecret;
  std::string count_key;
  ViewCount count;
  // Every version shown is a view: a comparison of two versions uses two
  // of the quota, so it needs room for both.
  const int views_taken = static_cast<int>(extra_versions.size()) + 1;
  access::Attempt attempt =
      RecordAttempt(policy::Action::kViewContent, "record.view", record_id, reason);
  attempt.alert_record_id = std::string(record_id);
  // `prepare` and `finish` read only their transaction.
  attempt.decide_on_snapshot = true;
  attempt.reads.push_back({tables::kViewCounts, ViewCountKey(caller.user_id, record_id)});
  // The texts of the versions shown (the one asked for, then
  // `extra_versions`), read once the view is allowed: on LMDB after the
  // write, on the caller's thread; on a shared store inside the write,
  // where the record's entries are already at hand, instead of a
  // PostgreSQL transaction of their own (two more round trips a view).
  // Versions are immutable, so either way they are exactly what the
  // transaction allowed.
  std::vector<std::string> texts;
  struct Wipe {
    std::vector<std::string>* texts;
    ~Wipe() {
      for (std::string& t : *texts) WipeString(&t);
    }
  } wipe{&texts};
  const auto read_texts = [&](const ReadTxn& txn) -> Status {
    for (std::string& t : texts) WipeString(&t);
    texts.clear();
    CUSTOS_ASSIGN_OR_RETURN(std::string raw, GetVersion(txn, tables::kRecords, meta.id, version));
    texts.push_back(std::move(raw));
    for (uint32_t x : extra_versions) {
      CUSTOS_ASSIGN_OR_RETURN(std::string more, GetVersion(txn, tables::kRecords, meta.id, x));
      texts.push_back(std::move(more));
    }
    return Status::Ok();
  };
  const bool read_in_write = vault_.shared();
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                out = ViewResult();
                if (extra_out != nullptr) extra_out->clear();
                CUSTOS_ASSIGN_OR_RETURN(meta, ReadMeta(txn, record_id));
                version = options.version == 0 ? meta.latest_version : options.version;
                if (version == 0 || version > meta.latest_version)
                  return Status::NotFound("no such version of the record", "档案没有这个版本");
                for (uint32_t x : extra_versions) {
                  if (x == 0 || x > meta.latest_version)
                    return Status::NotFound("no such version of the record", "档案没有这个版本");
                }
                if (!options.loan_id.empty()) {
                  CUSTOS_ASSIGN_OR_RETURN(loan, GetLoan(txn, options.loan_id));
                } else {
                  CUSTOS_ASSIGN_OR_RETURN(
                      loan, FindOpenLoan(txn, meta.id, user.id, policy::LoanKind::kView));
                }
                // SECURITY: a version is judged at the higher of its own
                // stored marking and the record's current one, so lowering a
                // record never opens the versions written while it was
                // marked higher.
                level = meta.classification;
                std::vector<uint32_t> shown = extra_versions;
                shown.push_back(version);
                for (uint32_t v : shown) {
                  if (v == meta.latest_version) continue;  // stored with the current marking
                  CUSTOS_ASSIGN_OR_RETURN(policy::Classification stored,
                                          VersionLevel(txn, meta.id, v));
                  level = std::max(level, stored);
                }
                CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(txn));
                const policy::ClassificationRules& cr = policy->rules(level);
                count_key = ViewCountKey(user.id, meta.id);
                CUSTOS_ASSIGN_OR_RETURN(count, ReadViewCount(txn, count_key));
                // Departures (handover.h): during the notice period a record
                // in the viewer's pending handover stays viewable; the engine
                // reads this fact.
                CUSTOS_ASSIGN_OR_RETURN(f.actor.in_handover, InPendingHandover(txn, user, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(f.outside_assignment, OutsideAssignment(txn, user, meta));
                f.record = RecordFactsFor(meta);
                f.record->classification = level;
                if (loan) f.loan = loan->Facts();
                f.views_used = ViewsInWindow(count, cr.quota_window_days, f.now) + views_taken - 1;
                e.object.id = meta.id;
                e.object.version = version;
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                CUSTOS_RETURN_IF_ERROR(WriteViewCount(txn, count_key, count, o.now, views_taken));
                if (loan && o.rule == policy::rules::kAllowViewLoan) {
                  CUSTOS_RETURN_IF_ERROR(MarkLoanUsed(txn, *loan, o.user.id, o.seq));
                  out.loan_id = loan->id;
                }
                out.meta = meta;
                out.viewer_id = o.user.id;
                out.viewer_name = o.user.display_name;
                out.time = o.now;
                out.audit_seq = o.seq;
                out.views_used = o.facts.views_used + 1;
                out.views_left = o.decision.views_left_after;
                out.rule = o.rule;
                out.permit = o.permit;
                out.version.record_id = meta.id;
                out.version.version = version;
                if (read_in_write) return read_texts(txn);
                return Status::Ok();
              },
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                const int used = o.facts.views_used;
                e.details["classification"] = policy::ClassificationId(level);
                e.details["views_used"] = o.allowed ? used + 1 : used - views_taken + 1;
                if (o.decision.view_quota) {
                  e.details["view_quota"] = *o.decision.view_quota;
                  e.details["views_left"] = o.decision.views_left_after.value_or(0);
                } else {
                  e.details["view_quota"] = "unlimited";
                }
                if (loan) e.details["loan"] = loan->id;
                if (!extra_versions.empty()) {
                  json::Value xs = json::Value::MakeArray();
                  for (uint32_t x : extra_versions) xs.Push(x);
                  e.details["compared_versions"] = std::move(xs);
                }
                return Status::Ok();
              })
          .status());
  // Returned only now, after the view and its event are durable; parsed
  // (and on LMDB read and opened) off the committer thread.
  if (!read_in_write) {
    CUSTOS_ASSIGN_OR_RETURN(auto read, vault_.BeginRead());
    CUSTOS_RETURN_IF_ERROR(read_texts(*read));
  }
  if (texts.size() != extra_versions.size() + 1) return Status::Internal("record version missing");
  if (options.content_as_json) {
    auto content = json::MemberText(texts[0], "content");
    if (!content.ok() || !content->starts_with('{')) {
      return Status::DataLoss("malformed record version");
    }
    out.content_json = std::string(*content);
  } else {
    CUSTOS_ASSIGN_OR_RETURN(out.version, internal::VersionFromJson(texts[0]));
  }
  if (extra_out != nullptr) {
    for (size_t i = 1; i < texts.size(); ++i) {
      CUSTOS_ASSIGN_OR_RETURN(RecordVersion rv, internal::VersionFromJson(texts[i]));
      extra_out->push_back(std::move(rv));
    }
  }
  return out;
}

Result<ViewResult> Archive::View(const Caller& caller, std::string_view record_id,
                                 std::string_view reason, const ViewOptions& options) {
  return ViewIn(caller, record_id, reason, options, {}, nullptr);
}

Result<std::vector<FieldChange>> Archive::CompareVersions(const Caller& caller,
                                                          std::string_view record_id, uint32_t a,
                                                          uint32_t b, std::string_view reason) {
  std::vector<RecordVersion> extra;
  ViewOptions options;
  options.version = b;
  CUSTOS_ASSIGN_OR_RETURN(ViewResult view, ViewIn(caller, record_id, reason, options, {a}, &extra));
  if (extra.size() != 1) return Status::Internal("compared version missing");
  return DiffVersions(extra[0], view.version);
}

// ---- view counts and log reads ----------------------------------------------------

Result<int> Archive::ViewsUsed(const ReadTxn& txn, std::string_view user_id,
                               std::string_view record_id, const policy::Policy& policy,
                               policy::Classification classification, UnixMillis now) {
  CUSTOS_ASSIGN_OR_RETURN(ViewCount count, ReadViewCount(txn, ViewCountKey(user_id, record_id)));
  return ViewsInWindow(count, policy.rules(classification).quota_window_days, now);
}

Status Archive::CountViews(WriteTxn& txn, std::string_view user_id, std::string_view record_id,
                           UnixMillis now, int views) {
  const std::string key = ViewCountKey(user_id, record_id);
  CUSTOS_ASSIGN_OR_RETURN(ViewCount count, ReadViewCount(txn, key));
  return WriteViewCount(txn, key, count, now, views);
}

Status Archive::AuthorizeLogRead(const Caller& caller, std::string_view event_action,
                                 json::Value details) {
  access::Attempt attempt;
  attempt.action = policy::Action::kReadAuditLog;
  attempt.event_action = std::string(event_action);
  attempt.object_type = "audit_log";
  return gate_
      .DecideThenWrite(
          caller, attempt,
          [&](const ReadTxn&, const User&, policy::Facts&, AuditEvent& e) -> Status {
            e.details = details;
            return Status::Ok();
          },
          nullptr)
      .status();
}

}  // namespace custos::vault
