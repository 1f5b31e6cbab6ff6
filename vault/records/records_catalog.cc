// The Archive's in-memory catalog of record metadata (built at Open, kept
// current on each commit), metadata reads, and the audited metadata search.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vault/access/gate.h"
#include "vault/records/internal/catalog.h"
#include "vault/records/internal/records_codec.h"
#include "vault/records/loans.h"
#include "vault/records/records.h"
#include "vault/store/sealed_cache.h"

namespace custos::vault {

using internal::Catalog;
using internal::OwnershipFromJson;
using internal::OwnPrefix;

// ---- Archive: plumbing ------------------------------------------------------------

Archive::Archive(Vault& vault, const AuditLog& log)
    : vault_(vault), log_(log), gate_(vault, log), catalog_(std::make_unique<Catalog>()) {}

Result<std::unique_ptr<Archive>> Archive::Open(Vault& vault, const AuditLog& log) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  CUSTOS_RETURN_IF_ERROR(EnsureLoanIndex(vault));
  std::unique_ptr<Archive> a(new Archive(vault, log));
  // Reading every record's metadata takes seconds at a million files: done
  // beside the server, not before it starts. Commits made meanwhile wait in
  // pending_ for the build to take them in.
  Archive* self = a.get();
  a->catalog_builder_ = std::thread([self] {
    Status st = self->BuildCatalog();
    std::lock_guard lock(self->built_mu_);
    self->catalog_status_ = std::move(st);
    self->catalog_built_ = true;
    self->built_cv_.notify_all();
  });
  return a;
}

Archive::~Archive() {
  if (catalog_builder_.joinable()) catalog_builder_.join();
}

Status Archive::AwaitCatalog() const {
  std::unique_lock lock(built_mu_);
  built_cv_.wait(lock, [this] { return catalog_built_; });
  return catalog_status_;
}

namespace {

// A record's metadata as tables::kRecordIndex stores it.
Result<RecordMeta> MetaFromStored(std::string_view stored) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(stored));
  return RecordMeta::FromJson(v);
}

// Record ids sort by kind ("c-", "d-") and then by 16 random hex digits:
// these bounds cut tables::kRecordIndex into four parts of about the same
// size, in id order ("": unbounded). Any key falls in one part.
constexpr std::array<std::string_view, 5> kCatalogParts = {"", "c-8", "d-", "d-8", ""};

// The catalog of the records in [from, to) of tables::kRecordIndex, as
// read in `r`.
Result<Catalog> ScanCatalogPart(const ReadTxn& r, std::string_view from, std::string_view to) {
  Catalog part;
  CUSTOS_RETURN_IF_ERROR(
      r.ScanFrom(tables::kRecordIndex, from,
                 [&](std::string_view key, std::string_view value) -> Result<bool> {
                   if (!to.empty() && key >= to) return false;
                   CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, MetaFromStored(value));
                   part.Put(m);
                   return true;
                 }));
  return part;
}

// Every record, in the order of its id. Opening and parsing each record's
// metadata is nearly all of the work, so two threads share it: the even
// parts are read in `first`, the odd ones in a snapshot of the helper's own.
// The two snapshots may differ by commits made between their starts; such
// commits also reach the catalog themselves (pending_), and the newer
// revision wins.
Result<Catalog> ScanCatalog(const Vault& vault, const ReadTxn& first) {
  constexpr size_t kParts = kCatalogParts.size() - 1;
  std::array<std::optional<Result<Catalog>>, kParts> parts;
  std::thread helper([&] {
    auto r = vault.BeginRead();
    for (size_t i = 1; i < kParts; i += 2) {
      parts[i] = r.ok() ? ScanCatalogPart(**r, kCatalogParts[i], kCatalogParts[i + 1])
                        : Result<Catalog>(r.status());
    }
  });
  for (size_t i = 0; i < kParts; i += 2)
    parts[i] = ScanCatalogPart(first, kCatalogParts[i], kCatalogParts[i + 1]);
  helper.join();
  for (auto& part : parts) CUSTOS_RETURN_IF_ERROR(part->status());
  Catalog all = std::move(**parts[0]);
  for (size_t i = 1; i < kParts; ++i) all.Append(std::move(**parts[i]));
  return all;
}

