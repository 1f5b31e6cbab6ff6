// Classified records: customer files (客户档案) and general trade-secret
// documents, kept as immutable versions with their ownership history, and
// the Archive through which every protected access to them goes.
//
// A record is split in two so that finding a record never opens its content:
//  - RecordMeta (name, kind, classification, owner, author, custodian, tags,
//    status, paper location, declassification date) in tables::kRecordIndex
//    under the record id, readable for search;
//  - versions (tables::kRecords, versions.h): each holds the author, time
//    and reason of the change, a snapshot of the metadata and the full
//    RecordContent. Versions are never changed.
// Ownership history: tables::kIndex "own/" + id + \0 + EncodeU32(n).
//
// Every operation takes a Caller, gathers the policy facts from the store,
// is decided through the access gate (vault/access/gate.h), and writes its
// change together with its audit event in one Vault::Write function (fail
// closed). A denial writes only the
// event and is returned as kPermissionDenied (kResourceExhausted for the
// view quota) with the message "rule: message".
//
// Ids: customer files "c-" + 16 hex digits, documents "d-" + 16 hex digits.
//
// Sources: records.cc (creating, changing and viewing records, view counts),
// records_types.cc (value types, their JSON, the version diff),
// records_catalog.cc (the catalog, metadata reads and search).
//
// Thread-safety: an Archive is shared by all threads of the process; its
// metadata catalog (the in-memory search index) is built in the background
// from the store when the Archive opens (so a large vault starts serving at
// once: everything but the catalog's readers — search, RecordsOwnedBy,
// DeclassifyDue, CatalogSize, Summaries — works meanwhile, and those wait
// for it). Each commit that changes a record's metadata notes it in the
// journal of changes (tables::kRecordChanges), which the catalog's next
// reader takes in; the catalog is saved in the store (tables::kCatalog)
// with the journal entry it reflects, so that the next open reads it and
// the changes since instead of every record.
#ifndef CUSTOS_VAULT_RECORDS_RECORDS_H_
#define CUSTOS_VAULT_RECORDS_RECORDS_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/policy.h"
#include "policy/types.h"
#include "vault/access/gate.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/store/paper_location.h"
#include "vault/store/vault.h"

namespace custos::vault {

namespace internal {
class Catalog;  // internal/catalog.h
}  // namespace internal

enum class RecordKind { kCustomer, kDocument };
std::string_view RecordKindId(RecordKind k);  // "customer", "document"
Result<RecordKind> ParseRecordKind(std::string_view id);

struct Contact {
  std::string name;
  std::string title;
  std::string phone;
  std::string email;
  std::string wechat;
  friend bool operator==(const Contact&, const Contact&) = default;
};

struct KeyDate {
  std::string date;  // YYYY-MM-DD
  std::string label;
  friend bool operator==(const KeyDate&, const KeyDate&) = default;
};

// The classified part of a record. Customer files use every field; general
// documents use `notes` as their body.
struct RecordContent {
  std::string registration_number;  // 统一社会信用代码
  std::string address;
  std::vector<Contact> contacts;
  std::string business_status;  // 经营状态
  std::string trading_habits;
  std::string order_volumes;
  std::string order_cycle;
  std::string price_tolerance;
  std::string agreed_prices;
  std::string intentions;
  std::string preferences;
  std::string character_notes;
  std::vector<KeyDate> key_dates;
  std::string notes;  // free notes; a document's body

  json::Value ToJson() const;
  // Reads a stored content object; what it does not know is passed over.
  static Result<RecordContent> FromJson(const json::Value& v);
  // Reads content as a client sent it, refusing what FromJson would pass
  // over and so lose without a word: a field it does not know (say "note"
  // for "notes"), contacts or key dates that are not arrays of objects, and
  // fields of those objects it does not know. The message names the field.
  static Result<RecordContent> FromInput(const json::Value& v);
  friend bool operator==(const RecordContent&, const RecordContent&) = default;
};

// What anyone allowed to search may see.
struct RecordMeta {
  std::string id;
  RecordKind kind = RecordKind::kCustomer;
  std::string name;  // customer name or document title
  policy::Classification classification = policy::Classification::kTopSecret;
  std::string declassify_on;  // YYYY-MM-DD or ""
  std::string owner_id;
  std::string author_id;
  std::string custodian_id;
  std::vector<std::string> tags;
  std::string status = "active";  // free label, e.g. "active", "dormant", "archived"
  // The sales territory or team the customer belongs to (e.g. "华东区"), or
  // "": the people who cover it (User::territories) have it in their
  // assignment (vault/people/handover.h, OutsideAssignment).
  std::string territory;
  PaperLocation paper;
  uint32_t latest_version = 0;
  UnixMillis created = 0;
  UnixMillis updated = 0;
  uint64_t revision = 0;  // bumps on every metadata change

