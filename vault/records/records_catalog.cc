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
#include <tuple>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "vault/access/gate.h"
#include "vault/records/handover_store.h"
#include "vault/records/internal/catalog.h"
#include "vault/records/internal/records_codec.h"
#include "vault/records/loans.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "vault/store/sealed_cache.h"

namespace custos::vault {

using internal::Catalog;
using internal::OwnershipFromJson;
using internal::OwnPrefix;

// ---- Archive: plumbing ------------------------------------------------------------

Archive::Archive(Vault& vault, const AuditLog& log, const ArchiveOptions& options)
    : vault_(vault),
      log_(log),
      gate_(vault, log),
      options_(options),
      catalog_(std::make_unique<Catalog>()) {}

Result<std::unique_ptr<Archive>> Archive::Open(Vault& vault, const AuditLog& log,
                                               const ArchiveOptions& options) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  CUSTOS_RETURN_IF_ERROR(EnsureLoanIndex(vault));
  CUSTOS_RETURN_IF_ERROR(EnsureSuccessorIndex(vault));
  std::unique_ptr<Archive> a(new Archive(vault, log, options));
  // Reading every record's metadata takes seconds at a million files: done
  // beside the server, not before it starts. Commits made meanwhile are in
  // the journal of changes, which the catalog's first reader takes in.
  Archive* self = a.get();
  a->catalog_builder_ = std::thread([self] {
    Status st = self->BuildCatalog();
    {
      std::lock_guard lock(self->built_mu_);
      self->catalog_status_ = st;
      self->catalog_built_ = true;
      self->built_cv_.notify_all();
    }
    // A catalog read file by file, or a saved one far behind, is saved for
    // the next start. A failure costs only that start's speed.
    if (st.ok() && !self->vault_.read_only()) (void)self->SaveCatalogIfStale();
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

bool Archive::CatalogBuilt() const {
  std::lock_guard lock(built_mu_);
  return catalog_built_;
}

CatalogLoad Archive::LastCatalogLoad() const {
  std::lock_guard refresh(refresh_mu_);
  return last_load_;
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
// The two snapshots may differ by commits made between their starts: such
// a commit is also in the journal after `first`'s newest entry, and the
// catalog's next reader reads it again (the newer revision wins).
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
  for (size_t i = 1; i < kParts; ++i) {
    if (!all.Append(std::move(**parts[i])))
      return Status::Internal("the parts of the records catalog's scan overlap");
  }
  return all;
}

// The newest entry of the journal of changed records (0: none).
Result<uint64_t> NewestChange(const ReadTxn& r) {
  auto last = r.LastKeyWithPrefix(tables::kRecordChanges, "");
  if (last.ok()) return DecodeU64(*last);
  if (last.status().code() == StatusCode::kNotFound) return uint64_t{0};
  return last.status();
}

// The saved catalog (tables::kCatalog): "head" names the parts in force
// (JSON: format, parts' name, the journal entry the catalog reflects, the
// number of parts and of records); each part is "part/" + name + "/" +
// EncodeU32(i), Catalog::Encode of kSavedPartSize entries.
constexpr std::string_view kSavedHead = "head";
constexpr std::string_view kSavedParts = "part/";
constexpr int kSavedFormat = 1;
constexpr size_t kSavedPartSize = 16384;
// Parts written per transaction: a write of a few MiB, so that a save does
// not hold the other writers up for long.
constexpr size_t kSavedPartsPerWrite = 8;

struct SavedHead {
  std::string name;
  uint64_t through = 0;
  uint32_t parts = 0;
  uint64_t records = 0;
};

std::string SavedPartKey(std::string_view name, uint32_t i) {
  return std::string(kSavedParts) + std::string(name) + "/" + EncodeU32(i);
}

// The head of the saved catalog; nullopt when none is saved, its format is
// not this build's, or it is damaged (kDataLoss: `custos scrub` names it).
// Every reader treats those alike: the catalog is read from the records,
// and the next save replaces the head.
Result<std::optional<SavedHead>> ReadSavedHead(const ReadTxn& r) {
  const std::optional<SavedHead> none;
  auto raw = r.Get(tables::kCatalog, kSavedHead);
  if (!raw.ok()) {
    const StatusCode code = raw.status().code();
    if (code == StatusCode::kNotFound || code == StatusCode::kDataLoss) return none;
    return raw.status();
  }
  auto v = json::Parse(*raw);
  if (!v.ok() || !v->is_object()) return none;
  auto format = json::GetInt(*v, "format");
  if (!format.ok() || *format != kSavedFormat) return none;
  auto name = json::GetString(*v, "name");
  auto through = json::GetInt(*v, "through");
  auto parts = json::GetInt(*v, "parts");
  auto records = json::GetInt(*v, "records");
  if (!name.ok() || name->empty() || !through.ok() || *through < 0 || !parts.ok() ||
      !records.ok() || *records < 0 || *records > UINT32_MAX ||
      *parts != (*records + static_cast<int64_t>(kSavedPartSize) - 1) /
                    static_cast<int64_t>(kSavedPartSize))
    return none;  // SaveCatalog writes ceil(records / kSavedPartSize) parts
  SavedHead h;
  h.name = std::move(*name);
  h.through = static_cast<uint64_t>(*through);
  h.parts = static_cast<uint32_t>(*parts);
  h.records = static_cast<uint64_t>(*records);
  return std::optional<SavedHead>(std::move(h));
}

// The catalog saved under `head`, decoded on two threads, as read in `r`.
Result<Catalog> ReadSavedCatalog(const ReadTxn& r, const SavedHead& head) {
  std::vector<std::string> bytes(head.parts);
  for (uint32_t i = 0; i < head.parts; ++i) {
    CUSTOS_ASSIGN_OR_RETURN(bytes[i], r.Get(tables::kCatalog, SavedPartKey(head.name, i)));
  }
  std::vector<std::optional<Result<Catalog>>> parts(head.parts);
  const auto decode = [&](size_t first) {
    for (size_t i = first; i < parts.size(); i += 2) {
      parts[i] = Catalog::Decode(bytes[i]);
      std::string().swap(bytes[i]);
    }
  };
  std::thread helper(decode, 1);
  decode(0);
  helper.join();
  const Status bad =
      Status::DataLoss("the saved records catalog does not hold the records its head says");
  size_t total = 0;
  for (auto& part : parts) {
    CUSTOS_RETURN_IF_ERROR(part->status());
    total += (*part)->size();
  }
  if (total != head.records) return bad;
  Catalog all;
  all.Reserve(total);
  for (auto& part : parts)
    if (!all.Append(std::move(**part))) return bad;  // one record in two parts
  return all;
}

}  // namespace

Result<std::vector<RecordMeta>> Archive::ChangesSince(const ReadTxn& r, uint64_t* through,
                                                      bool* behind) {
  std::vector<std::string> changed;
  uint64_t last = *through;
  *behind = false;
  CUSTOS_RETURN_IF_ERROR(r.ScanFrom(tables::kRecordChanges, EncodeU64(last + 1),
                                    [&](std::string_view key, std::string_view id) -> Result<bool> {
                                      const uint64_t seq = DecodeU64(key);
                                      if (seq != last + 1) {
                                        *behind = true;  // the entries it needs were deleted
                                        return false;
                                      }
                                      last = seq;
                                      changed.emplace_back(id);
                                      return true;
                                    }));
  std::vector<RecordMeta> metas;
  if (*behind) return metas;
  metas.reserve(changed.size());
  for (const std::string& id : changed) {
    CUSTOS_ASSIGN_OR_RETURN(RecordMeta m, ReadMeta(r, id));
    metas.push_back(std::move(m));
  }
  *through = last;
  return metas;
}

Result<Catalog> Archive::LoadCatalog(const ReadTxn& r, uint64_t* through, CatalogLoad* load) const {
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(r));
  *load = CatalogLoad();
  // A damaged saved catalog (kDataLoss: `custos scrub` names it) is not
  // used, nor one older than the journal reaches back: the records are the
  // truth, and the catalog is then read from them.
  CUSTOS_ASSIGN_OR_RETURN(std::optional<SavedHead> head, ReadSavedHead(r));
  if (head && head->through <= newest) {
    auto saved = ReadSavedCatalog(r, *head);
    if (saved.ok()) {
      uint64_t seen = head->through;
      bool behind = false;
      CUSTOS_ASSIGN_OR_RETURN(std::vector<RecordMeta> changes, ChangesSince(r, &seen, &behind));
      if (!behind) {
        for (const RecordMeta& m : changes) saved->Put(m);
        *through = seen;
        load->saved = true;
        load->changes = seen - head->through;
        return std::move(*saved);
      }
    } else if (saved.status().code() != StatusCode::kDataLoss &&
               saved.status().code() != StatusCode::kNotFound) {
      return saved.status();
    }
    // Or a part is missing, or it is older than the journal reaches back.
  }
  CUSTOS_ASSIGN_OR_RETURN(Catalog scanned, ScanCatalog(vault_, r));
  *through = newest;
  return scanned;
}

Status Archive::BuildCatalog() {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  uint64_t through = 0;
  CatalogLoad load;
  CUSTOS_ASSIGN_OR_RETURN(Catalog built, LoadCatalog(*r, &through, &load));
  std::lock_guard refresh(refresh_mu_);
  std::unique_lock catalog(catalog_mu_);
  *catalog_ = std::move(built);
  changes_seen_ = through;
  last_load_ = load;
  return Status::Ok();
}

Status Archive::CurrentCatalog() const {
  CUSTOS_RETURN_IF_ERROR(AwaitCatalog());
  // The changes since the catalog last looked — this process's commits and,
  // on a shared vault, other nodes' — from the journal (one snapshot: the
  // ids and the metadata they name agree). Each commit that changes a
  // record's metadata adds an entry (CatalogOnCommit), so the catalog's
  // next reader sees it.
  std::lock_guard refresh(refresh_mu_);
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(*r));
  if (newest == changes_seen_) return Status::Ok();
  uint64_t seen = changes_seen_;
  bool behind = false;
  CUSTOS_ASSIGN_OR_RETURN(std::vector<RecordMeta> changes, ChangesSince(*r, &seen, &behind));
  if (behind) {
    uint64_t through = 0;
    CatalogLoad load;
    CUSTOS_ASSIGN_OR_RETURN(Catalog fresh, LoadCatalog(*r, &through, &load));
    std::unique_lock lock(catalog_mu_);
    *catalog_ = std::move(fresh);
    changes_seen_ = through;
    last_load_ = load;
    return Status::Ok();
  }
  // Held exclusively only while the changes go in, not while they are read.
  std::unique_lock lock(catalog_mu_);
  for (const RecordMeta& m : changes) catalog_->Put(m);
  changes_seen_ = seen;
  return Status::Ok();
}

