#include "contract-templates/template.h"

#include <algorithm>
#include <exception>
#include <set>
#include <variant>

#include <pugixml.hpp>

#include "contract-templates/fields.h"
#include "contract-templates/internal/values.h"

namespace custos::contracts {
namespace {

Status Bad(std::string_view where, std::string_view what) {
  return Status::InvalidArgument("template: <" + std::string(where) + ">: " + std::string(what));
}

// Every attribute of `node` must be in `allowed`: a misspelt attribute (say
// `iff`) would otherwise silently drop a condition.
Status CheckAttributes(const pugi::xml_node& node, std::initializer_list<std::string_view> allowed,
                       std::string_view where) {
  for (const pugi::xml_attribute& a : node.attributes()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(a.name())) == allowed.end()) {
      return Bad(where, "unknown attribute \"" + std::string(a.name()) + "\"");
    }
  }
  return Status::Ok();
}

Status CheckChildren(const pugi::xml_node& node, std::initializer_list<std::string_view> allowed,
                     std::string_view where) {
  for (const pugi::xml_node& c : node.children()) {
    if (c.type() == pugi::node_comment) continue;
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      std::string_view t = c.value();
      if (t.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        return Bad(where, "unexpected text");
      }
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), std::string_view(c.name())) == allowed.end()) {
      return Bad(where, "unexpected element <" + std::string(c.name()) + ">");
    }
  }
  return Status::Ok();
}

Result<std::string> RequiredAttr(const pugi::xml_node& node, const char* name,
                                 std::string_view where) {
  pugi::xml_attribute a = node.attribute(name);
  if (!a || std::string_view(a.value()).empty()) {
    return Bad(where, "missing attribute \"" + std::string(name) + "\"");
  }
  return std::string(a.value());
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Joins the lines of an indented XML paragraph. A line break between two
// CJK (non-ASCII) characters vanishes; elsewhere it becomes one space, so
// wording can be wrapped in the XML without changing the rendered text.
std::string NormalizeText(std::string_view in) {
  size_t b = 0;
  size_t e = in.size();
  while (b < e && IsAsciiSpace(in[b])) ++b;
  while (e > b && IsAsciiSpace(in[e - 1])) --e;
  std::string out;
  size_t i = b;
  while (i < e) {
    if (!IsAsciiSpace(in[i])) {
      out += in[i++];
      continue;
    }
    size_t j = i;
    bool newline = false;
    while (j < e && IsAsciiSpace(in[j])) {
      if (in[j] == '\n' || in[j] == '\r') newline = true;
      ++j;
    }
    if (!newline) {
      out.append(in.substr(i, j - i));
    } else {
      bool prev_wide = !out.empty() && static_cast<unsigned char>(out.back()) >= 0x80;
      bool next_wide = j < e && static_cast<unsigned char>(in[j]) >= 0x80;
      if (!(prev_wide && next_wide)) out += ' ';
    }
    i = j;
  }
  return out;
}

Result<std::optional<Condition>> OptionalCondition(const pugi::xml_node& node,
                                                   std::string_view where) {
  pugi::xml_attribute a = node.attribute("if");
  if (!a) return std::optional<Condition>();
  Result<Condition> c = internal::ParseCondition(a.value());
  if (!c.ok()) return Bad(where, c.status().message());
  return std::optional<Condition>(std::move(c).value());
}

Result<Paragraph> ParseParagraph(const pugi::xml_node& node, std::string_view where) {
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(node, {"if"}, where));
  for (const pugi::xml_node& c : node.children()) {
    if (c.type() != pugi::node_pcdata && c.type() != pugi::node_cdata &&
        c.type() != pugi::node_comment) {
      return Bad(where, "<p> holds text only, found <" + std::string(c.name()) + ">");
    }
  }
  Paragraph p;
  CUSTOS_ASSIGN_OR_RETURN(p.condition, OptionalCondition(node, where));
  std::string raw;
  for (const pugi::xml_node& c : node.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) raw += c.value();
  }
  p.text = NormalizeText(raw);
  if (p.text.empty()) return Bad(where, "empty paragraph");
  return p;
}

