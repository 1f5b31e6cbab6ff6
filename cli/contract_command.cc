// custos contract list | render | check: the template library, offline.
#include <filesystem>
#include <iostream>

#include <Poco/Util/Option.h>

#include "cli/commands.h"
#include "contract-templates/offline.h"
#include "web/static_files.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;
namespace fs = std::filesystem;

// Shipped data: $CUSTOS_HOME, else the source tree (web::ShareDir).
fs::path ShareDir() { return web::ShareDir(); }

// A template given as a path, or as an id of a shipped template.
Result<fs::path> ResolveTemplate(const std::string& arg) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) return fs::path(arg);
  fs::path shipped = ShareDir() / "contract-templates" / "templates" / (arg + ".xml");
  if (fs::is_regular_file(shipped, ec)) return shipped;
  return Status::NotFound("no template '" + arg +
                          "' (a file path or a shipped id; see custos contract list)");
}

class ContractCommand : public Command {
 public:
  ContractCommand()
      : Command("contract",
                "list | render TEMPLATE --fields F.json | check TEMPLATE --fields F.json",
                "Draft agreements offline: list the shipped templates, render a filled template "
                "to HTML or text, run the legal checks.") {}

 protected:
  bool UsesVault() const override { return false; }

  void DefineCommandOptions(OptionSet& options) override {
    options.addOption(Option("fields", "", "the filled fields, a JSON object")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("format", "", "render: html (default) or text")
                          .required(false)
                          .repeatable(false)
                          .argument("FORMAT"));
    options.addOption(Option("marking", "",
                             "render: classification marking shown on every page "
                             "(default 秘密 / CONFIDENTIAL)")
                          .required(false)
                          .repeatable(false)
                          .argument("TEXT"));
    options.addOption(Option("context", "",
                             "check: facts known about the employee (JSON; see "
                             "contract-templates/README.md)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("minimum-wages", "",
                             "check: minimum wage table (default: the "
                             "shipped contract-templates/data/minimum-wages.json)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("lang", "", "check: report language, zh (default) or en")
                          .required(false)
                          .repeatable(false)
                          .argument("LANG"));
    options.addOption(
        Option("json", "", "check: print the report as JSON").required(false).repeatable(false));
  }

  int Run(const std::vector<std::string>& args) override {
    if (args.empty()) return UsageError("say list, render or check");
    const std::string& verb = args[0];
    if (verb == "list") return List(args);
    if (verb != "render" && verb != "check") return UsageError("unknown subcommand '" + verb + "'");
    if (args.size() != 2) return UsageError(verb + " takes one TEMPLATE (a path or an id)");
    if (!Has("fields")) return UsageError(verb + " needs --fields FILE");
    auto tpl = ResolveTemplate(args[1]);
    if (!tpl.ok()) return Fail(tpl.status());
    return verb == "render" ? Render(*tpl) : Check(*tpl);
  }

 private:
  int List(const std::vector<std::string>& args) {
    if (args.size() > 1) return UsageError("list takes no arguments");
    auto list = contracts::ListTemplates(ShareDir() / "contract-templates" / "templates");
    if (!list.ok()) return Fail(list.status());
    for (const auto& t : *list) {
      std::cout << t.id << "\t" << t.kind << "\t" << contracts::LanguageTag(t.language) << "\t"
                << t.jurisdiction << "\tv" << t.version << "\t" << t.title << "\n";
    }
    return kExitOk;
  }

  int Render(const fs::path& tpl) {
    const std::string format = Flag("format", "html");
    contracts::Format f;
    if (format == "html") {
      f = contracts::Format::kHtml;
    } else if (format == "text") {
      f = contracts::Format::kText;
    } else {
      return UsageError("--format must be html or text");
    }
    auto out =
        contracts::RenderFromFiles(tpl, Flag("fields"), f, Flag("marking", "秘密 / CONFIDENTIAL"));
    if (!out.ok()) return Fail(out.status());
    std::cout << *out;
    return kExitOk;
  }

  int Check(const fs::path& tpl) {
    contracts::OfflineCheckOptions opts;
    opts.minimum_wages_path =
        Flag("minimum-wages",
             (ShareDir() / "contract-templates" / "data" / "minimum-wages.json").string());
    if (Has("context")) {
      auto ctx_json = contracts::LoadFieldsFile(Flag("context"));
      if (!ctx_json.ok()) return Fail(ctx_json.status());
      auto ctx = contracts::ParseCheckContext(*ctx_json);
      if (!ctx.ok()) return Fail(ctx.status());
      opts.context = std::move(*ctx);
    }
    const std::string lang = Flag("lang", "zh");
    if (lang != "zh" && lang != "en") return UsageError("--lang must be zh or en");
    auto report = contracts::CheckFromFiles(tpl, Flag("fields"), opts);
    if (!report.ok()) return Fail(report.status());
    if (Has("json")) {
      std::cout << json::SerializePretty(contracts::ReportToJson(*report)) << "\n";
    } else {
      std::cout << contracts::FormatReportText(
          *report, lang == "en" ? contracts::Language::kEn : contracts::Language::kZh);
    }
    // A draft with errors cannot be sent for signature: that is a failed check.
    return contracts::CanSendForSignature(*report) ? kExitOk : kExitFailed;
  }
};

}  // namespace

std::unique_ptr<Command> MakeContractCommand() { return std::make_unique<ContractCommand>(); }

}  // namespace custos::cli
