// The audit log at scale (issue 23): what an auditor, a departure and a
// verifier ask of a log of millions of events. Not a test: prints numbers.
//
//   audit_scale_bench [--dir DIR] [--events N] [--keep]
//
// Seeds N events (default 10 000 000) in durable batches of 4 096 — 1 000
// people acting on 100 000 files, and one rare person with an event every
// 200 000, and a refused view every 100 000 — then builds the actor/object
// and denials index as `custos serve` does (IndexPending, in steps of
// 4 096), and measures:
//   - a page of the 50 newest events of a person, of a file, of the rare
//     person, and of the whole log (the audit page's reads), and the 8
//     newest refused attempts (the auditors' home page), p50/p99;
//   - every event of one person (the log part of their departure report);
//   - `audit verify` of the whole log (B7) against SHA-256 of the same leaf
//     bytes and tree on one core (leaf hashes and the compact range's
//     interior hashes: what the verifier must compute at least);
//   - data.mdb bytes per event, with and without the index.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/bench/bench_util.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/merkle.h"

namespace custos::vault {
namespace {

using bench::Clock;
using bench::DataBytes;
using bench::Seconds;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "audit_scale_bench: %s\n", what.c_str());
  std::exit(1);
}

constexpr uint64_t kPeople = 1000;
constexpr uint64_t kFiles = 100000;
constexpr uint64_t kRareEvery = 200000;
constexpr uint64_t kDeniedEvery = 100000;

AuditEvent Event(uint64_t i) {
  AuditEvent::Actor actor{"u" + std::to_string(i % kPeople), "Zhang San 张三"};
  if (i % kRareEvery == kRareEvery / 2) actor = {"u-rare", "Li Si 李四"};
  AuditEvent e = bench::ViewEvent(i, std::move(actor), "rec-" + std::to_string((i / 7) % kFiles));
  if (i % kDeniedEvery == kDeniedEvery / 3) {
    e.decision = AuditDecision::kDeny;
    e.outcome = "quota_exhausted";
  }
  return e;
}

struct Latency {
  double p50 = 0;
  double p99 = 0;
  size_t found = 0;
};

// Runs `page` `runs` times (each with its run index) and reports p50/p99 ms.
template <typename F>
Latency Measure(int runs, F page) {
  std::vector<double> ms;
  size_t found = 0;
  for (int r = 0; r < runs; ++r) {
    const auto a = Clock::now();
    found = page(r);
    ms.push_back(Seconds(a, Clock::now()) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return Latency{ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)], found};
}

size_t Page(const AuditLog& log, const Vault& vault, AuditFilter filter, size_t limit) {
  auto txn = vault.BeginRead();
  if (!txn.ok()) Fail("read: " + txn.status().ToString());
  size_t n = 0;
  Status st = log.Export(**txn, filter, [&](uint64_t, std::string_view) { return ++n < limit; });
  if (!st.ok()) Fail("export: " + st.ToString());
  return n;
}

}  // namespace
}  // namespace custos::vault

