// custos import | policy: working on the archive from the command line, as a
// named user whose password is checked, with every action audited and
// decided by the policy exactly as in the web application.
#include <cerrno>
#include <fstream>
#include <iconv.h>
#include <iostream>
#include <iterator>
#include <sstream>

#include <Poco/Util/Option.h>

#include "base/json.h"
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

// `text` in GB18030 (which GBK and GB2312 are subsets of: what Excel on
// Chinese Windows saves as "CSV (逗号分隔)") as UTF-8. kInvalidArgument
// when it is not GB18030 either.
Result<std::string> Gb18030ToUtf8(const std::string& text) {
  iconv_t cd = ::iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Status::Unavailable("this system cannot convert from GB18030 (glibc's gconv modules)");
  }
  std::string out(text.size() * 2 + 16, '\0');
  char* in_at = const_cast<char*>(text.data());
  size_t in_left = text.size();
  char* out_at = out.data();
  size_t out_left = out.size();
  Status status = Status::Ok();
  while (in_left > 0) {
    if (::iconv(cd, &in_at, &in_left, &out_at, &out_left) != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) {
      const size_t used = out.size() - out_left;
      out.resize(out.size() * 2);
      out_at = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    status = Status::InvalidArgument(
        "byte " + std::to_string(text.size() - in_left) + " is not GB18030 text either",
        "第 " + std::to_string(text.size() - in_left) + " 字节也不是 GB18030 文本");
    break;
  }
  ::iconv_close(cd);
  if (!status.ok()) return status;
  out.resize(out.size() - out_left);
  return out;
}

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
    options.addOption(Option("encoding", "",
                             "the file's encoding: utf-8 (the default) or gb18030 (also GBK: "
                             "Excel's \"CSV (逗号分隔)\" on Chinese Windows)")
                          .required(false)
                          .repeatable(false)
                          .argument("NAME"));
  }

  int Run(const std::vector<std::string>& args) override {
    if (args.size() != 1) return UsageError("import takes one CSV file");
    if (!Has("as")) return UsageError("--as USER is required");
    const std::string encoding = Has("encoding") ? Flag("encoding") : "utf-8";
    if (encoding != "utf-8" && encoding != "gb18030" && encoding != "gbk") {
      return UsageError("--encoding is utf-8 or gb18030");
    }
    std::ifstream file(args[0], std::ios::binary);
    if (!file) return Fail(Status::NotFound("cannot read " + args[0], "无法读取 " + args[0]));
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) return Fail(Status::Unavailable("reading " + args[0] + " failed"));
    if (encoding != "utf-8") {
      auto converted = Gb18030ToUtf8(text);
      if (!converted.ok()) return Fail(converted.status().Annotate(args[0]));
      text = std::move(*converted);
    } else if (!json::IsValidUtf8(text)) {
      // Said before anything else: every row would be refused for it.
      return Fail(Status::InvalidArgument(
          args[0] +
              " is not UTF-8 text. Excel on Chinese Windows saves \"CSV (逗号分隔)\" as "
              "GB18030: import it with --encoding gb18030, or save it as \"CSV UTF-8 (逗号分隔)\". "
              "Nothing was imported.",
          args[0] + " 不是 UTF-8 文本。中文 Windows 上的 Excel 将“CSV (逗号分隔)”存为 GB18030 "
                    "编码：请加 --encoding gb18030 导入，或另存为“CSV UTF-8 "
                    "(逗号分隔)”。未导入任何内容。"));
    }
    std::istringstream in(std::move(text));
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
      if (report->whole_file) {
        std::cerr << "custos import: the file cannot be read as customer rows; nothing was "
                     "imported (fix the file: --skip-errors cannot leave this out)\n";
      } else {
        std::cerr << "custos import: " << report->errors.size() << " error(s) in " << report->rows
                  << " rows; nothing was imported (fix them, or use "
                  << "--skip-errors)\n";
      }
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
    if (applied->pending_second_approval) {
      std::cout << "Policy v" << applied->version << " (sha256 " << applied->sha256
                << ") is recorded as your approval (audit seq " << applied->audit_seq
                << "); it takes effect when a second administrator applies the same file.\n";
      return kExitOk;
    }
    std::cout << "Policy v" << applied->version << " (sha256 " << applied->sha256
              << ") is in force (audit seq " << applied->audit_seq << ").\n";
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeImportCommand() { return std::make_unique<ImportCommand>(); }
std::unique_ptr<Command> MakePolicyCommand() { return std::make_unique<PolicyCommand>(); }

}  // namespace custos::cli
