// Helpers shared by the agreements files (agreements.cc: drafting and the
// signing steps; agreements_reads.cc: reads, downloads, certificates;
// agreements_types.cc: value types and JSON). Private to vault/agreements/.
#ifndef CUSTOS_VAULT_AGREEMENTS_INTERNAL_AGREEMENTS_COMMON_H_
#define CUSTOS_VAULT_AGREEMENTS_INTERNAL_AGREEMENTS_COMMON_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "policy/facts.h"
#include "vault/access/gate.h"
#include "vault/access/users.h"
#include "vault/agreements/agreements.h"
#include "vault/store/vault.h"

namespace custos::vault::agreements_internal {

inline constexpr std::string_view kHtmlType = "text/html; charset=utf-8";

// A string member or `fallback` when absent or not a string.
std::string StrOr(const json::Value& v, std::string_view key, std::string fallback);
// Storage keys: a document by its SHA-256 (tables::kAgreements), the
// signature record of step `step` (tables::kSignatures).
std::string DocKey(std::string_view sha_hex);
std::string SignatureKey(std::string_view id, size_t step);
// Ids of the agreements drafted for `employee_id`, from the index.
Result<std::vector<std::string>> EmployeeAgreementIds(const ReadTxn& txn,
                                                      std::string_view employee_id);
// Legal, auditors and litigation read every agreement.
bool IsReader(const User& u);
// Whether `u` is a custodian who may attest `a`'s paper scan now: it waits
// for attestation and they neither uploaded it nor are bound by it (the
// engine's agreements.custodian_attests, read ahead to list it for them).
bool MayAttest(const User& u, const Agreement& a);
// Whether the agreement has gone out to its employee: sent, and not taken
// back to draft or voided since.
bool WithEmployee(const Agreement& a);
// The employee reads their own agreement once it was sent to them.
bool EmployeeMaySee(const User& u, const Agreement& a);
std::string ShaHex(std::string_view bytes);
// What the policy decides a step of `a` on (policy::AgreementFacts).
policy::AgreementFacts StepFacts(std::string_view step, const Agreement& a);
// The access attempt of a step (or read) named `event_action` on agreement `id`.
access::Attempt StepAttempt(std::string_view event_action, std::string_view id,
                            std::string_view reason = {});

}  // namespace custos::vault::agreements_internal

#endif  // CUSTOS_VAULT_AGREEMENTS_INTERNAL_AGREEMENTS_COMMON_H_
