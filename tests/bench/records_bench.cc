// Records benchmarks (run by hand; numbers and ratios against baselines
// measured in the same run):
//   1. metadata search over N customer files (default 100,000), audited;
//   2. audited view (access check + decrypt + durable audit event, 32
//      concurrent readers, group commit) vs B1's baseline: raw LMDB get +
//      copy of the same bytes, then a durable, group-committed LMDB put of
//      an event of the same size (and, as in the first round, vs the bare
//      get + copy);
//   3. encrypted point read, audit path off (ReadTxn::Get, 4 KiB values) vs
//      SQLCipher in its default configuration;
//   4. durable 4 KiB writes from 16 writers (group commit) vs SQLCipher in
//      WAL mode with synchronous=FULL, one row per transaction.
//   5. B6: a 100 MiB attachment up and down through the vault vs raw
//      XChaCha20-Poly1305 secretstream over the same bytes + one fdatasync.
// Usage: records_bench [--records N] [--quick]
//                      [--search-only | --view-only | --attachment-only]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <lmdb.h>
#include <memory>
#include <mutex>
#include <random>
#include <sodium.h>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <sys/resource.h>

#ifdef CUSTOS_HAVE_SQLCIPHER
#include <sqlcipher/sqlite3.h>
#endif

#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/attachments.h"
#include "vault/records/records.h"
#include "vault/store/vault.h"

namespace {

using namespace custos;
using namespace custos::vault;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

[[noreturn]] void Fail(const Status& st, const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Fail(r.status(), what);
  return std::move(r).value();
}

void Must(const Status& st, const char* what) {
  if (!st.ok()) Fail(st, what);
}

// The process's peak resident set (VmHWM), in MiB; 0 when unknown.
double PeakRssMiB() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::atof(line + 6);
  }
  std::fclose(f);
  return kib / 1024;
}

std::string TempPath(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("custos-bench-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

std::string Filler(size_t n, uint32_t seed) {
  std::string s(n, 'x');
  std::mt19937 g(seed);
  for (char& c : s) c = static_cast<char>('a' + g() % 26);
  return s;
}

struct Env {
  std::string dir;
  std::unique_ptr<Vault> vault;
  std::unique_ptr<AuditLog> log;
  std::unique_ptr<Archive> archive;
  User author;
  User borrower;
};

Env MakeEnv(const std::string& name) {
  Env e;
  e.dir = TempPath(name);
  CreateOptions co;
  co.kdf = Argon2Params::ForTests();
  e.vault =
      Must(Vault::Create(e.dir + "/v", SecretBytes::CopyOf("bench passphrase"), co), "create");
  e.log = Must(AuditLog::Open(*e.vault), "audit log");
  e.archive = Must(Archive::Open(*e.vault, *e.log), "archive");
  auto add = [&](const char* name, std::vector<policy::Role> roles) {
    User u;
    u.username = name;
    u.display_name = name;
    u.roles = std::move(roles);
    User out;
    Must(e.vault->Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(out, CreateUser(w, u));
      return Status::Ok();
    }),
         "user");
    return out;
  };
  e.author = add("author", {policy::Role::kAuthor});
  e.borrower = add("borrower", {policy::Role::kBorrower});
  return e;
}

Caller As(const User& u) {
  Caller c;
  c.user_id = u.id;
  c.place.workstation = "bench";
  return c;
}

constexpr std::array<const char*, 8> kCities = {"上海", "苏州", "杭州", "北京",
                                                "广州", "深圳", "成都", "武汉"};
constexpr std::array<const char*, 8> kTrades = {"机电", "模具", "纺织", "化工",
                                                "电子", "食品", "物流", "建材"};

