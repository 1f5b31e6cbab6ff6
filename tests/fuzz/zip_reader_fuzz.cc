// Fuzzes the ZIP reader (vault/evidence/zip.h) with the archives an
// adversary could hand the bundle verifier: opens, lists and reads every
// entry under small limits. Beyond "no crash, no undefined behaviour", it
// checks the reader's promises and aborts when one breaks:
//  - failures carry the documented codes (kInvalidArgument when opening,
//    kDataLoss when reading);
//  - Find finds every listed entry, and an entry that reads without error
//    gave exactly its size in bytes;
//  - what the reader accepts, the writer can write again (they agree on
//    names), and the rewritten archive reads back the same.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vault/evidence/zip.h"

namespace {

using custos::Status;
using custos::StatusCode;
using custos::vault::evidence::ZipEntry;
using custos::vault::evidence::ZipLimits;
using custos::vault::evidence::ZipReader;
using custos::vault::evidence::ZipWriter;

// Small, so that a declared size cannot make one input take seconds.
constexpr ZipLimits kLimits{
    .max_entries = 512, .max_entry_size = uint64_t{1} << 20, .max_total_size = uint64_t{4} << 20};

void Require(bool ok, const char* promise, const Status& status = Status::Ok()) {
  if (ok) return;
  std::fprintf(stderr, "zip_reader_fuzz: broken promise: %s (%s)\n", promise,
               status.ToString().c_str());
  std::abort();
}

struct Content {
  const ZipEntry* entry;
  std::string data;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto reader = ZipReader::OpenBytes(bytes, kLimits);
  if (!reader.ok()) {
    Require(reader.status().code() == StatusCode::kInvalidArgument,
            "Open fails as kInvalidArgument", reader.status());
    return 0;
  }
  std::vector<Content> files;
  bool all_read = true;
  for (const ZipEntry& e : (*reader)->entries()) {
    Require((*reader)->Find(e.name) == &e, "Find finds every listed entry");
    std::string content;
    const Status s = (*reader)->Read(e, [&content](std::string_view piece) {
      content.append(piece);
      return Status::Ok();
    });
    if (!s.ok()) {
      Require(s.code() == StatusCode::kDataLoss, "Read fails as kDataLoss", s);
      all_read = false;
      continue;
    }
    Require(content.size() == e.size, "a read entry has its size");
    if (!e.is_directory()) files.push_back({&e, std::move(content)});
  }
  if (!all_read) return 0;

  std::string rewritten;
  ZipWriter writer([&rewritten](std::string_view b) {
    rewritten.append(b);
    return Status::Ok();
  });
  for (const Content& f : files) {
    const Status s = writer.Add(f.entry->name, f.entry->modified, f.data, f.entry->method);
    Require(s.ok(), "the writer takes every name the reader took", s);
  }
  Require(writer.Finish().ok(), "Finish");
  auto again = ZipReader::OpenBytes(rewritten, kLimits);
  Require(again.ok(), "a rewritten archive opens", again.status());
  Require((*again)->entries().size() == files.size(), "a rewritten archive has the same files");
  for (const Content& f : files) {
    const ZipEntry* e = (*again)->Find(f.entry->name);
    Require(e != nullptr, "a rewritten archive has the same names");
    auto back = (*again)->ReadAll(*e);
    Require(back.ok() && *back == f.data, "a rewritten archive has the same contents",
            back.status());
    // An invalid DOS time reads as 0 and is written as the earliest one.
    Require(f.entry->modified == 0 || e->modified == f.entry->modified,
            "a rewritten archive has the same times");
  }
  return 0;
}
