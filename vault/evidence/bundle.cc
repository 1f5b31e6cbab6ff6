#include "vault/evidence/bundle.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "base/encoding.h"
#include "base/html.h"
#include "vault/access/alerts.h"
#include "vault/access/policy_store.h"
#include "vault/agreements/agreements.h"
#include "vault/agreements/noncompete.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/signed_note.h"
#include "vault/evidence/manifest.h"
#include "vault/evidence/report.h"
#include "vault/evidence/sha256sums.h"
#include "vault/people/handover.h"
#include "vault/records/attachments.h"
#include "vault/records/legal_hold.h"
#include "vault/store/crypto.h"
#include "vault/store/sealed_stream.h"
#include "vault/store/versions.h"

namespace custos::vault::evidence {
namespace {

// Events (and proofs) read per read transaction.
constexpr size_t kEventBatch = 512;
constexpr size_t kMaxPersonAlerts = 500;

// The shipped verifier (tests/tools/verify_evidence.py, compiled in).
constexpr std::string_view kVerifyPy =
#include "verify_evidence_py.inc"
    ;

// ---- files and the manifest's bookkeeping ----------------------------------------------

class Files {
 public:
  Files(ZipWriter& zip, UnixMillis modified) : zip_(zip), modified_(modified) {}

  Status Add(std::string_view path, std::string_view bytes, std::string_view doc_type,
             std::string_view mime, ZipMethod method = ZipMethod::kDeflated) {
    CUSTOS_RETURN_IF_ERROR(Begin(path, doc_type, mime, method));
    CUSTOS_RETURN_IF_ERROR(Write(bytes));
    return End();
  }
  Status Begin(std::string_view path, std::string_view doc_type, std::string_view mime,
               ZipMethod method = ZipMethod::kDeflated) {
    CUSTOS_RETURN_IF_ERROR(zip_.Begin(path, modified_, method));
    current_ = ManifestFile{std::string(path), std::string(doc_type), std::string(mime), 0, ""};
    hasher_.emplace();
    return Status::Ok();
  }
  Status Write(std::string_view data) {
    hasher_->Update(data);
    current_.size += data.size();
    return zip_.Write(data);
  }
  Status End() {
    CUSTOS_RETURN_IF_ERROR(zip_.End());
    current_.sha256_hex = HexEncode(hasher_->Finish());
    hasher_.reset();
    files_.push_back(std::move(current_));
    return Status::Ok();
  }
  const std::vector<ManifestFile>& files() const { return files_; }

 private:
  ZipWriter& zip_;
  UnixMillis modified_;
  ManifestFile current_;
  std::optional<Sha256Hasher> hasher_;
  std::vector<ManifestFile> files_;
};

std::string Pretty(const json::Value& v) { return json::SerializePretty(v) + "\n"; }

// Fields of stored (authenticated) JSON read leniently: a missing or odd
// field reads as empty rather than failing a whole export.
std::string StrOr(const json::Value& o, std::string_view key) {
  auto r = json::GetStringOr(o, key, "");
  return r.ok() ? *r : std::string();
}
int64_t IntOr(const json::Value& o, std::string_view key) {
  auto r = json::GetIntOr(o, key, 0);
  return r.ok() ? *r : 0;
}

std::string ShaHex(std::string_view bytes) { return HexEncode(Sha256(bytes)); }

// ---- events ------------------------------------------------------------------------------

// The report's facts of one leaf, and what the bundle needs from it.
struct LeafInfo {
  ReportEvent event;
  std::string policy;
  std::optional<std::pair<uint64_t, std::string>> named_checkpoint;  // size, root b64
};

Result<LeafInfo> ReadLeaf(uint64_t seq, std::string_view leaf) {
  auto v = json::Parse(leaf);
  if (!v.ok() || !v->is_object()) {
    return Status::DataLoss("audit event " + std::to_string(seq) + " does not parse");
  }
  LeafInfo info;
  ReportEvent& e = info.event;
  e.seq = seq;
  CUSTOS_ASSIGN_OR_RETURN(std::string time, json::GetStringOr(*v, "time", ""));
  if (auto t = ParseRfc3339(time); t.ok()) e.time = *t;
  if (const json::Value* a = v->Find("actor"); a != nullptr && a->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(e.actor_id, json::GetStringOr(*a, "id", ""));
    CUSTOS_ASSIGN_OR_RETURN(e.actor_name, json::GetStringOr(*a, "name", ""));
  }
  CUSTOS_ASSIGN_OR_RETURN(e.action, json::GetStringOr(*v, "action", ""));
  CUSTOS_ASSIGN_OR_RETURN(std::string decision, json::GetStringOr(*v, "decision", ""));
  e.allowed = decision == "allow";
  CUSTOS_ASSIGN_OR_RETURN(e.rule, json::GetStringOr(*v, "rule", ""));
  CUSTOS_ASSIGN_OR_RETURN(info.policy, json::GetStringOr(*v, "policy", ""));
  if (const json::Value* o = v->Find("object"); o != nullptr && o->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(e.object_type, json::GetStringOr(*o, "type", ""));
    CUSTOS_ASSIGN_OR_RETURN(e.object_id, json::GetStringOr(*o, "id", ""));
  }
  if (e.object_type == "record") e.record_id = e.object_id;
  if (const json::Value* p = v->Find("place"); p != nullptr && p->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(e.workstation, json::GetStringOr(*p, "workstation", ""));
    CUSTOS_ASSIGN_OR_RETURN(e.location, json::GetStringOr(*p, "location", ""));
    CUSTOS_ASSIGN_OR_RETURN(e.ip, json::GetStringOr(*p, "ip", ""));
  }
  CUSTOS_ASSIGN_OR_RETURN(e.reason, json::GetStringOr(*v, "reason", ""));
  if (const json::Value* d = v->Find("details"); d != nullptr && d->is_object()) {
    if (e.record_id.empty()) {
      if (const json::Value* r = d->Find("record"); r != nullptr && r->is_string()) {
        e.record_id = r->as_string();
      }
    }
    if (const json::Value* c = d->Find("checkpoint"); c != nullptr && c->is_object()) {
      auto size = json::GetInt(*c, "size");
      auto root = json::GetString(*c, "root");
      if (size.ok() && root.ok() && *size >= 0) {
        info.named_checkpoint = std::make_pair(static_cast<uint64_t>(*size), *root);
      }
    }
  }
  return info;
}

// ---- records -------------------------------------------------------------------------------

// People's labels for the content fields (the report and renderings).
struct FieldLabel {
  std::string_view key;
  std::string_view zh;
  std::string_view en;
};
constexpr FieldLabel kFieldLabels[] = {
    {"registration_number", "统一社会信用代码", "Registration number"},
    {"address", "地址", "Address"},
    {"contacts", "联系人", "Contacts"},
    {"business_status", "经营状态", "Business status"},
    {"trading_habits", "交易习惯", "Trading habits"},
    {"order_volumes", "订单量", "Order volumes"},
    {"order_cycle", "订货周期", "Order cycle"},
    {"price_tolerance", "价格承受度", "Price tolerance"},
    {"agreed_prices", "约定价格", "Agreed prices"},
    {"intentions", "合作意向", "Intentions"},
    {"preferences", "偏好", "Preferences"},
    {"character_notes", "性格特点", "Character notes"},
    {"key_dates", "重要日期", "Key dates"},
    {"notes", "备注", "Notes"},
    {"name", "姓名", "Name"},
    {"title", "职务", "Title"},
    {"phone", "电话", "Phone"},
    {"email", "电子邮件", "Email"},
    {"wechat", "微信", "WeChat"},
    {"date", "日期", "Date"},
    {"label", "事项", "Label"},
};

// "content.contacts[0].phone" → "联系人 1 · 电话 / Contacts 1 · Phone".
std::string FieldTitle(std::string_view path) {
  std::string zh;
  std::string en;
  std::string_view rest = path.substr(path.find('.') + 1);
  while (!rest.empty()) {
    size_t end = rest.find_first_of(".[");
    std::string_view key = rest.substr(0, end);
    std::string index;
    if (end != std::string_view::npos && rest[end] == '[') {
      const size_t close = rest.find(']', end);
      index = std::string(rest.substr(end + 1, close - end - 1));
      end = close + 1;
    }
    std::string_view kzh = key;
    std::string_view ken = key;
    for (const FieldLabel& l : kFieldLabels) {
      if (l.key == key) {
        kzh = l.zh;
        ken = l.en;
      }
    }
    if (!zh.empty()) {
      zh += " · ";
      en += " · ";
    }
    zh += std::string(kzh);
    en += std::string(ken);
    if (!index.empty()) {
      const std::string n = std::to_string(std::stoul(index) + 1);
      zh += " " + n;
      en += " " + n;
    }
    if (end == std::string_view::npos || end >= rest.size()) break;
    rest = rest.substr(rest[end] == '.' ? end + 1 : end);
  }
  return zh + " / " + en;
}

Status Flatten(const json::Value& v, const std::string& path,
               std::vector<std::pair<std::string, std::string>>* out) {
  if (v.is_string()) {
    out->emplace_back(path, v.as_string());
    return Status::Ok();
  }
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      CUSTOS_RETURN_IF_ERROR(Flatten(child, path + "." + k, out));
    }
    return Status::Ok();
  }
  if (v.is_array()) {
    size_t i = 0;
    for (const json::Value& child : v.as_array()) {
      CUSTOS_RETURN_IF_ERROR(Flatten(child, path + "[" + std::to_string(i++) + "]", out));
    }
    return Status::Ok();
  }
  return Status::InvalidArgument("content field " + path + " is not a string");
}

