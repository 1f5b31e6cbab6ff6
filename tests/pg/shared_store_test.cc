// Two nodes on one PostgreSQL vault: two Vaults (each with its own
// committer, caches, audit log handle and records catalog) opened on the
// same schema in one process, as two `custos serve` processes would be.
// Runs only against the throw-away cluster (tests/pg/CMakeLists.txt).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "tests/vault/records_fixture.h"
#include "tests/vault/test_util.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/internal/kv_store.h"
#include "vault/store/internal/vault_impl.h"

namespace custos::vault {
namespace {

using policy::Classification;

// "key=value " for each entry of `table` under `prefix`, as `txn` scans
// them; "(error)" when the scan fails.
std::string ScanText(internal::KvTxn& txn, Table table, std::string_view prefix) {
  std::string seen;
  Status st = txn.Scan(table, prefix, "", false, [&](std::string_view k, std::string_view v) {
    seen += std::string(k) + "=" + std::string(v) + " ";
    return Result<bool>(true);
  });
  return st.ok() ? seen : "(error)";
}

class SharedStoreTest : public testing::ArchiveTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::TestingOnPostgres()) << "run with CUSTOS_TEST_PG_CLUSTER";
    ArchiveTest::SetUp();
    // The second node: the same vault, opened again.
    other_ = testing::OpenTestVault(dir_.path());
    auto log = AuditLog::Open(*other_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    other_log_ = std::move(*log);
    auto archive = Archive::Open(*other_, *other_log_);
    ASSERT_TRUE(archive.ok()) << archive.status().ToString();
    other_archive_ = std::move(*archive);
  }
  void TearDown() override {
    other_archive_.reset();
    other_log_.reset();
    other_.reset();
  }

