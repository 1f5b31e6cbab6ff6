// Audit append throughput with group commit, against a raw loop that writes
// the same leaf bytes to a file and fdatasyncs once per batch — same batch
// size, same run, same file system. Not a test: prints numbers.
//
//   audit_append_bench [--dir DIR] [--events N] [--batches 256,1024]
//                      [--modes raw,lmdb,grouped,batched,threads]
//
// Modes for each batch size B:
//   threads  B threads each calling AuditLog::AppendDurable in a loop; the
//            vault's committer groups up to B requests per LMDB commit.
//   batched  one caller appending B events inside one Write() per commit.
//   raw      write(2) of the same B leaves + '\n', then fdatasync.
//   lmdb     the same B leaves put into plain LMDB (no crypto, no tree), one
//            durable commit per batch: what the storage engine alone allows.
//   grouped  B threads each handing its leaf to a committer thread that puts
//            up to B waiting leaves into plain LMDB and commits durably, then
//            wakes its callers as the vault's does: group commit with no
//            crypto and no tree, what B threads on this machine allow.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <lmdb.h>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "base/encoding.h"
#include "tests/bench/bench_util.h"
#include "vault/audit/audit_log.h"

namespace custos::vault {
namespace {

using bench::Clock;
using bench::Seconds;

AuditEvent Event(uint64_t i) {
  AuditEvent e;
  e.actor = {"u" + std::to_string(i % 97), "Zhang San 张三"};
  e.roles = {"borrower"};
  e.session = "sess-" + std::to_string(i % 13);
  e.place = {"10.1.2.3", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "WS-042", "Shanghai"};
  e.action = "record.view";
  e.object = {"record", "rec-" + std::to_string(i % 1000), 3};
  e.reason = "quarterly review with the customer";
  e.decision = AuditDecision::kAllow;
  e.rule = "quota.three_views";
  e.policy = std::string(64, 'e');
  e.outcome = "ok";
  e.details["views_used"] = 1;
  e.details["quota"] = 3;
  return e;
}

std::unique_ptr<Vault> NewVault(const std::string& dir, size_t max_batch) {
  std::filesystem::remove_all(dir);
  CreateOptions c;
  c.kdf = Argon2Params::ForTests();
  c.log_name = "custos.bench/vault";
  OpenOptions o;
  o.max_batch = max_batch;
  o.initial_map_size = size_t{4} << 30;
  auto v = Vault::Create(dir, SecretBytes::CopyOf("bench passphrase"), c, o);
  if (!v.ok()) Die("create: " + v.status().ToString());
  return std::move(v).value();
}

// Where the committer's time went, per event.
std::string PerEvent(const Vault::CommitStats& s, uint64_t events) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "per event: %.1f us running, %.1f us in LMDB commit",
                static_cast<double>(s.run_nanos) / 1e3 / static_cast<double>(events),
                static_cast<double>(s.commit_nanos) / 1e3 / static_cast<double>(events));
  return buf;
}

// The median and 99th percentile of the threads' latencies (ms).
struct Latency {
  double p50 = 0;
  double p99 = 0;
};
Latency Percentiles(const std::vector<std::vector<double>>& per_thread) {
  std::vector<double> all;
  for (const auto& l : per_thread) all.insert(all.end(), l.begin(), l.end());
  if (all.empty()) return {};
  std::sort(all.begin(), all.end());
  return {all[all.size() / 2], all[std::min(all.size() - 1, all.size() * 99 / 100)]};
}

