// Fuzzes the tile paths of the audit log as a tiled log serves it
// (vault/audit/tlog_tiles.h, GET /tlog/tile/… with any path an outsider
// sends). Checks:
//   - a path that parses is in the specification's one spelling: written
//     back, it is the input, byte for byte (so two spellings never name one
//     tile, and what a cache keys on is what the log serves);
//   - what parses is in range: level 0..63, width 1..256;
//   - any input is refused with kInvalidArgument or parsed, never a crash.
// Seeds: CUSTOS_FUZZ_WRITE_SEEDS=tests/fuzz/corpus/tlog_tile_path
// build-fuzz/tests/fuzz/tlog_tile_path_fuzz (see seeds.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/promise.h"
#include "tests/fuzz/seeds.h"
#include "vault/audit/tlog_tiles.h"

namespace {

using namespace custos;
using custos::fuzz::Require;

void WriteSeeds() {
  using fuzz::WriteSeed;
  WriteSeed("level0-first", "tile/0/000");
  WriteSeed("level0-partial", "tile/0/x001/234.p/17");
  WriteSeed("level63-largest", "tile/63/x018/x446/x744/x073/x709/x551/615");
  WriteSeed("entries-partial", "tile/entries/x999/999.p/255");
  WriteSeed("broken-leading-zeros", "tile/0/x000/001");
  WriteSeed("broken-width", "tile/0/000.p/0");
  WriteSeed("broken-overflow", "tile/0/x018/x446/x744/x073/x709/x551/616");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (fuzz::SeedDir() != nullptr) {
    WriteSeeds();
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto tile = vault::tlog::ParseTilePath(input);
  if (!tile.ok()) {
    Require(tile.status().code() == StatusCode::kInvalidArgument,
            "a bad tile path is an invalid argument");
    return 0;
  }
  Require(tile->level >= 0 && tile->level <= 63, "the level is 0..63");
  Require(tile->width >= 1 && tile->width <= vault::tlog::kTileWidth, "the width is 1..256");
  Require(!tile->entries || tile->level == 0, "an entry bundle has no level");
  Require(vault::tlog::FormatTilePath(*tile) == input,
          "a tile path that parses is the one spelling of its tile");
  return 0;
}
