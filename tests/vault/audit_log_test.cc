#include "vault/audit/audit_log.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/json.h"
#include "base/time.h"
#include "tests/vault/test_util.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/merkle.h"
#include "vault/audit/signed_note.h"
#include "vault/audit/tlog_tiles.h"
#include "vault/store/crypto.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::RunInOneBatch;
using testing::TempDir;

AuditEvent SampleEvent(int i) {
  AuditEvent e;
  e.actor = {"u" + std::to_string(i % 7), "Zhang San"};
  e.roles = {"borrower"};
  e.session = "s-123";
  e.place = {"10.0.0.7", "Mozilla/5.0", "WS-12", "Shanghai office"};
  e.action = "record.view";
  e.object = {"record", "rec-" + std::to_string(i % 5), 3};
  e.reason = "client meeting prep";
  e.decision = AuditDecision::kAllow;
  e.rule = "quota.three_views";
  e.policy = std::string(64, 'a');
  e.outcome = "ok";
  e.details["views_used"] = 1;
  e.details["quota"] = 3;
  return e;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen({}); }
  void Reopen(const AuditOptions& options) {
    if (!vault_) vault_ = CreateTestVault(dir_.path());
    auto log = AuditLog::Open(*vault_, options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  void AppendN(int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(log_->AppendDurable(SampleEvent(i)).ok());
  }
  std::string Leaf(uint64_t seq) {
    auto r = vault_->BeginRead().value();
    return log_->Leaf(*r, seq).value();
  }
  // The times the log gave events 0..n-1, read from their leaves.
  std::vector<UnixMillis> Times(int n) {
    std::vector<UnixMillis> times;
    for (int i = 0; i < n; ++i) {
      times.push_back(ParseRfc3339(json::Parse(Leaf(i))->Find("time")->as_string()).value());
    }
    return times;
  }
  // Deletes the first audit index entry whose key begins with `prefix`, as
  // someone hiding an event would; returns its key (its value is kept in
  // removed_value_ for PutBack).
  std::string RemoveFirstIndexEntry(std::string_view prefix) {
    std::string removed;
    Status s = vault_->Write([&](WriteTxn& w) -> Status {
      CUSTOS_RETURN_IF_ERROR(
          w.Scan(tables::kAuditIndex, prefix, [&](std::string_view k, std::string_view v) {
            removed = std::string(k);
            removed_value_ = std::string(v);
            return Result<bool>(false);
          }));
      return w.Delete(tables::kAuditIndex, removed);
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return removed;
  }
  // Puts the entry RemoveFirstIndexEntry removed back as it was.
  void PutBack(const std::string& key) {
    Status s =
        vault_->Write([&](WriteTxn& w) { return w.Put(tables::kAuditIndex, key, removed_value_); });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::string removed_value_;
  TempDir dir_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, EventIsCanonicalJsonWithEveryField) {
  AuditEvent e = SampleEvent(1);
  e.reason = "bad utf8 \xff here";
  e.object.version.reset();
  e.policy.clear();
  std::string leaf = EncodeAuditLeaf(e, 42, 1'700'000'000'123).value();
  EXPECT_EQ(
      leaf,
      R"({"action":"record.view","actor":{"id":"u1","name":"Zhang San"},"decision":"allow",)"
      R"("details":{"quota":3,"views_used":1},"object":{"id":"rec-1","type":"record",)"
      R"("version":null},"outcome":"ok","place":{"ip":"10.0.0.7","location":"Shanghai office",)"
      R"("user_agent":"Mozilla/5.0","workstation":"WS-12"},"policy":null,)"
      R"("reason":"bad utf8 )"
      "\xEF\xBF\xBD"
      R"( here","roles":["borrower"],"rule":"quota.three_views","seq":42,)"
      R"("session":"s-123","time":"2023-11-14T22:13:20.123Z"})");
  // The direct encoder and the generic canonical serializer agree.
  for (int i = 0; i < 20; ++i) {
    AuditEvent x = SampleEvent(i);
    x.reason = std::string("ctl \x01\t\n \"q\" \\ ") + "\xE5\xAE\xA2\xE6\x88\xB7" + "\xC0" +
               std::to_string(i);
    x.roles = i % 2 ? std::vector<std::string>{} : std::vector<std::string>{"a", "b\x7f"};
    x.decision = i % 3 ? AuditDecision::kAllow : AuditDecision::kDeny;
    if (i % 4 == 0) x.object.version.reset();
    if (i % 5 == 0) x.policy.clear();
    x.details["nested"]["list"].Push(i);
    x.details["z"] = "\xF0\x9F\x98\x80";
    uint64_t seq = static_cast<uint64_t>(i) * 1'000'003;
    EXPECT_EQ(EncodeAuditLeaf(x, seq, 1'790'000'000'000 + i).value(),
              json::Serialize(AuditEventToJson(x, seq, 1'790'000'000'000 + i).value()));
  }
  AuditEvent bad = SampleEvent(1);
  bad.action.clear();
  EXPECT_EQ(EncodeAuditLeaf(bad, 0, 0).status().code(), StatusCode::kInvalidArgument);
  bad = SampleEvent(1);
  bad.policy = "not-a-hash";
  EXPECT_EQ(EncodeAuditLeaf(bad, 0, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, DirectEncoderEscapesArbitraryBytesLikeTheSerializer) {
  // Random bytes biased towards what needs care: quotes, backslashes,
  // control bytes, DEL, UTF-8 lead and continuation bytes (valid, truncated
  // or stray) next to plain ASCII.
  const std::string pieces[] = {"a",
                                "Z",
                                " ",
                                "\"",
                                "\\",
                                "/",
                                "\x01",
                                "\x1f",
                                "\x7f",
                                "\n",
                                "\xC3\xA9",
                                "\xE5\xAE",
                                "\xE5\xAE\xA2",
                                "\x80",
                                "\xBF",
                                "\xC0",
                                "\xF0\x9F\x98\x80",
                                "\xF0\x9F",
                                "\xFF",
                                "\xED\xA0\x80",
                                "\xEF\xBF\xBD",
                                std::string(1, '\0')};
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  auto random_text = [&] {
    std::string t;
    for (size_t n = next() % 12; n > 0; --n) t += pieces[next() % std::size(pieces)];
    return t;
  };
  for (int i = 0; i < 500; ++i) {
    AuditEvent x = SampleEvent(i);
    x.actor.name = random_text();
    x.reason = random_text();
    x.session = random_text();
    x.place.user_agent = random_text();
    x.roles = {random_text(), random_text()};
    EXPECT_EQ(EncodeAuditLeaf(x, 7, 1'790'000'000'000).value(),
              json::Serialize(AuditEventToJson(x, 7, 1'790'000'000'000).value()))
        << i;
  }
}

TEST_F(AuditLogTest, AppendAssignsDenseSeqAndTheTreeMatches) {
  AppendN(21);
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->Size(*r).value(), 21u);
  merkle::MemoryTree tree;
  for (uint64_t s = 0; s < 21; ++s) {
    std::string leaf = log_->Leaf(*r, s).value();
    auto v = json::Parse(leaf).value();
    EXPECT_EQ(v.Find("seq")->as_int(), static_cast<int64_t>(s));
    tree.AppendLeaf(leaf);
  }
  for (uint64_t n = 0; n <= 21; ++n) {
    EXPECT_EQ(log_->Root(*r, n).value(), merkle::RootAt(tree.Reader(), n).value()) << n;
  }
  EXPECT_EQ(log_->Root(*r, 22).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Leaf(*r, 21).status().code(), StatusCode::kNotFound);
  auto report = log_->Verify(*r);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->size, 21u);
}

TEST_F(AuditLogTest, FailedRequestLeavesNoGapAndCommitsNothing) {
  AppendN(2);
  Status st = vault_->Write([&](WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_->Append(w, SampleEvent(9)));
    EXPECT_EQ(seq, 2u);
    return Status::PermissionDenied("the access failed after logging");
  });
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(log_->AppendDurable(SampleEvent(3)).value(), 2u);
  // An invalid event fails closed: the caller's whole request rolls back.
  AuditEvent bad = SampleEvent(4);
  bad.action.clear();
  st = vault_->Write([&](WriteTxn& w) -> Status {
    CUSTOS_RETURN_IF_ERROR(w.Put(tables::kViewCounts, "x", "1"));
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_->Append(w, bad));
    (void)seq;
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  auto r = vault_->BeginRead().value();
  EXPECT_FALSE(r->Has(tables::kViewCounts, "x").value());
  EXPECT_EQ(log_->Size(*r).value(), 3u);
  EXPECT_TRUE(log_->Verify(*r).ok());
}

// An evidence verifier reads one event a line at a time up to 1 MiB: the
// log appends no larger event, and the access it records does not happen.
TEST_F(AuditLogTest, AnEventLargerThanTheVerifiersReadIsRefusedAndNothingHappens) {
  AppendN(1);
  AuditEvent big = SampleEvent(1);
  big.details["note"] = std::string(kMaxAuditLeafBytes, 'x');
  Status st = vault_->Write([&](WriteTxn& w) -> Status {
    CUSTOS_RETURN_IF_ERROR(w.Put(tables::kViewCounts, "x", "1"));
    return log_->Append(w, big).status();
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("larger than 1 MiB"), std::string::npos) << st.message();
  EXPECT_NE(st.message_zh().find("超过 1 MiB"), std::string::npos) << st.message_zh();
  // One that fits right up to the limit is appended; its leaf is within it.
  AuditEvent fits = SampleEvent(1);
  fits.details["note"] = "";
  const size_t empty_leaf = EncodeAuditLeaf(fits, 99'999'999'999, 1).value().size();
  fits.details["note"] = std::string(kMaxAuditLeafBytes - empty_leaf - 20, 'y');
  ASSERT_TRUE(log_->AppendDurable(fits).ok());
  auto r = vault_->BeginRead().value();
  EXPECT_FALSE(r->Has(tables::kViewCounts, "x").value());
  EXPECT_EQ(log_->Size(*r).value(), 2u);
  EXPECT_LE(Leaf(1).size(), kMaxAuditLeafBytes);
  EXPECT_TRUE(log_->Verify(*r).ok());
}

// A leaver of 140 000 files: the event names the first kMaxListedIds and
// commits to the whole list by its count and SHA-256.
TEST(AuditIdListTest, ALongListNamesItsFirstIdsAndCommitsToTheWholeList) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < kMaxListedIds; ++i) ids.push_back("rec-" + std::to_string(i));
  json::Value details = json::Value::MakeObject();
  PutIdList(details, "records", ids);
  EXPECT_EQ(details.Find("records")->as_array().size(), kMaxListedIds);
  EXPECT_EQ(details.Find("records_total"), nullptr);
  EXPECT_EQ(details.Find("records_sha256"), nullptr);

  ids.push_back("rec-last");
  details = json::Value::MakeObject();
  PutIdList(details, "records", ids);
  const json::Array& listed = details.Find("records")->as_array();
  ASSERT_EQ(listed.size(), kMaxListedIds);
  EXPECT_EQ(listed.front().as_string(), "rec-0");
  EXPECT_EQ(listed.back().as_string(), "rec-" + std::to_string(kMaxListedIds - 1));
  EXPECT_EQ(details.Find("records_total")->as_int(), static_cast<int64_t>(kMaxListedIds + 1));
  // What `printf '%s\n' rec-0 … rec-last | sha256sum` prints.
  std::string lines;
  for (const std::string& id : ids) lines += id + "\n";
  EXPECT_EQ(details.Find("records_sha256")->as_string(), HexEncode(Sha256(lines)));
  EXPECT_NE(details.Find("records_sha256")->as_string(),
            HexEncode(Sha256(lines.substr(0, lines.size() - 9))));
}

// The log remembers the right edge of the tree it last committed, for the
// next batch. A batch whose last request appended and then failed leaves
// that request's event in the edge it remembers: the next batch must see
// that the log is smaller than the edge and start from the stored tree.
TEST_F(AuditLogTest, TheNextBatchDoesNotExtendAnEdgeThatHoldsARolledBackEvent) {
  AppendN(5);
  auto results =
      RunInOneBatch(*vault_, {[&](WriteTxn& w) { return log_->Append(w, SampleEvent(1)).status(); },
                              [&](WriteTxn& w) -> Status {
                                CUSTOS_RETURN_IF_ERROR(log_->Append(w, SampleEvent(2)).status());
                                CUSTOS_RETURN_IF_ERROR(log_->Append(w, SampleEvent(3)).status());
                                return Status::PermissionDenied("refused after logging");
                              }});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), StatusCode::kPermissionDenied);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(log_->AppendDurable(SampleEvent(i)).ok());
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->Size(*r).value(), 10u);
  auto report = log_->Verify(*r);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
}