Result<std::vector<Paragraph>> ParseParagraphs(const pugi::xml_node& node, std::string_view where) {
  CUSTOS_RETURN_IF_ERROR(CheckChildren(node, {"p"}, where));
  std::vector<Paragraph> out;
  for (const pugi::xml_node& p : node.children("p")) {
    CUSTOS_ASSIGN_OR_RETURN(Paragraph para, ParseParagraph(p, std::string(where) + "/p"));
    out.push_back(std::move(para));
  }
  return out;
}

Result<FieldType> ParseFieldType(std::string_view s, std::string_view where) {
  static constexpr FieldType kAll[] = {
      FieldType::kText,   FieldType::kDate,   FieldType::kMoney,
      FieldType::kMonths, FieldType::kChoice, FieldType::kResidentId,
      FieldType::kRegion, FieldType::kBool,   FieldType::kInteger};
  for (FieldType t : kAll) {
    if (FieldTypeName(t) == s) return t;
  }
  return Bad(where, "unknown field type \"" + std::string(s) + "\"");
}

Result<std::optional<int64_t>> OptionalInt(const pugi::xml_node& node, const char* name,
                                           std::string_view where) {
  pugi::xml_attribute a = node.attribute(name);
  if (!a) return std::optional<int64_t>();
  std::string_view s = a.value();
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.size() > 15 || s.find_first_not_of("0123456789") != std::string_view::npos) {
    return Bad(where, "attribute \"" + std::string(name) + "\" must be an integer");
  }
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return std::optional<int64_t>(neg ? -v : v);
}

Result<FieldDef> ParseField(const pugi::xml_node& node) {
  std::string where = "field";
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(
      node,
      {"id", "type", "required", "if", "label-zh", "label-en", "default", "currency", "min", "max"},
      where));
  FieldDef f;
  CUSTOS_ASSIGN_OR_RETURN(f.id, RequiredAttr(node, "id", where));
  where = "field id=\"" + f.id + "\"";
  CUSTOS_RETURN_IF_ERROR(CheckChildren(node, {"option"}, where));
  if (f.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return Bad(where, "field ids use a-z, 0-9 and _ only");
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string type, RequiredAttr(node, "type", where));
  CUSTOS_ASSIGN_OR_RETURN(f.type, ParseFieldType(type, where));
  std::string_view req = node.attribute("required").value();
  if (req != "" && req != "true" && req != "false") {
    return Bad(where, "required must be true or false");
  }
  f.required = req == "true";
  CUSTOS_ASSIGN_OR_RETURN(f.condition, OptionalCondition(node, where));
  CUSTOS_ASSIGN_OR_RETURN(f.label_zh, RequiredAttr(node, "label-zh", where));
  CUSTOS_ASSIGN_OR_RETURN(f.label_en, RequiredAttr(node, "label-en", where));
  if (pugi::xml_attribute d = node.attribute("default")) f.default_value = d.value();
  f.currency = node.attribute("currency").value();
  if (!f.currency.empty() && f.type != FieldType::kMoney) {
    return Bad(where, "currency is for money fields only");
  }
  if (f.type == FieldType::kMoney && f.currency.empty()) f.currency = "CNY";
  CUSTOS_ASSIGN_OR_RETURN(f.min, OptionalInt(node, "min", where));
  CUSTOS_ASSIGN_OR_RETURN(f.max, OptionalInt(node, "max", where));
  if ((f.min || f.max) && f.type != FieldType::kInteger && f.type != FieldType::kMonths) {
    return Bad(where, "min/max are for integer and months fields only");
  }
  for (const pugi::xml_node& o : node.children("option")) {
    std::string ow = where + "/option";
    CUSTOS_RETURN_IF_ERROR(CheckAttributes(o, {"value"}, ow));
    ChoiceOption opt;
    CUSTOS_ASSIGN_OR_RETURN(opt.value, RequiredAttr(o, "value", ow));
    opt.label = NormalizeText(o.child_value());
    if (opt.label.empty()) return Bad(ow, "option \"" + opt.value + "\" has no label");
    for (const ChoiceOption& prev : f.options) {
      if (prev.value == opt.value) return Bad(ow, "duplicate option \"" + opt.value + "\"");
    }
    f.options.push_back(std::move(opt));
  }
  if (f.type == FieldType::kChoice && f.options.empty())
    return Bad(where, "choice without options");
  if (f.type != FieldType::kChoice && !f.options.empty()) {
    return Bad(where, "options are for choice fields only");
  }
  if (f.default_value) {
    if (f.type == FieldType::kBool && *f.default_value != "true" && *f.default_value != "false") {
      return Bad(where, "default of a bool must be true or false");
    }
    json::Value dv = f.type == FieldType::kBool ? json::Value(*f.default_value == "true")
                                                : json::Value(*f.default_value);
    auto parsed = internal::ParseFieldValue(f, dv);
    if (auto* e = std::get_if<internal::ValueError>(&parsed)) {
      return Bad(where, "default \"" + *f.default_value + "\" " + e->en);
    }
  }
  return f;
}

