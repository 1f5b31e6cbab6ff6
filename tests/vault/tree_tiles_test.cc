// The audit tree stored as tiles (vault/audit/tree_tiles.h): the same
// roots and proofs as a tree that keeps every node, across tile boundaries
// of every level, whichever way the appends were batched; and vaults from
// before tiles, read as they are and converted when opened for writing.
#include "vault/audit/tree_tiles.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/vault/test_util.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/merkle.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::OpenTestVault;
using testing::TempDir;

AuditEvent Event(uint64_t i) {
  AuditEvent e;
  e.actor = {"u" + std::to_string(i % 11), "Wang Wu"};
  e.session = "s";
  e.action = "record.view";
  e.object = {"record", "rec-" + std::to_string(i % 3), 1};
  e.decision = AuditDecision::kAllow;
  e.outcome = "ok";
  return e;
}

class TreeTilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = CreateTestVault(dir_.path());
    OpenLog();
  }
  void OpenLog() {
    AuditOptions o;
    o.checkpoint_every_events = 0;
    o.checkpoint_every_ms = 0;
    auto log = AuditLog::Open(*vault_, o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  // Appends events until the log holds `size`, `per_write` to a Write().
  void GrowTo(uint64_t size, uint64_t per_write) {
    while (tree_.size() < size) {
      const uint64_t from = tree_.size();
      const uint64_t to = std::min(size, from + per_write);
      ASSERT_TRUE(vault_
                      ->Write([&](WriteTxn& w) -> Status {
                        for (uint64_t i = from; i < to; ++i)
                          CUSTOS_RETURN_IF_ERROR(log_->Append(w, Event(i)).status());
                        return Status::Ok();
                      })
                      .ok());
      auto r = vault_->BeginRead().value();
      for (uint64_t i = from; i < to; ++i) tree_.AppendLeaf(log_->Leaf(*r, i).value());
    }
  }
  // The log's roots and proofs at `size` are the whole tree's.
  void ExpectSameTreeAt(uint64_t size) {
    SCOPED_TRACE("size " + std::to_string(size));
    auto r = vault_->BeginRead().value();
    auto root = log_->Root(*r, size);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(*root, merkle::RootAt(tree_.Reader(), size).value());
    for (uint64_t seq : {uint64_t{0}, size / 2, size - 1}) {
      auto proof = log_->InclusionProof(*r, seq, size);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, merkle::InclusionProof(tree_.Reader(), seq, size).value()) << seq;
    }
    // Many at once, sharing their tiles: the same proofs.
    const std::vector<uint64_t> seqs = {size - 1, 0, size / 2, size - 1};
    auto proofs = log_->InclusionProofs(*r, seqs, size);
    ASSERT_TRUE(proofs.ok()) << proofs.status().ToString();
    ASSERT_EQ(proofs->size(), seqs.size());
    for (size_t i = 0; i < seqs.size(); ++i) {
      EXPECT_EQ((*proofs)[i], merkle::InclusionProof(tree_.Reader(), seqs[i], size).value());
    }
    for (uint64_t old_size : {uint64_t{1}, size / 3, size - 1}) {
      if (old_size == 0) continue;
      auto proof = log_->ConsistencyProof(*r, old_size, size);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, merkle::ConsistencyProof(tree_.Reader(), old_size, size).value())
          << old_size;
    }
  }
  uint64_t Count(Table t) {
    auto r = vault_->BeginRead().value();
    return r->Count(t).value();
  }

  TempDir dir_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> log_;
  merkle::MemoryTree tree_;
};

TEST_F(TreeTilesTest, RootsAndProofsAreTheWholeTreesAcrossTileBoundaries) {
  // Batches of 1, then of 100 and 997 (so that tiles fill in the middle of
  // a batch), and a reopened log that reads its edge back from the store.
  for (uint64_t size : {1, 2, 255, 256, 257}) {
    GrowTo(size, 1);
    ExpectSameTreeAt(size);
  }
  GrowTo(512, 100);
  ExpectSameTreeAt(511);
  ExpectSameTreeAt(512);
  OpenLog();
  GrowTo(65535, 997);
  ExpectSameTreeAt(65535);
  OpenLog();
  GrowTo(65537, 1);  // completes a tile of level 1: its root opens level 2
  ExpectSameTreeAt(65536);
  ExpectSameTreeAt(65537);
  GrowTo(66000, 300);
  ExpectSameTreeAt(66000);
  // 257 full tiles of leaf hashes; level 1 one full (65 536) and one of 1;
  // level 2 one of 1 entry. Nothing kept as nodes.
  EXPECT_EQ(Count(tables::kAuditTiles), 257u + 2 + 1);
  EXPECT_EQ(Count(tables::kAuditNodes), 0u);
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->root, merkle::RootAt(tree_.Reader(), 66000).value());
}

TEST_F(TreeTilesTest, TheEdgeOfABatchThatRolledBackIsNotReused) {
  GrowTo(300, 300);
  // A batch appends past a tile boundary, then fails: nothing of it stays,
  // and the next append builds on what is stored.
  Status failed = vault_->Write([&](WriteTxn& w) -> Status {
    for (uint64_t i = 300; i < 600; ++i) CUSTOS_RETURN_IF_ERROR(log_->Append(w, Event(i)).status());
    return Status::Internal("rolled back");
  });
  ASSERT_EQ(failed.code(), StatusCode::kInternal);
  GrowTo(700, 50);
  ExpectSameTreeAt(700);
  ASSERT_TRUE(log_->Verify().ok());
}

