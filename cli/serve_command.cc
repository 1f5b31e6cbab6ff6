// custos serve: unseal the vault and serve the web application until SIGTERM
// or SIGINT; custos demo: create and seed a demo vault.
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <signal.h>
#include <string>
#include <thread>
#include <unistd.h>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <Poco/Util/IniFileConfiguration.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "base/time.h"
#include "cli/backup_schedule.h"
#include "cli/commands.h"
#include "cli/demo_data.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/backup/backup.h"
#include "vault/evidence/evidence.h"
#include "vault/people/employment.h"
#include "vault/records/loans.h"
#include "vault/records/records.h"
#include "vault/store/sealed_stream.h"
#include "web/agreement_documents.h"
#include "web/server.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

// The demo accounts' shared password: public on purpose (printed by
// scripts/demo.sh and in the README); never used outside a demo vault.
constexpr std::string_view kDemoPassword = "Custos-Demo-2026";
constexpr std::string_view kDemoCase = "(2026)沪0115民初1234号";

// The litigation team's case against the demo's leaver: an evidence request
// about her, approved (by both approvers when top-secret files are in
// scope), so that her files are under legal hold and a new user can export
// and verify a bundle at once. Decided and audited like any request.
Result<vault::evidence::EvidenceRequest> SeedDemoCase(vault::Archive& archive) {
  auto caller_for = [&](std::string_view username) -> Result<vault::Caller> {
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive.vault().BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(vault::User u, vault::FindUserByName(*r, username));
    vault::Caller c;
    c.user_id = u.id;
    c.session = "demo-seed";
    c.place.workstation = "HX-SH-LEGAL";
    c.place.location = "华信商贸有限公司 上海总部";
    return c;
  };
  vault::evidence::NewEvidenceRequest n;
  n.case_ref = std::string(kDemoCase);
  n.purpose = "李婷离职前批量查阅他人客户档案、试图复制导出，诉前固定证据";
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive.vault().BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(vault::User leaver, vault::FindUserByName(*r, kDemoLeaver));
    n.scope.person_ids = {leaver.id};
  }
  vault::evidence::EvidenceDesk desk(archive);
  CUSTOS_ASSIGN_OR_RETURN(vault::Caller litigation, caller_for("litigation"));
  CUSTOS_ASSIGN_OR_RETURN(vault::evidence::EvidenceRequest request, desk.Request(litigation, n));
  for (std::string_view approver : {"approver", "approver2"}) {
    if (request.state == policy::EvidenceState::kApproved) break;
    CUSTOS_ASSIGN_OR_RETURN(vault::Caller c, caller_for(approver));
    CUSTOS_ASSIGN_OR_RETURN(request, desk.Approve(c, request.id, "同意调取，范围限于李婷本人"));
  }
  return request;
}

// `serve --config FILE`: each key and the flag it stands for. A flag given
// on the command line wins over the file. packaging/custos.properties
// documents every key.
struct ConfigKey {
  const char* key;
  const char* flag;
  bool is_switch;  // true/false in the file, a flag without a value
  bool list;       // comma-separated in the file, a repeatable flag
};
constexpr ConfigKey kConfigKeys[] = {
    {"data", "data", false, false},
    {"store", "store", false, false},
    {"passphrase_file", "passphrase-file", false, false},
    {"listen", "listen", false, false},
    {"tls.cert", "tls-cert", false, false},
    {"tls.key", "tls-key", false, false},
    {"trusted_proxy", "trusted-proxy", false, true},
    {"threads", "threads", false, false},
    {"max_connections_per_address", "max-connections-per-address", false, false},
    {"ui", "ui", false, false},
    {"tsa.url", "tsa-url", false, false},
    {"tsa.ca", "tsa-ca", false, false},
    {"min_checkpoint", "min-checkpoint", false, false},
    {"demo", "demo", true, false},
    {"tlog_public", "tlog-public", true, false},
    {"backup.dir", "backup-dir", false, false},
    {"backup.every_hours", "backup-every-hours", false, false},
    {"backup.keep", "backup-keep", false, false},
    {"scrub.every_hours", "scrub-every-hours", false, false},
    {"metrics.token_file", "metrics-token-file", false, false},
};