// Cross-references: every condition and placeholder names a declared field,
// and a literal compared with a choice/bool field is one of its values.
Status CheckCondition(const Template& t, const std::optional<Condition>& c,
                      std::string_view where) {
  if (!c) return Status::Ok();
  const FieldDef* f = t.FindField(c->field);
  if (f == nullptr) {
    return Bad(where, "condition \"" + c->source + "\" names unknown field \"" + c->field + "\"");
  }
  if (c->op == Condition::Op::kEquals || c->op == Condition::Op::kNotEquals) {
    if (f->type == FieldType::kChoice) {
      bool found = false;
      for (const ChoiceOption& o : f->options) found |= o.value == c->literal;
      if (!found) {
        return Bad(where, "condition \"" + c->source + "\": \"" + c->literal +
                              "\" is not an option of " + f->id);
      }
    }
    if (f->type == FieldType::kBool && c->literal != "true" && c->literal != "false") {
      return Bad(where, "condition \"" + c->source + "\": compare a bool with true or false");
    }
  }
  return Status::Ok();
}

Status CheckParagraphs(const Template& t, const std::vector<Paragraph>& ps,
                       std::string_view where) {
  for (const Paragraph& p : ps) {
    CUSTOS_RETURN_IF_ERROR(CheckCondition(t, p.condition, where));
    std::string unknown;
    Status s = internal::ScanPlaceholders(
        p.text, [](std::string_view) {},
        [&](std::string_view name) {
          if (unknown.empty() && t.FindField(name) == nullptr) unknown = std::string(name);
        });
    if (!s.ok()) return Bad(where, s.message());
    if (!unknown.empty()) return Bad(where, "placeholder {{" + unknown + "}} names no field");
  }
  return Status::Ok();
}

