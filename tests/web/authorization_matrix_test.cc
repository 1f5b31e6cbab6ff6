// The authorization matrix: every route of the server × every kind of caller
// (no session, one user per role, a user with no role, a disabled user, a
// departed user, a user in the notice period) → the HTTP status the server
// answers. The expected statuses live in tests/web/authorization_matrix.tsv;
// this test walks the router, so a route missing from the file (a new route
// that shipped without its row) fails, and so does any cell that changed.
//
// Each call carries a JSON object with only a reason as its body (none for
// GET and DELETE): a caller the route admits gets past the door and then
// fails validation (400) or the policy (403, with the rule), or succeeds; a
// caller the route does not admit gets 401 or 403 at the door. Path
// parameters name real objects where the answer depends on them: a secret
// customer file written by `author`, and a target employee for the user,
// employee and departure routes; other ids name nothing (404 for a caller
// who may ask).
//
// To regenerate the file after a deliberate change, run the test with
// CUSTOS_MATRIX_OUT=/path/to/file and review the diff line by line: every
// changed cell is a change in who may do what.
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/time.h"
#include "tests/web/test_client.h"
#include "vault/access/users.h"
#include "vault/people/employment.h"

namespace custos::web::testing {
namespace {

constexpr char kNoObject[] = "0123456789abcdef0123456789abcdef";

struct Caller {
  std::string column;    // the TSV column
  std::string username;  // empty: no session
};

class AuthorizationMatrixTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    // One user per role (the fixture already has admin, author, auditor,
    // nobody), a target employee, and three users whose state matters.
    AddUser("borrower", {policy::Role::kBorrower});
    AddUser("custodian", {policy::Role::kCustodian});
    AddUser("approver", {policy::Role::kApprover});
    AddUser("legal", {policy::Role::kLegal});
    AddUser("litigation", {policy::Role::kLitigation});
    hr_ = AddUser("hr", {policy::Role::kHr});
    target_ = AddUser("target", {policy::Role::kAuthor, policy::Role::kBorrower});
    // The disabled and departed users hold every role: nothing may be open
    // to them all the same.
    const std::vector<policy::Role> all(policy::kAllRoles.begin(), policy::kAllRoles.end());
    disabled_ = AddUser("disabled", all);
    departed_ = AddUser("departed", all);
    notice_ = AddUser("notice", {policy::Role::kAuthor, policy::Role::kBorrower});

    vault::Caller as_author;
    as_author.user_id = author_.id;
    as_author.place.ip = "127.0.0.1";
    vault::NewRecord rec;
    rec.name = "上海某客户";
    rec.classification = policy::Classification::kSecret;
    auto created = archive_->CreateRecord(as_author, rec, "new customer");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    record_id_ = created->id;

    callers_ = {{"none", ""},
                {"author", "author"},
                {"borrower", "borrower"},
                {"custodian", "custodian"},
                {"approver", "approver"},
                {"legal", "legal"},
                {"litigation", "litigation"},
                {"hr", "hr"},
                {"auditor", "auditor"},
                {"admin", "admin"},
                {"no-role", "nobody"},
                {"disabled", "disabled"},
                {"departed", "departed"},
                {"notice", "notice"}};
    for (const Caller& c : callers_) {
      TestClient client = Client();
      if (!c.username.empty()) {
        TestResponse r = client.Login(c.username, kPassword);
        ASSERT_EQ(r.status, 200) << c.username << ": " << r.body;
      }
      clients_.emplace(c.column, client);
    }

    // Logged in first, then their state changes under them: a session must
    // not outlive the account it belongs to.
    disabled_.disabled = true;
    Status st =
        vault_->Write([&](vault::WriteTxn& txn) { return vault::UpdateUser(txn, disabled_); });
    ASSERT_TRUE(st.ok()) << st.ToString();
    vault::Caller as_hr;
    as_hr.user_id = hr_.id;
    as_hr.place.ip = "127.0.0.1";
    // The server's clock stands at 2027-01-15 (WebTest::now_).
    auto gone = vault::RegisterResignation(*vault_, *audit_, as_hr, departed_.id, "2026-12-01",
                                           "2027-01-05", "个人原因");
    ASSERT_TRUE(gone.ok()) << gone.status().ToString();
    auto marked = vault::MarkDeparted(*vault_, *audit_, CivilDate{2027, 1, 15});
    ASSERT_TRUE(marked.ok()) << marked.status().ToString();
    ASSERT_EQ(marked->size(), 1u);
    auto leaving = vault::RegisterResignation(*vault_, *audit_, as_hr, notice_.id, "2027-01-10",
                                              "2027-02-10", "个人原因");
    ASSERT_TRUE(leaving.ok()) << leaving.status().ToString();
  }

