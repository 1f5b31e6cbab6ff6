#include "cli/demo_data.h"

#include <set>

#include <gtest/gtest.h>

#include "tests/vault/records_fixture.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/agreements/agreements.h"
#include "vault/records/loans.h"

namespace custos::vault {
namespace {

using cli::DemoAgreementOptions;
using cli::DemoLogin;
using cli::DemoOptions;
using cli::SeedDemoCompany;
using cli::SeedDemoStory;

class RecordDemoTest : public testing::ArchiveTest {};

TEST_F(RecordDemoTest, SeedsOnceWithEveryRoleAndLevel) {
  DemoOptions o;
  o.customers = 60;
  o.documents = 5;
  o.password = "demo-password-2026";
  o.password_kdf = Argon2Params::ForTests();
  std::vector<DemoLogin> logins;
  Status st = SeedDemoCompany(*archive_, o, &logins);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(logins.size(), 18u);
  std::set<std::string> roles;
  for (const DemoLogin& l : logins) roles.insert(l.role);
  for (policy::Role r : policy::kAllRoles)
    EXPECT_EQ(roles.count(std::string(policy::RoleId(r))), 1u);
  EXPECT_EQ(logins[0].password.view(), "demo-password-2026");

  EXPECT_EQ(archive_->CatalogSize(), 65u + 1u - 1u);
  std::set<policy::Classification> levels;
  SearchQuery q;
  q.limit = 1000;
  auto found = archive_->Search(As(auditor_), q);
  ASSERT_TRUE(found.ok());
  for (const RecordMeta& m : found->records) levels.insert(m.classification);
  EXPECT_EQ(levels.size(), 5u);

  auto r = vault_->BeginRead();
  // The demo company has set its working hours (the off-hours alert).
  auto demo_policy = CurrentPolicy(**r);
  ASSERT_TRUE(demo_policy.ok()) << demo_policy.status().ToString();
  ASSERT_NE(demo_policy->work_hours(), nullptr);
  EXPECT_EQ(demo_policy->work_hours()->utc_offset_minutes, 480);
  // Nobody has opened a classified file yet: the staff sign their NDAs
  // first (SeedDemoStory), or check C4 would flag them. Nor asked for one.
  auto loans = ListLoans(**r);
  ASSERT_TRUE(loans.ok());
  EXPECT_TRUE(loans->empty());
  for (const DemoLogin& l : logins) {
    auto u = FindUserByName(**r, l.username);
    ASSERT_TRUE(u.ok()) << l.username;
    auto first = FirstClassifiedAccess(**r, *log_, u->id);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_FALSE(first->has_value()) << l.username;
  }
  r->reset();

  EXPECT_EQ(SeedDemoCompany(*archive_, o, &logins).code(), StatusCode::kAlreadyExists);
  auto verified = log_->Verify();
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
}

// The agreements need the company (its people and their logins) first.
TEST_F(RecordDemoTest, AgreementsNeedTheCompany) {
  DocumentBuilder never = [](std::string_view, const json::Value&, policy::Classification,
                             const CheckFacts&) -> Result<BuiltDocument> {
    return Status::Internal("not reached");
  };
  DemoAgreementOptions o;
  o.today = CivilDate{2026, 12, 1};
  EXPECT_EQ(SeedDemoStory(*archive_, never, {}, o).status().code(),
            StatusCode::kFailedPrecondition);
}

// Whatever day the demo is seeded on — weekends, holidays, month and year
// ends, a leap day — the story's days fall in order (the calendar dies
// otherwise) and it opens at its day's now.
TEST(DemoCalendarTest, HoldsOnEveryDayOfFourYears) {
  for (int64_t day = DaysFromCivil({2025, 1, 1}); day < DaysFromCivil({2029, 1, 1}); ++day) {
    const UnixMillis noon = day * 86'400'000 + 4 * 3'600'000;
    cli::DemoHistory history(noon);
    ASSERT_EQ(history.today(), CivilFromDays(day));
    EXPECT_TRUE(history.At(noon).ok());
  }
  EXPECT_FALSE(StoryClockSet());
}

}  // namespace
}  // namespace custos::vault
