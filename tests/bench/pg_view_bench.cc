// Audited views on the PostgreSQL store (issue 22), against plain libpq
// doing the same durable work per view, on the same server in the same run.
//
//   custos:   `clients` threads spread over `nodes` Vaults opened on one
//             PostgreSQL vault (as `custos serve` nodes would be), each
//             calling Archive::View on one of 256 files at random: decided and audited in one
//             transaction, the event durable before the content returns.
//   baseline: `clients` threads, each with its own connection, per view one
//             SELECT of one of 256 values (at random) of the same size as the record's stored
//             content and one INSERT of an event of the same size as an
//             audit leaf, autocommit (so durable at the same
//             synchronous_commit).
//
// Usage: pg_view_bench --url postgresql://… [--clients 32] [--seconds 5]
// The URL names an empty database or schema (search_path); the benchmark
// creates its vault and baseline tables there.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/vault.h"

using namespace custos;
using namespace custos::vault;

namespace {

// Files viewed, one at random per view, on both sides.
constexpr int kFiles = 256;

using Clock = std::chrono::steady_clock;

struct Run {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::string commits;  // where the committers' time went (custos only)
};

Run Summarise(std::vector<std::vector<double>>& lat, double seconds) {
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Run r;
  r.per_second = static_cast<double>(all.size()) / seconds;
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2];
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "pg_view_bench: %s\n", what.c_str());
  std::exit(1);
}

Caller As(const User& u) {
  Caller c;
  c.user_id = u.id;
  c.session = "bench";
  c.place.ip = "127.0.0.1";
  c.place.workstation = "BENCH";
  c.place.location = "bench";
  return c;
}

Run Custos(const std::string& url, int nodes, int clients, double seconds, size_t* content_bytes,
           size_t* leaf_bytes) {
  std::vector<std::unique_ptr<Vault>> vaults;
  std::vector<std::unique_ptr<AuditLog>> logs;
  std::vector<std::unique_ptr<Archive>> archives;
  const SecretBytes pass = SecretBytes::CopyOf("bench passphrase");
  if (!Vault::Exists(url)) {
    CreateOptions create;
    create.kdf = Argon2Params::ForTests();
    auto v = Vault::Create(url, pass, create);
    if (!v.ok()) Fail(v.status().ToString());
  }
  for (int i = 0; i < nodes; ++i) {
    auto v = Vault::Open(url, pass);
    if (!v.ok()) Fail(v.status().ToString());
    auto log = AuditLog::Open(**v);
    if (!log.ok()) Fail(log.status().ToString());
    auto a = Archive::Open(**v, **log);
    if (!a.ok()) Fail(a.status().ToString());
    vaults.push_back(std::move(*v));
    logs.push_back(std::move(*log));
    archives.push_back(std::move(*a));
  }
  // The owner of an internal file views it without a quota.
  User author;
  {
    User u;
    u.username = "bench.author." + std::to_string(std::time(nullptr));
    u.display_name = "压测";
    u.roles = {policy::Role::kAuthor};
    Status st = vaults[0]->Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(author, CreateUser(w, u));
      return Status::Ok();
    });
    if (!st.ok()) Fail(st.ToString());
  }
  NewRecord nr;
  nr.name = "压测客户有限公司";
  nr.classification = policy::Classification::kInternal;
  nr.content.address = std::string(400, 'a');
  nr.content.agreed_prices = std::string(400, 'p');
  // Many files, one picked at random per view, as people view them (a
  // person views a file a few times; one file viewed by everyone rewrites
  // its view count on every view, and each decision made on a snapshot
  // must be made again).
  std::vector<std::string> ids;
  for (int i = 0; i < kFiles; ++i) {
    nr.name = "压测客户有限公司" + std::to_string(i);
    auto rec = archives[0]->CreateRecord(As(author), nr, "bench");
    if (!rec.ok()) Fail(rec.status().ToString());
    ids.push_back(rec->id);
  }
  {
    auto v = archives[0]->View(As(author), ids[0], "size probe");
    if (!v.ok()) Fail(v.status().ToString());
    auto r = vaults[0]->BeginRead();
    auto seq = v->audit_seq;
    auto leaf = (*r)->Get(tables::kAuditLeaves, EncodeU64(seq));
    *leaf_bytes = leaf.ok() ? leaf->size() : 600;
    *content_bytes = json::Serialize(v->version.content.ToJson()).size();
  }
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Archive& a = *archives[static_cast<size_t>(c % nodes)];
      std::mt19937 pick(static_cast<uint32_t>(c));
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        auto v = a.View(As(author), ids[pick() % ids.size()], "压测查阅");
        if (!v.ok()) {
          errors++;
          continue;
        }
        lat[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  if (errors > 0) Fail(std::to_string(errors.load()) + " views failed");
  Run run = Summarise(lat, took);
  uint64_t commits = 0, requests = 0, run_ns = 0, commit_ns = 0, stood = 0, redone = 0;
  for (auto& a : archives) {
    stood += a->gate().snapshot_stats().stood;
    redone += a->gate().snapshot_stats().redone;
  }
  for (auto& v : vaults) {
    const Vault::CommitStats st = v->commit_stats();
    commits += st.commits;
    requests += st.requests;
    run_ns += st.run_nanos;
    commit_ns += st.commit_nanos;
  }
  char buf[300];
  std::snprintf(buf, sizeof buf,
                "%llu batches of %.1f writes: %.2f ms running them, %.2f ms in COMMIT per batch; "
                "decisions on the callers' snapshots: %llu stood, %llu made again",
                static_cast<unsigned long long>(commits),
                commits ? static_cast<double>(requests) / static_cast<double>(commits) : 0.0,
                commits ? static_cast<double>(run_ns) / 1e6 / static_cast<double>(commits) : 0.0,
                commits ? static_cast<double>(commit_ns) / 1e6 / static_cast<double>(commits) : 0.0,
                static_cast<unsigned long long>(stood), static_cast<unsigned long long>(redone));
  run.commits = buf;
  return run;
}

