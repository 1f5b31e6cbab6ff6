#include "vault/evidence/scope.h"

#include <algorithm>
#include <map>
#include <utility>

#include "vault/agreements/agreements.h"
#include "vault/people/handover.h"
#include "vault/records/attachments.h"
#include "vault/records/loans.h"

namespace custos::vault::evidence {
namespace {

json::Value StringArray(const std::vector<std::string>& v) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& s : v) a.Push(s);
  return a;
}

Result<std::vector<std::string>> ReadStringArray(const json::Value& o, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* a = o.Find(key);
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_array()) return Status::InvalidArgument(std::string(key) + " must be an array");
  for (const json::Value& s : a->as_array()) {
    if (!s.is_string()) return Status::InvalidArgument(std::string(key) + " holds a non-string");
    out.push_back(s.as_string());
  }
  return out;
}

void SortUnique(std::vector<std::string>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// The fields of one leaf the scope needs.
struct LeafFacts {
  UnixMillis time = 0;
  std::string object_type;
  std::string object_id;
  std::string detail_record;  // details.record (loans, attachments)
};

Result<LeafFacts> ParseLeafFacts(std::string_view leaf) {
  auto v = json::Parse(leaf);
  if (!v.ok()) return Status::DataLoss("an audit event does not parse");
  LeafFacts f;
  CUSTOS_ASSIGN_OR_RETURN(std::string time, json::GetStringOr(*v, "time", ""));
  if (auto t = ParseRfc3339(time); t.ok()) f.time = *t;
  if (const json::Value* o = v->Find("object"); o != nullptr && o->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(f.object_type, json::GetStringOr(*o, "type", ""));
    CUSTOS_ASSIGN_OR_RETURN(f.object_id, json::GetStringOr(*o, "id", ""));
  }
  if (const json::Value* d = v->Find("details"); d != nullptr && d->is_object()) {
    if (const json::Value* r = d->Find("record"); r != nullptr && r->is_string()) {
      f.detail_record = r->as_string();
    }
  }
  return f;
}

// Adds to `out` the seqs (below `log_size`) of the events that `filter`
// matches.
Status AddEvents(const AuditLog& log, const ReadTxn& txn, const AuditFilter& filter,
                 uint64_t log_size, std::set<uint64_t>* out) {
  return log.Export(txn, filter, [&](uint64_t seq, std::string_view) {
    if (seq < log_size) out->insert(seq);
    return true;
  });
}

}  // namespace

json::Value ScopeSpec::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["people"] = StringArray(person_ids);
  o["records"] = StringArray(record_ids);
  o["from"] = from;
  o["to"] = to;
  return o;
}

Result<ScopeSpec> ScopeSpec::FromJson(const json::Value& v) {
  ScopeSpec s;
  CUSTOS_ASSIGN_OR_RETURN(s.person_ids, ReadStringArray(v, "people"));
  CUSTOS_ASSIGN_OR_RETURN(s.record_ids, ReadStringArray(v, "records"));
  CUSTOS_ASSIGN_OR_RETURN(s.from, json::GetIntOr(v, "from", 0));
  CUSTOS_ASSIGN_OR_RETURN(s.to, json::GetIntOr(v, "to", 0));
  return s;
}

Result<OwnedRecords> OwnedRecordsOf(const Archive& archive, const ScopeSpec& spec) {
  if (spec.person_ids.size() > kMaxScopePeople) return OwnedRecords();  // ResolveScope refuses it
  return archive.RecordsOwnedByEach(spec.person_ids);
}

