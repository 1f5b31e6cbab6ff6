// Seed corpora for fuzz targets whose valid inputs need a key only the
// target holds (signed notes, proofs under a signed checkpoint, sealed
// values): such a target writes its seeds itself when run as
//   CUSTOS_FUZZ_WRITE_SEEDS=tests/fuzz/corpus/<name> build-fuzz/tests/fuzz/<name>_fuzz
// (from LLVMFuzzerInitialize, then it exits), so the seeds can be made
// again whenever the format or the target's key changes.
#ifndef CUSTOS_TESTS_FUZZ_SEEDS_H_
#define CUSTOS_TESTS_FUZZ_SEEDS_H_

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace custos::fuzz {

// The folder to write seeds to, or null for a normal fuzzing run.
inline const char* SeedDir() { return std::getenv("CUSTOS_FUZZ_WRITE_SEEDS"); }

inline void WriteSeed(const std::string& name, std::string_view bytes) {
  const std::string path = std::string(SeedDir()) + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

}  // namespace custos::fuzz

#endif  // CUSTOS_TESTS_FUZZ_SEEDS_H_