  json::Value ToJson() const;
  static Result<RecordMeta> FromJson(const json::Value& v);
};

// One immutable version.
struct RecordVersion {
  std::string record_id;
  uint32_t version = 0;
  std::string author_id;  // who wrote this version
  UnixMillis time = 0;
  std::string reason;
  // Metadata as of this version (name, classification, owner, tags, ...).
  RecordMeta meta;
  RecordContent content;
  // Set by VersionHistory for a version its reader may not see (marked above
  // their sight, written before the marking was lowered): only `version`,
  // `author_id`, `time` and `meta.classification` are filled in.
  bool withheld = false;
};

// One field that differs between two versions; paths like "content.address",
// "content.contacts[0].phone", "meta.classification".
struct FieldChange {
  std::string field;
  std::string before;  // JSON text of the old value ("" when absent)
  std::string after;
};

// Field-by-field comparison of two versions' metadata and content (not of
// author/time/reason). Pure.
std::vector<FieldChange> DiffVersions(const RecordVersion& a, const RecordVersion& b);

struct OwnershipChange {
  uint32_t index = 0;  // 1 = the first assignment (at creation)
  std::string from;    // "" at creation
  std::string to;
  std::string by;
  UnixMillis at = 0;
  std::string reason;
  uint64_t audit_seq = 0;
  // Set by Archive::OwnershipHistory for a change made while the record was
  // marked above its reader's sight: `reason` is left empty.
  bool withheld = false;
};

// A new record, as the caller describes it.
struct NewRecord {
  RecordKind kind = RecordKind::kCustomer;
  std::string name;
  policy::Classification classification = policy::Classification::kInternal;
  std::string declassify_on;
  std::string owner_id;  // "" = the caller
  std::string custodian_id;
  std::vector<std::string> tags;
  std::string status = "active";
  std::string territory;
  PaperLocation paper;
  RecordContent content;
};

// A new version: the full new metadata fields and content. Owner changes go
// through ReassignOwner, not here.
struct RecordUpdate {
  std::string name;
  policy::Classification classification = policy::Classification::kInternal;
  std::string declassify_on;
  std::string custodian_id;
  std::vector<std::string> tags;
  std::string status = "active";
  std::string territory;
  PaperLocation paper;
  RecordContent content;
};

// Whether a record's text may be stored; kInvalidArgument naming the field
// otherwise. Every field must be UTF-8 without control characters: the
// one-line fields (name, tags, status, territory, paper location,
// registration number, contacts, key dates) none at all, the longer content
// fields (address, notes, ...) tab and line breaks only. No field may hold a
// bidirectional override, embedding or isolate (U+202A–U+202E,
// U+2066–U+2069), which make text display in another order than it is
// stored: a name or price read in a list, a print or an evidence bundle must
// be what the vault holds (base/text.h, which the CSV import also uses per
// column). A tag may not be blank, and a file has at most kMaxTags. Its
// content, as stored, is at most kMaxContentBytes: the browser sends a file
// back whole when it is edited, in a request of at most 1 MiB (docs/web.md),
// and a longer document belongs in an attachment. Create, update and the CSV
// import check it before any decision is made.
inline constexpr size_t kMaxTags = 32;
inline constexpr size_t kMaxContentBytes = 256 * 1024;
Status CheckRecordText(const NewRecord& record);
// For an update, `before` (the file as it stands) spares the fields it
// already holds: they were accepted when written (a rule added since, such
// as the zero-width characters or the size, judges only what changes).
Status CheckRecordText(const RecordUpdate& update, const RecordVersion* before = nullptr);
// The size rule alone, for a content as RecordContent::ToJson gives it.
Status CheckContentSize(const json::Value& content);
// Whether `key` names one of the longer content fields (address, notes, ...),
// whose text may hold tab and line breaks.
bool IsLongContentField(std::string_view key);

// What a view returns: content plus what the UI needs for the watermark.
struct ViewResult {
  RecordMeta meta;
  RecordVersion version;
  std::string viewer_id;
  std::string viewer_name;
  UnixMillis time = 0;
  uint64_t audit_seq = 0;
  int views_used = 0;                    // including this one
  std::optional<int> views_left;         // nullopt = unlimited
  std::string rule;                      // the allowing rule
  std::string loan_id;                   // the loan used, if any
  std::optional<policy::Permit> permit;  // for attachment reads in this view
  // With ViewOptions::content_as_json: the version's content object exactly
  // as stored (canonical JSON, the same text RecordContent::ToJson serializes
  // to); version.content is then left empty.
  std::string content_json;
};

struct ViewOptions {
  uint32_t version = 0;  // 0 = latest
  std::string loan_id;   // "" = pick the caller's usable loan, if any
  // Return the content as its stored JSON text (ViewResult::content_json)
  // instead of parsed (version.content): for callers that pass it on as JSON
  // and need not pay for parsing 4 KiB per view.
  bool content_as_json = false;
};

struct SearchQuery {
  // Words separated by spaces (ASCII or U+3000), each a substring of the name
  // or of a tag (UTF-8, case-sensitive); no word = all.
  std::string text;
  std::optional<policy::Classification> classification;
  std::string owner_id;
  std::string tag;     // exact tag
  std::string status;  // exact status
  std::optional<RecordKind> kind;
  size_t limit = 100;
  size_t offset = 0;
};

// What the catalog holds of a record that names it in a list.
struct RecordSummary {
  std::string id;
  std::string name;
  RecordKind kind = RecordKind::kCustomer;
  policy::Classification classification = policy::Classification::kTopSecret;
  std::string owner_id;
};

struct SearchResult {
  std::vector<RecordMeta> records;
  size_t total = 0;  // matches before offset/limit
};

// The attempt `action` on the existing record `record_id`, audited as
// `event_action` with the caller's `reason`: what every record-scoped step
// (records, uses, handovers, the customer's side) hands to the access gate.
access::Attempt RecordAttempt(policy::Action action, std::string event_action,
                              std::string_view record_id, std::string_view reason);

struct ArchiveOptions {
  // The catalog is saved in the store (Archive::SaveCatalogIfStale) from
  // this many records: a smaller vault reads its records at open in less
  // time than a saved catalog would save.
  size_t save_catalog_from = 10000;
};

// How the catalog was last built (Archive::LastCatalogLoad): from the saved
// catalog and `changes` entries of the journal since, or (saved = false)
// by reading every record.
struct CatalogLoad {
  bool saved = false;
  uint64_t changes = 0;
};

class Archive {
 public:
  // Installs the default policy if none is in force and starts building the
  // metadata catalog on a thread of its own (AwaitCatalog): from the
  // catalog saved in the store and the changes since, or from every record
  // (then it is saved, from options.save_catalog_from records). `vault` and
  // `log` must outlive the Archive.
  static Result<std::unique_ptr<Archive>> Open(Vault& vault, const AuditLog& log,
                                               const ArchiveOptions& options = {});
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;
  // Waits for the catalog build to finish.
  ~Archive();

