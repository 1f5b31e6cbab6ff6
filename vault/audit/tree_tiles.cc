#include "vault/audit/tree_tiles.h"

#include <functional>
#include <utility>

#include "base/encoding.h"
#include "vault/store/tables.h"

namespace custos::vault::tiles {

namespace {

constexpr size_t kHash = merkle::kHashSize;
constexpr std::string_view kTreeFormatKey = "tree";
constexpr std::string_view kTreeFormatTiles = "tiles/1";
constexpr size_t kMaxCachedTiles = 64;

std::string Where(int level, uint64_t index) {
  return "(" + std::to_string(level) + ", " + std::to_string(index) + ")";
}

}  // namespace

std::string TileKey(int level, uint64_t index) {
  std::string k(1, static_cast<char>(level));
  k += EncodeU64(index);
  return k;
}

std::string LegacyNodeKey(int level, uint64_t index) { return TileKey(level, index); }

Result<uint64_t> LogSize(const ReadTxn& txn) {
  auto last = txn.LastKeyWithPrefix(tables::kAuditLeaves, "");
  if (!last.ok()) {
    if (last.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return last.status();
  }
  if (last->size() != 8) return Status::DataLoss("audit leaf key has the wrong size");
  return DecodeU64(*last) + 1;
}

Span SpanAt(uint64_t size, int level) {
  const int shift = 8 * level;
  if (shift >= 64) return {};
  const uint64_t hashes = size >> shift;
  return Span{hashes / kWidth, static_cast<int>(hashes % kWidth)};
}

uint64_t StoredTiles(uint64_t size, int level) {
  const Span span = SpanAt(size, level);
  return span.full + (level > 0 && span.partial > 0 ? 1 : 0);
}

Result<bool> TreeInNodes(const ReadTxn& txn) {
  auto marker = txn.Get(tables::kAuditState, kTreeFormatKey);
  if (marker.ok()) {
    if (*marker != kTreeFormatTiles)
      return Status::DataLoss("the audit tree is stored in an unknown format");
    return false;
  }
  if (marker.status().code() != StatusCode::kNotFound) return marker.status();
  return true;
}

// ---- reading ---------------------------------------------------------------------

TreeReader::TreeReader(const ReadTxn& txn, uint64_t size, const Edge* edge)
    : txn_(&txn), size_(size) {
  if (edge == nullptr || edge->range.size() != size) return;
  legacy_ = 0;  // an appender's tree is in tiles
  for (int level = 0; level < kLevels; ++level) {
    const Span span = SpanAt(size, level);
    if (span.partial == 0) continue;
    Cached c;
    c.levels.push_back(edge->partial[level]);
    cache_.emplace(std::make_pair(level, span.full), std::move(c));
  }
}

Result<bool> TreeReader::Legacy() {
  if (legacy_ < 0) {
    CUSTOS_ASSIGN_OR_RETURN(const bool in_nodes, TreeInNodes(*txn_));
    legacy_ = in_nodes ? 1 : 0;
  }
  return legacy_ == 1;
}

Result<std::string> TreeReader::ReadEntries(int level, uint64_t index, int width) {
  CUSTOS_ASSIGN_OR_RETURN(const bool legacy, Legacy());
  const uint64_t first = index * kWidth;
  std::string out;
  out.reserve(static_cast<size_t>(width) * kHash);
  if (legacy) {
    for (int i = 0; i < width; ++i) {
      auto h = txn_->Get(tables::kAuditNodes, LegacyNodeKey(8 * level, first + i));
      if (!h.ok()) {
        if (h.status().code() != StatusCode::kNotFound) return h.status();
        return Status::DataLoss("audit tree node " + Where(8 * level, first + i) + " is missing");
      }
      if (h->size() != kHash) return Status::DataLoss("stored tree node has the wrong size");
      out += *h;
    }
    return out;
  }
  const Span span = SpanAt(size_, level);
  if (level == 0 && index == span.full) {
    // Level 0's partial tile is not stored: its leaves are.
    uint64_t next = first;
    Status scanned = txn_->ScanFrom(
        tables::kAuditLeaves, EncodeU64(first),
        [&](std::string_view key, std::string_view leaf) -> Result<bool> {
          if (key.size() != 8 || DecodeU64(key) != next) {
            return Status::DataLoss("seq " + std::to_string(next) + ": event is missing");
          }
          out += merkle::LeafHash(leaf);
          ++next;
          return next < first + static_cast<uint64_t>(width);
        });
    CUSTOS_RETURN_IF_ERROR(scanned);
    if (next != first + static_cast<uint64_t>(width))
      return Status::DataLoss("seq " + std::to_string(next) + ": event is missing");
    return out;
  }
  auto stored = txn_->Get(tables::kAuditTiles, TileKey(level, index));
  if (!stored.ok()) {
    if (stored.status().code() != StatusCode::kNotFound) return stored.status();
    return Status::DataLoss("audit tree tile " + Where(level, index) + " is missing");
  }
  if (stored->size() != static_cast<size_t>(width) * kHash) {
    return Status::DataLoss("audit tree tile " + Where(level, index) + " holds " +
                            std::to_string(stored->size() / kHash) + " hashes, the log's " +
                            std::to_string(size_) + " events need " + std::to_string(width));
  }
  return std::move(stored).value();
}

Result<TreeReader::Cached*> TreeReader::Load(int level, uint64_t index) {
  const auto key = std::make_pair(level, index);
  if (auto it = cache_.find(key); it != cache_.end()) return &it->second;
  const Span span = SpanAt(size_, level);
  const int width = index < span.full ? kWidth : index == span.full ? span.partial : 0;
  if (width == 0) {
    return Status::NotFound("the log of " + std::to_string(size_) + " events has no tile " +
                            Where(level, index));
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string entries, ReadEntries(level, index, width));
  // A proof needs a few tiles; a walk of the whole log (Verify) would keep
  // them all: start over past a bound.
  if (cache_.size() >= kMaxCachedTiles) cache_.clear();
  Cached c;
  c.levels.push_back(std::move(entries));
  return &cache_.emplace(key, std::move(c)).first->second;
}

Result<std::string> TreeReader::Tile(int level, uint64_t index, int width) {
  if (level < 0 || level >= kLevels || width < 1 || width > kWidth)
    return Status::InvalidArgument("bad tile");
  CUSTOS_ASSIGN_OR_RETURN(Cached * c, Load(level, index));
  if (c->levels[0].size() < static_cast<size_t>(width) * kHash) {
    return Status::NotFound("the log does not hold this tile yet");
  }
  return c->levels[0].substr(0, static_cast<size_t>(width) * kHash);
}

Result<std::string> TreeReader::Node(int level, uint64_t index) {
  const int tile_level = level / 8;
  const int k = level % 8;
  auto missing = [&] {
    return Status::DataLoss("audit tree node " + Where(level, index) + " is missing");
  };
  if (level < 0 || tile_level >= kLevels || (k > 0 && (index >> (64 - k)) != 0)) return missing();
  const uint64_t first = index << k;
  auto loaded = Load(tile_level, first / kWidth);
  if (!loaded.ok()) {
    if (loaded.status().code() == StatusCode::kNotFound) return missing();
    return loaded.status();
  }
  Cached& c = **loaded;
  // Hash up inside the tile as far as asked, once per reader.
  while (static_cast<int>(c.levels.size()) <= k) {
    const std::string& below = c.levels.back();
    std::string up;
    up.reserve(below.size() / 2);
    for (size_t i = 0; i + 2 * kHash <= below.size(); i += 2 * kHash) {
      up += merkle::NodeHash(std::string_view(below).substr(i, kHash),
                             std::string_view(below).substr(i + kHash, kHash));
    }
    c.levels.push_back(std::move(up));
  }
  const size_t at = static_cast<size_t>((first % kWidth) >> k) * kHash;
  if (at + kHash > c.levels[k].size()) return missing();
  return c.levels[k].substr(at, kHash);
}

merkle::NodeReader TreeReader::Reader() {
  return [this](int level, uint64_t index) { return Node(level, index); };
}

// ---- the right edge ---------------------------------------------------------------

Result<Edge> LoadEdge(const ReadTxn& txn, uint64_t size) {
  TreeReader reader(txn, size);
  CUSTOS_ASSIGN_OR_RETURN(const bool legacy, reader.Legacy());
  if (legacy && size > 0) {
    return Status::FailedPrecondition(
        "the audit tree is still stored as nodes: open the vault for writing once to convert it");
  }
  Edge edge;
  for (int level = 0; level < kLevels; ++level) {
    const Span span = SpanAt(size, level);
    if (span.partial == 0) continue;
    CUSTOS_ASSIGN_OR_RETURN(edge.partial[level], reader.Tile(level, span.full, span.partial));
  }
  CUSTOS_ASSIGN_OR_RETURN(edge.range, merkle::CompactRange::Load(reader.Reader(), size));
  return edge;
}

std::vector<std::string> EdgeLeafKeys(uint64_t size) {
  std::vector<std::string> keys;
  const Span span = SpanAt(size, 0);
  for (uint64_t seq = size - static_cast<uint64_t>(span.partial); seq < size; ++seq)
    keys.push_back(EncodeU64(seq));
  return keys;
}

std::vector<std::string> EdgeTileKeys(uint64_t size) {
  std::vector<std::string> keys;
  for (int level = 1; level < kLevels; ++level) {
    const Span span = SpanAt(size, level);
    if (span.partial > 0) keys.push_back(TileKey(level, span.full));
  }
  return keys;
}

namespace {

// Appends to the edge; `store(level, index, tile)` is given each tile to
// write (none when null).
Status AppendToEdge(Edge* edge, std::string leaf_hash,
                    const std::function<Status(int, uint64_t, const std::string&)>& store) {
  return edge->range.Append(
      std::move(leaf_hash), [&](int level, uint64_t index, const std::string& hash) -> Status {
        if (level % 8 != 0) return Status::Ok();
        const int tile_level = level / 8;
        if (tile_level >= kLevels) return Status::Ok();
        std::string& tile = edge->partial[tile_level];
        tile += hash;
        const uint64_t tile_index = index / kWidth;
        if (tile.size() == kWidth * kHash) {
          Status st = store ? store(tile_level, tile_index, tile) : Status::Ok();
          tile.clear();
          return st;
        }
        // Level 0's partial tile is the leaves themselves.
        if (tile_level == 0 || !store) return Status::Ok();
        return store(tile_level, tile_index, tile);
      });
}

}  // namespace

Status Append(WriteTxn& txn, Edge* edge, std::string leaf_hash) {
  return AppendToEdge(edge, std::move(leaf_hash),
                      [&](int level, uint64_t index, const std::string& tile) {
                        return txn.Put(tables::kAuditTiles, TileKey(level, index), tile);
                      });
}

Status Extend(Edge* edge, std::string leaf_hash) {
  return AppendToEdge(edge, std::move(leaf_hash), nullptr);
}

// ---- migration --------------------------------------------------------------------

Result<bool> MigrateToTiles(WriteTxn& txn) {
  CUSTOS_ASSIGN_OR_RETURN(const bool in_nodes, TreeInNodes(txn));
  if (!in_nodes) return false;
  CUSTOS_ASSIGN_OR_RETURN(const uint64_t size, LogSize(txn));
  // Read through the nodes (the reader still sees the vault as legacy:
  // no marker yet) and write the tiles the appender would have written.
  TreeReader nodes(txn, size);
  for (int level = 0; level < kLevels; ++level) {
    const Span span = SpanAt(size, level);
    for (uint64_t n = 0; n < StoredTiles(size, level); ++n) {
      const int width = n < span.full ? kWidth : span.partial;
      CUSTOS_ASSIGN_OR_RETURN(std::string tile, nodes.Tile(level, n, width));
      CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kAuditTiles, TileKey(level, n), tile));
    }
  }
  // Every node goes, a slice of keys at a time.
  while (true) {
    std::vector<std::string> keys;
    CUSTOS_RETURN_IF_ERROR(
        txn.ScanKeys(tables::kAuditNodes, "", [&](std::string_view key) -> Result<bool> {
          keys.emplace_back(key);
          return keys.size() < 65536;
        }));
    if (keys.empty()) break;
    for (const std::string& key : keys)
      CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kAuditNodes, key));
  }
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kAuditState, kTreeFormatKey, kTreeFormatTiles));
  return true;
}

}  // namespace custos::vault::tiles
