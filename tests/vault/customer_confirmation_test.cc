// Departure: the customer's side of a handover (letter, answer, waiver) and
// the departure checklist (vault/people/handover.h, vault/people/departure_checklist.h).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "policy/rules.h"
#include "tests/vault/departure_fixture.h"
#include "vault/access/policy_store.h"
#include "vault/people/departure_checklist.h"
#include "vault/people/employment.h"
#include "vault/people/handover.h"
#include "vault/records/loans.h"
#include "vault/store/crypto.h"

namespace custos::vault {
namespace {

class CustomerConfirmationTest : public testing::DepartureTest {
 protected:
  void HandOver(const RecordMeta& rec) {
    auto a = AssignHandover(*archive_, As(hr_), author_.id, rec.id, successor_.id, "客户交接");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    auto c = ConfirmHandover(*archive_, As(approver_), author_.id, rec.id, "确认交接");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }

  Handover Current(const RecordMeta& rec) {
    auto r = vault_->BeginRead();
    auto all = HandoversOf(**r, author_.id);
    EXPECT_TRUE(all.ok());
    for (const Handover& h : *all) {
      if (h.record_id == rec.id) return h;
    }
    ADD_FAILURE() << "no handover of " << rec.id;
    return Handover();
  }

  CustomerAnswerInput Answer(CustomerAnswer answer) {
    CustomerAnswerInput in;
    in.answer = answer;
    in.method = "phone";
    in.contact_name = "张经理";
    in.contact_position = "采购经理";
    in.date = "2026-03-10";
    in.note = "电话告知交接，客户知悉";
    return in;
  }

  const ChecklistItem& ItemOf(const DepartureChecklist& list, std::string_view id) {
    for (const ChecklistItem& item : list.items) {
      if (item.id == id) return item;
    }
    static const ChecklistItem none;
    ADD_FAILURE() << "no checklist item " << id;
    return none;
  }
};

// A renderer that shows what it was given, so the test sees the facts.
CustomerLetterRenderer EchoRenderer(std::vector<CustomerLetterFacts>* seen) {
  return [seen](const CustomerLetterFacts& f) -> Result<std::string> {
    seen->push_back(f);
    return "<p>" + f.customer_name + "|" + f.leaver_name + "|" + f.end_date + "|" +
           f.successor_name + "|" + f.successor_department + "|" + f.successor_phone + "</p>";
  };
}

TEST_F(CustomerConfirmationTest, LetterIsRenderedFromTheHandoverAndKeptWithItsHash) {
  GiveNotice();
  HandOver(rec1_);
  std::vector<CustomerLetterFacts> seen;
  CustomerLetterRequest req;
  req.company_name = "华信商贸有限公司";
  req.successor_phone = "021-5555 0101";
  req.successor_department = "销售二部";
  auto letter = IssueCustomerLetter(*archive_, As(successor_), author_.id, rec1_.id, req,
                                    EchoRenderer(&seen));
  ASSERT_TRUE(letter.ok()) << letter.status().ToString();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].customer_name, "华东机电有限公司");
  EXPECT_EQ(seen[0].leaver_name, "王销售");
  EXPECT_EQ(seen[0].end_date, "2026-04-01");
  EXPECT_EQ(seen[0].successor_name, "何销售");
  EXPECT_EQ(seen[0].language, "zh-CN");
  EXPECT_EQ(seen[0].letter_date.size(), 10u);
  EXPECT_EQ(letter->info.sha256, HexEncode(Sha256(letter->html)));

