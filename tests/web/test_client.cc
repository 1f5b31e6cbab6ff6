#include "tests/web/test_client.h"

#include <cstdlib>
#include <sstream>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace custos::web::testing {

json::Value TestResponse::Json() const {
  auto v = json::Parse(body);
  return v.ok() ? *v : json::Value();
}

std::string TestResponse::ErrorCode() const {
  json::Value v = Json();
  const json::Value* e = v.Find("error");
  if (e == nullptr) return "";
  const json::Value* c = e->Find("code");
  return c != nullptr && c->is_string() ? c->as_string() : "";
}

const std::string& TestResponse::Header(const std::string& lower) const {
  static const std::string kEmpty;
  auto it = headers.find(lower);
  return it == headers.end() ? kEmpty : it->second;
}

TestResponse TestClient::Send(const std::string& method, const std::string& path,
                              const std::string& body,
                              const std::map<std::string, std::string>& headers,
                              const std::string& content_type) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port_);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    req.setContentType(content_type);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& out = session.sendRequest(req);
  out << body;
  Poco::Net::HTTPResponse resp;
  std::istream& in = session.receiveResponse(resp);
  TestResponse r;
  r.status = resp.getStatus();
  std::ostringstream buf;
  Poco::StreamCopier::copyStream(in, buf);
  r.body = buf.str();
  for (const auto& [k, v] : resp) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ++r.header_counts[lower];
    if (lower == "set-cookie") {
      r.cookies.push_back(v);
    } else {
      r.headers[lower] = v;
    }
  }
  return r;
}

TestResponse TestClient::Call(const std::string& method, const std::string& path,
                              const std::string& body) {
  std::map<std::string, std::string> h;
  if (!session_token.empty()) h["Cookie"] = "custos_session=" + session_token;
  if (!csrf_token.empty() && method != "GET") h["X-CSRF-Token"] = csrf_token;
  return Send(method, path, body, h);
}

TestResponse TestClient::Login(const std::string& username, const std::string& password) {
  json::Value b = json::Value::MakeObject();
  b["username"] = username;
  b["password"] = password;
  b["workstation"] = "WS-01";
  b["location"] = "上海办公室";
  TestResponse r = Send("POST", "/api/v1/session", json::Serialize(b));
  if (r.status == 200) {
    for (const std::string& c : r.cookies) {
      if (c.rfind("custos_session=", 0) == 0) {
        session_token = c.substr(15, c.find(';') - 15);
      }
    }
    csrf_token = r.Json()["csrf_token"].as_string();
  }
  return r;
}

void WebTest::SetUp() {
  dir_ = std::make_unique<vault::testing::TempDir>();
  vault_ = vault::testing::CreateTestVault(dir_->path());
  admin_ = AddUser("admin", {policy::Role::kAdmin});
  author_ = AddUser("author", {policy::Role::kAuthor});
  auditor_ = AddUser("auditor", {policy::Role::kAuditor});
  everyone_ = AddUser("everyone", {policy::kAllRoles.begin(), policy::kAllRoles.end()});
  newbie_ = AddUser("newbie", {policy::Role::kAdmin}, /*must_change=*/true);
  nobody_ = AddUser("nobody", {});
  auto audit = vault::AuditLog::Open(*vault_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  audit_ = std::move(audit).value();
  auto archive = vault::Archive::Open(*vault_, *audit_);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  archive_ = std::move(archive).value();
  StartServer();
}

void WebTest::TearDown() {
  if (server_) server_->Stop();
  server_.reset();
  archive_.reset();
  audit_.reset();
  vault_.reset();
  dir_.reset();
}

void WebTest::StartServer(const std::function<void(ServerOptions&)>& tweak) {
  if (server_) server_->Stop();
  server_.reset();
  ServerOptions o;
  o.port = 0;
  o.password_kdf = vault::Argon2Params::ForTests();
  o.clock = [this] { return now_.load(); };
  o.log = [](const std::string&) {};
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  o.ui_dir = std::string(root != nullptr ? root : ".") + "/web/ui";
  o.max_threads = 8;
  o.archive = archive_.get();
  if (tweak) tweak(o);
  auto s = Server::Start(*vault_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_ = std::move(s).value();
}

vault::User WebTest::AddUser(const std::string& name, std::vector<policy::Role> roles,
                             bool must_change) {
  vault::User u;
  u.username = name;
  u.display_name = name;
  u.roles = std::move(roles);
  u.must_change_password = must_change;
  Result<vault::User> created = Status::Internal("unset");
  auto hash =
      vault::HashPassword(vault::SecretBytes::CopyOf(kPassword), vault::Argon2Params::ForTests());
  EXPECT_TRUE(hash.ok());
  if (hash.ok()) u.password_hash = *hash;
  Status st = vault_->Write([&](vault::WriteTxn& txn) {
    created = vault::CreateUser(txn, u);
    return created.status();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return created.ok() ? *created : vault::User{};
}

TestClient WebTest::LoggedIn(const std::string& name) {
  TestClient c = Client();
  TestResponse r = c.Login(name, kPassword);
  EXPECT_EQ(r.status, 200) << r.body;
  return c;
}

uint64_t LogSize(vault::Vault& vault, const vault::AuditLog& log) {
  auto r = vault.BeginRead();
  EXPECT_TRUE(r.ok());
  return r.ok() ? log.Size(**r).value() : 0;
}

std::vector<json::Value> EventsFrom(vault::Vault& vault, const vault::AuditLog& log,
                                    uint64_t from) {
  std::vector<json::Value> out;
  auto r = vault.BeginRead();
  EXPECT_TRUE(r.ok());
  const uint64_t size = log.Size(**r).value();
  for (uint64_t seq = from; seq < size; ++seq)
    out.push_back(json::Parse(*log.Leaf(**r, seq)).value());
  return out;
}

}  // namespace custos::web::testing