Run Baseline(const std::string& url, int clients, double seconds, size_t content_bytes,
             size_t leaf_bytes) {
  {
    PGconn* c = PQconnectdb(url.c_str());
    if (PQstatus(c) != CONNECTION_OK) Fail(PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages TO warning"));
    PGresult* r = PQexec(c,
                         "DROP TABLE IF EXISTS bench_values, bench_events; "
                         "CREATE TABLE bench_values (k bytea PRIMARY KEY, v bytea NOT NULL); "
                         "CREATE TABLE bench_events (seq bigserial PRIMARY KEY, v bytea NOT NULL); "
                         "ALTER TABLE bench_values ALTER COLUMN v SET STORAGE EXTERNAL; "
                         "ALTER TABLE bench_events ALTER COLUMN v SET STORAGE EXTERNAL");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) Fail(PQerrorMessage(c));
    PQclear(r);
    const std::string value(content_bytes + 45, 'v');
    for (int i = 0; i < kFiles; ++i) {
      const std::string key = std::to_string(i);
      const char* params[2] = {key.c_str(), value.data()};
      const int lengths[2] = {static_cast<int>(key.size()), static_cast<int>(value.size())};
      const int formats[2] = {0, 1};
      r = PQexecParams(c, "INSERT INTO bench_values VALUES (convert_to($1, 'UTF8'), $2)", 2,
                       nullptr, params, lengths, formats, 0);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) Fail(PQerrorMessage(c));
      PQclear(r);
    }
    PQfinish(c);
  }
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      PGconn* c = PQconnectdb(url.c_str());
      if (PQstatus(c) != CONNECTION_OK) Fail(PQerrorMessage(c));
      PQclear(PQprepare(c, "get", "SELECT v FROM bench_values WHERE k = convert_to($1, 'UTF8')", 0,
                        nullptr));
      std::mt19937 pick(static_cast<uint32_t>(t));
      PQclear(PQprepare(c, "put", "INSERT INTO bench_events (v) VALUES ($1)", 0, nullptr));
      const std::string event(leaf_bytes, 'e');
      const char* params[1] = {event.data()};
      const int lengths[1] = {static_cast<int>(event.size())};
      const int formats[1] = {1};
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = Clock::now();
        const std::string key = std::to_string(pick() % kFiles);
        const char* key_param[1] = {key.c_str()};
        PGresult* r = PQexecPrepared(c, "get", 1, key_param, nullptr, nullptr, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) Fail(PQerrorMessage(c));
        std::string copy(PQgetvalue(r, 0, 0), static_cast<size_t>(PQgetlength(r, 0, 0)));
        PQclear(r);
        r = PQexecPrepared(c, "put", 1, params, lengths, formats, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) Fail(PQerrorMessage(c));
        PQclear(r);
        lat[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      PQfinish(c);
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return Summarise(lat, std::chrono::duration<double>(Clock::now() - start).count());
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int clients = 32;
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--url") == 0 && i + 1 < argc) url = argv[++i];
    if (std::strcmp(argv[i], "--clients") == 0 && i + 1 < argc) clients = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atof(argv[++i]);
  }
  if (url.empty()) Fail("usage: pg_view_bench --url postgresql://… [--clients N] [--seconds S]");
  size_t content = 0, leaf = 0;
  const Run one = Custos(url, 1, clients, seconds, &content, &leaf);
  const Run two = Custos(url, 2, clients, seconds, &content, &leaf);
  const Run base = Baseline(url, clients, seconds, content, leaf);
  std::printf("audited view on PostgreSQL, %d clients (content %zu B, audit leaf %zu B)\n", clients,
              content, leaf);
  std::printf("  custos, 1 node     %8.0f views/s  p50 %6.2f ms  p99 %6.2f ms\n    (%s)\n",
              one.per_second, one.p50_ms, one.p99_ms, one.commits.c_str());
  std::printf("  custos, 2 nodes    %8.0f views/s  p50 %6.2f ms  p99 %6.2f ms\n    (%s)\n",
              two.per_second, two.p50_ms, two.p99_ms, two.commits.c_str());
  std::printf("  plain libpq        %8.0f views/s  p50 %6.2f ms  p99 %6.2f ms\n", base.per_second,
              base.p50_ms, base.p99_ms);
  std::printf("  ratio (2 nodes / plain libpq) %.2f (target >= 0.5)\n",
              two.per_second / base.per_second);
  return 0;
}
