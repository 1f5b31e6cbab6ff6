// report.html of an evidence bundle: the human-readable account a court
// reads first, in Chinese and English, printable on A4. Built only from what
// the bundle's own files say (the builder collects ReportData while it writes
// them), so every number in it can be checked against the files.
//
// Sections: case and scope; the confidentiality measures in force and since
// when (markings, access rules in words, the view quota, agreements signed);
// each person's access timeline against their notice date and last working
// day (views per day with spikes flagged, refusals, alerts, first and last
// access per record); the records; agreements and non-competes; the chain
// of custody; a system statement (how events are recorded and proven, how to
// verify); and draft certifications for a named custodian to sign (a
// Chinese 电子数据真实性说明 and a US FRE 902(13)/(14) declaration).
//
// Thread-safety: pure function.
#ifndef CUSTOS_VAULT_EVIDENCE_REPORT_H_
#define CUSTOS_VAULT_EVIDENCE_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/time.h"
#include "policy/anomaly.h"
#include "policy/policy.h"

namespace custos::vault::evidence {

// One exported event, as the report uses it (no content).
struct ReportEvent {
  uint64_t seq = 0;
  UnixMillis time = 0;
  std::string actor_id;
  std::string actor_name;
  std::string action;
  bool allowed = false;
  std::string rule;
  std::string object_type;
  std::string object_id;
  std::string record_id;  // the record concerned (object, or details.record)
  // Where and why, as the person declared them at login and at the act.
  std::string workstation;
  std::string location;
  std::string ip;
  std::string reason;
};

struct ReportAlert {
  std::string type;
  std::string record_id;
  UnixMillis at = 0;
  uint64_t audit_seq = 0;
};

// One of a leaver's handovers (vault/people/handover.h), as the report shows it.
struct ReportHandover {
  std::string record_id;
  std::string successor_name;
  std::string state;  // HandoverStateId: "pending" or "confirmed"
  std::string confirmed_by_name;
  UnixMillis confirmed_at = 0;
  // CustomerStateId: confirmed, waived, refused, unreachable or pending.
  std::string customer;
  std::string customer_date;  // YYYY-MM-DD the customer answered, or ""
  std::string waived_by_name;
  uint64_t confirm_seq = 0;
  uint64_t customer_seq = 0;  // the answer's event, else the waiver's, else 0
};

struct ReportPerson {
  std::string id;
  std::string username;
  std::string display_name;
  std::string department;
  std::string employment;  // policy id
  std::string notice_date;
  std::string last_working_day;
  bool disabled = false;
  std::vector<ReportAlert> alerts;
  std::vector<ReportHandover> handovers;  // as the leaver, record id order
};

struct ReportRecord {
  std::string id;
  std::string name;
  std::string kind;
  std::string classification;  // id, now
  std::string owner_name;
  uint32_t versions = 0;
  bool named = false;  // named by the request (not found through a person)
  bool held = false;   // under a legal hold at export
};

struct ReportAgreement {
  std::string id;
  std::string kind;  // "employee-nda", "non-compete", ...
  std::string title;
  std::string employee_id;
  std::string employee_name;
  std::string state;
  std::string method;  // "electronic" / "paper"
  UnixMillis employee_signed_at = 0;
  UnixMillis completed_at = 0;
  bool document_hash_ok = false;
  bool all_signatures_ok = false;
  json::Value noncompete;  // {terms, tracking, status} or null
};

struct ReportPolicy {
  std::string sha256;
  std::string version;
  UnixMillis first_applied = 0;  // 0: unknown (not in the history)
  std::optional<policy::Policy> parsed;
};

struct ReportCustody {
  std::string what;  // "request", "approve", "deny", "export", "download", "hold.lift"
  std::string by_name;
  UnixMillis at = 0;
  uint64_t audit_seq = 0;
  std::string note;
};

struct ReportData {
  std::string case_ref;
  std::string request_id;
  std::string purpose;
  UnixMillis from = 0;
  UnixMillis to = 0;
  bool redacted = false;
  bool encrypted = false;
  std::string creator_name;
  UnixMillis created = 0;
  std::string log_name;
  uint64_t checkpoint_size = 0;
  std::string root_b64;
  std::string key_id_hex;  // the log key's signed-note key ID
  bool timestamped = false;
  UnixMillis timestamp_time = 0;
  std::string tsa_name;
  std::vector<ReportPerson> people;
  std::vector<ReportRecord> records;
  std::vector<ReportAgreement> agreements;
  std::vector<ReportPolicy> policies;  // named by events, oldest application first
  std::string policy_in_force;         // sha256 of the policy in force at export
  std::vector<ReportEvent> events;
  std::vector<ReportCustody> custody;
  uint64_t files = 0;
  policy::anomaly::Thresholds thresholds;
  // The calendar of the policy in force (its <calendar>): the report's days
  // are dates at this offset, as the departure report's and the notice and
  // last-working-day dates they are compared with.
  int utc_offset_minutes = 8 * 60;
};

std::string RenderReport(const ReportData& data);

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_REPORT_H_
