// ReadSet (vault/store/vault.h): what a recorded snapshot read, and whether
// a later transaction would read exactly the same — the check that lets a
// decision made on a snapshot stand in the write (access/gate.h).
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "tests/vault/test_util.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::TempDir;

class ReadSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = CreateTestVault(dir_.path());
    Put("loan/r1/a", "open");
    Put("loan/r1/b", "requested");
    Put("loan/r2/a", "open");
    Put("user/u1", "active");
  }

  void Put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(vault_->Write([&](WriteTxn& w) { return w.Put(tables::kIndex, key, value); }).ok());
  }
  void Delete(const std::string& key) {
    ASSERT_TRUE(vault_->Write([&](WriteTxn& w) { return w.Delete(tables::kIndex, key); }).ok());
  }

  // Records what `reads` reads on a snapshot taken now.
  ReadSet Record(const std::function<void(const ReadTxn&)>& reads) {
    ReadSet set;
    auto txn = vault_->BeginRead(&set);
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    if (txn.ok()) reads(**txn);
    return set;
  }

  // Whether a write transaction now would read the same.
  bool StillSame(const ReadSet& set) {
    bool same = false;
    Status st = vault_->Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(same, w.SeesSame(set));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return same;
  }

  static void ScanAll(const ReadTxn& txn, std::string_view prefix) {
    Status st = txn.Scan(tables::kIndex, prefix,
                         [](std::string_view, std::string_view) -> Result<bool> { return true; });
    EXPECT_TRUE(st.ok()) << st.ToString();
  }

  TempDir dir_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(ReadSetTest, UnchangedReadsAreSeenTheSameAndOthersWritesDoNotMatter) {
  ReadSet set = Record([](const ReadTxn& txn) {
    EXPECT_EQ(*txn.Get(tables::kIndex, "user/u1"), "active");
    EXPECT_EQ(txn.Get(tables::kIndex, "user/u2").status().code(), StatusCode::kNotFound);
    ScanAll(txn, "loan/r1/");
    EXPECT_TRUE(txn.Count(tables::kRecords).ok());
  });
  EXPECT_EQ(set.size(), 4u);
  Put("loan/r2/b", "requested");  // outside every read above
  Put("other", "x");
  EXPECT_TRUE(StillSame(set));
}

TEST_F(ReadSetTest, AChangedValueIsNotTheSameEvenWithTheSameContent) {
  ReadSet set = Record([](const ReadTxn& txn) { (void)txn.Get(tables::kIndex, "user/u1"); });
  // Written again with the same text: sealed afresh (a new nonce), and
  // the check compares stored bytes, so it errs on the side of deciding again.
  Put("user/u1", "active");
  EXPECT_FALSE(StillSame(set));
}

TEST_F(ReadSetTest, AKeyThatWasAbsentAndAppearsIsNotTheSame) {
  ReadSet set = Record([](const ReadTxn& txn) { (void)txn.Get(tables::kIndex, "user/u2"); });
  Put("user/u2", "active");
  EXPECT_FALSE(StillSame(set));
}

TEST_F(ReadSetTest, AKeyThatWasReadAndIsDeletedIsNotTheSame) {
  ReadSet set = Record([](const ReadTxn& txn) { (void)txn.Has(tables::kIndex, "user/u1"); });
  Delete("user/u1");
  EXPECT_FALSE(StillSame(set));
}

TEST_F(ReadSetTest, AScanThatGainsLosesOrChangesAnEntryIsNotTheSame) {
  {
    ReadSet set = Record([](const ReadTxn& txn) { ScanAll(txn, "loan/r1/"); });
    Put("loan/r1/c", "requested");  // a new loan on the record
    EXPECT_FALSE(StillSame(set));
  }
  {
    ReadSet set = Record([](const ReadTxn& txn) { ScanAll(txn, "loan/r1/"); });
    Delete("loan/r1/b");
    EXPECT_FALSE(StillSame(set));
  }
  {
    ReadSet set = Record([](const ReadTxn& txn) { ScanAll(txn, "loan/r1/"); });
    Put("loan/r1/a", "revoked");
    EXPECT_FALSE(StillSame(set));
  }
  {
    ReadSet set = Record([](const ReadTxn& txn) { ScanAll(txn, "loan/r1/"); });
    EXPECT_TRUE(StillSame(set));
  }
}

TEST_F(ReadSetTest, AScanStoppedEarlyDependsOnlyOnWhatItVisited) {
  // The last key with a prefix: a reverse scan that stops at its first entry.
  ReadSet set = Record([](const ReadTxn& txn) {
    EXPECT_EQ(*txn.LastKeyWithPrefix(tables::kIndex, "loan/r1/"), "loan/r1/b");
  });
  Put("loan/r1/a", "revoked");  // before the one visited: not read
  EXPECT_TRUE(StillSame(set));
  ReadSet again = Record([](const ReadTxn& txn) {
    EXPECT_EQ(*txn.LastKeyWithPrefix(tables::kIndex, "loan/r1/"), "loan/r1/b");
  });
  Put("loan/r1/c", "requested");  // a new last key
  EXPECT_FALSE(StillSame(again));
}

TEST_F(ReadSetTest, ACountThatChangedIsNotTheSame) {
  ReadSet set = Record([](const ReadTxn& txn) { EXPECT_TRUE(txn.Count(tables::kIndex).ok()); });
  Put("loan/r3/a", "open");
  EXPECT_FALSE(StillSame(set));
}

TEST_F(ReadSetTest, TheWriteSeesItsOwnEarlierChanges) {
  ReadSet set = Record([](const ReadTxn& txn) { (void)txn.Get(tables::kIndex, "user/u1"); });
  bool before = false;
  bool after = true;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    CUSTOS_ASSIGN_OR_RETURN(before, w.SeesSame(set));
                    CUSTOS_RETURN_IF_ERROR(w.Put(tables::kIndex, "user/u1", "departed"));
                    CUSTOS_ASSIGN_OR_RETURN(after, w.SeesSame(set));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_TRUE(before);
  EXPECT_FALSE(after);
}

TEST_F(ReadSetTest, AFailedReadMakesTheSetUnusable) {
  ReadSet set = Record([](const ReadTxn& txn) {
    Status st =
        txn.Scan(tables::kIndex, "loan/", [](std::string_view, std::string_view) -> Result<bool> {
          return Status::Internal("the visitor gave up");
        });
    EXPECT_FALSE(st.ok());
  });
  EXPECT_FALSE(StillSame(set));
}

TEST_F(ReadSetTest, RecordingNeedsASetToRecordInto) {
  EXPECT_EQ(vault_->BeginRead(nullptr).status().code(), StatusCode::kInvalidArgument);
  ReadSet moved_from;
  ReadSet taker = std::move(moved_from);
  EXPECT_EQ(taker.size(), 0u);
  // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from set records nothing
  EXPECT_EQ(vault_->BeginRead(&moved_from).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custos::vault
