#include "tests/vault/test_util.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdlib.h>
#include <thread>

#include <gtest/gtest.h>

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

std::unique_ptr<Vault> CreateTestVault(const std::string& dir, std::string_view passphrase,
                                       const OpenOptions& open) {
  CreateOptions opts;
  opts.kdf = Argon2Params::ForTests();
  opts.log_name = "custos.test/vault";
  auto v = Vault::Create(dir, SecretBytes::CopyOf(passphrase), opts, open);
  if (!v.ok()) Die("CreateTestVault: " + v.status().ToString());
  return std::move(v).value();
}

std::unique_ptr<Vault> OpenTestVault(const std::string& dir, std::string_view passphrase) {
  auto v = Vault::Open(dir, SecretBytes::CopyOf(passphrase));
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

}  // namespace custos::vault::testing
