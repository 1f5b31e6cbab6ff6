// Every LMDB table (named database) of a vault, in one place.
//
// All tables but kMeta and kStreamChunks hold sealed values
// (XChaCha20-Poly1305, bound to table, key and key version;
// IsUnsealedTable). Keys are never plaintext names: ids, sequence numbers,
// or blind-index hashes. Add a table here and to kAllTables; the vault
// opens them all when it is unsealed.
#ifndef CUSTOS_VAULT_STORE_TABLES_H_
#define CUSTOS_VAULT_STORE_TABLES_H_

#include <array>
#include <string>
#include <string_view>

namespace custos::vault {

using Table = std::string_view;

// A key of a table: a read hint (Vault::Write), a key to prefetch.
struct TableKey {
  Table table;
  std::string key;
};

namespace tables {
// Plaintext vault metadata: format version, the keyring (wrapped keys only).
inline constexpr Table kMeta = "meta";
// Long-lived random keys (blind-index key, audit log signing key), sealed.
inline constexpr Table kKeys = "keys";
// Users by id; blind index username → id.
inline constexpr Table kUsers = "users";
inline constexpr Table kUserIndex = "user_index";
// Login sessions by token hash.
inline constexpr Table kSessions = "sessions";
// Generic immutable versions (id \0 version) and their heads.
inline constexpr Table kRecords = "records";
inline constexpr Table kRecordIndex = "record_index";
// Audit log: leaves by seq, the Merkle tree in tiles of 256 hashes
// (vault/audit/tree_tiles.h), checkpoints, log state. kAuditNodes held one
// entry per tree node before tiles; it is emptied when such a vault is
// first opened for writing.
inline constexpr Table kAuditLeaves = "audit_leaves";
inline constexpr Table kAuditTiles = "audit_tiles";
inline constexpr Table kAuditNodes = "audit_nodes";
inline constexpr Table kCheckpoints = "checkpoints";
inline constexpr Table kAuditState = "audit_state";
// Audit events by actor and by object, and the refused ones
// (AuditLog::IndexPending): keys only, kind byte + blind index of the id
// (of "deny" for a denial) + seq; values sealed empty strings.
inline constexpr Table kAuditIndex = "audit_index";
// Policy versions by SHA-256.
inline constexpr Table kPolicies = "policies";
// Loans, view counters (quota), attachments and their chunks.
inline constexpr Table kLoans = "loans";
inline constexpr Table kViewCounts = "view_counts";
// Each person's recent view attempts for the anomaly rules
// (policy/anomaly.h), by user id.
inline constexpr Table kActivity = "activity";
inline constexpr Table kAttachments = "attachments";
// Streams (vault/store/sealed_stream.h: attachments, exported bundles). A
// stream's chunks are its own secretstream's ciphertext, authenticated
// under the stream's key: kStreamChunks stores them as they are, and
// kStreams describes each committed stream (sealed), so that a scrub can
// check its chunks. kAttachmentChunks holds the chunks of streams written
// before kStreamChunks existed, sealed a second time as values; they are
// read as they are and never written again.
inline constexpr Table kStreams = "streams";
inline constexpr Table kStreamChunks = "stream_chunks";
inline constexpr Table kAttachmentChunks = "attachment_chunks";
// Agreements and signatures, alerts, departures.
inline constexpr Table kAgreements = "agreements";
inline constexpr Table kSignatures = "signatures";
inline constexpr Table kAlerts = "alerts";
inline constexpr Table kDepartures = "departures";
// Secondary indexes (sealed empty values keyed by composite keys).
inline constexpr Table kIndex = "index";
// Evidence requests and their exports (vault/evidence); the exported
// bundles' chunks are in kStreamChunks under their own ids.
inline constexpr Table kEvidence = "evidence";
// The id of every record whose metadata changed, by sequence number: the
// records catalog (and each node's, on a vault several nodes share) is
// brought up to date from it (vault/records/records_catalog.cc).
inline constexpr Table kRecordChanges = "record_changes";
// The records catalog as last saved, in parts, and the entry of
// kRecordChanges it reflects: read at open instead of every record.
inline constexpr Table kCatalog = "catalog";

// clang-format off
inline constexpr std::array<Table, 29> kAllTables = {
    kMeta, kKeys, kUsers, kUserIndex, kSessions,
    kRecords, kRecordIndex, kAuditLeaves, kAuditTiles, kAuditNodes,
    kCheckpoints, kAuditState, kAuditIndex, kPolicies, kLoans,
    kViewCounts, kActivity, kAttachments, kAttachmentChunks, kAgreements,
    kSignatures, kAlerts, kDepartures, kIndex, kEvidence,
    kRecordChanges, kStreams, kStreamChunks, kCatalog};
// clang-format on

// The tables whose keys are their data (indexes): they are mostly read by
// key alone. Key-only reads of them (ReadTxn::Has, ScanKeys,
// LastKeyWithPrefix) still open each entry's small sealed value, whose
// associated data binds the key, so that a changed key or value is caught
// (kDataLoss) as in every other table instead of silently moving or
// dropping an index entry (a legal hold, a loan of a record).
inline constexpr bool IsIndexTable(Table t) {
  return t == kIndex || t == kAuditIndex || t == kUserIndex;
}

// The tables read far more often than they change: the vault's metadata
// and keys, users, policies, files and their indexes, loans. A store that
// several nodes share (PostgreSQL) keeps what its transactions read of them
// for the next ones, as long as a per-table version, read by each
// transaction, shows the table unchanged (pg_store.cc, NodeCache).
inline constexpr std::array<Table, 9> kReadMostlyTables = {
    kMeta, kKeys, kUsers, kUserIndex, kRecords, kRecordIndex, kPolicies, kLoans, kIndex};
inline constexpr bool IsReadMostly(Table t) {
  for (Table r : kReadMostlyTables)
    if (r == t) return true;
  return false;
}

// The tables of the audited views' own writes: the log's leaves and tiles,
// view counters, each person's recent activity, alerts. On a store that
// several nodes share (PostgreSQL), a transaction that writes no other
// table lets the writers' lock go before its commit is flushed, and is
// acknowledged only once it is (pg_store.cc, "early release"); every other
// transaction holds the lock through its flush. None of them is read-mostly:
// a node's cache never holds what a crash could still undo, and a
// checkpoint (kCheckpoints) is never shown before it and everything it
// covers are durable.
inline constexpr std::array<Table, 5> kEarlyReleaseTables = {kAuditLeaves, kAuditTiles, kViewCounts,
                                                             kActivity, kAlerts};
inline constexpr bool IsEarlyRelease(Table t) {
  for (Table r : kEarlyReleaseTables)
    if (r == t) return true;
  return false;
}
static_assert([] {
  for (Table t : kEarlyReleaseTables)
    if (IsReadMostly(t) || t == kCheckpoints || t == kAuditState) return false;
  return true;
}());

// The tables whose values the vault stores as it is given them, unsealed:
// kMeta (the format and the keyring, which holds wrapped keys only) and
// kStreamChunks (ciphertext authenticated by its stream's own key). They
// are neither sealed on write nor opened on read, and a root key rotation
// leaves them as they are.
inline constexpr bool IsUnsealedTable(Table t) { return t == kMeta || t == kStreamChunks; }
}  // namespace tables

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_TABLES_H_
