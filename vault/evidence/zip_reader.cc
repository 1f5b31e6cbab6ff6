// Reading ZIP archives (ZipReader): strict parsing of every record against
// the central directory; anything ambiguous or unsupported is refused.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <zlib.h>

#include <sys/stat.h>

#include "base/status.h"
#include "base/time.h"
#include "vault/evidence/internal/zip_format.h"
#include "vault/evidence/zip.h"

namespace custos::vault::evidence {
// ===========================================================================
// ZipReader

struct ZipReader::State {
  ReadAt read_at;
  uint64_t size = 0;
  ZipLimits limits;
  std::vector<ZipEntry> entries;
  // Per entry (same index): general purpose flags, offset of the data.
  std::vector<uint16_t> flags;
  std::vector<uint64_t> data_offsets;
  std::unordered_map<std::string_view, size_t> by_name;  // views into entries

  // The end records, as far as the central directory needs them.
  struct End {
    uint64_t count = 0;
    uint64_t cd_offset = 0;
    uint64_t cd_size = 0;
  };

  // Exactly `n` bytes at `offset`, all inside the archive.
  Status ReadExact(uint64_t offset, size_t n, std::string* out) const {
    uint64_t end;
    if (!AddU64(offset, n, &end) || end > size) return BadArchive("truncated");
    out->clear();
    CUSTOS_RETURN_IF_ERROR(read_at(offset, n, out));
    if (out->size() != n) return Status::Internal("ZIP reader: short read from its source");
    return Status::Ok();
  }

  Result<End> ReadEndRecords() const {
    if (size < kEndSize) return BadArchive("too short to be a ZIP archive");
    const size_t tail_size =
        static_cast<size_t>(std::min<uint64_t>(size, kEndSize + kMaxCommentSize));
    const uint64_t tail_offset = size - tail_size;
    std::string tail;
    CUSTOS_RETURN_IF_ERROR(ReadExact(tail_offset, tail_size, &tail));
    // The last signature whose comment ends exactly at the end of the file;
    // a comment may itself contain the signature, and trailing bytes after
    // the comment are refused.
    size_t pos = tail_size - kEndSize;
    bool found = false;
    while (true) {
      if (Le32At(tail, pos) == kEndSig) {
        const size_t comment = FieldReader(std::string_view(tail).substr(pos + 20, 2)).U16();
        if (pos + kEndSize + comment == tail_size) {
          found = true;
          break;
        }
      }
      if (pos == 0) break;
      --pos;
    }
    if (!found) {
      return BadArchive("no end of central directory record (not a ZIP archive, or truncated)");
    }
    const uint64_t end_offset = tail_offset + pos;
    FieldReader r(std::string_view(tail).substr(pos + 4, kEndSize - 4));
    const uint16_t disk = r.U16();
    const uint16_t cd_disk = r.U16();
    const uint16_t disk_count = r.U16();
    const uint16_t count16 = r.U16();
    const uint32_t cd_size32 = r.U32();
    const uint32_t cd_offset32 = r.U32();

    End end{count16, cd_offset32, cd_size32};
    uint64_t cd_end = end_offset;
    std::string locator;
    const bool has_locator =
        end_offset >= kZip64LocatorSize &&
        ReadExact(end_offset - kZip64LocatorSize, kZip64LocatorSize, &locator).ok() &&
        Le32At(locator, 0) == kZip64LocatorSig;
    if (!has_locator) {
      if (disk != 0 || cd_disk != 0 || disk_count != count16) {
        return BadArchive("spans several disks (multi-disk archives are not supported)");
      }
    } else {
      FieldReader lr(std::string_view(locator).substr(4));
      const uint32_t zip64_disk = lr.U32();
      const uint64_t zip64_offset = lr.U64();
      const uint32_t total_disks = lr.U32();
      if (zip64_disk != 0 || total_disks > 1) {
        return BadArchive("spans several disks (multi-disk archives are not supported)");
      }
      const uint64_t locator_offset = end_offset - kZip64LocatorSize;
      uint64_t record_end;
      if (!AddU64(zip64_offset, kZip64EndSize, &record_end) || record_end > locator_offset) {
        return BadArchive("ZIP64 end record is not before its locator");
      }
      std::string record;
      CUSTOS_RETURN_IF_ERROR(ReadExact(zip64_offset, kZip64EndSize, &record));
      FieldReader zr(record);
      if (zr.U32() != kZip64EndSig) return BadArchive("no ZIP64 end record where its locator says");
      const uint64_t record_size = zr.U64();
      // The record (with any extensible data) must end at the locator.
      if (record_size != locator_offset - zip64_offset - 12) {
        return BadArchive("ZIP64 end record does not end at its locator");
      }
      zr.U16();  // version made by
      zr.U16();  // version needed
      const uint32_t disk64 = zr.U32();
      const uint32_t cd_disk64 = zr.U32();
      const uint64_t disk_count64 = zr.U64();
      end.count = zr.U64();
      end.cd_size = zr.U64();
      end.cd_offset = zr.U64();
      if (disk64 != 0 || cd_disk64 != 0 || disk_count64 != end.count ||
          (disk != 0 && disk != kMax16) || (cd_disk != 0 && cd_disk != kMax16)) {
        return BadArchive("spans several disks (multi-disk archives are not supported)");
      }
      // Each field of the old record holds the marker or the same value.
      if ((count16 != kMax16 && count16 != end.count) ||
          (disk_count != kMax16 && disk_count != end.count) ||
          (cd_size32 != kMax32 && cd_size32 != end.cd_size) ||
          (cd_offset32 != kMax32 && cd_offset32 != end.cd_offset)) {
        return BadArchive("end record and ZIP64 end record disagree");
      }
      cd_end = zip64_offset;
    }
    uint64_t cd_stop;
    if (!AddU64(end.cd_offset, end.cd_size, &cd_stop) || cd_stop != cd_end) {
      return BadArchive("central directory is not where the end record says");
    }
    if (end.count > limits.max_entries) {
      return BadArchive(std::to_string(end.count) + " entries, more than the limit of " +
                        std::to_string(limits.max_entries));
    }
    if (end.count > end.cd_size / kCentralHeaderSize) {
      return BadArchive("central directory is too small for its entry count");
    }
    return end;
  }

