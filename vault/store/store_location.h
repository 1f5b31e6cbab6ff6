// Where a vault is stored: an LMDB directory (the embedded default) or a
// PostgreSQL database shared by several `custos serve` nodes.
//
//   /path/to/dir  or  lmdb:/path/to/dir       LMDB
//   postgresql://user@host:port/db            PostgreSQL (a libpq URI;
//   postgres://…                              also accepted)
//
// SECURITY: a PostgreSQL password never goes in the location (it would
// reach command lines, process listings and logs): libpq reads it from
// PGPASSFILE or ~/.pgpass. A URI that carries one is refused.
#ifndef CUSTOS_VAULT_STORE_STORE_LOCATION_H_
#define CUSTOS_VAULT_STORE_STORE_LOCATION_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace custos::vault {

struct StoreLocation {
  enum class Kind { kLmdb, kPostgres };
  Kind kind = Kind::kLmdb;
  // The directory, or the libpq URI.
  std::string target;

  // kInvalidArgument for an empty location, an unknown scheme, or a
  // PostgreSQL URI that holds a password.
  static Result<StoreLocation> Parse(std::string_view where);
  bool is_lmdb() const { return kind == Kind::kLmdb; }
  // For messages: the directory, or the URI (which holds no password).
  const std::string& ToString() const { return target; }
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_STORE_LOCATION_H_