double RunThreads(const std::string& dir, uint64_t events, size_t batch) {
  auto vault = NewVault(dir, batch);
  AuditOptions ao;
  auto log = AuditLog::Open(*vault, ao).value();
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::vector<double>> latencies(batch);  // ms, per thread
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < batch; ++t) {
    threads.emplace_back([&, t] {
      AuditEvent e = Event(0);
      while (true) {
        uint64_t i = next.fetch_add(1);
        if (i >= events) return;
        e.object.id = "rec-" + std::to_string(i % 1000);
        const auto a = Clock::now();
        if (!log->AppendDurable(e).ok()) failed = true;
        latencies[t].push_back(Seconds(a, Clock::now()) * 1000);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto t1 = Clock::now();
  if (failed) Die("append failed");
  auto stats = vault->commit_stats();
  const Latency latency = Percentiles(latencies);
  std::printf(
      "  threads  B=%-5zu %8.0f events/s  p50 %.2f ms  p99 %.2f ms per durable append  (%llu "
      "commits, max batch %llu; %s)\n",
      batch, events / Seconds(t0, t1), latency.p50, latency.p99,
      static_cast<unsigned long long>(stats.commits),
      static_cast<unsigned long long>(stats.max_batch), PerEvent(stats, events).c_str());
  return events / Seconds(t0, t1);
}

double RunBatched(const std::string& dir, uint64_t events, size_t batch) {
  auto vault = NewVault(dir, batch);
  auto log = AuditLog::Open(*vault).value();
  AuditEvent e = Event(0);
  auto t0 = Clock::now();
  double inside = 0;
  for (uint64_t done = 0; done < events; done += batch) {
    Status st = vault->Write([&](WriteTxn& w) -> Status {
      auto a = Clock::now();
      struct Acc {
        double* d;
        Clock::time_point a;
        ~Acc() { *d += Seconds(a, Clock::now()); }
      } acc{&inside, a};
      for (size_t i = 0; i < batch && done + i < events; ++i) {
        e.object.id = "rec-" + std::to_string((done + i) % 1000);
        CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log->Append(w, e));
        (void)seq;
      }
      return Status::Ok();
    });
    if (!st.ok()) Die("batched append: " + st.ToString());
  }
  auto t1 = Clock::now();
  std::printf(
      "  batched  B=%-5zu %8.0f events/s (%.0f%% of the time building the transaction; %s)\n",
      batch, events / Seconds(t0, t1), 100 * inside / Seconds(t0, t1),
      PerEvent(vault->commit_stats(), events).c_str());
  return events / Seconds(t0, t1);
}

// The same leaf bytes the log would store, encoded up front: the baselines
// measure only storing them.
std::vector<std::string> Leaves(uint64_t events) {
  std::vector<std::string> leaves;
  leaves.reserve(events);
  for (uint64_t i = 0; i < events; ++i) {
    AuditEvent e = Event(0);
    e.object.id = "rec-" + std::to_string(i % 1000);
    leaves.push_back(EncodeAuditLeaf(e, i, 1'790'000'000'000).value());
  }
  return leaves;
}

double RunRaw(const std::string& dir, uint64_t events, size_t batch) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<std::string> leaves = Leaves(events);
  for (std::string& l : leaves) l += '\n';
  int fd = ::open((dir + "/raw.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (fd < 0) Die("open raw log");
  auto t0 = Clock::now();
  std::string buf;
  for (uint64_t done = 0; done < events; done += batch) {
    buf.clear();
    for (size_t i = 0; i < batch && done + i < events; ++i) buf += leaves[done + i];
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) Die("write");
    if (::fdatasync(fd) != 0) Die("fdatasync");
  }
  auto t1 = Clock::now();
  ::close(fd);
  std::printf("  raw      B=%-5zu %8.0f events/s  (write + fdatasync per batch)\n", batch,
              events / Seconds(t0, t1));
  return events / Seconds(t0, t1);
}

// The storage engine alone: the same leaf bytes put into a plain LMDB
// database (no sealing, no tree, no JSON) with MDB_APPEND, one durable
// commit (default flags, as the vault uses) per batch of B.
double RunLmdb(const std::string& dir, uint64_t events, size_t batch) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<std::string> leaves = Leaves(events);  // mdb_put takes non-const
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0 || mdb_env_set_mapsize(env, size_t{4} << 30) != 0 ||
      mdb_env_open(env, dir.c_str(), 0, 0600) != 0) {
    Die("lmdb open");
  }
  MDB_dbi dbi = 0;
  auto t0 = Clock::now();
  for (uint64_t done = 0; done < events; done += batch) {
    MDB_txn* txn = nullptr;
    if (mdb_txn_begin(env, nullptr, 0, &txn) != 0) Die("lmdb begin");
    if (done == 0 && mdb_dbi_open(txn, nullptr, 0, &dbi) != 0) Die("lmdb dbi");
    for (size_t i = 0; i < batch && done + i < events; ++i) {
      std::string key = EncodeU64(done + i);
      MDB_val k{key.size(), key.data()};
      MDB_val v{leaves[done + i].size(), leaves[done + i].data()};
      if (mdb_put(txn, dbi, &k, &v, MDB_APPEND) != 0) Die("lmdb put");
    }
    if (mdb_txn_commit(txn) != 0) Die("lmdb commit");
  }
  auto t1 = Clock::now();
  mdb_env_close(env);
  std::printf(
      "  lmdb     B=%-5zu %8.0f events/s  (plain LMDB put of the same bytes, commit per batch)\n",
      batch, events / Seconds(t0, t1));
  return events / Seconds(t0, t1);
}

