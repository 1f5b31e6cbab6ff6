#include "vault/evidence/zip.h"

#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "base/status.h"
#include "base/time.h"
#include "tests/vault/test_util.h"

namespace custos::vault::evidence {
namespace {

using ::custos::vault::testing::TempDir;

// 2026-11-27T08:30:01.500Z; DOS keeps 08:30:00 (two-second steps).
constexpr UnixMillis kTime = 1795768201500;
constexpr UnixMillis kTimeInDos = 1795768200000;

// ---------------------------------------------------------------------------
// Helpers.

// Deterministic bytes that do not compress.
std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xFF);
  return out;
}

// Deterministic text that compresses well.
std::string Text(size_t n) {
  std::string out;
  for (int i = 0; out.size() < n; ++i) {
    out +=
        "{\"seq\":" + std::to_string(i) + ",\"action\":\"record.view\",\"reason\":\"客户回访\"}\n";
  }
  out.resize(n);
  return out;
}

std::string AllByteValues(int repeat) {
  std::string out;
  for (int r = 0; r < repeat; ++r) {
    for (int b = 0; b < 256; ++b) out.push_back(static_cast<char>(b));
  }
  return out;
}

struct Item {
  std::string name;
  std::string data;
  ZipMethod method = ZipMethod::kDeflated;
};

// An archive of `items` written by our writer into memory.
std::string Zip(const std::vector<Item>& items) {
  std::string out;
  ZipWriter w([&out](std::string_view b) {
    out.append(b);
    return Status::Ok();
  });
  for (const Item& i : items) {
    Status s = w.Add(i.name, kTime, i.data, i.method);
    if (!s.ok()) ADD_FAILURE() << i.name << ": " << s.ToString();
  }
  Status s = w.Finish();
  if (!s.ok()) ADD_FAILURE() << s.ToString();
  EXPECT_EQ(w.bytes_written(), out.size());
  return out;
}

// A small archive that the tamper tests patch: a stored entry, a deflated
// one and an empty one.
std::string SmallZip() {
  return Zip({{"abcd", "stored bytes, stored bytes", ZipMethod::kStored},
              {"dir/efgh", Text(3000), ZipMethod::kDeflated},
              {"empty", "", ZipMethod::kStored}});
}

// Every entry's bytes, or the first error.
Result<std::map<std::string, std::string>> ReadEverything(const ZipReader& r) {
  std::map<std::string, std::string> out;
  for (const ZipEntry& e : r.entries()) {
    CUSTOS_ASSIGN_OR_RETURN(out[e.name], r.ReadAll(e));
  }
  return out;
}

// Opens and reads everything: OK, or the first error.
Status OpenAndRead(std::string_view zip, const ZipLimits& limits = {}) {
  CUSTOS_ASSIGN_OR_RETURN(auto reader, ZipReader::OpenBytes(zip, limits));
  return ReadEverything(*reader).status();
}

::testing::AssertionResult Refused(const Status& s, StatusCode code, std::string_view fragment) {
  if (s.code() == code && s.message().find(fragment) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "got " << s.ToString() << "; want "
                                       << StatusCodeName(code) << " with '" << fragment << "'";
}

::testing::AssertionResult OpenRefused(std::string_view zip, std::string_view fragment,
                                       const ZipLimits& limits = {}) {
  return Refused(ZipReader::OpenBytes(zip, limits).status(), StatusCode::kInvalidArgument,
                 fragment);
}

// Little-endian fields of an archive, for patching.
uint16_t Get16(const std::string& b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) |
                               static_cast<unsigned char>(b[at + 1]) << 8);
}
uint32_t Get32(const std::string& b, size_t at) {
  return Get16(b, at) | static_cast<uint32_t>(Get16(b, at + 2)) << 16;
}
void Set16(std::string* b, size_t at, uint16_t v) {
  (*b)[at] = static_cast<char>(v & 0xFF);
  (*b)[at + 1] = static_cast<char>(v >> 8);
}
void Set32(std::string* b, size_t at, uint32_t v) {
  Set16(b, at, static_cast<uint16_t>(v & 0xFFFF));
  Set16(b, at + 2, static_cast<uint16_t>(v >> 16));
}
void Put16(std::string* b, uint16_t v) { b->append(2, '\0'), Set16(b, b->size() - 2, v); }
void Put32(std::string* b, uint32_t v) { b->append(4, '\0'), Set32(b, b->size() - 4, v); }
void Put64(std::string* b, uint64_t v) {
  Put32(b, static_cast<uint32_t>(v));
  Put32(b, static_cast<uint32_t>(v >> 32));
}

// Where things are in an archive our writer made (no comment, no ZIP64),
// found without our reader.
struct Layout {
  struct Entry {
    size_t central;  // offset of its central directory entry
    size_t local;    // offset of its local header
    std::string name;
    size_t data() const { return local + 30 + name.size(); }
  };
  size_t end;  // offset of the end of central directory record
  size_t cd_offset;
  std::vector<Entry> entries;
};

Layout Walk(const std::string& zip) {
  Layout l;
  l.end = zip.size() - 22;
  l.cd_offset = Get32(zip, l.end + 16);
  size_t p = l.cd_offset;
  for (int i = 0; i < Get16(zip, l.end + 10); ++i) {
    const size_t n = Get16(zip, p + 28);
    l.entries.push_back({p, Get32(zip, p + 42), zip.substr(p + 46, n)});
    p += 46 + n + Get16(zip, p + 30) + Get16(zip, p + 32);
  }
  return l;
}

// Replaces the name `from` by `to` (same length) in the local header and
// the central directory.
std::string Rename(std::string zip, const std::string& from, const std::string& to) {
  EXPECT_EQ(from.size(), to.size());
  for (const Layout::Entry& e : Walk(zip).entries) {
    if (e.name != from) continue;
    zip.replace(e.local + 30, from.size(), to);
    zip.replace(e.central + 46, from.size(), to);
  }
  return zip;
}

// Inserts `bytes` at `pos` (at or before the central directory) and moves
// the offsets that point behind it, so that only the insertion is wrong.
std::string InsertAt(const std::string& zip, size_t pos, const std::string& bytes) {
  const Layout l = Walk(zip);
  std::string out = zip;
  for (const Layout::Entry& e : l.entries) {
    if (e.local >= pos) Set32(&out, e.central + 42, static_cast<uint32_t>(e.local + bytes.size()));
  }
  Set32(&out, l.end + 16, static_cast<uint32_t>(l.cd_offset + bytes.size()));
  out.insert(pos, bytes);
  return out;
}

// Appends `extra` to the extra field of central directory entry `index`.
std::string AddCentralExtra(const std::string& zip, size_t index, const std::string& extra) {
  const Layout l = Walk(zip);
  const Layout::Entry& e = l.entries[index];
  std::string out = zip;
  const size_t extra_at = e.central + 46 + e.name.size();
  const uint16_t old_size = Get16(zip, e.central + 30);
  Set16(&out, e.central + 30, static_cast<uint16_t>(old_size + extra.size()));
  Set32(&out, l.end + 12, static_cast<uint32_t>(Get32(zip, l.end + 12) + extra.size()));
  out.insert(extra_at + old_size, extra);
  return out;
}

