// Tampering with data.mdb itself: bits flipped in the stored bytes of
// values of every table — records, users, loans, attachments and the
// chunks of their streams (stored as their own secretstream sealed them),
// policies, keys, audit leaves, tree nodes, checkpoints, the
// log's state and index, and the key-only index tables. Each value is found
// in the file through LMDB's own mapping (the pointer mdb_get returns, less
// the map's address, is the value's offset in data.mdb), so every flip
// lands in live data. Every flip must be noticed by the next read of that
// entry (kDataLoss) and, for the log's tables, by AuditLog::Verify; a flip
// in a long-lived key stops the vault (or the log) from opening.
#include <cstring>
#include <fcntl.h>
#include <lmdb.h>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "cli/demo_data.h"
#include "tests/vault/records_fixture.h"
#include "vault/access/alerts.h"
#include "vault/access/policy_store.h"
#include "vault/records/attachments.h"
#include "vault/records/loans.h"
#include "vault/store/internal/lmdb.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/versions.h"

namespace custos::vault {
namespace {

using cli::DemoLogin;
using cli::DemoOptions;
using cli::SeedDemoCompany;

// One stored value: its table, key, and where its bytes lie in data.mdb.
struct StoredValue {
  std::string table;
  std::string key;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t key_offset = 0;
  std::string bytes;  // as stored, to check the location
};

// Every entry of every sealed table, located in the file. Opens the
// environment read-only with no vault open in this process.
std::vector<StoredValue> LocateValues(const std::string& dir) {
  std::vector<StoredValue> out;
  auto env = internal::Env::Open(dir, size_t{1} << 30, 64, /*read_only=*/true);
  if (!env.ok()) Die("LocateValues: " + env.status().ToString());
  MDB_stat st;
  mdb_env_stat(env->get(), &st);
  const uintptr_t page_size = st.ms_psize;
  auto txn = internal::Txn::Begin(*env, nullptr, true);
  if (!txn.ok()) Die("LocateValues: " + txn.status().ToString());
  for (Table t : tables::kAllTables) {
    if (t == tables::kMeta) continue;
    MDB_dbi dbi;
    if (mdb_dbi_open(txn->get(), std::string(t).c_str(), 0, &dbi) != 0) continue;
    auto cur = internal::Cursor::Open(txn->get(), dbi);
    if (!cur.ok()) Die("LocateValues: cursor");
    MDB_val k, v;
    for (auto found = cur->Get(&k, &v, MDB_FIRST); found.ok() && *found;
         found = cur->Get(&k, &v, MDB_NEXT)) {
      StoredValue s;
      s.table = std::string(t);
      s.key = std::string(internal::FromVal(k));
      // The page holding the value (the first page of an overflow run)
      // starts with its page number: the value's offset in the file is that
      // page's offset plus the value's place in the page. Keys likewise.
      auto file_offset = [&](const void* p) {
        const uintptr_t at = reinterpret_cast<uintptr_t>(p);
        const uintptr_t page = at & ~(page_size - 1);
        uint64_t pgno;
        std::memcpy(&pgno, reinterpret_cast<const void*>(page), sizeof pgno);
        return pgno * page_size + (at - page);
      };
      s.offset = file_offset(v.mv_data);
      s.key_offset = file_offset(k.mv_data);
      s.size = v.mv_size;
      s.bytes = std::string(internal::FromVal(v));
      out.push_back(std::move(s));
    }
  }
  return out;
}

// Flips bit `bit` of the byte at `offset` of `path` (twice restores it).
void FlipBit(const std::string& path, uint64_t offset, int bit) {
  int fd = open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  unsigned char c = 0;
  ASSERT_EQ(pread(fd, &c, 1, static_cast<off_t>(offset)), 1);
  c ^= static_cast<unsigned char>(1u << bit);
  ASSERT_EQ(pwrite(fd, &c, 1, static_cast<off_t>(offset)), 1);
  close(fd);
}

std::string ReadAt(const std::string& path, uint64_t offset, uint64_t size) {
  std::string out(size, '\0');
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return "";
  ssize_t n = pread(fd, out.data(), size, static_cast<off_t>(offset));
  close(fd);
  if (n != static_cast<ssize_t>(size)) return "";
  return out;
}

class DiskTamperTest : public testing::ArchiveTest {
 protected:
  // A vault with some of everything: the demo company (users, records and
  // versions, loans in every state, views, alerts, policies), an attachment
  // of several chunks, a signed checkpoint and an up-to-date log index.
  void Populate() {
    DemoOptions demo;
    demo.customers = 40;
    demo.documents = 2;
    demo.password = "demo-password-2026";
    demo.password_kdf = Argon2Params::ForTests();
    std::vector<DemoLogin> logins;
    ASSERT_TRUE(SeedDemoCompany(*archive_, demo, &logins).ok());
    RecordMeta rec = MakeRecord(policy::Classification::kInternal);
    // A loan, a counted view and a second version of our own.
    RecordMeta lent = MakeRecord(policy::Classification::kConfidential, "华南贸易有限公司");
    LoanRequest req;
    req.record_id = lent.id;
    req.kind = policy::LoanKind::kView;
    req.reason = "准备客户续约谈判材料";
    auto loan = RequestLoan(*archive_, As(borrower_), req);
    ASSERT_TRUE(loan.ok()) << loan.status().ToString();
    ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), loan->id, "同意").ok());
    ASSERT_TRUE(archive_->View(As(borrower_), lent.id, "核对报价").ok());
    RecordUpdate update;
    update.name = rec.name;
    update.classification = rec.classification;
    update.content.notes = "第二版";
    ASSERT_TRUE(archive_->UpdateRecord(As(author_), rec.id, update, "补充备注").ok());
    std::string content(200 * 1024 + 17, '\0');
    std::mt19937 gen(7);
    for (char& c : content) c = static_cast<char>(gen());
    std::istringstream in(content);
    auto att = AddAttachment(*archive_, As(author_), rec.id, "报价单.bin",
                             "application/octet-stream", in, "上传报价");
    ASSERT_TRUE(att.ok()) << att.status().ToString();
    // Enough events for stored tiles of the tree: a full tile of leaf
    // hashes, and the partial tile above it.
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) -> Status {
                      CUSTOS_ASSIGN_OR_RETURN(const uint64_t size, log_->Size(w));
                      for (uint64_t i = size; i < 300; ++i) {
                        AuditEvent e;
                        e.actor = {"sales.wang", "王销售"};
                        e.action = "record.search";
                        e.object = {"catalog", "", std::nullopt};
                        e.decision = AuditDecision::kAllow;
                        e.outcome = "ok";
                        CUSTOS_RETURN_IF_ERROR(log_->Append(w, e).status());
                      }
                      return Status::Ok();
                    })
                    .ok());
    // An alert for the auditor. The demo's own come from views after hours
    // on the real clock, none during China's working hours: this one does
    // not depend on when the test runs.
    ASSERT_TRUE(vault_
                    ->Write([&](WriteTxn& w) {
                      access::Alert alert;
                      alert.type = "quota.exhausted";
                      alert.severity = "warning";
                      alert.at = NowMillis();
                      alert.details = json::Value::MakeObject();
                      alert.details["record"] = lent.id;
                      return access::RaiseAlert(w, alert);
                    })
                    .ok());
    ASSERT_TRUE(log_->CheckpointNow().ok());
    while (true) {
      auto n = log_->IndexPending();
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
    }
    // The records catalog, saved as `custos serve` saves a large one.
    ASSERT_TRUE(archive_->SaveCatalog().ok());
    archive_.reset();
    log_.reset();
    vault_.reset();
  }

  // Opens the vault read-only (as `custos audit verify` does) with its log
  // and archive: the readers under test.
  void OpenReaders() {
    OpenOptions ro;
    ro.read_only = true;
    auto v = Vault::Open(dir_.path(), testing::Pass(), ro);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
    auto log = AuditLog::Open(*vault_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    auto archive = Archive::Open(*vault_, *log_);
    ASSERT_TRUE(archive.ok()) << archive.status().ToString();
    archive_ = std::move(archive).value();
  }

  // The readers of `s`'s table, each of which must fail with kDataLoss;
  // returns a description of the first that did not ("" when all did).
  std::string ReadersThatMissed(const StoredValue& s) {
    std::string missed;
    auto expect_loss = [&](const Status& st, const std::string& reader) {
      if (st.code() != StatusCode::kDataLoss && missed.empty())
        missed = reader + " returned " + st.ToString();
    };
    auto r = vault_->BeginRead();
    if (!r.ok()) return "BeginRead: " + r.status().ToString();
    const ReadTxn& txn = **r;
    const Table t = s.table;
    if (!tables::IsUnsealedTable(t)) {
      expect_loss(txn.Get(t, s.key).status(), "Get");
      expect_loss(txn.Scan(t, s.key, [](std::string_view, std::string_view) { return true; }),
                  "Scan");
    }
    if (tables::IsIndexTable(t)) {
      // Index tables are read by key only: the key is their data.
      expect_loss(txn.Has(t, s.key).status(), "Has");
      expect_loss(txn.ScanKeys(t, s.key, [](std::string_view) { return true; }), "ScanKeys");
    }
    if (t == tables::kAuditLeaves || t == tables::kAuditTiles || t == tables::kCheckpoints ||
        t == tables::kAuditState || t == tables::kAuditIndex) {
      expect_loss(log_->Verify(txn).status(), "AuditLog::Verify");
    }
    if (t == tables::kUsers) expect_loss(GetUser(txn, s.key).status(), "GetUser");
    if (t == tables::kLoans) expect_loss(GetLoan(txn, s.key).status(), "GetLoan");
    if (t == tables::kRecordIndex) {
      expect_loss(Archive::ReadMeta(txn, s.key).status(), "Archive::ReadMeta");
    }
    if (t == tables::kRecords && s.key.size() > 5 && s.key[s.key.size() - 5] == '\0') {
      const std::string id = s.key.substr(0, s.key.size() - 5);
      const uint32_t version = DecodeU32(std::string_view(s.key).substr(s.key.size() - 4));
      expect_loss(GetVersion(txn, t, id, version).status(), "GetVersion");
    }
    if (t == tables::kAttachments) {
      expect_loss(GetAttachment(txn, s.key).status(), "GetAttachment");
    }
    if (t == tables::kStreamChunks) {
      // Stored as the stream sealed it: the scrub checks it with the
      // stream's key, and names it.
      auto report = vault_->Scrub();
      bool named = false;
      if (report.ok()) {
        for (const ScrubFinding& f : report->damaged) {
          named = named || (f.table == s.table && f.key_hex == HexEncode(s.key));
        }
      }
      if (!named && missed.empty()) missed = "Vault::Scrub did not name it";
    }
    if (t == tables::kAttachmentChunks || t == tables::kStreamChunks) {
      const std::string id = s.key.substr(0, s.key.find('\0'));
      auto stream = AttachmentContent(txn, id);
      if (stream.ok()) {
        r->reset();
        expect_loss(
            ReadSealedStream(*vault_, *stream, [](std::string_view) { return Status::Ok(); }),
            "ReadSealedStream");
      }
    }
    if (t == tables::kCatalog) {
      // The saved catalog is a copy of what the records say: a damaged one
      // is not used, and the catalog is read from the records instead.
      r->reset();
      auto other = Archive::Open(*vault_, *log_);
      if (!other.ok()) {
        missed = "Archive::Open returned " + other.status().ToString();
      } else if (Status built = (*other)->AwaitCatalog(); !built.ok()) {
        missed = "the catalog's build returned " + built.ToString();
      } else if ((*other)->LastCatalogLoad().saved ||
                 (*other)->CatalogSize() != archive_->CatalogSize()) {
        missed = "Archive::Open used the damaged saved catalog";
      }
    }
    if (t == tables::kKeys) {
      // Long-lived keys are read when the vault or the log opens.
      r->reset();
      OpenOptions ro;
      ro.read_only = true;
      auto v = Vault::Open(dir_.path(), testing::Pass(), ro);
      if (!v.ok()) {
        expect_loss(v.status(), "Vault::Open");
      } else {
        auto log = AuditLog::Open(**v);
        if (!log.ok()) expect_loss(log.status(), "AuditLog::Open");
      }
    }
    return missed;
  }
};