TEST_F(AuditLogTest, RolledBackAppendsInABatchLeaveNothingForTheNextAppend) {
  AppendN(3);
  std::vector<uint64_t> seqs(4, 999);
  auto append = [&](size_t i, int events, Status then) {
    return [&, i, events, then](WriteTxn& w) -> Status {
      for (int e = 0; e < events; ++e) {
        CUSTOS_ASSIGN_OR_RETURN(seqs[i], log_->Append(w, SampleEvent(e)));
      }
      return then;
    };
  };
  // 0 appends seq 3 (completing subtrees) and commits; 1 appends 4..6 and
  // rolls back; 2 must append at 4 again, over the stored tree, not over
  // what 1 left behind; 3 appends one that fails to encode.
  AuditEvent bad = SampleEvent(0);
  bad.action.clear();
  auto results =
      RunInOneBatch(*vault_, {append(0, 1, Status::Ok()),
                              append(1, 3, Status::PermissionDenied("access failed after logging")),
                              append(2, 2, Status::Ok()), [&](WriteTxn& w) -> Status {
                                CUSTOS_ASSIGN_OR_RETURN(seqs[3], log_->Append(w, bad));
                                return Status::Ok();
                              }});
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(results[3].code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(seqs[0], 3u);
  EXPECT_EQ(seqs[1], 6u);  // its last, rolled back
  EXPECT_EQ(seqs[2], 5u);
  EXPECT_EQ(log_->AppendDurable(SampleEvent(7)).value(), 6u);
  auto r = vault_->BeginRead().value();
  auto report = log_->Verify(*r);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->size, 7u);
  merkle::MemoryTree tree;
  for (uint64_t s = 0; s < 7; ++s) tree.AppendLeaf(log_->Leaf(*r, s).value());
  EXPECT_EQ(log_->Root(*r, 7).value(), merkle::RootAt(tree.Reader(), 7).value());
}

