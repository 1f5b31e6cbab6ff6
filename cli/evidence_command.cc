// custos evidence request | preview | approve | deny | export | download |
// list | verify | hold list | hold lift: evidence bundles for litigation
// (docs/evidence.md). Every step but `verify` acts as a named user (--as)
// and is decided and audited by the vault exactly as in the web
// application; `verify` needs no vault at all.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <unistd.h>

#include <Poco/Util/Option.h>
#include <sys/stat.h>

#include "base/encoding.h"
#include "base/text.h"
#include "base/time.h"
#include "cli/actor.h"
#include "cli/commands.h"
#include "vault/access/users.h"
#include "vault/audit/checkpoint.h"
#include "vault/evidence/evidence.h"
#include "vault/evidence/verify.h"
#include "vault/evidence/zip.h"
#include "vault/store/crypto.h"
#include "web/tsa_client.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;
using vault::evidence::Delivery;
using vault::evidence::EvidenceDesk;
using vault::evidence::EvidenceRequest;

constexpr char kUsage[] =
    "request --case TEXT --reason TEXT [--person USERNAME]... [--record ID]... [--from T] "
    "[--to T] [--redact] [--recipient AGE]... | preview (as request) | approve ID --reason TEXT | "
    "deny ID --reason TEXT | export ID --out FILE [--tsa-url URL --tsa-ca FILE] | download ID N "
    "--out FILE | list | verify FILE [--key FILE] | hold list | hold lift ID --reason TEXT";

Option Value(const std::string& name, const std::string& help, const std::string& arg,
             bool repeatable = false) {
  return Option(name, "", help).required(false).repeatable(repeatable).argument(arg);
}

