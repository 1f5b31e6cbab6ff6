#include "vault/people/departure_report.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/types.h"
#include "vault/access/alerts.h"
#include "vault/records/loans.h"

namespace custos::vault {
namespace {

constexpr std::string_view kReportAction = "departure.report";

json::Value RecordJson(const ReportRecord& r) {
  json::Value o = json::Value::MakeObject();
  o["id"] = r.id;
  o["name"] = r.name;
  o["kind"] = r.kind;
  o["classification"] = r.classification;
  o["owner"] = r.owner_id;
  o["events"] = r.events;
  o["denied"] = r.denied;
  o["first"] = r.first;
  o["last"] = r.last;
  if (!r.uses.empty()) {
    json::Value uses = json::Value::MakeObject();
    for (const auto& [kind, n] : r.uses) uses[kind] = n;
    o["uses"] = std::move(uses);
  }
  return o;
}

json::Value RecordsJson(const std::vector<ReportRecord>& records) {
  json::Value a = json::Value::MakeArray();
  for (const ReportRecord& r : records) a.Push(RecordJson(r));
  return a;
}

// Fills each of `records` with its name, kind, classification and owner
// from the archive's catalog (a person may have a hundred thousand files:
// none of them is opened for this); one the catalog lacks keeps its id only.
Status Describe(const Archive& archive, std::vector<ReportRecord>* records) {
  std::vector<std::string> ids;
  ids.reserve(records->size());
  for (const ReportRecord& r : *records) ids.push_back(r.id);
  CUSTOS_ASSIGN_OR_RETURN(auto summaries, archive.Summaries(ids));
  for (size_t i = 0; i < records->size(); ++i) {
    const std::optional<RecordSummary>& s = summaries[i];
    if (!s) continue;
    ReportRecord& r = (*records)[i];
    r.name = s->name;
    r.kind = std::string(RecordKindId(s->kind));
    r.classification = std::string(policy::ClassificationId(s->classification));
    r.owner_id = s->owner_id;
  }
  return Status::Ok();
}

// The time a report of `user` read at `now` covers, [from, to): the last
// `lookback_days`, or, for someone who gave notice, from `lookback_days`
// before the notice date — what matters is the time before it — but at
// most kMaxLookbackDays back from now, however old the notice.
struct Window {
  UnixMillis from = 0;
  UnixMillis to = 0;
  bool from_notice = false;
};
// The notice date is a day of the company's calendar (`utc_offset_minutes`
// ahead of UTC).
Window ReportWindow(const User& user, UnixMillis now, int lookback_days, int utc_offset_minutes) {
  Window w;
  w.to = now + 1;
  w.from = w.to - lookback_days * kMillisPerDay;
  if (auto notice = ParseDate(user.notice_date); notice.ok()) {
    const UnixMillis local_midnight =
        (DaysFromCivil(*notice) - lookback_days) * kMillisPerDay - utc_offset_minutes * 60'000LL;
    const UnixMillis before =
        std::max(local_midnight, w.to - int64_t{kMaxLookbackDays} * kMillisPerDay);
    if (before < w.from) {
      w.from = before;
      w.from_notice = true;
    }
  }
  return w;
}

void Touch(ReportRecord* r, UnixMillis t) {
  if (r->first == 0 || t < r->first) r->first = t;
  if (t > r->last) r->last = t;
}

std::vector<ReportRecord> Values(std::map<std::string, ReportRecord>* m) {
  std::vector<ReportRecord> out;
  out.reserve(m->size());
  for (auto& [id, r] : *m) out.push_back(std::move(r));
  return out;
}

}  // namespace

double MarkSpikes(std::vector<DayViews>* days, const policy::anomaly::Thresholds& t) {
  std::vector<int64_t> counts;
  for (const DayViews& d : *days) counts.push_back(d.views);
  const double median = policy::anomaly::MedianOfActiveDays(counts);
  for (DayViews& d : *days) d.spike = policy::anomaly::IsSpike(d.views, median, t);
  return median;
}

json::Value DepartureReport::ToJson() const {
  json::Value o = json::Value::MakeObject();
  json::Value user = json::Value::MakeObject();
  user["id"] = user_id;
  user["display_name"] = display_name;
  user["employment"] = employment;
  user["notice_date"] = notice_date;
  user["last_working_day"] = last_working_day;
  o["user"] = std::move(user);
  o["lookback_days"] = lookback_days;
  o["from"] = FormatRfc3339Millis(from);
  o["to"] = FormatRfc3339Millis(to);
  o["from_notice"] = from_notice;
  // The window as dates of the company's calendar (to is exclusive: its
  // last moment is the day shown).
  o["from_date"] = FormatDate(CivilFromDays(LocalDay(from, utc_offset_minutes)));
  o["to_date"] = FormatDate(CivilFromDays(LocalDay(to - 1, utc_offset_minutes)));
  o["authored"] = RecordsJson(authored);
  o["owned"] = RecordsJson(owned);
  o["viewed"] = RecordsJson(viewed);
  o["taken"] = RecordsJson(taken);
  o["outside_assignment"] = RecordsJson(outside_assignment);
  json::Value ls = json::Value::MakeArray();
  for (const ReportLoan& l : loans) {
    json::Value x = json::Value::MakeObject();
    x["id"] = l.id;
    x["record"] = l.record_id;
    x["record_name"] = l.record_name;
    x["kind"] = l.kind;
    x["state"] = l.state;
    x["requested_at"] = l.requested_at;
    x["due"] = l.due;
    ls.Push(std::move(x));
  }
  o["loans"] = std::move(ls);
  o["total_views"] = total_views;
  o["denied_views"] = denied_views;
  json::Value ds = json::Value::MakeArray();
  for (const DayViews& d : days) {
    json::Value x = json::Value::MakeObject();
    x["date"] = d.date;
    x["views"] = d.views;
    x["spike"] = d.spike;
    ds.Push(std::move(x));
  }
  o["days"] = std::move(ds);
  o["median_daily_views"] = median_daily_views;
  json::Value spikes = json::Value::MakeArray();
  for (const std::string& s : spike_days) spikes.Push(s);
  o["spike_days"] = std::move(spikes);
  json::Value hs = json::Value::MakeArray();
  for (const Handover& h : handovers) hs.Push(h.ToJson());
  o["handovers"] = std::move(hs);
  o["handovers_total"] = static_cast<uint64_t>(handovers_total);
  o["handovers_pending"] = static_cast<uint64_t>(handovers_pending);
  o["handovers_confirmed"] = static_cast<uint64_t>(handovers_confirmed);
  o["handovers_truncated"] = handovers_truncated;
  json::Value as = json::Value::MakeArray();
  for (const ReportAlert& a : alerts) {
    json::Value x = json::Value::MakeObject();
    x["type"] = a.type;
    x["record"] = a.record_id;
    x["record_name"] = a.record_name;
    x["at"] = a.at;
    x["audit_seq"] = a.audit_seq;
    x["details"] = a.details;
    as.Push(std::move(x));
  }
  o["alerts"] = std::move(as);
  o["alerts_truncated"] = alerts_truncated;
  return o;
}

Result<DepartureReport> BuildDepartureReport(Archive& archive, const Caller& caller,
                                             std::string_view user_id,
                                             const DepartureReportOptions& options) {
  if (user_id.empty()) return Status::InvalidArgument("user id is empty");
  if (options.lookback_days < 1 || options.lookback_days > kMaxLookbackDays) {
    return Status::InvalidArgument("lookback_days must be between 1 and 3660",
                                   "回溯天数须在 1 到 3660 之间");
  }
  const UnixMillis now = options.now != 0 ? options.now : NowMillis();
  DepartureReport report;
  report.lookback_days = options.lookback_days;
  Window window;

  // The decision and its event are durable before anything is read (fail
  // closed); the report itself is then built from a read snapshot, off the
  // committer thread, since it scans the audit log.
  policy::anomaly::Thresholds thresholds;
  int utc_offset_minutes = 0;  // the company's calendar, for the days of views
  const access::Attempt attempt =
      access::Attempt::On(policy::Action::kReadDepartureReport, kReportAction, "user", user_id);
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn&, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                f.now = now;
                f.target_user_id = std::string(user_id);
                e.details["lookback_days"] = options.lookback_days;
                return Status::Ok();
              },
              nullptr,
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
                if (!o.allowed) return Status::Ok();
                thresholds = o.policy->anomaly_thresholds();
                utc_offset_minutes = o.policy->utc_offset_minutes();
                // SECURITY: checked after the decision so a denied caller learns
                // nothing about which users exist; an unknown user commits nothing.
                CUSTOS_ASSIGN_OR_RETURN(User user, GetUser(txn, user_id));
                // The log says which time the report covered.
                window = ReportWindow(user, now, options.lookback_days, utc_offset_minutes);
                e.details["from"] = FormatRfc3339Millis(window.from);
                e.details["to"] = FormatRfc3339Millis(window.to);
                e.details["from_notice"] = window.from_notice;
                return Status::Ok();
              })
          .status());

  // The records catalog's readers (RecordsOwnedBy, Describe) open read
  // transactions of their own: they run while none is held, here and once
  // the report's own reads are done (a growing map waits for every reader).
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> owned, archive.RecordsOwnedBy(user_id));
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, GetUser(*txn, user_id));
  report.user_id = user.id;
  report.display_name = user.display_name;
  report.employment = std::string(policy::EmploymentStateId(user.employment));
  report.notice_date = user.notice_date;
  report.last_working_day = user.last_working_day;
  // The window the decision recorded.
  report.from = window.from;
  report.to = window.to;
  report.from_notice = window.from_notice;
  report.utc_offset_minutes = utc_offset_minutes;

  for (const std::string& id : owned) {
    ReportRecord r;
    r.id = id;
    report.owned.push_back(std::move(r));
  }

  std::map<std::string, ReportRecord> authored;
  std::map<std::string, ReportRecord> viewed;
  std::map<std::string, ReportRecord> taken;
  std::map<std::string, int> per_day;
  AuditFilter filter;
  filter.actor = user.id;
  filter.from = report.from;
  filter.to = report.to;
  Status parse_error;
  CUSTOS_RETURN_IF_ERROR(
      archive.audit_log().Export(*txn, filter, [&](uint64_t, std::string_view leaf) -> bool {
        auto v = json::Parse(leaf);
        if (!v.ok()) {
          parse_error = Status::DataLoss("an audit event does not parse");
          return false;
        }
        auto action = json::GetStringOr(*v, "action", "");
        auto decision = json::GetStringOr(*v, "decision", "");
        auto time_text = json::GetStringOr(*v, "time", "");
        const json::Value* object = v->Find("object");
        if (!action.ok() || !decision.ok() || !time_text.ok() || object == nullptr) return true;
        auto record_id = json::GetStringOr(*object, "id", "");
        auto t = ParseRfc3339(*time_text);
        if (!record_id.ok() || record_id->empty() || !t.ok()) return true;
        const bool allowed = *decision == "allow";
        if (*action == "record.view") {
          ReportRecord& r = viewed[*record_id];
          r.id = *record_id;
          Touch(&r, *t);
          if (allowed) {
            r.events += 1;
            report.total_views += 1;
            // Days of the company's calendar: a view at 07:00 in Beijing
            // is that day's, not the day before's (as its UTC date says).
            per_day[FormatDate(CivilFromDays(LocalDay(*t, utc_offset_minutes)))] += 1;
          } else {
            r.denied += 1;
            report.denied_views += 1;
          }
        } else if (allowed && (*action == "record.create" || *action == "record.update")) {
          ReportRecord& r = authored[*record_id];
          r.id = *record_id;
          r.events += 1;
          Touch(&r, *t);
        } else if (allowed && (*action == "record.copy" || *action == "record.print" ||
                               *action == "record.export" || *action == "attachment.read")) {
          // An attachment's event names the attachment; its file is in
          // the details.
          std::string id = *record_id;
          if (*action == "attachment.read") {
            const json::Value* details = v->Find("details");
            if (details == nullptr || !details->is_object()) return true;
            auto of = json::GetStringOr(*details, "record", "");
            if (!of.ok() || of->empty()) return true;
            id = *of;
          }
          ReportRecord& r = taken[id];
          r.id = id;
          r.events += 1;
          r.uses[*action == "attachment.read" ? "attachment" : action->substr(7)] += 1;
          Touch(&r, *t);
        }
        return true;
      }));
  CUSTOS_RETURN_IF_ERROR(parse_error);
  report.authored = Values(&authored);
  report.viewed = Values(&viewed);
  report.taken = Values(&taken);

  for (const auto& [date, views] : per_day) report.days.push_back(DayViews{date, views, false});
  report.median_daily_views = MarkSpikes(&report.days, thresholds);
  for (const DayViews& d : report.days) {
    if (d.spike) report.spike_days.push_back(d.date);
  }

  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> loans, ListLoans(*txn, {}, user.id));
  for (const Loan& l : loans) {
    const bool open =
        l.state == policy::LoanState::kRequested || l.state == policy::LoanState::kApproved ||
        l.state == policy::LoanState::kReleased || l.state == policy::LoanState::kActive;
    if (!open && (l.requested_at < report.from || l.requested_at >= report.to)) continue;
    ReportLoan x;
    x.id = l.id;
    x.record_id = l.record_id;
    if (auto meta = Archive::ReadMeta(*txn, l.record_id); meta.ok()) x.record_name = meta->name;
    x.kind = std::string(policy::LoanKindId(l.kind));
    x.state = std::string(policy::LoanStateId(l.state));
    x.requested_at = l.requested_at;
    x.due = l.due;
    report.loans.push_back(std::move(x));
  }
  std::sort(report.loans.begin(), report.loans.end(), [](const ReportLoan& a, const ReportLoan& b) {
    return a.requested_at < b.requested_at;
  });
  // The handovers counted (kept with them: a leaver may have handed over
  // 100 000 customers), the first ones in full.
  CUSTOS_ASSIGN_OR_RETURN(HandoverCounts counts, HandoverCountsOf(*txn, user.id));
  report.handovers_total = counts.total;
  report.handovers_pending = counts.pending;
  report.handovers_confirmed = counts.confirmed;
  report.handovers_truncated = counts.total > options.max_handovers;
  CUSTOS_ASSIGN_OR_RETURN(report.handovers, FirstHandoversOf(*txn, user.id, options.max_handovers));
  // Outside the assignment: judged as of now, but a file that was theirs —
  // authored in the window or handed over from them — never counts.
  for (const ReportRecord& r : report.viewed) {
    if (authored.count(r.id) > 0) continue;
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> handed, ReadHandover(*txn, user.id, r.id));
    if (handed) continue;
    auto meta = Archive::ReadMeta(*txn, r.id);
    if (!meta.ok()) continue;
    CUSTOS_ASSIGN_OR_RETURN(bool outside, OutsideAssignment(*txn, user, *meta));
    if (outside) report.outside_assignment.push_back(r);
  }

  // Alerts about the person: keys start with the time (big-endian), so the
  // scan runs newest first and stops at the window's start.
  CUSTOS_RETURN_IF_ERROR(
      access::ScanAlerts(*txn, /*newest_first=*/true, [&](json::Value alert) -> Result<bool> {
        const json::Value* v = &alert;
        CUSTOS_ASSIGN_OR_RETURN(int64_t at, json::GetIntOr(*v, "at", 0));
        if (at < report.from) return false;
        if (at >= report.to) return true;
        CUSTOS_ASSIGN_OR_RETURN(std::string who, json::GetStringOr(*v, "user_id", ""));
        if (who != user.id) return true;
        if (report.alerts.size() == kMaxReportAlerts) {
          report.alerts_truncated = true;
          return false;
        }
        ReportAlert a;
        CUSTOS_ASSIGN_OR_RETURN(a.type, json::GetStringOr(*v, "type", ""));
        CUSTOS_ASSIGN_OR_RETURN(a.record_id, json::GetStringOr(*v, "record_id", ""));
        CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(*v, "audit_seq", 0));
        a.at = at;
        a.audit_seq = static_cast<uint64_t>(seq);
        if (const json::Value* d = v->Find("details"); d != nullptr && d->is_object()) {
          a.details = *d;
        }
        if (!a.record_id.empty()) {
          if (auto meta = Archive::ReadMeta(*txn, a.record_id); meta.ok()) {
            a.record_name = meta->name;
          }
        }
        report.alerts.push_back(std::move(a));
        return true;
      }));
  std::reverse(report.alerts.begin(), report.alerts.end());
  txn.reset();
  // Each file's name, kind, marking and owner, from the catalog.
  for (std::vector<ReportRecord>* records : {&report.owned, &report.authored, &report.viewed,
                                             &report.taken, &report.outside_assignment}) {
    CUSTOS_RETURN_IF_ERROR(Describe(archive, records));
  }
  return report;
}

}  // namespace custos::vault