std::string ExtraField(uint16_t id, const std::string& data) {
  std::string out;
  Put16(&out, id);
  Put16(&out, static_cast<uint16_t>(data.size()));
  return out + data;
}

// The same archive with ZIP64 end records (as a writer that always uses
// them would make it): ZIP64 end record, locator, and an end record of
// markers.
std::string WithZip64End(const std::string& zip, uint32_t record_disk = 0,
                         uint32_t total_disks = 1) {
  const Layout l = Walk(zip);
  const uint64_t count = l.entries.size();
  std::string out = zip.substr(0, l.end);
  const uint64_t record_at = out.size();
  Put32(&out, 0x06064b50);
  Put64(&out, 44);
  Put16(&out, (3 << 8) | 45);
  Put16(&out, 45);
  Put32(&out, record_disk);
  Put32(&out, 0);
  Put64(&out, count);
  Put64(&out, count);
  Put64(&out, Get32(zip, l.end + 12));
  Put64(&out, l.cd_offset);
  Put32(&out, 0x07064b50);
  Put32(&out, 0);
  Put64(&out, record_at);
  Put32(&out, total_disks);
  Put32(&out, 0x06054b50);
  Put16(&out, 0);
  Put16(&out, 0);
  Put16(&out, 0xFFFF);
  Put16(&out, 0xFFFF);
  Put32(&out, 0xFFFFFFFF);
  Put32(&out, 0xFFFFFFFF);
  Put16(&out, 0);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream(path, std::ios::binary)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
}

bool Have(const std::string& command) {
  return std::system(("command -v " + command + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs `command` with the shell; its exit code, stdout+stderr in `output`.
int RunShell(const std::string& command, std::string* output) {
  char tmpl[] = "/tmp/custos-zip-test-out-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return -1;
  ::close(fd);
  const int rc = std::system(("(" + command + ") >" + tmpl + " 2>&1").c_str());
  *output = ReadFile(tmpl);
  std::remove(tmpl);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int RunPython(const TempDir& dir, const std::string& script, const std::string& args,
              std::string* output) {
  const std::string path = dir.path() + "/script.py";
  WriteFile(path, script);
  return RunShell("python3 " + path + " " + args, output);
}

// ---------------------------------------------------------------------------
// Round trips.

TEST(ZipRoundTripTest, StoredDeflatedEmptyAndBinaryEntries) {
  const std::vector<Item> items = {
      {"manifest.xml", Text(5000), ZipMethod::kDeflated},
      {"keys/log-key.pem", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n", ZipMethod::kStored},
      {"empty-stored", "", ZipMethod::kStored},
      {"empty-deflated", "", ZipMethod::kDeflated},
      {"bin/all-bytes", AllByteValues(40), ZipMethod::kDeflated},
      {"bin/random", RandomBytes(70000, 1), ZipMethod::kDeflated},
      {"bin/random-stored", RandomBytes(1000, 2), ZipMethod::kStored},
      {"records/客户-名单.json", "{\"名称\":\"华东\"}", ZipMethod::kDeflated},
  };
  const std::string zip = Zip(items);
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const std::vector<ZipEntry>& entries = (*reader)->entries();
  ASSERT_EQ(entries.size(), items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    SCOPED_TRACE(items[i].name);
    const ZipEntry& e = entries[i];
    EXPECT_EQ(e.name, items[i].name);
    EXPECT_EQ(e.method, items[i].method);
    EXPECT_EQ(e.size, items[i].data.size());
    EXPECT_EQ(e.modified, kTimeInDos);
    EXPECT_FALSE(e.is_directory());
    EXPECT_EQ((*reader)->Find(items[i].name), &e);
    auto data = (*reader)->ReadAll(e);
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    EXPECT_EQ(*data, items[i].data);
  }
  EXPECT_LT(entries[0].compressed_size, entries[0].size / 4);  // text deflates
  EXPECT_EQ((*reader)->Find("nothing"), nullptr);
  // Small archive: no ZIP64 anywhere, "version needed" 2.0 everywhere.
  EXPECT_EQ(zip.find(std::string("PK\x06\x06", 4)), std::string::npos);
  const Layout l = Walk(zip);
  for (size_t i = 0; i < items.size(); ++i) {
    const Layout::Entry& e = l.entries[i];
    EXPECT_EQ(Get16(zip, e.local + 4), 20);
    EXPECT_EQ(Get16(zip, e.central + 6), 20);
    // UTF-8, and a data descriptor unless stored with Add.
    const uint16_t flags = items[i].method == ZipMethod::kStored ? 0x0800 : 0x0808;
    EXPECT_EQ(Get16(zip, e.local + 6), flags) << e.name;
    EXPECT_EQ(Get16(zip, e.central + 8), flags) << e.name;
  }
}

TEST(ZipRoundTripTest, EmptyArchive) {
  const std::string zip = Zip({});
  EXPECT_EQ(zip.size(), 22u);
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE((*reader)->entries().empty());
}

TEST(ZipRoundTripTest, FiveMegabytesWrittenInOddPieces) {
  std::string data = RandomBytes(2 << 20, 7) + Text(3 << 20);
  for (ZipMethod method : {ZipMethod::kDeflated, ZipMethod::kStored}) {
    std::string zip;
    ZipWriter w(
        [&zip](std::string_view b) {
          zip.append(b);
          return Status::Ok();
        },
        1);
    ASSERT_TRUE(w.Begin("big.bin", kTime, method).ok());
    const size_t pieces[] = {1, 7, 4093, 65537, 0, 131071, 3, 1 << 20};
    size_t at = 0;
    for (size_t k = 0; at < data.size(); ++k) {
      const size_t n = std::min(pieces[k % std::size(pieces)], data.size() - at);
      ASSERT_TRUE(w.Write(std::string_view(data).substr(at, n)).ok());
      at += n;
    }
    ASSERT_TRUE(w.End().ok());
    ASSERT_TRUE(w.Add("after", kTime, "x").ok());
    ASSERT_TRUE(w.Finish().ok());

    auto reader = ZipReader::OpenBytes(zip);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const ZipEntry* e = (*reader)->Find("big.bin");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->size, data.size());
    std::string back;
    int calls = 0;
    ASSERT_TRUE((*reader)
                    ->Read(*e,
                           [&](std::string_view piece) {
                             ++calls;
                             back.append(piece);
                             return Status::Ok();
                           })
                    .ok());
    EXPECT_EQ(back, data);
    EXPECT_GT(calls, 10);  // streamed, not in one piece
  }
}

TEST(ZipWriterTest, DosTimesAreUtcAndClamped) {
  struct Case {
    UnixMillis written;
    UnixMillis read;
  };
  const UnixMillis y1980 = ParseRfc3339("1980-01-01T00:00:00Z").value();
  for (const Case& c : std::vector<Case>{
           {kTime, kTimeInDos},
           {ParseRfc3339("2000-02-29T23:59:59Z").value(),
            ParseRfc3339("2000-02-29T23:59:58Z").value()},
           {0, y1980},
           {-1, y1980},
           {ParseRfc3339("2200-01-01T00:00:00Z").value(),
            ParseRfc3339("2107-12-31T23:59:58Z").value()},
       }) {
    std::string zip;
    ZipWriter w([&zip](std::string_view b) {
      zip.append(b);
      return Status::Ok();
    });
    ASSERT_TRUE(w.Add("t", c.written, "x").ok());
    ASSERT_TRUE(w.Finish().ok());
    auto reader = ZipReader::OpenBytes(zip);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->entries()[0].modified, c.read) << FormatRfc3339Millis(c.written);
  }
}

// ---------------------------------------------------------------------------
// The writer's contract.

TEST(ZipWriterTest, RefusesNamesTheReaderWouldRefuse) {
  std::string zip;
  ZipWriter w([&zip](std::string_view b) {
    zip.append(b);
    return Status::Ok();
  });
  for (const std::string& bad :
       {std::string(""), std::string("/abs"), std::string("../x"), std::string("a/../b"),
        std::string("a/./b"), std::string("./a"), std::string("a//b"), std::string("a\\b"),
        std::string("C:x"), std::string("dir/"), std::string("a\nb"), std::string("a\0b", 3),
        std::string("a\x7f"), std::string("\xff\xfe"), std::string("\xc0\xaf"),
        std::string(65536, 'a')}) {
    EXPECT_TRUE(
        Refused(w.Begin(bad, kTime, ZipMethod::kStored), StatusCode::kInvalidArgument, "ZIP entry"))
        << bad.size();
  }
  EXPECT_TRUE(w.Add("a..b/.c/名字", kTime, "fine").ok());  // dots inside a segment are fine
  EXPECT_TRUE(w.Add("dir/file", kTime, "x").ok());
  EXPECT_TRUE(
      Refused(w.Add("dir/file", kTime, "x"), StatusCode::kInvalidArgument, "already written"));
  EXPECT_TRUE(Refused(w.Add("dir", kTime, "x"), StatusCode::kInvalidArgument, "directory"));
  EXPECT_TRUE(Refused(w.Add("dir/file/x", kTime, "x"), StatusCode::kInvalidArgument, "as a file"));
  ASSERT_TRUE(w.Finish().ok());
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->entries().size(), 2u);
}

TEST(ZipWriterTest, MessagesShowHostileNamesEscapedAndShort) {
  ZipWriter w([](std::string_view) { return Status::Ok(); });
  const Status s = w.Begin(std::string(300, 'a') + "\n", kTime, ZipMethod::kStored);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("aaa..."), std::string::npos) << s.message();
  EXPECT_LT(s.message().size(), 250u);
  const Status t = w.Begin("a\x01\\b", kTime, ZipMethod::kStored);
  EXPECT_NE(t.message().find("'a\\x01\\x5cb'"), std::string::npos) << t.message();
}

TEST(ZipWriterTest, StoredEntriesFromAddCarryTheirSizesInTheLocalHeader) {
  std::string zip;
  ZipWriter w([&zip](std::string_view b) {
    zip.append(b);
    return Status::Ok();
  });
  ASSERT_TRUE(w.Add("added", kTime, "twelve bytes", ZipMethod::kStored).ok());
  ASSERT_TRUE(w.Begin("streamed", kTime, ZipMethod::kStored).ok());
  ASSERT_TRUE(w.Write("twelve ").ok());
  ASSERT_TRUE(w.Write("bytes").ok());
  ASSERT_TRUE(w.End().ok());
  ASSERT_TRUE(w.Finish().ok());
  const Layout l = Walk(zip);
  const Layout::Entry& added = l.entries[0];
  const Layout::Entry& streamed = l.entries[1];
  EXPECT_EQ(Get16(zip, added.local + 6), 0x0800);
  EXPECT_EQ(Get32(zip, added.local + 14), Get32(zip, added.central + 16));  // CRC-32
  EXPECT_EQ(Get32(zip, added.local + 18), 12u);
  EXPECT_EQ(Get32(zip, added.local + 22), 12u);
  EXPECT_EQ(streamed.local, added.data() + 12);  // no descriptor in between
  EXPECT_EQ(Get16(zip, streamed.local + 6), 0x0808);
  EXPECT_EQ(Get32(zip, streamed.local + 14), 0u);
  EXPECT_EQ(Get32(zip, streamed.local + 18), 0u);
  EXPECT_EQ(Get32(zip, streamed.data() + 12), 0x08074b50u);  // descriptor
  EXPECT_EQ(l.cd_offset, streamed.data() + 12 + 16);
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->ReadAll((*reader)->entries()[0]).value(), "twelve bytes");
  EXPECT_EQ((*reader)->ReadAll((*reader)->entries()[1]).value(), "twelve bytes");
}

