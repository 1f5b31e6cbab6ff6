// The vault's group commit: one committer thread runs the queued write
// functions of many callers in one store transaction, each in a nested
// transaction of its own so that a failure rolls back only itself
// (Vault::Write in vault.h), and releases them once the batch is durable.
#include <chrono>
#include <pthread.h>
#include <utility>
#include <vector>

#include "vault/store/internal/keyring.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/vault.h"

namespace custos::vault {

// ---- group commit -------------------------------------------------------------

// The store's commit makes a batch durable (LMDB: data pages fdatasync'd,
// then the meta page written with O_DSYNC; PostgreSQL: COMMIT returned), so
// every caller of a committed batch can be released as soon as it returns.
void Vault::Impl::CommitterLoop() {
  // Named for top, perf and gdb: the one thread every write waits on.
  pthread_setname_np(pthread_self(), "custos-commit");
  std::vector<Request*> batch;
  std::unique_lock lock(queue_mu);
  while (true) {
    queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty() && stopping) return;
    batch.clear();
    while (!queue.empty() && batch.size() < options.max_batch) {
      batch.push_back(queue.front());
      queue.pop_front();
    }
    lock.unlock();
    RunBatch(batch);
    // Every result is final: the first caller wakes the others.
    batch.front()->then_wake.assign(batch.begin() + 1, batch.end());
    batch.front()->done.Post();
    lock.lock();
  }
}

namespace {
uint64_t Nanos(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
}
}  // namespace