// One line of the operator log on stderr. Under systemd (stderr connected to
// the journal: $JOURNAL_STREAM) it starts with the syslog level, "<3>" for
// an error, which journald turns into the entry's priority. Never content
// or secrets: callers pass ids, counts and messages of errors.
void OperatorLog(int level, const std::string& line) {
  std::cerr << JournalLevel(level) << "custos serve: " << line << std::endl;
}

// Tells systemd (Type=notify) how the service stands: "READY=1" once it
// serves, "STOPPING=1" when it stops. A datagram to $NOTIFY_SOCKET (a path,
// or "@name" in the abstract namespace); nothing without one.
void NotifySystemd(const char* state) {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || *socket_path == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t n = std::strlen(socket_path);
  if (n >= sizeof addr.sun_path) return;
  std::memcpy(addr.sun_path, socket_path, n);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  (void)::sendto(fd, state, std::strlen(state), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n));
  ::close(fd);
}

// A positive number of hours (fractions allowed) as milliseconds; 0 for "".
Result<int64_t> HoursFlag(const std::string& name, const std::string& text) {
  if (text.empty()) return int64_t{0};
  try {
    size_t used = 0;
    const double h = std::stod(text, &used);
    if (used != text.size() || !(h > 0) || h > 24.0 * 366) throw std::out_of_range(name);
    return static_cast<int64_t>(h * 3600.0 * 1000.0);
  } catch (const std::exception&) {
    return Status::InvalidArgument("--" + name + " must be a number of hours above 0");
  }
}

// A whole number from `min` to `max`, all of `text`.
Result<int> IntFlag(const std::string& name, const std::string& text, int min, int max) {
  try {
    size_t used = 0;
    const int n = std::stoi(text, &used);
    if (used == text.size() && n >= min && n <= max) return n;
  } catch (const std::exception&) {
  }
  return Status::InvalidArgument("--" + name + " must be a number from " + std::to_string(min) +
                                 " to " + std::to_string(max));
}

