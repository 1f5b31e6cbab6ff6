#include "vault/evidence/manifest.h"

#include <cstdio>
#include <set>

#include <pugixml.hpp>

#include "base/json.h"
#include "vault/audit/checkpoint.h"
#include "vault/evidence/sha256sums.h"

namespace custos::vault::evidence {
namespace {

// An attribute value: the five XML specials as entities, tab, newline and
// carriage return as character references (so they survive attribute
// normalisation), other control characters (not allowed in XML 1.0) and
// invalid UTF-8 as U+FFFD.
void AppendAttr(std::string* out, std::string_view text) {
  if (!json::IsValidUtf8(text)) {
    out->append("\xEF\xBF\xBD");
    return;
  }
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&apos;");
        break;
      case '\t':
        out->append("&#9;");
        break;
      case '\n':
        out->append("&#10;");
        break;
      case '\r':
        out->append("&#13;");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out->append("\xEF\xBF\xBD");
        } else {
          out->push_back(ch);
        }
    }
  }
}

void Attr(std::string* out, std::string_view name, std::string_view value) {
  out->push_back(' ');
  out->append(name);
  out->append("=\"");
  AppendAttr(out, value);
  out->push_back('"');
}

std::string Time(UnixMillis t) { return t == 0 ? "" : FormatRfc3339Millis(t); }

std::string DocId(size_t i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "D%06zu", i);
  return buf;
}

Status Invalid(std::string what) { return Status::InvalidArgument("manifest.xml: " + what); }

// A control character (C0 but tab, LF and CR; or DEL) that AppendAttr
// would not write back as itself.
bool HasControl(std::string_view text) {
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return true;
  }
  return false;
}

// Whether any attribute value or text below `node`, as parsed (character
// references decoded), holds such a character.
bool TreeHasControl(const pugi::xml_node& node) {
  for (const pugi::xml_attribute a : node.attributes()) {
    if (HasControl(a.value())) return true;
  }
  for (const pugi::xml_node child : node.children()) {
    if (HasControl(child.value()) || TreeHasControl(child)) return true;
  }
  return false;
}

Result<uint64_t> ParseSize(std::string_view text, std::string_view what) {
  auto n = ParseDecimal(text);
  if (!n.ok()) return Invalid(std::string(what) + " is not a decimal number");
  return *n;
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string FormatManifest(const Manifest& m) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Root";
  Attr(&x, "DataInterchangeType", "Complete");
  Attr(&x, "Format", kBundleFormat);
  x += ">\n  <Case";
  Attr(&x, "Reference", m.case_ref);
  Attr(&x, "RequestId", m.request_id);
  Attr(&x, "Purpose", m.purpose);
  x += "/>\n  <Scope";
  Attr(&x, "From", Time(m.from));
  Attr(&x, "To", Time(m.to));
  Attr(&x, "Redacted", m.redacted ? "true" : "false");
  Attr(&x, "Encrypted", m.encrypted ? "true" : "false");
  x += ">\n";
  for (const ManifestPerson& p : m.people) {
    x += "    <Person";
    Attr(&x, "Id", p.id);
    Attr(&x, "Username", p.username);
    Attr(&x, "Name", p.name);
    x += "/>\n";
  }
  for (const std::string& r : m.records) {
    x += "    <Record";
    Attr(&x, "Id", r);
    x += "/>\n";
  }
  x += "  </Scope>\n  <Creator";
  Attr(&x, "Id", m.creator.id);
  Attr(&x, "Username", m.creator.username);
  Attr(&x, "Name", m.creator.name);
  x += "/>\n  <Created>" + Time(m.created) + "</Created>\n  <Log";
  Attr(&x, "Name", m.log_name);
  Attr(&x, "CheckpointSize", std::to_string(m.checkpoint_size));
  Attr(&x, "RootHash", m.root_b64);
  x += "/>\n  <Batch>\n    <Documents>\n";
  size_t i = 0;
  for (const ManifestFile& f : m.files) {
    if (!ValidBundlePath(f.path)) Die("manifest: bad path " + f.path);
    const size_t slash = f.path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : f.path.substr(0, slash);
    const std::string name = slash == std::string::npos ? f.path : f.path.substr(slash + 1);
    x += "      <Document";
    Attr(&x, "DocID", DocId(++i));
    Attr(&x, "DocType", f.doc_type);
    Attr(&x, "MimeType", f.mime);
    x += ">\n        <Files>\n          <File FileType=\"Native\">\n            <ExternalFile";
    Attr(&x, "FilePath", dir);
    Attr(&x, "FileName", name);
    Attr(&x, "FileSize", std::to_string(f.size));
    Attr(&x, "Hash", f.sha256_hex);
    Attr(&x, "HashType", "SHA256");
    x += "/>\n          </File>\n        </Files>\n      </Document>\n";
  }
  x += "    </Documents>\n  </Batch>\n</Root>\n";
  return x;
}