Result<Template> ParseDocument(const pugi::xml_document& doc) {
  pugi::xml_node root = doc.document_element();
  if (std::string_view(root.name()) != "contract-template") {
    return Bad(root.name(), "the root element must be <contract-template>");
  }
  const std::string_view kRoot = "contract-template";
  CUSTOS_RETURN_IF_ERROR(CheckAttributes(
      root, {"id", "kind", "version", "language", "jurisdiction", "governing-law"}, kRoot));
  CUSTOS_RETURN_IF_ERROR(CheckChildren(
      root, {"title", "legal-basis", "fields", "parties", "preamble", "clauses", "closing"},
      kRoot));
  Template t;
  CUSTOS_ASSIGN_OR_RETURN(t.id, RequiredAttr(root, "id", kRoot));
  CUSTOS_ASSIGN_OR_RETURN(t.kind, RequiredAttr(root, "kind", kRoot));
  if (t.kind != "employee-nda" && t.kind != "non-compete" && t.kind != "mutual-nda" &&
      t.kind != "departure-notice" && t.kind != "customer-letter") {
    return Bad(kRoot,
               "kind must be employee-nda, non-compete, mutual-nda, departure-notice or "
               "customer-letter");
  }
  CUSTOS_ASSIGN_OR_RETURN(t.version, RequiredAttr(root, "version", kRoot));
  CUSTOS_ASSIGN_OR_RETURN(std::string lang, RequiredAttr(root, "language", kRoot));
  if (lang == "zh-CN") {
    t.language = Language::kZh;
  } else if (lang == "en") {
    t.language = Language::kEn;
  } else {
    return Bad(kRoot, "language must be zh-CN or en");
  }
  CUSTOS_ASSIGN_OR_RETURN(t.jurisdiction, RequiredAttr(root, "jurisdiction", kRoot));
  if (t.jurisdiction != "CN" && t.jurisdiction != "US") {
    return Bad(kRoot, "jurisdiction must be CN or US");
  }
  t.governing_law = root.attribute("governing-law").as_string(t.jurisdiction.c_str());
  if (t.governing_law != t.jurisdiction &&
      !(t.jurisdiction == "US" && t.governing_law.size() == 5 &&
        t.governing_law.starts_with("US-"))) {
    return Bad(kRoot, "governing-law must be CN, US or US-<state>, matching the jurisdiction");
  }
  t.title = NormalizeText(root.child_value("title"));
  if (t.title.empty()) return Bad("title", "missing or empty");

  pugi::xml_node basis = root.child("legal-basis");
  CUSTOS_RETURN_IF_ERROR(CheckChildren(basis, {"source"}, "legal-basis"));
  for (const pugi::xml_node& s : basis.children("source")) {
    std::string text = NormalizeText(s.child_value());
    if (text.empty()) return Bad("legal-basis/source", "empty");
    t.legal_basis.push_back(std::move(text));
  }

  pugi::xml_node fields = root.child("fields");
  CUSTOS_RETURN_IF_ERROR(CheckChildren(fields, {"field"}, "fields"));
  for (const pugi::xml_node& f : fields.children("field")) {
    CUSTOS_ASSIGN_OR_RETURN(FieldDef def, ParseField(f));
    if (t.FindField(def.id) != nullptr) {
      return Bad("field id=\"" + def.id + "\"", "duplicate field id");
    }
    t.fields.push_back(std::move(def));
  }
  for (const FieldDef& f : t.fields) {
    CUSTOS_RETURN_IF_ERROR(CheckCondition(t, f.condition, "field id=\"" + f.id + "\""));
  }

  pugi::xml_node parties = root.child("parties");
  CUSTOS_RETURN_IF_ERROR(CheckChildren(parties, {"party"}, "parties"));
  for (const pugi::xml_node& p : parties.children("party")) {
    std::string where = "party";
    CUSTOS_RETURN_IF_ERROR(
        CheckAttributes(p, {"id", "label", "name-field", "signer-label"}, where));
    Party party;
    CUSTOS_ASSIGN_OR_RETURN(party.id, RequiredAttr(p, "id", where));
    where = "party id=\"" + party.id + "\"";
    CUSTOS_ASSIGN_OR_RETURN(party.label, RequiredAttr(p, "label", where));
    CUSTOS_ASSIGN_OR_RETURN(party.name_field, RequiredAttr(p, "name-field", where));
    CUSTOS_ASSIGN_OR_RETURN(party.signer_label, RequiredAttr(p, "signer-label", where));
    if (t.FindField(party.name_field) == nullptr) {
      return Bad(where, "name-field \"" + party.name_field + "\" names no field");
    }
    t.parties.push_back(std::move(party));
  }
  if (t.parties.size() < 2) return Bad("parties", "a contract needs at least two parties");

  CUSTOS_ASSIGN_OR_RETURN(t.preamble, ParseParagraphs(root.child("preamble"), "preamble"));
  CUSTOS_RETURN_IF_ERROR(CheckParagraphs(t, t.preamble, "preamble"));
  CUSTOS_ASSIGN_OR_RETURN(t.closing, ParseParagraphs(root.child("closing"), "closing"));
  CUSTOS_RETURN_IF_ERROR(CheckParagraphs(t, t.closing, "closing"));

  pugi::xml_node clauses = root.child("clauses");
  CUSTOS_RETURN_IF_ERROR(CheckChildren(clauses, {"clause"}, "clauses"));
  std::set<std::string, std::less<>> clause_ids;
  for (const pugi::xml_node& c : clauses.children("clause")) {
    std::string where = "clause";
    CUSTOS_RETURN_IF_ERROR(CheckAttributes(c, {"id", "heading", "tags", "if"}, where));
    Clause clause;
    CUSTOS_ASSIGN_OR_RETURN(clause.id, RequiredAttr(c, "id", where));
    where = "clause id=\"" + clause.id + "\"";
    if (!clause_ids.insert(clause.id).second) return Bad(where, "duplicate clause id");
    CUSTOS_ASSIGN_OR_RETURN(clause.heading, RequiredAttr(c, "heading", where));
    std::string_view tags = c.attribute("tags").value();
    while (!tags.empty()) {
      size_t sp = tags.find(' ');
      std::string_view tag = tags.substr(0, sp);
      if (!tag.empty()) clause.tags.emplace_back(tag);
      tags = sp == std::string_view::npos ? std::string_view() : tags.substr(sp + 1);
    }
    CUSTOS_ASSIGN_OR_RETURN(clause.condition, OptionalCondition(c, where));
    CUSTOS_RETURN_IF_ERROR(CheckCondition(t, clause.condition, where));
    CUSTOS_ASSIGN_OR_RETURN(clause.paragraphs, ParseParagraphs(c, where));
    if (clause.paragraphs.empty()) return Bad(where, "clause without paragraphs");
    CUSTOS_RETURN_IF_ERROR(CheckParagraphs(t, clause.paragraphs, where));
    t.clauses.push_back(std::move(clause));
  }
  // A letter may be all preamble and closing; a contract has clauses.
  if (t.clauses.empty() && t.kind != "customer-letter") return Bad("clauses", "no clauses");
  return t;
}

}  // namespace