void Vault::Impl::RunBatch(const std::vector<Request*>& batch) {
  // Memos derive from this batch's transaction: none survives it.
  struct DropMemos {
    std::vector<MemoSlot>* memos;
    ~DropMemos() { memos->clear(); }
  } drop_memos{&txn_memos};
  // Requests first run straight in the batch's transaction: a nested
  // transaction per request costs a copy of every page it touches. A request
  // that fails without having written anything needs no rollback. One that
  // fails after writing cannot be rolled back alone, so then the whole
  // attempt is discarded and the batch runs again with a nested transaction
  // per request (Write() documents that a function may run more than once).
  bool nested = false;
  for (int attempt = 0; attempt < 40; ++attempt) {
    map_full = false;
    txn_memos.clear();
    std::vector<std::function<void()>> hooks;
    Status commit_status;
    bool needs_nested = false;
    {
      auto parent = store->BeginWrite();
      if (!parent.ok()) {
        for (Request* r : batch) r->result = parent.status();
        return;
      }
      if (store->shared()) {
        // Under the writers' lock: the keys another node's rotation (or
        // passphrase change) installed are adopted before anything is
        // sealed, so this node never seals under a retired key version.
        auto ring = (*parent)->Get(tables::kMeta, internal::kKeyringKey);
        const Status adopted = ring.ok() ? AdoptKeyring(*ring) : ring.status();
        if (!adopted.ok()) {
          for (Request* r : batch) r->result = adopted;
          return;
        }
      }
      const auto run_start = std::chrono::steady_clock::now();
      if (store->shared()) {
        // What the batch's functions said they would read, in one round
        // trip rather than one each (Vault::Write's hints).
        std::vector<TableKey> hinted;
        for (const Request* r : batch)
          hinted.insert(hinted.end(), r->hints.begin(), r->hints.end());
        const Status read = (*parent)->PrefetchAcross(hinted);
        if (!read.ok()) {
          for (Request* r : batch) r->result = read;
          return;
        }
      }
      for (Request* r : batch) {
        // Nested: the request runs in its own transaction, whose failure
        // rolls back only its writes. Flat: straight in the batch's.
        std::unique_ptr<internal::KvTxn> child;
        if (nested) {
          auto begun = (*parent)->BeginNested();
          if (!begun.ok()) {
            r->result = begun.status();
            continue;
          }
          child = std::move(begun).value();
        }
        WriteTxn w = Vault::NewWriteTxn(owner, nested ? child.get() : parent->get());
        const uint64_t writes_before = write_attempts;
        Status st = (*r->fn)(w);
        if (st.ok() && nested && !map_full) st = child->Commit();
        if (map_full) break;
        if (!st.ok()) {
          if (!nested && write_attempts != writes_before) {
            // Its writes cannot be undone alone. Alone in the batch,
            // discarding the transaction is its rollback; otherwise the
            // others must run again, nested.
            if (batch.size() == 1) r->result = st;
            needs_nested = true;
            break;
          }
          // SECURITY: this request's writes roll back (or its commit failed),
          // so must anything derived from them.
          txn_memos.clear();
        }
        r->result = st;
        if (st.ok()) {
          for (auto& h : Vault::CommitHooks(w)) hooks.push_back(std::move(h));
        }
      }  // a nested request's transaction ends here: committed or aborted
      const auto commit_start = std::chrono::steady_clock::now();
      stat_run_nanos.fetch_add(Nanos(run_start, commit_start), std::memory_order_relaxed);
      if (!map_full && !needs_nested) {
        commit_status = (*parent)->Commit();
        stat_commit_nanos.fetch_add(Nanos(commit_start, std::chrono::steady_clock::now()),
                                    std::memory_order_relaxed);
        if (!commit_status.ok() && commit_status.code() == StatusCode::kResourceExhausted)
          map_full = true;
      }
    }
    if (map_full) {
      Status s = store->Grow();
      if (!s.ok()) {
        NoteCommit(s);
        for (Request* r : batch) r->result = s;
        return;
      }
      continue;  // run the whole batch again in a fresh transaction
    }
    if (needs_nested) {  // the transaction was discarded, uncommitted
      if (batch.size() == 1) return;
      nested = true;
      continue;
    }
    NoteCommit(commit_status);
    if (!commit_status.ok()) {
      for (Request* r : batch)
        if (r->result.ok()) r->result = commit_status;
      return;
    }
    stat_commits.fetch_add(1, std::memory_order_relaxed);
    stat_requests.fetch_add(batch.size(), std::memory_order_relaxed);
    uint64_t prev = stat_max_batch.load(std::memory_order_relaxed);
    while (batch.size() > prev && !stat_max_batch.compare_exchange_weak(prev, batch.size())) {
    }
    for (auto& h : hooks) h();
    return;
  }
  const Status full = Status::ResourceExhausted("the vault cannot grow further");
  NoteCommit(full);
  for (Request* r : batch) r->result = full;
}

Status Vault::Write(const std::function<Status(WriteTxn&)>& fn) { return Write(fn, {}); }

Status Vault::Write(const std::function<Status(WriteTxn&)>& fn, std::span<const ReadHint> hints) {
  if (impl_->options.read_only) {
    return Status::FailedPrecondition("the vault in " + dir_ +
                                      " is open read-only: this command cannot write to it");
  }
  Impl::Request req;
  req.fn = &fn;
  req.hints = hints;
  std::unique_lock lock(impl_->queue_mu);
  if (impl_->stopping) return Status::FailedPrecondition("the vault is closing");
  impl_->queue.push_back(&req);
  lock.unlock();
  impl_->queue_cv.notify_one();
  req.done.Wait();
  for (Impl::Request* r : req.then_wake) r->done.Post();
  return req.result;
}

Vault::CommitStats Vault::commit_stats() const {
  CommitStats s{impl_->stat_commits.load(),       impl_->stat_requests.load(),
                impl_->stat_max_batch.load(),     impl_->stat_run_nanos.load(),
                impl_->stat_commit_nanos.load(),  impl_->stat_commit_failures.load(),
                impl_->last_commit_failed.load(), {}};
  if (s.failing) {
    std::lock_guard lock(impl_->failure_mu);
    s.last_failure = impl_->last_failure;
  }
  return s;
}

}  // namespace custos::vault
