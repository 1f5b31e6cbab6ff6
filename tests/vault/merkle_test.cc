#include "vault/audit/merkle.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "vault/store/crypto.h"

namespace custos::vault::merkle {
namespace {

std::string Unhex(std::string_view h) { return HexDecode(h).value(); }

// The Certificate Transparency / RFC 6962 reference leaves (as used by the
// transparency-dev/merkle and certificate-transparency test suites).
const std::vector<std::string>& Leaves() {
  static const std::vector<std::string> leaves = {Unhex(""),
                                                  Unhex("00"),
                                                  Unhex("10"),
                                                  Unhex("2021"),
                                                  Unhex("3031"),
                                                  Unhex("40414243"),
                                                  Unhex("5051525354555657"),
                                                  Unhex("606162636465666768696a6b6c6d6e6f")};
  return leaves;
}

const char* const kRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

class MerkleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    for (const std::string& l : Leaves()) tree_.AppendLeaf(l);
  }
  std::vector<std::string> Hashes(std::vector<const char*> hex) {
    std::vector<std::string> out;
    for (const char* h : hex) out.push_back(Unhex(h));
    return out;
  }
  MemoryTree tree_;
};

TEST_F(MerkleTest, ReferenceRootsForEverySize) {
  CompactRange range;
  for (uint64_t size = 0; size <= 8; ++size) {
    auto root = RootAt(tree_.Reader(), size);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(HexEncode(*root), kRoots[size]) << "size " << size;
    EXPECT_EQ(HexEncode(range.Root()), kRoots[size]) << "compact range, size " << size;
    if (size < 8) {
      ASSERT_TRUE(range.Append(LeafHash(Leaves()[size])).ok());
    }
  }
}

struct InclusionVector {
  uint64_t index, size;
  std::vector<const char*> proof;
};

TEST_F(MerkleTest, ReferenceInclusionProofs) {
  const std::vector<InclusionVector> vectors = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const auto& v : vectors) {
    auto proof = InclusionProof(tree_.Reader(), v.index, v.size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, Hashes(v.proof)) << v.index << "/" << v.size;
    EXPECT_TRUE(
        VerifyInclusion(v.index, v.size, LeafHash(Leaves()[v.index]), *proof, Unhex(kRoots[v.size]))
            .ok());
  }
}

struct ConsistencyVector {
  uint64_t old_size, new_size;
  std::vector<const char*> proof;
};

TEST_F(MerkleTest, ReferenceConsistencyProofs) {
  const std::vector<ConsistencyVector> vectors = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {6,
       7,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
  };
  for (const auto& v : vectors) {
    auto proof = ConsistencyProof(tree_.Reader(), v.old_size, v.new_size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, Hashes(v.proof)) << v.old_size << "->" << v.new_size;
    EXPECT_TRUE(VerifyConsistency(v.old_size, v.new_size, Unhex(kRoots[v.old_size]),
                                  Unhex(kRoots[v.new_size]), *proof)
                    .ok());
  }
}

TEST_F(MerkleTest, EveryProofOfManyShapesVerifiesAndCorruptionsFail) {
  MemoryTree tree;
  std::vector<std::string> roots = {EmptyRoot()};
  for (int i = 0; i < 40; ++i) {
    tree.AppendLeaf("leaf " + std::to_string(i));
    roots.push_back(RootAt(tree.Reader(), tree.size()).value());
  }
  for (uint64_t n = 1; n <= 40; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = InclusionProof(tree.Reader(), i, n).value();
      std::string lh = LeafHash("leaf " + std::to_string(i));
      ASSERT_TRUE(VerifyInclusion(i, n, lh, proof, roots[n]).ok()) << i << "/" << n;
      EXPECT_FALSE(VerifyInclusion(i, n, LeafHash("other"), proof, roots[n]).ok());
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, lh, proof, roots[n]).ok());
      }
      if (!proof.empty()) {
        auto bad = proof;
        bad[0][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(i, n, lh, bad, roots[n]).ok());
        bad = proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyInclusion(i, n, lh, bad, roots[n]).ok());
      }
    }
    for (uint64_t m = 0; m <= n; ++m) {
      auto proof = ConsistencyProof(tree.Reader(), m, n).value();
      ASSERT_TRUE(VerifyConsistency(m, n, roots[m], roots[n], proof).ok()) << m << "->" << n;
      if (m > 0 && m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n - 1], proof).ok());
        auto bad = proof;
        bad.back()[5] ^= 0x10;
        EXPECT_FALSE(VerifyConsistency(m, n, roots[m], roots[n], bad).ok());
      }
    }
  }
}

TEST_F(MerkleTest, CompactRangeLoadedFromStoredNodesContinuesLikeOneBuiltByAppending) {
  MemoryTree tree;
  CompactRange appended;
  for (uint64_t n = 0; n <= 70; ++n) {
    auto loaded = CompactRange::Load(tree.Reader(), n);
    ASSERT_TRUE(loaded.ok()) << n << ": " << loaded.status().ToString();
    EXPECT_EQ(loaded->size(), n);
    EXPECT_EQ(loaded->Root(), appended.Root()) << n;
    EXPECT_EQ(loaded->Root(), RootAt(tree.Reader(), n).value()) << n;
    // The next append completes the same nodes with the same hashes.
    const std::string leaf_hash = LeafHash("leaf " + std::to_string(n));
    std::vector<std::string> from_loaded, from_appended;
    auto collect = [](std::vector<std::string>* out) {
      return [out](int level, uint64_t index, const std::string& hash) -> Status {
        out->push_back(std::to_string(level) + "/" + std::to_string(index) + "/" + hash);
        return Status::Ok();
      };
    };
    ASSERT_TRUE(loaded->Append(leaf_hash, collect(&from_loaded)).ok());
    ASSERT_TRUE(appended.Append(leaf_hash, collect(&from_appended)).ok());
    EXPECT_EQ(from_loaded, from_appended) << n;
    tree.AppendLeafHash(leaf_hash);
  }
  // A missing node is the store's error; a node of the wrong size is kDataLoss.
  EXPECT_EQ(CompactRange::Load(tree.Reader(), 72).status().code(), StatusCode::kNotFound);
  NodeReader short_nodes = [](int, uint64_t) -> Result<std::string> {
    return std::string(31, 'x');
  };
  EXPECT_EQ(CompactRange::Load(short_nodes, 5).status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(CompactRange::Load(short_nodes, 0).ok());
}

TEST_F(MerkleTest, RejectsMalformedArguments) {
  EXPECT_EQ(InclusionProof(tree_.Reader(), 8, 8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree_.Reader(), 5, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(VerifyInclusion(0, 0, LeafHash(""), {}, EmptyRoot()).ok());
  EXPECT_FALSE(VerifyConsistency(1, 2, Unhex(kRoots[1]), Unhex(kRoots[2]), {}).ok());
  // Every tree extends the empty one, but only the empty tree's own root is
  // the root of size 0.
  EXPECT_TRUE(VerifyConsistency(0, 2, EmptyRoot(), Unhex(kRoots[2]), {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 2, Unhex(kRoots[1]), Unhex(kRoots[2]), {}).ok());
  EXPECT_FALSE(VerifyConsistency(2, 1, Unhex(kRoots[2]), Unhex(kRoots[1]), {}).ok());
}

}  // namespace
}  // namespace custos::vault::merkle