TEST(ZipWriterTest, CallsOutOfOrderAreFailedPrecondition) {
  std::string zip;
  ZipWriter w([&zip](std::string_view b) {
    zip.append(b);
    return Status::Ok();
  });
  const StatusCode kPre = StatusCode::kFailedPrecondition;
  EXPECT_TRUE(Refused(w.Write("x"), kPre, "no entry is open"));
  EXPECT_TRUE(Refused(w.End(), kPre, "no entry is open"));
  ASSERT_TRUE(w.Begin("a", kTime, ZipMethod::kDeflated).ok());
  EXPECT_TRUE(Refused(w.Begin("b", kTime, ZipMethod::kStored), kPre, "an entry is open"));
  EXPECT_TRUE(Refused(w.Finish(), kPre, "an entry is open"));
  ASSERT_TRUE(w.Write("abc").ok());
  ASSERT_TRUE(w.End().ok());
  ASSERT_TRUE(w.Finish().ok());
  const size_t size = zip.size();
  EXPECT_TRUE(Refused(w.Add("c", kTime, "x"), kPre, "finished"));
  EXPECT_TRUE(Refused(w.Finish(), kPre, "finished"));
  EXPECT_EQ(zip.size(), size);
  EXPECT_TRUE(ZipReader::OpenBytes(zip).ok());
}

TEST(ZipWriterTest, SinkErrorIsReturnedAndBreaksTheWriter) {
  std::string zip;
  ZipWriter w([&zip](std::string_view b) {
    if (zip.size() + b.size() > 100) return Status::Unavailable("disk full");
    zip.append(b);
    return Status::Ok();
  });
  ASSERT_TRUE(w.Add("a", kTime, "small").ok());
  ASSERT_TRUE(w.Begin("b", kTime, ZipMethod::kStored).ok());
  EXPECT_TRUE(Refused(w.Write(std::string(200, 'x')), StatusCode::kUnavailable, "disk full"));
  EXPECT_TRUE(Refused(w.End(), StatusCode::kFailedPrecondition, "earlier write failed"));
  EXPECT_TRUE(Refused(w.Finish(), StatusCode::kFailedPrecondition, "earlier write failed"));
  EXPECT_FALSE(ZipReader::OpenBytes(zip).ok());  // never finished
}

// ---------------------------------------------------------------------------
// The reader's API.

