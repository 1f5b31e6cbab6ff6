// /tlog/: the audit log as c2sp.org/tlog-tiles serves it. A client with
// only these files and the checkpoint rebuilds the checkpoint's root; the
// events' bundles are for auditors, and reading them is itself logged.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/web/test_client.h"
#include "vault/audit/merkle.h"
#include "vault/audit/tlog_tiles.h"
#include "vault/store/vault.h"

namespace custos::web::testing {
namespace {

using WebTlogTest = WebTest;

// The size and root hash a checkpoint note commits to (its second and
// third lines).
std::pair<uint64_t, std::string> SizeAndRoot(const std::string& note) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (lines.size() < 3) {
    const size_t nl = note.find('\n', start);
    if (nl == std::string::npos) break;
    lines.push_back(note.substr(start, nl - start));
    start = nl + 1;
  }
  EXPECT_EQ(lines.size(), 3u) << note;
  if (lines.size() < 3) return {0, ""};
  return {std::stoull(lines[1]), Base64Decode(lines[2]).value()};
}

std::string TileUrl(bool entries, int level, uint64_t index, int width) {
  return "/tlog/" + vault::tlog::FormatTilePath({entries, level, index, width});
}

// The root of the first `size` events from the level-0 tiles alone.
std::string RootFromTiles(const std::function<TestResponse(const std::string&)>& get,
                          uint64_t size) {
  vault::merkle::CompactRange range;
  for (uint64_t index = 0; index * 256 < size; ++index) {
    const int width = static_cast<int>(std::min<uint64_t>(256, size - index * 256));
    TestResponse r = get(TileUrl(false, 0, index, width));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/octet-stream");
    EXPECT_EQ(r.body.size(), static_cast<size_t>(width) * 32);
    for (int i = 0; i < width && (i + 1) * 32 <= static_cast<int>(r.body.size()); ++i)
      EXPECT_TRUE(range.Append(r.body.substr(static_cast<size_t>(i) * 32, 32)).ok());
  }
  return range.Root();
}

TEST_F(WebTlogTest, AnAuditorRebuildsTheCheckpointsRootFromTheTilesAlone) {
  TestClient auditor = LoggedIn("auditor");
  TestResponse cp = auditor.Call("GET", "/tlog/checkpoint");
  ASSERT_EQ(cp.status, 200) << cp.body;
  EXPECT_EQ(cp.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(cp.body.substr(0, audit_->name().size() + 1), audit_->name() + "\n");
  const auto [size, root] = SizeAndRoot(cp.body);
  ASSERT_GT(size, 0u);
  auto get = [&](const std::string& url) { return auditor.Call("GET", url); };
  EXPECT_EQ(RootFromTiles(get, size), root);
  // What a tile path names never changes: cacheable for good.
  EXPECT_EQ(get(TileUrl(false, 0, 0, static_cast<int>(std::min<uint64_t>(size, 256))))
                .Header("cache-control"),
            "private, max-age=31536000, immutable");

  // The events: their leaves hash to the same tile, and reading them is an
  // audited read of the log.
  const uint64_t before = LogSize(*vault_, *audit_);
  const int width = static_cast<int>(std::min<uint64_t>(size, 256));
  TestResponse bundle = get(TileUrl(true, 0, 0, width));
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  TestResponse hashes = get(TileUrl(false, 0, 0, width));
  ASSERT_EQ(hashes.status, 200);
  size_t at = 0;
  int n = 0;
  while (at + 2 <= bundle.body.size()) {
    const size_t len = (static_cast<unsigned char>(bundle.body[at]) << 8) |
                       static_cast<unsigned char>(bundle.body[at + 1]);
    EXPECT_EQ(vault::merkle::LeafHash(bundle.body.substr(at + 2, len)),
              hashes.body.substr(static_cast<size_t>(n) * 32, 32));
    at += 2 + len;
    ++n;
  }
  EXPECT_EQ(n, width);
  EXPECT_EQ(at, bundle.body.size());
  std::vector<json::Value> events = EventsFrom(*vault_, *audit_, before);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["action"].as_string(), "audit.read");
  EXPECT_EQ(events[0]["details"]["what"].as_string(), "tlog entries");

  // Beyond the log, or not in the specification's spelling.
  EXPECT_EQ(get("/tlog/tile/0/000.p/0").status, 400);
  EXPECT_EQ(get("/tlog/tile/0/1").status, 400);
  EXPECT_EQ(get(TileUrl(false, 0, 1000, 1)).status, 404);
  EXPECT_EQ(get(TileUrl(true, 0, 1000, 1)).status, 404);
}

// A monitor polls the checkpoint for the log as it is; each fresh one is a
// signature and a write, so this server signs at most one every 5 s.
TEST_F(WebTlogTest, TheCheckpointFollowsTheLogAtMostEveryFiveSeconds) {
  TestClient auditor = LoggedIn("auditor");
  const uint64_t first = SizeAndRoot(auditor.Call("GET", "/tlog/checkpoint").body).first;
  EXPECT_EQ(first, LogSize(*vault_, *audit_));
  vault::AuditEvent e;
  e.actor = {author_.id, "作者"};
  e.action = "record.view";
  e.object = {"record", "rec-1", 1};
  e.reason = "客户回访";
  ASSERT_TRUE(audit_->AppendDurable(e).ok());
  EXPECT_EQ(SizeAndRoot(auditor.Call("GET", "/tlog/checkpoint").body).first, first);
  Advance(5000);
  EXPECT_EQ(SizeAndRoot(auditor.Call("GET", "/tlog/checkpoint").body).first, first + 1);
}

TEST_F(WebTlogTest, OnlyAuditorsReadTheTilesUnlessTheHashesArePublished) {
  TestClient author = LoggedIn("author");
  for (const std::string& url :
       {std::string("/tlog/checkpoint"), TileUrl(false, 0, 0, 1), TileUrl(true, 0, 0, 1)}) {
    EXPECT_EQ(Client().Send("GET", url).status, 401) << url;
    EXPECT_EQ(author.Call("GET", url).status, 403) << url;
  }
  // Published for monitors and witnesses: the checkpoint and the hashes,
  // never the events.
  StartServer([](ServerOptions& o) { o.tlog_public = true; });
  TestResponse cp = Client().Send("GET", "/tlog/checkpoint");
  ASSERT_EQ(cp.status, 200) << cp.body;
  const auto [size, root] = SizeAndRoot(cp.body);
  auto get = [&](const std::string& url) { return Client().Send("GET", url); };
  EXPECT_EQ(RootFromTiles(get, size), root);
  EXPECT_EQ(get(TileUrl(false, 0, 0, 1)).Header("cache-control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(Client().Send("GET", TileUrl(true, 0, 0, 1)).status, 401);
  EXPECT_EQ(LoggedIn("author").Call("GET", TileUrl(true, 0, 0, 1)).status, 403);
}

// The independent verifier (tests/tools/verify_tlog.py, written from the
// specifications) reads what serve publishes: the checkpoint's signature,
// the root from tiles of two levels, every event against its hash.
TEST_F(WebTlogTest, TheIndependentVerifierChecksTheServedLogFromItsTilesAndBundles) {
  if (std::system("python3 --version >/dev/null 2>&1 && openssl version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 or openssl not available";
  // More than 256 events: full and partial tiles, and a level-1 tile.
  ASSERT_TRUE(vault_
                  ->Write([&](vault::WriteTxn& txn) -> Status {
                    for (int i = 0; i < 600; ++i) {
                      vault::AuditEvent e;
                      e.actor = {author_.id, "作者"};
                      e.action = "record.view";
                      e.object = {"record", "rec-" + std::to_string(i), 1};
                      e.reason = "客户回访";
                      CUSTOS_RETURN_IF_ERROR(audit_->Append(txn, e).status());
                    }
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(audit_->CheckpointNow().ok());
  TestClient auditor = LoggedIn("auditor");
  const std::string dir = dir_->path();
  std::ofstream(dir + "/log.vkey") << audit_->VerifierKey() << "\n";
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  const std::string script =
      std::string(root != nullptr ? root : ".") + "/tests/tools/verify_tlog.py";
  const std::string cmd = "python3 " + script + " tiles --entries --vkey " + dir +
                          "/log.vkey --header 'Cookie: custos_session=" + auditor.session_token +
                          "' http://127.0.0.1:" + std::to_string(server_->port()) + "/tlog/ >" +
                          dir + "/verifier.out 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(dir + "/verifier.out");
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("OK tree of size"), std::string::npos) << out;
  EXPECT_NE(out.find("with its entries"), std::string::npos) << out;
}

}  // namespace
}  // namespace custos::web::testing