Result<ResolvedScope> ResolveScope(const Archive& archive, const ReadTxn& txn,
                                   const ScopeSpec& spec, const OwnedRecords& owned) {
  if (spec.person_ids.empty() && spec.record_ids.empty()) {
    return Status::InvalidArgument("the scope names no person and no record",
                                   "请至少指定一位涉及人员或一份档案");
  }
  if (spec.person_ids.size() > kMaxScopePeople) {
    return Status::InvalidArgument(
        "at most " + std::to_string(kMaxScopePeople) + " people per request",
        "每份申请最多涉及 " + std::to_string(kMaxScopePeople) + " 人");
  }
  if (spec.record_ids.size() > kMaxScopeRecords) {
    return Status::InvalidArgument(
        "at most " + std::to_string(kMaxScopeRecords) + " records per request",
        "每份申请最多涉及 " + std::to_string(kMaxScopeRecords) + " 份档案");
  }
  if (spec.from < 0 || spec.to < 0 || (spec.to != 0 && spec.to <= spec.from)) {
    return Status::InvalidArgument("the time window is empty or negative",
                                   "时间范围无效：截止时间须晚于起始时间");
  }
  ResolvedScope scope;
  scope.to = spec.to;
  const AuditLog& log = archive.audit_log();

  std::vector<std::string>& named_records = scope.named_records;
  named_records = spec.record_ids;
  SortUnique(&named_records);
  for (const std::string& id : named_records) {
    auto meta = Archive::ReadMeta(txn, id);
    if (!meta.ok()) {
      if (meta.status().code() == StatusCode::kNotFound) {
        return Status::InvalidArgument("no record " + id, "档案 " + id + " 不存在");
      }
      return meta.status();
    }
  }
  std::vector<std::string> people = spec.person_ids;
  SortUnique(&people);
  for (const std::string& id : people) {
    auto user = GetUser(txn, id);
    if (!user.ok()) {
      if (user.status().code() == StatusCode::kNotFound) {
        return Status::InvalidArgument("no user " + id, "用户 " + id + " 不存在");
      }
      return user.status();
    }
    scope.people.push_back(std::move(*user));
  }

  // The window starts at the people's first event unless the request says.
  scope.from = spec.from;
  if (spec.from == 0 && !scope.people.empty()) {
    UnixMillis first = 0;
    for (const User& u : scope.people) {
      AuditFilter f;
      f.actor = u.id;
      Status parse;
      CUSTOS_RETURN_IF_ERROR(log.Export(txn, f, [&](uint64_t, std::string_view leaf) {
        auto facts = ParseLeafFacts(leaf);
        if (!facts.ok()) {
          parse = facts.status();
          return false;
        }
        if (first == 0 || facts->time < first) first = facts->time;
        return false;  // log order: the first one is the earliest
      }));
      CUSTOS_RETURN_IF_ERROR(parse);
    }
    scope.from = first;
  }
  if (scope.to != 0 && scope.to <= scope.from) {
    return Status::InvalidArgument("the time window ends before the people's first event",
                                   "截止时间早于涉及人员的第一条审计记录");
  }

  std::vector<std::string> records = named_records;
  for (const User& u : scope.people) {
    if (auto it = owned.find(u.id); it != owned.end())
      records.insert(records.end(), it->second.begin(), it->second.end());
    // The files handed over from them, from the handovers' keys alone.
    CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> handed, HandedOverRecordIds(txn, u.id));
    records.insert(records.end(), handed.begin(), handed.end());
    // Records they wrote, viewed, copied, printed or exported — or tried to.
    AuditFilter f;
    f.actor = u.id;
    if (scope.from != 0) f.from = scope.from;
    if (scope.to != 0) f.to = scope.to;
    Status parse;
    CUSTOS_RETURN_IF_ERROR(log.Export(txn, f, [&](uint64_t, std::string_view leaf) {
      auto facts = ParseLeafFacts(leaf);
      if (!facts.ok()) {
        parse = facts.status();
        return false;
      }
      if (facts->object_type == "record" && !facts->object_id.empty()) {
        records.push_back(facts->object_id);
      } else if (!facts->detail_record.empty() &&
                 (facts->object_type == "loan" || facts->object_type == "attachment")) {
        records.push_back(facts->detail_record);
      }
      return true;
    }));
    CUSTOS_RETURN_IF_ERROR(parse);
    // Records they borrowed: loans asked for in the window, or still open.
    CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> loans, ListLoans(txn, {}, u.id));
    for (const Loan& l : loans) {
      const bool open =
          l.state == policy::LoanState::kRequested || l.state == policy::LoanState::kApproved ||
          l.state == policy::LoanState::kReleased || l.state == policy::LoanState::kActive;
      if (!open && !scope.InWindow(l.requested_at)) continue;
      records.push_back(l.record_id);
      scope.loans.push_back(l.id);
    }
    CUSTOS_ASSIGN_OR_RETURN(std::vector<Agreement> agreements, AgreementsOfEmployee(txn, u.id));
    for (const Agreement& a : agreements) scope.agreements.push_back(a.id);
  }
  SortUnique(&records);
  for (const std::string& id : records) {
    auto meta = Archive::ReadMeta(txn, id);
    if (!meta.ok()) {
      // A record id in an event that no longer reads (e.g. an attempt on a
      // record that never existed) is not part of the evidence.
      if (meta.status().code() == StatusCode::kNotFound) continue;
      return meta.status();
    }
    if (meta->classification == policy::Classification::kTopSecret) scope.top_secret = true;
    scope.records.push_back(id);
  }
  for (const std::string& id : named_records) {
    CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> loans, ListLoans(txn, id));
    for (const Loan& l : loans) scope.loans.push_back(l.id);
    CUSTOS_ASSIGN_OR_RETURN(std::vector<AttachmentInfo> atts, ListAttachments(txn, id));
    for (const AttachmentInfo& a : atts) scope.attachments.push_back(a.id);
  }
  SortUnique(&scope.loans);
  SortUnique(&scope.attachments);
  SortUnique(&scope.agreements);
  return scope;
}

