#include "vault/records/legal_hold.h"

#include "vault/store/tables.h"

namespace custos::vault {
namespace {

std::string TransferKey(std::string_view record_id) {
  return "hold/xfer/" + std::string(record_id);
}

Status SetHold(WriteTxn& txn, std::string_view request_id, const std::vector<std::string>& records,
               const std::vector<std::string>& agreements, bool place) {
  auto apply = [&](HeldKind kind, const std::string& id) -> Status {
    const std::string key = HoldKeyPrefix(kind, id) + std::string(request_id);
    if (place) return txn.Put(tables::kIndex, key, "");
    Status st = txn.Delete(tables::kIndex, key);
    return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
  };
  for (const std::string& r : records) CUSTOS_RETURN_IF_ERROR(apply(HeldKind::kRecord, r));
  for (const std::string& a : agreements) CUSTOS_RETURN_IF_ERROR(apply(HeldKind::kAgreement, a));
  return Status::Ok();
}

}  // namespace

Status PlaceHold(WriteTxn& txn, std::string_view request_id,
                 const std::vector<std::string>& record_ids,
                 const std::vector<std::string>& agreement_ids) {
  return SetHold(txn, request_id, record_ids, agreement_ids, true);
}

Status ReleaseHold(WriteTxn& txn, std::string_view request_id,
                   const std::vector<std::string>& record_ids,
                   const std::vector<std::string>& agreement_ids) {
  return SetHold(txn, request_id, record_ids, agreement_ids, false);
}

json::Value PendingTransfer::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["record"] = record_id;
  o["to"] = to;
  o["approver"] = approver_id;
  o["via"] = via;
  o["at"] = at;
  o["audit_seq"] = audit_seq;
  return o;
}

Result<PendingTransfer> PendingTransfer::FromJson(const json::Value& v) {
  PendingTransfer t;
  CUSTOS_ASSIGN_OR_RETURN(t.record_id, json::GetString(v, "record"));
  CUSTOS_ASSIGN_OR_RETURN(t.to, json::GetString(v, "to"));
  CUSTOS_ASSIGN_OR_RETURN(t.approver_id, json::GetString(v, "approver"));
  CUSTOS_ASSIGN_OR_RETURN(t.via, json::GetString(v, "via"));
  CUSTOS_ASSIGN_OR_RETURN(t.at, json::GetIntOr(v, "at", 0));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(v, "audit_seq", 0));
  t.audit_seq = static_cast<uint64_t>(seq);
  return t;
}

Result<std::optional<PendingTransfer>> GetPendingTransfer(const ReadTxn& txn,
                                                          std::string_view record_id) {
  auto raw = txn.Get(tables::kIndex, TransferKey(record_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return std::optional<PendingTransfer>();
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  auto t = PendingTransfer::FromJson(v);
  if (!t.ok()) return Status::DataLoss("a pending transfer under legal hold is damaged");
  return std::optional<PendingTransfer>(std::move(*t));
}

Status PutPendingTransfer(WriteTxn& txn, const PendingTransfer& transfer) {
  return txn.Put(tables::kIndex, TransferKey(transfer.record_id),
                 json::Serialize(transfer.ToJson()));
}

Status ClearPendingTransfer(WriteTxn& txn, std::string_view record_id) {
  Status st = txn.Delete(tables::kIndex, TransferKey(record_id));
  return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
}

Result<std::string> HoldFirstApprover(const ReadTxn& txn, std::string_view record_id,
                                      std::string_view to, std::string_view via) {
  CUSTOS_ASSIGN_OR_RETURN(std::optional<PendingTransfer> t, GetPendingTransfer(txn, record_id));
  if (!t || t->to != to || t->via != via) return std::string();
  return t->approver_id;
}

}  // namespace custos::vault
