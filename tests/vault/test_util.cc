#include "tests/vault/test_util.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <stdlib.h>
#include <thread>

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/resource.h>

namespace custos::vault::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/custos-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool TestingOnPostgres() {
  const char* cluster = std::getenv("CUSTOS_TEST_PG_CLUSTER");
  return cluster != nullptr && *cluster != '\0';
}

std::string TestStoreFor(const std::string& dir) {
  if (!TestingOnPostgres()) return dir;
  static std::mutex mu;
  static std::string base;
  std::lock_guard lock(mu);
  if (base.empty()) {
    std::ifstream in(std::string(std::getenv("CUSTOS_TEST_PG_CLUSTER")) + "/url");
    std::getline(in, base);
    if (base.empty()) Die("CUSTOS_TEST_PG_CLUSTER: no url file (is the cluster started?)");
  }
  // One schema per directory: its name from a hash of the directory's path.
  char schema[32];
  std::snprintf(schema, sizeof schema, "t_%016zx", std::hash<std::string>{}(dir));
  PGconn* conn = PQconnectdb(base.c_str());
  if (PQstatus(conn) != CONNECTION_OK) Die(std::string("test cluster: ") + PQerrorMessage(conn));
  PGresult* r = PQexec(
      conn,
      (std::string("SET client_min_messages TO warning; CREATE SCHEMA IF NOT EXISTS ") + schema)
          .c_str());
  const bool made = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(conn);
  if (!made) Die(std::string("test cluster: cannot create schema ") + schema);
  return base + "?options=-csearch_path%3D" + schema;
}

std::string StoredBytes(const std::string& dir) {
  if (!TestingOnPostgres()) {
    std::ifstream in(dir + "/data.mdb", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  PGconn* conn = PQconnectdb(TestStoreFor(dir).c_str());
  if (PQstatus(conn) != CONNECTION_OK) Die(std::string("test cluster: ") + PQerrorMessage(conn));
  PGresult* r = PQexecParams(conn, "SELECT t, k, v FROM custos_kv ORDER BY t, k", 0, nullptr,
                             nullptr, nullptr, nullptr, 1);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) Die("test cluster: cannot read the vault's rows");
  std::string out;
  for (int i = 0; i < PQntuples(r); ++i) {
    for (int c = 0; c < 3; ++c) {
      out += std::to_string(PQgetlength(r, i, c)) + ":";
      out.append(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c)));
    }
  }
  PQclear(r);
  PQfinish(conn);
  return out;
}

void RunSql(const std::string& dir, const std::string& sql) {
  if (!TestingOnPostgres()) Die("RunSql: the tests do not run on PostgreSQL");
  PGconn* conn = PQconnectdb(TestStoreFor(dir).c_str());
  if (PQstatus(conn) != CONNECTION_OK) Die(std::string("test cluster: ") + PQerrorMessage(conn));
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  const std::string error = PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) Die("test cluster: " + error);
}

std::string StoreFilesOf(const std::string& dir) {
  if (!TestingOnPostgres()) return dir;
  return std::string(std::getenv("CUSTOS_TEST_PG_CLUSTER")) + "/data";
}

std::unique_ptr<Vault> CreateTestVault(const std::string& dir, std::string_view passphrase,
                                       const OpenOptions& open) {
  CreateOptions opts;
  opts.kdf = Argon2Params::ForTests();
  opts.log_name = "custos.test/vault";
  auto v = Vault::Create(TestStoreFor(dir), SecretBytes::CopyOf(passphrase), opts, open);
  if (!v.ok()) Die("CreateTestVault: " + v.status().ToString());
  return std::move(v).value();
}

std::unique_ptr<Vault> OpenTestVault(const std::string& dir, std::string_view passphrase) {
  auto v = Vault::Open(TestStoreFor(dir), SecretBytes::CopyOf(passphrase));
  if (!v.ok()) Die("OpenTestVault: " + v.status().ToString());
  return std::move(v).value();
}

std::vector<Status> RunInOneBatch(Vault& vault,
                                  const std::vector<std::function<Status(WriteTxn&)>>& fns) {
  std::vector<Status> results(fns.size());
  std::vector<std::thread> threads;
  const uint64_t commits_before = vault.commit_stats().commits;
  Status hold = vault.Write([&](WriteTxn&) -> Status {
    for (size_t i = 0; i < fns.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = vault.Write(fns[i]); });
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // queued in order
    }
    return Status::Ok();
  });
  EXPECT_TRUE(hold.ok());
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(vault.commit_stats().commits, commits_before + 2) << "not one batch";
  return results;
}

size_t FlipStoredValue(const std::string& path, std::string_view sealed) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t flipped = 0;
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  for (size_t at = bytes.find(sealed); !sealed.empty() && at != std::string::npos;
       at = bytes.find(sealed, at + 1)) {
    const size_t mid = at + sealed.size() / 2;
    f.seekp(static_cast<std::streamoff>(mid));
    f.put(static_cast<char>(bytes[mid] ^ 0x10));
    ++flipped;
  }
  return flipped;
}

Status WriteUntilTheDiskRefuses(Vault& vault, const std::string& dir, Table table,
                                const std::string& prefix) {
  rlimit before{};
  if (::getrlimit(RLIMIT_FSIZE, &before) != 0) return Status::Internal("getrlimit");
  auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);
  rlimit tight = before;
  tight.rlim_cur = std::filesystem::file_size(dir + "/data.mdb");
  if (::setrlimit(RLIMIT_FSIZE, &tight) != 0) return Status::Internal("setrlimit");
  const std::string big(256 * 1024, 'x');
  Status refused = Status::Ok();
  for (int i = 0; i < 64 && refused.ok(); ++i) {
    refused =
        vault.Write([&](WriteTxn& w) { return w.Put(table, prefix + std::to_string(i), big); });
  }
  const bool restored = ::setrlimit(RLIMIT_FSIZE, &before) == 0;
  ::signal(SIGXFSZ, old_handler);
  if (!restored) return Status::Internal("setrlimit (restoring)");
  return refused;
}

}  // namespace custos::vault::testing