std::string_view LanguageTag(Language lang) { return lang == Language::kZh ? "zh-CN" : "en"; }

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kDate:
      return "date";
    case FieldType::kMoney:
      return "money";
    case FieldType::kMonths:
      return "months";
    case FieldType::kChoice:
      return "choice";
    case FieldType::kResidentId:
      return "resident_id";
    case FieldType::kRegion:
      return "region";
    case FieldType::kBool:
      return "bool";
    case FieldType::kInteger:
      return "integer";
  }
  return "?";
}

const FieldDef* Template::FindField(std::string_view field_id) const {
  for (const FieldDef& f : fields) {
    if (f.id == field_id) return &f;
  }
  return nullptr;
}

Result<Template> ParseTemplate(std::string_view xml_text) {
  if (!json::IsValidUtf8(xml_text)) return Status::InvalidArgument("template: not valid UTF-8");
  try {
    pugi::xml_document doc;
    pugi::xml_parse_result r =
        doc.load_buffer(xml_text.data(), xml_text.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!r) {
      return Status::InvalidArgument("template: XML error at byte " + std::to_string(r.offset) +
                                     ": " + r.description());
    }
    return ParseDocument(doc);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("template: ") + e.what());
  }
}

Result<Template> LoadTemplate(const std::filesystem::path& path) {
  CUSTOS_ASSIGN_OR_RETURN(std::string text, internal::ReadFile(path));
  Result<Template> t = ParseTemplate(text);
  if (!t.ok()) return t.status().Annotate(path.filename().string());
  return t;
}

Result<std::vector<TemplateSummary>> ListTemplates(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::NotFound("not a directory: " + dir.string());
  }
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".xml")
      paths.push_back(entry.path());
  }
  if (ec) return Status::Unavailable("cannot list " + dir.string() + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<TemplateSummary> out;
  for (const auto& p : paths) {
    CUSTOS_ASSIGN_OR_RETURN(Template t, LoadTemplate(p));
    out.push_back({t.id, t.kind, t.version, t.language, t.jurisdiction, t.title, p});
  }
  return out;
}

}  // namespace custos::contracts
