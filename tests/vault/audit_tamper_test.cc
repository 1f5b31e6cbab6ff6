// Tamper tests for the audit log: every way of altering the stored log must
// make Verify() fail with kDataLoss naming the place.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "base/json.h"
#include "tests/vault/test_util.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/merkle.h"
#include "vault/audit/signed_note.h"
#include "vault/audit/tree_tiles.h"
#include "vault/store/internal/vault_impl.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::TempDir;

AuditEvent Event(int i) {
  AuditEvent e;
  e.actor = {"u" + std::to_string(i), "Li Si"};
  e.roles = {"author"};
  e.session = "sess";
  e.place = {"192.168.1.2", "curl/8", "WS-1", "HQ"};
  e.action = "record.view";
  e.object = {"record", "rec-1", 1};
  e.reason = "reason " + std::to_string(i);
  e.decision = AuditDecision::kAllow;
  e.rule = "r1";
  e.outcome = "ok";
  return e;
}

class AuditTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = CreateTestVault(dir_.path());
    AuditOptions opts;
    opts.checkpoint_every_events = 8;
    opts.checkpoint_every_ms = 0;
    log_ = AuditLog::Open(*vault_, opts).value();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(log_->AppendDurable(Event(i)).ok());
    auto r = vault_->BeginRead().value();
    ASSERT_TRUE(log_->Verify(*r).ok());
  }
  Status VerifyStatus() {
    auto r = vault_->BeginRead().value();
    return log_->Verify(*r).status();
  }
  // Appends events until the log holds `size` (checkpoints every 8).
  void GrowTo(uint64_t size) {
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) -> Status {
                      for (uint64_t i = log_->Size(w).value(); i < size; ++i)
                        CUSTOS_RETURN_IF_ERROR(
                            log_->Append(w, Event(static_cast<int>(i))).status());
                      return Status::Ok();
                    })
                    .ok());
    ASSERT_TRUE(VerifyStatus().ok());
  }
  std::string Leaf(uint64_t seq) {
    auto r = vault_->BeginRead().value();
    return log_->Leaf(*r, seq).value();
  }
  // Rewrites a leaf as an insider holding the vault key would: re-sealed, so
  // the value opens fine and only the log's own structure can tell.
  void PutLeaf(uint64_t seq, const std::string& leaf) {
    ASSERT_TRUE(
        vault_
            ->Write([&](WriteTxn& w) { return w.Put(tables::kAuditLeaves, EncodeU64(seq), leaf); })
            .ok());
  }
  static std::string WithReason(const std::string& leaf, const std::string& reason) {
    json::Value v = json::Parse(leaf).value();
    v["reason"] = reason;
    return json::Serialize(v);
  }

  TempDir dir_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> log_;
};

void ExpectFailsAt(const Status& st, const std::string& place) {
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_TRUE(st.message().starts_with(place)) << st.ToString();
}