  // The concrete path for a route pattern.
  std::string Concrete(const std::string& pattern) const {
    const std::vector<std::string> segments = SplitPath(pattern);
    std::string path;
    std::string previous;
    for (const std::string& s : segments) {
      std::string value = s;
      if (s.size() > 2 && s.front() == '{') {
        const std::string name = s.substr(1, s.size() - 2);
        if (name == "seq" || name == "n") {
          value = "1";
        } else if (name == "path*") {
          // The first tile of the audit log, one wide (/tlog/tile/…).
          value = previous == "entries" ? "000.p/1" : "0/000.p/1";
        } else if (name == "record" || (name == "id" && previous == "records")) {
          value = record_id_;
        } else if (name == "user" ||
                   (name == "id" && (previous == "users" || previous == "employees"))) {
          value = target_.id;
        } else {
          value = kNoObject;
        }
      }
      path += "/" + value;
      previous = s;
    }
    return path;
  }

  // Calls the route as every caller; one status per column.
  std::vector<int> Row(const std::string& method, const std::string& pattern) {
    std::vector<int> row;
    const std::string path = Concrete(pattern);
    const std::string body =
        method == "GET" || method == "DELETE" ? "" : R"({"reason":"授权矩阵"})";
    for (const Caller& c : callers_) {
      TestClient& client = clients_.at(c.column);
      TestResponse r = client.Call(method, path, body);
      row.push_back(r.status);
      if (r.status >= 500) {
        ADD_FAILURE() << method << " " << pattern << " as " << c.column << ": " << r.status << " "
                      << r.body;
      }
      // Logging out ends the caller's session; the next route needs it.
      if (method == "DELETE" && pattern == "/api/v1/session" && r.status == 200) {
        TestResponse again = client.Login(c.username, kPassword);
        EXPECT_EQ(again.status, 200) << c.username << ": " << again.body;
      }
    }
    return row;
  }

  vault::User hr_, target_, disabled_, departed_, notice_;
  std::string record_id_;
  std::vector<Caller> callers_;
  std::map<std::string, TestClient> clients_;
};

std::string MatrixPath() {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  return std::string(root != nullptr ? root : ".") + "/tests/web/authorization_matrix.tsv";
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, '\t')) out.push_back(cell);
  return out;
}

TEST_F(AuthorizationMatrixTest, EveryRouteForEveryCallerAnswersAsTheFileSays) {
  // Expected: route ("METHOD /pattern") → statuses, in the header's column order.
  std::ifstream in(MatrixPath());
  ASSERT_TRUE(in.good()) << "cannot read " << MatrixPath();
  std::vector<std::string> header;
  std::map<std::string, std::vector<std::string>> expected;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> cells = SplitTabs(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    ASSERT_EQ(cells.size(), header.size()) << "malformed row: " << line;
    const std::string route = cells.front();
    cells.erase(cells.begin());
    ASSERT_TRUE(expected.emplace(route, cells).second) << "row twice: " << route;
  }
  ASSERT_FALSE(header.empty()) << "no header in " << MatrixPath();
  std::vector<std::string> columns;
  for (const Caller& c : callers_) columns.push_back(c.column);
  ASSERT_EQ(std::vector<std::string>(header.begin() + 1, header.end()), columns)
      << "the file's columns are not the test's callers";

  std::ostringstream actual;
  actual << "# Generated by AuthorizationMatrixTest with CUSTOS_MATRIX_OUT; see\n"
            "# tests/web/authorization_matrix_test.cc for the callers and the objects.\n"
            "# Columns: the caller (no-role: a session without roles; disabled, departed: logged "
            "in, then\n# disabled or marked departed, every role; notice: an author and borrower "
            "in the notice period).\n";
  actual << "route";
  for (const std::string& c : columns) actual << '\t' << c;
  actual << '\n';

  std::map<std::string, bool> seen;
  for (const std::string& name : server_->RouteList()) {
    const size_t sp = name.find(' ');
    const std::vector<int> row = Row(name.substr(0, sp), name.substr(sp + 1));
    actual << name;
    for (int s : row) actual << '\t' << s;
    actual << '\n';
    seen[name] = true;
    auto it = expected.find(name);
    if (it == expected.end()) {
      ADD_FAILURE() << "route without a row in the matrix: " << name;
      continue;
    }
    for (size_t i = 0; i < row.size(); ++i) {
      EXPECT_EQ(it->second[i], std::to_string(row[i]))
          << name << " as " << columns[i] << " (expected " << it->second[i] << ", got " << row[i]
          << ")";
    }
  }
  for (const auto& [name, cells] : expected) {
    EXPECT_TRUE(seen.contains(name)) << "row for a route that does not exist: " << name;
  }
  if (const char* out = std::getenv("CUSTOS_MATRIX_OUT"); out != nullptr) {
    std::ofstream(out) << actual.str();
  }
}

}  // namespace
}  // namespace custos::web::testing
