// The ZIP format's common parts for the writer and the reader (APPNOTE
// 6.3.10): record signatures and sizes, little-endian fields, entry names,
// DOS times, extra fields, deflate and CRC-32, file descriptors. Private to
// vault/evidence/ (zip_writer.cc, zip_reader.cc).
#ifndef CUSTOS_VAULT_EVIDENCE_INTERNAL_ZIP_FORMAT_H_
#define CUSTOS_VAULT_EVIDENCE_INTERNAL_ZIP_FORMAT_H_

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <zlib.h>

#include "base/status.h"
#include "base/time.h"

namespace custos::vault::evidence {

// Record signatures and fixed sizes (APPNOTE 6.3.10, section 4.3).
inline constexpr uint32_t kLocalHeaderSig = 0x04034b50;
inline constexpr uint32_t kCentralHeaderSig = 0x02014b50;
inline constexpr uint32_t kDescriptorSig = 0x08074b50;
inline constexpr uint32_t kEndSig = 0x06054b50;
inline constexpr uint32_t kZip64EndSig = 0x06064b50;
inline constexpr uint32_t kZip64LocatorSig = 0x07064b50;
inline constexpr size_t kLocalHeaderSize = 30;
inline constexpr size_t kCentralHeaderSize = 46;
inline constexpr size_t kEndSize = 22;
inline constexpr size_t kZip64EndSize = 56;  // without the extensible data sector
inline constexpr size_t kZip64LocatorSize = 20;
inline constexpr size_t kMaxCommentSize = 0xFFFF;

inline constexpr uint16_t kFlagEncrypted = 1u << 0;
inline constexpr uint16_t kFlagDescriptor = 1u << 3;
inline constexpr uint16_t kFlagStrongEncryption = 1u << 6;
inline constexpr uint16_t kFlagUtf8 = 1u << 11;
inline constexpr uint16_t kFlagMaskedHeaders = 1u << 13;
// Bits 1 and 2 only describe the deflate level used; every other bit asks
// for a feature we do not implement.
inline constexpr uint16_t kAllowedFlags = (1u << 1) | (1u << 2) | kFlagDescriptor | kFlagUtf8;

inline constexpr uint16_t kMethodStored = 0;
inline constexpr uint16_t kMethodDeflated = 8;
inline constexpr uint16_t kVersionNeeded = 20;       // deflate, data descriptors
inline constexpr uint16_t kVersionNeededZip64 = 45;  // ZIP64
// Upper byte 3: "UNIX", so that tools apply the permission bits in the
// external attributes; lower byte: the APPNOTE version we follow (4.5).
inline constexpr uint16_t kVersionMadeBy = (3u << 8) | 45;
inline constexpr uint32_t kExternalAttrsFile = 0100644u << 16;  // regular file, rw-r--r--

inline constexpr uint16_t kExtraZip64 = 0x0001;
inline constexpr uint16_t kExtraUnicodePath = 0x7075;

inline constexpr uint16_t kMax16 = 0xFFFF;
inline constexpr uint32_t kMax32 = 0xFFFFFFFF;
inline constexpr size_t kChunk = size_t{64} << 10;
inline constexpr size_t kMaxNameInMessage = 160;

// ---------------------------------------------------------------------------
// Little-endian fields.

inline void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
inline void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xFFFF));
  Put16(out, static_cast<uint16_t>(v >> 16));
}
inline void Put64(std::string* out, uint64_t v) {
  Put32(out, static_cast<uint32_t>(v & kMax32));
  Put32(out, static_cast<uint32_t>(v >> 32));
}

// Reads fields from a buffer whose length the caller has already checked;
// reading past the end is a bug.
class FieldReader {
 public:
  explicit FieldReader(std::string_view bytes) : bytes_(bytes) {}
  uint16_t U16() { return static_cast<uint16_t>(Le(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Le(4)); }
  uint64_t U64() { return Le(8); }
  std::string_view Bytes(size_t n) {
    if (n > bytes_.size() - pos_) Die("zip: field read past its buffer");
    const std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  uint64_t Le(size_t n) {
    const std::string_view b = Bytes(n);
    uint64_t v = 0;
    for (size_t i = n; i > 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i - 1]);
    return v;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
};

inline uint32_t Le32At(std::string_view b, size_t pos) {
  return FieldReader(b.substr(pos, 4)).U32();
}

// a + b, or false when it does not fit in 64 bits.
inline bool AddU64(uint64_t a, uint64_t b, uint64_t* sum) {
  return !__builtin_add_overflow(a, b, sum);
}

// ---------------------------------------------------------------------------
// Names.

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not
// well-formed (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
inline size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  return len;
}

inline bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

inline bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A name as it may appear in an error message: control characters,
// backslashes and (in names that are not UTF-8) bytes above 0x7F as \xNN,
// cut at kMaxNameInMessage bytes so that a hostile name cannot flood a log.
inline std::string Printable(std::string_view name) {
  const bool utf8 = ValidUtf8(name);
  std::string out;
  size_t i = 0;
  while (i < name.size() && out.size() < kMaxNameInMessage) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7F || c == '\\' || (c >= 0x80 && !utf8)) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    } else {
      const size_t n = c < 0x80 ? 1 : Utf8SequenceLength(name, i);
      out.append(name.substr(i, n));
      i += n;
    }
  }
  if (i < name.size()) out += "...";
  return out;
}