// Verify checks the leaves of each step of events on two threads (each
// half of the step on one) and walks the tree in order: with damage in
// both halves, and in a later step, the first bad event in log order is
// the one named, indexed events included.
TEST_F(AuditTamperTest, TheFirstBadEventIsNamedAcrossChunksAndThreads) {
  AuditOptions opts;
  opts.checkpoint_every_events = 64;
  opts.checkpoint_every_ms = 0;
  opts.verify_step = 128;  // steps [0,128) [128,256) [256,312), halves of 64
  log_.reset();
  log_ = AuditLog::Open(*vault_, opts).value();
  const uint64_t kEvents = 312;
  for (uint64_t done = 20; done < kEvents; done += 100) {
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) -> Status {
                      for (uint64_t i = done; i < std::min(kEvents, done + 100); ++i)
                        CUSTOS_RETURN_IF_ERROR(
                            log_->Append(w, Event(static_cast<int>(i))).status());
                      return Status::Ok();
                    })
                    .ok());
  }
  uint64_t indexed = 0;
  while (true) {
    auto n = log_->IndexPending(100);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    indexed += *n;
  }
  ASSERT_EQ(indexed, kEvents);
  auto report = [&] {
    auto r = vault_->BeginRead().value();
    return log_->Verify(*r);
  }();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->size, kEvents);
  EXPECT_EQ(report->indexed, kEvents);
  // The second half of the second step (the helper's), then a later step,
  // then the first half of the second step.
  PutLeaf(230, WithReason(Leaf(230), "altered later"));
  ExpectFailsAt(VerifyStatus(), "seq 230:");
  PutLeaf(300, WithReason(Leaf(300), "altered last"));
  ExpectFailsAt(VerifyStatus(), "seq 230:");
  PutLeaf(150, WithReason(Leaf(150), "altered first"));
  ExpectFailsAt(VerifyStatus(), "seq 150:");
  // A leaf's own checks (here its seq) fail before any later tree check,
  // in the helper's half of the first step too.
  json::Value moved = json::Parse(Leaf(100)).value();
  moved["seq"] = 101;
  PutLeaf(100, json::Serialize(moved));
  ExpectFailsAt(VerifyStatus(), "seq 100:");
}

TEST_F(AuditTamperTest, AlteredEventAmongTheNewestIsCaughtByTheCheckpoint) {
  // The newest events' tile of leaf hashes is not stored (their leaves
  // are): a rewritten one among them shows in the first checkpoint over it.
  PutLeaf(5, WithReason(Leaf(5), "nothing to see"));
  Status st = VerifyStatus();
  ExpectFailsAt(st, "checkpoint 8:");
  EXPECT_NE(st.message().find("seq 0..7"), std::string::npos) << st.ToString();
}

TEST_F(AuditTamperTest, AlteredEventInAStoredTileIsNamed) {
  GrowTo(300);
  PutLeaf(100, WithReason(Leaf(100), "nothing to see"));
  ExpectFailsAt(VerifyStatus(), "seq 100:");
}

TEST_F(AuditTamperTest, AlteredEventWithRecomputedTreeIsCaughtByTheCheckpoint) {
  // A stronger insider rewrites the leaf and the tiles over it, but cannot
  // sign.
  GrowTo(300);
  PutLeaf(5, WithReason(Leaf(5), "nothing to see"));
  ASSERT_TRUE(
      vault_
          ->Write([&](WriteTxn& w) -> Status {
            std::string hashes;
            merkle::CompactRange range;
            for (uint64_t s = 0; s < 256; ++s) {
              CUSTOS_ASSIGN_OR_RETURN(std::string leaf, w.Get(tables::kAuditLeaves, EncodeU64(s)));
              hashes += merkle::LeafHash(leaf);
              CUSTOS_RETURN_IF_ERROR(range.Append(merkle::LeafHash(leaf)));
            }
            CUSTOS_RETURN_IF_ERROR(w.Put(tables::kAuditTiles, tiles::TileKey(0, 0), hashes));
            return w.Put(tables::kAuditTiles, tiles::TileKey(1, 0), range.Root());
          })
          .ok());
  Status st = VerifyStatus();
  ExpectFailsAt(st, "checkpoint 8:");
  EXPECT_NE(st.message().find("seq 0..7"), std::string::npos) << st.ToString();
  // And the log refuses to sign a checkpoint over the altered tree.
  EXPECT_EQ(log_->CheckpointNow().status().code(), StatusCode::kDataLoss);
}

TEST_F(AuditTamperTest, AlteredTileIsNamedByItsFirstEvent) {
  GrowTo(300);
  // One hash of level 1 (the root of the leaves 0..255) changed.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    CUSTOS_ASSIGN_OR_RETURN(std::string tile,
                                            w.Get(tables::kAuditTiles, tiles::TileKey(1, 0)));
                    tile[3] ^= 1;
                    return w.Put(tables::kAuditTiles, tiles::TileKey(1, 0), tile);
                  })
                  .ok());
  // (Named at the end of the walk, or at the first checkpoint whose
  // consistency proof passes through it.)
  Status st = VerifyStatus();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find("stored tree"), std::string::npos) << st.ToString();
}