  // Reads the central directory sequentially through a bounded buffer, so
  // that a large directory costs no more than its entries.
  class Cursor {
   public:
    Cursor(const State& st, uint64_t begin, uint64_t end) : st_(st), pos_(begin), end_(end) {}
    // The next `n` bytes, valid until the next call; kInvalidArgument when
    // they run past the directory.
    Result<std::string_view> Take(size_t n) {
      if (n > end_ - pos_) return BadArchive("central directory ends inside an entry");
      if (pos_ < buffer_offset_ || pos_ + n > buffer_offset_ + buffer_.size()) {
        const size_t want =
            static_cast<size_t>(std::min<uint64_t>(std::max(n, kChunk), end_ - pos_));
        CUSTOS_RETURN_IF_ERROR(st_.ReadExact(pos_, want, &buffer_));
        buffer_offset_ = pos_;
      }
      const std::string_view out =
          std::string_view(buffer_).substr(static_cast<size_t>(pos_ - buffer_offset_), n);
      pos_ += n;
      return out;
    }
    uint64_t position() const { return pos_; }

   private:
    const State& st_;
    uint64_t pos_;
    uint64_t end_;
    std::string buffer_;
    uint64_t buffer_offset_ = 0;
  };

  Status ReadCentralDirectory(const End& end) {
    Cursor cursor(*this, end.cd_offset, end.cd_offset + end.cd_size);
    entries.reserve(static_cast<size_t>(end.count));
    flags.reserve(static_cast<size_t>(end.count));
    uint64_t total_size = 0;
    for (uint64_t i = 0; i < end.count; ++i) {
      CUSTOS_ASSIGN_OR_RETURN(const std::string_view header, cursor.Take(kCentralHeaderSize));
      FieldReader r(header);
      if (r.U32() != kCentralHeaderSig) {
        return BadArchive("central directory entry " + std::to_string(i + 1) +
                          " has a bad signature");
      }
      r.U16();  // version made by
      r.U16();  // version needed: the flags and method below decide
      const uint16_t entry_flags = r.U16();
      const uint16_t method = r.U16();
      DosDateTime dos;
      dos.time = r.U16();
      dos.date = r.U16();
      ZipEntry e;
      e.crc32 = r.U32();
      e.compressed_size = r.U32();
      e.size = r.U32();
      const uint16_t name_size = r.U16();
      const uint16_t extra_size = r.U16();
      const uint16_t comment_size = r.U16();
      uint32_t disk = r.U16();
      r.U16();  // internal attributes
      r.U32();  // external attributes
      e.local_header_offset = r.U32();
      {
        CUSTOS_ASSIGN_OR_RETURN(const std::string_view name, cursor.Take(name_size));
        e.name = std::string(name);
      }
      CUSTOS_ASSIGN_OR_RETURN(const std::string_view extra_area, cursor.Take(extra_size));
      ExtraFields extra;
      CUSTOS_RETURN_IF_ERROR(ParseExtra(e.name, extra_area, &extra));
      CUSTOS_RETURN_IF_ERROR(
          ApplyZip64(e.name, extra, &e.size, &e.compressed_size, &e.local_header_offset, &disk));
      CUSTOS_RETURN_IF_ERROR(cursor.Take(comment_size).status());

      if (entry_flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagMaskedHeaders)) {
        return BadEntry(e.name, "is encrypted");
      }
      if (entry_flags & ~kAllowedFlags) {
        return BadEntry(e.name, "uses unsupported general purpose flags");
      }
      if (method != kMethodStored && method != kMethodDeflated) {
        return BadEntry(e.name, "uses compression method " + std::to_string(method) +
                                    " (only stored and deflated are supported)");
      }
      // Without bit 11 a name is in IBM code page 437; we take only its
      // ASCII subset, where the two agree.
      if (!(entry_flags & kFlagUtf8) && !IsAscii(e.name)) {
        return BadEntry(e.name, "non-ASCII name without the UTF-8 flag");
      }
      if (const char* problem = NameProblem(e.name, /*allow_directory=*/true)) {
        return BadEntry(e.name, problem);
      }
      if (disk != 0) return BadEntry(e.name, "lies on another disk");
      e.method = method == kMethodDeflated ? ZipMethod::kDeflated : ZipMethod::kStored;
      if (e.method == ZipMethod::kStored && e.compressed_size != e.size) {
        return BadEntry(e.name, "stored, but its compressed size differs from its size");
      }
      if (e.name.back() == '/' && e.size != 0) return BadEntry(e.name, "directory with data");
      if (e.size > limits.max_entry_size) {
        return BadEntry(e.name, "size " + std::to_string(e.size) + " is over the limit of " +
                                    std::to_string(limits.max_entry_size));
      }
      if (!AddU64(total_size, e.size, &total_size) || total_size > limits.max_total_size) {
        return BadArchive("entries are larger in total than the limit of " +
                          std::to_string(limits.max_total_size) + " bytes");
      }
      e.modified = FromDos(dos);
      entries.push_back(std::move(e));
      flags.push_back(entry_flags);
    }
    if (cursor.position() != end.cd_offset + end.cd_size) {
      return BadArchive("central directory has bytes after its last entry");
    }
    return Status::Ok();
  }

