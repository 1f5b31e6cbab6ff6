#include "vault/evidence/zip.h"

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

namespace custos::vault::evidence {
namespace {

// Record signatures and fixed sizes (APPNOTE 6.3.10, section 4.3).
constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kDescriptorSig = 0x08074b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;  // without the extensible data sector
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kMaxCommentSize = 0xFFFF;

constexpr uint16_t kFlagEncrypted = 1u << 0;
constexpr uint16_t kFlagDescriptor = 1u << 3;
constexpr uint16_t kFlagStrongEncryption = 1u << 6;
constexpr uint16_t kFlagUtf8 = 1u << 11;
constexpr uint16_t kFlagMaskedHeaders = 1u << 13;
// Bits 1 and 2 only describe the deflate level used; every other bit asks
// for a feature we do not implement.
constexpr uint16_t kAllowedFlags = (1u << 1) | (1u << 2) | kFlagDescriptor | kFlagUtf8;

constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflated = 8;
constexpr uint16_t kVersionNeeded = 20;       // deflate, data descriptors
constexpr uint16_t kVersionNeededZip64 = 45;  // ZIP64
// Upper byte 3: "UNIX", so that tools apply the permission bits in the
// external attributes; lower byte: the APPNOTE version we follow (4.5).
constexpr uint16_t kVersionMadeBy = (3u << 8) | 45;
constexpr uint32_t kExternalAttrsFile = 0100644u << 16;  // regular file, rw-r--r--

constexpr uint16_t kExtraZip64 = 0x0001;
constexpr uint16_t kExtraUnicodePath = 0x7075;

constexpr uint16_t kMax16 = 0xFFFF;
constexpr uint32_t kMax32 = 0xFFFFFFFF;
constexpr size_t kChunk = size_t{64} << 10;
constexpr size_t kMaxNameInMessage = 160;

// ---------------------------------------------------------------------------
// Little-endian fields.

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}
void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xFFFF));
  Put16(out, static_cast<uint16_t>(v >> 16));
}
void Put64(std::string* out, uint64_t v) {
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

uint32_t Le32At(std::string_view b, size_t pos) { return FieldReader(b.substr(pos, 4)).U32(); }

// a + b, or false when it does not fit in 64 bits.
bool AddU64(uint64_t a, uint64_t b, uint64_t* sum) { return !__builtin_add_overflow(a, b, sum); }

// ---------------------------------------------------------------------------
// Names.

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not
// well-formed (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
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

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// A name as it may appear in an error message: control characters,
// backslashes and (in names that are not UTF-8) bytes above 0x7F as \xNN,
// cut at kMaxNameInMessage bytes so that a hostile name cannot flood a log.
std::string Printable(std::string_view name) {
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
std::string ByteCount(uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

Status BadEntry(std::string_view name, std::string_view what) {
  return Status::InvalidArgument("ZIP entry '" + Printable(name) + "': " + std::string(what));
}

Status BadArchive(std::string_view what) {
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
const char* NameProblem(std::string_view name, bool allow_directory) {
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

DosDateTime ToDos(UnixMillis t) {
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
UnixMillis FromDos(DosDateTime dos) {
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
Status ParseExtra(std::string_view name, std::string_view area, ExtraFields* out) {
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
Status ApplyZip64(std::string_view name, const ExtraFields& extra, uint64_t* size,
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

uint32_t Crc32(uint32_t crc, std::string_view data) {
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

std::string ErrnoText(int err) { return std::generic_category().message(err); }

}  // namespace

// ===========================================================================
// ZipWriter

struct ZipWriter::State {
  struct Written {
    std::string name;
    uint16_t flags = 0;
    uint16_t method = kMethodStored;
    DosDateTime time;
    uint32_t crc = 0;
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint64_t offset = 0;
  };
  enum class Phase { kIdle, kInEntry, kFinished, kFailed };

  Sink sink;
  int level = 6;
  Phase phase = Phase::kIdle;
  uint64_t offset = 0;
  std::vector<Written> written;
  // Every name written, and every directory that a name implies ("a/b/c"
  // implies "a" and "a/b"): a file may not have a directory's name.
  std::unordered_set<std::string> names;
  std::unordered_set<std::string> dirs;

  Written current;
  Deflater deflater;
  std::string out_buffer;

  // Checks `name` and writes the local header of a new entry. With `known`
  // (the whole data of a stored entry) the header carries its CRC-32 and
  // sizes and no descriptor will follow; otherwise they follow the data in
  // a descriptor (bit 3) and the header's fields are zero.
  Status StartEntry(std::string_view name, UnixMillis modified, ZipMethod method,
                    const std::string_view* known) {
    CUSTOS_RETURN_IF_ERROR(CheckUsable(Phase::kIdle));
    if (const char* problem = NameProblem(name, /*allow_directory=*/false)) {
      return BadEntry(name, problem);
    }
    const std::string key(name);
    if (names.contains(key)) return BadEntry(name, "already written");
    if (dirs.contains(key)) return BadEntry(name, "is a directory of an entry already written");
    for (size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/', slash + 1)) {
      if (names.contains(std::string(name.substr(0, slash)))) {
        return BadEntry(name, "lies under an entry already written as a file");
      }
    }
    if (method == ZipMethod::kDeflated) CUSTOS_RETURN_IF_ERROR(deflater.Start(level));

    current = Written{};
    current.name = key;
    current.flags = known != nullptr ? kFlagUtf8 : kFlagDescriptor | kFlagUtf8;
    current.method = method == ZipMethod::kDeflated ? kMethodDeflated : kMethodStored;
    current.time = ToDos(modified);
    current.crc = Crc32(0, {});
    current.offset = offset;
    // Without a descriptor, an entry of 4 GiB or more needs the ZIP64 field
    // here; with one, no ZIP64 field since the sizes are not known yet (the
    // descriptor grows to 64-bit sizes when they need them).
    bool zip64 = false;
    if (known != nullptr) {
      current.crc = Crc32(current.crc, *known);
      current.size = current.compressed_size = known->size();
      zip64 = known->size() >= kMax32;
    }
    std::string extra;
    if (zip64) {
      Put16(&extra, kExtraZip64);
      Put16(&extra, 16);
      Put64(&extra, current.size);
      Put64(&extra, current.compressed_size);
    }
    std::string header;
    Put32(&header, kLocalHeaderSig);
    Put16(&header, zip64 ? kVersionNeededZip64 : kVersionNeeded);
    Put16(&header, current.flags);
    Put16(&header, current.method);
    Put16(&header, current.time.time);
    Put16(&header, current.time.date);
    Put32(&header, current.crc);
    Put32(&header, zip64 ? kMax32 : static_cast<uint32_t>(current.compressed_size));
    Put32(&header, zip64 ? kMax32 : static_cast<uint32_t>(current.size));
    Put16(&header, static_cast<uint16_t>(name.size()));
    Put16(&header, static_cast<uint16_t>(extra.size()));
    header += name;
    header += extra;
    CUSTOS_RETURN_IF_ERROR(Emit(header));

    names.insert(key);
    for (size_t slash = name.find('/'); slash != std::string_view::npos;
         slash = name.find('/', slash + 1)) {
      dirs.insert(std::string(name.substr(0, slash)));
    }
    phase = Phase::kInEntry;
    return Status::Ok();
  }

  // Files the open entry for the central directory.
  void CloseEntry() {
    written.push_back(std::move(current));
    current = Written{};
    phase = Phase::kIdle;
  }

  // Hands bytes to the sink; after a failure the writer refuses all calls,
  // since the archive's bytes are no longer what we think they are.
  Status Emit(std::string_view bytes) {
    if (bytes.empty()) return Status::Ok();
    Status s = sink(bytes);
    if (!s.ok()) {
      phase = Phase::kFailed;
      return s;
    }
    offset += bytes.size();
    return Status::Ok();
  }

  Status CheckUsable(Phase want) const {
    switch (phase) {
      case Phase::kFailed:
        return Status::FailedPrecondition("ZIP writer: an earlier write failed");
      case Phase::kFinished:
        return Status::FailedPrecondition("ZIP writer: the archive is finished");
      default:
        break;
    }
    if (phase != want) {
      return Status::FailedPrecondition(want == Phase::kIdle ? "ZIP writer: an entry is open"
                                                             : "ZIP writer: no entry is open");
    }
    return Status::Ok();
  }

  // Runs the open deflate stream over `input` with `flush`, emitting what it
  // produces; returns when the input is consumed (Z_NO_FLUSH) or the stream
  // has ended (Z_FINISH).
  Status Deflate(std::string_view input, int flush) {
    z_stream* zs = deflater.stream();
    out_buffer.resize(kChunk);
    do {
      const size_t n = std::min<size_t>(input.size(), size_t{1} << 30);
      zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
      zs->avail_in = static_cast<uInt>(n);
      const int piece_flush = n == input.size() ? flush : Z_NO_FLUSH;
      int rc;
      do {
        zs->next_out = reinterpret_cast<Bytef*>(out_buffer.data());
        zs->avail_out = static_cast<uInt>(out_buffer.size());
        rc = deflate(zs, piece_flush);
        if (rc == Z_STREAM_ERROR) return Status::Internal("zlib deflate failed");
        const size_t produced = out_buffer.size() - zs->avail_out;
        current.compressed_size += produced;
        CUSTOS_RETURN_IF_ERROR(Emit(std::string_view(out_buffer.data(), produced)));
      } while (zs->avail_out == 0 || (piece_flush == Z_FINISH && rc != Z_STREAM_END));
      input.remove_prefix(n);
    } while (!input.empty());
    return Status::Ok();
  }

  void AppendCentralEntry(const Written& w, std::string* out) const {
    const bool big_sizes = w.size >= kMax32 || w.compressed_size >= kMax32;
    const bool big_offset = w.offset >= kMax32;
    std::string zip64;
    if (big_sizes) {
      // Both sizes together, as most writers do: some readers expect them so.
      Put64(&zip64, w.size);
      Put64(&zip64, w.compressed_size);
    }
    if (big_offset) Put64(&zip64, w.offset);
    std::string extra;
    if (!zip64.empty()) {
      Put16(&extra, kExtraZip64);
      Put16(&extra, static_cast<uint16_t>(zip64.size()));
      extra += zip64;
    }
    Put32(out, kCentralHeaderSig);
    Put16(out, kVersionMadeBy);
    Put16(out, zip64.empty() ? kVersionNeeded : kVersionNeededZip64);
    Put16(out, w.flags);
    Put16(out, w.method);
    Put16(out, w.time.time);
    Put16(out, w.time.date);
    Put32(out, w.crc);
    Put32(out, big_sizes ? kMax32 : static_cast<uint32_t>(w.compressed_size));
    Put32(out, big_sizes ? kMax32 : static_cast<uint32_t>(w.size));
    Put16(out, static_cast<uint16_t>(w.name.size()));
    Put16(out, static_cast<uint16_t>(extra.size()));
    Put16(out, 0);  // comment length
    Put16(out, 0);  // disk number start
    Put16(out, 0);  // internal attributes
    Put32(out, kExternalAttrsFile);
    Put32(out, big_offset ? kMax32 : static_cast<uint32_t>(w.offset));
    *out += w.name;
    *out += extra;
  }
};

ZipWriter::ZipWriter(Sink sink, int deflate_level) : state_(std::make_unique<State>()) {
  if (deflate_level < Z_DEFAULT_COMPRESSION || deflate_level > Z_BEST_COMPRESSION) {
    Die("ZipWriter: deflate level out of range");
  }
  state_->sink = std::move(sink);
  state_->level = deflate_level;
}

ZipWriter::~ZipWriter() = default;

Status ZipWriter::Begin(std::string_view name, UnixMillis modified, ZipMethod method) {
  return state_->StartEntry(name, modified, method, nullptr);
}

Status ZipWriter::Write(std::string_view data) {
  State& st = *state_;
  CUSTOS_RETURN_IF_ERROR(st.CheckUsable(State::Phase::kInEntry));
  if (data.empty()) return Status::Ok();
  st.current.crc = Crc32(st.current.crc, data);
  st.current.size += data.size();
  if (st.current.method == kMethodDeflated) return st.Deflate(data, Z_NO_FLUSH);
  st.current.compressed_size += data.size();
  return st.Emit(data);
}

Status ZipWriter::End() {
  State& st = *state_;
  CUSTOS_RETURN_IF_ERROR(st.CheckUsable(State::Phase::kInEntry));
  if (st.current.method == kMethodDeflated) CUSTOS_RETURN_IF_ERROR(st.Deflate({}, Z_FINISH));
  const State::Written& w = st.current;
  // 64-bit sizes only when they need them: readers that look at the
  // descriptor (Java's, Go's) tell the two forms apart by the sizes.
  const bool big = w.size >= kMax32 || w.compressed_size >= kMax32;
  std::string descriptor;
  Put32(&descriptor, kDescriptorSig);
  Put32(&descriptor, w.crc);
  if (big) {
    Put64(&descriptor, w.compressed_size);
    Put64(&descriptor, w.size);
  } else {
    Put32(&descriptor, static_cast<uint32_t>(w.compressed_size));
    Put32(&descriptor, static_cast<uint32_t>(w.size));
  }
  CUSTOS_RETURN_IF_ERROR(st.Emit(descriptor));
  st.CloseEntry();
  return Status::Ok();
}

Status ZipWriter::Add(std::string_view name, UnixMillis modified, std::string_view data,
                      ZipMethod method) {
  if (method == ZipMethod::kStored) {
    // The sizes are known: put them in the local header and write no
    // descriptor. Streaming readers (Java's ZipInputStream, for one) cannot
    // find the end of stored data that a descriptor follows.
    State& st = *state_;
    CUSTOS_RETURN_IF_ERROR(st.StartEntry(name, modified, method, &data));
    CUSTOS_RETURN_IF_ERROR(st.Emit(data));
    st.CloseEntry();
    return Status::Ok();
  }
  CUSTOS_RETURN_IF_ERROR(Begin(name, modified, method));
  CUSTOS_RETURN_IF_ERROR(Write(data));
  return End();
}

Status ZipWriter::Finish() {
  State& st = *state_;
  CUSTOS_RETURN_IF_ERROR(st.CheckUsable(State::Phase::kIdle));
  const uint64_t cd_offset = st.offset;
  std::string buffer;
  for (const State::Written& w : st.written) {
    st.AppendCentralEntry(w, &buffer);
    if (buffer.size() >= kChunk) {
      CUSTOS_RETURN_IF_ERROR(st.Emit(buffer));
      buffer.clear();
    }
  }
  CUSTOS_RETURN_IF_ERROR(st.Emit(buffer));
  buffer.clear();
  const uint64_t cd_size = st.offset - cd_offset;
  const uint64_t count = st.written.size();

  // The 16- and 32-bit fields of the end record hold the ZIP64 marker when
  // the value does not fit (0xFFFF itself counts as not fitting: readers
  // take it for the marker).
  const bool big_count = count >= kMax16;
  const bool big_size = cd_size >= kMax32;
  const bool big_offset = cd_offset >= kMax32;
  if (big_count || big_size || big_offset) {
    const uint64_t zip64_end_offset = st.offset;
    Put32(&buffer, kZip64EndSig);
    Put64(&buffer, kZip64EndSize - 12);  // size of the rest of the record
    Put16(&buffer, kVersionMadeBy);
    Put16(&buffer, kVersionNeededZip64);
    Put32(&buffer, 0);  // this disk
    Put32(&buffer, 0);  // disk with the central directory
    Put64(&buffer, count);
    Put64(&buffer, count);
    Put64(&buffer, cd_size);
    Put64(&buffer, cd_offset);
    Put32(&buffer, kZip64LocatorSig);
    Put32(&buffer, 0);  // disk with the ZIP64 end record
    Put64(&buffer, zip64_end_offset);
    Put32(&buffer, 1);  // total disks
  }
  Put32(&buffer, kEndSig);
  Put16(&buffer, 0);  // this disk
  Put16(&buffer, 0);  // disk with the central directory
  const uint16_t count16 = big_count ? kMax16 : static_cast<uint16_t>(count);
  Put16(&buffer, count16);
  Put16(&buffer, count16);
  Put32(&buffer, big_size ? kMax32 : static_cast<uint32_t>(cd_size));
  Put32(&buffer, big_offset ? kMax32 : static_cast<uint32_t>(cd_offset));
  Put16(&buffer, 0);  // comment length
  CUSTOS_RETURN_IF_ERROR(st.Emit(buffer));
  st.phase = State::Phase::kFinished;
  return Status::Ok();
}

uint64_t ZipWriter::bytes_written() const { return state_->offset; }

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