TEST(ZipReaderTest, ReadUsesItsOwnCopyOfTheEntry) {
  const std::string zip = SmallZip();
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok());
  ZipEntry copy = (*reader)->entries()[1];
  copy.size = 1;
  copy.crc32 ^= 1;
  copy.local_header_offset = 0;
  auto data = (*reader)->ReadAll(copy);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, Text(3000));
  ZipEntry stranger;
  stranger.name = "not-here";
  EXPECT_TRUE(Refused((*reader)->ReadAll(stranger).status(), StatusCode::kNotFound, "not-here"));
}

TEST(ZipReaderTest, ReadAllLimitAndCallbackErrors) {
  const std::string zip = SmallZip();
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok());
  const ZipEntry& e = (*reader)->entries()[1];
  EXPECT_TRUE(
      Refused((*reader)->ReadAll(e, 2999).status(), StatusCode::kResourceExhausted, "dir/efgh"));
  EXPECT_TRUE((*reader)->ReadAll(e, 3000).ok());
  EXPECT_TRUE(Refused((*reader)->Read(e, [](std::string_view) { return Status::Aborted("stop"); }),
                      StatusCode::kAborted, "stop"));
}

TEST(ZipReaderTest, OpenFile) {
  TempDir dir;
  const std::string path = dir.path() + "/a.zip";
  WriteFile(path, SmallZip());
  auto reader = ZipReader::OpenFile(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto data = (*reader)->ReadAll(*(*reader)->Find("dir/efgh"));
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, Text(3000));
  EXPECT_TRUE(Refused(ZipReader::OpenFile(dir.path() + "/missing.zip").status(),
                      StatusCode::kNotFound, "missing.zip"));
  EXPECT_TRUE(Refused(ZipReader::OpenFile(dir.path()).status(), StatusCode::kInvalidArgument,
                      "not a regular file"));
}

TEST(ZipReaderTest, LimitsOnEntriesAndSizes) {
  const std::string zip = SmallZip();  // 3 entries, 3026 bytes in all
  ZipLimits l;
  l.max_entries = 2;
  EXPECT_TRUE(OpenRefused(zip, "3 entries, more than the limit of 2", l));
  l = {};
  l.max_entry_size = 2999;
  EXPECT_TRUE(OpenRefused(zip, "'dir/efgh': size 3000 is over the limit", l));
  l = {};
  l.max_total_size = 3025;
  EXPECT_TRUE(OpenRefused(zip, "larger in total than the limit", l));
  l.max_total_size = 3026;
  EXPECT_TRUE(ZipReader::OpenBytes(zip, l).ok());
}

TEST(ZipReaderTest, AcceptsCommentsEvenWithTheSignatureInThem) {
  std::string zip = SmallZip();
  const std::string comment = "made by hand PK\x05\x06 with a signature";
  Set16(&zip, zip.size() - 2, static_cast<uint16_t>(comment.size()));
  EXPECT_TRUE(OpenAndRead(zip + comment).ok());
  EXPECT_TRUE(OpenRefused(zip + comment + "x", "no end of central directory record"));
  EXPECT_TRUE(OpenRefused(zip + comment.substr(1), "no end of central directory record"));
}

TEST(ZipReaderTest, AcceptsZip64EndRecordsAndZip64FieldsWhereNotNeeded) {
  const std::string zip = SmallZip();
  EXPECT_TRUE(OpenAndRead(WithZip64End(zip)).ok());
  // Sizes and offset as ZIP64 markers with the values in the extra field.
  std::string patched = zip;
  const Layout l = Walk(zip);
  const Layout::Entry& e = l.entries[1];
  const uint32_t csize = Get32(zip, e.central + 20);
  const uint32_t size = Get32(zip, e.central + 24);
  Set32(&patched, e.central + 20, 0xFFFFFFFF);
  Set32(&patched, e.central + 24, 0xFFFFFFFF);
  Set32(&patched, e.central + 42, 0xFFFFFFFF);
  std::string values;
  Put64(&values, size);
  Put64(&values, csize);
  Put64(&values, e.local);
  EXPECT_TRUE(OpenAndRead(AddCentralExtra(patched, 1, ExtraField(1, values))).ok());
  EXPECT_TRUE(OpenAndRead(WithZip64End(AddCentralExtra(patched, 1, ExtraField(1, values)))).ok());
  EXPECT_TRUE(OpenRefused(patched, "no ZIP64 extra field"));
  EXPECT_TRUE(OpenRefused(AddCentralExtra(patched, 1, ExtraField(1, values.substr(0, 16))),
                          "ZIP64 extra field is too short"));
}

TEST(ZipReaderTest, AcceptsUnknownExtraFieldsOnce) {
  const std::string zip = SmallZip();
  const std::string ut = ExtraField(0x5455, std::string("\x01\x00\x00\x00\x00", 5));
  EXPECT_TRUE(OpenAndRead(AddCentralExtra(zip, 0, ut)).ok());
  EXPECT_TRUE(OpenRefused(AddCentralExtra(zip, 0, ut + ut), "extra field given twice"));
  EXPECT_TRUE(OpenRefused(AddCentralExtra(zip, 0, ut.substr(0, 6)), "runs past its area"));
  EXPECT_TRUE(OpenRefused(AddCentralExtra(zip, 0, "ab"), "ends inside a field header"));
  EXPECT_TRUE(
      OpenRefused(AddCentralExtra(zip, 0, ExtraField(0x7075, "\x01xxxx../evil")), "Unicode Path"));
}

// ---------------------------------------------------------------------------
// Hostile archives (tamper tests): each is refused with the right code.

TEST(ZipHostileTest, TruncatedAnywhere) {
  const std::string zip = SmallZip();
  for (size_t n = 0; n < zip.size(); ++n) {
    const Status s = ZipReader::OpenBytes(std::string_view(zip).substr(0, n)).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << n << ": " << s.ToString();
  }
}

TEST(ZipHostileTest, FlippedDataByteIsDataLoss) {
  const std::string zip = SmallZip();
  const Layout l = Walk(zip);
  std::string stored = zip;
  stored[l.entries[0].data() + 3] ^= 0x20;
  EXPECT_TRUE(Refused(OpenAndRead(stored), StatusCode::kDataLoss, "'abcd': CRC-32 does not match"));
  for (size_t offset : {size_t{0}, size_t{5}, size_t{40}}) {
    std::string deflated = zip;
    deflated[l.entries[1].data() + offset] ^= 0x01;
    const Status s = OpenAndRead(deflated);
    EXPECT_TRUE(Refused(s, StatusCode::kDataLoss, "'dir/efgh'")) << offset;
  }
}

TEST(ZipHostileTest, SizeOrCrcThatLiesIsDataLoss) {
  const std::string zip = SmallZip();
  const Layout::Entry e = Walk(zip).entries[1];
  const size_t descriptor = e.data() + Get32(zip, e.central + 20);
  std::string small = zip;  // central directory and descriptor agree on a smaller size
  Set32(&small, e.central + 24, 2000);
  Set32(&small, descriptor + 12, 2000);
  EXPECT_TRUE(Refused(OpenAndRead(small), StatusCode::kDataLoss, "more data than its size"));
  std::string large = zip;
  Set32(&large, e.central + 24, 4000);
  Set32(&large, descriptor + 12, 4000);
  EXPECT_TRUE(Refused(OpenAndRead(large), StatusCode::kDataLoss, "3000 bytes, its size says 4000"));
  std::string crc = zip;
  Set32(&crc, e.central + 16, Get32(zip, e.central + 16) ^ 0x100);
  Set32(&crc, descriptor + 4, Get32(zip, e.central + 16) ^ 0x100);
  EXPECT_TRUE(Refused(OpenAndRead(crc), StatusCode::kDataLoss, "CRC-32 does not match"));
}

