// Write functions run more than once (vault.h): a batch runs again, nested,
// when one of its requests fails after writing. These tests put the key
// rotation's and the passphrase change's own writes into such batches and
// check that every re-run computes the same thing.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/vault/test_util.h"
#include "vault/internal/vault_impl.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::OpenTestVault;
using testing::Pass;
using testing::TempDir;

size_t Queued(Vault& v) {
  std::lock_guard lock(v.impl().queue_mu);
  return v.impl().queue.size();
}

// Waits (at most 10 s) until `v` has at least `n` requests queued.
bool WaitForQueued(Vault& v, size_t n) {
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

constexpr int kValues = 1500;  // three of the rotation's re-sealing batches

void Fill(Vault& v) {
  for (int i = 0; i < kValues; i += 100) {
    ASSERT_TRUE(v.Write([&](WriteTxn& w) -> Status {
                   for (int j = i; j < i + 100; ++j) {
                     CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "r" + std::to_string(j),
                                                  "content-" + std::to_string(j)));
                   }
                   return Status::Ok();
                 }).ok());
  }
}

// Every value opens with its content; nothing of the neighbours committed.
void ExpectIntact(const Vault& v) {
  auto r = v.BeginRead();
  ASSERT_TRUE(r.ok());
  int bad = 0;
  std::string first_error;
  for (int j = 0; j < kValues; ++j) {
    auto got = (*r)->Get(tables::kRecords, "r" + std::to_string(j));
    if (!got.ok() || *got != "content-" + std::to_string(j)) {
      if (bad++ == 0) first_error = "r" + std::to_string(j) + ": " + got.status().ToString();
    }
  }
  EXPECT_EQ(bad, 0) << "values that no longer open, first " << first_error;
  EXPECT_EQ((*r)->Get(tables::kRecords, "zz-neighbour").status().code(), StatusCode::kNotFound);
}

// Rotates with a failing neighbour beside the rotation's first write (the
// new key version) and, when `every_batch`, beside each write after a
// re-sealing batch too.
void RotateWithFailingNeighbours(bool every_batch) {
  TempDir dir;
  {
    auto v = CreateTestVault(dir.path());
    Fill(*v);
    std::vector<std::unique_ptr<FailingNeighbour>> pairs;
    pairs.push_back(std::make_unique<FailingNeighbour>(*v));
    Status rotated;
    std::thread rotation([&] {
      rotated = v->RotateRootKey([&](uint64_t) {
        // Between two of the rotation's writes: the next one gets company.
        if (every_batch) pairs.push_back(std::make_unique<FailingNeighbour>(*v));
      });
    });
    rotation.join();
    ASSERT_TRUE(rotated.ok()) << rotated.ToString();
    // Each neighbour had the rotation's next write beside it, and their
    // batch ran twice.
    EXPECT_EQ(pairs.size(), every_batch ? 5u : 1u);  // keys, 3 record batches
    for (auto& p : pairs) {
      p->Join();
      EXPECT_TRUE(p->paired());
      EXPECT_EQ(p->runs(), 2);
      EXPECT_EQ(p->neighbour_status().code(), StatusCode::kAborted);
    }

    auto info = v->Info();
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->key_version, 2u);
    EXPECT_FALSE(info->rotation_in_progress);
    ExpectIntact(*v);
    // New writes seal under the new key and open.
    ASSERT_TRUE(v->Write([](WriteTxn& w) { return w.Put(tables::kRecords, "new", "after"); }).ok());
    EXPECT_EQ(Vault::Impl::SealedVersion(*internal::RawGet(*v, tables::kRecords, "new")), 2u);
  }
  auto v = OpenTestVault(dir.path());
  ExpectIntact(*v);
}

TEST(RerunTest, RotationsFirstWriteRunTwiceInstallsTheSameKey) {
  RotateWithFailingNeighbours(/*every_batch=*/false);
}

TEST(RerunTest, RotationsResealingWritesRunTwiceResealEverything) {
  RotateWithFailingNeighbours(/*every_batch=*/true);
}

// The neighbour really made the batch run twice (what the tests above rely
// on), and its own write never commits.
TEST(RerunTest, FailingNeighbourMakesTheBatchRunTwice) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  std::atomic<int> runs{0};
  auto pair = std::make_unique<FailingNeighbour>(*v);
  Status st = v->Write([&](WriteTxn& w) {
    ++runs;
    return w.Put(tables::kRecords, "mine", "x");
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  pair->Join();
  EXPECT_EQ(runs.load(), 2);
  EXPECT_TRUE(pair->paired());
  EXPECT_EQ(pair->runs(), 2);
  auto r = v->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->Get(tables::kRecords, "mine"), "x");
  EXPECT_EQ((*r)->Get(tables::kRecords, "zz-neighbour").status().code(), StatusCode::kNotFound);
}

TEST(RerunTest, PassphraseChangeRunTwiceKeepsEveryKey) {
  TempDir dir;
  {
    auto v = CreateTestVault(dir.path(), "old passphrase");
    Fill(*v);
    auto pair = std::make_unique<FailingNeighbour>(*v);
    Status changed = v->ChangePassphrase(Pass("new passphrase"), Argon2Params::ForTests());
    ASSERT_TRUE(changed.ok()) << changed.ToString();
    pair->Join();
    EXPECT_TRUE(pair->paired());
    EXPECT_EQ(pair->runs(), 2);
    ExpectIntact(*v);
  }
  EXPECT_EQ(Vault::Open(dir.path(), Pass("old passphrase")).status().code(),
            StatusCode::kUnauthenticated);
  auto v = OpenTestVault(dir.path(), "new passphrase");
  ExpectIntact(*v);
}

}  // namespace
}  // namespace custos::vault
