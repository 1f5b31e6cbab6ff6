// The ZIP container of an evidence bundle: a strict writer and a strict
// reader of the subset of ZIP (APPNOTE 6.3.x) that standard tools read —
// `unzip`, Python's zipfile, Windows Explorer.
//
// Why our own: a bundle is written as a stream into sealed storage that
// cannot seek back (vault/evidence/export), it may hold more than 65 535
// entries or 4 GiB (ZIP64), and the verifier reads bundles that an
// adversary may have crafted; the measurements and the reasons against
// Poco::Zip are in docs/evidence.md. Compression is zlib's (raw deflate).
//
// Writer: entries are STORED or DEFLATED; each local header is followed by
// its data and a ZIP64-capable data descriptor (general purpose bit 3), so
// sizes and CRC-32 need not be known in advance; the central directory and
// end records (ZIP64 ones when needed) close the archive. Names are UTF-8
// (bit 11). Times are the entries' modification times in DOS format (UTC).
//
// Reader: from the end records and the central directory only (what
// Python's zipfile does), then each entry's local header is checked against
// its central directory entry. Refused (kInvalidArgument naming the entry):
// encryption, methods other than 0/8, multi-disk archives, names that are
// empty, absolute, contain "..", "\\", NUL or control characters, or occur
// twice, entries that overlap, a size or CRC-32 that does not match the
// data, more entries or bytes than the limits allow.
//
// Thread-safety: a ZipWriter or ZipReader is used by one thread at a time.
#ifndef CUSTOS_VAULT_EVIDENCE_ZIP_H_
#define CUSTOS_VAULT_EVIDENCE_ZIP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace custos::vault::evidence {

enum class ZipMethod { kStored, kDeflated };

class ZipWriter {
 public:
  // The archive's bytes go to `sink` in order; an error from it is
  // returned by the call that wrote.
  using Sink = std::function<Status(std::string_view bytes)>;
  explicit ZipWriter(Sink sink, int deflate_level = 6);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Starts an entry. kInvalidArgument for a name the reader would refuse
  // or one already written; kFailedPrecondition when an entry is open or
  // the archive is finished.
  Status Begin(std::string_view name, UnixMillis modified, ZipMethod method);
  // Appends to the open entry.
  Status Write(std::string_view data);
  // Closes the open entry (data descriptor).
  Status End();
  // Begin + Write + End.
  Status Add(std::string_view name, UnixMillis modified, std::string_view data,
             ZipMethod method = ZipMethod::kDeflated);
  // Writes the central directory and end records. No call after it.
  Status Finish();

  // Bytes written to the sink so far.
  uint64_t bytes_written() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct ZipLimits {
  uint64_t max_entries = 1'000'000;
  uint64_t max_entry_size = uint64_t{8} << 30;   // uncompressed
  uint64_t max_total_size = uint64_t{64} << 30;  // uncompressed, all entries
};

struct ZipEntry {
  std::string name;
  ZipMethod method = ZipMethod::kStored;
  uint64_t compressed_size = 0;
  uint64_t size = 0;  // uncompressed
  uint32_t crc32 = 0;
  UnixMillis modified = 0;
  uint64_t local_header_offset = 0;
};

class ZipReader {
 public:
  // Random access to the archive's bytes: reads `n` bytes at `offset` into
  // `out` (exactly n, or an error: kOutOfRange-like failures as
  // kInvalidArgument "truncated").
  using ReadAt = std::function<Status(uint64_t offset, size_t n, std::string* out)>;

  // Reads the end records and the central directory of an archive of
  // `size` bytes and checks every entry as the class comment says (data is
  // read and its CRC-32 checked only when an entry is read).
  static Result<std::unique_ptr<ZipReader>> Open(ReadAt read_at, uint64_t size,
                                                 const ZipLimits& limits = {});
  // Over bytes in memory (tests, fuzzing); `bytes` must outlive the reader.
  static Result<std::unique_ptr<ZipReader>> OpenBytes(std::string_view bytes,
                                                      const ZipLimits& limits = {});
  // Over a file (kNotFound when it cannot be opened).
  static Result<std::unique_ptr<ZipReader>> OpenFile(const std::string& path,
                                                     const ZipLimits& limits = {});
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  // In central directory order.
  const std::vector<ZipEntry>& entries() const;
  // nullptr when there is no such entry.
  const ZipEntry* Find(std::string_view name) const;

  // Streams an entry's uncompressed bytes to `fn` in pieces, then checks
  // its size and CRC-32 (kDataLoss naming the entry when they differ; the
  // pieces already given must then be discarded). An error from `fn` stops
  // the read and is returned.
  Status Read(const ZipEntry& entry, const std::function<Status(std::string_view)>& fn) const;
  // The whole entry in memory; kResourceExhausted above `max_bytes`.
  Result<std::string> ReadAll(const ZipEntry& entry, size_t max_bytes = size_t{64} << 20) const;

 private:
  struct State;
  explicit ZipReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_ZIP_H_