TEST_F(AuditLogTest, OtherWritesToTheLogTablesInABatchAreSeenByTheNextAppend) {
  AppendN(5);
  // Removing the last event (as a repair tool might) between two appends of
  // one batch: the second append must build on what is stored.
  std::vector<uint64_t> seqs(2, 999);
  auto results = RunInOneBatch(
      *vault_, {[&](WriteTxn& w) -> Status {
                  CUSTOS_ASSIGN_OR_RETURN(seqs[0], log_->Append(w, SampleEvent(1)));
                  return Status::Ok();
                },
                [&](WriteTxn& w) -> Status { return w.Delete(tables::kAuditLeaves, EncodeU64(5)); },
                [&](WriteTxn& w) -> Status {
                  CUSTOS_ASSIGN_OR_RETURN(seqs[1], log_->Append(w, SampleEvent(2)));
                  return Status::Ok();
                }});
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(seqs[0], 5u);
  EXPECT_EQ(seqs[1], 5u);
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->size, 6u);
}

TEST_F(AuditLogTest, CheckpointsByCountAndOnDemandAreKeptAndVerify) {
  AuditOptions opts;
  opts.checkpoint_every_events = 4;
  opts.checkpoint_every_ms = 0;
  Reopen(opts);
  AppendN(10);
  {
    auto r = vault_->BeginRead().value();
    EXPECT_EQ(log_->CheckpointSizes(*r).value(), (std::vector<uint64_t>{4, 8}));
  }
  std::string cp = log_->CheckpointNow().value();
  EXPECT_EQ(log_->CheckpointNow().value(), cp);  // same size: the same note
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->CheckpointSizes(*r).value(), (std::vector<uint64_t>{4, 8, 10}));
  EXPECT_EQ(log_->LatestCheckpoint(*r).value(), cp);
  // The note opens with the published verifier key and is a checkpoint of this log.
  note::Verifier v = note::ParseVerifierKey(log_->VerifierKey()).value();
  std::string text = note::Open(cp, v).value();
  Checkpoint c = ParseCheckpoint(text).value();
  EXPECT_EQ(c.origin, "custos.test/vault");
  EXPECT_EQ(c.size, 10u);
  EXPECT_EQ(c.root, log_->Root(*r, 10).value());
  EXPECT_EQ(text, "custos.test/vault\n10\n" + Base64Encode(c.root) + "\n");
  auto report = log_->Verify(*r);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoints, 3u);
  EXPECT_EQ(report->latest_checkpoint_size, 10u);
}