TEST(ZipHostileTest, DataDescriptorThatDisagrees) {
  const std::string zip = SmallZip();
  const Layout::Entry e = Walk(zip).entries[1];
  const size_t descriptor = e.data() + Get32(zip, e.central + 20);
  for (size_t field : {0, 4, 8, 12}) {  // signature, CRC-32, sizes
    std::string bad = zip;
    bad[descriptor + field] ^= 0x04;
    EXPECT_TRUE(OpenRefused(bad, "'dir/efgh': data descriptor")) << field;
  }
}

TEST(ZipHostileTest, DuplicateAndClashingNames) {
  const std::string zip = Zip({{"a1", "x"}, {"a2", "y"}, {"xy/c", "z"}, {"ab", "w"}});
  EXPECT_TRUE(OpenRefused(Rename(zip, "a2", "a1"), "'a1': occurs twice"));
  EXPECT_TRUE(OpenRefused(Rename(zip, "xy/c", "ab/c"), "'ab/c': lies under 'ab', which is a file"));
}

TEST(ZipHostileTest, BadNames) {
  const std::string zip = Zip({{"ok", "x"}, {"abcd", "y"}});
  struct Case {
    std::string name;
    std::string problem;
  };
  for (const Case& c : std::vector<Case>{
           {"../x", "'..' segment"},
           {"a/..", "'..' segment"},
           {"./ab", "'.' or '..' segment"},
           {"/abc", "absolute name"},
           {"a\\bc", "backslash"},
           {"C:ab", "drive letter"},
           {"a//b", "empty segment"},
           {std::string("a\0bc", 4), "control character"},
           {"a\x1b"
            "bc",
            "control character"},
           {"ab\xff"
            "c",
            "not UTF-8"},
           {"\xed\xa0\x80"
            "a",
            "not UTF-8"},  // a surrogate
       }) {
    EXPECT_TRUE(OpenRefused(Rename(zip, "abcd", c.name), c.problem)) << c.problem;
  }
  // Non-ASCII without the UTF-8 flag (bit 11) would be code page 437.
  const std::string utf8 = Zip({{"名字", "x"}});
  std::string no_flag = utf8;
  const Layout::Entry e = Walk(utf8).entries[0];
  Set16(&no_flag, e.local + 6, 0x0008);
  Set16(&no_flag, e.central + 8, 0x0008);
  EXPECT_TRUE(OpenRefused(no_flag, "non-ASCII name without the UTF-8 flag"));
}

TEST(ZipHostileTest, OverlappingEntries) {
  const std::string zip = SmallZip();
  const Layout l = Walk(zip);
  std::string same = zip;
  Set32(&same, l.entries[1].central + 42, 0);
  EXPECT_TRUE(OpenRefused(same, "overlaps entry"));
  std::string inside = zip;
  Set32(&inside, l.entries[2].central + 42, static_cast<uint32_t>(l.entries[1].data() + 10));
  EXPECT_TRUE(OpenRefused(inside, "'empty': overlaps entry 'dir/efgh'"));
}

TEST(ZipHostileTest, BytesThatBelongToNoEntry) {
  const std::string zip = SmallZip();
  const Layout l = Walk(zip);
  EXPECT_TRUE(OpenRefused("junk" + zip, "central directory is not where the end record says"));
  EXPECT_TRUE(OpenRefused(InsertAt(zip, 0, "junk"), "'abcd': no entry owns the 4 bytes before it"));
  EXPECT_TRUE(OpenRefused(InsertAt(zip, l.entries[1].local, std::string(40, 'j')),
                          "'abcd': no entry owns the 40 bytes after its data"));
  EXPECT_TRUE(OpenRefused(InsertAt(zip, l.entries[1].local, "j"),
                          "'abcd': no entry owns the 1 byte after its data"));
  EXPECT_TRUE(OpenRefused(InsertAt(zip, l.entries[2].local, "j"), "'dir/efgh': data descriptor"));
  EXPECT_TRUE(OpenRefused(InsertAt(zip, l.entries[2].local, std::string(25, 'j')),
                          "'dir/efgh': no entry owns the 41 bytes after its data"));
  EXPECT_TRUE(OpenRefused(InsertAt(zip, l.cd_offset, "j"),
                          "'empty': no entry owns the 1 byte after its data"));
  EXPECT_TRUE(OpenRefused(zip + "x", "no end of central directory record"));
}

TEST(ZipHostileTest, EncryptedFlagUnknownFlagsAndMethods) {
  const std::string zip = SmallZip();
  const Layout::Entry e = Walk(zip).entries[1];
  auto patch16 = [&](size_t local_field, size_t central_field, uint16_t v) {
    std::string out = zip;
    Set16(&out, e.local + local_field, v);
    Set16(&out, e.central + central_field, v);
    return out;
  };
  EXPECT_TRUE(OpenRefused(patch16(6, 8, 0x0809), "'dir/efgh': is encrypted"));
  EXPECT_TRUE(OpenRefused(patch16(6, 8, 0x0848), "is encrypted"));  // strong encryption
  EXPECT_TRUE(OpenRefused(patch16(6, 8, 0x2808), "is encrypted"));  // masked local headers
  EXPECT_TRUE(OpenRefused(patch16(6, 8, 0x0828), "unsupported general purpose flags"));  // patch
  EXPECT_TRUE(OpenRefused(patch16(8, 10, 14), "compression method 14"));                 // LZMA
  EXPECT_TRUE(OpenRefused(patch16(8, 10, 12), "compression method 12"));                 // bzip2
}

TEST(ZipHostileTest, MultiDiskFields) {
  const std::string zip = SmallZip();
  const Layout l = Walk(zip);
  for (size_t field : {4, 6}) {  // this disk, disk with the central directory
    std::string bad = zip;
    Set16(&bad, l.end + field, 1);
    EXPECT_TRUE(OpenRefused(bad, "several disks")) << field;
  }
  std::string disk_count = zip;  // entries on this disk != entries in all
  Set16(&disk_count, l.end + 8, 2);
  EXPECT_TRUE(OpenRefused(disk_count, "several disks"));
  std::string entry_disk = zip;
  Set16(&entry_disk, l.entries[1].central + 34, 1);
  EXPECT_TRUE(OpenRefused(entry_disk, "'dir/efgh': lies on another disk"));
  EXPECT_TRUE(
      OpenRefused(WithZip64End(zip, /*record_disk=*/0, /*total_disks=*/2), "several disks"));
  EXPECT_TRUE(OpenRefused(WithZip64End(zip, /*record_disk=*/1), "several disks"));
}