std::string MarkingText(policy::Classification c) {
  return std::string(policy::ClassificationLabelZh(c)) + " / " +
         std::string(policy::ClassificationLabelEn(c));
}

constexpr std::string_view kVersionCss =
    "body{font-family:'Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;margin:2em;color:#111}"
    ".marking{border:2px solid #a00;color:#a00;font-weight:bold;text-align:center;padding:.3em;"
    "margin:1em 0}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;"
    "padding:.3em;vertical-align:top;text-align:left}th{width:30%;background:#f3f3f3}"
    ".redacted{color:#555;font-family:monospace}@page{size:A4;margin:18mm}";

// One version as a page: marking above and below, metadata, content.
std::string RenderVersion(const json::Value& version, const std::string& record_id, uint32_t n,
                          policy::Classification marking,
                          const std::vector<std::pair<std::string, std::string>>& fields,
                          const std::map<std::string, std::string>* commitments) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>";
  const json::Value* meta = version.Find("meta");
  std::string name;
  if (meta != nullptr && meta->is_object()) {
    if (auto v = json::GetStringOr(*meta, "name", ""); v.ok()) name = *v;
  }
  AppendHtmlEscaped(&h, record_id + " v" + std::to_string(n) + " " + name);
  h += "</title><style>" + std::string(kVersionCss) + "</style></head><body>\n";
  const std::string mark =
      "<div class=\"marking\">" + HtmlEscape(MarkingText(marking)) + "</div>\n";
  h += mark + "<h1>";
  AppendHtmlEscaped(&h, name);
  h += "</h1>\n<table>\n";
  auto row = [&](std::string_view label, std::string_view value) {
    h += "<tr><th>";
    AppendHtmlEscaped(&h, label);
    h += "</th><td>";
    AppendHtmlEscaped(&h, value);
    h += "</td></tr>\n";
  };
  row("档案编号 / Record", record_id);
  row("版本 / Version", std::to_string(n));
  if (auto a = json::GetStringOr(version, "author", ""); a.ok()) row("作者 / Author", *a);
  if (auto t = json::GetIntOr(version, "time", 0); t.ok()) {
    row("时间 / Time (UTC)", FormatRfc3339Millis(*t));
  }
  if (auto r = json::GetStringOr(version, "reason", ""); r.ok()) row("事由 / Reason", *r);
  row("密级 / Classification", MarkingText(marking));
  h += "</table>\n<h2>内容 / Content</h2>\n<table>\n";
  for (const auto& [path, value] : fields) {
    h += "<tr><th>";
    AppendHtmlEscaped(&h, FieldTitle(path));
    h += "</th><td>";
    if (commitments != nullptr) {
      auto it = commitments->find(path);
      h += "<span class=\"redacted\">已遮蔽 / redacted — sha256:";
      if (it != commitments->end()) h += it->second;
      h += "</span>";
    } else {
      AppendHtmlEscaped(&h, value);
    }
    h += "</td></tr>\n";
  }
  h += "</table>\n" + mark + "</body></html>\n";
  return h;
}