// The newest entry of the journal of changed records (0: none).
Result<uint64_t> NewestChange(const ReadTxn& r) {
  auto last = r.LastKeyWithPrefix(tables::kRecordChanges, "");
  if (last.ok()) return DecodeU64(*last);
  if (last.status().code() == StatusCode::kNotFound) return uint64_t{0};
  return last.status();
}
}  // namespace

Status Archive::BuildCatalog() {
  Status st = [&]() -> Status {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
    // On a shared vault the catalog starts from this snapshot: later changes
    // are read from the journal.
    uint64_t changes = 0;
    if (vault_.shared()) {
      CUSTOS_ASSIGN_OR_RETURN(changes, NewestChange(*r));
    }
    CUSTOS_ASSIGN_OR_RETURN(Catalog built, ScanCatalog(vault_, *r));
    std::lock_guard refresh(refresh_mu_);
    changes_seen_ = changes;
    std::unique_lock catalog(catalog_mu_);
    std::lock_guard lock(pending_mu_);
    for (const RecordMeta& m : pending_) built.Put(m);
    *catalog_ = std::move(built);
    catalog_ready_ = true;
    pending_ = {};
    return Status::Ok();
  }();
  if (!st.ok()) {
    // The catalog's readers get `st` (AwaitCatalog); commits stop queueing.
    std::lock_guard lock(pending_mu_);
    catalog_ready_ = true;
    pending_ = {};
  }
  return st;
}

void Archive::PutInCatalog(const RecordMeta& meta) const {
  bool apply = false;
  {
    std::lock_guard lock(pending_mu_);
    pending_.push_back(meta);
    apply = catalog_ready_ && pending_.size() >= kMaxPendingChanges;
  }
  if (apply) ApplyPendingChanges();
}

void Archive::ApplyPendingChanges() const {
  {
    std::lock_guard lock(pending_mu_);
    if (!catalog_ready_ || pending_.empty()) return;
  }
  // Taken out while the catalog is held, so that a reader who finds none
  // pending cannot read the catalog before another has put them in.
  std::unique_lock catalog(catalog_mu_);
  std::vector<RecordMeta> changes;
  {
    std::lock_guard lock(pending_mu_);
    changes.swap(pending_);
  }
  for (const RecordMeta& m : changes) catalog_->Put(m);
}

Status Archive::CurrentCatalog() const {
  CUSTOS_RETURN_IF_ERROR(AwaitCatalog());
  ApplyPendingChanges();
  if (!vault_.shared()) return Status::Ok();
  // Other nodes' changes since the catalog last looked, from the journal
  // (one snapshot: the ids and the metadata they name agree).
  std::lock_guard refresh(refresh_mu_);
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  std::vector<std::string> changed;
  uint64_t last = changes_seen_;
  bool behind = false;  // the entries it needs were compacted away
  CUSTOS_RETURN_IF_ERROR(
      r->ScanFrom(tables::kRecordChanges, EncodeU64(changes_seen_ + 1),
                  [&](std::string_view key, std::string_view id) -> Result<bool> {
                    const uint64_t seq = DecodeU64(key);
                    if (seq != last + 1) {
                      behind = true;
                      return false;
                    }
                    last = seq;
                    changed.emplace_back(id);
                    return true;
                  }));
  if (behind) {
    // Every record again, from this snapshot; what this node committed
    // since it began is newer and stays (records are never deleted).
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(*r));
    CUSTOS_ASSIGN_OR_RETURN(Catalog fresh, ScanCatalog(vault_, *r));
    std::unique_lock lock(catalog_mu_);
    for (const Catalog::Entry& e : catalog_->entries()) fresh.Put(catalog_->MetaOf(e));
    *catalog_ = std::move(fresh);
    changes_seen_ = newest;
    return Status::Ok();
  }
  if (changed.empty()) return Status::Ok();
  std::vector<RecordMeta> metas;
  for (const std::string& id : changed) {
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, ReadMeta(*r, id));
    metas.push_back(std::move(m));
  }
  std::unique_lock lock(catalog_mu_);
  for (const RecordMeta& m : metas) catalog_->Put(m);
  changes_seen_ = last;
  return Status::Ok();
}