TEST_F(AuditLogTest, CheckpointByTime) {
  AuditOptions opts;
  opts.checkpoint_every_events = 0;
  opts.checkpoint_every_ms = 1;
  Reopen(opts);
  AppendN(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  AppendN(1);
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->CheckpointSizes(*r).value(), (std::vector<uint64_t>{1, 2}));
}

TEST_F(AuditLogTest, InclusionAndConsistencyProofsVerify) {
  AppendN(13);
  std::string cp_note = log_->CheckpointNow().value();
  AppendN(5);
  // Prove against the given (older) checkpoint.
  std::string proof_text = log_->Prove(6, &cp_note).value();
  TlogProof p = ParseTlogProof(proof_text).value();
  EXPECT_EQ(p.index, 6u);
  EXPECT_EQ(p.checkpoint, cp_note);
  EXPECT_TRUE(proof_text.starts_with("c2sp.org/tlog-proof@v1\nindex 6\n")) << proof_text;
  Checkpoint c = ParseCheckpoint(note::Open(cp_note, log_->verifier()).value()).value();
  EXPECT_TRUE(merkle::VerifyInclusion(6, c.size, merkle::LeafHash(Leaf(6)), p.hashes, c.root).ok());
  // Without a checkpoint: event 15 is newer than the latest, so one is signed.
  std::string fresh = log_->Prove(15).value();
  TlogProof p2 = ParseTlogProof(fresh).value();
  Checkpoint c2 = ParseCheckpoint(note::Open(p2.checkpoint, log_->verifier()).value()).value();
  EXPECT_EQ(c2.size, 18u);
  EXPECT_TRUE(merkle::VerifyInclusion(15, 18, merkle::LeafHash(Leaf(15)), p2.hashes, c2.root).ok());
  // Consistency between the two checkpoints.
  auto r = vault_->BeginRead().value();
  auto proof = log_->ConsistencyProof(*r, 13, 18).value();
  EXPECT_TRUE(merkle::VerifyConsistency(13, 18, c.root, c2.root, proof).ok());
  // Errors.
  EXPECT_EQ(log_->Prove(18).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->Prove(14, &cp_note).status().code(), StatusCode::kInvalidArgument);
  std::string forged = cp_note;
  forged[forged.size() - 5] ^= 1;
  EXPECT_FALSE(log_->Prove(1, &forged).ok());
}

TEST_F(AuditLogTest, ExportFilters) {
  AppendN(10);
  auto r = vault_->BeginRead().value();
  std::vector<uint64_t> seqs;
  AuditFilter f;
  f.actor = "u3";
  ASSERT_TRUE(log_->Export(*r, f,
                           [&](uint64_t s, std::string_view) {
                             seqs.push_back(s);
                             return true;
                           })
                  .ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{3}));
  seqs.clear();
  f = {};
  f.object = "rec-2";
  ASSERT_TRUE(log_->Export(*r, f,
                           [&](uint64_t s, std::string_view) {
                             seqs.push_back(s);
                             return true;
                           })
                  .ok());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{2, 7}));
  seqs.clear();
  f = {};
  f.to = 0;
  ASSERT_TRUE(log_->Export(*r, f,
                           [&](uint64_t s, std::string_view) {
                             seqs.push_back(s);
                             return true;
                           })
                  .ok());
  EXPECT_TRUE(seqs.empty());
}

// Every (filter, order, stop-after) answer, computed by reading each of the
// n events `event` made.
std::vector<uint64_t> Expected(int n, const AuditFilter& f, size_t stop_after,
                               AuditEvent (*event)(int) = SampleEvent) {
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) {
    const uint64_t seq = f.newest_first ? n - 1 - i : i;
    const AuditEvent e = event(static_cast<int>(seq));
    if (f.denied && e.decision != AuditDecision::kDeny) continue;
    if (f.actor && e.actor.id != *f.actor) continue;
    if (f.object && e.object.id != *f.object) continue;
    if (out.size() == stop_after) break;
    out.push_back(seq);
  }
  return out;
}

TEST_F(AuditLogTest, IndexedExportFindsExactlyWhatAScanFinds) {
  // Indexed in two steps, then more events the index does not cover yet:
  // every filter, in both orders and stopped early, must give exactly the
  // events a scan of the whole log gives.
  AppendN(40);
  EXPECT_EQ(log_->IndexPending(25).value(), 25u);
  EXPECT_EQ(log_->IndexPending(100).value(), 15u);
  EXPECT_EQ(log_->IndexPending(100).value(), 0u);
  const int n = 51;
  for (int i = 40; i < n; ++i) ASSERT_TRUE(log_->AppendDurable(SampleEvent(i)).ok());
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->Indexed(*r).value(), 40u);
  for (bool newest_first : {false, true}) {
    for (size_t stop_after : {size_t{1}, size_t{3}, size_t{1000}}) {
      for (int which = 0; which < 3; ++which) {
        AuditFilter f;
        f.newest_first = newest_first;
        if (which != 1) f.actor = "u4";
        if (which != 0) f.object = "rec-3";
        std::vector<uint64_t> seqs;
        ASSERT_TRUE(log_->Export(*r, f,
                                 [&](uint64_t s, std::string_view leaf) {
                                   EXPECT_EQ(leaf, Leaf(s));
                                   seqs.push_back(s);
                                   return seqs.size() < stop_after;
                                 })
                        .ok());
        EXPECT_EQ(seqs, Expected(n, f, stop_after))
            << "newest_first " << newest_first << " stop " << stop_after << " filter " << which;
      }
    }
  }
  // Time bounds still apply to events found through the index.
  AuditFilter f;
  f.actor = "u4";
  f.to = 0;
  size_t found = 0;
  ASSERT_TRUE(log_->Export(*r, f, [&](uint64_t, std::string_view) { return ++found > 0; }).ok());
  EXPECT_EQ(found, 0u);
  // A window (read from each leaf's text), with and without a person or a
  // file: exactly the events whose parsed time falls in it.
  const std::vector<UnixMillis> times = Times(n);
  for (int which = 0; which < 3; ++which) {
    AuditFilter w;
    if (which == 1) w.actor = "u4";
    if (which == 2) w.object = "rec-3";
    w.from = times[20];
    w.to = times[35] + 1;
    std::vector<uint64_t> want;
    for (int i = 0; i < n; ++i) {
      const AuditEvent e = SampleEvent(i);
      if (w.actor && e.actor.id != *w.actor) continue;
      if (w.object && e.object.id != *w.object) continue;
      if (times[i] >= *w.from && times[i] < *w.to) want.push_back(static_cast<uint64_t>(i));
    }
    std::vector<uint64_t> got;
    ASSERT_TRUE(log_->Export(*r, w,
                             [&](uint64_t s, std::string_view) {
                               got.push_back(s);
                               return true;
                             })
                    .ok());
    EXPECT_EQ(got, want) << "filter " << which;
    EXPECT_FALSE(want.empty());
  }
  r.reset();
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->indexed, 40u);
}

