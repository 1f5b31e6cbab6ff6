// Grows a vault made by `custos demo --customers N` to the scale of issue
// 23: appends `--events` audit events to its log — views of the vault's own
// files by 1 000 people who are not its users (bench-only actors), and one
// view in every 1 000 by the demo's leaver, 李婷 (sales.li) — in durable
// batches of 4 096, then builds the actor/object index as `custos serve`
// does (IndexPending). tests/bench/scale_bench.sh then measures the grown
// vault through `custos serve`. Not a test: the events are made up, and
// the view counters do not count them.
//
//   scale_seed --data DIR --events N        passphrase: $CUSTOS_PASSPHRASE
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/bench/bench_util.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/store/tables.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace {

using bench::Clock;
using bench::DataBytes;
using bench::Seconds;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "scale_seed: %s\n", what.c_str());
  std::exit(1);
}

constexpr uint64_t kPeople = 1000;
constexpr uint64_t kLeaverEvery = 1000;

// Event i: by one of the bench's people, or one in 1 000 by `leaver`; on
// a file of `files`, each viewed by runs of seven consecutive events.
AuditEvent Event(uint64_t i, const std::vector<std::string>& files,
                 const AuditEvent::Actor& leaver) {
  AuditEvent::Actor actor{"u-bench-" + std::to_string(i % kPeople),
                          "压测用户 " + std::to_string(i % kPeople)};
  if (i % kLeaverEvery == kLeaverEvery / 2) actor = leaver;
  return bench::ViewEvent(i, std::move(actor), files[(i / 7 * 7919) % files.size()]);
}

}  // namespace
}  // namespace custos::vault

int main(int argc, char** argv) {
  using namespace custos;
  using namespace custos::vault;
  std::string dir;
  uint64_t events = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0 && i + 1 < argc) dir = argv[++i];
    if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) events = std::stoull(argv[++i]);
  }
  const char* passphrase = std::getenv("CUSTOS_PASSPHRASE");
  if (dir.empty() || passphrase == nullptr)
    Fail("usage: CUSTOS_PASSPHRASE=... scale_seed --data DIR --events N");
  OpenOptions o;
  o.initial_map_size = size_t{4} << 30;
  auto vault = Vault::Open(dir, SecretBytes::CopyOf(passphrase), o);
  if (!vault.ok()) Fail("open: " + vault.status().ToString());
  auto log = AuditLog::Open(**vault);
  if (!log.ok()) Fail("log: " + log.status().ToString());
  Vault& v = **vault;
  const AuditLog& l = **log;

  std::vector<std::string> files;
  AuditEvent::Actor leaver;
  {
    auto txn = v.BeginRead();
    if (!txn.ok()) Fail("read: " + txn.status().ToString());
    Status st =
        (*txn)->ScanKeys(tables::kRecordIndex, "", [&](std::string_view key) -> Result<bool> {
          files.emplace_back(key);
          return true;
        });
    if (!st.ok()) Fail("files: " + st.ToString());
    auto li = FindUserByName(**txn, "sales.li");
    if (!li.ok()) Fail("the demo's leaver sales.li: " + li.status().ToString());
    leaver = {li->id, li->display_name};
  }
  if (files.empty()) Fail("the vault has no files: make it with custos demo --customers N");
  const uint64_t bytes_before = DataBytes(dir);

  constexpr uint64_t kBatch = 4096;
  const auto s0 = Clock::now();
  for (uint64_t done = 0; done < events; done += kBatch) {
    std::vector<PreparedAuditEvent> batch;
    for (uint64_t i = done; i < std::min(events, done + kBatch); ++i) {
      auto p = PrepareAuditEvent(Event(i, files, leaver));
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
  const auto i0 = Clock::now();
  uint64_t indexed = 0;
  while (true) {
    auto n = l.IndexPending(4096);
    if (!n.ok()) Fail("index: " + n.status().ToString());
    if (*n == 0) break;
    indexed += *n;
  }
  const double index_s = Seconds(i0, Clock::now());
  const uint64_t bytes_after = DataBytes(dir);
  std::printf(
      "appended %llu events on %zu files in %.1f s (%.0f/s, durable batches of %llu); indexed "
      "%llu in %.1f s; data.mdb grew by %.0f bytes per event\n",
      static_cast<unsigned long long>(events), files.size(), seed_s,
      seed_s > 0 ? events / seed_s : 0.0, static_cast<unsigned long long>(kBatch),
      static_cast<unsigned long long>(indexed), index_s,
      events > 0 ? static_cast<double>(bytes_after - bytes_before) / events : 0.0);
  return 0;
}