// The "threads" mode's shape with the storage engine alone: B threads, a
// committer thread that takes up to B waiting leaves, puts them into plain
// LMDB (MDB_APPEND) and commits durably, then wakes the batch's first caller,
// which wakes the others (as Vault's committer does).
double RunGrouped(const std::string& dir, uint64_t events, size_t batch) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<std::string> leaves = Leaves(events);
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0 || mdb_env_set_mapsize(env, size_t{4} << 30) != 0 ||
      mdb_env_open(env, dir.c_str(), 0, 0600) != 0) {
    Die("lmdb open");
  }
  MDB_dbi dbi = 0;
  {
    MDB_txn* txn = nullptr;
    if (mdb_txn_begin(env, nullptr, 0, &txn) != 0 || mdb_dbi_open(txn, nullptr, 0, &dbi) != 0 ||
        mdb_txn_commit(txn) != 0) {
      Die("lmdb dbi");
    }
  }
  struct Request {
    std::string* leaf = nullptr;
    std::binary_semaphore done{0};
    std::vector<Request*> then_wake;
  };
  std::mutex mu;
  std::condition_variable wake_committer;
  std::deque<Request*> queue;
  bool stop = false;
  uint64_t commits = 0;
  std::thread committer([&] {
    std::vector<Request*> taken;
    uint64_t key_seq = 0;
    std::unique_lock lock(mu);
    while (true) {
      wake_committer.wait(lock, [&] { return stop || !queue.empty(); });
      if (queue.empty()) return;
      taken.clear();
      while (!queue.empty() && taken.size() < batch) {
        taken.push_back(queue.front());
        queue.pop_front();
      }
      lock.unlock();
      MDB_txn* txn = nullptr;
      if (mdb_txn_begin(env, nullptr, 0, &txn) != 0) Die("lmdb begin");
      for (Request* r : taken) {
        std::string key = EncodeU64(key_seq++);
        MDB_val k{key.size(), key.data()};
        MDB_val v{r->leaf->size(), r->leaf->data()};
        if (mdb_put(txn, dbi, &k, &v, MDB_APPEND) != 0) Die("lmdb put");
      }
      if (mdb_txn_commit(txn) != 0) Die("lmdb commit");
      ++commits;
      taken.front()->then_wake.assign(taken.begin() + 1, taken.end());
      taken.front()->done.release();
      lock.lock();
    }
  });
  std::atomic<uint64_t> next{0};
  std::vector<std::vector<double>> latencies(batch);  // ms, per thread
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < batch; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        uint64_t i = next.fetch_add(1);
        if (i >= events) return;
        const auto a = Clock::now();
        Request r;
        r.leaf = &leaves[i];
        {
          std::lock_guard lock(mu);
          queue.push_back(&r);
        }
        wake_committer.notify_one();
        r.done.acquire();
        for (Request* o : r.then_wake) o->done.release();
        latencies[t].push_back(Seconds(a, Clock::now()) * 1000);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto t1 = Clock::now();
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  wake_committer.notify_one();
  committer.join();
  mdb_env_close(env);
  const Latency latency = Percentiles(latencies);
  std::printf(
      "  grouped  B=%-5zu %8.0f events/s  p50 %.2f ms  p99 %.2f ms  (plain LMDB, B threads, group "
      "commit; %llu commits)\n",
      batch, events / Seconds(t0, t1), latency.p50, latency.p99,
      static_cast<unsigned long long>(commits));
  return events / Seconds(t0, t1);
}

}  // namespace
}  // namespace custos::vault

int main(int argc, char** argv) {
  using namespace custos::vault;
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/custos-audit-bench";
  uint64_t events = 100'000;
  std::vector<size_t> batches = {256, 1024};
  std::string modes = "raw,lmdb,grouped,batched,threads";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") {
      dir = argv[i + 1];
    } else if (a == "--events") {
      events = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (a == "--modes") {
      modes = argv[i + 1];
    } else if (a == "--batches") {
      batches.clear();
      std::string s = argv[i + 1];
      for (size_t p = 0; p < s.size();) {
        size_t c = s.find(',', p);
        batches.push_back(std::strtoull(s.substr(p, c - p).c_str(), nullptr, 10));
        p = c == std::string::npos ? s.size() : c + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--dir DIR] [--events N] [--batches 256,1024] [--modes "
                   "raw,lmdb,grouped,batched,threads]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!InitCrypto().ok()) return 1;
  std::printf("audit append benchmark: %llu events per run, dir %s, %u cores\n",
              static_cast<unsigned long long>(events), dir.c_str(),
              std::thread::hardware_concurrency());
  for (size_t b : batches) {
    auto want = [&](const char* m) { return modes.find(m) != std::string::npos; };
    double raw = want("raw") ? RunRaw(dir + "/raw", events, b) : 0;
    double lmdb = want("lmdb") ? RunLmdb(dir + "/lmdb", events, b) : 0;
    double grouped = want("grouped") ? RunGrouped(dir + "/grouped", events, b) : 0;
    double batched = want("batched") ? RunBatched(dir + "/batched", events, b) : 0;
    double threads = want("threads") ? RunThreads(dir + "/threads", events, b) : 0;
    std::printf(
        "  ratio B=%zu: batched/raw %.2f, threads/raw %.2f, lmdb/raw %.2f, threads/lmdb %.2f, "
        "grouped/lmdb %.2f, threads/grouped %.2f\n",
        b, batched / raw, threads / raw, lmdb / raw, threads / lmdb, grouped / lmdb,
        threads / grouped);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
