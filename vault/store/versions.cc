#include "vault/store/versions.h"

namespace custos::vault {

std::string VersionKey(std::string_view id, uint32_t version) {
  std::string k(id);
  k.push_back('\0');
  k += EncodeU32(version);
  return k;
}

Result<uint32_t> LatestVersion(const ReadTxn& txn, Table table, std::string_view id) {
  if (id.find('\0') != std::string_view::npos) return Status::InvalidArgument("bad id");
  std::string prefix(id);
  prefix.push_back('\0');
  auto last = txn.LastKeyWithPrefix(table, prefix);
  if (!last.ok()) {
    if (last.status().code() == StatusCode::kNotFound) return Status::NotFound("no such document");
    return last.status();
  }
  if (last->size() != prefix.size() + 4) return Status::DataLoss("malformed version key");
  return DecodeU32(std::string_view(*last).substr(prefix.size()));
}

Result<uint32_t> AppendVersion(WriteTxn& txn, Table table, std::string_view id,
                               std::string_view value) {
  if (id.empty() || id.find('\0') != std::string_view::npos)
    return Status::InvalidArgument("bad document id");
  uint32_t next = 1;
  auto latest = LatestVersion(txn, table, id);
  if (latest.ok()) {
    next = *latest + 1;
  } else if (latest.status().code() != StatusCode::kNotFound) {
    return latest.status();
  }
  CUSTOS_RETURN_IF_ERROR(txn.Insert(table, VersionKey(id, next), value));
  return next;
}

Result<std::string> GetVersion(const ReadTxn& txn, Table table, std::string_view id,
                               uint32_t version) {
  auto r = txn.Get(table, VersionKey(id, version));
  if (!r.ok() && r.status().code() == StatusCode::kNotFound)
    return Status::NotFound("no version " + std::to_string(version) + " of that document");
  return r;
}

}  // namespace custos::vault