  // No name twice, and no file where another name needs a directory ("a"
  // and "a/b", or "a" and "a/"): extracting such an archive would lose a
  // file or fail halfway. Builds by_name.
  Status CheckNames() {
    std::unordered_map<std::string_view, bool> paths;  // path without '/' → is directory
    paths.reserve(entries.size());
    for (const ZipEntry& e : entries) {
      std::string_view path = e.name;
      const bool dir = path.back() == '/';
      if (dir) path.remove_suffix(1);
      if (!paths.emplace(path, dir).second) return BadEntry(e.name, "occurs twice");
    }
    for (const ZipEntry& e : entries) {
      const std::string_view name = e.name;
      for (size_t slash = name.find('/');
           slash != std::string_view::npos && slash + 1 < name.size();
           slash = name.find('/', slash + 1)) {
        const auto it = paths.find(name.substr(0, slash));
        if (it != paths.end() && !it->second) {
          return BadEntry(e.name,
                          "lies under '" + Printable(name.substr(0, slash)) + "', which is a file");
        }
      }
    }
    by_name.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) by_name.emplace(entries[i].name, i);
    return Status::Ok();
  }

  // Walks the entries in the order of their local headers: they must tile
  // the bytes before the central directory exactly — each local header
  // agrees with its central directory entry, and its data (and descriptor)
  // reach exactly to the next header.
  //
  // SECURITY: tools that read local headers (streaming extractors) and tools
  // that read the central directory must see the same names, methods and
  // data; overlapping entries (one data area shared by several names, the
  // "zip bomb" trick) and bytes that belong to no entry are refused.
  Status CheckLocalHeaders(uint64_t cd_offset) {
    for (const ZipEntry& e : entries) {
      if (cd_offset < kLocalHeaderSize || e.local_header_offset > cd_offset - kLocalHeaderSize) {
        return BadEntry(e.name, "local header lies outside the entries' area");
      }
    }
    std::vector<size_t> order(entries.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return entries[a].local_header_offset < entries[b].local_header_offset;
    });
    data_offsets.assign(entries.size(), 0);
    std::string buffer;
    for (size_t k = 0; k < order.size(); ++k) {
      const ZipEntry& e = entries[order[k]];
      const uint16_t entry_flags = flags[order[k]];
      // Later entries start where the one before them ended (checked below).
      if (k == 0 && e.local_header_offset != 0) {
        return BadEntry(e.name,
                        "no entry owns the " + ByteCount(e.local_header_offset) + " before it");
      }
      uint64_t header_end;
      if (!AddU64(e.local_header_offset, kLocalHeaderSize, &header_end) || header_end > cd_offset) {
        return BadEntry(e.name, "local header lies outside the entries' area");
      }
      CUSTOS_RETURN_IF_ERROR(ReadExact(e.local_header_offset, kLocalHeaderSize, &buffer));
      FieldReader r(buffer);
      if (r.U32() != kLocalHeaderSig) return BadEntry(e.name, "no local header at its offset");
      r.U16();  // version needed
      const uint16_t local_flags = r.U16();
      const uint16_t local_method = r.U16();
      r.U16();  // time
      r.U16();  // date
      const uint32_t local_crc = r.U32();
      uint64_t local_csize = r.U32();
      uint64_t local_size = r.U32();
      const uint16_t name_size = r.U16();
      const uint16_t extra_size = r.U16();
      if (local_flags != entry_flags) {
        return BadEntry(e.name, "local header's flags differ from the central directory's");
      }
      const uint16_t method = e.method == ZipMethod::kDeflated ? kMethodDeflated : kMethodStored;
      if (local_method != method) {
        return BadEntry(e.name, "local header's method differs from the central directory's");
      }
      uint64_t data_offset;
      if (!AddU64(header_end, uint64_t{name_size} + extra_size, &data_offset) ||
          data_offset > cd_offset) {
        return BadEntry(e.name, "local header lies outside the entries' area");
      }
      CUSTOS_RETURN_IF_ERROR(ReadExact(header_end, name_size + size_t{extra_size}, &buffer));
      const std::string_view local_name = std::string_view(buffer).substr(0, name_size);
      if (local_name != e.name) {
        return BadEntry(e.name, "local header names '" + Printable(local_name) + "'");
      }
      ExtraFields extra;
      CUSTOS_RETURN_IF_ERROR(
          ParseExtra(e.name, std::string_view(buffer).substr(name_size), &extra));
      CUSTOS_RETURN_IF_ERROR(
          ApplyZip64(e.name, extra, &local_size, &local_csize, nullptr, nullptr));
      // With a descriptor the header's fields may be zero (APPNOTE 4.4.4)
      // or already right; without one they must be right.
      const bool descriptor = (entry_flags & kFlagDescriptor) != 0;
      const auto agrees = [&](uint64_t local, uint64_t central) {
        return local == central || (descriptor && local == 0);
      };
      if (!agrees(local_crc, e.crc32) || !agrees(local_csize, e.compressed_size) ||
          !agrees(local_size, e.size)) {
        return BadEntry(e.name,
                        "local header's CRC-32 or sizes differ from the central directory's");
      }
      uint64_t data_end;
      if (!AddU64(data_offset, e.compressed_size, &data_end) || data_end > cd_offset) {
        return BadEntry(e.name, "data runs past the entries' area");
      }
      const uint64_t next =
          k + 1 < order.size() ? entries[order[k + 1]].local_header_offset : cd_offset;
      if (next < data_end) {
        return BadEntry(k + 1 < order.size() ? entries[order[k + 1]].name : e.name,
                        k + 1 < order.size() ? "overlaps entry '" + Printable(e.name) + "'"
                                             : std::string("data runs into the central directory"));
      }
      const uint64_t gap = next - data_end;
      if (!descriptor) {
        if (gap != 0) {
          return BadEntry(e.name, "no entry owns the " + ByteCount(gap) + " after its data");
        }
      } else {
        if (gap > 24) {
          return BadEntry(e.name, "no entry owns the " + ByteCount(gap) + " after its data");
        }
        CUSTOS_RETURN_IF_ERROR(ReadExact(data_end, static_cast<size_t>(gap), &buffer));
        if (!DescriptorAgrees(buffer, e)) {
          return BadEntry(e.name,
                          "data descriptor is missing or differs from the central directory");
        }
      }
      data_offsets[order[k]] = data_offset;
    }
    if (order.empty() && cd_offset != 0) {
      return BadArchive("no entry owns the " + ByteCount(cd_offset) +
                        " before the central directory");
    }
    return Status::Ok();
  }

  // A data descriptor in any of its four forms (with or without its
  // signature, 32- or 64-bit sizes), told apart by its length.
  static bool DescriptorAgrees(std::string_view d, const ZipEntry& e) {
    FieldReader r(d);
    const bool has_sig = d.size() == 16 || d.size() == 24;
    const bool wide = d.size() == 20 || d.size() == 24;
    if (d.size() != 12 && d.size() != 16 && d.size() != 20 && d.size() != 24) return false;
    if (has_sig && r.U32() != kDescriptorSig) return false;
    const uint32_t crc = r.U32();
    const uint64_t csize = wide ? r.U64() : r.U32();
    const uint64_t size = wide ? r.U64() : r.U32();
    return crc == e.crc32 && csize == e.compressed_size && size == e.size;
  }

  Result<size_t> IndexOf(const ZipEntry& entry) const {
    // std::less: a total order even for pointers into different objects.
    const std::less<const ZipEntry*> before;
    if (!entries.empty() && !before(&entry, entries.data()) &&
        before(&entry, entries.data() + entries.size())) {
      return static_cast<size_t>(&entry - entries.data());
    }
    const auto it = by_name.find(entry.name);
    if (it == by_name.end()) {
      return Status::NotFound("ZIP entry '" + Printable(entry.name) + "' is not in the archive");
    }
    return it->second;
  }

  Status ReadStored(const ZipEntry& e, uint64_t offset,
                    const std::function<Status(std::string_view)>& fn, uint32_t* crc) const {
    std::string buffer;
    for (uint64_t done = 0; done < e.compressed_size;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, e.compressed_size - done));
      CUSTOS_RETURN_IF_ERROR(ReadExact(offset + done, n, &buffer));
      *crc = Crc32(*crc, buffer);
      CUSTOS_RETURN_IF_ERROR(fn(buffer));
      done += n;
    }
    return Status::Ok();
  }

  Status ReadDeflated(const ZipEntry& e, uint64_t offset,
                      const std::function<Status(std::string_view)>& fn, uint32_t* crc,
                      uint64_t* produced) const {
    Inflater inflater;
    CUSTOS_RETURN_IF_ERROR(inflater.Start());
    z_stream* zs = inflater.stream();
    std::string in;
    std::string out(kChunk, '\0');
    uint64_t consumed = 0;  // compressed bytes handed to zlib
    bool ended = false;
    while (!ended) {
      if (zs->avail_in == 0) {
        if (consumed == e.compressed_size) {
          return Status::DataLoss("ZIP entry '" + Printable(e.name) +
                                  "': compressed data ends early");
        }
        const size_t n =
            static_cast<size_t>(std::min<uint64_t>(kChunk, e.compressed_size - consumed));
        CUSTOS_RETURN_IF_ERROR(ReadExact(offset + consumed, n, &in));
        consumed += n;
        zs->next_in = reinterpret_cast<Bytef*>(in.data());
        zs->avail_in = static_cast<uInt>(n);
      }
      zs->next_out = reinterpret_cast<Bytef*>(out.data());
      zs->avail_out = static_cast<uInt>(out.size());
      const int rc = inflate(zs, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        ended = true;
      } else if (rc == Z_MEM_ERROR) {
        return Status::ResourceExhausted("zlib: out of memory");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::DataLoss("ZIP entry '" + Printable(e.name) +
                                "': compressed data is corrupt");
      }
      const size_t n = out.size() - zs->avail_out;
      if (n > e.size - *produced) {
        return Status::DataLoss("ZIP entry '" + Printable(e.name) +
                                "': more data than its size says");
      }
      *produced += n;
      if (n > 0) {
        const std::string_view piece(out.data(), n);
        *crc = Crc32(*crc, piece);
        CUSTOS_RETURN_IF_ERROR(fn(piece));
      }
    }
    if (zs->avail_in != 0 || consumed != e.compressed_size) {
      return Status::DataLoss("ZIP entry '" + Printable(e.name) +
                              "': bytes after the end of its compressed data");
    }
    return Status::Ok();
  }
};