TEST(ZipHostileTest, CentralDirectoryInTheWrongPlace) {
  const std::string zip = SmallZip();
  const Layout l = Walk(zip);
  for (uint32_t offset :
       {uint32_t{0x7FFFFFFF}, uint32_t{0xFFFFFFFE}, static_cast<uint32_t>(l.cd_offset + 1),
        static_cast<uint32_t>(l.cd_offset - 1)}) {
    std::string bad = zip;
    Set32(&bad, l.end + 16, offset);
    EXPECT_TRUE(OpenRefused(bad, "central directory is not where the end record says")) << offset;
  }
  std::string size = zip;
  Set32(&size, l.end + 12, Get32(zip, l.end + 12) + 1000);
  EXPECT_TRUE(OpenRefused(size, "central directory is not where the end record says"));
  // An entry whose local header offset points past the entries.
  std::string outside = zip;
  Set32(&outside, l.entries[2].central + 42, 0x7FFFFFFF);
  EXPECT_TRUE(OpenRefused(outside, "'empty': local header lies outside the entries' area"));
  outside = zip;
  Set32(&outside, l.entries[2].central + 42, static_cast<uint32_t>(l.cd_offset - 10));
  EXPECT_TRUE(OpenRefused(outside, "'empty': local header lies outside the entries' area"));
  std::string moved = zip;
  Set32(&moved, l.entries[0].central + 42, static_cast<uint32_t>(l.entries[1].local));
  EXPECT_TRUE(OpenRefused(moved, "'abcd': no entry owns the"));
}

TEST(ZipHostileTest, EntryCountThatLies) {
  const std::string zip = SmallZip();
  const Layout l = Walk(zip);
  std::string more = zip;
  Set16(&more, l.end + 8, 4);
  Set16(&more, l.end + 10, 4);
  EXPECT_TRUE(OpenRefused(more, "central directory"));
  std::string fewer = zip;
  Set16(&fewer, l.end + 8, 2);
  Set16(&fewer, l.end + 10, 2);
  EXPECT_TRUE(OpenRefused(fewer, "bytes after its last entry"));
  std::string huge = zip;
  Set16(&huge, l.end + 8, 0xFFFE);
  Set16(&huge, l.end + 10, 0xFFFE);
  EXPECT_TRUE(OpenRefused(huge, "too small for its entry count"));
}

TEST(ZipHostileTest, LocalHeaderThatDisagreesWithTheCentralDirectory) {
  const std::string zip = SmallZip();
  const Layout::Entry e = Walk(zip).entries[1];
  std::string sig = zip;
  sig[e.local] = 'Q';
  EXPECT_TRUE(OpenRefused(sig, "'dir/efgh': no local header at its offset"));
  std::string method = zip;
  Set16(&method, e.local + 8, 0);
  EXPECT_TRUE(OpenRefused(method, "local header's method differs"));
  std::string flags = zip;
  Set16(&flags, e.local + 6, 0x0008);
  EXPECT_TRUE(OpenRefused(flags, "local header's flags differ"));
  std::string name = zip;
  name[e.local + 30] = 'D';
  EXPECT_TRUE(OpenRefused(name, "'dir/efgh': local header names 'Dir/efgh'"));
  std::string crc = zip;
  Set32(&crc, e.local + 14, 0x12345678);
  EXPECT_TRUE(OpenRefused(crc, "local header's CRC-32 or sizes differ"));
  std::string size = zip;
  Set32(&size, e.local + 22, 2999);
  EXPECT_TRUE(OpenRefused(size, "local header's CRC-32 or sizes differ"));
  // Without a descriptor (a stored entry written with Add) zeros are wrong.
  const Layout::Entry stored = Walk(zip).entries[0];
  for (size_t field : {14, 18, 22}) {
    std::string zero = zip;
    Set32(&zero, stored.local + field, 0);
    EXPECT_TRUE(OpenRefused(zero, "'abcd': local header's CRC-32 or sizes differ")) << field;
  }
  // The right values instead of zeros are allowed with a descriptor.
  std::string filled = zip;
  Set32(&filled, e.local + 14, Get32(zip, e.central + 16));
  Set32(&filled, e.local + 18, Get32(zip, e.central + 20));
  Set32(&filled, e.local + 22, Get32(zip, e.central + 24));
  EXPECT_TRUE(OpenAndRead(filled).ok());
}

TEST(ZipHostileTest, DirectoryEntryWithData) {
  const std::string zip = Zip({{"abcd", "data"}});
  EXPECT_TRUE(OpenRefused(Rename(zip, "abcd", "abc/"), "'abc/': directory with data"));
  std::string stored = Zip({{"abcd", "data", ZipMethod::kStored}});
  Set32(&stored, Walk(stored).entries[0].central + 20, 3);
  EXPECT_TRUE(OpenRefused(stored, "stored, but its compressed size differs"));
}

// Every single-byte change to an archive is refused or changes nothing that
// a reader of the bundle sees (names and contents).
TEST(ZipHostileTest, EveryFlippedByteIsRefusedOrHarmless) {
  const std::string zip = SmallZip();
  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok());
  const auto original = ReadEverything(**reader);
  ASSERT_TRUE(original.ok());
  int refused = 0;
  for (size_t i = 0; i < zip.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string bad = zip;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      auto r = ZipReader::OpenBytes(bad);
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        ++refused;
        continue;
      }
      auto contents = ReadEverything(**r);
      if (!contents.ok()) {
        EXPECT_EQ(contents.status().code(), StatusCode::kDataLoss) << contents.status().ToString();
        ++refused;
        continue;
      }
      EXPECT_EQ(*contents, *original) << "byte " << i << " mask " << int{mask};
    }
  }
  EXPECT_GT(refused, static_cast<int>(zip.size()) * 2);
}

// ---------------------------------------------------------------------------
// ZIP64 by entry count, and interoperability with Python's zipfile, Info-ZIP.

std::string NumberedName(int i) {
  std::string n = std::to_string(i);
  return "n/" + std::string(5 - n.size(), '0') + n;
}

TEST(ZipZip64Test, SeventyThousandEntries) {
  constexpr int kCount = 70000;
  std::string zip;
  ZipWriter w([&zip](std::string_view b) {
    zip.append(b);
    return Status::Ok();
  });
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(w.Add(NumberedName(i), kTime, std::string(1, static_cast<char>(i & 0xFF)),
                      i % 2 ? ZipMethod::kDeflated : ZipMethod::kStored)
                    .ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  // End record of markers after a ZIP64 end record and its locator.
  const size_t end = zip.size() - 22;
  EXPECT_EQ(Get32(zip, end), 0x06054b50u);
  EXPECT_EQ(Get16(zip, end + 10), 0xFFFF);
  EXPECT_EQ(Get32(zip, end - 20), 0x07064b50u);
  EXPECT_EQ(Get32(zip, end - 20 - 56), 0x06064b50u);

  auto reader = ZipReader::OpenBytes(zip);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ((*reader)->entries().size(), size_t{kCount});
  for (int i : {0, 1, 65534, 65535, 65536, kCount - 1}) {
    const ZipEntry* e = (*reader)->Find(NumberedName(i));
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ((*reader)->ReadAll(*e).value(), std::string(1, static_cast<char>(i & 0xFF)));
  }
  ZipLimits limits;
  limits.max_entries = kCount - 1;
  EXPECT_TRUE(OpenRefused(zip, "70000 entries, more than the limit of 69999", limits));

  if (!Have("python3")) GTEST_SKIP() << "python3 not available";
  TempDir dir;
  WriteFile(dir.path() + "/many.zip", zip);
  std::string out;
  EXPECT_EQ(RunPython(dir, R"(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    names = zf.namelist()
    assert len(names) == 70000, len(names)
    assert zf.testzip() is None
    assert zf.read('n/65536') == bytes([65536 & 0xFF])
print('ok')
)",
                      dir.path() + "/many.zip", &out),
            0)
      << out;
}

