// Records' value types: their JSON forms, version and ownership-history
// codecs, and the field diff between two versions (no access decisions here).
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "base/text.h"
#include "vault/records/internal/records_codec.h"
#include "vault/records/records.h"
#include "vault/store/versions.h"

namespace custos::vault {
namespace {

json::Value StringArray(const std::vector<std::string>& v) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& s : v) a.Push(s);
  return a;
}

Result<std::vector<std::string>> GetStringArray(const json::Value& obj, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* a = obj.Find(key);
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_array()) {
    return Status::InvalidArgument(std::string(key) + " must be an array",
                                   std::string(key) + " 须为列表");
  }
  for (const json::Value& s : a->as_array()) {
    if (!s.is_string()) {
      return Status::InvalidArgument(std::string(key) + " must hold strings",
                                     std::string(key) + " 的每一项须为文本");
    }
    out.push_back(s.as_string());
  }
  return out;
}

// Flattens a JSON value into path → serialized leaf, for the field diff.
void Flatten(const json::Value& v, const std::string& path,
             std::map<std::string, std::string>* out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object())
      Flatten(child, path.empty() ? k : path + "." + k, out);
    return;
  }
  if (v.is_array()) {
    const json::Array& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) Flatten(a[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  (*out)[path] = json::Serialize(v);
}
}  // namespace