ZipReader::ZipReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
ZipReader::~ZipReader() = default;

Result<std::unique_ptr<ZipReader>> ZipReader::Open(ReadAt read_at, uint64_t size,
                                                   const ZipLimits& limits) {
  auto st = std::make_unique<State>();
  st->read_at = std::move(read_at);
  st->size = size;
  st->limits = limits;
  CUSTOS_ASSIGN_OR_RETURN(const State::End end, st->ReadEndRecords());
  CUSTOS_RETURN_IF_ERROR(st->ReadCentralDirectory(end));
  CUSTOS_RETURN_IF_ERROR(st->CheckNames());
  CUSTOS_RETURN_IF_ERROR(st->CheckLocalHeaders(end.cd_offset));
  return std::unique_ptr<ZipReader>(new ZipReader(std::move(st)));
}

Result<std::unique_ptr<ZipReader>> ZipReader::OpenBytes(std::string_view bytes,
                                                        const ZipLimits& limits) {
  ReadAt read_at = [bytes](uint64_t offset, size_t n, std::string* out) {
    // Open's callers have checked offset + n against the size.
    out->assign(bytes.substr(static_cast<size_t>(offset), n));
    return Status::Ok();
  };
  return Open(std::move(read_at), bytes.size(), limits);
}

Result<std::unique_ptr<ZipReader>> ZipReader::OpenFile(const std::string& path,
                                                       const ZipLimits& limits) {
  const int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) {
    return Status::NotFound("cannot open ZIP archive '" + path + "': " + ErrnoText(errno));
  }
  auto fd = std::make_shared<FileDescriptor>(raw);
  struct stat info;
  if (::fstat(fd->get(), &info) != 0) {
    return Status::Unavailable("cannot stat ZIP archive '" + path + "': " + ErrnoText(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return Status::InvalidArgument("ZIP archive '" + path + "' is not a regular file");
  }
  ReadAt read_at = [fd](uint64_t offset, size_t n, std::string* out) {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      const ssize_t got =
          ::pread(fd->get(), out->data() + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return Status::Unavailable("reading ZIP archive: " + ErrnoText(errno));
      }
      if (got == 0) return BadArchive("truncated (the file became shorter while read)");
      done += static_cast<size_t>(got);
    }
    return Status::Ok();
  };
  return Open(std::move(read_at), static_cast<uint64_t>(info.st_size), limits);
}