  std::vector<std::string> Found(Archive& archive, const std::string& text) {
    SearchQuery q;
    q.text = text;
    auto r = archive.Search(As(author_), q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    if (r.ok())
      for (const RecordMeta& m : r->records) ids.push_back(m.id);
    return ids;
  }

  std::unique_ptr<Vault> other_;
  std::unique_ptr<AuditLog> other_log_;
  std::unique_ptr<Archive> other_archive_;
};

TEST_F(SharedStoreTest, BothNodesAreSharedAndWriteTheSameVault) {
  EXPECT_TRUE(vault_->shared());
  EXPECT_TRUE(other_->shared());
  // Users created through the first node exist on the second at once.
  auto r = other_->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(GetUser(**r, borrower_.id).ok());
}

TEST_F(SharedStoreTest, AFileCreatedOnOneNodeIsFoundByTheOthersSearchAtOnce) {
  // The second node's catalog is built (empty of this file) before the file exists.
  ASSERT_TRUE(other_archive_->AwaitCatalog().ok());
  RecordMeta m = MakeRecord(Classification::kInternal, "苏州精工机械有限公司", {"华东"});
  EXPECT_EQ(Found(*other_archive_, "精工"), std::vector<std::string>{m.id});
  // A rename through the second node reaches the first node's search.
  RecordUpdate u;
  u.name = "苏州恒达机械有限公司";
  u.classification = m.classification;
  u.custodian_id = m.custodian_id;
  u.tags = m.tags;
  u.status = m.status;
  auto renamed = other_archive_->UpdateRecord(As(author_), m.id, u, "公司更名");
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(Found(*archive_, "恒达"), std::vector<std::string>{m.id});
  EXPECT_TRUE(Found(*archive_, "精工").empty());
}

TEST_F(SharedStoreTest, SixteenViewsOverTwoNodesUnderAQuotaOfThreeGiveExactlyThree) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  const uint64_t before = LogSize();
  std::atomic<int> ok{0}, quota{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    Archive* node = i % 2 == 0 ? archive_.get() : other_archive_.get();
    threads.emplace_back([&, node] {
      auto v = node->View(As(borrower_), m.id, "两个节点并发查阅");
      if (v.ok()) {
        ok++;
      } else if (v.status().code() == StatusCode::kResourceExhausted) {
        quota++;
      } else {
        other++;
        ADD_FAILURE() << v.status().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(quota.load(), 13);
  EXPECT_EQ(other.load(), 0);
  // Every attempt is one event of one log, which verifies from either node.
  EXPECT_EQ(LogSize(), before + 16);
  auto mine = log_->Verify();
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  auto theirs = other_log_->Verify();
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_EQ(mine->size, theirs->size);
  EXPECT_EQ(mine->root, theirs->root);
}

// A batch of views is released early only when the node's role may run
// the barrier that makes it durable (pg_store.cc). A role that may not
// (EXECUTE on pg_logical_emit_message revoked from PUBLIC, as some hardened
// servers do) holds the writers' lock through every flush instead: its
// views are answered, never committed and then reported failed.
TEST_F(SharedStoreTest, ANodeWhoseRoleMayNotRunTheBarrierStillAnswersItsViews) {
  const std::string url = testing::TestStoreFor(dir_.path());
  const std::string schema = url.substr(url.rfind("%3D") + 3);
  const size_t at = url.find("postgres@");
  ASSERT_NE(at, std::string::npos) << url;
  const std::string limited = url.substr(0, at) + "custos_limited@" + url.substr(at + 9);
  testing::RunSql(dir_.path(),
                  "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                  "'custos_limited') THEN CREATE ROLE custos_limited LOGIN; END IF; END $$; "
                  "GRANT USAGE ON SCHEMA " +
                      schema + " TO custos_limited; GRANT ALL ON ALL TABLES IN SCHEMA " + schema +
                      " TO custos_limited; REVOKE EXECUTE ON FUNCTION "
                      "pg_logical_emit_message(boolean, text, text) FROM PUBLIC");
  struct Regrant {
    std::string dir;
    ~Regrant() {
      testing::RunSql(dir,
                      "GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) "
                      "TO PUBLIC");
    }
  } regrant{dir_.path()};
  RecordMeta m = MakeRecord(Classification::kInternal);
  auto node = Vault::Open(limited, SecretBytes::CopyOf("correct horse battery staple"));
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  auto log = AuditLog::Open(**node);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto archive = Archive::Open(**node, **log);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  const uint64_t before = LogSize();
  for (int i = 0; i < 3; ++i) {
    auto v = (*archive)->View(As(author_), m.id, "受限账户的节点查阅");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->audit_seq, before + static_cast<uint64_t>(i));
  }
  EXPECT_EQ(LogSize(), before + 3);
  auto verified = (*log)->Verify();
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
}

TEST_F(SharedStoreTest, ANodeFurtherBehindThanTheCompactedJournalRebuildsItsCatalog) {
  ASSERT_TRUE(other_archive_->AwaitCatalog().ok());
  ASSERT_TRUE(Found(*other_archive_, "精工").empty());
  // Three files the second node has not seen, then the journal is cut to
  // its newest entry: the second node cannot catch up from it.
  RecordMeta a = MakeRecord(Classification::kInternal, "苏州精工一厂", {"华东"});
  RecordMeta b = MakeRecord(Classification::kInternal, "苏州精工二厂", {"华东"});
  RecordMeta c = MakeRecord(Classification::kInternal, "苏州精工三厂", {"华东"});
  auto deleted = archive_->CompactRecordJournal(1);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_GE(*deleted, 2u);
  auto found = Found(*other_archive_, "精工");
  std::sort(found.begin(), found.end());
  std::vector<std::string> want{a.id, b.id, c.id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(found, want);
  // And it follows the journal again afterwards.
  RecordMeta d = MakeRecord(Classification::kInternal, "苏州精工四厂", {"华东"});
  EXPECT_EQ(Found(*other_archive_, "精工").size(), 4u);
  (void)d;
}

TEST_F(SharedStoreTest, CheckpointsSignedOnBothNodesStayConsistent) {
  ASSERT_TRUE(log_->CheckpointNow().ok());
  MakeRecord(Classification::kInternal);
  ASSERT_TRUE(other_log_->CheckpointNow().ok());
  MakeRecord(Classification::kPublic, "杭州新材料", {"华东"});
  ASSERT_TRUE(log_->CheckpointNow().ok());
  auto report = other_log_->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GE(report->checkpoints, 3u);
  EXPECT_EQ(report->latest_checkpoint_size, report->size);
}

TEST_F(SharedStoreTest, ARootKeyRotatedOnOneNodeIsAdoptedByTheOtherBeforeItSealsAgain) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  ASSERT_TRUE(other_archive_->View(As(author_), m.id, "轮换前").ok());  // keys of version 1 in use
  Status rotated = vault_->RotateRootKey();
  ASSERT_TRUE(rotated.ok()) << rotated.ToString();
  // The other node writes after the rotation retired version 1, and reads
  // what was re-sealed under version 2.
  ASSERT_TRUE(other_
                  ->Write([](WriteTxn& w) {
                    return w.Put(tables::kRecords, "zz-after-rotation",
                                 "written by the other node");
                  })
                  .ok());
  auto viewed = other_archive_->View(As(author_), m.id, "轮换后");
  ASSERT_TRUE(viewed.ok()) << viewed.status().ToString();
  // Nothing in the store is sealed under a retired key: a fresh open reads
  // every value.
  auto fresh = testing::OpenTestVault(dir_.path());
  auto scrub = fresh->Scrub();
  ASSERT_TRUE(scrub.ok()) << scrub.status().ToString();
  EXPECT_TRUE(scrub->damaged.empty())
      << scrub->damaged.front().table << " " << scrub->damaged.front().problem;
}

TEST_F(SharedStoreTest, AfterAPassphraseChangeOnOneNodeTheOtherWritesNothing) {
  ASSERT_TRUE(
      vault_->ChangePassphrase(testing::Pass("a new passphrase"), Argon2Params::ForTests()).ok());
  Status wrote = other_->Write(
      [](WriteTxn& w) { return w.Put(tables::kRecords, "zz-stale-node", "must not land"); });
  EXPECT_EQ(wrote.code(), StatusCode::kUnauthenticated) << wrote.ToString();
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Get(tables::kRecords, "zz-stale-node").status().code(), StatusCode::kNotFound);
}

TEST_F(SharedStoreTest, ATransactionInWhichAStatementFailedIsNeverReportedCommitted) {
  internal::KvStore& store = *vault_->impl().store;
  auto txn = store.BeginWrite();
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  ASSERT_TRUE(
      (*txn)->Put(tables::kRecords, "zz-before-the-error", "x", internal::PutMode::kReplace).ok());
  // A table name that is not UTF-8: PostgreSQL refuses the statement, and
  // the transaction with it.
  EXPECT_FALSE((*txn)->Get("\xff", "k").ok());
  Status committed = (*txn)->Commit();
  EXPECT_FALSE(committed.ok());
  EXPECT_EQ(internal::RawGet(*vault_, tables::kRecords, "zz-before-the-error").status().code(),
            StatusCode::kNotFound);
}

// The PostgreSQL store holds a write transaction's puts, deletes and
// appends back and sends them together (pg_store.cc, TablePending): the
// transaction itself must see them at once, another node only after COMMIT.
TEST_F(SharedStoreTest, WritesHeldBackAreSeenByTheirTransactionAndByOthersOnlyOnceCommitted) {
  const Table t = "zz_held_back";
  internal::KvStore& store = *vault_->impl().store;
  auto seed = store.BeginWrite();
  ASSERT_TRUE(seed.ok());
  ASSERT_TRUE((*seed)->Put(t, "stored", "s", internal::PutMode::kReplace).ok());
  ASSERT_TRUE((*seed)->Commit().ok());

  auto txn = store.BeginWrite();
  ASSERT_TRUE(txn.ok());
  internal::KvTxn& w = **txn;
  ASSERT_TRUE(w.Put(t, "a", "1", internal::PutMode::kReplace).ok());
  ASSERT_TRUE(w.Put(t, "b", "2", internal::PutMode::kInsert).ok());
  ASSERT_TRUE(w.Put(t, "a", "3", internal::PutMode::kReplace).ok());
  // Inserts are answered at once: a held-back key, a stored one.
  EXPECT_EQ(w.Put(t, "b", "x", internal::PutMode::kInsert).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(w.Put(t, "stored", "x", internal::PutMode::kInsert).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(w.Delete(t, "stored").ok());
  EXPECT_EQ(w.Delete(t, "stored").code(), StatusCode::kNotFound);
  auto a = w.Get(t, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "3");
  std::vector<std::string> seen;
  ASSERT_TRUE(w.Scan(t, "", "", false, [&](std::string_view k, std::string_view v) {
                 seen.push_back(std::string(k) + "=" + std::string(v));
                 return Result<bool>(true);
               }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a=3", "b=2"}));
  auto n = w.Count(t);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  // The other node sees the last commit, not this transaction.
  EXPECT_EQ(internal::RawGet(*other_, t, "a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(internal::RawGet(*other_, t, "stored").ok());
  ASSERT_TRUE(w.Commit().ok());
  auto after = internal::RawGet(*other_, t, "a");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, "3");
  EXPECT_EQ(internal::RawGet(*other_, t, "stored").status().code(), StatusCode::kNotFound);
}

TEST_F(SharedStoreTest, AnAppendBeforeAStoredKeyIsRefusedAndNothingOfItsTransactionCommits) {
  const Table t = "zz_appends";
  internal::KvStore& store = *vault_->impl().store;
  auto seed = store.BeginWrite();
  ASSERT_TRUE(seed.ok());
  ASSERT_TRUE((*seed)->Put(t, "m", "stored", internal::PutMode::kAppend).ok());
  ASSERT_TRUE((*seed)->Commit().ok());
  {
    // Held back, the append is checked when it is sent: at COMMIT here,
    // which then fails, and the transaction's other write is not made.
    auto txn = store.BeginWrite();
    ASSERT_TRUE(txn.ok());
    Status appended = (*txn)->Put(t, "a", "early", internal::PutMode::kAppend);
    ASSERT_TRUE(
        (*txn)
            ->Put(tables::kRecords, "zz-beside-the-append", "x", internal::PutMode::kReplace)
            .ok());
    Status committed = appended.ok() ? (*txn)->Commit() : appended;
    EXPECT_EQ(committed.code(), StatusCode::kAlreadyExists) << committed.ToString();
  }
  EXPECT_EQ(internal::RawGet(*other_, t, "a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(internal::RawGet(*other_, tables::kRecords, "zz-beside-the-append").status().code(),
            StatusCode::kNotFound);
  {
    // Out of order among the held-back appends: refused at once.
    auto txn = store.BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put(t, "p", "1", internal::PutMode::kAppend).ok());
    EXPECT_EQ((*txn)->Put(t, "n", "2", internal::PutMode::kAppend).code(),
              StatusCode::kAlreadyExists);
    // A scan sends them, after which the next append is checked against
    // what is stored.
    uint64_t seen = 0;
    ASSERT_TRUE((*txn)
                    ->Scan(t, "", "", false,
                           [&](std::string_view, std::string_view) {
                             ++seen;
                             return Result<bool>(true);
                           })
                    .ok());
    EXPECT_EQ(seen, 2u);
    ASSERT_TRUE((*txn)->Put(t, "q", "3", internal::PutMode::kAppend).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_TRUE(internal::RawGet(*other_, t, "p").ok());
  EXPECT_TRUE(internal::RawGet(*other_, t, "q").ok());
}

TEST_F(SharedStoreTest, WritesHeldBackInANestedTransactionThatRollsBackAreNeverSent) {
  const Table t = "zz_nested";
  internal::KvStore& store = *vault_->impl().store;
  auto txn = store.BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Put(t, "parent", "1", internal::PutMode::kReplace).ok());
  {
    auto child = (*txn)->BeginNested();
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE((*child)->Put(t, "dropped", "2", internal::PutMode::kReplace).ok());
    ASSERT_TRUE((*child)->Delete(t, "parent").ok());
  }  // rolled back
  {
    auto child = (*txn)->BeginNested();
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE((*child)->Put(t, "kept", "3", internal::PutMode::kReplace).ok());
    ASSERT_TRUE((*child)->Commit().ok());
  }
  auto parent = (*txn)->Get(t, "parent");
  ASSERT_TRUE(parent.ok()) << parent.status().ToString();
  EXPECT_EQ((*txn)->Get(t, "dropped").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_TRUE(internal::RawGet(*other_, t, "parent").ok());
  EXPECT_TRUE(internal::RawGet(*other_, t, "kept").ok());
  EXPECT_EQ(internal::RawGet(*other_, t, "dropped").status().code(), StatusCode::kNotFound);
}

// A node keeps what it read of the read-mostly tables for its next
// transactions (pg_store.cc, NodeCache). Whoever changes such a table —
// another node, an administrator with psql — the node reads the change at
// its next transaction, in a read and in a write, for keys and scans alike.
TEST_F(SharedStoreTest, WhatANodeKeptOfAReadMostlyTableGivesWayToAChangeByAnyone) {
  const Table t = tables::kRecords;
  ASSERT_TRUE(tables::IsReadMostly(t));
  internal::KvStore& other_store = *other_->impl().store;
  // Node B's view of the table: one key (read twice: the second time from
  // what it kept), a key it found absent, and a scan.
  auto value = [&](std::string_view key) -> std::string {
    std::string seen;
    for (int i = 0; i < 2; ++i) {
      auto r = internal::RawGet(*other_, t, key);
      seen = r.ok() ? *r : r.status().code() == StatusCode::kNotFound ? "(absent)" : "(error)";
    }
    auto w = other_store.BeginWrite();  // and in a write, after the writers' lock
    EXPECT_TRUE(w.ok());
    if (!w.ok()) return "(error)";
    auto in_write = (*w)->Get(t, key);
    const std::string there = in_write.ok() ? std::string(*in_write)
                              : in_write.status().code() == StatusCode::kNotFound ? "(absent)"
                                                                                  : "(error)";
    EXPECT_EQ(there, seen) << "a read and a write of node B disagree";
    return seen;
  };
  auto scanned = [&] {
    std::string seen;
    for (int i = 0; i < 2; ++i) {
      auto r = other_store.BeginRead();
      seen = r.ok() ? ScanText(**r, t, "zz-kept/") : "(error)";
    }
    return seen;
  };
  ASSERT_TRUE(internal::RawPut(*vault_, t, "zz-kept/a", "one").ok());
  EXPECT_EQ(value("zz-kept/a"), "one");
  EXPECT_EQ(value("zz-kept/b"), "(absent)");
  EXPECT_EQ(scanned(), "zz-kept/a=one ");

  // Another node writes.
  ASSERT_TRUE(internal::RawPut(*vault_, t, "zz-kept/a", "two").ok());
  ASSERT_TRUE(internal::RawPut(*vault_, t, "zz-kept/b", "new").ok());
  EXPECT_EQ(value("zz-kept/a"), "two");
  EXPECT_EQ(value("zz-kept/b"), "new");
  EXPECT_EQ(scanned(), "zz-kept/a=two zz-kept/b=new ");

  // An administrator changes, adds and deletes rows by hand.
  testing::RunSql(dir_.path(),
                  "UPDATE custos_kv SET v = 'three'::bytea WHERE t = 'records' AND k = "
                  "'zz-kept/a'::bytea");
  EXPECT_EQ(value("zz-kept/a"), "three");
  testing::RunSql(dir_.path(),
                  "INSERT INTO custos_kv (t, k, v) VALUES ('records', 'zz-kept/c'::bytea, "
                  "'by hand'::bytea)");
  EXPECT_EQ(scanned(), "zz-kept/a=three zz-kept/b=new zz-kept/c=by hand ");
  testing::RunSql(dir_.path(),
                  "DELETE FROM custos_kv WHERE t = 'records' AND k = 'zz-kept/b'::bytea");
  EXPECT_EQ(value("zz-kept/b"), "(absent)");
  EXPECT_EQ(scanned(), "zz-kept/a=three zz-kept/c=by hand ");
}

// A write transaction that has written a read-mostly table reads its own
// uncommitted rows from PostgreSQL (a scan sends what it held back): none
// of that may be kept for other transactions, which would otherwise see a
// write that was rolled back.
TEST_F(SharedStoreTest, AWriteThatReadItsOwnUncommittedRowsLeavesNoneOfThemKept) {
  const Table t = tables::kRecords;
  internal::KvStore& store = *vault_->impl().store;
  ASSERT_TRUE(internal::RawPut(*vault_, t, "zz-rolled/a", "old").ok());
  auto scanned = [&] {
    auto r = store.BeginRead();
    return r.ok() ? ScanText(**r, t, "zz-rolled/") : std::string("(error)");
  };
  EXPECT_EQ(scanned(), "zz-rolled/a=old ");
  {
    auto w = store.BeginWrite();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Put(t, "zz-rolled/a", "new", internal::PutMode::kReplace).ok());
    EXPECT_EQ(ScanText(**w, t, "zz-rolled/"), "zz-rolled/a=new ");
    auto a = (*w)->Get(t, "zz-rolled/a");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, "new");
  }  // rolled back
  EXPECT_EQ(scanned(), "zz-rolled/a=old ");
  auto a = internal::RawGet(*vault_, t, "zz-rolled/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "old");
}

// What the view path reads of users is kept between batches: an account
// disabled through one node is refused on the other at once.
TEST_F(SharedStoreTest, AnAccountDisabledOnOneNodeIsRefusedOnTheOtherAtOnce) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  ASSERT_TRUE(other_archive_->View(As(borrower_), m.id, "停用前查阅").ok());
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    CUSTOS_ASSIGN_OR_RETURN(User u, GetUser(w, borrower_.id));
                    u.disabled = true;
                    return UpdateUser(w, u);
                  })
                  .ok());
  auto v = other_archive_->View(As(borrower_), m.id, "停用后查阅");
  EXPECT_EQ(v.status().code(), StatusCode::kUnauthenticated) << v.status().ToString();
}

TEST_F(SharedStoreTest, OneNodeLeadsTheTimedWorkAndAnotherTakesOverWhenItCloses) {
  auto first = vault_->Lead();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  EXPECT_TRUE(*vault_->Lead());  // still, while its session lives
  auto second = other_->Lead();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  // The leader goes away; PostgreSQL ends its session (and releases the
  // lock) as soon as it notices the closed connection, and the other node
  // takes the lead at one of its next calls (serve calls every second).
  archive_.reset();
  log_.reset();
  vault_.reset();
  bool taken = false;
  for (int i = 0; i < 100 && !taken; ++i) {
    auto lead = other_->Lead();
    ASSERT_TRUE(lead.ok()) << lead.status().ToString();
    taken = *lead;
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(taken) << "the lead was not taken over within 10 s";
}

// A throw-away cluster of the test's own (tests/pg/pg_cluster.sh), for
// what the shared one must not undergo: a restart, changed privileges.
class PrivateClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
    ASSERT_NE(root, nullptr) << "run with CUSTOS_SOURCE_ROOT";
    script_ = std::string(root) + "/tests/pg/pg_cluster.sh";
    cluster_ = dir_.path() + "/pg";
    ASSERT_EQ(Cluster("start"), 0);
    started_ = true;
    std::getline(std::ifstream(cluster_ + "/url"), url_);
    ASSERT_FALSE(url_.empty());
  }
  void TearDown() override {
    if (started_) (void)Cluster("stop");
  }
  int Cluster(const std::string& command) {
    return std::system((script_ + " " + command + " " + cluster_).c_str());
  }
  // Runs `sql` as the cluster's superuser; the result's status.
  ExecStatusType Sql(const std::string& sql) {
    PGconn* admin = PQconnectdb(url_.c_str());
    ExecStatusType st = PGRES_FATAL_ERROR;
    if (PQstatus(admin) == CONNECTION_OK) {
      PGresult* r = PQexec(admin, sql.c_str());
      st = PQresultStatus(r);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) ADD_FAILURE() << PQerrorMessage(admin);
      PQclear(r);
    } else {
      ADD_FAILURE() << PQerrorMessage(admin);
    }
    PQfinish(admin);
    return st;
  }
  // Changes zz/a of the files' table behind the versions' back (triggers
  // off), as another history that reused a version would look.
  void ChangeBehindTheVersions(const std::string& value) {
    EXPECT_EQ(Sql("BEGIN; SET LOCAL session_replication_role = replica; "
                  "UPDATE custos_kv SET v = '" +
                  value + "'::bytea WHERE t = 'records' AND k = 'zz/a'::bytea; COMMIT"),
              PGRES_COMMAND_OK);
  }
  static std::string Read(internal::KvStore& store) {
    auto r = store.BeginRead();
    if (!r.ok()) return "(" + r.status().ToString() + ")";
    auto v = (*r)->Get(tables::kRecords, "zz/a");
    return v.ok() ? std::string(*v) : "(" + v.status().ToString() + ")";
  }
  static Status Write(internal::KvStore& store, std::string_view value) {
    CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<internal::KvTxn> w, store.BeginWrite());
    CUSTOS_RETURN_IF_ERROR(w->Put(tables::kRecords, "zz/a", value, internal::PutMode::kReplace));
    return w->Commit();
  }