// "1 byte", "2 bytes".
inline std::string ByteCount(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

inline Status BadEntry(std::string_view name, std::string_view what) {
  return Status::InvalidArgument("ZIP entry '" + Printable(name) + "': " + std::string(what));
}

inline Status BadArchive(std::string_view what) {
  return Status::InvalidArgument("ZIP archive: " + std::string(what));
}

// Why `name` may not be an entry name, or nullptr when it may. A name is a
// relative path of '/'-separated segments in UTF-8; a directory entry (only
// when `allow_directory`) ends in '/'.
//
// SECURITY: these are the names an extracting tool turns into paths. Each
// refusal closes a way to write outside the target directory or to make two
// tools see different files: absolute paths, drive letters, "." and ".."
// segments, backslashes (a separator on Windows), empty segments, and
// control characters (including NUL, which ends the name for C tools).
inline const char* NameProblem(std::string_view name, bool allow_directory) {
  if (name.empty()) return "empty name";
  if (name.size() > kMax16) return "name longer than 65535 bytes";
  if (!ValidUtf8(name)) return "name is not UTF-8";
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return "name contains a control character";
    if (c == '\\') return "name contains a backslash";
  }
  if (name.front() == '/') return "absolute name";
  if (name.size() >= 2 && name[1] == ':' &&
      ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'))) {
    return "name starts with a drive letter";
  }
  std::string_view path = name;
  if (path.back() == '/') {
    if (!allow_directory) return "name ends in '/' (a directory)";
    path.remove_suffix(1);
  }
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty()) return "name has an empty segment";
    if (seg == "." || seg == "..") return "name has a '.' or '..' segment";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// DOS dates and times. ZIP stores local time by convention; we write and read
// UTC, which is what an evidence bundle's manifest states.

struct DosDateTime {
  uint16_t time = 0;
  uint16_t date = 0;
};

inline DosDateTime ToDos(UnixMillis t) {
  const int64_t secs = t / 1000 - (t % 1000 < 0 ? 1 : 0);
  const int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
  const int64_t sod = secs - days * 86400;
  const CivilDate d = CivilFromDays(days);
  // The format covers 1980-01-01 to 2107-12-31; clamp outside it.
  if (d.year < 1980) return {0, (1u << 5) | 1u};
  if (d.year > 2107) return {(23u << 11) | (59u << 5) | 29u, (127u << 9) | (12u << 5) | 31u};
  DosDateTime out;
  out.date = static_cast<uint16_t>(((d.year - 1980) << 9) | (d.month << 5) | d.day);
  out.time =
      static_cast<uint16_t>(((sod / 3600) << 11) | (((sod / 60) % 60) << 5) | ((sod % 60) / 2));
  return out;
}

// 0 (the epoch) for a date or time that is not a valid DOS one.
inline UnixMillis FromDos(DosDateTime dos) {
  CivilDate d;
  d.year = 1980 + (dos.date >> 9);
  d.month = (dos.date >> 5) & 0x0F;
  d.day = dos.date & 0x1F;
  const int hour = dos.time >> 11;
  const int minute = (dos.time >> 5) & 0x3F;
  const int second = (dos.time & 0x1F) * 2;
  if (d.month < 1 || d.month > 12 || d.day < 1 || hour > 23 || minute > 59 || second > 59) {
    return 0;
  }
  const int64_t secs = DaysFromCivil(d) * 86400 + hour * 3600 + minute * 60 + second;
  return secs * 1000;
}

// ---------------------------------------------------------------------------
// Extra fields.

struct ExtraFields {
  bool has_zip64 = false;
  std::string_view zip64;  // the ZIP64 field's data
};