const std::vector<ZipEntry>& ZipReader::entries() const { return state_->entries; }

const ZipEntry* ZipReader::Find(std::string_view name) const {
  const auto it = state_->by_name.find(name);
  return it == state_->by_name.end() ? nullptr : &state_->entries[it->second];
}

Status ZipReader::Read(const ZipEntry& entry,
                       const std::function<Status(std::string_view)>& fn) const {
  const State& st = *state_;
  CUSTOS_ASSIGN_OR_RETURN(const size_t index, st.IndexOf(entry));
  // The reader's own copy: a caller's ZipEntry may have been edited.
  const ZipEntry& e = st.entries[index];
  const uint64_t offset = st.data_offsets[index];
  uint32_t crc = Crc32(0, {});
  uint64_t produced = e.compressed_size;
  if (e.method == ZipMethod::kStored) {
    CUSTOS_RETURN_IF_ERROR(st.ReadStored(e, offset, fn, &crc));
  } else {
    produced = 0;
    CUSTOS_RETURN_IF_ERROR(st.ReadDeflated(e, offset, fn, &crc, &produced));
  }
  if (produced != e.size) {
    return Status::DataLoss("ZIP entry '" + Printable(e.name) + "': " + std::to_string(produced) +
                            " bytes, its size says " + std::to_string(e.size));
  }
  if (crc != e.crc32) {
    return Status::DataLoss("ZIP entry '" + Printable(e.name) + "': CRC-32 does not match");
  }
  return Status::Ok();
}

Result<std::string> ZipReader::ReadAll(const ZipEntry& entry, size_t max_bytes) const {
  CUSTOS_ASSIGN_OR_RETURN(const size_t index, state_->IndexOf(entry));
  const ZipEntry& e = state_->entries[index];
  if (e.size > max_bytes) {
    return Status::ResourceExhausted("ZIP entry '" + Printable(e.name) + "' is larger than " +
                                     std::to_string(max_bytes) + " bytes");
  }
  std::string out;
  out.reserve(static_cast<size_t>(e.size));
  CUSTOS_RETURN_IF_ERROR(Read(e, [&out](std::string_view piece) {
    out.append(piece);
    return Status::Ok();
  }));
  return out;
}

}  // namespace custos::vault::evidence
