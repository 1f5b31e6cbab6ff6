// RFC 6962 §2.1 Merkle trees over SHA-256: hashing, proofs and their
// verification.
//
//   leaf hash = SHA-256(0x00 || leaf bytes)
//   node hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256("")
//
// Proof construction works over any store of complete-subtree hashes: a
// NodeReader returns the hash of the perfect subtree at (level, index), which
// covers leaves [index << level, (index + 1) << level). A store that can
// answer every such node (the audit log's tiles, vault/audit/tree_tiles.h)
// answers roots, inclusion and consistency proofs for any tree size with
// O(log n) reads. Verification functions are pure and need only the proof.
//
// Thread-safety: pure functions; MemoryTree is a value (one writer at a time).
#ifndef CUSTOS_VAULT_AUDIT_MERKLE_H_
#define CUSTOS_VAULT_AUDIT_MERKLE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace custos::vault::merkle {

inline constexpr size_t kHashSize = 32;

std::string LeafHash(std::string_view leaf);
std::string NodeHash(std::string_view left, std::string_view right);
// The root of the empty tree, SHA-256 of no bytes.
std::string EmptyRoot();

// Largest power of two strictly less than n; n must be at least 2.
uint64_t SplitPoint(uint64_t n);

// Returns the hash of the complete subtree at (level, index). Errors from the
// store (kDataLoss, kNotFound) are passed through unchanged.
using NodeReader = std::function<Result<std::string>(int level, uint64_t index)>;

// MTH(D[begin:end]). kInvalidArgument when begin > end.
Result<std::string> SubtreeHash(const NodeReader& nodes, uint64_t begin, uint64_t end);
// MTH(D[0:size]).
Result<std::string> RootAt(const NodeReader& nodes, uint64_t size);

// RFC 6962 §2.1.1 PATH(index, D[0:size]): from the leaf's sibling up to the
// root's child. kInvalidArgument unless index < size.
Result<std::vector<std::string>> InclusionProof(const NodeReader& nodes, uint64_t index,
                                                uint64_t size);
// RFC 6962 §2.1.2 PROOF(old_size, D[0:new_size]). Empty when old_size is 0 or
// equal to new_size. kInvalidArgument when old_size > new_size.
Result<std::vector<std::string>> ConsistencyProof(const NodeReader& nodes, uint64_t old_size,
                                                  uint64_t new_size);

// The root an inclusion proof implies (RFC 9162 §2.1.3.2).
// kInvalidArgument when the proof has the wrong shape for (index, size).
Result<std::string> RootFromInclusionProof(uint64_t index, uint64_t size,
                                           std::string_view leaf_hash,
                                           const std::vector<std::string>& proof);
// kDataLoss when the proof does not lead to `root`; kInvalidArgument when it is
// malformed.
Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root);
// RFC 9162 §2.1.4.2. kDataLoss when the two roots are not consistent under
// the proof; kInvalidArgument when the sizes or the proof are malformed.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, std::string_view old_root,
                         std::string_view new_root, const std::vector<std::string>& proof);

// A whole tree in memory: every complete-subtree hash, by level. For tests,
// tools and small logs.
class MemoryTree {
 public:
  // Appends a leaf hash (not the leaf) and computes the parents it completes.
  void AppendLeafHash(std::string leaf_hash);
  void AppendLeaf(std::string_view leaf) { AppendLeafHash(LeafHash(leaf)); }
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // A reader over this tree; valid while the tree lives and is not modified.
  NodeReader Reader() const;

 private:
  std::vector<std::vector<std::string>> levels_;
};

// Incremental root over a stream of leaf hashes, O(log n) memory: the
// "compact range" [0, size). Used by the verifier to walk a whole log, and by
// the audit log to append without reading left siblings back.
class CompactRange {
 public:
  // The compact range [0, size) of a stored tree: the hashes of the complete
  // subtrees it is made of (one per set bit of `size`, at most 64 reads).
  // Errors of `nodes` pass through; kDataLoss for a hash of the wrong size.
  static Result<CompactRange> Load(const NodeReader& nodes, uint64_t size);
  // The nodes Load reads, as (level, index), largest subtree first.
  static std::vector<std::pair<int, uint64_t>> PeakNodes(uint64_t size);
  // Appends a leaf hash. `on_node(level, index, hash)` is called for every
  // complete subtree node the append completes (level 0 is the leaf itself);
  // a non-OK status stops and is returned.
  Status Append(std::string leaf_hash,
                const std::function<Status(int, uint64_t, const std::string&)>& on_node = {});
  uint64_t size() const { return size_; }
  // MTH of everything appended so far.
  std::string Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<std::string> peaks_;  // hashes of the complete subtrees, largest first
};

}  // namespace custos::vault::merkle

#endif  // CUSTOS_VAULT_AUDIT_MERKLE_H_