class Builder {
 public:
  Builder(Archive& archive, const BundleInput& in, ZipWriter& zip)
      : vault_(archive.vault()),
        log_(archive.audit_log()),
        in_(in),
        zip_(zip),
        files_(zip, in.created) {}

  Status Run(BundleSummary* summary) {
    CUSTOS_RETURN_IF_ERROR(WriteKeysAndCheckpoint());
    // The people first: their files cite events (alerts, handovers, the
    // customers' answers) that the bundle must carry with their proofs.
    CUSTOS_RETURN_IF_ERROR(GatherPeople());
    CUSTOS_RETURN_IF_ERROR(WriteEvents());
    CUSTOS_RETURN_IF_ERROR(WriteProofs());
    CUSTOS_RETURN_IF_ERROR(WriteEarlierCheckpoints());
    CUSTOS_RETURN_IF_ERROR(WritePolicies());
    for (const auto& [path, text] : people_files_) {
      CUSTOS_RETURN_IF_ERROR(files_.Add(path, text, "Person", "application/json"));
    }
    for (const std::string& id : in_.scope.records) CUSTOS_RETURN_IF_ERROR(WriteRecord(id));
    for (const std::string& id : in_.scope.agreements) CUSTOS_RETURN_IF_ERROR(WriteAgreement(id));
    CUSTOS_RETURN_IF_ERROR(WriteRequest());
    CUSTOS_RETURN_IF_ERROR(WriteStatic());
    report_.files = files_.files().size() + 4;  // + report, manifest, its signature, SHA256SUMS
    CUSTOS_RETURN_IF_ERROR(
        files_.Add("report.html", RenderReport(FillReport()), "Report", "text/html"));
    CUSTOS_RETURN_IF_ERROR(WriteManifestAndSums());
    CUSTOS_RETURN_IF_ERROR(zip_.Finish());
    summary->files = files_.files().size() + 3;
    summary->events = events_.size();
    summary->records = in_.scope.records.size();
    summary->agreements = in_.scope.agreements.size();
    return Status::Ok();
  }

 private:
  Status WriteKeysAndCheckpoint() {
    CUSTOS_RETURN_IF_ERROR(
        files_.Add("keys/log-key.pem", log_.PublicKeyPem(), "Key", "application/x-pem-file"));
    CUSTOS_RETURN_IF_ERROR(
        files_.Add("keys/log-key.vkey", log_.VerifierKey() + "\n", "Key", "text/plain"));
    CUSTOS_RETURN_IF_ERROR(
        files_.Add("audit/checkpoint", in_.checkpoint_note, "Checkpoint", "text/plain"));
    if (!in_.tsr.empty()) {
      CUSTOS_RETURN_IF_ERROR(files_.Add("audit/checkpoint.tsr", in_.tsr, "TimestampToken",
                                        "application/timestamp-reply", ZipMethod::kStored));
      CUSTOS_RETURN_IF_ERROR(
          files_.Add("keys/tsa-ca.pem", in_.tsa_ca_pem, "Key", "application/x-pem-file"));
    }
    return Status::Ok();
  }

  // audit/events.jsonl, streamed; collects what the rest needs.
  Status WriteEvents() {
    CUSTOS_RETURN_IF_ERROR(
        files_.Begin("audit/events.jsonl", "AuditEvents", "application/x-ndjson"));
    for (size_t start = 0; start < events_.size(); start += kEventBatch) {
      CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
      std::string chunk;
      for (size_t i = start; i < events_.size() && i < start + kEventBatch; ++i) {
        const uint64_t seq = events_[i];
        CUSTOS_ASSIGN_OR_RETURN(std::string leaf, log_.Leaf(*txn, seq));
        CUSTOS_ASSIGN_OR_RETURN(LeafInfo info, ReadLeaf(seq, leaf));
        if (!info.policy.empty()) policies_.insert(info.policy);
        if (info.named_checkpoint && info.named_checkpoint->first < in_.checkpoint.size &&
            info.named_checkpoint->first > 0) {
          named_checkpoints_.insert(*info.named_checkpoint);
        }
        report_.events.push_back(std::move(info.event));
        chunk += leaf;
        chunk.push_back('\n');
      }
      txn.reset();
      CUSTOS_RETURN_IF_ERROR(files_.Write(chunk));
    }
    return files_.End();
  }

  Status WriteProofs() {
    for (size_t start = 0; start < events_.size(); start += kEventBatch) {
      std::vector<std::pair<uint64_t, std::string>> proofs;
      {
        CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
        const std::vector<uint64_t> seqs(
            events_.begin() + static_cast<std::ptrdiff_t>(start),
            events_.begin() +
                static_cast<std::ptrdiff_t>(std::min(events_.size(), start + kEventBatch)));
        CUSTOS_ASSIGN_OR_RETURN(auto hashes, log_.InclusionProofs(*txn, seqs, in_.checkpoint.size));
        for (size_t i = 0; i < seqs.size(); ++i) {
          TlogProof p;
          p.index = seqs[i];
          p.hashes = std::move(hashes[i]);
          p.checkpoint = in_.checkpoint_note;
          proofs.emplace_back(p.index, FormatTlogProof(p));
        }
      }
      for (const auto& [seq, text] : proofs) {
        CUSTOS_RETURN_IF_ERROR(files_.Add("audit/" + std::to_string(seq) + ".tlog-proof", text,
                                          "InclusionProof", "text/plain"));
      }
    }
    return Status::Ok();
  }