  // Waits until the catalog is built; its error if the build failed (the
  // store could not be read: every reader of the catalog then fails with
  // it, rather than answer from a partial catalog).
  Status AwaitCatalog() const;
  // Whether the catalog's build is done (AwaitCatalog would not wait).
  bool CatalogBuilt() const;
  // How the catalog was built (after AwaitCatalog).
  CatalogLoad LastCatalogLoad() const;

  // Saves the catalog in the store (tables::kCatalog, sealed like every
  // value), with the journal entry it reflects, so that the next open reads
  // it and the changes since instead of every record. Written in parts of
  // a few MiB per transaction; the last one puts the new head in and
  // deletes the older catalog (and, on an unshared vault, the journal
  // entries it covers).
  Status SaveCatalog();
  // SaveCatalog when none is saved (or the saved head is damaged) and the
  // catalog holds at least save_catalog_from records, or when the saved
  // one is behind by more than a sixteenth of the catalog (at least a
  // quarter of save_catalog_from changes). True when it saved. Otherwise,
  // on an unshared vault, deletes the journal's entries no start needs
  // (those the saved catalog covers; with none saved, all but the
  // newest). `custos serve` runs it on its timer.
  Result<bool> SaveCatalogIfStale();

  Vault& vault() const { return vault_; }
  // The access path (vault/access/gate.h) every protected operation takes.
  const access::AccessGate& gate() const { return gate_; }
  const AuditLog& audit_log() const { return log_; }