  json::Value e = LeafAt(letter->info.seq);
  EXPECT_EQ(Str(e, "action"), "departure.customer_letter");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kAllowCustomerSuccessor);
  EXPECT_EQ(Str(*e.Find("details"), "letter_sha256"), letter->info.sha256);

  // The handover names the letter; the custodian (a permitted role) and the
  // successor read it back byte for byte.
  Handover h = Current(rec1_);
  ASSERT_TRUE(h.letter.has_value());
  EXPECT_EQ(h.letter->sha256, letter->info.sha256);
  for (const User* who : {&successor_, &custodian_, &hr_}) {
    auto back = CustomerLetterOf(*archive_, As(*who), author_.id, rec1_.id);
    ASSERT_TRUE(back.ok()) << who->username << ": " << back.status().ToString();
    EXPECT_EQ(back->html, letter->html);
  }
  // Someone with no part in departures learns nothing, not even "not found".
  EXPECT_EQ(CustomerLetterOf(*archive_, As(borrower_), author_.id, rec1_.id).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CustomerLetterOf(*archive_, As(borrower_), author_.id, rec2_.id).status().code(),
            StatusCode::kPermissionDenied);

  // A borrower may not issue one: refused and audited, nothing stored.
  const uint64_t before = LogSize();
  auto refused =
      IssueCustomerLetter(*archive_, As(borrower_), author_.id, rec1_.id, req, EchoRenderer(&seen));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(seen.size(), 1u);  // never rendered for a refused caller

  // Bad input: nothing written.
  req.language = "fr";
  EXPECT_EQ(
      IssueCustomerLetter(*archive_, As(successor_), author_.id, rec1_.id, req, EchoRenderer(&seen))
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  req.language = "en";
  req.company_name.clear();
  EXPECT_EQ(
      IssueCustomerLetter(*archive_, As(successor_), author_.id, rec1_.id, req, EchoRenderer(&seen))
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  // A renderer's refusal (a field the letter needs) aborts the whole step.
  req.company_name = "华信商贸有限公司";
  auto failing = [](const CustomerLetterFacts&) -> Result<std::string> {
    return Status::InvalidArgument("successor_department is required");
  };
  EXPECT_EQ(IssueCustomerLetter(*archive_, As(successor_), author_.id, rec1_.id, req, failing)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(Current(rec1_).letter->sha256, letter->info.sha256);
}

TEST_F(CustomerConfirmationTest, RequiredConfirmationCompletesOnlyWhenConfirmedOrWaived) {
  GiveNotice();
  HandOver(rec1_);
  HandOver(rec2_);
  const auto mode = policy::CustomerConfirmation::kRequired;
  EXPECT_FALSE(HandoverComplete(Current(rec1_), mode));
  EXPECT_EQ(CustomerStateId(Current(rec1_), mode), "pending");
  EXPECT_TRUE(HandoverComplete(Current(rec1_), policy::CustomerConfirmation::kOptional));

  // rec1: the successor reaches the customer, who confirms.
  auto ok = RecordCustomerAnswer(*archive_, As(successor_), author_.id, rec1_.id,
                                 Answer(CustomerAnswer::kConfirmed));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(HandoverComplete(*ok, mode));
  EXPECT_EQ(ok->customer.contact_name, "张经理");
  EXPECT_EQ(ok->customer.recorded_by, successor_.id);
  json::Value e = LeafAt(ok->customer.seq);
  EXPECT_EQ(Str(e, "action"), "departure.customer_confirm");
  EXPECT_EQ(Str(*e.Find("details"), "answer"), "confirmed");
  EXPECT_EQ(Str(*e.Find("details"), "method"), "phone");
  // The customer's contact stays in the sealed handover, not in the log.
  EXPECT_EQ(e.Find("details")->Find("contact_name"), nullptr);

  // rec2: the custodian records a refusal, which raises an alert.
  const size_t alerts_before = Alerts().size();
  auto refused = RecordCustomerAnswer(*archive_, As(custodian_), author_.id, rec2_.id,
                                      Answer(CustomerAnswer::kRefused));
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_FALSE(HandoverComplete(*refused, mode));
  EXPECT_EQ(CustomerStateId(*refused, mode), "refused");
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), alerts_before + 1);
  EXPECT_EQ(Str(alerts.back(), "type"), "departure.customer_not_confirmed");
  EXPECT_EQ(Str(alerts.back(), "user_id"), author_.id);
  EXPECT_EQ(Str(alerts.back(), "record_id"), rec2_.id);
  EXPECT_EQ(Str(*alerts.back().Find("details"), "answer"), "refused");

  // The successor may not excuse themself; an approver may, with a reason.
  auto self = WaiveCustomerConfirmation(*archive_, As(successor_), author_.id, rec2_.id, "免除");
  EXPECT_EQ(self.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(WaiveCustomerConfirmation(*archive_, As(approver2_), author_.id, rec2_.id, "")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  auto waived = WaiveCustomerConfirmation(*archive_, As(approver2_), author_.id, rec2_.id,
                                          "客户拒绝回复，已由法务另行书面通知");
  ASSERT_TRUE(waived.ok()) << waived.status().ToString();
  EXPECT_TRUE(HandoverComplete(*waived, mode));
  EXPECT_EQ(CustomerStateId(*waived, mode), "waived");
  EXPECT_EQ(waived->customer.answer, CustomerAnswer::kRefused);  // the answer stays on record
  e = LeafAt(waived->customer.waive_seq);
  EXPECT_EQ(Str(e, "action"), "departure.customer_waive");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kAllowCustomerWaive);
  EXPECT_EQ(Str(*e.Find("details"), "previous_answer"), "refused");

  // Waiving twice, or a confirmed customer, is refused and writes nothing.
  const uint64_t before = LogSize();
  EXPECT_EQ(WaiveCustomerConfirmation(*archive_, As(approver_), author_.id, rec2_.id, "再次")
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(WaiveCustomerConfirmation(*archive_, As(approver_), author_.id, rec1_.id, "免除")
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogSize(), before);

  // What the checklist reads from the stored text, without parsing each
  // handover, says the same as the handovers: one confirmed by the
  // customer, one refused and waived.
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  auto statuses = HandoverStatusesOf(**r, author_.id);
  ASSERT_TRUE(statuses.ok()) << statuses.status().ToString();
  auto full = HandoversOf(**r, author_.id);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(statuses->size(), 2u);
  ASSERT_EQ(full->size(), 2u);
  for (size_t i = 0; i < full->size(); ++i) {
    const HandoverStatus& s = (*statuses)[i];
    const Handover& h = (*full)[i];
    EXPECT_EQ(s.record_id, h.record_id);
    EXPECT_EQ(s.state, h.state);
    EXPECT_EQ(s.answer, h.customer.answer);
    EXPECT_EQ(s.waived, !h.customer.waived_by.empty());
    EXPECT_EQ(CustomerStateId(s.answer, s.waived, mode), CustomerStateId(h, mode));
  }
  EXPECT_EQ((*statuses)[0].waived != (*statuses)[1].waived, true) << "one waived, one not";
  // The leaver's counts (kept with each change) say the same.
  auto counts = HandoverCountsOf(**r, author_.id);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  const auto confirmed = static_cast<size_t>(
      std::count_if(statuses->begin(), statuses->end(),
                    [](const HandoverStatus& s) { return s.state == HandoverState::kConfirmed; }));
  EXPECT_EQ(counts->total, 2u);
  EXPECT_EQ(counts->confirmed, confirmed);
  EXPECT_EQ(counts->pending, 2u - confirmed);
  // The successor's list (the successor index) says the same.
  auto to = HandoverStatusesTo(**r, successor_.id);
  ASSERT_TRUE(to.ok()) << to.status().ToString();
  ASSERT_EQ(to->size(), 2u);
  for (size_t i = 0; i < to->size(); ++i) {
    const HandoverToStatus& x = (*to)[i];
    EXPECT_EQ(x.leaver_id, author_.id);
    EXPECT_EQ(x.status.record_id, (*statuses)[i].record_id);
    EXPECT_EQ(x.status.state, (*statuses)[i].state);
    EXPECT_EQ(x.status.answer, (*statuses)[i].answer);
    EXPECT_EQ(x.status.waived, (*statuses)[i].waived);
  }
}

TEST_F(CustomerConfirmationTest, AnswerInputIsCheckedAndSuccessorWhoApprovesCannotWaive) {
  GiveNotice();
  // A successor who is also an approver still may not waive their own.
  User both = AddUser("xu.both", "许双岗", {policy::Role::kAuthor, policy::Role::kApprover});
  auto a = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, both.id, "客户交接");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto self = WaiveCustomerConfirmation(*archive_, As(both), author_.id, rec1_.id, "免除");
  ASSERT_FALSE(self.ok());
  EXPECT_TRUE(self.status().message().starts_with(policy::rules::kSodSuccessorNotWaiver))
      << self.status().ToString();

  const uint64_t before = LogSize();
  CustomerAnswerInput in = Answer(CustomerAnswer::kConfirmed);
  in.method = "fax";
  EXPECT_EQ(RecordCustomerAnswer(*archive_, As(both), author_.id, rec1_.id, in).status().code(),
            StatusCode::kInvalidArgument);
  in = Answer(CustomerAnswer::kConfirmed);
  in.contact_name.clear();
  EXPECT_EQ(RecordCustomerAnswer(*archive_, As(both), author_.id, rec1_.id, in).status().code(),
            StatusCode::kInvalidArgument);
  in = Answer(CustomerAnswer::kConfirmed);
  in.date = "2026-02-30";
  EXPECT_EQ(RecordCustomerAnswer(*archive_, As(both), author_.id, rec1_.id, in).status().code(),
            StatusCode::kInvalidArgument);
  in.date = "2999-01-01";  // not yet
  EXPECT_EQ(RecordCustomerAnswer(*archive_, As(both), author_.id, rec1_.id, in).status().code(),
            StatusCode::kInvalidArgument);
  in = Answer(CustomerAnswer::kConfirmed);
  in.attachment_id = "att-0000000000000000";
  EXPECT_EQ(RecordCustomerAnswer(*archive_, As(both), author_.id, rec1_.id, in).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(LogSize(), before);
  // Unreachable needs no contact name.
  in = Answer(CustomerAnswer::kUnreachable);
  in.contact_name.clear();
  auto unreachable = RecordCustomerAnswer(*archive_, As(both), author_.id, rec1_.id, in);
  ASSERT_TRUE(unreachable.ok()) << unreachable.status().ToString();
  EXPECT_EQ(CustomerStateId(*unreachable, policy::CustomerConfirmation::kRequired), "unreachable");
  // No handover: not found, nothing written.
  EXPECT_EQ(RecordCustomerAnswer(*archive_, As(both), author_.id, rec2_.id,
                                 Answer(CustomerAnswer::kConfirmed))
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_F(CustomerConfirmationTest, PolicyCanTurnCustomerConfirmationOff) {
  std::string xml(DefaultPolicyXml());
  const std::string required = R"(<departure customer-confirmation="required"/>)";
  const size_t at = xml.find(required);
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, required.size(), R"(<departure customer-confirmation="off"/>)");
  User admin2 = AddUser("qian.admin", "钱管理", {policy::Role::kAdmin});
  auto applied = ApplyPolicy(*vault_, *log_, As(admin_), xml, "本公司不做客户确认");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_TRUE(applied->pending_second_approval);
  applied = ApplyPolicy(*vault_, *log_, As(admin2), xml, "同意");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_FALSE(applied->pending_second_approval);
  GiveNotice();
  HandOver(rec1_);
  auto answer = RecordCustomerAnswer(*archive_, As(successor_), author_.id, rec1_.id,
                                     Answer(CustomerAnswer::kConfirmed));
  EXPECT_EQ(answer.status().code(), StatusCode::kFailedPrecondition);
  auto list = BuildDepartureChecklist(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->customer_confirmation, "off");
  EXPECT_EQ(ItemOf(*list, "customers").state, ChecklistState::kNotApplicable);
}

// A leaver may have 100 000 files: the checklist's lists of files give the
// first by record id and count them all.
TEST_F(CustomerConfirmationTest, ChecklistListsTheFirstFilesAndCountsThemAll) {
  GiveNotice();
  auto cut = BuildDepartureChecklist(*archive_, As(auditor_), author_.id, 1);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  const json::Value& unassigned = ItemOf(*cut, "handovers").details;
  ASSERT_EQ(unassigned.Find("unassigned")->as_array().size(), 1u);
  EXPECT_EQ(unassigned.Find("unassigned")->as_array()[0].as_string(), std::min(rec1_.id, rec2_.id));
  EXPECT_EQ(unassigned.Find("unassigned_count")->as_int(), 2);
  EXPECT_EQ(ItemOf(*cut, "handovers").state, ChecklistState::kOpen);
  for (const RecordMeta* r : {&rec1_, &rec2_}) {
    ASSERT_TRUE(
        AssignHandover(*archive_, As(hr_), author_.id, r->id, successor_.id, "客户交接").ok());
  }
  ASSERT_TRUE(ConfirmHandover(*archive_, As(approver_), author_.id, rec2_.id, "确认交接").ok());
  cut = BuildDepartureChecklist(*archive_, As(auditor_), author_.id, 1);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  const json::Value& handed = ItemOf(*cut, "handovers").details;
  EXPECT_EQ(handed.Find("unassigned_count")->as_int(), 0);
  EXPECT_EQ(handed.Find("confirmed")->as_int(), 1);
  ASSERT_EQ(handed.Find("pending")->as_array().size(), 1u);
  EXPECT_EQ(handed.Find("pending")->as_array()[0].as_string(), rec1_.id);
  EXPECT_EQ(handed.Find("pending_count")->as_int(), 1);
  const json::Value& customers = ItemOf(*cut, "customers").details;
  EXPECT_EQ(customers.Find("open")->as_array().size(), 1u) << "two open, the first listed";
  EXPECT_EQ(customers.Find("open_count")->as_int(), 2);
  EXPECT_EQ(ItemOf(*cut, "customers").state, ChecklistState::kOpen);
}

TEST_F(CustomerConfirmationTest, ChecklistFollowsTheDepartureToCompletion) {
  // An open loan of the leaver's, from before the notice.
  LoanRequest lr;
  lr.record_id = rec1_.id;
  lr.kind = policy::LoanKind::kView;
  lr.reason = "客户回访需要查看合同条款";
  auto loan = RequestLoan(*archive_, As(borrower_), lr);
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();

  EXPECT_EQ(BuildDepartureChecklist(*archive_, As(hr_), borrower_.id).status().code(),
            StatusCode::kFailedPrecondition);  // no resignation
  EXPECT_EQ(BuildDepartureChecklist(*archive_, As(borrower2_), author_.id).status().code(),
            StatusCode::kPermissionDenied);
  GiveNotice();

  auto list = BuildDepartureChecklist(*archive_, As(auditor_), author_.id);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_FALSE(list->complete);
  EXPECT_EQ(list->customer_confirmation, "required");
  EXPECT_EQ(ItemOf(*list, "resignation").state, ChecklistState::kDone);
  EXPECT_EQ(ItemOf(*list, "handovers").state, ChecklistState::kOpen);
  EXPECT_EQ(ItemOf(*list, "handovers").details.Find("unassigned")->as_array().size(), 2u);
  EXPECT_EQ(ItemOf(*list, "handovers").details.Find("unassigned_count")->as_int(), 2);
  EXPECT_EQ(ItemOf(*list, "customers").state, ChecklistState::kNotApplicable);
  EXPECT_EQ(ItemOf(*list, "loans").state, ChecklistState::kDone);  // the borrower's, not hers

  // The borrower resigns too: their requested loan keeps their departure
  // open until an approver refuses it (or it is returned).
  ASSERT_TRUE(RegisterResignation(*vault_, *log_, As(hr_), borrower_.id, "2026-03-02", "2026-04-01",
                                  "个人原因")
                  .ok());
  auto theirs = BuildDepartureChecklist(*archive_, As(hr_), borrower_.id);
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  EXPECT_EQ(ItemOf(*theirs, "loans").state, ChecklistState::kOpen);
  ASSERT_EQ(ItemOf(*theirs, "loans").details.Find("open")->as_array().size(), 1u);
  EXPECT_EQ(ItemOf(*theirs, "loans").details.Find("open")->as_array()[0].as_string(), loan->id);
  ASSERT_TRUE(DenyLoan(*archive_, As(approver_), loan->id, "员工已提出离职").ok());
  theirs = BuildDepartureChecklist(*archive_, As(hr_), borrower_.id);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(ItemOf(*theirs, "loans").state, ChecklistState::kDone);
  EXPECT_EQ(ItemOf(*list, "account").state, ChecklistState::kOpen);
  EXPECT_EQ(ItemOf(*list, "noncompete").state, ChecklistState::kNotApplicable);
  EXPECT_EQ(ItemOf(*list, "nda").state, ChecklistState::kWarning);
  EXPECT_FALSE(ItemOf(*list, "nda").blocking);
  EXPECT_EQ(ItemOf(*list, "notice").state, ChecklistState::kOpen);  // no notice signed
  EXPECT_TRUE(ItemOf(*list, "notice").blocking);

  HandOver(rec1_);
  HandOver(rec2_);
  list = BuildDepartureChecklist(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ItemOf(*list, "handovers").state, ChecklistState::kDone);
  EXPECT_EQ(ItemOf(*list, "customers").state, ChecklistState::kOpen);
  ASSERT_TRUE(RecordCustomerAnswer(*archive_, As(successor_), author_.id, rec1_.id,
                                   Answer(CustomerAnswer::kConfirmed))
                  .ok());
  ASSERT_TRUE(
      WaiveCustomerConfirmation(*archive_, As(approver_), author_.id, rec2_.id, "该客户已停止合作")
          .ok());
  list = BuildDepartureChecklist(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ItemOf(*list, "customers").state, ChecklistState::kDone);
  EXPECT_FALSE(list->complete);  // the account is still open

  // The server's sweep after the last working day disables the account.
  auto swept = MarkDeparted(*vault_, *log_, CivilDate{2026, 4, 2});
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  ASSERT_EQ(swept->size(), 2u);  // she and the borrower
  list = BuildDepartureChecklist(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ItemOf(*list, "account").state, ChecklistState::kDone);
  EXPECT_FALSE(list->complete);  // the obligations notice is neither signed nor refused

  // She refused to sign it: HR records that, and who saw it. Someone else
  // may not; a notice that is not hers is refused; nothing is written then.
  const uint64_t before = LogSize();
  EXPECT_EQ(RecordNoticeRefusal(*archive_, As(hr_), author_.id, "a-0000000000000009", "拒签")
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(RecordNoticeRefusal(*archive_, As(hr_), author_.id, "", "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RecordNoticeRefusal(*archive_, As(hr_), successor_.id, "", "拒签").status().code(),
            StatusCode::kFailedPrecondition);  // not leaving
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(RecordNoticeRefusal(*archive_, As(borrower2_), author_.id, "", "拒签").status().code(),
            StatusCode::kPermissionDenied);  // audited
  auto refused = RecordNoticeRefusal(*archive_, As(hr_), author_.id, "",
                                     "2026年3月20日离职面谈时拒绝签收，人事马某、法务周某在场");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(LeafAt(refused->seq)["action"].as_string(), "departure.notice_refused");
  list = BuildDepartureChecklist(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(ItemOf(*list, "notice").state, ChecklistState::kDone);
  EXPECT_EQ(ItemOf(*list, "notice").details.Find("refused")->Find("recorded_by")->as_string(),
            hr_.id);
  EXPECT_TRUE(list->complete);
  const json::Value j = list->ToJson();
  EXPECT_TRUE(j.Find("complete")->as_bool());
  EXPECT_EQ(j.Find("items")->as_array().size(), 8u);

  // The list of leavers builds them all at once: the same checklists, one
  // per id in order, none for someone active or unknown, and the same
  // access rule.
  const std::vector<std::string> ids = {author_.id, successor_.id, borrower_.id, "u-nobody"};
  auto all = BuildDepartureChecklists(*archive_, As(hr_), ids);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 4u);
  ASSERT_TRUE((*all)[0].has_value());
  EXPECT_EQ(json::Serialize((*all)[0]->ToJson()), json::Serialize(j));
  EXPECT_FALSE((*all)[1].has_value());  // active
  ASSERT_TRUE((*all)[2].has_value());
  EXPECT_EQ(json::Serialize((*all)[2]->ToJson()),
            json::Serialize(BuildDepartureChecklist(*archive_, As(hr_), borrower_.id)->ToJson()));
  EXPECT_FALSE((*all)[3].has_value());  // unknown
  EXPECT_EQ(BuildDepartureChecklists(*archive_, As(borrower2_), ids).status().code(),
            StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace custos::vault
