#include "vault/audit/merkle.h"

#include <bit>
#include <utility>

#include "vault/store/crypto.h"

namespace custos::vault::merkle {

std::string LeafHash(std::string_view leaf) {
  Sha256Hasher h;
  h.Update(std::string_view("\x00", 1));
  h.Update(leaf);
  return h.Finish();
}

std::string NodeHash(std::string_view left, std::string_view right) {
  Sha256Hasher h;
  h.Update(std::string_view("\x01", 1));
  h.Update(left);
  h.Update(right);
  return h.Finish();
}

std::string EmptyRoot() { return Sha256(""); }

uint64_t SplitPoint(uint64_t n) {
  if (n < 2) Die("merkle::SplitPoint needs n >= 2");
  return std::bit_floor(n - 1);
}

namespace {

bool IsAlignedPerfect(uint64_t begin, uint64_t end, int* level) {
  uint64_t n = end - begin;
  if (!std::has_single_bit(n)) return false;
  int l = std::countr_zero(n);
  if ((begin & (n - 1)) != 0) return false;
  *level = l;
  return true;
}

// PATH(m, D[begin:end]) of RFC 6962 §2.1.1, appended to `out`.
Status Path(const NodeReader& nodes, uint64_t m, uint64_t begin, uint64_t end,
            std::vector<std::string>* out) {
  uint64_t n = end - begin;
  if (n <= 1) return Status::Ok();
  uint64_t k = SplitPoint(n);
  if (m < k) {
    CUSTOS_RETURN_IF_ERROR(Path(nodes, m, begin, begin + k, out));
    CUSTOS_ASSIGN_OR_RETURN(std::string sibling, SubtreeHash(nodes, begin + k, end));
    out->push_back(std::move(sibling));
  } else {
    CUSTOS_RETURN_IF_ERROR(Path(nodes, m - k, begin + k, end, out));
    CUSTOS_ASSIGN_OR_RETURN(std::string sibling, SubtreeHash(nodes, begin, begin + k));
    out->push_back(std::move(sibling));
  }
  return Status::Ok();
}

// SUBPROOF(m, D[begin:end], b) of RFC 6962 §2.1.2, appended to `out`.
Status SubProof(const NodeReader& nodes, uint64_t m, uint64_t begin, uint64_t end, bool b,
                std::vector<std::string>* out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (!b) {
      CUSTOS_ASSIGN_OR_RETURN(std::string h, SubtreeHash(nodes, begin, end));
      out->push_back(std::move(h));
    }
    return Status::Ok();
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    CUSTOS_RETURN_IF_ERROR(SubProof(nodes, m, begin, begin + k, b, out));
    CUSTOS_ASSIGN_OR_RETURN(std::string h, SubtreeHash(nodes, begin + k, end));
    out->push_back(std::move(h));
  } else {
    CUSTOS_RETURN_IF_ERROR(SubProof(nodes, m - k, begin + k, end, false, out));
    CUSTOS_ASSIGN_OR_RETURN(std::string h, SubtreeHash(nodes, begin, begin + k));
    out->push_back(std::move(h));
  }
  return Status::Ok();
}

Status CheckHashes(const std::vector<std::string>& proof) {
  for (const std::string& h : proof) {
    if (h.size() != kHashSize) return Status::InvalidArgument("proof hash of the wrong size");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> SubtreeHash(const NodeReader& nodes, uint64_t begin, uint64_t end) {
  if (begin > end) return Status::InvalidArgument("subtree range is reversed");
  if (begin == end) return EmptyRoot();
  int level = 0;
  if (IsAlignedPerfect(begin, end, &level)) {
    CUSTOS_ASSIGN_OR_RETURN(std::string h, nodes(level, begin >> level));
    if (h.size() != kHashSize) return Status::DataLoss("stored tree node has the wrong size");
    return h;
  }
  uint64_t k = SplitPoint(end - begin);
  CUSTOS_ASSIGN_OR_RETURN(std::string left, SubtreeHash(nodes, begin, begin + k));
  CUSTOS_ASSIGN_OR_RETURN(std::string right, SubtreeHash(nodes, begin + k, end));
  return NodeHash(left, right);
}

Result<std::string> RootAt(const NodeReader& nodes, uint64_t size) {
  return SubtreeHash(nodes, 0, size);
}

Result<std::vector<std::string>> InclusionProof(const NodeReader& nodes, uint64_t index,
                                                uint64_t size) {
  if (index >= size) return Status::InvalidArgument("leaf index is not below the tree size");
  std::vector<std::string> out;
  CUSTOS_RETURN_IF_ERROR(Path(nodes, index, 0, size, &out));
  return out;
}

Result<std::vector<std::string>> ConsistencyProof(const NodeReader& nodes, uint64_t old_size,
                                                  uint64_t new_size) {
  if (old_size > new_size) return Status::InvalidArgument("old tree size exceeds new tree size");
  std::vector<std::string> out;
  if (old_size == 0 || old_size == new_size) return out;
  CUSTOS_RETURN_IF_ERROR(SubProof(nodes, old_size, 0, new_size, true, &out));
  return out;
}

Result<std::string> RootFromInclusionProof(uint64_t index, uint64_t size,
                                           std::string_view leaf_hash,
                                           const std::vector<std::string>& proof) {
  if (index >= size) return Status::InvalidArgument("leaf index is not below the tree size");
  if (leaf_hash.size() != kHashSize) return Status::InvalidArgument("leaf hash of the wrong size");
  CUSTOS_RETURN_IF_ERROR(CheckHashes(proof));
  uint64_t fn = index;
  uint64_t sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return Status::InvalidArgument("inclusion proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::InvalidArgument("inclusion proof is too short");
  return r;
}

Status VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root) {
  CUSTOS_ASSIGN_OR_RETURN(std::string got, RootFromInclusionProof(index, size, leaf_hash, proof));
  if (got != root) return Status::DataLoss("inclusion proof does not lead to the root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, std::string_view old_root,
                         std::string_view new_root, const std::vector<std::string>& proof) {
  if (old_size > new_size) return Status::InvalidArgument("old tree size exceeds new tree size");
  CUSTOS_RETURN_IF_ERROR(CheckHashes(proof));
  if (old_size == new_size) {
    if (!proof.empty()) return Status::InvalidArgument("consistency proof should be empty");
    if (old_root != new_root) return Status::DataLoss("roots of equal-size trees differ");
    return Status::Ok();
  }
  if (old_size == 0) {
    // Every tree extends the empty tree, whose root is fixed: a "size 0"
    // checkpoint with any other root is not of an empty log.
    if (!proof.empty()) return Status::InvalidArgument("consistency proof should be empty");
    if (old_root != EmptyRoot()) return Status::DataLoss("the root of an empty tree is wrong");
    return Status::Ok();
  }
  if (proof.empty()) return Status::InvalidArgument("consistency proof is empty");
  std::vector<std::string> c;
  if (std::has_single_bit(old_size)) c.emplace_back(old_root);
  c.insert(c.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = c[0];
  std::string sr = c[0];
  for (size_t i = 1; i < c.size(); ++i) {
    if (sn == 0) return Status::InvalidArgument("consistency proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c[i], fr);
      sr = NodeHash(c[i], sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::InvalidArgument("consistency proof is too short");
  if (fr != old_root || sr != new_root) {
    return Status::DataLoss("the trees are not consistent under the proof");
  }
  return Status::Ok();
}

void MemoryTree::AppendLeafHash(std::string leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  uint64_t index = levels_[0].size();
  levels_[0].push_back(std::move(leaf_hash));
  size_t level = 0;
  while ((index & 1) == 1) {
    const std::string& left = levels_[level][index - 1];
    const std::string& right = levels_[level][index];
    std::string parent = NodeHash(left, right);
    ++level;
    index >>= 1;
    if (levels_.size() <= level) levels_.emplace_back();
    levels_[level].push_back(std::move(parent));
  }
}

NodeReader MemoryTree::Reader() const {
  return [this](int level, uint64_t index) -> Result<std::string> {
    if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
        index >= levels_[level].size()) {
      return Status::NotFound("no such tree node");
    }
    return levels_[level][index];
  };
}

std::vector<std::pair<int, uint64_t>> CompactRange::PeakNodes(uint64_t size) {
  std::vector<std::pair<int, uint64_t>> out;
  for (int level = 63; level >= 0; --level) {
    // The subtree of 2^level leaves that ends where the higher peaks end.
    if (((size >> level) & 1) != 0) out.emplace_back(level, (size >> level) - 1);
  }
  return out;
}

Result<CompactRange> CompactRange::Load(const NodeReader& nodes, uint64_t size) {
  CompactRange range;
  range.peaks_.reserve(static_cast<size_t>(std::popcount(size)) + 1);
  for (const auto& [level, index] : PeakNodes(size)) {
    CUSTOS_ASSIGN_OR_RETURN(std::string h, nodes(level, index));
    if (h.size() != kHashSize) return Status::DataLoss("stored tree node has the wrong size");
    range.peaks_.push_back(std::move(h));
  }
  range.size_ = size;
  return range;
}

Status CompactRange::Append(
    std::string leaf_hash,
    const std::function<Status(int, uint64_t, const std::string&)>& on_node) {
  uint64_t index = size_;
  int level = 0;
  if (on_node) CUSTOS_RETURN_IF_ERROR(on_node(0, index, leaf_hash));
  peaks_.push_back(std::move(leaf_hash));
  while ((index & 1) == 1) {
    std::string right = std::move(peaks_.back());
    peaks_.pop_back();
    std::string parent = NodeHash(peaks_.back(), right);
    peaks_.pop_back();
    ++level;
    index >>= 1;
    if (on_node) CUSTOS_RETURN_IF_ERROR(on_node(level, index, parent));
    peaks_.push_back(std::move(parent));
  }
  ++size_;
  return Status::Ok();
}

std::string CompactRange::Root() const {
  if (peaks_.empty()) return EmptyRoot();
  std::string r = peaks_.back();
  for (size_t i = peaks_.size() - 1; i-- > 0;) r = NodeHash(peaks_[i], r);
  return r;
}

}  // namespace custos::vault::merkle