  // ---- records ---------------------------------------------------------------
  // create_record. Writes version 1 and the first ownership entry.
  // kInvalidArgument for an empty name or unknown owner/custodian.
  Result<RecordMeta> CreateRecord(const Caller& caller, const NewRecord& record,
                                  std::string_view reason);
  // Creates many records in one transaction, all or nothing: every record is
  // authorized first; if any is denied, only the denial's audit event is
  // written and its status returned (message prefixed "record N: ", N from
  // 1). Otherwise each record gets its own audit event and version 1.
  Result<std::vector<RecordMeta>> CreateRecords(const Caller& caller,
                                                const std::vector<NewRecord>& records,
                                                std::string_view reason);
  // update_record (owner only, per policy): appends a version.
  Result<RecordMeta> UpdateRecord(const Caller& caller, std::string_view record_id,
                                  const RecordUpdate& update, std::string_view reason);
  // lower_classification: a new version with the same content and a lower
  // marking and/or an earlier (or new) declassification date, decided for an
  // approver who is neither owner nor author (never under a legal hold) and
  // audited as "record.reclassify" with the old and new levels. The owner's
  // UpdateRecord refuses to lower (rule record.lowering_needs_approver).
  // A top-secret record needs two distinct approvers: the first call
  // records its approval and leaves the marking as it is
  // (*pending_second_approval = true, when given); a second approver's call
  // with the same marking and date lowers it.
  Result<RecordMeta> LowerClassification(const Caller& caller, std::string_view record_id,
                                         policy::Classification classification,
                                         std::string_view declassify_on, std::string_view reason,
                                         bool* pending_second_approval = nullptr);

  // reassign_owner: new owner with who/when/why in the ownership history.
  // A record under legal hold (legal_hold.h) needs two distinct approvers:
  // the first call records its approval and leaves the owner as it is
  // (*pending_second_approval = true, when given); a second approver's call
  // with the same new owner moves it.
  Result<RecordMeta> ReassignOwner(const Caller& caller, std::string_view record_id,
                                   std::string_view new_owner_id, std::string_view reason,
                                   bool* pending_second_approval = nullptr);

  // The system's declassification (解密): every record whose declassify_on
  // date is on or before `today` (the company's date, as for departures) and that is above
  // public becomes public (公开) in a new version with the same content,
  // no author and the reason naming the date; the date is cleared. One
  // audited event "record.declassify" per record (rule
  // "record.declassify_on", details {from, declassify_on, today}), in the
  // same transaction. Returns the records changed. `custos serve` runs it on
  // its timer.
  Result<std::vector<RecordMeta>> DeclassifyDue(CivilDate today);

  // A shared vault: deletes all but the newest `keep` entries of the
  // journal of changed records (tables::kRecordChanges), which would
  // otherwise grow by one per change forever. A node whose catalog is
  // further behind than that rebuilds it from the store at its next
  // search. Returns the entries deleted (0 on an unshared vault). `custos
  // serve` runs it on the leading node.
  Result<uint64_t> CompactRecordJournal(uint64_t keep);

  // view_content: authorizes (grant/owner rule, quota, reason), counts the
  // view, writes the audit event and returns the content — all in one
  // transaction. Quota exhausted: denial event + alert, kResourceExhausted.
  Result<ViewResult> View(const Caller& caller, std::string_view record_id, std::string_view reason,
                          const ViewOptions& options = {});
  // A view (counted and audited like View) of two versions, compared.
  Result<std::vector<FieldChange>> CompareVersions(const Caller& caller, std::string_view record_id,
                                                   uint32_t a, uint32_t b, std::string_view reason);