TEST_F(AuditLogTest, VerifyFindsAnIndexEntryRemovedOrAdded) {
  // An entry removed from the index would hide an event from the auditors'
  // filtered reads and from departure reports: verify must say so.
  AppendN(12);
  ASSERT_EQ(log_->IndexPending().value(), 12u);
  ASSERT_TRUE(log_->Verify().ok());
  const std::string removed = RemoveFirstIndexEntry("");
  auto bad = log_->Verify();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("index: seq "), std::string::npos)
      << bad.status().message();
  PutBack(removed);
  ASSERT_TRUE(log_->Verify().ok());
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Put(tables::kAuditIndex, std::string("a-invented-entry"), "");
                  })
                  .ok());
  bad = log_->Verify();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("index: holds 25 entries"), std::string::npos)
      << bad.status().message();
}

// Each index entry holds its event's time, so that a read of a window (a
// departure report, an evidence bundle's scope) passes over a person's
// older events without opening their leaves; verify checks the times, since
// a wrong one would hide an event from such reads.
TEST_F(AuditLogTest, AnIndexEntryHoldsItsEventsTimeAndAWindowPassesOverOthersUnread) {
  // Event 0 a few milliseconds before the others, so that a window can
  // start between it and event 7.
  ASSERT_TRUE(log_->AppendDurable(SampleEvent(0)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  for (int i = 1; i < 12; ++i) ASSERT_TRUE(log_->AppendDurable(SampleEvent(i)).ok());
  ASSERT_EQ(log_->IndexPending().value(), 12u);
  const std::vector<UnixMillis> times = Times(12);
  size_t entries = 0;
  {
    auto r = vault_->BeginRead().value();
    ASSERT_TRUE(r->Scan(tables::kAuditIndex, "",
                        [&](std::string_view key, std::string_view value) -> Result<bool> {
                          const uint64_t seq = DecodeU64(key.substr(key.size() - 8));
                          EXPECT_EQ(value, EncodeU64(static_cast<uint64_t>(times[seq])))
                              << "seq " << seq;
                          ++entries;
                          return true;
                        })
                    .ok());
  }
  EXPECT_EQ(entries, 24u);  // an actor and an object entry each

  // An entry that gives another time is named by verify.
  const std::string key = RemoveFirstIndexEntry("");
  const uint64_t seq = DecodeU64(key.substr(key.size() - 8));
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Put(tables::kAuditIndex, key,
                                 EncodeU64(static_cast<uint64_t>(times[seq] - 86'400'000)));
                  })
                  .ok());
  auto bad = log_->Verify();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("an entry gives another time than the event's"),
            std::string::npos)
      << bad.status().message();
  PutBack(key);
  ASSERT_TRUE(log_->Verify().ok());

  // u0 acted in events 0 and 7. Event 0's leaf is made unreadable: a read
  // of u0's events from just after it never opens it, a read of all of
  // them fails on it.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Put(tables::kAuditLeaves, EncodeU64(0), "not an event");
                  })
                  .ok());
  auto r = vault_->BeginRead().value();
  AuditFilter window;
  window.actor = "u0";
  window.from = times[0] + 1;
  ASSERT_GE(times[7], *window.from);
  const std::vector<uint64_t> want{7};
  std::vector<uint64_t> got;
  Status read = log_->Export(*r, window, [&](uint64_t s, std::string_view) {
    got.push_back(s);
    return true;
  });
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(got, want);
  AuditFilter all;
  all.actor = "u0";
  read = log_->Export(*r, all, [&](uint64_t, std::string_view) { return true; });
  EXPECT_EQ(read.code(), StatusCode::kDataLoss) << read.ToString();
}

// SampleEvent(i), refused when i % 5 == 2 (the quota exhausted).
AuditEvent MaybeRefused(int i) {
  AuditEvent e = SampleEvent(i);
  if (i % 5 == 2) {
    e.decision = AuditDecision::kDeny;
    e.outcome = "quota_exhausted";
  }
  return e;
}

