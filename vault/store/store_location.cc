#include "vault/store/store_location.h"

namespace custos::vault {

namespace {
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
}  // namespace

Result<StoreLocation> StoreLocation::Parse(std::string_view where) {
  StoreLocation loc;
  if (StartsWith(where, "postgresql://") || StartsWith(where, "postgres://")) {
    const std::string_view rest = where.substr(where.find("://") + 3);
    // user[:password]@host…: a ':' before the '@' of the authority is a password.
    const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos)
      return Status::InvalidArgument(
          "the PostgreSQL location holds a password: put it in ~/.pgpass or the file PGPASSFILE "
          "names, never in the URL (it would show in process listings and logs)");
    if (rest.find("password=") != std::string_view::npos)
      return Status::InvalidArgument(
          "the PostgreSQL location holds a password parameter: put it in ~/.pgpass or the file "
          "PGPASSFILE names");
    loc.kind = Kind::kPostgres;
    loc.target = std::string(where);
    return loc;
  }
  if (StartsWith(where, "lmdb:")) where.remove_prefix(5);
  if (where.empty()) return Status::InvalidArgument("the vault location is empty");
  if (where.find("://") != std::string_view::npos)
    return Status::InvalidArgument("unknown store in '" + std::string(where) +
                                   "': use a directory, lmdb:DIR or postgresql://…");
  loc.kind = Kind::kLmdb;
  loc.target = std::string(where);
  return loc;
}

}  // namespace custos::vault