  // Each earlier checkpoint an event names (an earlier export's), and the
  // proof that today's log extends it.
  Status WriteEarlierCheckpoints() {
    const std::string new_size = std::to_string(in_.checkpoint.size);
    for (const auto& [size, root] : named_checkpoints_) {
      std::string note;
      std::vector<std::string> proof;
      {
        CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
        CUSTOS_ASSIGN_OR_RETURN(note, log_.CheckpointAt(*txn, size));
        CUSTOS_ASSIGN_OR_RETURN(std::string stored_root, log_.Root(*txn, size));
        if (Base64Encode(stored_root) != root) {
          return Status::DataLoss("the log no longer matches the checkpoint of size " +
                                  std::to_string(size) + " an earlier export recorded");
        }
        CUSTOS_ASSIGN_OR_RETURN(proof, log_.ConsistencyProof(*txn, size, in_.checkpoint.size));
      }
      const std::string old_size = std::to_string(size);
      CUSTOS_RETURN_IF_ERROR(
          files_.Add("audit/checkpoints/" + old_size, note, "Checkpoint", "text/plain"));
      CUSTOS_RETURN_IF_ERROR(files_.Add("audit/consistency/" + old_size + "-" + new_size,
                                        FormatHashLines(proof), "ConsistencyProof", "text/plain"));
    }
    return Status::Ok();
  }

  Status WritePolicies() {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(std::vector<PolicyApplication> history, PolicyHistory(*txn));
    // The policy in force at export is part of the measures even when no
    // exported event names it.
    if (auto current = CurrentPolicyDigest(*txn); current.ok()) {
      report_.policy_in_force = *current;
      policies_.insert(*current);
    }
    for (const std::string& digest : policies_) {
      CUSTOS_ASSIGN_OR_RETURN(policy::Policy p, GetPolicyVersion(*txn, digest));
      ReportPolicy rp;
      rp.sha256 = digest;
      rp.version = p.version();
      for (const PolicyApplication& a : history) {
        if (a.sha256 == digest && (rp.first_applied == 0 || a.applied_at < rp.first_applied)) {
          rp.first_applied = a.applied_at;
        }
      }
      CUSTOS_RETURN_IF_ERROR(
          files_.Add("policy/" + digest + ".xml", p.source(), "Policy", "application/xml"));
      if (digest == report_.policy_in_force) {
        report_.thresholds = p.anomaly_thresholds();
        report_.utc_offset_minutes = p.utc_offset_minutes();
      }
      rp.parsed = std::move(p);
      report_.policies.push_back(std::move(rp));
    }
    std::sort(report_.policies.begin(), report_.policies.end(),
              [](const ReportPolicy& a, const ReportPolicy& b) {
                return a.first_applied < b.first_applied;
              });
    return Status::Ok();
  }

  // The person's handovers as a leaver (vault/people/handover.h, Handover::ToJson),
  // and the rows of the report's table. A redacted bundle leaves out what
  // the customer's side said (who answered, their position, the note): the
  // customer's people are as confidential as the file's contacts.
  Result<json::Value> HandoversJson(const ReadTxn& txn, const std::string& user_id,
                                    std::vector<ReportHandover>* rows, std::set<uint64_t>* cited) {
    auto name_of = [&](const std::string& id) -> std::string {
      if (id.empty()) return "";
      auto u = GetUser(txn, id);
      return u.ok() ? u->display_name : id;
    };
    CUSTOS_ASSIGN_OR_RETURN(std::vector<Handover> list, HandoversOf(txn, user_id));
    std::sort(list.begin(), list.end(),
              [](const Handover& a, const Handover& b) { return a.record_id < b.record_id; });
    json::Value out = json::Value::MakeArray();
    for (const Handover& h : list) {
      // Only the files the bundle is about: a handover of a file outside
      // the approved scope would carry who answered at that customer.
      if (!std::binary_search(in_.scope.records.begin(), in_.scope.records.end(), h.record_id)) {
        continue;
      }
      json::Value j = h.ToJson();
      if (in_.request.redact) {
        json::Value& c = j["customer"];
        for (const char* k : {"contact_name", "contact_position", "note"}) {
          if (!c[k].as_string().empty()) c[k] = "[redacted]";
        }
      }
      out.Push(std::move(j));
      ReportHandover r;
      r.record_id = h.record_id;
      r.successor_name = name_of(h.successor_id);
      r.state = std::string(HandoverStateId(h.state));
      r.confirmed_by_name = name_of(h.confirmed_by);
      r.confirmed_at = h.confirmed_at;
      r.customer = std::string(CustomerStateId(h, policy::CustomerConfirmation::kRequired));
      r.customer_date = h.customer.date;
      r.waived_by_name = name_of(h.customer.waived_by);
      r.confirm_seq = h.confirm_seq;
      r.customer_seq = h.customer.seq != 0 ? h.customer.seq : h.customer.waive_seq;
      rows->push_back(std::move(r));
      for (uint64_t seq : {h.assign_seq, h.confirm_seq, h.customer.seq, h.customer.waive_seq,
                           h.letter ? h.letter->seq : uint64_t{0}}) {
        cited->insert(seq);
      }
    }
    return out;
  }