// The seqs Export gives for `f`, stopping after `stop_after`.
std::vector<uint64_t> Exported(const AuditLog& log, const ReadTxn& r, const AuditFilter& f,
                               size_t stop_after = 1000) {
  std::vector<uint64_t> seqs;
  Status s = log.Export(r, f, [&](uint64_t seq, std::string_view) {
    seqs.push_back(seq);
    return seqs.size() < stop_after;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return seqs;
}

// A vault indexed by an older Custos: its entries (by actor, by object, of
// denials) hold no time and there is no "indexed.times". It verifies as it
// is, and reads of a window still find everything (through the leaves).
// New events are indexed first, with times; then calls with nothing new
// give the old entries their times, a slice at a time from the first
// event. Verify then holds every entry below indexed.times to a time.
TEST_F(AuditLogTest, EntriesWrittenWithoutTimesGetThemAfterNewEventsAreIndexed) {
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  ASSERT_EQ(log_->IndexPending().value(), 30u);
  auto entries_with_times = [&] {
    size_t with = 0, without = 0;
    auto r = vault_->BeginRead().value();
    EXPECT_TRUE(r->Scan(tables::kAuditIndex, "",
                        [&](std::string_view, std::string_view value) -> Result<bool> {
                          ++(value.empty() ? without : with);
                          return true;
                        })
                    .ok());
    return std::make_pair(with, without);
  };
  std::vector<std::string> keys;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    CUSTOS_RETURN_IF_ERROR(w.ScanKeys(tables::kAuditIndex, "",
                                                      [&](std::string_view k) -> Result<bool> {
                                                        keys.emplace_back(k);
                                                        return true;
                                                      }));
                    for (const std::string& k : keys) {
                      CUSTOS_RETURN_IF_ERROR(w.Put(tables::kAuditIndex, k, ""));
                    }
                    return w.Delete(tables::kAuditState, "indexed.times");
                  })
                  .ok());
  // An actor and an object entry for each event, and 6 denials.
  EXPECT_EQ(entries_with_times(), std::make_pair(size_t{0}, size_t{66}));
  ASSERT_TRUE(log_->Verify().ok());
  for (int i = 30; i < 35; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  const std::vector<UnixMillis> times = Times(35);
  AuditFilter w;
  w.actor = "u3";
  w.from = times[10];
  std::vector<uint64_t> want;
  for (uint64_t seq : {3, 10, 17, 24, 31}) {
    if (times[seq] >= *w.from) want.push_back(seq);
  }
  AuditFilter denials;
  denials.denied = true;
  denials.from = times[10];
  std::vector<uint64_t> want_denials;
  for (uint64_t seq : {2, 7, 12, 17, 22, 27, 32}) {
    if (times[seq] >= *denials.from) want_denials.push_back(seq);
  }
  auto check_reads = [&] {
    auto r = vault_->BeginRead().value();
    EXPECT_EQ(Exported(*log_, *r, w), want);
    EXPECT_EQ(Exported(*log_, *r, denials), want_denials);
  };
  check_reads();

  // The new events first: 5 events, 11 entries with times.
  EXPECT_EQ(log_->IndexPending(20).value(), 5u);
  EXPECT_EQ(entries_with_times(), std::make_pair(size_t{11}, size_t{66}));
  {
    auto r = vault_->BeginRead().value();
    EXPECT_EQ(log_->Indexed(*r).value(), 35u);
    EXPECT_EQ(log_->DenialsIndexed(*r).value(), 35u);
  }
  check_reads();
  // Then the old ones' times: events 0..19 (40 entries and 4 denials).
  EXPECT_EQ(log_->IndexPending(20).value(), 20u);
  EXPECT_EQ(entries_with_times(), std::make_pair(size_t{55}, size_t{22}));
  check_reads();
  ASSERT_TRUE(log_->Verify().ok());
  EXPECT_EQ(log_->IndexPending(100).value(), 15u);  // 20..34 (30..34 rewritten as they are)
  EXPECT_EQ(log_->IndexPending(100).value(), 0u);
  EXPECT_EQ(entries_with_times(), std::make_pair(size_t{77}, size_t{0}));
  check_reads();
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->indexed, 35u);
  EXPECT_EQ(report->denials_indexed, 35u);
  // New events go on getting entries with times.
  ASSERT_TRUE(log_->AppendDurable(MaybeRefused(35)).ok());
  EXPECT_EQ(log_->IndexPending().value(), 1u);
  EXPECT_EQ(entries_with_times(), std::make_pair(size_t{79}, size_t{0}));

  // Below indexed.times an entry without its time is damage.
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& t) { return t.Put(tables::kAuditIndex, keys[0], ""); }).ok());
  auto bad = log_->Verify();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("an entry has lost its event's time"), std::string::npos)
      << bad.status().message();
}

TEST_F(AuditLogTest, DenialsAreFoundThroughTheirIndexAsAScanFindsThem) {
  // The auditors' home page asks for the newest refused attempts: they
  // come through the denials index for the events it covers and one by one
  // after, and are exactly the refused events, in both orders, alone or
  // with a person or a file.
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  EXPECT_EQ(log_->IndexPending(25).value(), 25u);
  EXPECT_EQ(log_->IndexPending(100).value(), 15u);
  const int n = 53;
  for (int i = 40; i < n; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->DenialsIndexed(*r).value(), 40u);
  for (bool newest_first : {false, true}) {
    for (size_t stop_after : {size_t{1}, size_t{4}, size_t{1000}}) {
      for (int which = 0; which < 3; ++which) {
        AuditFilter f;
        f.denied = true;
        f.newest_first = newest_first;
        if (which == 1) f.actor = "u4";
        if (which == 2) f.object = "rec-2";
        const std::vector<uint64_t> want = Expected(n, f, stop_after, MaybeRefused);
        EXPECT_FALSE(want.empty());
        EXPECT_EQ(Exported(*log_, *r, f, stop_after), want)
            << "newest_first " << newest_first << " stop " << stop_after << " filter " << which;
      }
    }
  }
  r.reset();
  ASSERT_EQ(log_->IndexPending().value(), 13u);
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->indexed, 53u);
  EXPECT_EQ(report->denials_indexed, 53u);
  // The newest three denials, all through the index now.
  r = vault_->BeginRead().value();
  AuditFilter f;
  f.denied = true;
  f.newest_first = true;
  EXPECT_EQ(Exported(*log_, *r, f, 3), (std::vector<uint64_t>{52, 47, 42}));
}

