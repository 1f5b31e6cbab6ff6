// The mapping of LMDB's return codes to Status (vault/internal/lmdb.cc),
// checked against codes LMDB really returns.
#include "vault/store/internal/lmdb.h"

#include <lmdb.h>
#include <string>

#include <gtest/gtest.h>

#include "tests/vault/test_util.h"

namespace custos::vault::internal {
namespace {

using testing::TempDir;

// MDB_BAD_TXN says the transaction must be aborted (here: it has an active
// child); the files are fine. Reporting it as data loss sent operators
// looking for a damaged disk.
TEST(LmdbStatusTest, BadTransactionIsAbortedNotDataLoss) {
  TempDir dir;
  auto env = Env::Open(dir.path(), size_t{1} << 20, 4, /*read_only=*/false);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto parent = Txn::Begin(*env, nullptr, false);
  ASSERT_TRUE(parent.ok());
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(parent->get(), nullptr, 0, &dbi), 0);
  auto child = Txn::Begin(*env, parent->get(), false);
  ASSERT_TRUE(child.ok());
  MDB_val k = ToVal("key"), v = ToVal("value");
  const int rc = mdb_put(parent->get(), dbi, &k, &v, 0);  // the parent is busy
  ASSERT_EQ(rc, MDB_BAD_TXN) << mdb_strerror(rc);
  const Status st = LmdbStatus(rc, "writing");
  EXPECT_EQ(st.code(), StatusCode::kAborted) << st.ToString();
  EXPECT_EQ(st.message().find("damaged"), std::string::npos) << st.message();
  child->Abort();
  // Nothing is wrong with the environment: the parent goes on.
  ASSERT_EQ(mdb_put(parent->get(), dbi, &k, &v, 0), 0);
  EXPECT_TRUE(parent->Commit().ok());
}

TEST(LmdbStatusTest, DamageIsDataLoss) {
  EXPECT_EQ(LmdbStatus(MDB_CORRUPTED, "reading").code(), StatusCode::kDataLoss);
  EXPECT_EQ(LmdbStatus(MDB_PAGE_NOTFOUND, "reading").code(), StatusCode::kDataLoss);
  EXPECT_EQ(LmdbStatus(MDB_INVALID, "opening").code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace custos::vault::internal
