// custos audit verify | checkpoint | key | prove | leaf | consistency | export | index:
// the tamper-evident audit log from the command line. Formats are those of
// vault/audit/audit_log.h and vault/audit/checkpoint.h; outputs are exact bytes so they
// can be redirected into files and checked with standard tools.
#include <fstream>
#include <iostream>
#include <iterator>

#include <Poco/Util/Option.h>

#include "base/encoding.h"
#include "base/time.h"
#include "cli/actor.h"
#include "cli/commands.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/backup/backup.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

constexpr char kUsage[] =
    "verify | checkpoint | key [--pem] | prove SEQ [--checkpoint FILE] | leaf SEQ | "
    "consistency OLD_SIZE NEW_SIZE | export --as AUDITOR [--actor U] [--object ID] [--from T] "
    "[--to T] [--denied] | index";

Option ValueOption(const std::string& name, const std::string& help, const std::string& arg) {
  return Option(name, "", help).required(false).repeatable(false).argument(arg);
}

class AuditCommand : public ActorCommand {
 public:
  AuditCommand()
      : ActorCommand("audit", kUsage,
                     "Verify the tamper-evident audit log, print its checkpoint, key, proofs and "
                     "events.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    AddActorOptions(options);  // export reads the log as a named user
    options.addOption(Option("pem", "", "key: print the key as SubjectPublicKeyInfo PEM")
                          .required(false)
                          .repeatable(false));
    options.addOption(ValueOption(
        "checkpoint", "prove: prove against this signed checkpoint (default: the latest)", "FILE"));
    options.addOption(ValueOption(
        "against",
        "verify: also prove the log extends this signed checkpoint, kept outside the vault (a "
        "checkpoint note or a custos backup file): a vault rolled back to an older copy fails",
        "FILE"));
    options.addOption(ValueOption("actor", "export: only events of this user id", "U"));
    options.addOption(ValueOption("object", "export: only events on this object id", "ID"));
    options.addOption(
        ValueOption("from", "export: only events at or after T (RFC 3339 or YYYY-MM-DD)", "T"));
    options.addOption(ValueOption("to", "export: only events before T", "T"));
    options.addOption(Option("denied", "", "export: only refused attempts (decision deny)")
                          .required(false)
                          .repeatable(false));
  }