// Throughput and latency of one run.
struct Run {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

Run Summarize(std::vector<double> ms, double seconds) {
  Run r;
  r.per_second = static_cast<double>(ms.size()) / seconds;
  std::sort(ms.begin(), ms.end());
  if (!ms.empty()) {
    r.p50_ms = ms[ms.size() / 2];
    r.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  }
  return r;
}

void BenchSearch(size_t n, bool quick) {
  std::printf("== 1. metadata search over %zu customer files ==\n", n);
  Env e = MakeEnv("search");
  std::mt19937 g(7);
  auto t0 = Clock::now();
  const size_t batch = 2000;
  for (size_t done = 0; done < n; done += batch) {
    std::vector<NewRecord> recs;
    for (size_t i = done; i < std::min(n, done + batch); ++i) {
      NewRecord r;
      r.name = std::string(kCities[g() % 8]) + "第" + std::to_string(i) + "号" + kTrades[g() % 8] +
               "有限公司";
      r.classification = static_cast<policy::Classification>(g() % 5);
      r.tags = {kCities[g() % 8], kTrades[g() % 8]};
      r.content.notes = Filler(300, static_cast<uint32_t>(i));
      recs.push_back(std::move(r));
    }
    Must(e.archive->CreateRecords(As(e.author), recs, "bench").status(), "create records");
  }
  auto t1 = Clock::now();
  std::printf("seeded %zu records (each with its audit event) in %.1f s (%.0f records/s)\n", n,
              Seconds(t0, t1), n / Seconds(t0, t1));
  // The catalog read from every file, then saved (by hand here, not by
  // the Archive's builder, to time it), then read back from the saved one,
  // with no changes since and with n/32 files added since.
  ArchiveOptions no_autosave;
  no_autosave.save_catalog_from = SIZE_MAX;
  t0 = Clock::now();
  auto reopened = Must(Archive::Open(*e.vault, *e.log, no_autosave), "reopen");
  t1 = Clock::now();
  Must(reopened->AwaitCatalog(), "catalog");
  auto t2 = Clock::now();
  std::printf(
      "archive open (serving): %.0f ms; catalog read from every file in the background after "
      "%.0f ms (%zu entries)\n",
      Seconds(t0, t1) * 1000, Seconds(t0, t2) * 1000, reopened->CatalogSize());
  t0 = Clock::now();
  Must(reopened->SaveCatalog(), "save catalog");
  std::printf("catalog saved in %.0f ms\n", Seconds(t0, Clock::now()) * 1000);
  const auto time_saved_open = [&](const char* label) {
    const auto s0 = Clock::now();
    auto a = Must(Archive::Open(*e.vault, *e.log, no_autosave), "reopen");
    Must(a->AwaitCatalog(), "catalog");
    const CatalogLoad load = a->LastCatalogLoad();
    std::printf("catalog from the saved one %s: %.0f ms (saved: %s, %llu changes taken in)\n",
                label, Seconds(s0, Clock::now()) * 1000, load.saved ? "yes" : "NO",
                static_cast<unsigned long long>(load.changes));
    return a;
  };
  time_saved_open("and no changes since");
  {
    std::vector<NewRecord> more(std::max<size_t>(n / 32, 1));
    for (size_t i = 0; i < more.size(); ++i) {
      more[i].name = "新增客户 " + std::to_string(i);
      more[i].classification = policy::Classification::kInternal;
    }
    for (size_t done = 0; done < more.size(); done += batch) {
      std::vector<NewRecord> part(more.begin() + done,
                                  more.begin() + std::min(more.size(), done + batch));
      Must(reopened->CreateRecords(As(e.author), part, "bench").status(), "create records");
    }
  }
  reopened = time_saved_open("and n/32 files added since");
  {
    std::error_code ec;
    const uintmax_t bytes = std::filesystem::file_size(e.dir + "/v/data.mdb", ec);
    std::printf(
        "data.mdb: %.1f MiB, %.0f bytes per file (each with its version, metadata, "
        "ownership entry and audit event); peak RSS %.0f MiB\n",
        bytes / 1048576.0, static_cast<double>(bytes) / n, PeakRssMiB());
  }

  struct Q {
    const char* label;
    SearchQuery q;
  };
  std::vector<Q> qs(4);
  qs[0] = {"text \"苏州\"", {}};
  qs[0].q.text = "苏州";
  qs[1] = {"tag 模具", {}};
  qs[1].q.tag = "模具";
  qs[2] = {"classification secret + text \"第99\"", {}};
  qs[2].q.classification = policy::Classification::kSecret;
  qs[2].q.text = "第99";
  qs[3] = {"no filter (count all)", {}};
  const int iters = quick ? 10 : 50;
  for (const Q& q : qs) {
    std::vector<double> ms;
    size_t total = 0;
    for (int i = 0; i < iters; ++i) {
      auto a = Clock::now();
      auto r = Must(e.archive->Search(As(e.borrower), q.q), "search");
      ms.push_back(Seconds(a, Clock::now()) * 1000);
      total = r.total;
    }
    const Run run = Summarize(std::move(ms), 1);
    std::printf("search %-38s matches %6zu  median %6.2f ms  p99 %6.2f ms  (audited, durable)\n",
                q.label, total, run.p50_ms, run.p99_ms);
  }
  std::filesystem::remove_all(e.dir);
}

// A raw LMDB environment in a fresh directory, holding `values` under
// "k<index>" in its database "values": what the baselines read.
struct RawValues {
  std::string dir;
  MDB_env* env = nullptr;
  MDB_dbi values = 0;
  ~RawValues() {
    if (env != nullptr) mdb_env_close(env);
    std::filesystem::remove_all(dir);
  }
};

std::unique_ptr<RawValues> OpenRawValues(const std::string& name,
                                         const std::vector<std::string>& values) {
  auto raw = std::make_unique<RawValues>();
  raw->dir = TempPath(name);
  mdb_env_create(&raw->env);
  mdb_env_set_mapsize(raw->env, size_t{4} << 30);
  mdb_env_set_maxreaders(raw->env, 256);
  mdb_env_set_maxdbs(raw->env, 4);
  if (mdb_env_open(raw->env, raw->dir.c_str(), 0, 0600) != 0) std::exit(1);
  MDB_txn* txn;
  mdb_txn_begin(raw->env, nullptr, 0, &txn);
  mdb_dbi_open(txn, "values", MDB_CREATE, &raw->values);
  for (size_t i = 0; i < values.size(); ++i) {
    std::string k = "k" + std::to_string(i);
    MDB_val key{k.size(), k.data()};
    MDB_val val{values[i].size(), const_cast<char*>(values[i].data())};
    mdb_put(txn, raw->values, &key, &val, 0);
  }
  mdb_txn_commit(txn);
  return raw;
}

// The baselines' read: value "k<index>" copied out of a read transaction
// of raw LMDB. Returns the bytes copied.
size_t ReadCopy(MDB_env* env, MDB_dbi dbi, size_t index) {
  MDB_txn* txn;
  mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  std::string k = "k" + std::to_string(index);
  MDB_val key{k.size(), k.data()};
  MDB_val val;
  size_t n = 0;
  if (mdb_get(txn, dbi, &key, &val) == 0) {
    std::string copy(static_cast<const char*>(val.mv_data), val.mv_size);
    n = copy.size();
  }
  mdb_txn_abort(txn);
  return n;
}

double RawLmdbReads(const std::vector<std::string>& values, int threads, int per_thread) {
  const auto raw = OpenRawValues("raw", values);
  MDB_env* env = raw->env;
  const MDB_dbi dbi = raw->values;
  std::atomic<uint64_t> sink{0};
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 g(t);
      for (int i = 0; i < per_thread; ++i) sink += ReadCopy(env, dbi, g() % values.size());
    });
  }
  for (auto& t : ts) t.join();
  const double s = Seconds(t0, Clock::now());
  return threads * static_cast<double>(per_thread) / s;
}

