// The access path (vault/access/gate.h): who is let in, what is recorded
// whatever the decision, what is written only when allowed, and that the
// decide-then-write helper is safe when the vault runs it twice.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "base/json.h"
#include "policy/rules.h"
#include "tests/vault/failing_neighbour.h"
#include "tests/vault/records_fixture.h"
#include "vault/access/alerts.h"
#include "vault/access/gate.h"
#include "vault/store/tables.h"

namespace custos::vault::testing {
namespace {

class AccessGateTest : public ArchiveTest {
 protected:
  const access::AccessGate& gate() { return archive_->gate(); }

  static access::Attempt LogRead() {
    access::Attempt a;
    a.action = policy::Action::kReadAuditLog;
    a.event_action = "audit.read";
    a.object_type = "audit_log";
    return a;
  }

  json::Value Leaf(uint64_t seq) {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    auto leaf = log_->Leaf(**r, seq);
    EXPECT_TRUE(leaf.ok()) << leaf.status().ToString();
    auto v = json::Parse(leaf.ok() ? *leaf : "{}");
    return v.ok() ? *v : json::Value::MakeObject();
  }

  std::string Marker() {
    auto r = vault_->BeginRead();
    auto v = (*r)->Get(tables::kIndex, "gate-test/marker");
    return v.ok() ? *v : "";
  }

  // The input the snapshot tests' decisions read.
  Status PutInput(const std::string& value) {
    return vault_->Write(
        [&](WriteTxn& w) { return w.Put(tables::kIndex, "gate-test/input", value); });
  }
  static access::Attempt SnapshotLogRead() {
    access::Attempt a = LogRead();
    a.decide_on_snapshot = true;
    return a;
  }

