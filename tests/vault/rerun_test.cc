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

#include "tests/vault/failing_neighbour.h"
#include "tests/vault/test_util.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::FailingNeighbour;
using testing::OpenTestVault;
using testing::Pass;
using testing::TempDir;
using testing::TestStoreFor;

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
  EXPECT_EQ(Vault::Open(TestStoreFor(dir.path()), Pass("old passphrase")).status().code(),
            StatusCode::kUnauthenticated);
  auto v = OpenTestVault(dir.path(), "new passphrase");
  ExpectIntact(*v);
}

}  // namespace
}  // namespace custos::vault