Status Archive::SaveCatalog() {
  std::lock_guard saving(save_mu_);
  return SaveCatalogLocked();
}

Status Archive::SaveCatalogLocked() {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  SavedHead head;
  head.name = HexEncode(RandomBytes(8));
  std::vector<std::string> parts;
  {
    // The catalog and the journal entry it reflects, as one.
    std::lock_guard refresh(refresh_mu_);
    std::shared_lock lock(catalog_mu_);
    head.through = changes_seen_;
    head.records = catalog_->size();
    for (size_t i = 0; i < catalog_->size(); i += kSavedPartSize)
      parts.push_back(catalog_->Encode(i, i + kSavedPartSize));
  }
  head.parts = static_cast<uint32_t>(parts.size());
  for (size_t i = 0; i < parts.size(); i += kSavedPartsPerWrite) {
    const size_t end = std::min(parts.size(), i + kSavedPartsPerWrite);
    CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
      for (size_t j = i; j < end; ++j)
        CUSTOS_RETURN_IF_ERROR(
            txn.Put(tables::kCatalog, SavedPartKey(head.name, static_cast<uint32_t>(j)), parts[j]));
      return Status::Ok();
    }));
    for (size_t j = i; j < end; ++j) std::string().swap(parts[j]);
  }
  // The new head, unless another node saved a newer catalog meanwhile, or
  // its own save deleted some of these parts (they were not yet named by a
  // head): the parts of every other catalog (older, or a save cut short)
  // go.
  bool saved = false;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(std::optional<SavedHead> old, ReadSavedHead(txn));
    const std::string mine = std::string(kSavedParts) + head.name + "/";
    std::vector<std::string> keys;
    uint64_t have = 0;
    CUSTOS_RETURN_IF_ERROR(
        txn.ScanKeys(tables::kCatalog, kSavedParts, [&](std::string_view key) -> Result<bool> {
          keys.emplace_back(key);
          if (key.starts_with(mine)) ++have;
          return true;
        }));
    saved = !(old && old->through > head.through) && have == head.parts;
    std::string kept;  // the prefix of the parts that stay ("": none)
    if (saved) {
      json::Value v = json::Value::MakeObject();
      v["format"] = kSavedFormat;
      v["name"] = head.name;
      v["through"] = head.through;
      v["parts"] = static_cast<uint64_t>(head.parts);
      v["records"] = head.records;
      CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kCatalog, kSavedHead, json::Serialize(v)));
      kept = mine;
    } else if (old) {
      kept = std::string(kSavedParts) + old->name + "/";
    }
    for (const std::string& key : keys) {
      if (kept.empty() || !key.starts_with(kept))
        CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kCatalog, key));
    }
    return Status::Ok();
  }));
  // One process writes an unshared vault: its journal is needed only after
  // the catalog just saved. Nodes sharing a vault keep theirs for the
  // others (CompactRecordJournal).
  if (saved && !vault_.shared()) CUSTOS_RETURN_IF_ERROR(DeleteChanges(head.through).status());
  return Status::Ok();
}