  int Run(const std::vector<std::string>& args) override {
    if (args.empty()) return UsageError("audit needs a subcommand: " + std::string(kUsage));
    const std::string& sub = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub != "verify" && sub != "checkpoint" && sub != "key" && sub != "prove" && sub != "leaf" &&
        sub != "consistency" && sub != "export" && sub != "index") {
      return UsageError("unknown audit subcommand '" + sub + "'");
    }
    size_t want = (sub == "prove" || sub == "leaf") ? 1 : sub == "consistency" ? 2 : 0;
    if (rest.size() != want) {
      return UsageError("audit " + sub + " takes " + std::to_string(want) + " argument(s)");
    }
    std::vector<uint64_t> numbers;
    for (const std::string& a : rest) {
      auto n = vault::ParseDecimal(a);
      if (!n.ok()) return UsageError("'" + a + "' is not a non-negative integer");
      numbers.push_back(*n);
    }
    vault::AuditFilter filter;
    if (sub == "export") {
      if (Has("actor")) filter.actor = Flag("actor");
      if (Has("object")) filter.object = Flag("object");
      filter.denied = Has("denied");
      for (const char* name : {"from", "to"}) {
        if (!Has(name)) continue;
        auto t = ParseRfc3339(Flag(name));
        if (!t.ok()) return UsageError(std::string("--") + name + ": " + t.status().message());
        (std::string_view(name) == "from" ? filter.from : filter.to) = *t;
      }
    }
    std::string checkpoint_text;
    if (Has("checkpoint")) {
      std::ifstream in(Flag("checkpoint"), std::ios::binary);
      if (!in) return UsageError("cannot read " + Flag("checkpoint"));
      checkpoint_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    if (sub == "export") return Export(filter);

    // checkpoint and index write (a signed checkpoint, index entries): they
    // take the writer's lock. The others read, and may run beside `custos
    // serve`; prove signs a checkpoint only when none covers the event yet.
    const bool writes = sub == "checkpoint" || sub == "index";
    auto pass = ReadPassphrase(/*confirm=*/false);
    if (!pass.ok()) return Fail(pass.status());
    auto v = OpenVaultWith(*pass, writes ? Access::kWrite : Access::kReadOnly);
    if (!v.ok()) return Fail(v.status());
    auto log = vault::AuditLog::Open(**v);
    if (!log.ok()) return Fail(log.status());
    const vault::AuditLog& audit = **log;

    if (sub == "verify") {
      auto report = audit.Verify();
      if (!report.ok()) return Fail(report.status().Annotate("audit log verification failed"));
      if (Has("against")) {
        auto note = vault::ReadCheckpointFile(Flag("against"));
        if (!note.ok()) return Fail(note.status());
        auto txn = (*v)->BeginRead();
        if (!txn.ok()) return Fail(txn.status());
        auto size = audit.VerifyExtends(**txn, *note);
        if (!size.ok()) return Fail(size.status().Annotate("audit log verification failed"));
        std::cout << "the log extends the checkpoint of size " << *size << " in " << Flag("against")
                  << "\n";
      }
      std::cout << "audit log OK: " << report->size << " events, " << report->checkpoints
                << " signed checkpoints verified (latest at size " << report->latest_checkpoint_size
                << "), index complete for the first " << report->indexed;
      if (report->denials_indexed != report->indexed) {
        std::cout << " (refused ones for the first " << report->denials_indexed << ")";
      }
      std::cout << ", root " << Base64Encode(report->root) << "\n";
      if (report->size > report->latest_checkpoint_size) {
        // The newest events' hashes are not stored (their tile is not
        // full): until a checkpoint covers them, only their leaves say
        // what they were.
        std::cout << "note: the newest " << report->size - report->latest_checkpoint_size
                  << " events (seq " << report->latest_checkpoint_size << ".." << report->size - 1
                  << ") are not yet under a signed checkpoint; `custos audit checkpoint` signs "
                     "one (`custos serve` does every minute)\n";
      }
      return kExitOk;
    }
    if (sub == "checkpoint") {
      auto note = audit.CheckpointNow();
      if (!note.ok()) return Fail(note.status());
      std::cout << *note;
      return kExitOk;
    }
    if (sub == "index") {  // what `serve` does every second, all at once
      uint64_t total = 0;
      while (true) {
        auto n = audit.IndexPending();
        if (!n.ok()) return Fail(n.status().Annotate("indexing the audit log failed"));
        if (*n == 0) break;
        total += *n;
      }
      std::cout << "audit index: " << total << " events indexed now\n";
      return kExitOk;
    }
    if (sub == "key") {
      std::cout << (Has("pem") ? audit.PublicKeyPem() : audit.VerifierKey() + "\n");
      return kExitOk;
    }
    if (sub == "prove") {
      const std::string* against = Has("checkpoint") ? &checkpoint_text : nullptr;
      auto proof = audit.Prove(numbers[0], against);
      if (!proof.ok() && proof.status().code() == StatusCode::kFailedPrecondition) {
        // No checkpoint covers the event yet and signing one needs the
        // writer's lock (refused, naming the holder, while `custos serve`
        // runs — it signs one within a minute of new events).
        log->reset();
        v->reset();
        v = OpenVaultWith(*pass, Access::kWrite);
        if (!v.ok()) {
          return Fail(v.status().Annotate("no signed checkpoint covers seq " +
                                          std::to_string(numbers[0]) + " yet"));
        }
        log = vault::AuditLog::Open(**v);
        if (!log.ok()) return Fail(log.status());
        proof = (*log)->Prove(numbers[0], against);
      }
      if (!proof.ok()) return Fail(proof.status());
      std::cout << *proof;
      return kExitOk;
    }
    auto txn = (*v)->BeginRead();
    if (!txn.ok()) return Fail(txn.status());
    if (sub == "leaf") {
      auto leaf = audit.Leaf(**txn, numbers[0]);
      if (!leaf.ok()) return Fail(leaf.status());
      std::cout << *leaf;  // exact bytes, no newline
      return kExitOk;
    }
    if (sub == "consistency") {
      auto proof = audit.ConsistencyProof(**txn, numbers[0], numbers[1]);
      if (!proof.ok()) return Fail(proof.status());
      std::cout << vault::FormatHashLines(*proof);
      return kExitOk;
    }
    return UsageError("unknown audit subcommand '" + sub + "'");
  }

 private:
  // The events as JSONL: a read of the log like the API's, decided by
  // read_audit_log for --as USER and recorded ("audit.export", with the
  // filter) before anything is printed.
  int Export(const vault::AuditFilter& filter) {
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    json::Value details = json::Value::MakeObject();
    if (filter.actor) details["actor"] = *filter.actor;
    if (filter.object) details["object"] = *filter.object;
    if (filter.from) details["from"] = FormatRfc3339Millis(*filter.from);
    if (filter.to) details["to"] = FormatRfc3339Millis(*filter.to);
    if (filter.denied) details["decision"] = "deny";
    if (Status st = s->archive->AuthorizeLogRead(s->caller, "audit.export", details); !st.ok()) {
      return Fail(st);
    }
    auto txn = s->vault->BeginRead();
    if (!txn.ok()) return Fail(txn.status());
    Status st = s->log->Export(**txn, filter, [](uint64_t, std::string_view leaf) {
      std::cout << leaf << "\n";
      return static_cast<bool>(std::cout);
    });
    if (!st.ok()) return Fail(st);
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeAuditCommand() { return std::make_unique<AuditCommand>(); }

}  // namespace custos::cli