// Splits an extra field area into its (id, size, data) records. Refuses a
// record that runs past the area, one id twice, and the Info-ZIP Unicode
// Path field.
//
// SECURITY: tools that honour 0x7075 extract under its name instead of the
// entry's; a bundle could then show one name to us and another to unzip. A
// field given twice is the same ambiguity between tools.
inline Status ParseExtra(std::string_view name, std::string_view area, ExtraFields* out) {
  std::unordered_set<uint16_t> seen;
  FieldReader r(area);
  while (r.remaining() > 0) {
    if (r.remaining() < 4) return BadEntry(name, "extra field area ends inside a field header");
    const uint16_t id = r.U16();
    const uint16_t size = r.U16();
    if (size > r.remaining()) return BadEntry(name, "extra field runs past its area");
    const std::string_view data = r.Bytes(size);
    if (!seen.insert(id).second) return BadEntry(name, "extra field given twice");
    if (id == kExtraUnicodePath) return BadEntry(name, "Info-ZIP Unicode Path field (0x7075)");
    if (id == kExtraZip64) {
      out->has_zip64 = true;
      out->zip64 = data;
    }
  }
  return Status::Ok();
}

// Replaces each 32-bit field that holds the ZIP64 marker by the next 64-bit
// value of the ZIP64 extra field, in the APPNOTE's fixed order (size,
// compressed size, local header offset); `offset` and `disk` may be null
// (local headers have neither).
inline Status ApplyZip64(std::string_view name, const ExtraFields& extra, uint64_t* size,
                         uint64_t* compressed_size, uint64_t* offset, uint32_t* disk) {
  const bool need_size = *size == kMax32;
  const bool need_csize = *compressed_size == kMax32;
  const bool need_offset = offset != nullptr && *offset == kMax32;
  const bool need_disk = disk != nullptr && *disk == kMax16;
  if (!need_size && !need_csize && !need_offset && !need_disk) return Status::Ok();
  if (!extra.has_zip64)
    return BadEntry(name, "a field says ZIP64 but there is no ZIP64 extra field");
  FieldReader r(extra.zip64);
  const auto take64 = [&](uint64_t* v) {
    if (r.remaining() < 8) return false;
    *v = r.U64();
    return true;
  };
  if ((need_size && !take64(size)) || (need_csize && !take64(compressed_size)) ||
      (need_offset && !take64(offset))) {
    return BadEntry(name, "ZIP64 extra field is too short");
  }
  if (need_disk) {
    if (r.remaining() < 4) return BadEntry(name, "ZIP64 extra field is too short");
    *disk = r.U32();
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// zlib streams as RAII handles.

class Deflater {
 public:
  Deflater() = default;
  ~Deflater() {
    if (initialized_) deflateEnd(&zs_);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Ready for a new raw deflate stream (no zlib header: ZIP wants the bare
  // RFC 1951 data).
  Status Start(int level) {
    if (initialized_) {
      if (deflateReset(&zs_) != Z_OK) return Status::Internal("zlib deflateReset failed");
      return Status::Ok();
    }
    std::memset(&zs_, 0, sizeof(zs_));
    const int rc = deflateInit2(&zs_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    if (rc == Z_MEM_ERROR) return Status::ResourceExhausted("zlib: out of memory");
    if (rc != Z_OK) return Status::Internal("zlib deflateInit2 failed");
    initialized_ = true;
    return Status::Ok();
  }
  z_stream* stream() { return &zs_; }

 private:
  z_stream zs_;
  bool initialized_ = false;
};

class Inflater {
 public:
  Inflater() = default;
  ~Inflater() {
    if (initialized_) inflateEnd(&zs_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  Status Start() {
    std::memset(&zs_, 0, sizeof(zs_));
    const int rc = inflateInit2(&zs_, -15);
    if (rc == Z_MEM_ERROR) return Status::ResourceExhausted("zlib: out of memory");
    if (rc != Z_OK) return Status::Internal("zlib inflateInit2 failed");
    initialized_ = true;
    return Status::Ok();
  }
  z_stream* stream() { return &zs_; }

 private:
  z_stream zs_;
  bool initialized_ = false;
};

inline uint32_t Crc32(uint32_t crc, std::string_view data) {
  // zlib's crc32 takes uInt lengths; feed it in pieces that fit.
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), size_t{1} << 30);
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n)));
    data.remove_prefix(n);
  }
  return crc;
}

// ---------------------------------------------------------------------------
// Files.

// Owns an open file descriptor and closes it.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

inline std::string ErrnoText(int err) { return std::generic_category().message(err); }

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_INTERNAL_ZIP_FORMAT_H_
