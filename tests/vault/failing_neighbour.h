// A request that makes the next write of another thread run twice
// (vault.h: a batch runs again when one of its requests fails after
// writing), for testing that write functions are safe to re-run.
#ifndef CUSTOS_TESTS_VAULT_FAILING_NEIGHBOUR_H_
#define CUSTOS_TESTS_VAULT_FAILING_NEIGHBOUR_H_

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "vault/store/internal/vault_impl.h"
#include "vault/store/tables.h"
#include "vault/store/vault.h"

namespace custos::vault::testing {

inline size_t Queued(Vault& v) {
  std::lock_guard lock(v.impl().queue_mu);
  return v.impl().queue.size();
}

// Waits (at most 10 s) until `v` has at least `n` requests queued.
inline bool WaitForQueued(Vault& v, size_t n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Queued(v) < n) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Puts the next request another thread queues into one batch with a
// request that writes and then fails, so that the batch runs twice: the
// committer is held by a request of its own until that next request is
// queued, the failing one is queued behind it, and then both run. Create it
// when no request is queued and the committer is idle (e.g. between two
// writes of the code under test); it returns once the committer is held.
class FailingNeighbour {
 public:
  explicit FailingNeighbour(Vault& v) : vault_(v) {
    std::atomic<bool> holding{false};
    hold_ = std::thread([this, &holding] {
      hold_status_ = vault_.Write([&](WriteTxn&) -> Status {
        holding = true;
        if (!WaitForQueued(vault_, 1)) return Status::Ok();  // nothing came
        neighbour_ = std::thread([this] {
          neighbour_status_ = vault_.Write([this](WriteTxn& w) -> Status {
            ++runs_;
            CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "zz-neighbour", "never committed"));
            return Status::Aborted("the neighbour fails after writing");
          });
        });
        paired_ = WaitForQueued(vault_, 2);
        return Status::Ok();
      });
    });
    while (!holding) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  ~FailingNeighbour() { Join(); }
  FailingNeighbour(const FailingNeighbour&) = delete;
  FailingNeighbour& operator=(const FailingNeighbour&) = delete;

  // Waits until the pair has run (or the hold gave up after 10 s).
  void Join() {
    if (hold_.joinable()) hold_.join();
    if (neighbour_.joinable()) neighbour_.join();
  }
  // After Join(): whether the next request had company, and how often the
  // failing neighbour ran (2: its batch ran twice).
  bool paired() const { return paired_; }
  int runs() const { return runs_; }
  const Status& neighbour_status() const { return neighbour_status_; }

 private:
  Vault& vault_;
  std::thread hold_;
  std::thread neighbour_;
  Status hold_status_;
  Status neighbour_status_;
  std::atomic<bool> paired_{false};
  std::atomic<int> runs_{0};
};

}  // namespace custos::vault::testing

#endif  // CUSTOS_TESTS_VAULT_FAILING_NEIGHBOUR_H_