  // search_metadata over the in-memory catalog; audited (one event per
  // search). Records above the caller's sight are left out (see .cc).
  Result<SearchResult> Search(const Caller& caller, const SearchQuery& query);

  // A read of the audit log by `caller` (the API's event pages, proofs and
  // alerts; `custos audit export`): decided by read_audit_log under the
  // policy in force and recorded as `event_action` ("audit.read",
  // "audit.export") with `details`, durable before the caller reads. OK when
  // allowed; the refusal otherwise (its event recorded too).
  Status AuthorizeLogRead(const Caller& caller, std::string_view event_action, json::Value details);

  // The company's date at `t` by the policy in force (its <calendar>,
  // Policy::LocalDate): the "today" of the departure sweep, the
  // declassification timer, the non-compete dashboard and typed dates.
  Result<CivilDate> CompanyDate(UnixMillis t) const;

  // ---- unaudited metadata reads (for callers that already hold a decision) -
  Result<RecordMeta> GetMeta(std::string_view record_id) const;
  // Version headers (content left empty) — author, time, reason, metadata —
  // as `caller` may see them. SECURITY: a version is seen at the higher of
  // its own marking and the record's current one (as ViewIn judges it), so
  // lowering a record does not show the names and reasons of the versions
  // written while it was marked higher to readers cleared only for the new
  // marking; those versions come back `withheld`.
  Result<std::vector<RecordVersion>> VersionHistory(const Caller& caller,
                                                    std::string_view record_id) const;
  // The record's owners, as `caller` may see them: the reason of a change
  // made while the record was marked above the caller's sight (before it was
  // lowered) is withheld, as the versions of that time are (VersionHistory).
  Result<std::vector<OwnershipChange>> OwnershipHistory(const Caller& caller,
                                                        std::string_view record_id) const;
  // Ids of records owned by `user_id` (from the catalog; waits for it).
  Result<std::vector<std::string>> RecordsOwnedBy(std::string_view user_id) const;
  // The places in `ids` of its records in name order: by name in pinyin
  // order, then by id (the order of Search; docs/records.md), from the
  // catalog (waits for it); ids it does not hold go last, by id, and
  // `held`, when given, says how many come before them. Reads nothing from
  // the store.
  Result<std::vector<size_t>> NameOrder(std::span<const std::string> ids,
                                        size_t* held = nullptr) const;
  // The summary of each of `ids` from the catalog (waits for it), in their
  // order; nullopt for an id it does not hold. Unaudited, like GetMeta: for
  // callers that already hold a decision. Reads no record from the store,
  // so a list of a person's 100 000 files opens none of them.
  Result<std::vector<std::optional<RecordSummary>>> Summaries(
      std::span<const std::string> ids) const;
  // The same for several owners in one pass over the catalog: each of
  // `user_ids` with the ids of the records it owns (absent: none).
  Result<std::map<std::string, std::vector<std::string>, std::less<>>> RecordsOwnedByEach(
      std::span<const std::string> user_ids) const;
  // Records in the catalog (waits for it; 0 when its build failed).
  size_t CatalogSize() const;