namespace internal {

std::string OwnKey(std::string_view id, uint32_t n) {
  std::string k = "own/";
  k += id;
  k.push_back('\0');
  k += EncodeU32(n);
  return k;
}

std::string OwnPrefix(std::string_view id) {
  std::string k = "own/";
  k += id;
  k.push_back('\0');
  return k;
}

json::Value VersionToJson(const RecordVersion& v) {
  json::Value o = json::Value::MakeObject();
  o["record_id"] = v.record_id;
  o["version"] = v.version;
  o["author"] = v.author_id;
  o["time"] = v.time;
  o["reason"] = v.reason;
  o["meta"] = v.meta.ToJson();
  o["content"] = v.content.ToJson();
  return o;
}

Result<RecordVersion> VersionFromJson(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(text));
  RecordVersion v;
  CUSTOS_ASSIGN_OR_RETURN(v.record_id, json::GetString(o, "record_id"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t n, json::GetInt(o, "version"));
  v.version = static_cast<uint32_t>(n);
  CUSTOS_ASSIGN_OR_RETURN(v.author_id, json::GetStringOr(o, "author", ""));
  CUSTOS_ASSIGN_OR_RETURN(v.time, json::GetIntOr(o, "time", 0));
  CUSTOS_ASSIGN_OR_RETURN(v.reason, json::GetStringOr(o, "reason", ""));
  const json::Value* m = o.Find("meta");
  const json::Value* c = o.Find("content");
  if (m == nullptr || c == nullptr) return Status::DataLoss("malformed record version");
  CUSTOS_ASSIGN_OR_RETURN(v.meta, RecordMeta::FromJson(*m));
  CUSTOS_ASSIGN_OR_RETURN(v.content, RecordContent::FromJson(*c));
  return v;
}

Result<OwnershipChange> OwnershipFromJson(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value o, json::Parse(text));
  OwnershipChange c;
  CUSTOS_ASSIGN_OR_RETURN(int64_t idx, json::GetInt(o, "index"));
  c.index = static_cast<uint32_t>(idx);
  CUSTOS_ASSIGN_OR_RETURN(c.from, json::GetStringOr(o, "from", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.to, json::GetString(o, "to"));
  CUSTOS_ASSIGN_OR_RETURN(c.by, json::GetStringOr(o, "by", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.at, json::GetIntOr(o, "at", 0));
  CUSTOS_ASSIGN_OR_RETURN(c.reason, json::GetStringOr(o, "reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "audit_seq", 0));
  c.audit_seq = static_cast<uint64_t>(seq);
  return c;
}
}  // namespace internal

using internal::VersionFromJson;

// ---- value types ----------------------------------------------------------------

std::string_view RecordKindId(RecordKind k) {
  return k == RecordKind::kCustomer ? "customer" : "document";
}

Result<RecordKind> ParseRecordKind(std::string_view id) {
  if (id == "customer") return RecordKind::kCustomer;
  if (id == "document") return RecordKind::kDocument;
  return Status::InvalidArgument(
      "unknown record kind '" + std::string(id) + "'",
      "未知的档案类型“" + std::string(id) + "”（可用：customer、document）");
}

json::Value RecordContent::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["registration_number"] = registration_number;
  o["address"] = address;
  json::Value cs = json::Value::MakeArray();
  for (const Contact& c : contacts) {
    json::Value x = json::Value::MakeObject();
    x["name"] = c.name;
    x["title"] = c.title;
    x["phone"] = c.phone;
    x["email"] = c.email;
    x["wechat"] = c.wechat;
    cs.Push(std::move(x));
  }
  o["contacts"] = std::move(cs);
  o["business_status"] = business_status;
  o["trading_habits"] = trading_habits;
  o["order_volumes"] = order_volumes;
  o["order_cycle"] = order_cycle;
  o["price_tolerance"] = price_tolerance;
  o["agreed_prices"] = agreed_prices;
  o["intentions"] = intentions;
  o["preferences"] = preferences;
  o["character_notes"] = character_notes;
  json::Value ds = json::Value::MakeArray();
  for (const KeyDate& d : key_dates) {
    json::Value x = json::Value::MakeObject();
    x["date"] = d.date;
    x["label"] = d.label;
    ds.Push(std::move(x));
  }
  o["key_dates"] = std::move(ds);
  o["notes"] = notes;
  return o;
}

Result<RecordContent> RecordContent::FromJson(const json::Value& o) {
  if (!o.is_object()) return Status::InvalidArgument("record content must be an object");
  RecordContent c;
  CUSTOS_ASSIGN_OR_RETURN(c.registration_number, json::GetStringOr(o, "registration_number", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.address, json::GetStringOr(o, "address", ""));
  if (const json::Value* cs = o.Find("contacts"); cs != nullptr && cs->is_array()) {
    for (const json::Value& x : cs->as_array()) {
      Contact k;
      CUSTOS_ASSIGN_OR_RETURN(k.name, json::GetStringOr(x, "name", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.title, json::GetStringOr(x, "title", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.phone, json::GetStringOr(x, "phone", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.email, json::GetStringOr(x, "email", ""));
      CUSTOS_ASSIGN_OR_RETURN(k.wechat, json::GetStringOr(x, "wechat", ""));
      c.contacts.push_back(std::move(k));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(c.business_status, json::GetStringOr(o, "business_status", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.trading_habits, json::GetStringOr(o, "trading_habits", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.order_volumes, json::GetStringOr(o, "order_volumes", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.order_cycle, json::GetStringOr(o, "order_cycle", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.price_tolerance, json::GetStringOr(o, "price_tolerance", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.agreed_prices, json::GetStringOr(o, "agreed_prices", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.intentions, json::GetStringOr(o, "intentions", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.preferences, json::GetStringOr(o, "preferences", ""));
  CUSTOS_ASSIGN_OR_RETURN(c.character_notes, json::GetStringOr(o, "character_notes", ""));
  if (const json::Value* ds = o.Find("key_dates"); ds != nullptr && ds->is_array()) {
    for (const json::Value& x : ds->as_array()) {
      KeyDate d;
      CUSTOS_ASSIGN_OR_RETURN(d.date, json::GetStringOr(x, "date", ""));
      CUSTOS_ASSIGN_OR_RETURN(d.label, json::GetStringOr(x, "label", ""));
      c.key_dates.push_back(std::move(d));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(c.notes, json::GetStringOr(o, "notes", ""));
  return c;
}

Status CheckContentSize(const json::Value& content) {
  const size_t bytes = json::Serialize(content).size();
  if (bytes <= kMaxContentBytes) return Status::Ok();
  const std::string kib = std::to_string((bytes + 1023) / 1024);
  const std::string max = std::to_string(kMaxContentBytes / 1024);
  return Status::InvalidArgument(
      "content is " + kib + " KiB, more than a file's " + max +
          " KiB; put a long document in an attachment",
      "档案内容为 " + kib + " KiB，超过单份档案的上限 " + max + " KiB；较长的文件请作为附件上传");
}

namespace {

// The longer content fields, which may hold tabs and line breaks.
constexpr std::array<std::string_view, 10> kContentBlockFields = {
    "address",       "trading_habits", "order_volumes", "order_cycle",     "price_tolerance",
    "agreed_prices", "intentions",     "preferences",   "character_notes", "notes"};

// The shape RecordContent::ToJson writes, with one contact and one key date:
// the fields an input may name, taken from the writer itself.
const json::Value& ContentShape() {
  static const json::Value shape = [] {
    RecordContent c;
    c.contacts.resize(1);
    c.key_dates.resize(1);
    return c.ToJson();
  }();
  return shape;
}

// The names of a record's fields as the new-file form and the file page
// show them in Chinese ("" for a name without one).
std::string_view FieldNameZh(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"name", "客户名称"},
      {"tags", "标签"},
      {"status", "状态"},
      {"territory", "区域/团队"},
      {"room", "纸质档案所在房间"},
      {"cabinet", "纸质档案所在柜"},
      {"box", "纸质档案所在盒"},
      {"registration_number", "统一社会信用代码"},
      {"address", "地址"},
      {"contacts", "联系人"},
      {"business_status", "经营状态"},
      {"trading_habits", "交易习惯"},
      {"order_volumes", "订单量"},
      {"order_cycle", "订货周期"},
      {"price_tolerance", "价格承受度"},
      {"agreed_prices", "约定价格"},
      {"intentions", "合作意向"},
      {"preferences", "偏好"},
      {"character_notes", "性格特点"},
      {"key_dates", "重要日期"},
      {"notes", "备注"},
      {"title", "职务"},
      {"phone", "电话"},
      {"email", "电子邮件"},
      {"wechat", "微信"},
      {"date", "日期"},
      {"label", "事项"},
  };
  for (const auto& [en, zh] : kNames) {
    if (en == key) return zh;
  }
  return "";
}

// A field's path ("content.contacts[0].phone") in Chinese words
// ("联系人 1 · 电话"); a part without Chinese words keeps its name.
std::string FieldPathZh(std::string_view path) {
  if (path.starts_with("content.")) path.remove_prefix(8);
  if (path.starts_with("paper.")) path.remove_prefix(6);
  std::string out;
  while (!path.empty()) {
    const size_t end = path.find_first_of(".[");
    const std::string_view part = path.substr(0, end);
    const std::string_view zh = FieldNameZh(part);
    if (!out.empty()) out += " · ";
    out += zh.empty() ? part : zh;
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
    if (path[0] == '[') {
      const size_t close = path.find(']');
      if (close == std::string_view::npos) break;
      uint64_t index = 0;
      for (char c : path.substr(1, close - 1)) index = index * 10 + static_cast<uint64_t>(c - '0');
      out += " " + std::to_string(index + 1);  // people count from one
      path.remove_prefix(close + 1);
    }
    if (!path.empty() && path[0] == '.') path.remove_prefix(1);
  }
  return out;
}

// kInvalidArgument naming `field`: "<field> <problem>" and in Chinese
// "<its Chinese name><problem_zh>".
Status Refuse(const std::string& field, std::string_view problem, std::string_view problem_zh) {
  return Status::InvalidArgument(field + " " + std::string(problem),
                                 ZhSubject(FieldPathZh(field)) + std::string(problem_zh));
}

// A list of objects in content (contacts, key dates): an array whose
// elements are objects holding only the fields of `element` (the shape's
// first), each a string or null.
Status CheckObjectList(const std::string& path, const json::Value& v, const json::Value& element,
                       std::string_view what) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_array()) return Refuse(path, "must be an array", "须为列表");
  const json::Array& a = v.as_array();
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!a[i].is_object()) return Refuse(at, "must be an object", "须为对象");
    for (const auto& [k, x] : a[i].as_object()) {
      if (element.Find(k) == nullptr)
        return Refuse(at + "." + k, "is not a field of " + std::string(what), "不是可填写的字段");
      if (!x.is_string() && !x.is_null())
        return Refuse(at + "." + k, "must be a string", "须为文本");
    }
  }
  return Status::Ok();
}

Status CheckField(const std::string& field, std::string_view text, bool block) {
  return CheckTextField(field, FieldPathZh(field), text, block);
}

// The fields NewRecord and RecordUpdate share. `before`: for an update, the
// file as it stands. A field whose text is the same as there was accepted
// when it was written and is not judged again: a rule added since (a
// zero-width character, the size of the content) must not make a file
// impossible to update in a field nobody touched.
Status CheckSharedText(std::string_view name, const std::vector<std::string>& tags,
                       std::string_view status, std::string_view territory,
                       const PaperLocation& paper, const RecordContent& c,
                       const RecordVersion* before = nullptr) {
  const json::Value before_content =
      before != nullptr ? before->content.ToJson() : json::Value::MakeObject();
  // Whether `path` held `text` before ("content.notes",
  // "content.contacts[0].name": the n-th element of a list).
  const auto kept = [&](std::string_view path, std::string_view text) {
    if (before == nullptr) return false;
    const RecordMeta& m = before->meta;
    if (path == "name") return text == m.name;
    if (path == "status") return text == m.status;
    if (path == "territory") return text == m.territory;
    if (path == "paper.room") return text == m.paper.room;
    if (path == "paper.cabinet") return text == m.paper.cabinet;
    if (path == "paper.box") return text == m.paper.box;
    if (path.starts_with("tags[")) {
      return std::find(m.tags.begin(), m.tags.end(), text) != m.tags.end();
    }
    if (!path.starts_with("content.")) return false;
    std::string_view rest = path.substr(8);
    const size_t open = rest.find('[');
    const json::Value* v = before_content.Find(rest.substr(0, open));
    if (v == nullptr) return false;
    if (open != std::string_view::npos) {
      const size_t close = rest.find("].", open);
      size_t i = 0;
      for (char ch : rest.substr(open + 1, close - open - 1)) i = i * 10 + (ch - '0');
      if (!v->is_array() || i >= v->as_array().size()) return false;
      v = v->as_array()[i].Find(rest.substr(close + 2));
      if (v == nullptr) return false;
    }
    return v->is_string() && v->as_string() == text;
  };
  const auto check = [&](const std::string& path, std::string_view text, bool block) -> Status {
    if (kept(path, text)) return Status::Ok();
    return CheckField(path, text, block);
  };
  CUSTOS_RETURN_IF_ERROR(check("name", name, false));
  if (tags.size() > kMaxTags) {
    return Status::InvalidArgument("a file has at most " + std::to_string(kMaxTags) + " tags",
                                   "一份档案最多 " + std::to_string(kMaxTags) + " 个标签（现有 " +
                                       std::to_string(tags.size()) + " 个）");
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string field = "tags[" + std::to_string(i) + "]";
    if (IsBlankText(tags[i])) return Refuse(field, "is blank", "为空");
    CUSTOS_RETURN_IF_ERROR(check(field, tags[i], false));
  }
  CUSTOS_RETURN_IF_ERROR(check("status", status, false));
  CUSTOS_RETURN_IF_ERROR(check("territory", territory, false));
  CUSTOS_RETURN_IF_ERROR(check("paper.room", paper.room, false));
  CUSTOS_RETURN_IF_ERROR(check("paper.cabinet", paper.cabinet, false));
  CUSTOS_RETURN_IF_ERROR(check("paper.box", paper.box, false));
  // The content as it would be stored: each string field, and each field of
  // a contact or a key date, which are all one line. Content over the size
  // is refused unless it is no larger than it was.
  const json::Value content = c.ToJson();
  if (Status size = CheckContentSize(content); !size.ok()) {
    if (before == nullptr ||
        json::Serialize(content).size() > json::Serialize(before_content).size()) {
      return size;
    }
  }
  for (const auto& [key, v] : content.as_object()) {
    const std::string path = "content." + key;
    if (v.is_string()) {
      CUSTOS_RETURN_IF_ERROR(check(path, v.as_string(), IsLongContentField(key)));
      continue;
    }
    if (!v.is_array()) continue;
    for (size_t i = 0; i < v.as_array().size(); ++i) {
      for (const auto& [field, x] : v.as_array()[i].as_object()) {
        const std::string at = path + "[" + std::to_string(i) + "]." + field;
        if (!x.is_string()) continue;
        CUSTOS_RETURN_IF_ERROR(check(at, x.as_string(), false));
        if (key == "key_dates" && field == "date" && !x.as_string().empty() &&
            !ParseDate(x.as_string()).ok()) {
          return Refuse(at, "must be a date (YYYY-MM-DD)", "须为日期（YYYY-MM-DD）");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RecordContent> RecordContent::FromInput(const json::Value& o) {
  if (!o.is_object()) {
    return Status::InvalidArgument("content must be an object", "档案内容须为 JSON 对象");
  }
  for (const auto& [key, v] : o.as_object()) {
    const std::string path = "content." + key;
    const json::Value* known = ContentShape().Find(key);
    if (known == nullptr) {
      return Refuse(path, "is not a field of a record's content", "不是档案内容的字段");
    }
    if (known->is_array()) {
      CUSTOS_RETURN_IF_ERROR(CheckObjectList(path, v, known->as_array()[0],
                                             key == "contacts" ? "a contact" : "a key date"));
    } else if (!v.is_string() && !v.is_null()) {
      return Refuse(path, "must be a string", "须为文本");
    }
  }
  return FromJson(o);
}

bool IsLongContentField(std::string_view key) {
  return std::find(kContentBlockFields.begin(), kContentBlockFields.end(), key) !=
         kContentBlockFields.end();
}

Status CheckRecordText(const NewRecord& r) {
  return CheckSharedText(r.name, r.tags, r.status, r.territory, r.paper, r.content);
}

Status CheckRecordText(const RecordUpdate& u, const RecordVersion* before) {
  return CheckSharedText(u.name, u.tags, u.status, u.territory, u.paper, u.content, before);
}

json::Value RecordMeta::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["id"] = id;
  o["kind"] = RecordKindId(kind);
  o["name"] = name;
  o["classification"] = policy::ClassificationId(classification);
  o["declassify_on"] = declassify_on;
  o["owner"] = owner_id;
  o["author"] = author_id;
  o["custodian"] = custodian_id;
  o["tags"] = StringArray(tags);
  o["status"] = status;
  // Written only when set, so records made before territories existed keep
  // their stored and exported bytes.
  if (!territory.empty()) o["territory"] = territory;
  json::Value p = json::Value::MakeObject();
  p["room"] = paper.room;
  p["cabinet"] = paper.cabinet;
  p["box"] = paper.box;
  o["paper"] = std::move(p);
  o["latest_version"] = latest_version;
  o["created"] = created;
  o["updated"] = updated;
  o["revision"] = revision;
  return o;
}

Result<RecordMeta> RecordMeta::FromJson(const json::Value& o) {
  if (!o.is_object()) return Status::DataLoss("record metadata must be an object");
  RecordMeta m;
  CUSTOS_ASSIGN_OR_RETURN(m.id, json::GetString(o, "id"));
  CUSTOS_ASSIGN_OR_RETURN(std::string kind, json::GetStringOr(o, "kind", "customer"));
  CUSTOS_ASSIGN_OR_RETURN(m.kind, ParseRecordKind(kind));
  CUSTOS_ASSIGN_OR_RETURN(m.name, json::GetStringOr(o, "name", ""));
  CUSTOS_ASSIGN_OR_RETURN(std::string cls, json::GetString(o, "classification"));
  CUSTOS_ASSIGN_OR_RETURN(m.classification, policy::ParseClassification(cls));
  CUSTOS_ASSIGN_OR_RETURN(m.declassify_on, json::GetStringOr(o, "declassify_on", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.owner_id, json::GetStringOr(o, "owner", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.author_id, json::GetStringOr(o, "author", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.custodian_id, json::GetStringOr(o, "custodian", ""));
  CUSTOS_ASSIGN_OR_RETURN(m.tags, GetStringArray(o, "tags"));
  CUSTOS_ASSIGN_OR_RETURN(m.status, json::GetStringOr(o, "status", "active"));
  CUSTOS_ASSIGN_OR_RETURN(m.territory, json::GetStringOr(o, "territory", ""));
  if (const json::Value* p = o.Find("paper"); p != nullptr && p->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(m.paper.room, json::GetStringOr(*p, "room", ""));
    CUSTOS_ASSIGN_OR_RETURN(m.paper.cabinet, json::GetStringOr(*p, "cabinet", ""));
    CUSTOS_ASSIGN_OR_RETURN(m.paper.box, json::GetStringOr(*p, "box", ""));
  }
  CUSTOS_ASSIGN_OR_RETURN(int64_t lv, json::GetIntOr(o, "latest_version", 0));
  m.latest_version = static_cast<uint32_t>(lv);
  CUSTOS_ASSIGN_OR_RETURN(m.created, json::GetIntOr(o, "created", 0));
  CUSTOS_ASSIGN_OR_RETURN(m.updated, json::GetIntOr(o, "updated", 0));
  CUSTOS_ASSIGN_OR_RETURN(int64_t rev, json::GetIntOr(o, "revision", 0));
  m.revision = static_cast<uint64_t>(rev);
  return m;
}

std::vector<FieldChange> DiffVersions(const RecordVersion& a, const RecordVersion& b) {
  static const std::set<std::string> kIgnored = {"meta.id", "meta.latest_version", "meta.created",
                                                 "meta.updated", "meta.revision"};
  std::map<std::string, std::string> fa;
  std::map<std::string, std::string> fb;
  json::Value ja = json::Value::MakeObject();
  ja["meta"] = a.meta.ToJson();
  ja["content"] = a.content.ToJson();
  json::Value jb = json::Value::MakeObject();
  jb["meta"] = b.meta.ToJson();
  jb["content"] = b.content.ToJson();
  Flatten(ja, "", &fa);
  Flatten(jb, "", &fb);
  std::set<std::string> keys;
  for (const auto& [k, v] : fa) keys.insert(k);
  for (const auto& [k, v] : fb) keys.insert(k);
  std::vector<FieldChange> out;
  for (const std::string& k : keys) {
    if (kIgnored.count(k) != 0) continue;
    auto ia = fa.find(k);
    auto ib = fb.find(k);
    std::string before = ia == fa.end() ? "" : ia->second;
    std::string after = ib == fb.end() ? "" : ib->second;
    if (before != after) out.push_back(FieldChange{k, std::move(before), std::move(after)});
  }
  return out;
}

Result<RecordVersion> ReadRecordVersion(const ReadTxn& txn, std::string_view record_id,
                                        uint32_t version) {
  CUSTOS_ASSIGN_OR_RETURN(std::string raw, GetVersion(txn, tables::kRecords, record_id, version));
  return VersionFromJson(raw);
}

}  // namespace custos::vault