TEST_F(DiskTamperTest, EveryFlipInAStoredValueIsDetectedByItsReaders) {
  Populate();
  const std::string file = dir_.path() + "/data.mdb";
  std::vector<StoredValue> values = LocateValues(dir_.path());
  ASSERT_FALSE(values.empty());
  // The located bytes are the value's bytes in the file.
  for (const StoredValue& s : values) {
    ASSERT_EQ(ReadAt(file, s.offset, s.size), s.bytes) << s.table;
  }
  // Per table: the first and last entries and a few between (seeded).
  std::mt19937 gen(2026);
  std::map<std::string, std::vector<size_t>> by_table;
  for (size_t i = 0; i < values.size(); ++i) by_table[values[i].table].push_back(i);
  for (Table t : tables::kAllTables) {
    if (t == tables::kMeta || t == tables::kSessions || t == tables::kAgreements ||
        t == tables::kSignatures || t == tables::kDepartures || t == tables::kEvidence) {
      continue;  // the demo's company part fills none of these
    }
    if (t == tables::kAuditNodes) continue;        // vaults from before tiles; emptied on open
    if (t == tables::kAttachmentChunks) continue;  // streams written before kStreamChunks
    EXPECT_TRUE(by_table.count(std::string(t))) << "no entry to tamper with in " << t;
  }
  std::vector<size_t> targets;
  for (auto& [table, idx] : by_table) {
    targets.push_back(idx.front());
    targets.push_back(idx.back());
    for (int i = 0; i < 8 && idx.size() > 2; ++i) targets.push_back(idx[gen() % idx.size()]);
  }

  OpenReaders();
  int flips = 0;
  for (size_t i : targets) {
    const StoredValue& s = values[i];
    ASSERT_GE(s.size, 45u) << s.table;  // 0x01, version, nonce, tag at least
    // The format byte, the key version, the nonce, the ciphertext (if
    // any) and the tag.
    std::vector<uint64_t> at = {0, 1 + gen() % 4, 5 + gen() % 24, s.size - 1 - gen() % 16};
    if (s.size > 45) at.push_back(29 + gen() % (s.size - 45));
    for (uint64_t pos : at) {
      const int bit = static_cast<int>(gen() % 8);
      FlipBit(file, s.offset + pos, bit);
      const std::string missed = ReadersThatMissed(s);
      FlipBit(file, s.offset + pos, bit);
      EXPECT_EQ(missed, "") << "flip of bit " << bit << " at byte " << pos << " of " << s.size
                            << " in " << s.table << " entry " << i;
      ++flips;
    }
    // Restored, it reads again.
    auto r = vault_->BeginRead();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE((*r)->Get(s.table, s.key).ok()) << s.table;
  }
  EXPECT_GT(flips, 300);

  // In an index table the key is the data: a changed key byte moves the
  // entry, and a key-only read that meets it at its new place fails. (One
  // that moves it out of the range a read looks at hides it from that read,
  // as deleting it would; AuditLog::Verify counts the log index's entries.)
  int key_flips = 0;
  for (size_t i : targets) {
    const StoredValue& s = values[i];
    if (!tables::IsIndexTable(s.table)) continue;
    ASSERT_EQ(ReadAt(file, s.key_offset, s.key.size()), s.key);
    const int bit = static_cast<int>(gen() % 8);
    FlipBit(file, s.key_offset + s.key.size() - 1, bit);
    std::string missed;
    {
      auto r = vault_->BeginRead();
      ASSERT_TRUE(r.ok());
      Status st = (*r)->ScanKeys(s.table, s.key.substr(0, s.key.size() - 1),
                                 [](std::string_view) { return true; });
      if (st.code() != StatusCode::kDataLoss) missed = "ScanKeys returned " + st.ToString();
      if (s.table == tables::kAuditIndex &&
          log_->Verify(**r).status().code() != StatusCode::kDataLoss)
        missed = "AuditLog::Verify missed it";
    }
    FlipBit(file, s.key_offset + s.key.size() - 1, bit);
    EXPECT_EQ(missed, "") << "flip of bit " << bit << " in the last key byte of " << s.table
                          << " entry " << i;
    ++key_flips;
  }
  EXPECT_GT(key_flips, 10);
  RecordProperty("key_flips", key_flips);
  RecordProperty("flips", flips);
  RecordProperty("entries", static_cast<int>(targets.size()));
  RecordProperty("tables", static_cast<int>(by_table.size()));
  auto report = log_->Verify();
  EXPECT_TRUE(report.ok()) << report.status().ToString();
}

}  // namespace
}  // namespace custos::vault