  testing::TempDir dir_;
  std::string script_, cluster_, url_;
  bool started_ = false;
};

// What a node keeps of the read-mostly tables is trusted by their versions,
// which are transaction ids. A failover to an asynchronous standby can lose
// commits and give their ids to other changes: the same version, other
// rows. So what is kept belongs to one server, and a node's next
// connection to another one must not trust it, even when no pooled
// connection failed to tell the node so (they were all busy). The server
// here is restarted (another start time) while every connection of the
// node is busy.
TEST_F(PrivateClusterTest, WhatANodeKeptIsNotTrustedOnAnotherServer) {
  internal::KvOpen how;
  how.create = true;
  auto opened = internal::OpenPgStore(url_, how);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  internal::KvStore& store = **opened;
  ASSERT_TRUE(Write(store, "first history").ok());
  EXPECT_EQ(Read(store), "first history");
  EXPECT_EQ(Read(store), "first history");  // kept by the node
  {
    // Every connection the node has is in use, so its next one is new.
    std::vector<std::unique_ptr<internal::KvTxn>> busy;
    for (int i = 0; i < 8; ++i) {
      auto r = store.BeginRead();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      busy.push_back(std::move(*r));
    }
    ASSERT_EQ(Cluster("restart"), 0);
    ChangeBehindTheVersions("other history");
    EXPECT_EQ(Read(store), "other history");
    // A transaction begun on the server before takes nothing of what the
    // node now keeps for the new one (at the same version): it reads its
    // own server, which is gone.
    auto stale = busy[0]->Get(tables::kRecords, "zz/a");
    EXPECT_FALSE(stale.ok()) << std::string(*stale);
  }  // the busy transactions end on connections the restart closed
  EXPECT_EQ(Read(store), "other history");
}

