// Writing ZIP archives (ZipWriter): streamed entries, data descriptors,
// ZIP64 when sizes or offsets need it.
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

}  // namespace custos::vault::evidence