  // Each person's file and report entry; the events they cite join the
  // bundle's (those the export's checkpoint covers).
  Status GatherPeople() {
    std::set<uint64_t> cited;
    for (const User& u : in_.scope.people) {
      ReportPerson p;
      p.id = u.id;
      p.username = u.username;
      p.display_name = u.display_name;
      p.department = u.department;
      p.employment = std::string(policy::EmploymentStateId(u.employment));
      p.notice_date = u.notice_date;
      p.last_working_day = u.last_working_day;
      p.disabled = u.disabled;
      json::Value alerts = json::Value::MakeArray();
      json::Value handovers;
      {
        CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
        // Alert keys begin with their time: newest first, back to the window.
        std::vector<json::Value> found;
        CUSTOS_RETURN_IF_ERROR(
            access::ScanAlerts(*txn, /*newest_first=*/true, [&](json::Value alert) -> Result<bool> {
              json::Value* v = &alert;
              CUSTOS_ASSIGN_OR_RETURN(int64_t at, json::GetIntOr(*v, "at", 0));
              if (at < in_.scope.from) return false;
              if (!in_.scope.InWindow(at)) return true;
              CUSTOS_ASSIGN_OR_RETURN(std::string who, json::GetStringOr(*v, "user_id", ""));
              if (who != u.id) return true;
              found.push_back(std::move(*v));
              return found.size() < kMaxPersonAlerts;
            }));
        std::reverse(found.begin(), found.end());
        for (json::Value& v : found) {
          json::Value a = json::Value::MakeObject();
          ReportAlert ra;
          ra.type = StrOr(v, "type");
          ra.record_id = StrOr(v, "record_id");
          ra.at = IntOr(v, "at");
          ra.audit_seq = static_cast<uint64_t>(IntOr(v, "audit_seq"));
          a["type"] = ra.type;
          a["record"] = ra.record_id;
          a["at"] = FormatRfc3339Millis(ra.at);
          a["audit_seq"] = ra.audit_seq;
          cited.insert(ra.audit_seq);
          const json::Value* d = v.Find("details");
          a["details"] = d != nullptr ? *d : json::Value();
          alerts.Push(std::move(a));
          p.alerts.push_back(std::move(ra));
        }
        CUSTOS_ASSIGN_OR_RETURN(handovers, HandoversJson(*txn, u.id, &p.handovers, &cited));
      }
      json::Value o = json::Value::MakeObject();
      o["id"] = u.id;
      o["username"] = u.username;
      o["display_name"] = u.display_name;
      o["department"] = u.department;
      json::Value roles = json::Value::MakeArray();
      for (policy::Role r : u.roles) roles.Push(policy::RoleId(r));
      o["roles"] = std::move(roles);
      o["employment"] = p.employment;
      o["notice_date"] = u.notice_date;
      o["last_working_day"] = u.last_working_day;
      o["disabled"] = u.disabled;
      o["alerts"] = std::move(alerts);
      o["handovers"] = std::move(handovers);
      people_files_.emplace_back("people/" + u.id + ".json", Pretty(o));
      report_.people.push_back(std::move(p));
    }
    events_ = in_.events;
    for (uint64_t seq : cited) {
      // 0 is "none" in the stored handovers and alerts (and the log's first
      // event is never one of theirs).
      if (seq != 0 && seq < in_.checkpoint.size) events_.push_back(seq);
    }
    std::sort(events_.begin(), events_.end());
    events_.erase(std::unique(events_.begin(), events_.end()), events_.end());
    return Status::Ok();
  }

  Result<SecretBytes> CommitmentKey() {
    if (commitment_key_.empty()) {
      CUSTOS_ASSIGN_OR_RETURN(commitment_key_,
                              vault_.GetOrCreateSecret("evidence.commitment_key", 32));
    }
    return SecretBytes::CopyOf(commitment_key_.view());
  }

  // The salt of one field: derived per case, record, version and field, so
  // the full and the redacted bundle of a case commit alike.
  std::string Salt(const SecretBytes& key, std::string_view record, uint32_t version,
                   std::string_view path) const {
    std::string msg = "custos-evidence/1 salt";
    const std::string version_text = std::to_string(version);
    for (std::string_view part :
         {std::string_view(in_.request.case_ref), record, std::string_view(version_text), path}) {
      msg.push_back('\0');
      msg += part;
    }
    return KeyedHash(key, msg);
  }