TEST_F(TreeTilesTest, AnEdgeCatchesUpWithAnotherWritersEvents) {
  // Two logs over one vault, as two nodes over one shared store: each
  // remembers the edge it committed and must build on the other's events.
  AuditOptions o;
  o.checkpoint_every_events = 0;
  o.checkpoint_every_ms = 0;
  std::unique_ptr<AuditLog> other = AuditLog::Open(*vault_, o).value();
  auto append_with = [&](AuditLog& log, uint64_t n) {
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) -> Status {
                      for (uint64_t i = 0; i < n; ++i)
                        CUSTOS_RETURN_IF_ERROR(log.Append(w, Event(tree_.size() + i)).status());
                      return Status::Ok();
                    })
                    .ok());
    auto r = vault_->BeginRead().value();
    const uint64_t size = log_->Size(*r).value();
    for (uint64_t i = tree_.size(); i < size; ++i) tree_.AppendLeaf(log_->Leaf(*r, i).value());
  };
  append_with(*log_, 250);
  append_with(*other, 10);  // fills the first tile of leaf hashes
  append_with(*log_, 3);    // catches up across it
  ExpectSameTreeAt(263);
  append_with(*other, 2);
  append_with(*log_, 300);  // a second full tile, written by this log
  append_with(*other, 1);   // 300 behind: reads the edge from the store
  ExpectSameTreeAt(566);
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(Count(tables::kAuditTiles), 2u + 1);
}

// A vault from before tiles: every node in kAuditNodes, no tiles, no marker.
class LegacyTreeTest : public TreeTilesTest {
 protected:
  void MakeLegacy() {
    const uint64_t size = tree_.size();
    auto nodes = tree_.Reader();
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) -> Status {
                      for (int level = 0; (size >> level) > 0; ++level) {
                        for (uint64_t i = 0; i < (size >> level); ++i) {
                          CUSTOS_ASSIGN_OR_RETURN(std::string h, nodes(level, i));
                          CUSTOS_RETURN_IF_ERROR(
                              w.Put(tables::kAuditNodes, tiles::LegacyNodeKey(level, i), h));
                        }
                      }
                      std::vector<std::string> keys;
                      CUSTOS_RETURN_IF_ERROR(
                          w.ScanKeys(tables::kAuditTiles, "", [&](std::string_view k) {
                            keys.emplace_back(k);
                            return true;
                          }));
                      for (const std::string& k : keys)
                        CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kAuditTiles, k));
                      return w.Delete(tables::kAuditState, "tree");
                    })
                    .ok());
  }
  std::unique_ptr<Vault> OpenReadOnly() {
    OpenOptions ro;
    ro.read_only = true;
    auto v = Vault::Open(testing::TestStoreFor(dir_.path()), testing::Pass(), ro);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(v).value() : nullptr;
  }
};

TEST_F(LegacyTreeTest, IsReadAsNodesThenConvertedWhenOpenedForWriting) {
  GrowTo(600, 200);
  ASSERT_TRUE(log_->CheckpointNow().ok());
  MakeLegacy();
  const uint64_t nodes = Count(tables::kAuditNodes);
  ASSERT_GT(nodes, 1000u);
  log_.reset();
  vault_.reset();
  {
    // Read-only (audit verify beside serve, a backup's check): the nodes
    // are read as they are; nothing is converted.
    std::unique_ptr<Vault> ro = OpenReadOnly();
    ASSERT_NE(ro, nullptr);
    auto log = AuditLog::Open(*ro);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto report = (*log)->Verify();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->root, merkle::RootAt(tree_.Reader(), 600).value());
    auto r = ro->BeginRead().value();
    EXPECT_EQ((*log)->InclusionProof(*r, 300, 600).value(),
              merkle::InclusionProof(tree_.Reader(), 300, 600).value());
    EXPECT_EQ(r->Count(tables::kAuditTiles).value(), 0u);
  }
  vault_ = OpenTestVault(dir_.path());
  OpenLog();  // converts
  EXPECT_EQ(Count(tables::kAuditNodes), 0u);
  EXPECT_EQ(Count(tables::kAuditTiles), 2u + 1);  // two full leaf tiles; level 1 of 2
  ExpectSameTreeAt(600);
  GrowTo(800, 64);
  ExpectSameTreeAt(800);
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoints, 1u);
  // Converted once: a second open changes nothing.
  OpenLog();
  EXPECT_EQ(Count(tables::kAuditTiles), 3u + 1);
}

TEST_F(LegacyTreeTest, AMissingNodeStopsTheConversionAndIsReported) {
  GrowTo(600, 600);
  MakeLegacy();
  ASSERT_TRUE(vault_
                  ->Write([](WriteTxn& w) {
                    return w.Delete(tables::kAuditNodes, tiles::LegacyNodeKey(0, 300));
                  })
                  .ok());
  const uint64_t nodes = Count(tables::kAuditNodes);
  auto log = AuditLog::Open(*vault_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss) << log.status().ToString();
  // Nothing was converted: the nodes are all still there, no tile.
  EXPECT_EQ(Count(tables::kAuditNodes), nodes);
  EXPECT_EQ(Count(tables::kAuditTiles), 0u);
}

}  // namespace
}  // namespace custos::vault