int main(int argc, char** argv) {
  using namespace custos;
  using namespace custos::vault;
  std::string dir = "/tmp/custos-audit-scale";
  uint64_t events = 10000000;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
    if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) events = std::stoull(argv[++i]);
    if (std::strcmp(argv[i], "--keep") == 0) keep = true;
  }
  std::filesystem::remove_all(dir);
  CreateOptions c;
  c.kdf = Argon2Params::ForTests();
  c.log_name = "custos.bench/vault";
  OpenOptions o;
  o.initial_map_size = size_t{4} << 30;
  auto vault = Vault::Create(dir, SecretBytes::CopyOf("bench passphrase"), c, o);
  if (!vault.ok()) Fail("create: " + vault.status().ToString());
  auto log = AuditLog::Open(**vault);
  if (!log.ok()) Fail("log: " + log.status().ToString());
  Vault& v = **vault;
  const AuditLog& l = **log;
  std::printf("== the audit log at %llu events ==\n", static_cast<unsigned long long>(events));

  // Seeding: durable batches, events encoded before each Write.
  constexpr uint64_t kBatch = 4096;
  const auto s0 = Clock::now();
  for (uint64_t done = 0; done < events; done += kBatch) {
    std::vector<PreparedAuditEvent> batch;
    for (uint64_t i = done; i < std::min(events, done + kBatch); ++i) {
      auto p = PrepareAuditEvent(Event(i));
      if (!p.ok()) Fail("prepare: " + p.status().ToString());
      batch.push_back(std::move(p).value());
    }
    Status st = v.Write([&](WriteTxn& w) -> Status {
      for (const PreparedAuditEvent& p : batch) CUSTOS_RETURN_IF_ERROR(l.Append(w, p).status());
      return Status::Ok();
    });
    if (!st.ok()) Fail("append: " + st.ToString());
  }
  const double seed_s = Seconds(s0, Clock::now());
  const uint64_t before_index = DataBytes(dir);
  std::printf("seeded in %.1f s (%.0f events/s, batches of %llu)\n", seed_s, events / seed_s,
              static_cast<unsigned long long>(kBatch));

  const auto i0 = Clock::now();
  uint64_t indexed = 0;
  while (true) {
    auto n = l.IndexPending(4096);
    if (!n.ok()) Fail("index: " + n.status().ToString());
    if (*n == 0) break;
    indexed += *n;
  }
  const double index_s = Seconds(i0, Clock::now());
  const uint64_t after_index = DataBytes(dir);
  std::printf("actor/object and denials index built in %.1f s (%.0f events/s)\n", index_s,
              indexed / index_s);
  std::printf("data.mdb: %.2f GiB; %.0f bytes per event (%.0f without the index)\n",
              static_cast<double>(after_index) / (1 << 30),
              static_cast<double>(after_index) / static_cast<double>(events),
              static_cast<double>(before_index) / static_cast<double>(events));

  const int runs = 41;
  // Files with events so far (event i acts on file (i / 7) mod kFiles).
  const uint64_t files_used = std::clamp<uint64_t>(events / 7, 1, kFiles);
  auto person = Measure(runs, [&](int r) {
    AuditFilter f;
    f.actor = "u" + std::to_string((r * 37) % kPeople);
    f.newest_first = true;
    return Page(l, v, f, 50);
  });
  auto file = Measure(runs, [&](int r) {
    AuditFilter f;
    f.object = "rec-" + std::to_string((r * 7919) % files_used);
    f.newest_first = true;
    return Page(l, v, f, 50);
  });
  auto rare = Measure(runs, [&](int) {
    AuditFilter f;
    f.actor = "u-rare";
    f.newest_first = true;
    return Page(l, v, f, 50);
  });
  auto nobody = Measure(runs, [&](int) {
    AuditFilter f;
    f.actor = "u-nobody";
    f.newest_first = true;
    return Page(l, v, f, 50);
  });
  auto newest = Measure(runs, [&](int) {
    AuditFilter f;
    f.newest_first = true;
    return Page(l, v, f, 50);
  });
  auto denials = Measure(runs, [&](int) {
    AuditFilter f;
    f.denied = true;
    f.newest_first = true;
    return Page(l, v, f, 8);
  });
  auto all_of_one = Measure(5, [&](int r) {
    AuditFilter f;
    f.actor = "u" + std::to_string(r + 1);
    return Page(l, v, f, events);
  });
  const auto row = [](const char* what, const Latency& x) {
    std::printf("%-44s %6zu events  p50 %8.2f ms  p99 %8.2f ms\n", what, x.found, x.p50, x.p99);
  };
  row("page of a person's 50 newest events", person);
  row("page of a file's 50 newest events", file);
  row("page of the rare person's newest events", rare);
  row("a person with no events", nobody);
  row("page of the log's 50 newest events", newest);
  row("the 8 newest refused attempts (home page)", denials);
  row("every event of one person (departure report)", all_of_one);

  // B7: verify the whole log, against SHA-256 of the same leaves and tree.
  const auto v0 = Clock::now();
  auto report = l.Verify();
  const double verify_s = Seconds(v0, Clock::now());
  if (!report.ok()) Fail("verify: " + report.status().ToString());
  double hash_s = 0;
  std::string root;
  {
    // The leaves are read (and opened) in chunks outside the timing; only
    // the hashing is timed.
    merkle::CompactRange range;
    auto txn = v.BeginRead();
    if (!txn.ok()) Fail("read: " + txn.status().ToString());
    std::vector<std::string> chunk;
    const auto hash_chunk = [&] {
      const auto a = Clock::now();
      for (const std::string& leaf : chunk) {
        Status st = range.Append(merkle::LeafHash(leaf));
        if (!st.ok()) Fail("hash: " + st.ToString());
      }
      hash_s += Seconds(a, Clock::now());
      chunk.clear();
    };
    Status st = (*txn)->Scan(tables::kAuditLeaves, "",
                             [&](std::string_view, std::string_view leaf) -> Result<bool> {
                               chunk.emplace_back(leaf);
                               if (chunk.size() == 100000) hash_chunk();
                               return true;
                             });
    if (!st.ok()) Fail("scan: " + st.ToString());
    hash_chunk();
    root = range.Root();
  }
  if (root != report->root) Fail("the baseline's root differs from the verifier's");
  std::printf(
      "audit verify (B7): %.1f s, %.0f events/s; SHA-256 of the same leaves and tree: %.1f s, "
      "%.0f events/s; ratio %.2f (target >= 0.5)\n",
      verify_s, events / verify_s, hash_s, events / hash_s, hash_s / verify_s);
  log->reset();
  vault->reset();
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}