Result<uint64_t> Archive::CompactRecordJournal(uint64_t keep) {
  if (!vault_.shared()) return uint64_t{0};
  // The newest entry stays: it numbers the next one.
  keep = std::max<uint64_t>(keep, 1);
  constexpr size_t kBatch = 1024;
  uint64_t deleted = 0;
  while (true) {
    size_t n = 0;
    CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
      n = 0;
      CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(txn));
      if (newest <= keep) return Status::Ok();
      const uint64_t through = newest - keep;  // entries 1..through go
      std::vector<std::string> keys;
      CUSTOS_RETURN_IF_ERROR(
          txn.ScanKeys(tables::kRecordChanges, "", [&](std::string_view key) -> Result<bool> {
            if (DecodeU64(key) > through) return false;
            keys.emplace_back(key);
            return keys.size() < kBatch;
          }));
      for (const std::string& key : keys)
        CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kRecordChanges, key));
      n = keys.size();
      return Status::Ok();
    }));
    deleted += n;
    if (n < kBatch) return deleted;
  }
}

Status Archive::CatalogOnCommit(WriteTxn& txn, const RecordMeta& meta) {
  if (vault_.shared()) {
    // In the writers' order (one writer at a time across nodes), so a
    // reader's snapshot holds a prefix of the journal.
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(txn));
    CUSTOS_RETURN_IF_ERROR(txn.Append(tables::kRecordChanges, EncodeU64(newest + 1), meta.id));
  }
  txn.OnCommit([this, meta] { PutInCatalog(meta); });
  return Status::Ok();
}

Result<std::shared_ptr<const policy::Policy>> Archive::PolicyAt(const ReadTxn& txn) const {
  return gate_.PolicyAt(txn);
}

namespace {

// Tags this file's cache of record metadata in each vault.
constexpr char kMetaCacheTag = 0;

}  // namespace

policy::RecordFacts Archive::RecordFactsFor(const RecordMeta& meta) {
  policy::RecordFacts r;
  r.id = meta.id;
  r.classification = meta.classification;
  r.owner_id = meta.owner_id;
  r.author_id = meta.author_id;
  r.custodian_id = meta.custodian_id;
  return r;
}

Result<RecordMeta> Archive::ReadMeta(const ReadTxn& txn, std::string_view record_id) {
  return SealedCacheOf<RecordMeta>(txn.vault(), &kMetaCacheTag)
      .Get(txn, tables::kRecordIndex, record_id, [&]() -> Result<RecordMeta> {
        auto raw = txn.Get(tables::kRecordIndex, record_id);
        if (!raw.ok()) {
          if (raw.status().code() == StatusCode::kNotFound)
            return Status::NotFound("no such record");
          return raw.status();
        }
        return MetaFromStored(*raw);
      });
}

// ---- search -----------------------------------------------------------------------

namespace {

// Whose metadata a searcher sees: records up to internal, records they own,
// wrote or keep, records of a classification one of their roles may view,
// and everything for the roles whose duties are about records rather than
// content (custodian, approver, auditor, litigation).
bool MaySeeMeta(const policy::Policy& policy, const User& user, const RecordMeta& m) {
  if (m.classification <= policy::Classification::kInternal) return true;
  if (m.owner_id == user.id || m.author_id == user.id || m.custodian_id == user.id) return true;
  const policy::ClassificationRules& cr = policy.rules(m.classification);
  for (policy::Role r : user.roles) {
    switch (r) {
      case policy::Role::kCustodian:
      case policy::Role::kApprover:
      case policy::Role::kAuditor:
      case policy::Role::kLitigation:
        return true;
      default:
        if (cr.view_roles.test(static_cast<size_t>(r))) return true;
    }
  }
  return false;
}

}  // namespace

