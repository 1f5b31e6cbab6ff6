// The scope of an evidence request: which people and records it is about
// and over which time window, and what that resolves to in the vault — the
// records each person authored, owned, borrowed or viewed, their
// agreements, the loans and attachments involved, and the audit events the
// bundle must carry.
//
// Resolution reads the audit log through its actor/object index
// (AuditLog::Export) and the records catalog; it never opens record
// content.
//
// Thread-safety: free functions over a read transaction.
#ifndef CUSTOS_VAULT_EVIDENCE_SCOPE_H_
#define CUSTOS_VAULT_EVIDENCE_SCOPE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"

namespace custos::vault::evidence {

// At most this many people and explicitly named records per request.
inline constexpr size_t kMaxScopePeople = 20;
inline constexpr size_t kMaxScopeRecords = 10'000;

// What a request names.
struct ScopeSpec {
  std::vector<std::string> person_ids;  // user ids
  std::vector<std::string> record_ids;
  UnixMillis from = 0;  // 0: from the people's first event (or the log's start)
  UnixMillis to = 0;    // 0: up to the export's checkpoint

  json::Value ToJson() const;
  static Result<ScopeSpec> FromJson(const json::Value& v);
};

// What it resolves to. Lists are sorted and hold no duplicates.
struct ResolvedScope {
  std::vector<User> people;
  UnixMillis from = 0;                     // inclusive
  UnixMillis to = 0;                       // exclusive; 0 = no end
  std::vector<std::string> named_records;  // the records the request names
  std::vector<std::string> records;        // named, or touched by the people
  std::vector<std::string> agreements;     // the people's agreements
  std::vector<std::string> loans;          // the people's loans and the named records'
  std::vector<std::string> attachments;    // of the named records
  bool top_secret = false;                 // a record in scope is marked 绝密

  // Whether `t` lies in the window.
  bool InWindow(UnixMillis t) const { return t >= from && (to == 0 || t < to); }
};

// The files each person of a scope owns, from the records catalog, by user
// id. Read before the caller's read transaction: the catalog's readers open
// their own, and a read inside another would hold two snapshots (two
// connections on PostgreSQL).
using OwnedRecords = std::map<std::string, std::vector<std::string>, std::less<>>;
Result<OwnedRecords> OwnedRecordsOf(const Archive& archive, const ScopeSpec& spec);

// Checks the spec (known people and records, a sane window, limits) and
// resolves it, with `owned` from OwnedRecordsOf. kInvalidArgument naming the
// problem for a bad spec.
Result<ResolvedScope> ResolveScope(const Archive& archive, const ReadTxn& txn,
                                   const ScopeSpec& spec, const OwnedRecords& owned);

// The audit events a bundle for `scope` carries, as sorted seqs below
// `log_size`:
//   - every event of the people (actor) in the window, and every event about
//     them (object = their user id) in the window;
//   - every event on the named records, their loans and attachments in the
//     window, and on the people's loans;
//   - every event on the agreements in scope, whenever it happened (signing
//     usually precedes the window);
//   - every event on `custody_ids` (the evidence requests of the case: the
//     chain of custody), whenever it happened;
//   - the events the records' ownership histories point at.
Result<std::vector<uint64_t>> CollectEvents(const Archive& archive, const ReadTxn& txn,
                                            const ResolvedScope& scope,
                                            const std::vector<std::string>& custody_ids,
                                            uint64_t log_size);

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_SCOPE_H_