Result<bool> Archive::SaveCatalogIfStale() {
  // The check and the save as one: the builder's save after start-up and
  // serve's timer must not both write the whole catalog.
  std::lock_guard saving(save_mu_);
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  std::optional<SavedHead> head;
  uint64_t oldest = 0;  // the journal's oldest entry (0: none)
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(head, ReadSavedHead(*r));
    CUSTOS_RETURN_IF_ERROR(
        r->ScanKeys(tables::kRecordChanges, "", [&](std::string_view key) -> Result<bool> {
          oldest = DecodeU64(key);
          return false;
        }));
  }
  uint64_t seen = 0;
  size_t size = 0;
  {
    std::lock_guard refresh(refresh_mu_);
    std::shared_lock lock(catalog_mu_);
    seen = changes_seen_;
    size = catalog_->size();
  }
  const size_t from = options_.save_catalog_from;
  bool stale = false;
  if (!head) {
    stale = size >= from;
  } else {
    // Replaying this many changes at the next start costs a fraction of
    // reading the saved catalog.
    stale = seen > head->through &&
            seen - head->through >= std::max<uint64_t>(std::max<size_t>(from / 4, 1), size / 16);
  }
  if (stale) {
    CUSTOS_RETURN_IF_ERROR(SaveCatalogLocked());
    return true;
  }
  // Not saved: on an unshared vault the journal is still needed only after
  // the saved catalog — or, with none (a small vault, read from every file
  // at each start), not at all. Without this it would grow by one entry per
  // change for good.
  const uint64_t needed_after = head ? head->through : seen;
  if (!vault_.shared() && oldest != 0 && oldest < needed_after) {
    CUSTOS_RETURN_IF_ERROR(DeleteChanges(needed_after).status());
  }
  return false;
}