// B1's baseline, with the durability an audited view has: each of
// `threads` threads reads a value (raw LMDB get + copy), then hands an event
// of `event_bytes` to a committer thread, which puts every waiting event in
// one LMDB transaction and commits it (synchronously: durable) before
// releasing their threads — group commit, as the vault does it.
Run RawGetThenGroupCommittedPut(const std::vector<std::string>& values, size_t event_bytes,
                                int threads, int per_thread) {
  const auto raw = OpenRawValues("raw-durable", values);
  MDB_env* env = raw->env;
  const MDB_dbi values_dbi = raw->values;
  MDB_dbi events_dbi;
  {
    MDB_txn* txn;
    mdb_txn_begin(env, nullptr, 0, &txn);
    mdb_dbi_open(txn, "events", MDB_CREATE, &events_dbi);
    mdb_txn_commit(txn);
  }
  struct Request {
    std::string event;
    bool done = false;
  };
  std::mutex mu;
  std::condition_variable wake_committer, wake_callers;
  std::vector<Request*> queue;
  bool stop = false;
  uint64_t next_key = 0;
  std::thread committer([&] {
    std::vector<Request*> batch;
    while (true) {
      {
        std::unique_lock lock(mu);
        wake_committer.wait(lock, [&] { return stop || !queue.empty(); });
        if (queue.empty()) return;
        batch.swap(queue);
      }
      MDB_txn* txn;
      mdb_txn_begin(env, nullptr, 0, &txn);
      for (Request* r : batch) {
        const std::string k = EncodeU64(next_key++);
        MDB_val key{k.size(), const_cast<char*>(k.data())};
        MDB_val val{r->event.size(), r->event.data()};
        mdb_put(txn, events_dbi, &key, &val, MDB_APPEND);
      }
      if (mdb_txn_commit(txn) != 0) std::exit(1);
      {
        std::lock_guard lock(mu);
        for (Request* r : batch) r->done = true;
      }
      wake_callers.notify_all();
      batch.clear();
    }
  });
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<uint64_t> sink{0};
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 g(t);
      for (int i = 0; i < per_thread; ++i) {
        const auto a = Clock::now();
        sink += ReadCopy(env, values_dbi, g() % values.size());
        Request r{std::string(event_bytes, static_cast<char>('a' + t % 26)), false};
        {
          std::unique_lock lock(mu);
          queue.push_back(&r);
          wake_committer.notify_one();
          wake_callers.wait(lock, [&] { return r.done; });
        }
        latencies[t].push_back(Seconds(a, Clock::now()) * 1000);
      }
    });
  }
  for (auto& t : ts) t.join();
  const double s = Seconds(t0, Clock::now());
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  wake_committer.notify_one();
  committer.join();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  return Summarize(std::move(all), s);
}

