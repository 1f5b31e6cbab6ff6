// The Archive's in-memory catalog of record metadata (built at Open, kept
// current on each commit), metadata reads, and the audited metadata search.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vault/access/gate.h"
#include "vault/records/internal/records_codec.h"
#include "vault/records/loans.h"
#include "vault/records/records.h"
#include "vault/store/sealed_cache.h"

namespace custos::vault {

using internal::OwnershipFromJson;
using internal::OwnPrefix;

// ---- Archive: plumbing ------------------------------------------------------------

Result<std::unique_ptr<Archive>> Archive::Open(Vault& vault, const AuditLog& log) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  CUSTOS_RETURN_IF_ERROR(EnsureLoanIndex(vault));
  std::unique_ptr<Archive> a(new Archive(vault, log));
  // Decrypting every record's metadata takes about a second per 100 000
  // files: done beside the server, not before it starts. Commits made
  // meanwhile enter the catalog as usual (PutInCatalogLocked keeps the
  // newer revision, whichever arrives first).
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
// Every record's metadata in `r`'s snapshot, by id.
Result<std::map<std::string, RecordMeta, std::less<>>> AllMetadata(const ReadTxn& r) {
  std::map<std::string, RecordMeta, std::less<>> all;
  CUSTOS_RETURN_IF_ERROR(r.Scan(tables::kRecordIndex, "",
                                [&](std::string_view, std::string_view value) -> Result<bool> {
                                  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
                                  CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, RecordMeta::FromJson(v));
                                  all.emplace(m.id, std::move(m));
                                  return true;
                                }));
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
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  // On a shared vault the catalog starts from this snapshot: later changes
  // are read from the journal.
  uint64_t changes = 0;
  if (vault_.shared()) {
    CUSTOS_ASSIGN_OR_RETURN(changes, NewestChange(*r));
  }
  CUSTOS_ASSIGN_OR_RETURN(auto built, AllMetadata(*r));
  std::lock_guard refresh(refresh_mu_);
  changes_seen_ = changes;
  std::unique_lock lock(catalog_mu_);
  entries_.reserve(built.size());
  for (auto& [id, m] : built) PutInCatalogLocked(std::move(m));
  return Status::Ok();
}

Status Archive::CurrentCatalog() const {
  CUSTOS_RETURN_IF_ERROR(AwaitCatalog());
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
    // Every record again, from this snapshot (older revisions than the
    // catalog's are ignored by PutInCatalogLocked; records are never
    // deleted).
    CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(*r));
    CUSTOS_ASSIGN_OR_RETURN(auto all, AllMetadata(*r));
    std::unique_lock lock(catalog_mu_);
    for (auto& [id, m] : all) PutInCatalogLocked(std::move(m));
    changes_seen_ = newest;
    return Status::Ok();
  }
  if (changed.empty()) return Status::Ok();
  std::vector<RecordMeta> metas;
  for (const std::string& id : changed) {
    CUSTOS_ASSIGN_OR_RETURN(std::string value, r->Get(tables::kRecordIndex, id));
    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, RecordMeta::FromJson(v));
    metas.push_back(std::move(m));
  }
  std::unique_lock lock(catalog_mu_);
  for (RecordMeta& m : metas) PutInCatalogLocked(std::move(m));
  changes_seen_ = last;
  return Status::Ok();
}