Result<uint64_t> Archive::CompactRecordJournal(uint64_t keep) {
  if (!vault_.shared()) return uint64_t{0};
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(*r));
  r.reset();
  if (newest <= keep) return uint64_t{0};
  return DeleteChanges(newest - keep);
}

Result<uint64_t> Archive::DeleteChanges(uint64_t through) {
  // In batches, so that no one write holds the others up for long.
  constexpr size_t kBatch = 1024;
  uint64_t deleted = 0;
  while (true) {
    size_t n = 0;
    CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
      n = 0;
      // The newest entry stays: it numbers the next one.
      CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(txn));
      const uint64_t last = std::min(through, newest == 0 ? 0 : newest - 1);
      std::vector<std::string> keys;
      CUSTOS_RETURN_IF_ERROR(
          txn.ScanKeys(tables::kRecordChanges, "", [&](std::string_view key) -> Result<bool> {
            if (DecodeU64(key) > last) return false;
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
  // In the writers' order (one writer at a time, across nodes too), so a
  // reader's snapshot holds a prefix of the journal.
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t newest, NewestChange(txn));
  return txn.Append(tables::kRecordChanges, EncodeU64(newest + 1), meta.id);
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
            return Status::NotFound("no such record", "没有这份档案");
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

// The words of a search text, split at spaces: ASCII space and tab, and the
// ideographic space (U+3000) a Chinese input method types. A file matches
// when each word is in its name or in one of its tags ("上海 模具").
std::vector<std::string> SearchWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < text.size();) {
    const size_t space = text[i] == ' ' || text[i] == '\t'     ? 1
                         : text.substr(i, 3) == "\xE3\x80\x80" ? 3
                                                               : 0;
    if (space == 0) {
      word.push_back(text[i++]);
      continue;
    }
    end_word();
    i += space;
  }
  end_word();
  return words;
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
      const std::vector<std::string> words = SearchWords(query.text);
      // For each word, the interned strings (tags) that contain it.
      std::vector<std::vector<bool>> word_hits(words.size());
      for (size_t w = 0; w < words.size(); ++w) {
        word_hits[w].resize(catalog.strings());
        for (size_t i = 0; i < catalog.strings(); ++i)
          word_hits[w][i] =
              catalog.String(static_cast<uint32_t>(i)).find(words[w]) != std::string::npos;
      }
      // Files are listed by name in pinyin order (NameSortKey), then by
      // id. The entries are scanned in two halves at once (a search of a
      // million files is all CPU); each half keeps its first offset +
      // limit matches in that order (unsorted), and the page is chosen
      // from the two: only the page itself is sorted, so a page far down a
      // long list costs a selection, not a sort of everything before it.
      struct Hit {
        Catalog::NamePrefix name_prefix;  // the entry's, at hand while sorting
        const Catalog::Entry* entry;
      };
      struct Part {
        size_t total = 0;
        std::vector<Hit> first;
      };
      const auto before = [](const Hit& a, const Hit& b) {
        if (a.name_prefix != b.name_prefix) return a.name_prefix < b.name_prefix;
        return Catalog::NameBefore(*a.entry, *b.entry);
      };
      const size_t want = query.offset + std::min(query.limit, SIZE_MAX - query.offset);
      // Kept to the first `want` each time this many have gathered: the
      // memory stays near the page's, and the work linear in the matches.
      const size_t trim_at = want > (SIZE_MAX - 256) / 2 ? SIZE_MAX : 2 * want + 256;
      const auto keep_first = [&](std::vector<Hit>* hits) {
        if (hits->size() <= want) return;
        std::nth_element(hits->begin(), hits->begin() + static_cast<ptrdiff_t>(want), hits->end(),
                         before);
        hits->resize(want);
      };
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
          bool all_words = true;
          for (size_t w = 0; w < words.size() && all_words; ++w) {
            all_words = e.name.find(words[w]) != std::string::npos ||
                        std::any_of(e.tags.begin(), e.tags.end(),
                                    [&](uint32_t t) { return word_hits[w][t]; });
          }
          if (!all_words) continue;
          if (!level_visible[static_cast<size_t>(e.classification)] &&
              (me == kNone || (e.owner != me && e.author != me && e.custodian != me)))
            continue;
          ++part->total;
          if (want == 0) continue;
          part->first.push_back(Hit{e.name_prefix, &e});
          if (part->first.size() >= trim_at) keep_first(&part->first);
        }
        keep_first(&part->first);
      };
      if (!no_match) {
        Part parts[2];
        const size_t half = entries.size() / 2;
        // The helper reads the entries under this thread's shared lock,
        // held until it is joined.
        auto second = std::async(std::launch::async, scan, half, entries.size(), &parts[1]);
        scan(0, half, &parts[0]);
        second.get();
        std::vector<Hit>& both = parts[0].first;
        both.insert(both.end(), parts[1].first.begin(), parts[1].first.end());
        if (query.limit > 0 && query.offset < both.size()) {
          // The first `offset` before the rest, then the page's in order.
          const auto page_begin = both.begin() + static_cast<ptrdiff_t>(query.offset);
          const auto page_end = both.begin() + static_cast<ptrdiff_t>(std::min(both.size(), want));
          std::nth_element(both.begin(), page_begin, both.end(), before);
          std::partial_sort(page_begin, page_end, both.end(), before);
          for (auto it = page_begin; it != page_end; ++it) page.push_back(*it->entry->id);
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

Result<CivilDate> Archive::CompanyDate(UnixMillis t) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(*r));
  return policy->LocalDate(t);
}