Result<SearchResult> Archive::Search(const Caller& caller, const SearchQuery& query) {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  access::Attempt attempt;
  attempt.action = policy::Action::kSearchMetadata;
  attempt.event_action = "record.search";
  attempt.object_type = "records";
  // `prepare` reads nothing; `finish` only the result computed above.
  attempt.decide_on_snapshot = true;
  // The catalog is searched outside any transaction, on the decision read
  // first (advisory); the search is then decided again and recorded.
  access::Outcome peek;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(peek, gate_.Peek(*r, caller, attempt));
  }
  const User& user = peek.user;
  const std::shared_ptr<const policy::Policy>& policy = peek.policy;
  SearchResult result;
  if (peek.allowed) {
    // Sight by classification is the same for every record of a level; only
    // the owner/author/custodian exception is per record.
    std::array<bool, policy::kClassificationCount> level_visible{};
    for (policy::Classification c : policy::kAllClassifications) {
      RecordMeta probe;
      probe.classification = c;
      level_visible[static_cast<size_t>(c)] = MaySeeMeta(*policy, user, probe);
    }
    std::vector<std::string> page;  // the ids of the page's records
    {
      std::shared_lock lock(catalog_mu_);
      const Catalog& catalog = *catalog_;
      constexpr uint32_t kNone = Catalog::kNone;
      const uint32_t me = catalog.Lookup(user.id);
      const uint32_t owner = query.owner_id.empty() ? kNone : catalog.Lookup(query.owner_id);
      const uint32_t tag = query.tag.empty() ? kNone : catalog.Lookup(query.tag);
      const uint32_t status = query.status.empty() ? kNone : catalog.Lookup(query.status);
      const bool no_match = (!query.owner_id.empty() && owner == kNone) ||
                            (!query.tag.empty() && tag == kNone) ||
                            (!query.status.empty() && status == kNone);
      std::vector<bool> text_hits;  // interned strings containing the text
      if (!query.text.empty()) {
        text_hits.resize(catalog.strings());
        for (size_t i = 0; i < catalog.strings(); ++i)
          text_hits[i] =
              catalog.String(static_cast<uint32_t>(i)).find(query.text) != std::string::npos;
      }
      // The entries are scanned in two halves at once (a search of a
      // million files is all CPU); each half keeps its first offset + limit
      // matches, and the first half's come first, so the page is the one a
      // single scan in catalog order would give.
      struct Part {
        size_t total = 0;
        std::vector<const Catalog::Entry*> first;
      };
      const size_t want = query.offset + std::min(query.limit, SIZE_MAX - query.offset);
      const std::vector<Catalog::Entry>& entries = catalog.entries();
      const auto scan = [&](size_t from, size_t to, Part* part) {
        for (size_t i = from; i < to; ++i) {
          const Catalog::Entry& e = entries[i];
          if (query.classification && e.classification != *query.classification) continue;
          if (query.kind && e.kind != *query.kind) continue;
          if (owner != kNone && e.owner != owner) continue;
          if (status != kNone && e.status != status) continue;
          if (tag != kNone && std::find(e.tags.begin(), e.tags.end(), tag) == e.tags.end())
            continue;
          if (!query.text.empty() && e.name.find(query.text) == std::string::npos &&
              std::none_of(e.tags.begin(), e.tags.end(), [&](uint32_t t) { return text_hits[t]; }))
            continue;
          if (!level_visible[static_cast<size_t>(e.classification)] &&
              (me == kNone || (e.owner != me && e.author != me && e.custodian != me)))
            continue;
          if (part->first.size() < want) part->first.push_back(&e);
          ++part->total;
        }
      };
      if (!no_match) {
        Part parts[2];
        const size_t half = entries.size() / 2;
        // The helper reads the entries under this thread's shared lock,
        // held until it is joined.
        auto second = std::async(std::launch::async, scan, half, entries.size(), &parts[1]);
        scan(0, half, &parts[0]);
        second.get();
        size_t match = 0;  // the index of a kept match among all, in catalog order
        for (const Part& part : parts) {
          for (const Catalog::Entry* e : part.first) {
            if (match >= query.offset && page.size() < query.limit) page.push_back(*e->id);
            ++match;
          }
        }
        result.total = parts[0].total + parts[1].total;
      }
    }
    // The page's metadata, from the store (the catalog holds only what a
    // search filters on).
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
    result.records.reserve(page.size());
    for (const std::string& id : page) {
      CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, ReadMeta(*r, id));
      // SECURITY: raised above the searcher's sight since the scan.
      if (!MaySeeMeta(*policy, user, m)) continue;
      result.records.push_back(std::move(m));
    }
  }
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn&, const User&, policy::Facts&, AuditEvent& e) -> Status {
                e.details["text"] = query.text;
                if (query.classification)
                  e.details["classification"] = policy::ClassificationId(*query.classification);
                if (!query.owner_id.empty()) e.details["owner"] = query.owner_id;
                if (!query.tag.empty()) e.details["tag"] = query.tag;
                if (!query.status.empty()) e.details["status"] = query.status;
                return Status::Ok();
              },
              nullptr,
              [&](const ReadTxn&, const access::Outcome& decided, AuditEvent& e) -> Status {
                e.details["results"] = static_cast<uint64_t>(decided.allowed ? result.total : 0);
                return Status::Ok();
              })
          .status());
  if (!peek.allowed) return Status::Aborted("the decision changed; try again");
  return result;
}