uint32_t Archive::InternLocked(const std::string& s) const {
  auto it = intern_.find(s);
  if (it != intern_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(strings_.size());
  strings_.push_back(s);
  intern_.emplace(s, id);
  return id;
}

void Archive::PutInCatalogLocked(RecordMeta meta) const {
  auto it = catalog_.find(meta.id);
  if (it != catalog_.end() && it->second.revision > meta.revision) return;
  const std::string id = meta.id;
  RecordMeta& stored = catalog_[id];
  stored = std::move(meta);
  CatalogEntry e;
  e.name = stored.name;
  e.owner = InternLocked(stored.owner_id);
  e.author = InternLocked(stored.author_id);
  e.custodian = InternLocked(stored.custodian_id);
  e.status = InternLocked(stored.status);
  for (const std::string& t : stored.tags) e.tags.push_back(InternLocked(t));
  e.classification = stored.classification;
  e.kind = stored.kind;
  e.meta = &stored;
  auto pos = entry_pos_.find(id);
  if (pos == entry_pos_.end()) {
    entry_pos_.emplace(id, entries_.size());
    entries_.push_back(std::move(e));
  } else {
    entries_[pos->second] = std::move(e);
  }
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
  txn.OnCommit([this, meta] {
    std::unique_lock lock(catalog_mu_);
    PutInCatalogLocked(meta);
  });
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
        CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
        return RecordMeta::FromJson(v);
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
    std::shared_lock lock(catalog_mu_);
    constexpr uint32_t kNone = UINT32_MAX;
    auto lookup = [&](const std::string& s) -> uint32_t {
      auto it = intern_.find(s);
      return it == intern_.end() ? kNone : it->second;
    };
    const uint32_t me = lookup(user.id);
    const uint32_t owner = query.owner_id.empty() ? kNone : lookup(query.owner_id);
    const uint32_t tag = query.tag.empty() ? kNone : lookup(query.tag);
    const uint32_t status = query.status.empty() ? kNone : lookup(query.status);
    const bool no_match = (!query.owner_id.empty() && owner == kNone) ||
                          (!query.tag.empty() && tag == kNone) ||
                          (!query.status.empty() && status == kNone);
    std::vector<bool> text_hits;  // interned strings containing the text
    if (!query.text.empty()) {
      text_hits.resize(strings_.size());
      for (size_t i = 0; i < strings_.size(); ++i)
        text_hits[i] = strings_[i].find(query.text) != std::string::npos;
    }
    // The entries are scanned in two halves at once (a search of a million
    // files is all CPU); each half keeps its first offset + limit matches,
    // and the first half's come first, so the page is the one a single
    // scan in catalog order would give.
    struct Part {
      size_t total = 0;
      std::vector<const RecordMeta*> first;
    };
    const size_t want = query.offset + std::min(query.limit, SIZE_MAX - query.offset);
    const auto scan = [&](size_t from, size_t to, Part* part) {
      for (size_t i = from; i < to; ++i) {
        const CatalogEntry& e = entries_[i];
        if (query.classification && e.classification != *query.classification) continue;
        if (query.kind && e.kind != *query.kind) continue;
        if (owner != kNone && e.owner != owner) continue;
        if (status != kNone && e.status != status) continue;
        if (tag != kNone && std::find(e.tags.begin(), e.tags.end(), tag) == e.tags.end()) continue;
        if (!query.text.empty() && e.name.find(query.text) == std::string::npos &&
            std::none_of(e.tags.begin(), e.tags.end(), [&](uint32_t t) { return text_hits[t]; }))
          continue;
        if (!level_visible[static_cast<size_t>(e.classification)] &&
            (me == kNone || (e.owner != me && e.author != me && e.custodian != me)))
          continue;
        if (part->first.size() < want) part->first.push_back(e.meta);
        ++part->total;
      }
    };
    if (!no_match) {
      Part parts[2];
      const size_t half = entries_.size() / 2;
      // The helper reads entries_ under this thread's shared lock, held
      // until it is joined.
      auto second = std::async(std::launch::async, scan, half, entries_.size(), &parts[1]);
      scan(0, half, &parts[0]);
      second.get();
      size_t match = 0;  // the index of a kept match among all, in catalog order
      for (const Part& part : parts) {
        for (const RecordMeta* m : part.first) {
          if (match >= query.offset && result.records.size() < query.limit)
            result.records.push_back(*m);
          ++match;
        }
      }
      result.total = parts[0].total + parts[1].total;
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
  std::shared_lock lock(catalog_mu_);
  for (const auto& [id, m] : catalog_)
    if (m.owner_id == user_id) out.push_back(id);
  return out;
}

Result<std::map<std::string, std::vector<std::string>, std::less<>>> Archive::RecordsOwnedByEach(
    std::span<const std::string> user_ids) const {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  std::map<std::string, std::vector<std::string>, std::less<>> out;
  const std::set<std::string_view> wanted(user_ids.begin(), user_ids.end());
  std::shared_lock lock(catalog_mu_);
  for (const auto& [id, m] : catalog_)
    if (wanted.count(m.owner_id) != 0) out[m.owner_id].push_back(id);
  return out;
}

size_t Archive::CatalogSize() const {
  if (!CurrentCatalog().ok()) return 0;
  std::shared_lock lock(catalog_mu_);
  return catalog_.size();
}

}  // namespace custos::vault
