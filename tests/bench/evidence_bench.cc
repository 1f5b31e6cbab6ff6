// Evidence bundles at size (issue 16's benchmark): a person with N events and
// M records, exported and verified, each against a baseline measured in the
// same run on the same machine.
//
//   build rate   custos-evidence/1 export (sign, build, seal, record) vs
//                `zip -q -r -6` of the very files the bundle holds, from a
//                RAM-backed folder: target >= 0.5.
//   verify       `custos evidence verify` (in process) vs `sha256sum -c` of
//                the same files plus the inclusion proofs' hashing alone
//                (leaf hash and path, parsed beforehand): target >= 0.3.
// The independent Python verifier's time is reported too.
//
//   evidence_bench --dir WORK [--records 1000] [--events 10000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "base/encoding.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/merkle.h"
#include "vault/evidence/evidence.h"
#include "vault/evidence/verify.h"
#include "vault/evidence/zip.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"

namespace {

using namespace custos;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::cerr << "evidence_bench: " << what << ": " << st.ToString() << "\n";
    std::exit(1);
  }
}

template <typename T>
T Take(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(r).value();
}

// Wall seconds of a shell command (which must succeed).
double TimeCommand(const std::string& command) {
  const auto a = Clock::now();
  if (std::system(command.c_str()) != 0) {
    std::cerr << "evidence_bench: failed: " << command << "\n";
    std::exit(1);
  }
  return Seconds(a, Clock::now());
}

vault::User AddUser(vault::Vault& v, const std::string& name, std::vector<policy::Role> roles) {
  vault::User u;
  u.username = name;
  u.display_name = name;
  u.roles = std::move(roles);
  vault::User out;
  Check(v.Write([&](vault::WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(out, vault::CreateUser(w, u));
    return Status::Ok();
  }),
        "user");
  return out;
}