// ---- unaudited metadata reads -------------------------------------------------------

Result<RecordMeta> Archive::GetMeta(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  return ReadMeta(*r, record_id);
}

Result<std::vector<RecordVersion>> Archive::VersionHistory(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(*r, record_id));
  std::vector<RecordVersion> out;
  for (uint32_t v = 1; v <= meta.latest_version; ++v) {
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion rv, ReadRecordVersion(*r, record_id, v));
    rv.content = RecordContent();
    out.push_back(std::move(rv));
  }
  return out;
}

Result<std::vector<OwnershipChange>> Archive::OwnershipHistory(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  return ReadOwnershipHistory(*r, record_id);
}

Result<std::vector<OwnershipChange>> ReadOwnershipHistory(const ReadTxn& txn,
                                                          std::string_view record_id) {
  std::vector<OwnershipChange> out;
  CUSTOS_RETURN_IF_ERROR(txn.Scan(tables::kIndex, OwnPrefix(record_id),
                                  [&](std::string_view, std::string_view value) -> Result<bool> {
                                    CUSTOS_ASSIGN_OR_RETURN(OwnershipChange c,
                                                            OwnershipFromJson(value));
                                    out.push_back(std::move(c));
                                    return true;
                                  }));
  if (out.empty()) return Status::NotFound("no such record");
  return out;
}

Result<std::vector<std::string>> Archive::RecordsOwnedBy(std::string_view user_id) const {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  std::vector<std::string> out;
  {
    std::shared_lock lock(catalog_mu_);
    const uint32_t owner = catalog_->Lookup(user_id);
    if (owner == Catalog::kNone) return out;
    for (const Catalog::Entry& e : catalog_->entries())
      if (e.owner == owner) out.push_back(*e.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::optional<RecordSummary>>> Archive::Summaries(
    std::span<const std::string> ids) const {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  std::vector<std::optional<RecordSummary>> out(ids.size());
  std::shared_lock lock(catalog_mu_);
  for (size_t i = 0; i < ids.size(); ++i) {
    const Catalog::Entry* e = catalog_->Find(ids[i]);
    if (e == nullptr) continue;
    out[i] = RecordSummary{*e->id, e->name, e->kind, e->classification, catalog_->String(e->owner)};
  }
  return out;
}

Result<std::map<std::string, std::vector<std::string>, std::less<>>> Archive::RecordsOwnedByEach(
    std::span<const std::string> user_ids) const {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  std::map<std::string, std::vector<std::string>, std::less<>> out;
  {
    std::shared_lock lock(catalog_mu_);
    std::map<uint32_t, std::vector<std::string>*> wanted;  // interned owner → its list
    for (const std::string& id : user_ids) {
      const uint32_t n = catalog_->Lookup(id);
      if (n != Catalog::kNone) wanted.emplace(n, nullptr);
    }
    for (const Catalog::Entry& e : catalog_->entries()) {
      auto it = wanted.find(e.owner);
      if (it == wanted.end()) continue;
      if (it->second == nullptr) it->second = &out[catalog_->String(e.owner)];
      it->second->push_back(*e.id);
    }
  }
  for (auto& [owner, ids] : out) std::sort(ids.begin(), ids.end());
  return out;
}

size_t Archive::CatalogSize() const {
  if (!CurrentCatalog().ok()) return 0;
  std::shared_lock lock(catalog_mu_);
  return catalog_->size();
}

}  // namespace custos::vault
