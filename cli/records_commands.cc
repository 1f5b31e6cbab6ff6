// custos import | policy: working on the archive from the command line, as a
// named user whose password is checked, with every action audited and
// decided by the policy exactly as in the web application.
#include <fstream>
#include <iostream>
#include <iterator>

#include <Poco/Util/Option.h>

#include "base/time.h"
#include "cli/actor.h"
#include "cli/commands.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/csv_import.h"
#include "vault/records/records.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

class ImportCommand : public ActorCommand {
 public:
  ImportCommand()
      : ActorCommand("import", "FILE.csv --as USER",
                     "Import customer files from a UTF-8 CSV with a header row (columns: "
                     "docs/csv-import.md). Nothing is imported from a file with errors unless "
                     "--skip-errors.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    AddActorOptions(options);
    options.addOption(Option("skip-errors", "", "import the valid rows, report the others")
                          .required(false)
                          .repeatable(false));
    options.addOption(Option("reason", "", "reason recorded with every created file")
                          .required(false)
                          .repeatable(false)
                          .argument("TEXT"));
  }

  int Run(const std::vector<std::string>& args) override {
    if (args.size() != 1) return UsageError("import takes one CSV file");
    if (!Has("as")) return UsageError("--as USER is required");
    std::ifstream in(args[0], std::ios::binary);
    if (!in) return Fail(Status::NotFound("cannot read " + args[0], "无法读取 " + args[0]));
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    vault::CsvImportOptions opts;
    opts.skip_errors = Has("skip-errors");
    if (Has("reason")) opts.reason = Flag("reason");
    auto report = vault::ImportCustomersCsv(*s->archive, s->caller, in, opts);
    if (!report.ok()) return Fail(report.status());
    for (const auto& e : report->errors) {
      std::cerr << args[0] << ": row " << e.row << (e.column.empty() ? "" : ", column " + e.column)
                << ": " << e.message << "\n";
    }
    if (!report->committed) {
      std::cerr << "custos import: " << report->errors.size() << " error(s) in " << report->rows
                << " rows; nothing was imported (fix them, or use --skip-errors)\n";
      return kExitFailed;
    }
    std::cout << "Imported " << report->record_ids.size() << " of " << report->rows
              << " customer files";
    if (!report->errors.empty()) std::cout << " (" << report->errors.size() << " rows skipped)";
    std::cout << ".\n";
    return kExitOk;
  }
};

class PolicyCommand : public ActorCommand {
 public:
  PolicyCommand()
      : ActorCommand("policy", "show | history | apply FILE.xml --as ADMIN --reason TEXT",
                     "Show the policy in force and its history, or apply a new policy file "
                     "(an audited event; past events keep the hash of the policy that decided "
                     "them).") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    AddActorOptions(options);
    options.addOption(Option("reason", "", "apply: why the policy changes")
                          .required(false)
                          .repeatable(false)
                          .argument("TEXT"));
  }

  int Run(const std::vector<std::string>& args) override {
    if (args.empty()) return UsageError("say show, history or apply FILE");
    const std::string& verb = args[0];
    if (verb == "show" || verb == "history") {
      if (args.size() != 1) return UsageError(verb + " takes no arguments");
      // Reads only, so it may run beside `custos serve`.
      auto v = OpenVault(Access::kReadOnly);
      if (!v.ok()) return Fail(v.status());
      auto r = (*v)->BeginRead();
      if (!r.ok()) return Fail(r.status());
      if (verb == "show") {
        auto current = vault::CurrentPolicy(**r);
        if (current.ok()) {
          std::cout << current->source();
          return kExitOk;
        }
        if (current.status().code() != StatusCode::kNotFound) return Fail(current.status());
        // Nothing applied yet: the default policy is installed (and
        // recorded) at the vault's first use.
        std::cerr << "custos policy: no policy applied yet; the default policy below takes "
                     "effect at first use\n";
        std::cout << vault::DefaultPolicyXml();
        return kExitOk;
      }
      auto hist = vault::PolicyHistory(**r);
      if (!hist.ok()) return Fail(hist.status());
      for (const auto& h : *hist) {
        std::cout << FormatRfc3339Millis(h.applied_at) << "  " << h.sha256 << "  v" << h.version
                  << "  by " << (h.applied_by.empty() ? "system" : h.applied_by) << "  (audit seq "
                  << h.audit_seq << ")\n";
      }
      return kExitOk;
    }
    if (verb != "apply") return UsageError("unknown subcommand '" + verb + "'");
    if (args.size() != 2) return UsageError("apply takes one policy file");
    if (!Has("as")) return UsageError("--as ADMIN is required");
    if (Flag("reason").empty()) return UsageError("--reason is required");
    std::ifstream in(args[1], std::ios::binary);
    if (!in) return Fail(Status::NotFound("cannot read " + args[1], "无法读取 " + args[1]));
    std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto s = OpenAs();
    if (!s.ok()) return Fail(s.status());
    auto applied = vault::ApplyPolicy(*s->vault, *s->log, s->caller, xml, Flag("reason"));
    if (!applied.ok()) return Fail(applied.status());
    std::cout << "Policy v" << applied->version << " (sha256 " << applied->sha256
              << ") is in force (audit seq " << applied->audit_seq << ").\n";
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeImportCommand() { return std::make_unique<ImportCommand>(); }
std::unique_ptr<Command> MakePolicyCommand() { return std::make_unique<PolicyCommand>(); }

}  // namespace custos::cli