  // A write the tests apply only when allowed.
  static access::Apply PutMarker(std::atomic<int>* runs) {
    return [runs](WriteTxn& txn, const access::Outcome&) -> Status {
      ++*runs;
      return txn.Put(tables::kIndex, "gate-test/marker", "applied");
    };
  }
};

TEST_F(AccessGateTest, UnknownCallerIsUnauthenticatedAndNothingIsRecorded) {
  const uint64_t before = LogSize();
  Caller stranger;
  stranger.user_id = "u-nobody";
  std::atomic<int> runs{0};
  auto out = gate().DecideThenWrite(stranger, LogRead(), nullptr, PutMarker(&runs));
  EXPECT_EQ(out.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(Marker(), "");
  Caller nobody;  // no identity at all
  EXPECT_EQ(gate().DecideThenWrite(nobody, LogRead(), nullptr, PutMarker(&runs)).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(LogSize(), before);
}

TEST_F(AccessGateTest, DisabledCallerIsUnauthenticatedAndNothingIsRecorded) {
  User off = auditor_;
  off.disabled = true;
  ASSERT_TRUE(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, off); }).ok());
  const uint64_t before = LogSize();
  std::atomic<int> runs{0};
  auto out = gate().DecideThenWrite(As(auditor_), LogRead(), nullptr, PutMarker(&runs));
  EXPECT_EQ(out.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(runs.load(), 0);
}

// The reason is evidence, read as stored: a control or bidirectional
// character in it is refused as bad input before anything is decided, on
// either path; line breaks are a reason's own.
TEST_F(AccessGateTest, AReasonThatWouldNotReadAsStoredIsRefusedAndNothingIsRecorded) {
  const uint64_t before = LogSize();
  std::atomic<int> runs{0};
  for (access::Attempt attempt : {LogRead(), SnapshotLogRead()}) {
    attempt.reason = "季度审计\u202E核查";
    auto out = gate().DecideThenWrite(As(auditor_), attempt, nullptr, PutMarker(&runs));
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(out.status().message().find("the reason holds a bidirectional control character"),
              std::string::npos)
        << out.status().message();
    attempt.reason = std::string("季度审计") + '\0';
    EXPECT_EQ(
        gate().DecideThenWrite(As(auditor_), attempt, nullptr, PutMarker(&runs)).status().code(),
        StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(runs.load(), 0);
  access::Attempt lines = LogRead();
  lines.reason = "季度审计\n第二行：核查借阅";
  EXPECT_TRUE(gate().DecideThenWrite(As(auditor_), lines, nullptr, PutMarker(&runs)).ok());
  EXPECT_EQ(LogSize(), before + 1);
}

TEST_F(AccessGateTest, AllowRecordsTheEventWithItsRuleAndApplies) {
  const uint64_t before = LogSize();
  std::atomic<int> runs{0};
  access::Attempt attempt = LogRead();
  attempt.reason = "季度审计";
  auto out = gate().DecideThenWrite(
      As(auditor_), attempt,
      [](const ReadTxn&, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
        EXPECT_EQ(f.actor.user_id, user.id);
        EXPECT_EQ(f.reason, "季度审计");
        e.details["what"] = "events";
        return Status::Ok();
      },
      PutMarker(&runs));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->allowed);
  EXPECT_TRUE(out->permit.has_value());
  EXPECT_TRUE(out->refusal.ok());
  EXPECT_FALSE(out->rule.empty());
  EXPECT_EQ(out->rule, out->decision.rule);
  EXPECT_EQ(out->user.id, auditor_.id);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(Marker(), "applied");
  json::Value leaf = Leaf(out->seq);
  EXPECT_EQ(leaf["action"].as_string(), "audit.read");
  EXPECT_EQ(leaf["decision"].as_string(), "allow");
  EXPECT_EQ(leaf["rule"].as_string(), out->rule);
}

TEST_F(AccessGateTest, DenyRecordsTheEventAndDoesNotApply) {
  const uint64_t before = LogSize();
  std::atomic<int> runs{0};
  auto out = gate().DecideThenWrite(As(author_), LogRead(), nullptr, PutMarker(&runs));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  // The rule travels as data, beside the message people read.
  ASSERT_NE(out.status().refusal(), nullptr);
  EXPECT_EQ(out.status().refusal()->rule, policy::rules::kRoleNotPermitted);
  EXPECT_TRUE(out.status().message().starts_with(policy::rules::kRoleNotPermitted));
  EXPECT_FALSE(out.status().refusal()->message_zh.empty());
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(Marker(), "");
  json::Value leaf = Leaf(before);
  EXPECT_EQ(leaf["decision"].as_string(), "deny");
  EXPECT_EQ(leaf["rule"].as_string(), policy::rules::kRoleNotPermitted);
}

TEST_F(AccessGateTest, DecideInsideAWriteReturnsTheRefusalAsAnOutcome) {
  access::Outcome got;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& txn) -> Status {
                    CUSTOS_ASSIGN_OR_RETURN(got, gate().Decide(txn, As(author_), LogRead()));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(got.allowed);
  EXPECT_FALSE(got.permit.has_value());
  EXPECT_EQ(got.rule, policy::rules::kRoleNotPermitted);
  EXPECT_EQ(got.refusal.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Leaf(got.seq)["decision"].as_string(), "deny");
}

TEST_F(AccessGateTest, PeekDecidesWithoutRecording) {
  const uint64_t before = LogSize();
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  auto allowed = gate().Peek(**r, As(auditor_), LogRead());
  auto refused = gate().Peek(**r, As(author_), LogRead());
  ASSERT_TRUE(allowed.ok());
  ASSERT_TRUE(refused.ok());
  EXPECT_TRUE(allowed->allowed);
  EXPECT_FALSE(refused->allowed);
  EXPECT_EQ(refused->rule, policy::rules::kRoleNotPermitted);
  r->reset();
  EXPECT_EQ(LogSize(), before);
}

TEST_F(AccessGateTest, FinishMayRefuseTheWholeAttemptWithNothingWritten) {
  const uint64_t before = LogSize();
  std::atomic<int> runs{0};
  auto out =
      gate().DecideThenWrite(As(auditor_), LogRead(), nullptr, PutMarker(&runs),
                             [](const ReadTxn&, const access::Outcome&, AuditEvent&) -> Status {
                               return Status::FailedPrecondition("not now");
                             });
  EXPECT_EQ(out.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(runs.load(), 0);
}

// Vault::Write may run its function twice (vault.h): the helper decides
// afresh each time, so the committed state holds one event and one change.
TEST_F(AccessGateTest, DecideThenWriteRunTwiceRecordsOnceAndAppliesOnce) {
  const uint64_t before = LogSize();
  std::atomic<int> runs{0};
  auto pair = std::make_unique<FailingNeighbour>(*vault_);
  auto out = gate().DecideThenWrite(As(auditor_), LogRead(), nullptr, PutMarker(&runs));
  pair->Join();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(pair->paired());
  EXPECT_EQ(runs.load(), 2);  // applied in both runs, committed once
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(out->seq, before);
  EXPECT_EQ(Marker(), "applied");
}

// Attempt::decide_on_snapshot: decided on the caller's snapshot, the write
// only rereads what the decision read. When that is unchanged the decision
// stands (prepare ran once); when something it read changed in between, the
// write decides again on what is now stored. (On a shared store the write
// always decides: prepare runs once, in the write.)
TEST_F(AccessGateTest, ADecisionOnASnapshotStandsWhenWhatItReadIsUnchanged) {
  ASSERT_TRUE(PutInput("first").ok());
  const uint64_t before = LogSize();
  std::atomic<int> prepared{0};
  std::atomic<int> runs{0};
  const access::Attempt attempt = SnapshotLogRead();
  auto out = gate().DecideThenWrite(
      As(auditor_), attempt,
      [&](const ReadTxn& txn, const User&, policy::Facts&, AuditEvent& e) -> Status {
        ++prepared;
        CUSTOS_ASSIGN_OR_RETURN(std::string input, txn.Get(tables::kIndex, "gate-test/input"));
        e.details["input"] = input;
        return Status::Ok();
      },
      PutMarker(&runs));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(prepared.load(), 1);
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(gate().snapshot_stats().stood, vault_->shared() ? 0u : 1u);
  EXPECT_EQ(out->seq, before);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(Leaf(out->seq)["details"]["input"].as_string(), "first");
  EXPECT_EQ(Marker(), "applied");
}

TEST_F(AccessGateTest, ADecisionOnASnapshotIsMadeAgainWhenWhatItReadChanged) {
  ASSERT_TRUE(PutInput("first").ok());
  const uint64_t before = LogSize();
  std::atomic<int> prepared{0};
  std::atomic<int> runs{0};
  const access::Attempt attempt = SnapshotLogRead();
  auto out = gate().DecideThenWrite(
      As(auditor_), attempt,
      [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
        CUSTOS_ASSIGN_OR_RETURN(std::string input, txn.Get(tables::kIndex, "gate-test/input"));
        e.details["input"] = input;
        if (++prepared == 1 && !vault_->shared()) {
          // Another caller's write lands between the snapshot and the
          // write: after it, the input is a different one. (Only on the
          // snapshot: this run is not the committer's.)
          CUSTOS_RETURN_IF_ERROR(PutInput("second"));
        }
        // The decision depends on what was read: "second" means refused.
        if (input == "second") f.actor.employment = policy::EmploymentState::kDeparted;
        return Status::Ok();
      },
      PutMarker(&runs));
  if (vault_->shared()) {  // decided once, in the write, on what it read
    EXPECT_EQ(prepared.load(), 1);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(Leaf(out->seq)["details"]["input"].as_string(), "first");
    return;
  }
  EXPECT_EQ(prepared.load(), 2);
  EXPECT_EQ(gate().snapshot_stats().redone, 1u);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(Marker(), "");
  // One event, decided on what the write read.
  ASSERT_EQ(LogSize(), before + 1);
  json::Value leaf = Leaf(before);
  EXPECT_EQ(leaf["details"]["input"].as_string(), "second");
  EXPECT_EQ(leaf["decision"].as_string(), "deny");
}

TEST_F(AccessGateTest, AnAttemptOnARecordRaisesItsAlertsThroughTheAlertsModule) {
  const RecordMeta m = MakeRecord(policy::Classification::kConfidential);
  User leaving = borrower_;
  leaving.employment = policy::EmploymentState::kNoticeGiven;
  ASSERT_TRUE(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, leaving); }).ok());
  access::Attempt attempt;
  attempt.action = policy::Action::kViewContent;
  attempt.event_action = "record.view";
  attempt.object_type = "record";
  attempt.object_id = m.id;
  attempt.reason = "查看客户资料";
  attempt.alert_record_id = m.id;
  auto out = gate().DecideThenWrite(
      As(borrower_), attempt,
      [&](const ReadTxn&, const User&, policy::Facts& f, AuditEvent&) -> Status {
        f.record = Archive::RecordFactsFor(m);
        return Status::Ok();
      },
      nullptr);
  EXPECT_FALSE(out.ok());
  int notice = 0;
  auto r = vault_->BeginRead();
  ASSERT_TRUE(access::ScanAlerts(**r, /*newest_first=*/false, [&](json::Value a) -> Result<bool> {
                if (a["type"].as_string() == "employment.notice_activity") {
                  ++notice;
                  EXPECT_EQ(a["user_id"].as_string(), borrower_.id);
                  EXPECT_EQ(a["record_id"].as_string(), m.id);
                }
                return true;
              }).ok());
  EXPECT_EQ(notice, 1);
}

}  // namespace
}  // namespace custos::vault::testing