Result<Manifest> ParseManifest(std::string_view xml) {
  // The manifest declares UTF-8; pugixml passes other bytes through, and a
  // value that is not UTF-8 (or holds a control character) would not
  // survive being written again.
  if (!json::IsValidUtf8(xml)) return Invalid("not UTF-8");
  // Nor are control characters XML 1.0 characters (its Char production);
  // DEL is, but no manifest value has a use for it and the writer would not
  // keep it.
  if (HasControl(xml)) return Invalid("a control character");
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return Invalid(std::string("not well-formed XML (") + parsed.description() + " at byte " +
                   std::to_string(parsed.offset) + ")");
  }
  // A character reference (&#1;) decodes to what the bytes may not hold.
  if (TreeHasControl(doc)) return Invalid("a control character (as a character reference)");
  const pugi::xml_node root = doc.child("Root");
  if (!root || doc.first_child() != root) return Invalid("the root element is not <Root>");
  if (std::string_view(root.attribute("Format").value()) != kBundleFormat) {
    return Invalid("Format is not custos-evidence/1");
  }
  Manifest m;
  const pugi::xml_node c = root.child("Case");
  m.case_ref = c.attribute("Reference").value();
  m.request_id = c.attribute("RequestId").value();
  m.purpose = c.attribute("Purpose").value();
  const pugi::xml_node scope = root.child("Scope");
  if (!scope) return Invalid("no <Scope>");
  for (const char* name : {"From", "To"}) {
    const std::string_view text = scope.attribute(name).value();
    if (text.empty()) continue;
    auto t = ParseRfc3339(text);
    if (!t.ok()) return Invalid(std::string("Scope/@") + name + " is not an RFC 3339 time");
    (std::string_view(name) == "From" ? m.from : m.to) = *t;
  }
  m.redacted = std::string_view(scope.attribute("Redacted").value()) == "true";
  m.encrypted = std::string_view(scope.attribute("Encrypted").value()) == "true";
  for (pugi::xml_node p : scope.children("Person")) {
    m.people.push_back(ManifestPerson{p.attribute("Id").value(), p.attribute("Username").value(),
                                      p.attribute("Name").value()});
  }
  for (pugi::xml_node r : scope.children("Record"))
    m.records.emplace_back(r.attribute("Id").value());
  const pugi::xml_node creator = root.child("Creator");
  m.creator = ManifestPerson{creator.attribute("Id").value(), creator.attribute("Username").value(),
                             creator.attribute("Name").value()};
  if (const std::string_view created = root.child("Created").text().get(); !created.empty()) {
    auto t = ParseRfc3339(created);
    if (!t.ok()) return Invalid("Created is not an RFC 3339 time");
    m.created = *t;
  }
  const pugi::xml_node log = root.child("Log");
  if (!log) return Invalid("no <Log>");
  m.log_name = log.attribute("Name").value();
  CUSTOS_ASSIGN_OR_RETURN(
      m.checkpoint_size, ParseSize(log.attribute("CheckpointSize").value(), "Log/@CheckpointSize"));
  m.root_b64 = log.attribute("RootHash").value();
  const pugi::xml_node documents = root.child("Batch").child("Documents");
  if (!documents) return Invalid("no <Batch><Documents>");
  std::set<std::string> seen;
  for (pugi::xml_node d : documents.children()) {
    if (std::string_view(d.name()) != "Document") {
      return Invalid(std::string("unexpected element <") + d.name() + "> in <Documents>");
    }
    const pugi::xml_node files = d.child("Files");
    const pugi::xml_node file = files.child("File");
    const pugi::xml_node ext = file.child("ExternalFile");
    if (!ext || file.next_sibling("File") || ext.next_sibling("ExternalFile")) {
      return Invalid(std::string("Document ") + d.attribute("DocID").value() +
                     " does not name exactly one file");
    }
    ManifestFile f;
    const std::string dir = ext.attribute("FilePath").value();
    const std::string name = ext.attribute("FileName").value();
    f.path = dir.empty() ? name : dir + "/" + name;
    if (!ValidBundlePath(f.path)) return Invalid("'" + f.path + "' is not a bundle path");
    if (!seen.insert(f.path).second) return Invalid("'" + f.path + "' is listed twice");
    f.doc_type = d.attribute("DocType").value();
    f.mime = d.attribute("MimeType").value();
    CUSTOS_ASSIGN_OR_RETURN(f.size,
                            ParseSize(ext.attribute("FileSize").value(), "the size of " + f.path));
    f.sha256_hex = ext.attribute("Hash").value();
    if (std::string_view(ext.attribute("HashType").value()) != "SHA256" ||
        !IsLowerHex64(f.sha256_hex)) {
      return Invalid("the hash of " + f.path + " is not a SHA-256 in lower-case hex");
    }
    m.files.push_back(std::move(f));
  }
  return m;
}

}  // namespace custos::vault::evidence