class ServeCommand : public Command {
 public:
  ServeCommand()
      : Command("serve", "",
                "Unseal the vault and serve the web application and JSON API until SIGTERM.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    options.addOption(Option("listen", "", "ADDRESS:PORT to listen on (default 127.0.0.1:8080)")
                          .required(false)
                          .repeatable(false)
                          .argument("ADDR"));
    options.addOption(Option("tls-cert", "", "PEM certificate: serve HTTPS")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("tls-key", "", "PEM private key for --tls-cert")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("trusted-proxy", "",
                             "IP address of a reverse proxy whose X-Forwarded-For and "
                             "X-Forwarded-Proto are believed (repeatable); its "
                             "X-Forwarded-Proto: https gets Secure __Host- cookies and HSTS")
                          .required(false)
                          .repeatable(true)
                          .argument("IP"));
    options.addOption(Option("ui", "", "folder of the static UI (default: the shipped web/ui)")
                          .required(false)
                          .repeatable(false)
                          .argument("DIR"));
    options.addOption(Option("threads", "", "worker threads, one per open connection (default 64)")
                          .required(false)
                          .repeatable(false)
                          .argument("N"));
    options.addOption(Option("max-connections-per-address", "",
                             "connections one client address may have served at once; more get "
                             "503 (default 32, 0 = no cap; --trusted-proxy addresses are exempt)")
                          .required(false)
                          .repeatable(false)
                          .argument("N"));
    options.addOption(
        Option("tsa-url", "", "RFC 3161 time-stamping authority for evidence exports (http(s) URL)")
            .required(false)
            .repeatable(false)
            .argument("URL"));
    options.addOption(Option("tsa-ca", "", "the time-stamping authority's CA certificate(s), PEM")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("demo", "", "demo mode: demo users need not change their password")
                          .required(false)
                          .repeatable(false));
    options.addOption(
        Option("tlog-public", "",
               "serve the audit log's checkpoint and hash tiles (/tlog/, no events) to anyone, "
               "for outside monitors and witnesses; otherwise to auditors only")
            .required(false)
            .repeatable(false));
    options.addOption(Option("config", "",
                             "read settings from FILE (.properties or .ini; keys in "
                             "packaging/custos.properties); flags given here win")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(
        Option("print-config", "", "print the effective settings (file and flags) and exit")
            .required(false)
            .repeatable(false));
    options.addOption(Option("backup-dir", "",
                             "write a backup into DIR every --backup-every-hours (default 24), "
                             "keeping the newest --backup-keep (default 7)")
                          .required(false)
                          .repeatable(false)
                          .argument("DIR"));
    options.addOption(Option("backup-every-hours", "", "hours between scheduled backups")
                          .required(false)
                          .repeatable(false)
                          .argument("H"));
    options.addOption(Option("backup-keep", "", "scheduled backups kept (default 7)")
                          .required(false)
                          .repeatable(false)
                          .argument("N"));
    options.addOption(Option("scrub-every-hours", "",
                             "authenticate every stored value every H hours at low priority; "
                             "damage raises the alert vault.damaged")
                          .required(false)
                          .repeatable(false)
                          .argument("H"));
    options.addOption(Option("metrics-token-file", "",
                             "a monitoring system reads GET /metrics/scrape with "
                             "'Authorization: Bearer <the token in FILE>' (at least 32 characters)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("min-checkpoint", "",
                             "refuse to start unless the vault's log extends this signed "
                             "checkpoint (a checkpoint note or a custos backup file kept off "
                             "the machine): a vault rolled back to an older copy does not start")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
  }

  // Loads `path` and sets every key whose flag was not given. Unknown keys
  // are refused (a misspelt key would otherwise be silently ignored).
  Status ApplyConfig(const std::string& path) {
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> file;
    try {
      if (path.size() > 4 && path.compare(path.size() - 4, 4, ".ini") == 0) {
        file = new Poco::Util::IniFileConfiguration(path);
      } else {
        file = new Poco::Util::PropertyFileConfiguration(path);
      }
    } catch (const Poco::Exception& e) {
      return Status::InvalidArgument("--config " + path + ": " + e.displayText());
    }
    std::vector<std::string> keys;
    CollectKeys(*file, "", &keys);
    for (const std::string& key : keys) {
      const ConfigKey* known = nullptr;
      for (const ConfigKey& k : kConfigKeys) {
        if (key == k.key) known = &k;
      }
      if (known == nullptr) {
        return Status::InvalidArgument("--config " + path + ": unknown key '" + key + "'");
      }
      if (Has(known->flag)) continue;  // the command line wins
      const std::string value = file->getString(key);
      if (known->is_switch) {
        bool on = false;
        try {
          on = file->getBool(key);
        } catch (const Poco::Exception&) {
          return Status::InvalidArgument("--config " + path + ": " + key +
                                         " must be true or false");
        }
        if (on) SetDefault(known->flag, "");
      } else if (known->list) {
        size_t start = 0;
        while (start <= value.size()) {
          size_t comma = value.find(',', start);
          if (comma == std::string::npos) comma = value.size();
          std::string item = value.substr(start, comma - start);
          item.erase(0, item.find_first_not_of(" \t"));
          item.erase(item.find_last_not_of(" \t") + 1);
          if (!item.empty()) SetDefault(known->flag, item);
          start = comma + 1;
        }
      } else if (!value.empty()) {
        SetDefault(known->flag, value);
      }
    }
    return Status::Ok();
  }

  static void CollectKeys(const Poco::Util::AbstractConfiguration& c, const std::string& prefix,
                          std::vector<std::string>* out) {
    Poco::Util::AbstractConfiguration::Keys keys;
    c.keys(prefix, keys);
    if (keys.empty() && !prefix.empty()) {
      out->push_back(prefix);
      return;
    }
    for (const std::string& k : keys) CollectKeys(c, prefix.empty() ? k : prefix + "." + k, out);
  }

  // The settings in effect, one `key = value` per line, in the file's
  // syntax; unset keys show their default or nothing. A file path is shown,
  // never a secret.
  void PrintConfig() const {
    for (const ConfigKey& k : kConfigKeys) {
      std::string value;
      if (k.is_switch) {
        value = Has(k.flag) ? "true" : "false";
      } else if (k.list) {
        for (const std::string& v : FlagAll(k.flag)) value += (value.empty() ? "" : ", ") + v;
      } else if (std::string(k.key) == "data") {
        value = Has("store") ? "" : VaultLocation();
      } else if (std::string(k.key) == "listen") {
        value = Flag("listen", "127.0.0.1:8080");
      } else {
        value = Flag(k.flag);
      }
      std::cout << k.key << " = " << value << "\n";
    }
  }

  int Run(const std::vector<std::string>& args) override {
    // SECURITY: the server decides and audits by the wall clock; a story
    // clock (the demo's dated history, base/time.h) is never set here.
    if (StoryClockSet()) {
      return Fail(Status::FailedPrecondition("a story clock is set: refusing to serve"));
    }
    if (!args.empty()) return UsageError("serve takes no arguments");
    if (Has("config")) {
      if (Status s = ApplyConfig(Flag("config")); !s.ok()) return UsageError(s.message());
    }
    if (Has("print-config")) {
      PrintConfig();
      return kExitOk;
    }
    web::ServerOptions opts;
    const std::string listen = Flag("listen", "127.0.0.1:8080");
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return UsageError("--listen must be ADDRESS:PORT");
    opts.listen_address = listen.substr(0, colon);
    if (opts.listen_address.size() > 2 && opts.listen_address.front() == '[')
      opts.listen_address = opts.listen_address.substr(1, opts.listen_address.size() - 2);
    try {
      int port = std::stoi(listen.substr(colon + 1));
      if (port < 0 || port > 65535) throw std::out_of_range("port");
      opts.port = static_cast<uint16_t>(port);
    } catch (const std::exception&) {
      return UsageError("--listen has a bad port");
    }
    if (Has("tls-cert") != Has("tls-key"))
      return UsageError("--tls-cert and --tls-key go together");
    opts.tls_cert_path = Flag("tls-cert");
    opts.tls_key_path = Flag("tls-key");
    opts.trusted_proxies = FlagAll("trusted-proxy");
    opts.ui_dir = Flag("ui");
    if (!opts.ui_dir.empty()) {
      // A mistyped folder would serve every page as 404 with nothing said.
      std::error_code ec;
      if (!std::filesystem::is_regular_file(std::filesystem::path(opts.ui_dir) / "index.html",
                                            ec)) {
        return UsageError("--ui " + opts.ui_dir + " holds no index.html: not the UI's folder");
      }
    }
    opts.demo = Has("demo");
    opts.tlog_public = Has("tlog-public");
    if (Has("threads")) {
      auto n = IntFlag("threads", Flag("threads"), 1, 1024);
      if (!n.ok()) return UsageError(n.status().message());
      opts.max_threads = *n;
    }
    if (Has("max-connections-per-address")) {
      auto n = IntFlag("max-connections-per-address", Flag("max-connections-per-address"), 0, 1024);
      if (!n.ok()) return UsageError(n.status().message());
      opts.max_connections_per_address = *n;
    }

    if (Has("metrics-token-file")) {
      auto token = ReadSecret("metrics-token-file", "CUSTOS_METRICS_TOKEN", "", false);
      if (!token.ok()) return UsageError("--metrics-token-file: " + token.status().message());
      if (token->size() < 32) {
        return UsageError("--metrics-token-file: the token must have at least 32 characters");
      }
      opts.metrics_token_sha256 = vault::Sha256(token->view());
    }
    BackupSchedule schedule;
    schedule.dir = Flag("backup-dir");
    {
      auto every = HoursFlag("backup-every-hours", Flag("backup-every-hours", "24"));
      auto scrub = HoursFlag("scrub-every-hours", Flag("scrub-every-hours"));
      if (!every.ok()) return UsageError(every.status().message());
      if (!scrub.ok()) return UsageError(scrub.status().message());
      schedule.backup_every_ms = *every;
      schedule.scrub_every_ms = *scrub;
      if (Has("backup-keep")) {
        auto n = IntFlag("backup-keep", Flag("backup-keep"), 1, 10000);
        if (!n.ok()) return UsageError(n.status().message());
        schedule.keep = *n;
      }
    }

    if (Has("tsa-url") != Has("tsa-ca")) return UsageError("--tsa-url and --tsa-ca go together");
    if (Has("tsa-url")) {
      std::ifstream in(Flag("tsa-ca"), std::ios::binary);
      if (!in) return UsageError("cannot read " + Flag("tsa-ca"));
      opts.tsa_ca_pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      opts.tsa_url = Flag("tsa-url");
    }

    // Block the stop signals before any thread starts, so every thread
    // inherits the mask and only sigwait below receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    // A closed terminal or a stray `kill -HUP` stops it the same careful
    // way (it has nothing to reload).
    sigaddset(&stop_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    auto v = OpenVault(Access::kWrite);
    if (!v.ok()) {
      const int failed = Fail(v.status());
      return v.status().code() == StatusCode::kUnauthenticated ? kExitRefused : failed;
    }
    auto log = vault::AuditLog::Open(**v, vault::AuditOptions{});
    if (!log.ok()) return Fail(log.status());
    if (Has("min-checkpoint")) {
      // SECURITY: before anything is served or written.
      auto note = vault::ReadCheckpointFile(Flag("min-checkpoint"));
      if (!note.ok()) return Fail(note.status());
      auto txn = (*v)->BeginRead();
      if (!txn.ok()) return Fail(txn.status());
      auto size = (*log)->VerifyExtends(**txn, *note);
      if (!size.ok()) {
        Fail(size.status().Annotate("refusing to start: the vault does not extend " +
                                    Flag("min-checkpoint")));
        return kExitRefused;
      }
    }
    auto archive = vault::Archive::Open(**v, **log);
    if (!archive.ok()) return Fail(archive.status());
    opts.archive = archive->get();
    // The records catalog builds in the background (search waits for it):
    // tell the operator when it is ready, or why it failed. Joined before
    // the archive is destroyed (declared after it).
    std::jthread catalog_watch([a = archive->get(), started = NowMillis()] {
      Status built = a->AwaitCatalog();
      if (!built.ok()) {
        OperatorLog(3, "records catalog: " + built.message() + " (search is unavailable)");
        return;
      }
      const vault::CatalogLoad load = a->LastCatalogLoad();
      OperatorLog(6, "records catalog ready: " + std::to_string(a->CatalogSize()) + " files in " +
                         std::to_string(NowMillis() - started) + " ms (" +
                         (load.saved ? "the saved catalog and " + std::to_string(load.changes) +
                                           " changes since"
                                     : "read from every file") +
                         ")");
    });
    // On one LMDB vault this process holds the writer's lock and has not
    // started a writer yet: any half-stored upload or export is a previous
    // run's. Nodes sharing a PostgreSQL vault cannot tell another node's
    // upload in progress from an abandoned one at start: the leader sweeps
    // those that stored nothing for an hour (below).
    if (!(*v)->shared()) {
      auto swept = vault::SweepAbandonedStreams(**v);
      if (!swept.ok()) return Fail(swept.status());
      if (*swept > 0) {
        OperatorLog(4, "deleted " + std::to_string(*swept) +
                           " stored chunks of uploads or evidence exports that an earlier run "
                           "did not finish");
      }
    }
    BackupScheduler scheduler(**v, **log, schedule, OperatorLog);
    opts.extra_metrics = [&scheduler] { return scheduler.PrometheusText(); };
    auto server = web::Server::Start(**v, opts);
    if (!server.ok()) return Fail(server.status());
    std::string host = opts.listen_address.find(':') != std::string::npos
                           ? "[" + opts.listen_address + "]"
                           : opts.listen_address;
    std::cout << "Custos is serving " << ((*server)->tls() ? "https" : "http") << "://" << host
              << ":" << (*server)->port() << "/ (vault " << VaultLocation() << ")" << std::endl;
    NotifySystemd("READY=1");
    // Wait for a stop signal; meanwhile, every second, index the new audit
    // events by actor and object (a backlog in slices of at most about
    // 0.2 s), and every fifth second sign a checkpoint when the configured
    // interval has passed (appends only do it when events arrive) and run
    // the scheduled changes below.
    // Nodes sharing a PostgreSQL vault do this work on one node at a time
    // (Vault::Lead): another takes over when the leader dies.
    int sig = -1;
    std::string index_error;  // the last one logged: a lasting fault is logged once
    bool leading = false;
    // Failed commits (a full disk, an I/O error) fail every request that
    // writes, audited reads included: logged when they start, at most once
    // a minute while they go on, and when commits succeed again.
    uint64_t failures_seen = 0;
    int failure_logged_at = -60;
    bool was_failing = false;
    for (int second = 1; sig < 0; ++second) {
      timespec tick{1, 0};
      sig = sigtimedwait(&stop_signals, nullptr, &tick);
      if (sig >= 0) break;
      if (const auto c = (*v)->commit_stats(); c.commit_failures != failures_seen || was_failing) {
        if (c.commit_failures != failures_seen && second - failure_logged_at >= 60) {
          OperatorLog(2, "vault: " + std::to_string(c.commit_failures - failures_seen) +
                             " commit(s) failed; while they do, writes and audited reads fail" +
                             (c.failing ? ": " + c.last_failure : " (the last one succeeded)"));
          failure_logged_at = second;
          failures_seen = c.commit_failures;
        }
        if (was_failing && !c.failing) OperatorLog(6, "vault: commits succeed again");
        was_failing = c.failing;
      }
      auto lead = (*v)->Lead();
      if (!lead.ok()) OperatorLog(3, "leading the timed work: " + lead.status().message());
      const bool now_leading = lead.ok() && *lead;
      if (now_leading != leading && (*v)->shared()) {
        OperatorLog(6, now_leading ? "this node now does the vault's timed work (index, "
                                     "checkpoints, loans, departures, declassification)"
                                   : "another node now does the vault's timed work");
      }
      leading = now_leading;
      if (!leading) continue;
      const auto index_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      constexpr uint64_t kIndexSlice = 4096;
      while (true) {
        auto n = (*log)->IndexPending(kIndexSlice);
        if (!n.ok()) {
          if (n.status().message() != index_error) {
            index_error = n.status().message();
            OperatorLog(3, "audit index: " + index_error);
          }
          break;
        }
        index_error.clear();
        if (*n < kIndexSlice || std::chrono::steady_clock::now() >= index_until) break;
      }
      if (second % 5 == 0) {
        if (Status s = (*log)->MaybeCheckpoint(); !s.ok())
          OperatorLog(3, "checkpoint: " + s.message());
        // Loans past their due time become expired (each an audited event).
        if (auto n = vault::ExpireOverdueLoans(**archive, NowMillis()); !n.ok())
          OperatorLog(3, "expiring loans: " + n.status().message());
        // After the last working day the account is disabled (audited).
        // Today is the company's date (the policy's <calendar>): in China
        // the day turns at midnight in Beijing, 16:00 UTC.
        if (auto today = (*archive)->CompanyDate(NowMillis()); !today.ok()) {
          OperatorLog(3, "today's date: " + today.status().message());
        } else {
          if (auto gone = vault::MarkDeparted(**v, **log, *today); !gone.ok())
            OperatorLog(3, "departures: " + gone.status().message());
          // Records whose declassification date has come become public (audited).
          if (auto d = (*archive)->DeclassifyDue(*today); !d.ok())
            OperatorLog(3, "declassification: " + d.status().message());
        }
      }
      if (second % 60 == 0) {
        // Sessions nobody came back to: deleted at expiry, not at next use.
        if (auto n = (*server)->DeleteExpiredSessions(); !n.ok())
          OperatorLog(3, "expired sessions: " + n.status().message());
      }
      if (second % 60 == 0 && (*archive)->CatalogBuilt()) {
        // The records catalog, saved again once it has changed enough, so
        // that the next start reads it rather than every file.
        if (auto saved = (*archive)->SaveCatalogIfStale(); !saved.ok())
          OperatorLog(3, "saving the records catalog: " + saved.status().message());
      }
      if (second % 60 == 0 && (*v)->shared()) {
        // Uploads and exports a node left half-stored (it died): those
        // that stored nothing for an hour. The journal of changed records
        // keeps its newest 100 000 entries.
        constexpr int64_t kAbandonedAfterMs = 3600 * 1000;
        if (auto swept = vault::SweepAbandonedStreams(**v, kAbandonedAfterMs); !swept.ok()) {
          OperatorLog(3, "sweeping abandoned uploads: " + swept.status().message());
        } else if (*swept > 0) {
          OperatorLog(4, "deleted " + std::to_string(*swept) +
                             " stored chunks of uploads or evidence exports that stored nothing "
                             "for an hour");
        }
        if (auto n = (*archive)->CompactRecordJournal(100000); !n.ok())
          OperatorLog(3, "records journal: " + n.status().message());
      }
    }
    std::cout << "Stopping (signal " << sig << "): finishing requests in flight." << std::endl;
    NotifySystemd("STOPPING=1");
    scheduler.Stop();
    (*server)->Stop();
    server->reset();
    archive->reset();
    log->reset();
    v->reset();  // closes the vault: every write was already durable
    std::cout << "Stopped." << std::endl;
    return kExitOk;
  }
};

class DemoCommand : public Command {
 public:
  DemoCommand()
      : Command("demo", "",
                "Create (if needed) and seed a demo vault: the company 华信商贸有限公司 with one "
                "user per role, a sales team, a few hundred customer files, the staff's signed "
                "NDAs and a salesperson who has left.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    options.addOption(Option("logins-only", "", "only print the demo logins of a seeded vault")
                          .required(false)
                          .repeatable(false));
    options.addOption(Option("customers", "", "number of customer files (default 300)")
                          .required(false)
                          .repeatable(false)
                          .argument("N"));
    AddKdfProfileOption(options);
  }

  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) return UsageError("demo takes no arguments");
    auto kdf = ParseKdfProfile(Flag("kdf-profile"));
    if (!kdf.ok()) return UsageError(kdf.status().message());
    DemoOptions demo;
    demo.password = std::string(kDemoPassword);
    demo.password_kdf = kdf->password_kdf;
    if (Has("customers")) {
      try {
        demo.customers = std::stoi(Flag("customers"));
      } catch (const std::exception&) {
        return UsageError("--customers must be a number");
      }
      if (demo.customers < 1 || demo.customers > 1000000)
        return UsageError("--customers must be between 1 and 1000000");
    }