std::string ReadWholeFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Lower-case hex SHA-256 of a file's bytes, read in pieces (a bundle may be
// larger than memory).
Result<std::string> FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Unavailable("cannot read " + path);
  vault::Sha256Hasher hasher;
  std::string buffer(size_t{1} << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hasher.Update(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return Status::Unavailable("cannot read " + path);
  return HexEncode(hasher.Finish());
}

// One line per request, for `list`.
void PrintRequest(const EvidenceRequest& r) {
  std::cout << r.id << "  " << policy::EvidenceStateId(r.state) << "  " << r.case_ref << "  by "
            << r.requester_name << " at " << FormatRfc3339Millis(r.requested_at) << "  approvals "
            << r.approvals.size() << "/" << r.approvals_required << "  exports " << r.exports.size()
            << (r.hold.active ? "  HOLD" : (r.hold.lifted ? "  hold lifted" : "")) << "\n";
}

class EvidenceCommand : public ActorCommand {
 public:
  EvidenceCommand()
      : ActorCommand("evidence", kUsage,
                     "Evidence bundles for a case: request, approve or deny, export, verify "
                     "(no vault needed), and the legal holds they place.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    AddActorOptions(options);
    options.addOption(
        Value("case", "request: the case reference, e.g. (2026)沪0115民初1234号", "TEXT"));
    options.addOption(Value("reason", "request: the purpose; approve/deny/hold lift: why", "TEXT"));
    options.addOption(
        Value("person", "request: a person in scope (username; repeatable)", "USERNAME", true));
    options.addOption(Value("record", "request: a record in scope (id; repeatable)", "ID", true));
    options.addOption(Value("from", "request: window start (RFC 3339 or YYYY-MM-DD)", "T"));
    options.addOption(Value("to", "request: window end, exclusive", "T"));
    options.addOption(Option("redact", "", "request: content as salted commitments only")
                          .required(false)
                          .repeatable(false));
    options.addOption(
        Value("recipient", "request: encrypt to this age recipient (age1…)", "AGE", true));
    options.addOption(Value("out", "export/download: the file to write (must not exist)", "FILE"));
    options.addOption(Value("tsa-url", "export: RFC 3161 time-stamping authority", "URL"));
    options.addOption(Value("tsa-ca", "export: the TSA's CA certificate(s), PEM", "FILE"));
    options.addOption(Value("key", "verify: the log key to trust (PEM or verifier key)", "FILE"));
  }

  int Run(const std::vector<std::string>& args) override {
    if (args.empty()) return UsageError("evidence needs a subcommand: " + std::string(kUsage));
    const std::string& sub = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "verify") return Verify(rest);
    if (sub == "request" || sub == "preview") return RequestOrPreview(sub, rest);
    if (sub == "approve" || sub == "deny") return Decide(sub, rest);
    if (sub == "export") return Export(rest);
    if (sub == "download") return Download(rest);
    if (sub == "list") return List(rest);
    if (sub == "hold") return Hold(rest);
    return UsageError("unknown evidence subcommand '" + sub + "'");
  }

 private:
  int Verify(const std::vector<std::string>& rest) {
    if (rest.size() != 1) return UsageError("evidence verify takes the bundle's file");
    vault::evidence::VerifyOptions options;
    if (Has("key")) {
      bool ok = false;
      options.trusted_key = ReadWholeFile(Flag("key"), &ok);
      if (!ok) return UsageError("cannot read " + Flag("key"));
      // An empty file would mean "no trusted key": the bundle's own would
      // be used, which is what --key is there to prevent.
      if (IsBlankText(options.trusted_key)) {
        return UsageError(Flag("key") + " holds no key (a PEM public key or a verifier key)");
      }
    }
    auto zip = vault::evidence::ZipReader::OpenFile(rest[0]);
    if (!zip.ok()) {
      if (zip.status().code() == StatusCode::kNotFound) return UsageError("cannot read " + rest[0]);
      std::cout << "FAILED  " << rest[0] << ": archive: " << zip.status().message() << "\n";
      return kExitFailed;
    }
    auto report = vault::evidence::VerifyBundle(**zip, options);
    if (!report.ok()) return UsageError(report.status().message());
    for (const std::string& line : report->passed) std::cout << "ok      " << line << "\n";
    if (report->failure) {
      const auto& f = *report->failure;
      std::cout << "FAILED  " << (f.file.empty() ? rest[0] : f.file) << ": " << f.check << ": "
                << f.message << "\n";
      return kExitFailed;
    }
    std::cout << "bundle verified: case " << report->case_ref << ", request " << report->request_id
              << ", " << report->events << " events, " << report->files << " files"
              << (report->redacted ? ", redacted" : "")
              << (report->timestamped ? ", trusted timestamp" : ", no trusted timestamp") << "\n";
    if (report->key_from_bundle) {
      std::cout << "note: the log key was taken from the bundle itself; compare "
                   "keys/log-key.vkey with the key the company published, or pass --key\n";
    }
    // The checks above cover every file's name and bytes, not the ZIP's
    // own metadata (entry times, attributes): a re-packed bundle passes. The
    // file's hash is what shows it is the very file exported.
    auto file_hash = FileSha256(rest[0]);
    if (!file_hash.ok()) return Fail(file_hash.status());
    std::cout << "bundle file SHA-256 " << *file_hash
              << "\nnote: this file is byte for byte the one exported when this hash is the "
                 "bundle_sha256 of its evidence.export event in the vault's audit log\n";
    return kExitOk;
  }

  // Parses --from/--to into the spec; a usage error message or "".
  std::string ParseWindow(vault::evidence::ScopeSpec* spec) const {
    for (const char* name : {"from", "to"}) {
      if (!Has(name)) continue;
      auto t = ParseRfc3339(Flag(name));
      if (!t.ok()) return std::string("--") + name + ": " + t.status().message();
      (std::string_view(name) == "from" ? spec->from : spec->to) = *t;
    }
    return "";
  }

  int RequestOrPreview(const std::string& sub, const std::vector<std::string>& rest) {
    if (!rest.empty()) return UsageError("evidence " + sub + " takes no arguments");
    if (!Has("case")) return UsageError("--case is required");
    if (!Has("reason")) return UsageError("--reason (the purpose) is required");
    vault::evidence::NewEvidenceRequest n;
    n.case_ref = Flag("case");
    n.purpose = Flag("reason");
    n.scope.record_ids = FlagAll("record");
    n.redact = Has("redact");
    n.recipients = FlagAll("recipient");
    if (std::string e = ParseWindow(&n.scope); !e.empty()) return UsageError(e);
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    {
      auto r = s->vault->BeginRead();
      if (!r.ok()) return Fail(r.status());
      for (const std::string& name : FlagAll("person")) {
        auto u = vault::FindUserByName(**r, name);
        if (!u.ok()) return Fail(Status::InvalidArgument("no user named " + name));
        n.scope.person_ids.push_back(u->id);
      }
    }
    EvidenceDesk desk(*s->archive);
    if (sub == "preview") {
      auto p = desk.Preview(s->caller, n);
      if (!p.ok()) return Fail(p.status());
      std::cout << "people " << p->people << ", records " << p->records << " (top secret "
                << p->top_secret_records << "), agreements " << p->agreements << ", loans "
                << p->loans << ", events " << p->events << ", window "
                << (p->from == 0 ? std::string("start") : FormatRfc3339Millis(p->from)) << " — "
                << (p->to == 0 ? std::string("now") : FormatRfc3339Millis(p->to))
                << ", approvals needed " << p->approvals_required << "\n";
      return kExitOk;
    }
    auto r = desk.Request(s->caller, n);
    if (!r.ok()) return Fail(r.status());
    std::cout << "case " << r->case_ref << ": " << r->approvals_required
              << " approval(s) needed\nevidence request " << r->id << "\n";
    return kExitOk;
  }

  int Decide(const std::string& sub, const std::vector<std::string>& rest) {
    if (rest.size() != 1) return UsageError("evidence " + sub + " takes the request id");
    if (!Has("reason")) return UsageError("--reason is required");
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    EvidenceDesk desk(*s->archive);
    auto r = sub == "approve" ? desk.Approve(s->caller, rest[0], Flag("reason"))
                              : desk.Deny(s->caller, rest[0], Flag("reason"));
    if (!r.ok()) return Fail(r.status());
    PrintRequest(*r);
    if (r->hold.active && sub == "approve" && r->state == policy::EvidenceState::kApproved) {
      std::cout << "legal hold placed on " << r->hold.record_ids.size() << " records and "
                << r->hold.agreement_ids.size() << " agreements\n";
    }
    return kExitOk;
  }

  // Creates --out (0600, never over an existing one) before anything is
  // exported or downloaded: a file that cannot be written must not cost an
  // export, or an event saying the bundle was delivered.
  Result<int> CreateOut() {
    const std::string out = Flag("out");
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    const int err = errno;
    if (err == EEXIST) {
      return Status::InvalidArgument("cannot create " + out + ": it exists (it is never replaced)");
    }
    return Status::InvalidArgument("cannot create " + out + ": " + std::strerror(err));
  }

  // `delivery` (or its failure) into the file CreateOut made: complete, or
  // removed.
  int Deliver(const Result<Delivery>& delivery, int fd) {
    const std::string out = Flag("out");
    if (!delivery.ok()) {
      close(fd);
      std::remove(out.c_str());
      return Fail(delivery.status());
    }
    const Delivery& d = *delivery;
    Status st = d.write_to([fd](std::string_view piece) -> Status {
      while (!piece.empty()) {
        const ssize_t n = write(fd, piece.data(), piece.size());
        if (n < 0) return Status::Unavailable("writing the bundle failed");
        piece.remove_prefix(static_cast<size_t>(n));
      }
      return Status::Ok();
    });
    if (st.ok() && fsync(fd) != 0) st = Status::Unavailable("writing the bundle failed");
    close(fd);
    if (!st.ok()) {
      std::remove(out.c_str());
      return Fail(st);
    }
    std::cout << "wrote " << out << " (" << d.exported.stored.size << " bytes)\nexport #"
              << d.exported.number << " of " << d.request.id << ", bundle sha256 "
              << d.exported.bundle_sha256 << ", checkpoint size " << d.exported.checkpoint_size
              << (d.exported.encrypted ? ", encrypted (age)" : "")
              << (d.exported.timestamped ? ", timestamped" : "") << "\n";
    return kExitOk;
  }

  int Export(const std::vector<std::string>& rest) {
    if (rest.size() != 1) return UsageError("evidence export takes the request id");
    if (!Has("out")) return UsageError("--out FILE is required");
    if (Has("tsa-url") != Has("tsa-ca")) return UsageError("--tsa-url and --tsa-ca go together");
    vault::evidence::ExportOptions options;
    if (Has("tsa-url")) {
      bool ok = false;
      options.tsa_ca_pem = ReadWholeFile(Flag("tsa-ca"), &ok);
      if (!ok) return UsageError("cannot read " + Flag("tsa-ca"));
      const std::string url = Flag("tsa-url");
      options.timestamper = [url](std::string_view query) {
        return web::RequestTimestamp(url, query);
      };
    }
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    auto fd = CreateOut();
    if (!fd.ok()) return Fail(fd.status());
    EvidenceDesk desk(*s->archive);
    return Deliver(desk.Export(s->caller, rest[0], options), *fd);
  }

  int Download(const std::vector<std::string>& rest) {
    if (rest.size() != 2) return UsageError("evidence download takes the request id and N");
    if (!Has("out")) return UsageError("--out FILE is required");
    auto n = vault::ParseDecimal(rest[1]);
    if (!n.ok() || *n == 0 || *n > 1'000'000) return UsageError("N must be an export number");
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    auto fd = CreateOut();
    if (!fd.ok()) return Fail(fd.status());
    EvidenceDesk desk(*s->archive);
    return Deliver(desk.Download(s->caller, rest[0], static_cast<uint32_t>(*n)), *fd);
  }

  int List(const std::vector<std::string>& rest) {
    if (!rest.empty()) return UsageError("evidence list takes no arguments");
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    EvidenceDesk desk(*s->archive);
    auto all = desk.List(s->caller);
    if (!all.ok()) return Fail(all.status());
    for (const EvidenceRequest& r : *all) PrintRequest(r);
    if (all->empty()) std::cout << "no evidence requests\n";
    return kExitOk;
  }

  int Hold(const std::vector<std::string>& rest) {
    if (rest.empty()) return UsageError("evidence hold needs 'list' or 'lift ID'");
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    EvidenceDesk desk(*s->archive);
    if (rest[0] == "list" && rest.size() == 1) {
      auto holds = desk.Holds(s->caller);
      if (!holds.ok()) return Fail(holds.status());
      for (const auto& h : *holds) {
        std::cout << h.request_id << "  " << (h.hold.active ? "active" : "lifted") << "  "
                  << h.case_ref << "  records " << h.hold.record_ids.size() << ", agreements "
                  << h.hold.agreement_ids.size() << ", placed "
                  << FormatRfc3339Millis(h.hold.placed_at) << "\n";
      }
      if (holds->empty()) std::cout << "no legal holds\n";
      return kExitOk;
    }
    if (rest[0] == "lift" && rest.size() == 2) {
      if (!Has("reason")) return UsageError("--reason is required");
      auto r = desk.LiftHold(s->caller, rest[1], Flag("reason"));
      if (!r.ok()) return Fail(r.status());
      std::cout << "legal hold of " << r->id << " lifted\n";
      return kExitOk;
    }
    return UsageError("evidence hold needs 'list' or 'lift ID'");
  }
};

}  // namespace

std::unique_ptr<Command> MakeEvidenceCommand() { return std::make_unique<EvidenceCommand>(); }

}  // namespace custos::cli