Result<RecordMeta> Archive::GetMeta(std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  return ReadMeta(*r, record_id);
}

Result<std::vector<RecordVersion>> Archive::VersionHistory(const Caller& caller,
                                                           std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(*r, record_id));
  CUSTOS_ASSIGN_OR_RETURN(User user, GetUser(*r, caller.user_id));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(*r));
  std::vector<RecordVersion> out;
  for (uint32_t v = 1; v <= meta.latest_version; ++v) {
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion rv, ReadRecordVersion(*r, record_id, v));
    rv.content = RecordContent();
    // Judged as the record is now (its owner, author, custodian) at the
    // higher of the two markings.
    RecordMeta probe = meta;
    probe.classification = std::max(meta.classification, rv.meta.classification);
    if (!MaySeeMeta(*policy, user, probe)) {
      RecordVersion shown;
      shown.record_id = rv.record_id;
      shown.version = rv.version;
      shown.author_id = rv.author_id;
      shown.time = rv.time;
      shown.meta.classification = rv.meta.classification;
      shown.withheld = true;
      rv = std::move(shown);
    }
    out.push_back(std::move(rv));
  }
  return out;
}

Result<std::vector<OwnershipChange>> Archive::OwnershipHistory(const Caller& caller,
                                                               std::string_view record_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(RecordMeta meta, ReadMeta(*r, record_id));
  CUSTOS_ASSIGN_OR_RETURN(User user, GetUser(*r, caller.user_id));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(*r));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<OwnershipChange> out, ReadOwnershipHistory(*r, record_id));
  // The marking in force when each version was written, oldest first.
  std::vector<std::pair<UnixMillis, policy::Classification>> marks;
  for (uint32_t v = 1; v <= meta.latest_version; ++v) {
    CUSTOS_ASSIGN_OR_RETURN(RecordVersion rv, ReadRecordVersion(*r, record_id, v));
    marks.emplace_back(rv.time, rv.meta.classification);
  }
  for (OwnershipChange& c : out) {
    // The marking of the version in force at the change: the last one
    // written by then (the first one's for a change at creation). Versions
    // written in the same millisecond cannot be told apart by time, so the
    // highest of them counts (a record created, updated and lowered within
    // one millisecond keeps its creation's reasons withheld).
    policy::Classification then = marks.empty() ? meta.classification : marks.front().second;
    UnixMillis latest = 0;
    bool found = false;
    for (const auto& [time, level] : marks) {
      if (time > c.at) continue;
      if (!found || time > latest) {
        latest = time;
        then = level;
        found = true;
      } else if (time == latest) {
        then = std::max(then, level);
      }
    }
    RecordMeta probe = meta;
    probe.classification = std::max(meta.classification, then);
    if (!MaySeeMeta(*policy, user, probe)) {
      c.reason.clear();
      c.withheld = true;
    }
  }
  return out;
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
  if (out.empty()) return Status::NotFound("no such record", "没有这份档案");
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

