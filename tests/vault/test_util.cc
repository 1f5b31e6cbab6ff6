#include "tests/vault/test_util.h"

#include <filesystem>
#include <stdlib.h>

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

}  // namespace custos::vault::testing
