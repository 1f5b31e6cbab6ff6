// The audit log as a tiled transparency log (c2sp.org/tlog-tiles): the
// tree's hashes in tiles of 256 and the events in bundles of 256, read from
// the stored tiles (vault/audit/tree_tiles.h) and leaves
// (tables::kAuditLeaves).
// The hashes are RFC 6962's, as in checkpoints and proofs, so any tlog
// client can check the log from these files and a checkpoint alone.
// `custos serve` publishes them under /tlog/ (web/tlog_api.cc).
#ifndef CUSTOS_VAULT_AUDIT_TLOG_TILES_H_
#define CUSTOS_VAULT_AUDIT_TLOG_TILES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vault/store/vault.h"

namespace custos::vault::tlog {

inline constexpr int kTileWidth = 256;

// A tile or entry bundle, as named by its path.
struct TilePath {
  bool entries = false;    // tile/entries/<N>: events; else tile/<L>/<N>: hashes
  int level = 0;           // L (0 for entries)
  uint64_t index = 0;      // N
  int width = kTileWidth;  // W of a partial tile (.p/<W>), 1..255; 256 when full
};

// Parses "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]" in the
// specification's one spelling: L 0..63 and W 1..255 in decimal without
// leading zeros, N in groups of three digits, all but the last led by
// "x", and no group of leading zeros. kInvalidArgument otherwise.
Result<TilePath> ParseTilePath(std::string_view path);
// The path of `tile` in that spelling.
std::string FormatTilePath(const TilePath& tile);

// The bytes of `tile` in a log of `log_size` events: a hash tile is its
// width's 32-byte hashes, level L holding the roots of the subtrees of
// 256^L events; an entry bundle is its events' leaves, each led by its
// length (big-endian, 16 bits). kNotFound when the log does not hold the
// tile yet; a partial tile is served as long as the log holds its width
// (also once the full tile exists).
Result<std::string> ReadTile(const ReadTxn& txn, const TilePath& tile, uint64_t log_size);

}  // namespace custos::vault::tlog

#endif  // CUSTOS_VAULT_AUDIT_TLOG_TILES_H_