Result<std::vector<size_t>> Archive::NameOrder(std::span<const std::string> ids,
                                               size_t* held) const {
  CUSTOS_RETURN_IF_ERROR(CurrentCatalog());
  std::shared_lock lock(catalog_mu_);
  // The name's prefix at hand in the array being sorted: most comparisons
  // read nothing else.
  struct Keyed {
    Catalog::NamePrefix name_prefix;
    const Catalog::Entry* entry;  // nullptr: not in the catalog
    size_t place;                 // in `ids`
  };
  std::vector<Keyed> keyed(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const Catalog::Entry* e = catalog_->Find(ids[i]);
    keyed[i] = Keyed{e != nullptr ? e->name_prefix : Catalog::NamePrefix{}, e, i};
  }
  std::sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) {
    if ((a.entry == nullptr) != (b.entry == nullptr)) return b.entry == nullptr;
    if (a.entry == nullptr) return ids[a.place] < ids[b.place];
    if (a.name_prefix != b.name_prefix) return a.name_prefix < b.name_prefix;
    return Catalog::NameBefore(*a.entry, *b.entry);
  });
  std::vector<size_t> order(ids.size());
  size_t found = 0;
  for (size_t k = 0; k < keyed.size(); ++k) {
    order[k] = keyed[k].place;
    if (keyed[k].entry != nullptr) ++found;
  }
  if (held != nullptr) *held = found;
  return order;
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