// CPU time (user + system) of the whole process so far, in seconds.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void BenchAuditedView(bool quick, int views_per_thread) {
  std::printf("\n== 2. audited view, 32 concurrent readers, vs raw LMDB get + copy ==\n");
  Env e = MakeEnv("view");
  const int records = 1000;
  std::vector<NewRecord> recs;
  for (int i = 0; i < records; ++i) {
    NewRecord r;
    r.name = "客户" + std::to_string(i);
    r.classification = policy::Classification::kInternal;  // owner: no loan, no quota
    r.content.notes = Filler(4096, static_cast<uint32_t>(i));
    recs.push_back(std::move(r));
  }
  auto metas = Must(e.archive->CreateRecords(As(e.author), recs, "bench"), "records");
  // The same stored bytes (the serialized version) for the raw baseline.
  std::vector<std::string> raw;
  {
    auto r = Must(e.vault->BeginRead(), "read");
    for (const RecordMeta& m : metas) {
      std::string key = m.id;
      key.push_back('\0');
      key += EncodeU32(1);
      raw.push_back(Must(r->Get(tables::kRecords, key), "get"));
    }
  }
  const int threads = 32;
  const int per_thread = views_per_thread > 0 ? views_per_thread : quick ? 50 : 300;
  // One run of 32 callers viewing files at random with `options`.
  struct ViewRun {
    Run run;
    int failures = 0;
    double cpu_per_view_us = 0;
    Vault::CommitStats stats;  // this run's share
  };
  const auto views = [&](const ViewOptions& options) {
    std::atomic<int> failures{0};
    std::vector<std::vector<double>> latencies(threads);
    const Vault::CommitStats before = e.vault->commit_stats();
    const double cpu0 = ProcessCpuSeconds();
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t) {
      ts.emplace_back([&, t] {
        std::mt19937 g(t);
        for (int i = 0; i < per_thread; ++i) {
          const auto a = Clock::now();
          auto v = e.archive->View(As(e.author), metas[g() % metas.size()].id, "benchmark view",
                                   options);
          if (!v.ok()) failures++;
          latencies[t].push_back(Seconds(a, Clock::now()) * 1000);
        }
      });
    }
    for (auto& t : ts) t.join();
    const double s = Seconds(t0, Clock::now());
    ViewRun out;
    out.cpu_per_view_us =
        (ProcessCpuSeconds() - cpu0) * 1e6 / (static_cast<double>(threads) * per_thread);
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    out.run = Summarize(std::move(all), s);
    out.failures = failures.load();
    const Vault::CommitStats after = e.vault->commit_stats();
    out.stats.commits = after.commits - before.commits;
    out.stats.requests = after.requests - before.requests;
    out.stats.max_batch = after.max_batch;
    out.stats.run_nanos = after.run_nanos - before.run_nanos;
    out.stats.commit_nanos = after.commit_nanos - before.commit_nanos;
    return out;
  };
  const auto report = [](const char* what, const ViewRun& r) {
    const double commits = static_cast<double>(std::max<uint64_t>(r.stats.commits, 1));
    std::printf(
        "%s: %.0f views/s, p50 %.2f ms, p99 %.2f ms (%d failures; %llu commits for %llu "
        "requests, max batch %llu; per batch %.2f ms running the writes, %.2f ms committing); "
        "CPU per view (all threads, user + system) %.0f us\n",
        what, r.run.per_second, r.run.p50_ms, r.run.p99_ms, r.failures,
        static_cast<unsigned long long>(r.stats.commits),
        static_cast<unsigned long long>(r.stats.requests),
        static_cast<unsigned long long>(r.stats.max_batch),
        static_cast<double>(r.stats.run_nanos) / 1e6 / commits,
        static_cast<double>(r.stats.commit_nanos) / 1e6 / commits, r.cpu_per_view_us);
  };
  // B1 measures the view as the product serves it: the web API asks for the
  // content as the stored JSON text (ViewOptions::content_as_json,
  // web/records_api.cc), as the baseline copies the stored bytes. A caller
  // that wants the content parsed into a RecordVersion pays the parse on
  // its own thread; reported beside it.
  ViewOptions as_served;
  as_served.content_as_json = true;
  const ViewRun audited_run = views(as_served);
  const ViewRun parsed_run = views(ViewOptions{});
  const Run& audited = audited_run.run;
  // The size of the event each view wrote: the log's last leaf.
  size_t event_bytes = 0;
  {
    auto r = Must(e.vault->BeginRead(), "read");
    const uint64_t size = Must(e.log->Size(*r), "size");
    event_bytes = Must(e.log->Leaf(*r, size - 1), "leaf").size();
  }
  const Run durable = RawGetThenGroupCommittedPut(raw, event_bytes, threads, per_thread);
  const double base = RawLmdbReads(raw, threads, quick ? 20000 : 100000);
  report("audited views, content as the API serves it (B1)", audited_run);
  report("audited views, content parsed into a RecordVersion", parsed_run);
  const auto early = e.archive->gate().snapshot_stats();
  std::printf("decisions made on the caller's snapshot: %llu stood, %llu made again in the write\n",
              static_cast<unsigned long long>(early.stood),
              static_cast<unsigned long long>(early.redone));
  std::printf(
      "B1 baseline, raw LMDB get+copy then a group-committed durable put of a %zu-byte event: "
      "%.0f/s, p50 %.2f ms, p99 %.2f ms\n",
      event_bytes, durable.per_second, durable.p50_ms, durable.p99_ms);
  std::printf("B1 ratio audited/durable baseline = %.3f (target >= 0.5)\n",
              audited.per_second / durable.per_second);
  std::printf("    with the content parsed into a RecordVersion: %.3f\n",
              parsed_run.run.per_second / durable.per_second);
  std::printf("raw LMDB get+copy (no write): %.0f reads/s; ratio %.4f (first-round baseline)\n",
              base, audited.per_second / base);
  std::filesystem::remove_all(e.dir);
}

