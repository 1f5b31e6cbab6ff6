// Immutable versions: a document id maps to versions 1, 2, 3, … each written
// once and never changed. An update appends version n+1; every earlier
// version stays readable. Keys are `id \0 version(u32 big-endian)`, so the
// versions of one id are adjacent and in order. Ids must not contain \0.
#ifndef CUSTOS_VAULT_STORE_VERSIONS_H_
#define CUSTOS_VAULT_STORE_VERSIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vault/store/vault.h"

namespace custos::vault {

std::string VersionKey(std::string_view id, uint32_t version);

// Appends the next version of `id` and returns its number (1 for a new id).
Result<uint32_t> AppendVersion(WriteTxn& txn, Table table, std::string_view id,
                               std::string_view value);

// kNotFound when `id` has no versions.
Result<uint32_t> LatestVersion(const ReadTxn& txn, Table table, std::string_view id);

// kNotFound when that version does not exist.
Result<std::string> GetVersion(const ReadTxn& txn, Table table, std::string_view id,
                               uint32_t version);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_VERSIONS_H_