TEST_F(AuditTamperTest, CorruptedSealedBytes) {
  std::string raw = internal::RawGet(*vault_, tables::kAuditLeaves, EncodeU64(7)).value();
  raw[raw.size() / 2] ^= 0x01;
  ASSERT_TRUE(internal::RawPut(*vault_, tables::kAuditLeaves, EncodeU64(7), raw).ok());
  ExpectFailsAt(VerifyStatus(), "seq 7:");
}

TEST_F(AuditTamperTest, DeletedEvent) {
  ASSERT_TRUE(
      vault_->Write([](WriteTxn& w) { return w.Delete(tables::kAuditLeaves, EncodeU64(4)); }).ok());
  ExpectFailsAt(VerifyStatus(), "seq 4:");
}

TEST_F(AuditTamperTest, DeletedLastEventBehindACheckpoint) {
  // The newest events have no stored hashes (their tile is not full): the
  // checkpoint over them (every 1024 events, every minute of `serve`, on
  // demand) is what notices one removed.
  ASSERT_TRUE(log_->CheckpointNow().ok());
  ASSERT_TRUE(
      vault_->Write([](WriteTxn& w) { return w.Delete(tables::kAuditLeaves, EncodeU64(19)); })
          .ok());
  ExpectFailsAt(VerifyStatus(), "seq 19:");
}

TEST_F(AuditTamperTest, ReorderedEventsResealed) {
  std::string a = Leaf(2);
  std::string b = Leaf(3);
  PutLeaf(2, b);
  PutLeaf(3, a);
  ExpectFailsAt(VerifyStatus(), "seq 2:");
}

// Each leaf must be canonical JSON of an object carrying its own seq
// (json::IsCanonical, read without building a tree): a leaf re-sealed by
// someone holding the vault key in any other form is named with why.
TEST_F(AuditTamperTest, ALeafThatIsNotCanonicalOrCarriesAnotherSeqIsNamedWithWhy) {
  const std::string original = Leaf(5);
  const std::string pretty = json::SerializePretty(json::Parse(original).value());
  std::string spaced = original;
  spaced.insert(1, " ");
  const struct {
    std::string leaf;
    std::string why;
  } cases[] = {
      {pretty, "seq 5: leaf is not canonical JSON"},
      {spaced, "seq 5: leaf is not canonical JSON"},
      {"[5]", "seq 5: leaf is not canonical JSON"},
      {original.substr(0, original.size() - 1), "seq 5: leaf is not canonical JSON"},
      {R"({"seq":5,"b":1})", "seq 5: leaf is not canonical JSON"},  // keys out of order
      {Leaf(6), "seq 5: leaf carries another seq"},
      {R"({"a":1,"seq":5.5})", "seq 5: leaf carries another seq"},
      {R"({"a":1,"seq":"5"})", "seq 5: leaf carries another seq"},
      {R"({"a":1})", "seq 5: leaf carries another seq"},
  };
  for (const auto& c : cases) {
    PutLeaf(5, c.leaf);
    const Status st = VerifyStatus();
    EXPECT_EQ(st.code(), StatusCode::kDataLoss) << c.leaf;
    EXPECT_TRUE(st.message().starts_with(c.why)) << c.leaf << " -> " << st.ToString();
  }
  PutLeaf(5, original);
  EXPECT_TRUE(VerifyStatus().ok());
}

TEST_F(AuditTamperTest, ReorderedEventsRawSwap) {
  std::string a = internal::RawGet(*vault_, tables::kAuditLeaves, EncodeU64(10)).value();
  std::string b = internal::RawGet(*vault_, tables::kAuditLeaves, EncodeU64(11)).value();
  ASSERT_TRUE(internal::RawPut(*vault_, tables::kAuditLeaves, EncodeU64(10), b).ok());
  ASSERT_TRUE(internal::RawPut(*vault_, tables::kAuditLeaves, EncodeU64(11), a).ok());
  ExpectFailsAt(VerifyStatus(), "seq 10:");
}