// A role that may not read the server's start time (EXECUTE revoked from
// PUBLIC, as on some hardened servers) still opens the vault and reads and
// writes it; its node keeps nothing between transactions, so it always
// reads what the server holds.
TEST_F(PrivateClusterTest, ANodeThatCannotNameItsServerKeepsNothing) {
  {
    internal::KvOpen how;
    how.create = true;
    auto made = internal::OpenPgStore(url_, how);  // the schema and its versions
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    auto w = (*made)->BeginWrite();  // the key that marks a vault
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Put(tables::kMeta, "format_version", "1", internal::PutMode::kReplace).ok());
    ASSERT_TRUE((*w)->Commit().ok());
    ASSERT_TRUE(Write(**made, "made").ok());
  }
  ASSERT_EQ(Sql("CREATE ROLE custos_node LOGIN; "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON custos_kv, custos_gen TO custos_node; "
                "REVOKE EXECUTE ON FUNCTION pg_postmaster_start_time() FROM PUBLIC"),
            PGRES_COMMAND_OK);
  const std::string as_node = url_.substr(0, url_.find("postgres@")) + "custos_node@" +
                              url_.substr(url_.find("postgres@") + 9);
  auto opened = internal::OpenPgStore(as_node, internal::KvOpen{});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  internal::KvStore& store = **opened;
  ASSERT_TRUE(Write(store, "by the node").ok());
  EXPECT_EQ(Read(store), "by the node");
  EXPECT_EQ(Read(store), "by the node");
  ChangeBehindTheVersions("changed");
  EXPECT_EQ(Read(store), "changed");
}

}  // namespace
}  // namespace custos::vault
