// ReadSet: a read transaction's reads, recorded as stored bytes, and their
// check against a later transaction (vault.h).
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vault/store/internal/kv_store.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace internal {

struct ReadLog {
  struct PointRead {
    Table table;
    std::string key;
    bool found = false;
    std::string stored;
  };
  struct ScanRead {
    Table table;
    std::string prefix;
    std::string from;
    bool reverse = false;
    bool to_end = false;  // the scan ran out of entries (else its visitor stopped it)
    std::vector<std::pair<std::string, std::string>> seen;
  };
  struct CountRead {
    Table table;
    uint64_t entries = 0;
  };
  std::vector<PointRead> points;
  std::vector<ScanRead> scans;
  std::vector<CountRead> counts;
  // A read failed: what the reader decided cannot be checked by rereading.
  bool failed = false;
};

Status KvTxn::PrefetchAcross(std::span<const TableKey> keys) {
  std::map<Table, std::vector<std::string>> by_table;
  for (const TableKey& k : keys) by_table[k.table].push_back(k.key);
  for (const auto& [table, ks] : by_table) CUSTOS_RETURN_IF_ERROR(Prefetch(table, ks));
  return Status::Ok();
}

namespace {

// Passes every read to `inner` and records what it returned. Read-only.
class RecordingTxn : public KvTxn {
 public:
  RecordingTxn(std::unique_ptr<KvTxn> inner, ReadLog* log) : inner_(std::move(inner)), log_(log) {}

  Result<std::string_view> Get(Table table, std::string_view key) override {
    auto r = inner_->Get(table, key);
    if (r.ok()) {
      log_->points.push_back({table, std::string(key), true, std::string(*r)});
    } else if (r.status().code() == StatusCode::kNotFound) {
      log_->points.push_back({table, std::string(key), false, {}});
    } else {
      log_->failed = true;
    }
    return r;
  }

  Status Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
              const RawFn& fn) override {
    ReadLog::ScanRead scan{table, std::string(prefix), std::string(from), reverse, false, {}};
    bool stopped = false;
    // A visitor's error ends the scan with that error (KvTxn::Scan).
    Status st = inner_->Scan(table, prefix, from, reverse,
                             [&](std::string_view key, std::string_view value) -> Result<bool> {
                               scan.seen.emplace_back(std::string(key), std::string(value));
                               Result<bool> more = fn(key, value);
                               if (more.ok() && !*more) stopped = true;
                               return more;
                             });
    if (!st.ok()) {
      log_->failed = true;
      return st;
    }
    scan.to_end = !stopped;
    log_->scans.push_back(std::move(scan));
    return st;
  }

  Result<uint64_t> Count(Table table) override {
    auto r = inner_->Count(table);
    if (r.ok()) {
      log_->counts.push_back({table, *r});
    } else {
      log_->failed = true;
    }
    return r;
  }

  Status Prefetch(Table table, std::span<const std::string> keys) override {
    return inner_->Prefetch(table, keys);
  }
  Status PrefetchAcross(std::span<const TableKey> keys) override {
    return inner_->PrefetchAcross(keys);
  }

  Status Put(Table, std::string_view, std::string_view, PutMode) override {
    return Status::FailedPrecondition("a recorded read transaction cannot write");
  }
  Status Delete(Table, std::string_view) override {
    return Status::FailedPrecondition("a recorded read transaction cannot write");
  }
  Result<std::unique_ptr<KvTxn>> BeginNested() override {
    return Status::FailedPrecondition("a recorded read transaction cannot write");
  }
  Status Commit() override {
    return Status::FailedPrecondition("a recorded read transaction cannot write");
  }

 private:
  std::unique_ptr<KvTxn> inner_;
  ReadLog* log_;
};

}  // namespace

std::unique_ptr<KvTxn> RecordReads(std::unique_ptr<KvTxn> txn, ReadLog* log) {
  return std::make_unique<RecordingTxn>(std::move(txn), log);
}

}  // namespace internal

ReadSet::ReadSet() : log_(std::make_unique<internal::ReadLog>()) {}
ReadSet::~ReadSet() = default;
ReadSet::ReadSet(ReadSet&&) noexcept = default;
ReadSet& ReadSet::operator=(ReadSet&&) noexcept = default;

size_t ReadSet::size() const {
  if (log_ == nullptr) return 0;
  return log_->points.size() + log_->scans.size() + log_->counts.size();
}

Result<bool> ReadTxn::SeesSame(const ReadSet& reads) const {
  if (reads.log_ == nullptr || reads.log_->failed) return false;
  const internal::ReadLog& log = *reads.log_;
  if (vault_->shared()) {
    // One round trip on a shared store. (LMDB would ignore the hint: the
    // list is not even built, as this runs on the committer.)
    std::vector<internal::KvTxn::TableKey> wanted;
    wanted.reserve(log.points.size());
    for (const auto& p : log.points) wanted.push_back({p.table, p.key});
    CUSTOS_RETURN_IF_ERROR(txn_->PrefetchAcross(wanted));
  }
  for (const auto& p : log.points) {
    auto now = txn_->Get(p.table, p.key);
    if (!now.ok()) {
      if (now.status().code() != StatusCode::kNotFound) return now.status();
      if (p.found) return false;
      continue;
    }
    if (!p.found || *now != p.stored) return false;
  }
  for (const auto& s : log.scans) {
    size_t i = 0;
    bool same = true;
    CUSTOS_RETURN_IF_ERROR(
        txn_->Scan(s.table, s.prefix, s.from, s.reverse,
                   [&](std::string_view key, std::string_view value) -> Result<bool> {
                     if (i == s.seen.size()) {
                       same = !s.to_end;  // an entry beyond a scan that had run to its end
                       return false;
                     }
                     if (key != s.seen[i].first || value != s.seen[i].second) {
                       same = false;
                       return false;
                     }
                     ++i;
                     return true;
                   }));
    if (!same || i != s.seen.size()) return false;
  }
  for (const auto& c : log.counts) {
    CUSTOS_ASSIGN_OR_RETURN(uint64_t entries, txn_->Count(c.table));
    if (entries != c.entries) return false;
  }
  return true;
}

}  // namespace custos::vault