  Status WriteRecord(const std::string& id) {
    const std::string dir = "records/" + id + "/";
    const bool named =
        std::binary_search(in_.scope.named_records.begin(), in_.scope.named_records.end(), id);
    RecordMeta meta;
    std::vector<OwnershipChange> ownership;
    std::vector<AttachmentInfo> attachments;
    bool held = false;
    {
      CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
      CUSTOS_ASSIGN_OR_RETURN(meta, Archive::ReadMeta(*txn, id));
      CUSTOS_ASSIGN_OR_RETURN(ownership, ReadOwnershipHistory(*txn, id));
      CUSTOS_ASSIGN_OR_RETURN(attachments, ListAttachments(*txn, id));
      CUSTOS_ASSIGN_OR_RETURN(held, RecordOnHold(*txn, id));
    }
    CUSTOS_ASSIGN_OR_RETURN(SecretBytes key, CommitmentKey());
    json::Value versions = json::Value::MakeArray();
    int64_t after_window = 0;
    for (uint32_t n = 1; n <= meta.latest_version; ++n) {
      std::string raw;
      {
        CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
        CUSTOS_ASSIGN_OR_RETURN(raw, GetVersion(*txn, tables::kRecords, id, n));
      }
      CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(raw));
      // SECURITY: a version written after the window (by the successor,
      // say) is not what the case is about: its content stays out.
      if (in_.scope.to != 0 && IntOr(v, "time") >= in_.scope.to) {
        WipeString(&raw);
        ++after_window;
        continue;
      }
      const json::Value* content = v.Find("content");
      if (content == nullptr) return Status::DataLoss("record " + id + " version has no content");
      CUSTOS_ASSIGN_OR_RETURN(auto fields, FlattenContent(*content));
      json::Value commitments = json::Value::MakeObject();
      json::Value salts = json::Value::MakeObject();
      std::map<std::string, std::string> by_path;
      for (const auto& [path, value] : fields) {
        const std::string salt = Salt(key, id, n, path);
        const std::string c = ShaHex(salt + value);
        commitments[path] = c;
        salts[path] = Base64Encode(salt);
        by_path[path] = c;
      }
      policy::Classification marking = meta.classification;
      if (const json::Value* vm = v.Find("meta"); vm != nullptr && vm->is_object()) {
        if (auto c = json::GetStringOr(*vm, "classification", ""); c.ok()) {
          if (auto parsed = policy::ParseClassification(*c); parsed.ok()) marking = *parsed;
        }
      }
      const std::string base = dir + "v" + std::to_string(n);
      json::Value cfile = json::Value::MakeObject();
      cfile["format"] = "custos-evidence/1 commitments";
      cfile["record"] = id;
      cfile["version"] = n;
      cfile["fields"] = std::move(commitments);
      CUSTOS_RETURN_IF_ERROR(files_.Add(base + ".commitments.json", json::Serialize(cfile),
                                        "Commitments", "application/json"));
      if (!in_.request.redact) {
        CUSTOS_RETURN_IF_ERROR(
            files_.Add(base + ".json", raw, "RecordVersion", "application/json"));
        json::Value sfile = json::Value::MakeObject();
        sfile["format"] = "custos-evidence/1 salts";
        sfile["record"] = id;
        sfile["version"] = n;
        sfile["salts"] = std::move(salts);
        CUSTOS_RETURN_IF_ERROR(
            files_.Add(base + ".salts.json", json::Serialize(sfile), "Salts", "application/json"));
      }
      CUSTOS_RETURN_IF_ERROR(files_.Add(
          base + ".html",
          RenderVersion(v, id, n, marking, fields, in_.request.redact ? &by_path : nullptr),
          "RecordRendering", "text/html"));
      WipeString(&raw);
      json::Value h = json::Value::MakeObject();
      h["version"] = n;
      h["author"] = StrOr(v, "author");
      h["time"] = IntOr(v, "time");
      h["reason"] = StrOr(v, "reason");
      h["classification"] = policy::ClassificationId(marking);
      versions.Push(std::move(h));
    }
    json::Value own = json::Value::MakeArray();
    for (const OwnershipChange& c : ownership) {
      json::Value o = json::Value::MakeObject();
      o["index"] = c.index;
      o["from"] = c.from;
      o["to"] = c.to;
      o["by"] = c.by;
      o["at"] = c.at;
      o["reason"] = c.reason;
      o["audit_seq"] = c.audit_seq;
      own.Push(std::move(o));
    }
    json::Value atts = json::Value::MakeArray();
    for (const AttachmentInfo& a : attachments) {
      // Attachments travel in full bundles; a redacted one lists them with
      // their hash only. One added after the window (by a successor, say)
      // is listed, not carried, as later versions are.
      const bool after_window = in_.scope.to != 0 && a.created >= in_.scope.to;
      const bool include = !in_.request.redact && !after_window;
      json::Value o = json::Value::MakeObject();
      o["id"] = a.id;
      o["filename"] = a.filename;
      o["media_type"] = a.media_type;
      o["size"] = a.size;
      o["sha256"] = a.sha256;
      o["included"] = include;
      if (after_window) o["after_window"] = true;
      atts.Push(std::move(o));
      if (!include) continue;
      SealedStream content;
      {
        CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
        CUSTOS_ASSIGN_OR_RETURN(content, AttachmentContent(*txn, a.id));
      }
      CUSTOS_RETURN_IF_ERROR(files_.Begin(dir + "attachments/" + a.id, "Attachment", a.media_type));
      CUSTOS_RETURN_IF_ERROR(ReadSealedStream(
          vault_, content, [&](std::string_view piece) { return files_.Write(piece); }));
      CUSTOS_RETURN_IF_ERROR(files_.End());
    }
    json::Value m = json::Value::MakeObject();
    m["meta"] = meta.ToJson();
    m["versions"] = std::move(versions);
    m["versions_after_window"] = after_window;
    m["ownership"] = std::move(own);
    m["attachments"] = std::move(atts);
    m["legal_hold"] = held;
    CUSTOS_RETURN_IF_ERROR(
        files_.Add(dir + "meta.json", Pretty(m), "RecordMeta", "application/json"));
    ReportRecord rr;
    rr.id = id;
    rr.name = meta.name;
    rr.kind = std::string(RecordKindId(meta.kind));
    rr.classification = std::string(policy::ClassificationId(meta.classification));
    rr.owner_name = meta.owner_id;
    for (const ReportPerson& p : report_.people) {
      if (p.id == meta.owner_id) rr.owner_name = p.display_name;
    }
    rr.versions = meta.latest_version;
    rr.named = named;
    rr.held = held;
    report_.records.push_back(std::move(rr));
    return Status::Ok();
  }

  Status WriteAgreement(const std::string& id) {
    const std::string dir = "agreements/" + id + "/";
    Certificate cert;
    std::string stored;
    std::string document;
    std::string scan;
    std::string scan_type;
    json::Value noncompete;
    {
      CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
      CUSTOS_ASSIGN_OR_RETURN(cert, VerifyAgreement(*txn, id));
      CUSTOS_ASSIGN_OR_RETURN(uint32_t latest, LatestVersion(*txn, tables::kAgreements, id));
      CUSTOS_ASSIGN_OR_RETURN(stored, GetVersion(*txn, tables::kAgreements, id, latest));
      const Agreement& a = cert.agreement;
      if (!a.document_sha256.empty()) {
        CUSTOS_ASSIGN_OR_RETURN(document, AgreementDocument(*txn, a.document_sha256));
      }
      if (!a.scan_sha256.empty()) {
        CUSTOS_ASSIGN_OR_RETURN(scan, AgreementDocument(*txn, a.scan_sha256));
        for (const AgreementStep& s : a.steps) {
          if (s.action == "paper_upload" && !s.note.empty()) scan_type = s.note;
        }
      }
      if (a.kind == "non-compete" && a.state == AgreementState::kCompleted) {
        // Today by the company's calendar at export (the calendar of the
        // policy in force, read by WritePolicies).
        const CivilDate today = CivilFromDays(LocalDay(in_.created, report_.utc_offset_minutes));
        CUSTOS_ASSIGN_OR_RETURN(NonCompeteRow row, NonCompeteRowOf(*txn, a, today));
        noncompete = json::Value::MakeObject();
        json::Value terms;
        if (row.terms) {
          terms = json::Value::MakeObject();
          terms["start"] = FormatDate(row.terms->start);
          terms["months"] = row.terms->months;
          terms["monthly_minor"] = row.terms->monthly_minor;
          terms["currency"] = row.terms->currency;
          terms["grace_days"] = row.terms->grace_days;
        }
        noncompete["terms"] = std::move(terms);
        noncompete["tracking"] = row.tracking.ToJson();
        noncompete["status"] = row.status.ToJson();
        noncompete["as_of"] = FormatDate(today);
      }
    }
    const Agreement& a = cert.agreement;
    CUSTOS_RETURN_IF_ERROR(
        files_.Add(dir + "agreement.json", stored, "Agreement", "application/json"));
    if (!document.empty()) {
      CUSTOS_RETURN_IF_ERROR(
          files_.Add(dir + "document.html", document, "AgreementDocument", "text/html"));
    }
    if (!scan.empty()) {
      CUSTOS_RETURN_IF_ERROR(files_.Add(dir + "scan", scan, "AgreementScan",
                                        scan_type.empty() ? "application/octet-stream" : scan_type,
                                        ZipMethod::kStored));
    }
    for (size_t i = 0; i < cert.steps.size(); ++i) {
      const CertificateStep& s = cert.steps[i];
      if (!s.signature) continue;
      const std::string base = dir + "signatures/" + std::to_string(i);
      CUSTOS_RETURN_IF_ERROR(files_.Add(base + ".json", Pretty(s.signature->ToJson()), "Signature",
                                        "application/json"));
      CUSTOS_RETURN_IF_ERROR(
          files_.Add(base + ".statement", s.signature->statement, "Signature", "application/json"));
      CUSTOS_RETURN_IF_ERROR(files_.Add(base + ".sig", s.signature->signature, "Signature",
                                        "application/octet-stream", ZipMethod::kStored));
      CUSTOS_RETURN_IF_ERROR(files_.Add(base + ".pem",
                                        note::Ed25519PublicKeyPem(s.signature->public_key),
                                        "Signature", "application/x-pem-file"));
    }
    CUSTOS_RETURN_IF_ERROR(files_.Add(dir + "certificate.json", Pretty(cert.ToJson()),
                                      "Certificate", "application/json"));
    if (!noncompete.is_null()) {
      CUSTOS_RETURN_IF_ERROR(files_.Add(dir + "noncompete.json", Pretty(noncompete), "NonCompete",
                                        "application/json"));
    }
    ReportAgreement ra;
    ra.id = a.id;
    ra.kind = a.kind;
    ra.title = a.title;
    ra.employee_id = a.employee_id;
    ra.employee_name = a.employee_name;
    ra.state = std::string(AgreementStateId(a.state));
    ra.method = a.method;
    ra.employee_signed_at = a.EmployeeSignedAt().value_or(0);
    ra.completed_at = a.completed_at;
    ra.document_hash_ok = cert.document_hash_ok;
    ra.all_signatures_ok = cert.all_signatures_ok;
    ra.noncompete = std::move(noncompete);
    report_.agreements.push_back(std::move(ra));
    return Status::Ok();
  }

  // evidence/request.json: the request as it stood before this export —
  // the chain of custody (without where the vault keeps earlier bundles).
  Status WriteRequest() {
    json::Value r = in_.request.ToJson();
    if (json::Value& exports = r["exports"]; exports.is_array()) {
      for (json::Value& e : exports.as_array()) e.as_object().erase("stored");
    }
    CUSTOS_RETURN_IF_ERROR(
        files_.Add("evidence/request.json", Pretty(r), "Request", "application/json"));
    const EvidenceRequest& q = in_.request;
    report_.custody.push_back(
        ReportCustody{"request", q.requester_name, q.requested_at, q.request_seq, q.purpose});
    for (const EvidenceStep& s : q.approvals) {
      report_.custody.push_back(ReportCustody{"approve", s.by_name, s.at, s.audit_seq, s.note});
    }
    if (q.denial) {
      report_.custody.push_back(
          ReportCustody{"deny", q.denial->by_name, q.denial->at, q.denial->audit_seq, ""});
    }
    for (const EvidenceExport& e : q.exports) {
      report_.custody.push_back(
          ReportCustody{"export", q.requester_name, e.at, e.audit_seq,
                        "#" + std::to_string(e.number) + " sha256:" + e.bundle_sha256});
      for (const EvidenceStep& d : e.downloads) {
        report_.custody.push_back(ReportCustody{"download", d.by_name, d.at, d.audit_seq,
                                                "#" + std::to_string(e.number)});
      }
    }
    if (q.hold.lifted) {
      const EvidenceStep& l = *q.hold.lifted;
      report_.custody.push_back(ReportCustody{"hold.lift", l.by_name, l.at, l.audit_seq, l.note});
    }
    std::sort(report_.custody.begin(), report_.custody.end(),
              [](const ReportCustody& a, const ReportCustody& b) { return a.at < b.at; });
    return Status::Ok();
  }

  Status WriteStatic() {
    CUSTOS_RETURN_IF_ERROR(files_.Add("VERIFY.md", VerifyMd(), "Instructions", "text/markdown"));
    return files_.Add("verify.py", kVerifyPy, "Verifier", "text/x-python");
  }

  std::string VerifyMd() const;

  ReportData FillReport() {
    const EvidenceRequest& q = in_.request;
    report_.case_ref = q.case_ref;
    report_.request_id = q.id;
    report_.purpose = q.purpose;
    report_.from = in_.scope.from;
    report_.to = in_.scope.to;
    report_.redacted = q.redact;
    report_.encrypted = !q.recipients.empty();
    report_.creator_name = in_.creator.display_name;
    report_.created = in_.created;
    report_.log_name = log_.name();
    report_.checkpoint_size = in_.checkpoint.size;
    report_.root_b64 = Base64Encode(in_.checkpoint.root);
    const std::string vkey = log_.VerifierKey();
    const size_t plus = vkey.find('+');
    report_.key_id_hex = vkey.substr(plus + 1, 8);
    report_.timestamped = !in_.tsr.empty();
    return std::move(report_);
  }

  Status WriteManifestAndSums() {
    Manifest m;
    const EvidenceRequest& q = in_.request;
    m.case_ref = q.case_ref;
    m.request_id = q.id;
    m.purpose = q.purpose;
    m.from = in_.scope.from;
    m.to = in_.scope.to;
    m.redacted = q.redact;
    m.encrypted = !q.recipients.empty();
    for (const User& u : in_.scope.people) {
      m.people.push_back(ManifestPerson{u.id, u.username, u.display_name});
    }
    m.records = in_.scope.named_records;
    m.creator = ManifestPerson{in_.creator.id, in_.creator.username, in_.creator.display_name};
    m.created = in_.created;
    m.log_name = log_.name();
    m.checkpoint_size = in_.checkpoint.size;
    m.root_b64 = Base64Encode(in_.checkpoint.root);
    m.files = files_.files();
    const std::string xml = FormatManifest(m);
    CUSTOS_ASSIGN_OR_RETURN(std::string sig, log_.SignDetached(xml));
    CUSTOS_RETURN_IF_ERROR(files_.Add("manifest.xml", xml, "Manifest", "application/xml"));
    CUSTOS_RETURN_IF_ERROR(files_.Add("manifest.xml.sig", sig, "Signature",
                                      "application/octet-stream", ZipMethod::kStored));
    std::vector<ChecksumLine> lines;
    for (const ManifestFile& f : files_.files())
      lines.push_back(ChecksumLine{f.sha256_hex, f.path});
    return zip_.Add("SHA256SUMS", in_.created, FormatSha256Sums(lines));
  }

  Vault& vault_;
  const AuditLog& log_;
  const BundleInput& in_;
  ZipWriter& zip_;
  Files files_;
  ReportData report_;
  // The events the bundle carries: in_.events and those the people's files cite.
  std::vector<uint64_t> events_;
  std::vector<std::pair<std::string, std::string>> people_files_;  // path, text
  std::set<std::string> policies_;
  std::set<std::pair<uint64_t, std::string>> named_checkpoints_;
  SecretBytes commitment_key_;
};