const char kPythonReadsOurs[] = R"(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    bad = zf.testzip()
    assert bad is None, bad
    zf.extractall(sys.argv[2])
    for i in zf.infolist():
        print(i.filename, i.file_size, i.compress_type, i.date_time, sep='\t')
)";

TEST(ZipInteropTest, PythonAndUnzipReadOurs) {
  if (!Have("python3")) GTEST_SKIP() << "python3 not available";
  TempDir dir;
  const std::vector<Item> items = {
      {"manifest.xml", Text(5000), ZipMethod::kDeflated},
      {"keys/log-key.pem", "-----BEGIN PUBLIC KEY-----\n", ZipMethod::kStored},
      {"empty-stored", "", ZipMethod::kStored},
      {"empty-deflated", "", ZipMethod::kDeflated},
      {"audit/all-bytes", AllByteValues(40), ZipMethod::kDeflated},
      {"audit/random", RandomBytes(300000, 3), ZipMethod::kDeflated},
      {"records/客户.json", "{}", ZipMethod::kStored},
  };
  const std::string path = dir.path() + "/ours.zip";
  WriteFile(path, Zip(items));
  std::string out;
  ASSERT_EQ(RunPython(dir, kPythonReadsOurs, path + " " + dir.path() + "/x", &out), 0) << out;
  EXPECT_NE(out.find("manifest.xml\t5000\t8\t(2026, 11, 27, 8, 30, 0)"), std::string::npos) << out;
  EXPECT_NE(out.find("keys/log-key.pem\t27\t0\t"), std::string::npos) << out;
  for (const Item& i : items) {
    EXPECT_EQ(ReadFile(dir.path() + "/x/" + i.name), i.data) << i.name;
  }
  if (Have("unzip")) {
    EXPECT_EQ(RunShell("unzip -tq " + path, &out), 0) << out;
    EXPECT_NE(out.find("No errors detected"), std::string::npos) << out;
  }
  // The same archive with ZIP64 end records.
  WriteFile(path, WithZip64End(Zip(items)));
  ASSERT_EQ(RunPython(dir, kPythonReadsOurs, path + " " + dir.path() + "/y", &out), 0) << out;
  if (Have("unzip")) {
    EXPECT_EQ(RunShell("unzip -tq " + path, &out), 0) << out;
  }
}

// Python writes the same entries seekably (sizes in the local headers) and
// into a pipe (data descriptors); both with forced ZIP64 local headers, a
// directory entry and a comment.
const char kPythonWrites[] = R"(
import sys, zipfile
def fill(zf):
    zf.writestr(zipfile.ZipInfo('stored.txt', (2026, 11, 27, 8, 30, 0)), b'hello, stored\n')
    zf.writestr('deflated.bin', bytes(range(256)) * 400, compress_type=zipfile.ZIP_DEFLATED)
    with zf.open('zip64.txt', 'w', force_zip64=True) as f:
        f.write(b'forced zip64\n' * 1000)
    info = zipfile.ZipInfo('zip64-deflated.txt')
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, 'w', force_zip64=True) as f:
        f.write(b'x' * 100000)
    zf.writestr('empty', b'')
    zf.writestr(zipfile.ZipInfo('dir/'), b'')
    zf.writestr('dir/名字.txt', '中文'.encode())
    zf.comment = b'a comment with PK\x05\x06 inside'
if sys.argv[1] == '-':
    with zipfile.ZipFile(sys.stdout.buffer, 'w') as zf:
        fill(zf)
else:
    with zipfile.ZipFile(sys.argv[1], 'w') as zf:
        fill(zf)
)";

TEST(ZipInteropTest, WeReadPython) {
  if (!Have("python3")) GTEST_SKIP() << "python3 not available";
  TempDir dir;
  std::string out;
  ASSERT_EQ(RunPython(dir, kPythonWrites, dir.path() + "/seekable.zip", &out), 0) << out;
  const std::string script = dir.path() + "/script.py";
  ASSERT_EQ(RunShell("python3 " + script + " - | cat >" + dir.path() + "/piped.zip", &out), 0)
      << out;
  std::string forced;
  for (int r = 0; r < 1000; ++r) forced += "forced zip64\n";
  const std::map<std::string, std::string> want = {
      {"stored.txt", "hello, stored\n"},
      {"deflated.bin", AllByteValues(400)},
      {"zip64.txt", forced},
      {"zip64-deflated.txt", std::string(100000, 'x')},
      {"empty", ""},
      {"dir/", ""},
      {"dir/名字.txt", "中文"},
  };
  for (const char* name : {"seekable.zip", "piped.zip"}) {
    SCOPED_TRACE(name);
    const std::string zip = ReadFile(dir.path() + "/" + name);
    auto reader = ZipReader::OpenBytes(zip);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto contents = ReadEverything(**reader);
    ASSERT_TRUE(contents.ok()) << contents.status().ToString();
    EXPECT_EQ(*contents, want);
    EXPECT_TRUE((*reader)->Find("dir/")->is_directory());
    EXPECT_EQ((*reader)->Find("deflated.bin")->method, ZipMethod::kDeflated);
    EXPECT_EQ((*reader)->Find("stored.txt")->modified, kTimeInDos);
  }
}

// Java reads ours as a stream (ZipInputStream: local headers, data,
// descriptors, in order) and by the central directory (ZipFile); both check
// every CRC-32. The stream reader is why Add writes stored entries without
// a descriptor.
const char kJavaReads[] = R"(
import java.io.*;
import java.util.zip.*;
public class ZipRead {
  public static void main(String[] args) throws Exception {
    int n = 0;
    long bytes = 0;
    try (var in = new ZipInputStream(new BufferedInputStream(new FileInputStream(args[0])))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ++n) {
        bytes += in.transferTo(OutputStream.nullOutputStream());
      }
    }
    System.out.println("ZipInputStream " + n + " " + bytes);
    n = 0;
    bytes = 0;
    try (var zip = new ZipFile(args[0])) {
      for (var en = zip.entries(); en.hasMoreElements(); ++n) {
        try (var in = zip.getInputStream(en.nextElement())) {
          bytes += in.transferTo(OutputStream.nullOutputStream());
        }
      }
    }
    System.out.println("ZipFile " + n + " " + bytes);
  }
}
)";

