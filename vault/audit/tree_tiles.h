// How the audit log's Merkle tree is stored: in tiles of 256 hashes, laid
// out as c2sp.org/tlog-tiles lays them out, so that an append writes one
// leaf and, once in 256 events, a tile — not a tree node per completed
// subtree.
//
//   tables::kAuditTiles  level L (1 byte) || EncodeU64(N)
//                        → the hashes at tree level 8·L of indexes
//                          [256·N, 256·N + W), 32 bytes each
//
// - A full tile (W = 256) is written once, when its last hash is known.
// - At level 0 (the leaf hashes) the partial tile is never stored: a reader
//   hashes the log's newest (at most 255) leaves instead. An append
//   therefore writes no hash at all until it completes a tile.
// - At levels 1 and up the partial tile is rewritten each time it gains a
//   hash (once in 256^L events).
// Every other node of the RFC 6962 tree is hashed up from at most 128
// entries of one tile; the hashes, checkpoints and proofs are exactly those
// of a tree that stores every node.
//
// kAuditState "tree" = "tiles/1" marks a vault whose tree is in tiles.
// Vaults from before kept every node in tables::kAuditNodes (level (1 byte)
// || EncodeU64(index)); MigrateToTiles converts such a vault when it is
// opened for writing, and until then a TreeReader reads their nodes.
//
// Thread-safety: a TreeReader is used by one thread, with its transaction.
#ifndef CUSTOS_VAULT_AUDIT_TREE_TILES_H_
#define CUSTOS_VAULT_AUDIT_TREE_TILES_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "vault/audit/merkle.h"
#include "vault/store/vault.h"

namespace custos::vault::tiles {

inline constexpr int kWidth = 256;
// Tile levels a 64-bit log size can need (8 bits of the size per level).
inline constexpr int kLevels = 8;

// Key of tile (level, index) in tables::kAuditTiles.
std::string TileKey(int level, uint64_t index);
// Key of a tree node in tables::kAuditNodes (vaults from before tiles).
std::string LegacyNodeKey(int level, uint64_t index);

// The log's size: its last leaf's seq + 1 (0 when empty).
Result<uint64_t> LogSize(const ReadTxn& txn);

// The tiles of tile level `level` in a log of `size` events: how many are
// full, and the width (0..255) of the partial one after them.
struct Span {
  uint64_t full = 0;
  int partial = 0;
};
Span SpanAt(uint64_t size, int level);
// How many tiles of tile level `level` are stored for a log of `size`
// events: the full ones, and at levels 1 and up the partial one too.
uint64_t StoredTiles(uint64_t size, int level);

// Whether the vault keeps its tree as nodes (no "tree" marker: a vault from
// before tiles, or a new one whose log is still empty, where both readings
// agree). kDataLoss for a marker of an unknown format.
Result<bool> TreeInNodes(const ReadTxn& txn);

struct Edge;

// Reads the stored tree of a log of `size` events (the size the
// transaction holds, or less for a proof of an older size — never more).
class TreeReader {
 public:
  TreeReader(const ReadTxn& txn, uint64_t size) : txn_(&txn), size_(size) {}
  // Also starts from `edge`'s partial tiles (an appender's, of this size)
  // instead of reading them.
  TreeReader(const ReadTxn& txn, uint64_t size, const Edge* edge);

  // The hashes [0, width) of tile (level, index): width × 32 bytes.
  // kNotFound when the log does not hold them; kDataLoss when a stored
  // tile is missing or has the wrong size.
  Result<std::string> Tile(int level, uint64_t index, int width);
  // The hash of the complete subtree at tree level `level`, `index`
  // (merkle::NodeReader). kDataLoss when the log does not hold it.
  Result<std::string> Node(int level, uint64_t index);
  // Node() as a merkle::NodeReader; valid while this reader lives.
  merkle::NodeReader Reader();
  // Whether the vault still keeps the tree as nodes (not yet migrated).
  Result<bool> Legacy();

 private:
  // A tile as read: its entries, then each level hashed up inside it
  // (levels[k] holds the complete subtrees of 2^k entries).
  struct Cached {
    std::vector<std::string> levels;
  };
  Result<Cached*> Load(int level, uint64_t index);
  Result<std::string> ReadEntries(int level, uint64_t index, int width);

  const ReadTxn* txn_;
  uint64_t size_;
  int legacy_ = -1;  // unknown until read
  std::map<std::pair<int, uint64_t>, Cached> cache_;
};

// The tree's right edge as an appender keeps it: the compact range, for
// the root, and the partial tile of every level, to write the tiles.
struct Edge {
  merkle::CompactRange range;
  std::array<std::string, kLevels> partial;  // concatenated 32-byte hashes
};
// The edge of the stored tree of `size` events: the partial tiles of levels
// 1 and up as stored, level 0's hashed from the newest leaves.
Result<Edge> LoadEdge(const ReadTxn& txn, uint64_t size);
// The keys LoadEdge reads (the newest leaves and the stored partial tiles),
// for a prefetch on a shared store.
std::vector<std::string> EdgeLeafKeys(uint64_t size);
std::vector<std::string> EdgeTileKeys(uint64_t size);
// Appends `leaf_hash` to the edge and writes each tile it fills, and each
// partial tile of level 1 and up it extends.
Status Append(WriteTxn& txn, Edge* edge, std::string leaf_hash);
// Appends `leaf_hash` to the edge alone, writing nothing: for an edge that
// catches up with events another writer appended (and stored the tiles of).
Status Extend(Edge* edge, std::string leaf_hash);

// Converts a vault whose tree is kept as nodes to tiles in `txn`: writes
// the tiles, deletes the nodes and sets the marker. False when the vault
// already had its tree in tiles. kDataLoss when a node is missing.
Result<bool> MigrateToTiles(WriteTxn& txn);

}  // namespace custos::vault::tiles

#endif  // CUSTOS_VAULT_AUDIT_TREE_TILES_H_