  // ---- building blocks for loans, attachments, imports (same module) -------
  // The policy in force, as read in `txn` (cached by digest).
  Result<std::shared_ptr<const policy::Policy>> PolicyAt(const ReadTxn& txn) const;
  static policy::RecordFacts RecordFactsFor(const RecordMeta& meta);
  static Result<RecordMeta> ReadMeta(const ReadTxn& txn, std::string_view record_id);
  // The views of `record` by `user_id` within the quota window of
  // `classification` (the policy fact views_used), and the counting of
  // `views` more (a view, each version a comparison shows, a copy, print or
  // export), in the transaction of the access's event.
  static Result<int> ViewsUsed(const ReadTxn& txn, std::string_view user_id,
                               std::string_view record_id, const policy::Policy& policy,
                               policy::Classification classification, UnixMillis now);
  static Status CountViews(WriteTxn& txn, std::string_view user_id, std::string_view record_id,
                           UnixMillis now, int views);
  // Creates a record inside `txn` (authorization already done by the caller
  // with `permit`). Registers the catalog update on commit.
  Result<RecordMeta> CreateRecordIn(WriteTxn& txn, const policy::Permit& permit,
                                    const NewRecord& record, std::string_view reason,
                                    uint64_t audit_seq);
  // Notes in `txn` that `meta` changed, in the journal of changed records
  // (tables::kRecordChanges) that the catalog's readers bring it up to date
  // from. Every write of a record's metadata must.
  Status CatalogOnCommit(WriteTxn& txn, const RecordMeta& meta);
  // AwaitCatalog, then the changes since the catalog last looked (this
  // process's commits and, on a shared vault, other nodes') brought in from
  // the journal.
  Status CurrentCatalog() const;
  // Stores the next version of `*meta` (already changed by the caller) with
  // `content`: bumps the version and revision, appends the immutable
  // version, writes the metadata and updates the catalog on commit.
  Status WriteNextVersion(WriteTxn& txn, RecordMeta* meta, std::string_view author_id,
                          UnixMillis now, std::string_view reason, const RecordContent& content);
  // Moves `meta`'s ownership to `new_owner_id` inside `txn`: appends the
  // ownership history entry (from, to, by = the permit's actor, at, reason,
  // audit_seq) and stores the updated metadata. Authorization (a permit for
  // kReassignOwner or kConfirmHandover on this record) and the audit event
  // (`audit_seq`) are the caller's. Returns the updated metadata.
  Result<RecordMeta> ReassignOwnerIn(WriteTxn& txn, const policy::Permit& permit, RecordMeta meta,
                                     std::string_view new_owner_id, std::string_view reason,
                                     uint64_t audit_seq);

 private:
  Archive(Vault& vault, const AuditLog& log, const ArchiveOptions& options);
  Status BuildCatalog();
  // The catalog as of `r`: the saved one and the journal's changes since,
  // or every record read. *through: the journal entry it reflects.
  Result<internal::Catalog> LoadCatalog(const ReadTxn& r, uint64_t* through,
                                        CatalogLoad* load) const;
  // The metadata of the records the journal names after *through, as read
  // in `r`; *through becomes the last entry. *behind (and nothing read)
  // when those entries were deleted.
  static Result<std::vector<RecordMeta>> ChangesSince(const ReadTxn& r, uint64_t* through,
                                                      bool* behind);
  // SaveCatalog, with save_mu_ held.
  Status SaveCatalogLocked();
  // Deletes the journal's entries up to `through`, but never the newest.
  Result<uint64_t> DeleteChanges(uint64_t through);
  Result<ViewResult> ViewIn(const Caller& caller, std::string_view record_id,
                            std::string_view reason, const ViewOptions& options,
                            std::vector<uint32_t> extra_versions,
                            std::vector<RecordVersion>* extra_out);

  Vault& vault_;
  const AuditLog& log_;
  access::AccessGate gate_;

  const ArchiveOptions options_;

  // The background build (Open, AwaitCatalog): `catalog_built_` and
  // `catalog_status_` are guarded by `built_mu_`.
  std::thread catalog_builder_;
  mutable std::mutex built_mu_;
  mutable std::condition_variable built_cv_;
  bool catalog_built_ = false;
  Status catalog_status_;

  // The last entry of tables::kRecordChanges the catalog reflects, and how
  // it was built. Guarded by refresh_mu_, taken before catalog_mu_.
  mutable std::mutex refresh_mu_;
  mutable uint64_t changes_seen_ = 0;
  mutable CatalogLoad last_load_;
  // One SaveCatalog at a time.
  std::mutex save_mu_;

  // A cache of the store (kept current from the journal by its readers,
  // CurrentCatalog): mutable.
  mutable std::shared_mutex catalog_mu_;
  std::unique_ptr<internal::Catalog> catalog_;  // never null
};

// The ownership history of a record (unaudited; for holders of a
// decision). kNotFound for an unknown record.
Result<std::vector<OwnershipChange>> ReadOwnershipHistory(const ReadTxn& txn,
                                                          std::string_view record_id);

// Reads a version of a record (unaudited; for holders of a Permit).
Result<RecordVersion> ReadRecordVersion(const ReadTxn& txn, std::string_view record_id,
                                        uint32_t version);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_RECORDS_RECORDS_H_