// A stream buffer that counts and drops what is written (a download to
// nowhere).
class CountingSink : public std::streambuf {
 public:
  uint64_t bytes = 0;

 protected:
  std::streamsize xsputn(const char*, std::streamsize n) override {
    bytes += static_cast<uint64_t>(n);
    return n;
  }
  int overflow(int c) override {
    if (c != EOF) ++bytes;
    return c;
  }
};

struct Timings {
  double median_s = 0;
  double max_s = 0;
};

Timings Times(std::vector<double> s) {
  std::sort(s.begin(), s.end());
  return {s[s.size() / 2], s.back()};
}

// B6: a large attachment stored through the vault (chunked AEAD, durable,
// audited) and read back (audited), against raw XChaCha20-Poly1305
// secretstream over the same bytes into a file with one fdatasync, and the
// same file decrypted.
void BenchAttachment(bool quick) {
  const size_t mib = quick ? 16 : 100;
  const int rounds = quick ? 2 : 5;
  std::printf("\n== 5. %zu MiB attachment up and down, vs raw secretstream + fdatasync ==\n", mib);
  Env e = MakeEnv("attach");
  NewRecord rec;
  rec.name = "客户附件";
  rec.classification = policy::Classification::kInternal;
  rec.content.notes = "bench";
  const RecordMeta meta = Must(e.archive->CreateRecord(As(e.author), rec, "bench"), "record");
  const std::string data = Filler(mib << 20, 7);
  std::vector<double> up, down;
  for (int i = 0; i < rounds; ++i) {
    std::istringstream in(data);
    auto t0 = Clock::now();
    const AttachmentInfo info = Must(AddAttachment(*e.archive, As(e.author), meta.id, "大文件.bin",
                                                   "application/octet-stream", in, "bench"),
                                     "upload");
    up.push_back(Seconds(t0, Clock::now()));
    const ViewResult v = Must(e.archive->View(As(e.author), meta.id, "bench"), "view");
    CountingSink sink;
    std::ostream out(&sink);
    t0 = Clock::now();
    Must(ReadAttachment(*e.archive, As(e.author), *v.permit, info.id, out), "download");
    down.push_back(Seconds(t0, Clock::now()));
    if (sink.bytes != data.size()) std::exit(1);
  }
  std::filesystem::remove_all(e.dir);

  // The baseline: the same chunking (AttachmentOptions' 64 KiB), one file.
  const size_t chunk = AttachmentOptions{}.chunk_size;
  std::vector<double> raw_up, raw_down;
  const std::string dir = TempPath("raw-attach");
  const std::string path = dir + "/stream";
  std::vector<unsigned char> key(crypto_secretstream_xchacha20poly1305_KEYBYTES);
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  std::vector<unsigned char> cipher(chunk + crypto_secretstream_xchacha20poly1305_ABYTES);
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    {
      FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) std::exit(1);
      crypto_secretstream_xchacha20poly1305_state st;
      unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
      crypto_secretstream_xchacha20poly1305_init_push(&st, header, key.data());
      std::fwrite(header, 1, sizeof header, f);
      for (size_t at = 0; at < data.size(); at += chunk) {
        const size_t n = std::min(chunk, data.size() - at);
        unsigned long long clen = 0;
        crypto_secretstream_xchacha20poly1305_push(
            &st, cipher.data(), &clen, reinterpret_cast<const unsigned char*>(data.data() + at), n,
            nullptr, 0,
            at + n == data.size() ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
        std::fwrite(cipher.data(), 1, clen, f);
      }
      std::fflush(f);
      ::fdatasync(::fileno(f));
      std::fclose(f);
    }
    raw_up.push_back(Seconds(t0, Clock::now()));
    t0 = Clock::now();
    {
      FILE* f = std::fopen(path.c_str(), "rb");
      if (f == nullptr) std::exit(1);
      crypto_secretstream_xchacha20poly1305_state st;
      unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
      if (std::fread(header, 1, sizeof header, f) != sizeof header) std::exit(1);
      crypto_secretstream_xchacha20poly1305_init_pull(&st, header, key.data());
      std::vector<unsigned char> plain(chunk);
      CountingSink sink;
      std::ostream out(&sink);
      size_t got = 0;
      while ((got = std::fread(cipher.data(), 1, cipher.size(), f)) > 0) {
        unsigned long long mlen = 0;
        unsigned char tag = 0;
        if (crypto_secretstream_xchacha20poly1305_pull(&st, plain.data(), &mlen, &tag,
                                                       cipher.data(), got, nullptr, 0) != 0)
          std::exit(1);
        out.write(reinterpret_cast<const char*>(plain.data()), static_cast<std::streamsize>(mlen));
      }
      std::fclose(f);
      if (sink.bytes != data.size()) std::exit(1);
    }
    raw_down.push_back(Seconds(t0, Clock::now()));
  }
  std::filesystem::remove_all(dir);
  const double size_mib = static_cast<double>(mib);
  auto line = [&](const char* what, const Timings& t) {
    std::printf("%-40s %7.1f MiB/s  (median %.3f s, max %.3f s of %d)\n", what,
                size_mib / t.median_s, t.median_s, t.max_s, rounds);
  };
  const Timings u = Times(up), d = Times(down), ru = Times(raw_up), rd = Times(raw_down);
  line("upload through the vault (audited)", u);
  line("raw secretstream + fdatasync", ru);
  line("download through the vault (audited)", d);
  line("raw secretstream decrypt", rd);
  std::printf("B6 ratio upload = %.2f, download = %.2f (target >= 0.5 both)\n",
              ru.median_s / u.median_s, rd.median_s / d.median_s);
}

