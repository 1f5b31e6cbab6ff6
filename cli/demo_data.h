// A demo company for trying Custos: 华信商贸有限公司 with one user per role,
// a sales team, a few hundred customer files across all five classification
// levels (generated from a seed, so the same seed gives the same company),
// some later versions, an ownership handover and loans in various states
// (SeedDemoCompany); then its agreements and a salesperson's departure
// (SeedDemoAgreements), which need the template library the caller passes.
//
// Everything is done through the product's own functions, as the users'
// own actions would be: decided by the policy in force and audited. Audit
// events carry the time the demo was seeded; only the story's calendar
// dates (a resignation, a last working day, payments) lie in the past.
//
// Not production code: it lives beside the command that seeds it (`custos
// demo`, `serve --demo`) in its own library, custos::demo, and uses only the
// vault's public interface.
//
// Thread-safety: call once, on a vault no one else is writing to.
#ifndef CUSTOS_CLI_DEMO_DATA_H_
#define CUSTOS_CLI_DEMO_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "vault/agreements/agreements.h"
#include "vault/people/handover.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "vault/store/secret.h"
#include "vault/store/vault.h"

namespace custos::cli {

struct DemoOptions {
  uint64_t seed = 20260101;
  int customers = 300;
  int documents = 20;
  // Every demo user's password; empty = a fresh random password per user.
  std::string password;
  // Password hashing; the default is the production setting.
  vault::Argon2Params password_kdf = vault::PasswordKdf();
};

struct DemoLogin {
  std::string username;
  std::string role;  // the role id the account demonstrates ("sales" for the team)
  std::string display_name;
  vault::SecretBytes password;
};

// Seeds the demo company and returns the logins (with their passwords) in
// `logins`. kAlreadyExists if the vault was already seeded or a demo
// username is taken — nothing is changed then. Uses (and updates) `archive`.
Status SeedDemoCompany(vault::Archive& archive, const DemoOptions& options,
                       std::vector<DemoLogin>* logins);

// As above, opening the audit log and an Archive on `vault` for the seeding.
Status SeedDemoCompany(vault::Vault& vault, const DemoOptions& options,
                       std::vector<DemoLogin>* logins);

// The templates the demo's agreements are drafted from
// (contract-templates/templates).
inline constexpr std::string_view kDemoNdaTemplate = "cn-employee-nda";
inline constexpr std::string_view kDemoNonCompeteTemplate = "cn-non-compete";
inline constexpr std::string_view kDemoNoticeTemplate = "cn-departure-notice";
// The salesperson who leaves, the colleague who takes over their customers,
// and the one whose NDA was signed on paper.
inline constexpr std::string_view kDemoLeaver = "sales.li";
inline constexpr std::string_view kDemoSuccessor = "sales.wang";
// A salesperson whose departure is over and complete (SeedDemoAgreements).
inline constexpr std::string_view kDemoCompletedLeaver = "sales.zhou";
inline constexpr std::string_view kDemoPaperSigner = "sales.sun";

struct DemoAgreementOptions {
  // The departure's dates count back from this day (the caller's clock, UTC,
  // as for MarkDeparted), so the story holds on whatever day it is seeded.
  CivilDate today;
  // Wraps the personal signing keys the signatures create.
  vault::Argon2Params signing_kdf = vault::PasswordKdf();
  // Renders the letter to a handed-over customer
  // (web::CustomerLetterRendererOver); empty: no letter is written.
  vault::CustomerLetterRenderer letters;
};

// What SeedDemoAgreements did, for the demo command to tell.
struct DemoDeparture {
  int ndas = 0;  // completed NDAs
  std::string leaver_name;
  std::string successor_name;
  CivilDate notice_date;
  CivilDate last_working_day;
  int files_viewed = 0;  // other people's customer files the leaver opened
  int handed_over = 0;   // customer files now owned by the successor
  int payments = 0;      // non-compete months paid
  // The customers' answers: confirmed, refused then waived by an approver,
  // unreachable; the rest still pending (the departure is in progress).
  int customers_confirmed = 0;
  int customers_waived = 0;
  int customers_open = 0;
  // kDemoCompletedLeaver's departure, complete: files handed over and each
  // customer's confirmation recorded.
  std::string completed_leaver_name;
  int completed_handovers = 0;
};

// Seeds, on a vault SeedDemoCompany has seeded (`logins` are its logins,
// with the passwords the people sign with):
//  - a confidentiality agreement (保密协议, kDemoNdaTemplate) for everyone
//    whose roles may open customer files — the sales team, 张伟, 李娜, the
//    approvers and the custodian who keeps the paper files: drafted by
//    legal, reviewed and sent by the second legal user, signed by the
//    employee and countersigned by legal; kDemoPaperSigner's was signed on
//    paper: legal uploads the scan (a generated one-page PDF standing in
//    for it) and the custodian attests it. Each employee then downloads
//    their copy. All of this before anyone opens a file: an NDA signed
//    after the first view of a classified file fails check C4;
//  - kDemoLeaver's departure: with approved loans they open many of other
//    salespeople's customer files, are refused copies, prints, exports and a
//    fourth view (alerts: repeated refusals, exhausted quota, a new place);
//    HR registers their resignation (last working day three months and
//    about three weeks before `today`, notice a month before that),
//    they sign a non-compete (竞业限制协议, kDemoNonCompeteTemplate) and the
//    departure obligations notice quoting it (kDemoNoticeTemplate), return
//    their loans and show the successor one of the files HR assigns to them
//    (an approver confirms each); the custodian writes the first customer a
//    letter (when `options.letters` is set), which the customer confirms;
//    the second refuses (an approver waives it), the third cannot be
//    reached and the rest are not yet asked — the departure stays in
//    progress; the departure sweep (MarkDeparted with `today`)
//    marks them departed and disables the account; legal records the
//    non-compete compensation of every month already due, one of them paid
//    a month late;
//  - kDemoCompletedLeaver's departure, over and complete: she left three
//    weeks before kDemoLeaver gave notice; every file handed to 孙浩 and
//    confirmed, every customer's confirmation recorded by him, her refusal
//    to sign the obligations notice recorded by HR, the account disabled.
// Every step is decided by the policy and the agreement rules and audited,
// exactly as the users' own actions would be. `documents` renders and
// checks the agreements (web/agreement_documents.h). Returns
// kAlreadyExists when the agreements were seeded before,
// kFailedPrecondition when the company is not seeded or a demo login is
// missing; the errors of the steps pass through (a failed step leaves the
// steps before it in place).
Result<DemoDeparture> SeedDemoAgreements(vault::Archive& archive,
                                         const vault::DocumentBuilder& documents,
                                         const std::vector<DemoLogin>& logins,
                                         const DemoAgreementOptions& options);

}  // namespace custos::cli

#endif  // CUSTOS_CLI_DEMO_DATA_H_
