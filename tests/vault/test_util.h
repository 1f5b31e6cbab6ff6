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

// Creates a vault in `dir` with test KDF parameters; aborts the test on error.
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

}  // namespace custos::vault::testing

#endif  // CUSTOS_TESTS_VAULT_TEST_UTIL_H_