#ifdef CUSTOS_HAVE_SQLCIPHER
sqlite3* OpenSqlcipher(const std::string& path, bool wal_full) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) std::exit(1);
  sqlite3_exec(db, "PRAGMA key = 'bench passphrase';", nullptr, nullptr, nullptr);
  sqlite3_busy_timeout(db, 60000);
  if (wal_full) {
    sqlite3_exec(db, "PRAGMA journal_mode=WAL;", nullptr, nullptr, nullptr);
    sqlite3_exec(db, "PRAGMA synchronous=FULL;", nullptr, nullptr, nullptr);
  }
  return db;
}
#endif

void BenchPointReads(bool quick) {
  std::printf("\n== 3. encrypted point read (audit off), 4 KiB values ==\n");
  Env e = MakeEnv("point");
  const int n = 10000;
  for (int start = 0; start < n; start += 1000) {
    Must(e.vault->Write([&](WriteTxn& w) -> Status {
      for (int i = start; i < start + 1000; ++i)
        CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "k" + std::to_string(i), Filler(4096, i)));
      return Status::Ok();
    }),
         "fill");
  }
  const int reads = quick ? 20000 : 200000;
  std::mt19937 g(1);
  size_t sink = 0;
  auto t0 = Clock::now();
  for (int i = 0; i < reads; ++i) {
    auto r = Must(e.vault->BeginRead(), "read");
    sink += Must(r->Get(tables::kRecords, "k" + std::to_string(g() % n)), "get").size();
  }
  const double ours = reads / Seconds(t0, Clock::now());
  std::printf("custos ReadTxn::Get (decrypt + authenticate): %.0f reads/s\n", ours);