TEST(ZipInteropTest, JavaReadsOursAsAStreamAndByTheCentralDirectory) {
  if (!Have("java")) GTEST_SKIP() << "java not available";
  TempDir dir;
  const std::vector<Item> items = {
      {"manifest.xml", Text(5000), ZipMethod::kDeflated},
      {"keys/log-key.pem", "-----BEGIN PUBLIC KEY-----\n", ZipMethod::kStored},
      {"empty-stored", "", ZipMethod::kStored},
      {"empty-deflated", "", ZipMethod::kDeflated},
      {"audit/random", RandomBytes(300000, 3), ZipMethod::kStored},
      {"records/客户.json", "{}", ZipMethod::kDeflated},
  };
  size_t total = 0;
  for (const Item& i : items) total += i.data.size();
  WriteFile(dir.path() + "/ours.zip", Zip(items));
  WriteFile(dir.path() + "/ZipRead.java", kJavaReads);
  std::string out;
  ASSERT_EQ(RunShell("java " + dir.path() + "/ZipRead.java " + dir.path() + "/ours.zip", &out), 0)
      << out;
  EXPECT_NE(out.find("ZipInputStream 6 " + std::to_string(total)), std::string::npos) << out;
  EXPECT_NE(out.find("ZipFile 6 " + std::to_string(total)), std::string::npos) << out;
}

TEST(ZipInteropTest, WeReadInfoZip) {
  if (!Have("zip")) GTEST_SKIP() << "zip not available";
  TempDir dir;
  const std::string t = dir.path() + "/t";
  ASSERT_EQ(std::system(("mkdir -p " + t + "/sub").c_str()), 0);
  WriteFile(t + "/a.txt", Text(20000));
  WriteFile(t + "/sub/b.bin", RandomBytes(5000, 4));
  WriteFile(t + "/sub/empty", "");
  std::string out;
  // Into a file (sizes in the local headers), and into a pipe (streamed:
  // data descriptors).
  ASSERT_EQ(RunShell("cd " + dir.path() + " && zip -q -r file.zip t", &out), 0) << out;
  ASSERT_EQ(RunShell("cd " + dir.path() + " && zip -q -r - t | cat >piped.zip", &out), 0) << out;
  for (const char* name : {"file.zip", "piped.zip"}) {
    SCOPED_TRACE(name);
    const std::string zip = ReadFile(dir.path() + "/" + name);
    auto reader = ZipReader::OpenBytes(zip);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto contents = ReadEverything(**reader);
    ASSERT_TRUE(contents.ok()) << contents.status().ToString();
    EXPECT_EQ(contents->at("t/a.txt"), Text(20000));
    EXPECT_EQ(contents->at("t/sub/b.bin"), RandomBytes(5000, 4));
    EXPECT_EQ(contents->at("t/sub/empty"), "");
    ASSERT_NE((*reader)->Find("t/sub/"), nullptr);
    EXPECT_TRUE((*reader)->Find("t/sub/")->is_directory());
  }
}

// ZIP64 by size and offset needs more than 4 GiB of archive: a sparse file
// (the big entry's zeros are a hole) read by ours and by Python. Slow
// (minutes under the sanitizers): run with CUSTOS_ZIP_LARGE_TESTS=1.
TEST(ZipZip64Test, EntryAndOffsetsBeyondFourGibibytes) {
  if (std::getenv("CUSTOS_ZIP_LARGE_TESTS") == nullptr) {
    GTEST_SKIP() << "set CUSTOS_ZIP_LARGE_TESTS=1 to run";
  }
  TempDir dir;
  const std::string path = dir.path() + "/large.zip";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  constexpr size_t kPiece = size_t{1} << 20;
  constexpr uint64_t kPieces = 4097;  // 4 GiB + 1 MiB
  const std::string zeros(kPiece, '\0');
  // The same size for Add, as untouched (all-zero) pages.
  void* map = ::mmap(nullptr, kPieces * kPiece, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  const std::string_view big_view(static_cast<const char*>(map), kPieces * kPiece);
  uint64_t at = 0;
  ZipWriter w([&](std::string_view b) {
    // The zero pieces become holes; everything else is written.
    if (b.data() != zeros.data() && b.data() != big_view.data()) {
      if (::pwrite(fd, b.data(), b.size(), static_cast<off_t>(at)) !=
          static_cast<ssize_t>(b.size())) {
        return Status::Unavailable("pwrite failed");
      }
    }
    at += b.size();
    return Status::Ok();
  });
  ASSERT_TRUE(w.Add("before", kTime, "first").ok());
  ASSERT_TRUE(w.Begin("zeros", kTime, ZipMethod::kStored).ok());
  for (uint64_t i = 0; i < kPieces; ++i) ASSERT_TRUE(w.Write(zeros).ok());
  ASSERT_TRUE(w.End().ok());
  ASSERT_TRUE(w.Add("after", kTime, Text(1000)).ok());
  ASSERT_TRUE(w.Add("zeros-added", kTime, big_view, ZipMethod::kStored).ok());
  ASSERT_TRUE(w.Finish().ok());
  ::munmap(map, kPieces * kPiece);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(at)), 0);
  ::close(fd);

  auto reader = ZipReader::OpenFile(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const ZipEntry* big = (*reader)->Find("zeros");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->size, kPieces * kPiece);
  const ZipEntry* after = (*reader)->Find("after");
  ASSERT_NE(after, nullptr);
  EXPECT_GT(after->local_header_offset, uint64_t{0xFFFFFFFF});
  EXPECT_EQ((*reader)->ReadAll(*after).value(), Text(1000));
  uint64_t zero_bytes = 0;
  ASSERT_TRUE((*reader)
                  ->Read(*big,
                         [&](std::string_view piece) {
                           zero_bytes += piece.size();
                           return Status::Ok();
                         })
                  .ok());
  EXPECT_EQ(zero_bytes, kPieces * kPiece);
  // Add's stored entry: sizes in the local header's ZIP64 field.
  const ZipEntry* added = (*reader)->Find("zeros-added");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->size, kPieces * kPiece);
  EXPECT_EQ((*reader)->Read(*added, [](std::string_view) { return Status::Ok(); }), Status::Ok());
  std::string local(30, '\0');
  const int rfd = ::open(path.c_str(), O_RDONLY);
  ASSERT_EQ(::pread(rfd, local.data(), 30, static_cast<off_t>(added->local_header_offset)), 30);
  ::close(rfd);
  EXPECT_EQ(Get16(local, 4), 45);  // version needed
  EXPECT_EQ(Get16(local, 6), 0x0800);
  EXPECT_EQ(Get32(local, 18), 0xFFFFFFFFu);
  EXPECT_EQ(Get16(local, 28), 20);  // the ZIP64 field

  std::string out;
  EXPECT_EQ(RunPython(dir, R"(
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    assert zf.testzip() is None
    assert zf.getinfo('zeros').file_size == 4097 << 20
    assert zf.getinfo('zeros-added').file_size == 4097 << 20
    print(zf.read('after')[:20])
)",
                      path, &out),
            0)
      << out;
  if (Have("unzip")) {
    EXPECT_EQ(RunShell("unzip -tq " + path, &out), 0) << out;
  }
}

}  // namespace
}  // namespace custos::vault::evidence