TEST_F(AuditTamperTest, ReorderedWithRenumberedSeqIsCaughtByTheTree) {
  // Swap two events and fix their "seq" fields so each looks in place:
  // among the newest, the checkpoint over them tells; in a stored tile of
  // leaf hashes, the tile names the first.
  auto swap = [&](uint64_t x) {
    json::Value a = json::Parse(Leaf(x)).value();
    json::Value b = json::Parse(Leaf(x + 1)).value();
    a["seq"] = x + 1;
    b["seq"] = x;
    PutLeaf(x, json::Serialize(b));
    PutLeaf(x + 1, json::Serialize(a));
  };
  swap(12);
  Status st = VerifyStatus();
  ExpectFailsAt(st, "checkpoint 16:");
  EXPECT_NE(st.message().find("seq 8..15"), std::string::npos) << st.ToString();
  swap(12);  // back
  ASSERT_TRUE(VerifyStatus().ok());
  GrowTo(300);
  swap(100);
  ExpectFailsAt(VerifyStatus(), "seq 100:");
}

TEST_F(AuditTamperTest, CheckpointResignedWithAnotherKey) {
  auto r = vault_->BeginRead().value();
  std::string note_text = log_->CheckpointAt(*r, 16).value();
  r.reset();
  std::string text = note::Parse(note_text).value().text;
  Ed25519KeyPair other = GenerateEd25519();
  std::string forged = note::Sign(text, log_->name(), other.secret_key, other.public_key).value();
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Put(tables::kCheckpoints, EncodeU64(16), forged); })
          .ok());
  ExpectFailsAt(VerifyStatus(), "checkpoint 16:");
  // Signing refuses to extend a checkpoint it cannot verify.
  EXPECT_EQ(log_->CheckpointNow().status().code(), StatusCode::kDataLoss);
}

TEST_F(AuditTamperTest, TruncatedLeavesAreCaughtByTheLastCheckpointsSize) {
  ASSERT_TRUE(vault_
                  ->Write([](WriteTxn& w) -> Status {
                    for (uint64_t s = 10; s < 20; ++s) {
                      CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kAuditLeaves, EncodeU64(s)));
                    }
                    return Status::Ok();
                  })
                  .ok());
  ExpectFailsAt(VerifyStatus(), "seq 10:");
}

TEST_F(AuditTamperTest, TruncatedLeavesAreCaughtByTheirStoredTile) {
  GrowTo(300);
  // The tail gone, the state rolled back to it: the tile of leaf hashes
  // 0..255 still tells.
  ASSERT_TRUE(vault_
                  ->Write([](WriteTxn& w) -> Status {
                    for (uint64_t s = 250; s < 300; ++s) {
                      CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kAuditLeaves, EncodeU64(s)));
                    }
                    std::string st = EncodeU64(248) + EncodeU64(248) + EncodeU64(1);
                    return w.Put(tables::kAuditState, "state", st);
                  })
                  .ok());
  Status st = VerifyStatus();
  ExpectFailsAt(st, "seq 250:");
  EXPECT_NE(st.message().find("tile 0/0"), std::string::npos) << st.ToString();
}

TEST_F(AuditTamperTest, TruncatedLogBehindACheckpoint) {
  // Remove the tail with its leaf hashes and roll the state back: the
  // checkpoint of 16 remains.
  ASSERT_TRUE(vault_
                  ->Write([](WriteTxn& w) -> Status {
                    for (uint64_t s = 10; s < 20; ++s) {
                      CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kAuditLeaves, EncodeU64(s)));
                    }
                    std::string st = EncodeU64(10) + EncodeU64(8) + EncodeU64(1);
                    return w.Put(tables::kAuditState, "state", st);
                  })
                  .ok());
  ExpectFailsAt(VerifyStatus(), "checkpoint 16:");
}

}  // namespace
}  // namespace custos::vault