#ifdef CUSTOS_HAVE_SQLCIPHER
  const std::string dir = TempPath("sqlc-read");
  sqlite3* db = OpenSqlcipher(dir + "/db", false);
  sqlite3_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB);", nullptr, nullptr, nullptr);
  sqlite3_exec(db, "BEGIN;", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?);", -1, &ins, nullptr);
  for (int i = 0; i < n; ++i) {
    const std::string k = "k" + std::to_string(i);
    const std::string v = Filler(4096, i);
    sqlite3_bind_text(ins, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_stmt* sel;
  sqlite3_prepare_v2(db, "SELECT v FROM t WHERE k = ?;", -1, &sel, nullptr);
  t0 = Clock::now();
  for (int i = 0; i < reads; ++i) {
    const std::string k = "k" + std::to_string(g() % n);
    sqlite3_bind_text(sel, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(sel) == SQLITE_ROW) {
      std::string copy(static_cast<const char*>(sqlite3_column_blob(sel, 0)),
                       static_cast<size_t>(sqlite3_column_bytes(sel, 0)));
      sink += copy.size();
    }
    sqlite3_reset(sel);
  }
  const double theirs = reads / Seconds(t0, Clock::now());
  sqlite3_finalize(sel);
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
  std::printf("SQLCipher (default config, prepared SELECT): %.0f reads/s\n", theirs);
  std::printf("ratio custos/SQLCipher = %.2f (target >= 3)\n", ours / theirs);
#else
  std::printf("SQLCipher not available: build with libsqlcipher-dev for the baseline\n");
#endif
  if (sink == 0) std::printf(" ");
  std::filesystem::remove_all(e.dir);
}

void BenchDurableWrites(bool quick) {
  std::printf("\n== 4. durable 4 KiB writes, 16 writers ==\n");
  Env e = MakeEnv("write");
  const int writers = 16;
  const int per = quick ? 100 : 500;
  auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < writers; ++t) {
    ts.emplace_back([&, t] {
      const std::string v = Filler(4096, t);
      for (int i = 0; i < per; ++i) {
        Must(e.vault->Write([&](WriteTxn& w) {
          return w.Put(tables::kRecords, "w" + std::to_string(t) + "-" + std::to_string(i), v);
        }),
             "write");
      }
    });
  }
  for (auto& t : ts) t.join();
  const double ours = writers * per / Seconds(t0, Clock::now());
  std::printf("custos Vault::Write (group commit, fsync): %.0f writes/s\n", ours);
#ifdef CUSTOS_HAVE_SQLCIPHER
  const std::string dir = TempPath("sqlc-write");
  {
    sqlite3* db = OpenSqlcipher(dir + "/db", true);
    sqlite3_exec(db, "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB);", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  const int sql_per = quick ? 30 : 100;
  t0 = Clock::now();
  ts.clear();
  for (int t = 0; t < writers; ++t) {
    ts.emplace_back([&, t] {
      sqlite3* db = OpenSqlcipher(dir + "/db", true);
      const std::string v = Filler(4096, t);
      sqlite3_stmt* ins;
      sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?);", -1, &ins, nullptr);
      for (int i = 0; i < sql_per; ++i) {
        const std::string k = "w" + std::to_string(t) + "-" + std::to_string(i);
        sqlite3_bind_text(ins, 1, k.data(), static_cast<int>(k.size()), SQLITE_TRANSIENT);
        sqlite3_bind_blob(ins, 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        while (sqlite3_step(ins) == SQLITE_BUSY) {
        }
        sqlite3_reset(ins);
      }
      sqlite3_finalize(ins);
      sqlite3_close(db);
    });
  }
  for (auto& t : ts) t.join();
  const double theirs = writers * sql_per / Seconds(t0, Clock::now());
  std::filesystem::remove_all(dir);
  std::printf("SQLCipher WAL synchronous=FULL, one row per txn: %.0f writes/s\n", theirs);
  std::printf("ratio custos/SQLCipher = %.2f (target >= 3)\n", ours / theirs);
#else
  std::printf("SQLCipher not available: build with libsqlcipher-dev for the baseline\n");
#endif
  std::filesystem::remove_all(e.dir);
}

}  // namespace

int main(int argc, char** argv) {
  size_t records = 100000;
  bool quick = false;
  bool search_only = false;
  bool view_only = false;
  bool attachment_only = false;
  int views_per_thread = 0;  // 0: the default for the mode
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--records") == 0 && i + 1 < argc) records = std::stoul(argv[++i]);
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--search-only") == 0) search_only = true;
    if (std::strcmp(argv[i], "--view-only") == 0) view_only = true;
    if (std::strcmp(argv[i], "--views") == 0 && i + 1 < argc)
      views_per_thread = std::stoi(argv[++i]);
    if (std::strcmp(argv[i], "--attachment-only") == 0) attachment_only = true;
  }
  if (attachment_only) {
    BenchAttachment(quick);
    return 0;
  }
  if (view_only) {
    BenchAuditedView(quick, views_per_thread);
    return 0;
  }
  BenchSearch(records, quick);
  if (search_only) return 0;
  BenchAuditedView(quick, views_per_thread);
  BenchPointReads(quick);
  BenchDurableWrites(quick);
  BenchAttachment(quick);
  return 0;
}