TEST_F(AuditLogTest, AVaultIndexedBeforeTheDenialsIndexHasItsDenialsIndexedFromTheStart) {
  // A vault indexed by actor and object before the denials index existed:
  // no denial entries and no such state. It verifies as it is; indexing
  // then covers its denials from the first event, and the newest denials
  // are found either way.
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  ASSERT_EQ(log_->IndexPending().value(), 30u);
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    std::vector<std::string> denials;
                    CUSTOS_RETURN_IF_ERROR(w.ScanKeys(tables::kAuditIndex, "d",
                                                      [&](std::string_view k) -> Result<bool> {
                                                        denials.emplace_back(k);
                                                        return true;
                                                      }));
                    EXPECT_EQ(denials.size(), 6u);
                    for (const std::string& k : denials) {
                      CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kAuditIndex, k));
                    }
                    return w.Delete(tables::kAuditState, "indexed.denials");
                  })
                  .ok());
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->indexed, 30u);
  EXPECT_EQ(report->denials_indexed, 0u);
  for (int i = 30; i < 35; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  AuditFilter f;
  f.denied = true;
  f.newest_first = true;
  const std::vector<uint64_t> newest{32, 27, 22, 17};
  EXPECT_EQ(Exported(*log_, *vault_->BeginRead().value(), f, 4), newest);
  // The denials first, in slices, while the actor/object index waits.
  EXPECT_EQ(log_->IndexPending(20).value(), 20u);
  {
    auto r = vault_->BeginRead().value();
    EXPECT_EQ(log_->Indexed(*r).value(), 30u);
    EXPECT_EQ(log_->DenialsIndexed(*r).value(), 20u);
    EXPECT_EQ(Exported(*log_, *r, f, 4), newest);
  }
  EXPECT_EQ(log_->IndexPending(100).value(), 15u);
  EXPECT_EQ(log_->IndexPending(100).value(), 0u);
  report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->indexed, 35u);
  EXPECT_EQ(report->denials_indexed, 35u);
  EXPECT_EQ(Exported(*log_, *vault_->BeginRead().value(), f, 4), newest);
  // Every event by u2 (actor index) is still found, allowed and refused.
  AuditFilter u2;
  u2.actor = "u2";
  EXPECT_EQ(Exported(*log_, *vault_->BeginRead().value(), u2),
            (std::vector<uint64_t>{2, 9, 16, 23, 30}));
}

TEST_F(AuditLogTest, VerifyFindsADenialEntryRemovedOrInvented) {
  // A denial removed from its index would hide a refused attempt from the
  // auditors' home page; one invented would show an attempt that never was.
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(log_->AppendDurable(MaybeRefused(i)).ok());
  ASSERT_EQ(log_->IndexPending().value(), 12u);
  ASSERT_TRUE(log_->Verify().ok());
  const std::string first_denial = RemoveFirstIndexEntry("d");
  auto bad = log_->Verify();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("index: seq 2: its denial entry is missing"),
            std::string::npos)
      << bad.status().message();
  {
    // The covered events are read through the index: the event whose entry
    // is gone is no longer among the denials (which is why verify checks).
    AuditFilter f;
    f.denied = true;
    EXPECT_EQ(Exported(*log_, *vault_->BeginRead().value(), f), (std::vector<uint64_t>{7}));
  }
  PutBack(first_denial);
  ASSERT_TRUE(log_->Verify().ok());
  // The same prefix with the seq of an allowed event (seq 3).
  std::string invented = first_denial.substr(0, first_denial.size() - 8) + EncodeU64(3);
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Put(tables::kAuditIndex, invented, ""); }).ok());
  bad = log_->Verify();
  ASSERT_FALSE(bad.ok());
  // 12 events: 24 actor and object entries, 2 denials (seqs 2 and 7), and
  // the invented one.
  EXPECT_NE(bad.status().message().find("index: holds 27 entries"), std::string::npos)
      << bad.status().message();
}

TEST_F(AuditLogTest, ThirtyTwoThreadsShareGroupCommitsDenseAndVerified) {
  AuditOptions opts;
  opts.checkpoint_every_events = 64;
  Reopen(opts);
  constexpr int kThreads = 32;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AuditEvent e = SampleEvent(i);
        e.actor.id = "thread-" + std::to_string(t);
        e.details["i"] = i;
        // Every fifth request fails after appending: its seq must not be used.
        bool fail = (i % 5 == 4);
        uint64_t seq = 0;
        Status st = vault_->Write([&](WriteTxn& w) -> Status {
          CUSTOS_ASSIGN_OR_RETURN(seq, log_->Append(w, e));
          if (fail) return Status::Aborted("simulated failure");
          return Status::Ok();
        });
        if (fail) {
          if (st.code() != StatusCode::kAborted) failures++;
        } else if (!st.ok()) {
          failures++;
        } else {
          got[t].push_back(seq);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<uint64_t> all;
  for (auto& v : got) all.insert(v.begin(), v.end());
  const uint64_t expected = kThreads * (kPerThread - kPerThread / 5);
  ASSERT_EQ(all.size(), expected);
  EXPECT_EQ(*all.begin(), 0u);
  EXPECT_EQ(*all.rbegin(), expected - 1);
  auto r = vault_->BeginRead().value();
  EXPECT_EQ(log_->Size(*r).value(), expected);
  // Each thread's seqs map back to its own events.
  for (int t = 0; t < kThreads; ++t) {
    for (uint64_t s : got[t]) {
      auto v = json::Parse(log_->Leaf(*r, s).value()).value();
      EXPECT_EQ(v.Find("actor")->Find("id")->as_string(), "thread-" + std::to_string(t));
    }
  }
  auto report = log_->Verify(*r);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->size, expected);
  EXPECT_GE(report->checkpoints, expected / 64);
  EXPECT_GT(vault_->commit_stats().max_batch, 1u) << "no group commit happened";
}

