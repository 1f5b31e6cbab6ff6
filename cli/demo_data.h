// A demo company for trying Custos: 华信商贸有限公司 with one user per role,
// a sales team and a few hundred customer files across all five
// classification levels (generated from a seed, so the same seed gives the
// same company: SeedDemoCompany); then its year of history
// (SeedDemoStory): the staff's signed NDAs, later versions, an ownership
// transfer, two salespeople's departures and loans in various states, which
// need the template library the caller passes.
//
// Everything is done through the product's own functions, as the users'
// own actions would be: decided by the policy in force and audited. With a
// DemoHistory (as `custos demo` seeds it) every step happens on its day of
// the story, in working hours unless the story says otherwise, and the
// audit log's times say so; without one, every event carries the time it
// was seeded and only the story's calendar dates (a resignation, a last
// working day, payments) lie in the past.
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

// Dates the demo's made-up history. While one exists, the process's clock
// reads the story's moments (base/time.h's story clock) instead of the wall
// clock, starting on the morning the demo company begins to use Custos,
// about a year before `now`; the seeding moves it on step by step, never
// past `now`. Create the vault after it, so that its first events are the
// story's first. Destroying it returns to the wall clock. Only `custos
// demo` and tests make one; the server refuses to start while one exists.
// Thread-safety: one at a time (a second one dies), used by the thread
// that seeds; the clock it sets is read by every thread.
class DemoHistory {
 public:
  // The story is told up to `now`: the wall clock's, or for a test any
  // moment before it.
  DemoHistory();
  explicit DemoHistory(UnixMillis now);
  ~DemoHistory();
  DemoHistory(const DemoHistory&) = delete;
  DemoHistory& operator=(const DemoHistory&) = delete;

  UnixMillis now() const { return now_; }
  // The day the story is told on (UTC, as the departure sweep counts).
  CivilDate today() const;
  // Moves the story to `day` at hour:minute China time (UTC+8), or to the
  // moment `at`; a moment after now() is taken as now(). kInternal when it
  // lies before the story's present: the seeding would go back in time.
  Status At(CivilDate day, int hour, int minute);
  Status At(UnixMillis at);

 private:
  UnixMillis now_;
};

struct DemoOptions {
  uint64_t seed = 20260101;
  int customers = 300;
  int documents = 20;
  // Every demo user's password; empty = a fresh random password per user.
  std::string password;
  // Password hashing; the default is the production setting.
  vault::Argon2Params password_kdf = vault::PasswordKdf();
  // Dates the company's first days (null: everything happens now).
  DemoHistory* history = nullptr;
};

struct DemoLogin {
  std::string username;
  std::string role;  // the role id the account demonstrates ("sales" for the team)
  std::string display_name;
  vault::SecretBytes password;
};

// Seeds the demo company — its people, its policy (the shipped one plus
// working hours) and its files, created by their owners; nobody has opened
// a file yet — and returns the logins (with their passwords) in `logins`. kAlreadyExists if the
// vault was already seeded or a demo username is taken — nothing is changed then. Uses (and
// updates) `archive`.
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
// A salesperson whose departure is over and complete (SeedDemoStory).
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
  // Dates every step (its today() must be `today`); null: everything
  // happens now.
  DemoHistory* history = nullptr;
};

// What SeedDemoStory did, for the demo command to tell.
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
// with the passwords the people sign with), the company's year in the
// order it happened (with `options.history`, on these days):
//  - a few days in: a confidentiality agreement (保密协议,
//    kDemoNdaTemplate) for everyone whose roles may open customer files —
//    the sales team, 张伟, 李娜, the approvers and the custodian who keeps
//    the paper files: drafted by legal, reviewed and sent by the second
//    legal user, signed by the employee and countersigned by legal;
//    kDemoPaperSigner's was signed on paper: legal uploads the scan (a
//    generated one-page PDF standing in for it) and the custodian attests
//    it. Each employee then downloads their copy. All of this before anyone
//    opens a file: an NDA signed after the first view of a classified file
//    fails check C4;
//  - a quarter later, follow-up versions of some customers; a month after
//    that, some of kDemoCompletedLeaver's customers go to 孙浩;
//  - kDemoCompletedLeaver's departure, over and complete: she leaves three
//    weeks before kDemoLeaver gives notice; every file handed to 孙浩 and
//    confirmed, every customer's confirmation recorded by him, her refusal
//    to sign the obligations notice recorded by HR, the account disabled
//    by the departure sweep the day after her last working day;
//  - kDemoLeaver's ordinary weeks: on six working days they open two of
//    their own customers (the baseline of the spike below);
//  - kDemoLeaver's departure: on the working day before their notice, with
//    loans approved that morning, they open many of other salespeople's
//    customer files, are refused copies, prints, exports and a fourth view,
//    and open two more from home that evening (alerts: a view spike,
//    repeated refusals, an exhausted quota, a new place, files outside
//    their assignment, off hours); HR registers their resignation (last working day three months
//    and about three weeks before `today`, notice a month before that);
//    they return their loans, sign a non-compete (竞业限制协议,
//    kDemoNonCompeteTemplate) and the departure obligations notice quoting
//    it (kDemoNoticeTemplate), are refused a colleague's file, and show the
//    successor one of the files HR assigns to them (an approver confirms
//    each); the custodian writes the first customer a letter (when
//    `options.letters` is set); the departure sweep marks them departed and
//    disables the account; after their last working day the first customer
//    confirms, the second refuses (an approver waives it), the third cannot
//    be reached and the rest are not yet asked — the departure stays in
//    progress; legal records the non-compete compensation of every month
//    already due, one of them paid a month late;
//  - the story's last working hours, just before `options.history`'s now
//    (or now): a salesperson refused three other teams' secret files in a
//    row (an alert), and the borrower's loans in every state — requested,
//    approved, released, returned, denied, a copy made, a top-secret loan
//    waiting for its second approval — those in force still in force.
// Every step is decided by the policy and the agreement rules and audited,
// exactly as the users' own actions would be. `documents` renders and
// checks the agreements (web/agreement_documents.h). Returns
// kAlreadyExists when the story was seeded before, kFailedPrecondition
// when the company is not seeded or a demo login is missing, kInternal
// when `options.history` is for another day; the errors of the steps pass
// through (a failed step leaves the steps before it in place).
Result<DemoDeparture> SeedDemoStory(vault::Archive& archive,
                                    const vault::DocumentBuilder& documents,
                                    const std::vector<DemoLogin>& logins,
                                    const DemoAgreementOptions& options);

}  // namespace custos::cli

#endif  // CUSTOS_CLI_DEMO_DATA_H_
