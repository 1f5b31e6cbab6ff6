#include "vault/audit/tlog_tiles.h"

#include <vector>

#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/tree_tiles.h"
#include "vault/store/tables.h"

namespace custos::vault::tlog {

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// A decimal number in [lo, hi] without leading zeros.
bool SmallNumber(std::string_view s, int lo, int hi, int* out) {
  auto v = ParseDecimal(s);
  if (!v.ok() || *v < static_cast<uint64_t>(lo) || *v > static_cast<uint64_t>(hi)) return false;
  *out = static_cast<int>(*v);
  return true;
}

Status Bad(std::string_view why) {
  return Status::InvalidArgument("not a tile path (c2sp.org/tlog-tiles): " + std::string(why));
}

}  // namespace

Result<TilePath> ParseTilePath(std::string_view path) {
  std::vector<std::string_view> parts = Split(path);
  if (parts.size() < 3 || parts[0] != "tile") return Bad("expected tile/<L>/<N>");
  TilePath t;
  if (parts[1] == "entries") {
    t.entries = true;
  } else if (!SmallNumber(parts[1], 0, 63, &t.level)) {
    return Bad("the level is 0 to 63, without leading zeros");
  }
  // A partial tile: the last group ends in ".p", then the width.
  size_t end = parts.size();
  if (parts.size() >= 4 && parts[parts.size() - 2].ends_with(".p")) {
    if (!SmallNumber(parts.back(), 1, kTileWidth - 1, &t.width))
      return Bad("the width is 1 to 255, without leading zeros");
    parts[parts.size() - 2].remove_suffix(2);
    end = parts.size() - 1;
  }
  // The index: groups of three digits, all but the last led by "x".
  std::string digits;
  for (size_t i = 2; i < end; ++i) {
    std::string_view g = parts[i];
    const bool last = i + 1 == end;
    if (!last) {
      if (!g.starts_with("x")) return Bad("every group of the index but the last starts with x");
      g.remove_prefix(1);
    }
    if (g.size() != 3 || !AllDigits(g)) return Bad("the index is written in groups of 3 digits");
    if (i == 2 && !last && g == "000") return Bad("the index has a group of leading zeros");
    digits += g;
  }
  const size_t first = digits.find_first_not_of('0');
  auto index =
      ParseDecimal(first == std::string::npos ? "0" : std::string_view(digits).substr(first));
  if (!index.ok()) return Bad("the index is too large");
  t.index = *index;
  return t;
}

std::string FormatTilePath(const TilePath& tile) {
  std::string out = "tile/";
  out += tile.entries ? "entries" : std::to_string(tile.level);
  std::vector<std::string> groups;
  uint64_t n = tile.index;
  do {
    std::string g = std::to_string(n % 1000);
    groups.push_back(std::string(3 - g.size(), '0') + g);
    n /= 1000;
  } while (n > 0);
  for (size_t i = groups.size(); i-- > 0;) {
    out += i > 0 ? "/x" : "/";
    out += groups[i];
  }
  if (tile.width < kTileWidth) out += ".p/" + std::to_string(tile.width);
  return out;
}

Result<std::string> ReadTile(const ReadTxn& txn, const TilePath& tile, uint64_t log_size) {
  if (tile.width < 1 || tile.width > kTileWidth) return Status::InvalidArgument("bad tile width");
  // How many entries (or hashes of this level) the log holds, and whether
  // the tile's fit.
  const int shift = tile.entries ? 0 : 8 * tile.level;
  const uint64_t held = shift >= 64 ? 0 : log_size >> shift;
  if (tile.index > (held / kTileWidth) ||
      tile.index * kTileWidth + static_cast<uint64_t>(tile.width) > held) {
    return Status::NotFound("the log does not hold this tile yet");
  }
  const uint64_t first = tile.index * kTileWidth;
  std::string out;
  if (!tile.entries) {
    tiles::TreeReader tree(txn, log_size);
    return tree.Tile(tile.level, tile.index, tile.width);
  }
  uint64_t next = first;
  Status scanned = txn.ScanFrom(
      tables::kAuditLeaves, EncodeU64(first),
      [&](std::string_view key, std::string_view leaf) -> Result<bool> {
        if (DecodeU64(key) != next) return Status::DataLoss("an event of the log is missing");
        if (leaf.size() > 0xFFFF) {
          return Status::FailedPrecondition(
              "an event of this bundle is larger than a tile bundle can hold (64 KiB)");
        }
        out.push_back(static_cast<char>(leaf.size() >> 8));
        out.push_back(static_cast<char>(leaf.size() & 0xFF));
        out.append(leaf);
        ++next;
        return next < first + static_cast<uint64_t>(tile.width);
      });
  CUSTOS_RETURN_IF_ERROR(scanned);
  if (next != first + static_cast<uint64_t>(tile.width))
    return Status::DataLoss("an event of the log is missing");
  return out;
}

}  // namespace custos::vault::tlog
