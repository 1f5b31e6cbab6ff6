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
// its data and a data descriptor (general purpose bit 3), so sizes and
// CRC-32 need not be known in advance; the descriptor has 64-bit sizes only
// for an entry of 4 GiB or more (as Java's and Go's writers do), and such a
// local header says version 20 and has no ZIP64 field (it is written before
// the sizes are known). A stored entry written with Add is the exception:
// its sizes are known, so its local header carries them (with a ZIP64 field
// at 4 GiB or more) and no descriptor follows, because streaming readers
// (Java's ZipInputStream) cannot find the end of stored data that a
// descriptor follows. A stored entry written with Begin/Write/End has that
// limit; tools that read the central directory (unzip, Python's zipfile)
// read every entry. The central directory and end records close the
// archive; ZIP64 extra fields, end record and locator appear only where a
// size, an offset or the entry count (65 535 or more) needs them, and the
// central directory's "version needed" is 45 exactly there, 20 elsewhere.
// Names are UTF-8 (bit 11). Times are the entries' modification times in
// DOS format, taken as UTC (1980 to 2107; clamped outside). No directory
// entries are written: a name "a/b" implies the directory.
//
// Reader: from the end records and the central directory only (what
// Python's zipfile does), then each entry's local header is checked against
// its central directory entry. Refused (kInvalidArgument naming the entry
// or the archive's part):
//  - encryption (bits 0, 6, 13), other flags than 1, 2, 3 and 11, methods
//    other than 0/8, multi-disk archives;
//  - names that are empty, absolute ("/x", "C:x"), have an empty, "." or
//    ".." segment, contain "\\", NUL or other control characters, are not
//    UTF-8, are not ASCII without bit 11, occur twice, or lie under a name
//    that is a file ("a" and "a/b"); the Info-ZIP Unicode Path field, which
//    would give some tools another name;
//  - a local header whose signature, name, flags, method, CRC-32 or sizes
//    (when not deferred to a descriptor) differ from the central directory;
//    a data descriptor that differs from it;
//  - entries that overlap, and bytes that belong to no entry: the entries
//    must tile the archive from offset 0 to the central directory, which the
//    end records must locate exactly (no prepended data, no trailing bytes
//    after the comment);
//  - more entries, or a larger entry or total size (uncompressed, as the
//    central directory declares it), than the limits allow.
// Directory entries (a name ending in '/', size 0; `zip -r` writes them)
// are accepted and listed; see ZipEntry::is_directory().
// While an entry is read, data that does not inflate, does not match its
// size or its CRC-32 is kDataLoss.
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
  // returned by the call that wrote, and every later call then fails with
  // kFailedPrecondition (the archive is broken). `deflate_level` is zlib's,
  // -1 to 9 (another value is a bug and aborts).
  using Sink = std::function<Status(std::string_view bytes)>;
  explicit ZipWriter(Sink sink, int deflate_level = 6);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Starts an entry. kInvalidArgument for a name the reader would refuse,
  // a directory name (ending in '/'), a name already written, or one that
  // clashes with a directory of another ("a" and "a/b", either order);
  // kFailedPrecondition when an entry is open or the archive is finished.
  Status Begin(std::string_view name, UnixMillis modified, ZipMethod method);
  // Appends to the open entry (kFailedPrecondition when none is open).
  Status Write(std::string_view data);
  // Closes the open entry (data descriptor); kFailedPrecondition when none
  // is open.
  Status End();
  // Begin + Write + End; for kStored, with the sizes in the local header
  // and no descriptor (see the file comment).
  Status Add(std::string_view name, UnixMillis modified, std::string_view data,
             ZipMethod method = ZipMethod::kDeflated);
  // Writes the central directory and end records; kFailedPrecondition
  // while an entry is open. Every later call fails with kFailedPrecondition.
  // A writer destroyed before Finish leaves an incomplete archive that the
  // reader refuses.
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
  UnixMillis modified = 0;  // from the DOS time as UTC; 0 when not a valid one
  uint64_t local_header_offset = 0;

  // A directory entry: its name ends in '/' and it has no data.
  bool is_directory() const { return !name.empty() && name.back() == '/'; }
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
  // Over a file, read with pread (kNotFound when it cannot be opened,
  // kInvalidArgument when it is not a regular file, kUnavailable for I/O
  // errors). The reader keeps the file open until it is destroyed.
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
  // the read and is returned. kNotFound when `entry` is not one of this
  // reader's; its fields are not trusted: the reader uses its own copy.
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