Result<std::vector<uint64_t>> CollectEvents(const Archive& archive, const ReadTxn& txn,
                                            const ResolvedScope& scope,
                                            const std::vector<std::string>& custody_ids,
                                            uint64_t log_size) {
  const AuditLog& log = archive.audit_log();
  std::set<uint64_t> seqs;
  auto windowed = [&](AuditFilter f) {
    if (scope.from != 0) f.from = scope.from;
    if (scope.to != 0) f.to = scope.to;
    return f;
  };
  for (const User& u : scope.people) {
    AuditFilter by;
    by.actor = u.id;
    CUSTOS_RETURN_IF_ERROR(AddEvents(log, txn, windowed(by), log_size, &seqs));
    AuditFilter about;
    about.object = u.id;
    CUSTOS_RETURN_IF_ERROR(AddEvents(log, txn, windowed(about), log_size, &seqs));
  }
  // Events on records: for named records all of them (with their loans and
  // attachments); for records found through the people, the people's own
  // events already carry what they did.
  std::vector<std::string> windowed_objects = scope.named_records;
  for (const std::string& l : scope.loans) windowed_objects.push_back(l);
  for (const std::string& a : scope.attachments) windowed_objects.push_back(a);
  for (const std::string& id : windowed_objects) {
    AuditFilter f;
    f.object = id;
    CUSTOS_RETURN_IF_ERROR(AddEvents(log, txn, windowed(f), log_size, &seqs));
  }
  for (const std::string& id : scope.agreements) {
    AuditFilter f;
    f.object = id;
    CUSTOS_RETURN_IF_ERROR(AddEvents(log, txn, f, log_size, &seqs));
  }
  for (const std::string& id : custody_ids) {
    AuditFilter f;
    f.object = id;
    CUSTOS_RETURN_IF_ERROR(AddEvents(log, txn, f, log_size, &seqs));
  }
  for (const std::string& id : scope.records) {
    auto history = ReadOwnershipHistory(txn, id);
    if (!history.ok()) return history.status();
    for (const OwnershipChange& c : *history) {
      if (c.audit_seq > 0 && c.audit_seq < log_size) seqs.insert(c.audit_seq);
    }
  }
  return std::vector<uint64_t>(seqs.begin(), seqs.end());
}

}  // namespace custos::vault::evidence