vault::Caller As(const vault::User& u) {
  vault::Caller c;
  c.user_id = u.id;
  c.session = "bench";
  c.place.workstation = "BENCH";
  c.place.location = "上海";
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int records = 1000;
  int events = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--dir") dir = argv[i + 1];
    if (k == "--records") records = std::atoi(argv[i + 1]);
    if (k == "--events") events = std::atoi(argv[i + 1]);
  }
  if (dir.empty() || records < 1 || events < records) {
    std::cerr << "usage: evidence_bench --dir WORK [--records 1000] [--events 10000]\n";
    return 2;
  }
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  Check(vault::InitCrypto(), "crypto");
  vault::CreateOptions co;
  co.kdf = vault::Argon2Params::ForTests();
  co.log_name = "custos.bench/evidence";
  auto vault =
      Take(vault::Vault::Create(dir + "/vault", vault::SecretBytes::CopyOf("bench"), co), "vault");
  auto log = Take(vault::AuditLog::Open(*vault), "log");
  auto archive = Take(vault::Archive::Open(*vault, *log), "archive");
  const vault::User person = AddUser(*vault, "sales.bench", {policy::Role::kAuthor});
  const vault::User lit = AddUser(*vault, "litigation", {policy::Role::kLitigation});
  const vault::User appr = AddUser(*vault, "approver", {policy::Role::kApprover});

  // The person's history: M records written, then views of them (an owner
  // views internal files without a quota) up to N events, by 8 callers at
  // once so that group commit keeps seeding short.
  const auto seed_start = Clock::now();
  std::vector<vault::NewRecord> batch;
  for (int i = 0; i < records; ++i) {
    vault::NewRecord r;
    r.name = "基准客户 " + std::to_string(i);
    r.classification = policy::Classification::kInternal;
    r.content.registration_number = "91310000BENCH" + std::to_string(100000 + i);
    r.content.address = "上海市浦东新区基准路 " + std::to_string(i) + " 号";
    r.content.contacts = {
        {"联系人" + std::to_string(i), "采购", "13800000000", "a@example.cn", ""}};
    r.content.trading_habits = std::string(300, 'x');
    r.content.agreed_prices = "A 型 95 元/件";
    batch.push_back(std::move(r));
  }
  std::vector<vault::RecordMeta> metas =
      Take(archive->CreateRecords(As(person), batch, "基准建档"), "records");
  const int views = events - records;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < views; i += 8) {
        auto v =
            archive->View(As(person), metas[static_cast<size_t>(i) % metas.size()].id, "跟进客户");
        Check(v.status(), "view");
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const double seed_s = Seconds(seed_start, Clock::now());

  vault::evidence::EvidenceDesk desk(*archive);
  vault::evidence::NewEvidenceRequest n;
  n.case_ref = "BENCH-1";
  n.purpose = "基准测试";
  n.scope.person_ids = {person.id};
  auto request = Take(desk.Request(As(lit), n), "request");
  Take(desk.Approve(As(appr), request.id, "ok"), "approve");

  // ---- export
  const auto ex_start = Clock::now();
  vault::evidence::Delivery d = Take(desk.Export(As(lit), request.id), "export");
  const std::string bundle_path = dir + "/bundle.zip";
  {
    std::ofstream out(bundle_path, std::ios::binary);
    Check(d.write_to([&](std::string_view p) {
      out.write(p.data(), static_cast<std::streamsize>(p.size()));
      return out ? Status::Ok() : Status::Unavailable("write");
    }),
          "deliver");
  }
  const double export_s = Seconds(ex_start, Clock::now());
  const double mb = static_cast<double>(d.exported.bundle_size) / (1 << 20);

  // The same files, unpacked into RAM (tmpfs when there is one), for the
  // baselines.
  const std::string ram = fs::exists("/dev/shm") ? "/dev/shm" : dir;
  const std::string files = ram + "/custos-evidence-bench-" + std::to_string(getpid());
  fs::remove_all(files);
  fs::create_directories(files);
  uint64_t unpacked = 0;
  std::vector<std::pair<uint64_t, std::string>> proofs;  // seq, text
  {
    auto zip = Take(vault::evidence::ZipReader::OpenFile(bundle_path), "open");
    for (const auto& e : zip->entries()) {
      const std::string bytes = Take(zip->ReadAll(e, size_t{1} << 30), "read");
      unpacked += bytes.size();
      const fs::path p = fs::path(files) / e.name;
      fs::create_directories(p.parent_path());
      std::ofstream(p, std::ios::binary)
          .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (e.name.ends_with(".tlog-proof")) proofs.emplace_back(0, bytes);
    }
  }
  const double zip_s =
      TimeCommand("cd '" + files + "' && zip -q -r -6 '" + dir + "/baseline.zip' . -x SHA256SUMS");

  // ---- verify
  const auto v_start = Clock::now();
  auto zip = Take(vault::evidence::ZipReader::OpenFile(bundle_path), "open");
  auto report = Take(vault::evidence::VerifyBundle(*zip), "verify");
  const double verify_s = Seconds(v_start, Clock::now());
  if (!report.ok()) {
    std::cerr << "evidence_bench: the bundle did not verify: " << report.failure->file << ": "
              << report.failure->message << "\n";
    return 1;
  }
  const double sums_s = TimeCommand("cd '" + files + "' && sha256sum --quiet -c SHA256SUMS");
  // The proofs' hashing alone: each event's leaf hash and its path to the
  // root, with the proofs parsed before the clock starts.
  std::vector<std::string> leaves;
  {
    std::ifstream in(files + "/audit/events.jsonl", std::ios::binary);
    for (std::string line; std::getline(in, line);) leaves.push_back(line);
  }
  std::vector<vault::TlogProof> parsed;
  for (const auto& [unused, text] : proofs)
    parsed.push_back(Take(vault::ParseTlogProof(text), "proof"));
  std::sort(parsed.begin(), parsed.end(),
            [](const vault::TlogProof& a, const vault::TlogProof& b) { return a.index < b.index; });
  const auto h_start = Clock::now();
  size_t ok = 0;
  for (size_t i = 0; i < parsed.size() && i < leaves.size(); ++i) {
    auto root =
        vault::merkle::RootFromInclusionProof(parsed[i].index, report.checkpoint_size,
                                              vault::merkle::LeafHash(leaves[i]), parsed[i].hashes);
    ok += root.ok() ? 1 : 0;
  }
  const double hash_s = Seconds(h_start, Clock::now());
  if (ok != parsed.size()) {
    std::cerr << "evidence_bench: " << parsed.size() - ok << " proofs did not compute\n";
    return 1;
  }
  const char* root_env = std::getenv("CUSTOS_SOURCE_ROOT");
  const std::string root = root_env != nullptr ? root_env : ".";
  const double py_s = TimeCommand("python3 '" + root + "/tests/tools/verify_evidence.py' '" +
                                  bundle_path + "' > /dev/null");
  fs::remove_all(files);

  std::printf(
      "evidence bundle of a person: %d records, %d events (%llu in the bundle), "
      "%zu files\n",
      records, events, static_cast<unsigned long long>(report.events),
      static_cast<size_t>(report.files));
  std::printf("  seeding the vault                   %8.2f s\n", seed_s);
  std::printf("  bundle                              %8.2f MB (%.2f MB unpacked)\n", mb,
              static_cast<double>(unpacked) / (1 << 20));
  std::printf("  export (sign, build, seal, record)  %8.3f s  %7.2f MB/s of bundle\n", export_s,
              mb / export_s);
  std::printf("  zip -q -r -6 of the same files      %8.3f s  %7.2f MB/s\n", zip_s, mb / zip_s);
  std::printf("  build rate ratio (zip / export)     %8.2f   target >= 0.5\n", zip_s / export_s);
  std::printf("  custos evidence verify              %8.3f s\n", verify_s);
  std::printf("  sha256sum -c                        %8.3f s\n", sums_s);
  std::printf("  proofs' hashing alone               %8.3f s\n", hash_s);
  std::printf("  verify ratio ((sha256sum + proofs) / verify) %6.2f   target >= 0.3\n",
              (sums_s + hash_s) / verify_s);
  std::printf("  verify_evidence.py (Python)         %8.3f s\n", py_s);
  return 0;
}
