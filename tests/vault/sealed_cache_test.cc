// The caches of opened values belong to their vault (Vault::CacheFor,
// SealedCacheOf): one per tag and vault, never shared with another vault,
// and gone when the vault closes — opened values must not outlive it.
#include "vault/store/sealed_cache.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/vault/test_util.h"
#include "vault/store/tables.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::TempDir;

// Counts the live caches of this kind.
struct ProbeCache : Vault::Cache {
  explicit ProbeCache(int* live) : live_(live) { ++*live_; }
  ~ProbeCache() override { --*live_; }
  int* live_;
};

TEST(SealedCacheTest, EachVaultOwnsItsCachesAndDropsThemWhenItCloses) {
  static constexpr char kTag = 0;
  TempDir dir_a, dir_b;
  int live = 0, made = 0;
  auto make = [&] {
    ++made;
    return std::make_unique<ProbeCache>(&live);
  };
  auto a = CreateTestVault(dir_a.path());
  auto b = CreateTestVault(dir_b.path());
  Vault::Cache& first = a->CacheFor(&kTag, make);
  EXPECT_EQ(&first, &a->CacheFor(&kTag, make)) << "one cache per tag and vault";
  Vault::Cache& other = b->CacheFor(&kTag, make);
  EXPECT_NE(&first, &other) << "another vault never shares it";
  EXPECT_EQ(made, 2);
  EXPECT_EQ(live, 2);
  a.reset();
  EXPECT_EQ(live, 1) << "closing a vault drops its caches";
  b.reset();
  EXPECT_EQ(live, 0);
}

TEST(SealedCacheTest, AValueRewrittenIsOpenedAgainNotServedStale) {
  static constexpr char kTag = 0;
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  const Table table = tables::kIndex;
  ASSERT_TRUE(v->Write([&](WriteTxn& w) { return w.Put(table, "k", "one"); }).ok());
  int loads = 0;
  auto read = [&]() -> std::string {
    auto r = v->BeginRead();
    EXPECT_TRUE(r.ok());
    auto got = SealedCacheOf<std::string>(*v, &kTag).Get(**r, table, "k", [&]() {
      ++loads;
      return (*r)->Get(table, "k");
    });
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : "";
  };
  EXPECT_EQ(read(), "one");
  EXPECT_EQ(read(), "one");
  EXPECT_EQ(loads, 1) << "the second read is served from the cache";
  ASSERT_TRUE(v->Write([&](WriteTxn& w) { return w.Put(table, "k", "two"); }).ok());
  EXPECT_EQ(read(), "two");
  EXPECT_EQ(loads, 2);
}

}  // namespace
}  // namespace custos::vault