    if (Has("logins-only")) return PrintLogins();

    // The agreements are rendered and checked by the template library, as
    // the web API does it; look for the templates before creating anything.
    Status wages;
    web::AgreementLibrary library = web::ShippedAgreementLibrary(&wages);
    for (std::string_view id : {kDemoNdaTemplate, kDemoNonCompeteTemplate, kDemoNoticeTemplate}) {
      if (auto t = web::LoadAgreementTemplate(library.templates_dir, id); !t.ok()) {
        return Fail(Status::FailedPrecondition(
            "contract template '" + std::string(id) + "' not readable in " +
            library.templates_dir.string() + " (set CUSTOS_HOME): " + t.status().message()));
      }
    }
    if (!wages.ok()) {
      std::cerr << "custos demo: minimum wage table not loaded, check N6 will warn: "
                << wages.message() << std::endl;
    }

    // A new demo vault gets its year of history, each step on its day (the
    // story clock, base/time.h); a vault that exists already has events of
    // its own, which a dated story would come before, so it is seeded now.
    // The demo company's date: China's (its default policy's <calendar>).
    const CivilDate today = CivilFromDays(LocalDay(NowMillis(), 8 * 60));
    std::unique_ptr<DemoHistory> history;
    std::unique_ptr<vault::Vault> v;
    if (!vault::Vault::Exists(VaultLocation())) {
      auto pass = ReadPassphrase(/*confirm=*/true);
      if (!pass.ok()) return Fail(pass.status());
      if (Status strong = CheckNewPassphrase(*pass); !strong.ok()) return Fail(strong);
      history = std::make_unique<DemoHistory>();
      vault::CreateOptions create;
      create.kdf = kdf->vault_kdf;
      create.log_name = "custos.demo/huaxin";
      auto created = vault::Vault::Create(VaultLocation(), *pass, create);
      if (!created.ok()) return Fail(created.status());
      v = std::move(*created);
    } else {
      auto opened = OpenVault(Access::kWrite);
      if (!opened.ok()) return Fail(opened.status());
      v = std::move(*opened);
    }
    {
      auto log = vault::AuditLog::Open(*v);
      if (!log.ok()) return Fail(log.status());
      auto archive = vault::Archive::Open(*v, **log);
      if (!archive.ok()) return Fail(archive.status());
      std::vector<DemoLogin> logins;
      demo.history = history.get();
      Status s = SeedDemoCompany(**archive, demo, &logins);
      if (!s.ok()) return Fail(s);
      DemoAgreementOptions story;
      story.today = history != nullptr ? history->today() : today;
      story.signing_kdf = kdf->password_kdf;
      story.letters = web::CustomerLetterRendererOver(library.letters_dir);
      story.history = history.get();
      auto left = SeedDemoStory(**archive, web::AgreementDocumentBuilder(library), logins, story);
      if (!left.ok()) return Fail(left.status());
      history.reset();  // the case and what follows happen now
      std::cout << "Seeded the demo company in " << VaultLocation() << ": " << left->ndas
                << " signed NDAs; " << left->leaver_name << " (" << kDemoLeaver
                << ") gave notice on " << FormatDate(left->notice_date) << " and left after "
                << FormatDate(left->last_working_day) << ", having opened " << left->files_viewed
                << " of other people's customer files; " << left->handed_over
                << " customer files handed over to " << left->successor_name << " ("
                << left->customers_confirmed << " customer confirmed, " << left->customers_waived
                << " refused and waived, " << left->customers_open
                << " still to confirm: the departure is in progress); " << left->payments
                << " non-compete payments recorded. " << left->completed_leaver_name << " ("
                << kDemoCompletedLeaver << ") left earlier: " << left->completed_handovers
                << " customer files handed over and confirmed by their customers, departure "
                   "complete.\n";
      auto evidence_case = SeedDemoCase(**archive);
      if (!evidence_case.ok()) return Fail(evidence_case.status());
      std::cout << "Case " << evidence_case->case_ref << ": evidence request " << evidence_case->id
                << " approved, " << evidence_case->hold.record_ids.size()
                << " files under legal hold; litigation can export it now.\n";
      // The whole seeded log under a signed checkpoint, as `serve` keeps it.
      auto checkpoint = (*log)->CheckpointNow();
      if (!checkpoint.ok()) return Fail(checkpoint.status());
      // A large demo's records catalog, saved as `serve` would save it, so
      // that its first start reads the saved catalog instead of every file.
      if (auto saved = (*archive)->SaveCatalogIfStale(); !saved.ok()) return Fail(saved.status());
    }
    return PrintLogins(std::move(v));
  }

 private:
  int PrintLogins(std::unique_ptr<vault::Vault> v = nullptr) {
    if (v == nullptr) {
      auto opened = OpenVault(Access::kReadOnly);
      if (!opened.ok()) return Fail(opened.status());
      v = std::move(*opened);
    }
    auto r = v->BeginRead();
    if (!r.ok()) return Fail(r.status());
    auto users = vault::ListUsers(**r);
    if (!users.ok()) return Fail(users.status());
    std::cout << "Demo logins (password for every account: " << kDemoPassword << "):\n";
    for (const auto& u : *users) {
      std::string roles;
      for (policy::Role role : u.roles) {
        if (!roles.empty()) roles += ", ";
        roles += std::string(policy::RoleLabelZh(role)) + " " + std::string(policy::RoleId(role));
      }
      std::string name = u.username;
      name.resize(14, ' ');
      // The demo's leaver is listed too, so the logins match the people the
      // pages show, but their account no longer logs in.
      std::string_view state;
      if (u.employment == policy::EmploymentState::kDeparted) {
        state = "  — 已离职，账户已停用 / departed, disabled";
      } else if (u.disabled) {
        state = "  — 账户已停用 / disabled";
      }
      std::cout << "  " << name << u.display_name << "  (" << roles << ")" << state << "\n";
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeServeCommand() { return std::make_unique<ServeCommand>(); }
std::unique_ptr<Command> MakeDemoCommand() { return std::make_unique<DemoCommand>(); }

}  // namespace custos::cli
