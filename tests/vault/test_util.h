// Helpers for vault tests: a fresh temporary directory per test and a vault
// created in it with cheap Argon2id parameters.
#ifndef CUSTOS_TESTS_VAULT_TEST_UTIL_H_
#define CUSTOS_TESTS_VAULT_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vault/store/vault.h"

namespace custos::vault::testing {

// Creates a unique empty directory under $TMPDIR (or /tmp); removed by the
// destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline SecretBytes Pass(std::string_view p = "correct horse battery staple") {
  return SecretBytes::CopyOf(p);
}

// Where the test's vault for `dir` lives. Normally `dir` itself (LMDB).
// When CUSTOS_TEST_PG_CLUSTER names a running throw-away cluster
// (tests/pg/pg_cluster.sh), a PostgreSQL schema of its own for `dir` in
// that cluster (created on first use), so the same tests prove the same
// rules on the PostgreSQL store.
std::string TestStoreFor(const std::string& dir);
// Whether the tests run on the PostgreSQL store (CUSTOS_TEST_PG_CLUSTER).
bool TestingOnPostgres();

// Everything the store for `dir` holds, as bytes to compare: the LMDB data
// file, or every row of the vault's PostgreSQL schema in key order.
std::string StoredBytes(const std::string& dir);
// Runs `sql` in the PostgreSQL schema of the test vault for `dir`, as an
// administrator would with psql (on the PostgreSQL store only); aborts the
// test when PostgreSQL refuses it.
void RunSql(const std::string& dir, const std::string& sql);
// The directory of every file the store for `dir` writes: `dir`, or the
// test cluster's data directory.
std::string StoreFilesOf(const std::string& dir);

// Creates a vault for `dir` (TestStoreFor) with test KDF parameters;
// aborts the test on error.
std::unique_ptr<Vault> CreateTestVault(const std::string& dir,
                                       std::string_view passphrase = "correct horse battery staple",
                                       const OpenOptions& open = {});
std::unique_ptr<Vault> OpenTestVault(const std::string& dir,
                                     std::string_view passphrase = "correct horse battery staple");

// Runs `fns` as consecutive requests of one group-commit batch: a first
// request holds the committer until the others are queued behind it, in
// order (100 ms apart). Returns each request's status; fails the test if
// they did not share one commit.
std::vector<Status> RunInOneBatch(Vault& vault,
                                  const std::vector<std::function<Status(WriteTxn&)>>& fns);

// Damages a stored value on disk as a failing disk would: flips a bit in the
// middle of every copy of `sealed` (its stored bytes, ReadTxn::GetSealed) in
// the file `path` (a data.mdb) — copy-on-write may leave older copies of its
// page in free space, so the live one is among them. Returns how many
// copies were changed (0: not found).
size_t FlipStoredValue(const std::string& path, std::string_view sealed);

// Writes values of 256 KiB into `table` of the LMDB vault in `dir` under
// keys `prefix`0, `prefix`1, … with data.mdb's file-size limit set to its
// present size (a full disk, in effect), until a commit fails; returns that
// failure (OK if 64 writes all fit). The limit is restored before it
// returns.
Status WriteUntilTheDiskRefuses(Vault& vault, const std::string& dir, Table table,
                                const std::string& prefix);

}  // namespace custos::vault::testing

#endif  // CUSTOS_TESTS_VAULT_TEST_UTIL_H_