std::string Builder::VerifyMd() const {
  const std::string size = std::to_string(in_.checkpoint.size);
  std::string md;
  md += "# 如何验证本证据包 / How to verify this evidence bundle\n\n";
  md += "案件 / Case: " + in_.request.case_ref + "  \n";
  md += "证据申请 / Request: " + in_.request.id + "  \n";
  md += "审计日志 / Audit log: `" + log_.name() + "`, checkpoint size " + size + "  \n";
  md += "日志公钥 / Log key: `" + log_.VerifierKey() + "`\n\n";
  md +=
      "Everything below uses standard tools only: `unzip`, `sha256sum` (GNU coreutils), "
      "`openssl` (OpenSSL 3) and Python 3. 以下步骤只使用通用工具。\n\n"
      "## 0. 解压 / Unpack\n\n"
      "```sh\nmkdir bundle && cd bundle && unzip ../BUNDLE.zip\n```\n\n"
      "## 1. 核对文件哈希 / Check every file's SHA-256\n\n"
      "```sh\nsha256sum -c SHA256SUMS\n```\n\n"
      "Every line must say `OK`. 每一行都应显示 `OK`。\n\n"
      "## 2. 核对日志公钥 / Check the log key\n\n"
      "Compare `keys/log-key.vkey` with the key the company published or deposited "
      "(the key ID is the 8 hex digits after the first `+`). A bundle can only prove "
      "what its key proves: check it against a copy you did not get from the bundle.\n"
      "将 `keys/log-key.vkey` 与公司事先公布或提存的公钥比对。\n\n"
      "## 3. 验证清单签名 / Verify the manifest's signature\n\n"
      "```sh\nopenssl pkeyutl -verify -pubin -inkey keys/log-key.pem -rawin \\\n"
      "    -in manifest.xml -sigfile manifest.xml.sig\n```\n\n"
      "It must print `Signature Verified Successfully`. `manifest.xml` lists every file "
      "with its size and SHA-256; step 1 checked those hashes.\n\n"
      "## 4. 验证时间戳（如有）/ Verify the trusted timestamp (if present)\n\n"
      "```sh\nT=$(openssl ts -reply -in audit/checkpoint.tsr -text | sed -n 's/^Time stamp: //p')\n"
      "openssl ts -verify -data audit/checkpoint -in audit/checkpoint.tsr \\\n"
      "    -CAfile keys/tsa-ca.pem -attime \"$(date -u -d \"${T% GMT}\" +%s)\"\n```\n\n"
      "It must print `Verification: OK`. `-attime` judges the authority's certificate as it "
      "stood when the token was made, so the check still holds after it expires. Compare "
      "`keys/tsa-ca.pem` with the time-stamping authority's published certificate.\n\n"
      "## 5. 验证检查点、事件与证明 / Verify the checkpoint, the events and their proofs\n\n"
      "```sh\npython3 verify.py ../BUNDLE.zip --key keys/log-key.vkey\n```\n\n"
      "(Better: pass `--key` the key you obtained in step 2.) `verify.py` checks, "
      "without Custos: the checkpoint's signature (c2sp.org/signed-note), that each "
      "line of `audit/events.jsonl` is included in the log at its `seq` under that "
      "checkpoint (RFC 6962 Merkle inclusion proofs, `audit/<seq>.tlog-proof`), that "
      "the log extends the checkpoints of earlier exports (`audit/consistency/`), that "
      "the legal hold in `evidence/request.json` is the one its approval recorded in "
      "the log, the policy files' hashes, the records' content commitments and the "
      "agreements' Ed25519 signatures. `custos evidence verify BUNDLE.zip` checks the "
      "same.\n\n"
      "## 6. 阅读报告 / Read the report\n\n"
      "Open `report.html` in a browser; print it on A4 if needed. Every figure in it "
      "comes from the files of this bundle.\n\n"
      "## 7. 事件中的长列表 / Long lists in events\n\n"
      "An event that would name more than 5 000 ids (the files a legal hold freezes, the "
      "handovers a withdrawn resignation cancelled) names the first 5 000 and adds "
      "`…_total` (how many in all) and `…_sha256`: the SHA-256 of the whole list, one id "
      "per line. 超过 5 000 项的列表只列出前 5 000 项，并附总数与整份列表的 SHA-256。"
      "The whole list of a hold is in `evidence/request.json`; this prints the approval "
      "event's `records_sha256`:\n\n"
      "```sh\npython3 -c 'import json,hashlib; r=json.load(open(\"evidence/request.json\"))"
      "[\"hold\"][\"records\"]; print(hashlib.sha256(\"\".join(i+\"\\n\" for i in r)"
      ".encode()).hexdigest())'\n```\n";
  return md;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> FlattenContent(
    const json::Value& content) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!content.is_object()) return Status::InvalidArgument("content is not an object");
  CUSTOS_RETURN_IF_ERROR(Flatten(content, "content", &out));
  return out;
}

Status WriteBundle(Archive& archive, const BundleInput& input, ZipWriter& zip,
                   BundleSummary* summary) {
  Builder builder(archive, input, zip);
  return builder.Run(summary);
}

}  // namespace custos::vault::evidence