TEST_F(AuditLogTest, KeyIsStableAcrossReopen) {
  std::string vkey = log_->VerifierKey();
  EXPECT_TRUE(vkey.starts_with("custos.test/vault+")) << vkey;
  auto again = AuditLog::Open(*vault_).value();
  EXPECT_EQ(again->VerifierKey(), vkey);
  EXPECT_TRUE(log_->PublicKeyPem().starts_with("-----BEGIN PUBLIC KEY-----\n"));
}

// The log as c2sp.org/tlog-tiles serves it: a client that has only the
// tiles and bundles rebuilds the leaves, the tree and its root.
TEST_F(AuditLogTest, TilesAndBundlesRebuildTheLogAndItsRoot) {
  AppendN(300);
  auto r = vault_->BeginRead().value();
  const uint64_t size = log_->Size(*r).value();
  ASSERT_EQ(size, 300u);
  auto read = [&](bool entries, int level, uint64_t index, int width) {
    return tlog::ReadTile(*r, tlog::TilePath{entries, level, index, width}, size);
  };
  // Level 0: the leaf hashes; a full tile, then one of 300 - 256 = 44.
  auto full = read(false, 0, 0, 256);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->size(), 256u * 32);
  auto partial = read(false, 0, 1, 44);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  ASSERT_EQ(partial->size(), 44u * 32);
  auto narrower = read(false, 0, 1, 12);  // an older checkpoint's
  ASSERT_TRUE(narrower.ok());
  EXPECT_EQ(*narrower, partial->substr(0, 12 * 32));
  // Nothing the log does not hold yet.
  EXPECT_EQ(read(false, 0, 1, 45).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read(false, 0, 1, 256).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read(false, 0, 2, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read(false, 1, 0, 2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read(false, 2, 0, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read(true, 0, 1, 45).status().code(), StatusCode::kNotFound);

  // The bundles hold the exact leaves, which hash to the level-0 tiles.
  const std::string hashes = *full + *partial;
  uint64_t seq = 0;
  for (const auto& [index, width] : {std::pair<uint64_t, int>{0, 256}, {1, 44}}) {
    auto bundle = read(true, 0, index, width);
    ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
    size_t at = 0;
    while (at < bundle->size()) {
      ASSERT_LE(at + 2, bundle->size());
      const size_t n = (static_cast<unsigned char>((*bundle)[at]) << 8) |
                       static_cast<unsigned char>((*bundle)[at + 1]);
      const std::string leaf = bundle->substr(at + 2, n);
      at += 2 + n;
      EXPECT_EQ(leaf, Leaf(seq));
      EXPECT_EQ(merkle::LeafHash(leaf), hashes.substr(seq * 32, 32)) << seq;
      ++seq;
    }
  }
  EXPECT_EQ(seq, size);

  // The root from the level-0 tiles is the log's.
  merkle::CompactRange all;
  for (uint64_t i = 0; i < size; ++i) ASSERT_TRUE(all.Append(hashes.substr(i * 32, 32)).ok());
  auto report = log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(all.Root(), report->root);
  // Level 1 holds the roots of whole level-0 tiles: here one.
  auto level1 = read(false, 1, 0, 1);
  ASSERT_TRUE(level1.ok()) << level1.status().ToString();
  merkle::CompactRange first;
  for (uint64_t i = 0; i < 256; ++i) ASSERT_TRUE(first.Append(hashes.substr(i * 32, 32)).ok());
  EXPECT_EQ(*level1, first.Root());
}

TEST(TlogTilePathTest, ParsesAndWritesTheSpecificationsOneSpelling) {
  struct Case {
    const char* path;
    tlog::TilePath tile;
  };
  const Case good[] = {
      {"tile/0/000", {false, 0, 0, 256}},
      {"tile/0/255.p/7", {false, 0, 255, 7}},
      {"tile/3/x001/x234/067", {false, 3, 1234067, 256}},
      {"tile/63/x018/x446/x744/x073/x709/x551/615", {false, 63, 18446744073709551615u, 256}},
      {"tile/entries/x001/000.p/255", {true, 0, 1000, 255}},
  };
  for (const Case& c : good) {
    auto t = tlog::ParseTilePath(c.path);
    ASSERT_TRUE(t.ok()) << c.path << ": " << t.status().ToString();
    EXPECT_EQ(t->entries, c.tile.entries) << c.path;
    EXPECT_EQ(t->level, c.tile.level) << c.path;
    EXPECT_EQ(t->index, c.tile.index) << c.path;
    EXPECT_EQ(t->width, c.tile.width) << c.path;
    EXPECT_EQ(tlog::FormatTilePath(*t), c.path);
  }
  for (const char* bad : {"tile/0",
                          "tiles/0/000",
                          "tile/64/000",
                          "tile/01/000",
                          "tile/-1/000",
                          "tile/0/0",
                          "tile/0/0000",
                          "tile/0/x000/001",
                          "tile/0/001/002",
                          "tile/0/x001",
                          "tile/0/000.p/0",
                          "tile/0/000.p/256",
                          "tile/0/000.p/08",
                          "tile/0/000.p",
                          "tile/0/000/",
                          "tile/0//000",
                          "tile/entries/000.p",
                          "tile/0/x018/x446/x744/x073/x709/x551/616",
                          "tile/0/x001/x001/x001/x001/x001/x001/x001/001",
                          "tile/0/00a"}) {
    auto t = tlog::ParseTilePath(bad);
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace custos::vault
