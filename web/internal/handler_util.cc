#include "web/internal/handler_util.h"

#include <utility>

#include "base/text.h"
#include "vault/access/users.h"

namespace custos::web::internal {

Handler Bind(App& app, AppHandler fn) {
  return
      [&app, fn](const HttpRequest& req, const RequestContext& ctx) { return fn(app, req, ctx); };
}

std::string QueryString(const HttpRequest& req, std::string_view key) {
  auto it = req.query.find(std::string(key));
  return it == req.query.end() ? "" : it->second;
}

namespace {

// A request field as the Chinese message names it: its words on the page,
// with the API's key after them ("事由（reason）"); the key alone when it has
// no words here.
std::string KeyZh(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"reason", "事由"},
      {"note", "说明"},
      {"comment", "意见"},
      {"record", "档案"},
      {"records", "档案"},
      {"owner", "负责人"},
      {"custodian", "保管人"},
      {"successor", "接替人"},
      {"name", "名称"},
      {"classification", "密级"},
      {"tags", "标签"},
      {"territory", "区域/团队"},
      {"territories", "负责的区域或团队"},
      {"status", "状态"},
      {"due", "归还期限"},
      {"declassify_on", "解密日期"},
      {"notice_date", "提出离职日期"},
      {"last_working_day", "最后工作日"},
      {"case", "案号"},
      {"purpose", "用途"},
      {"people", "涉及人员"},
      {"recipients", "接收人"},
      {"from", "起始时间"},
      {"to", "截止时间"},
      {"limit", "每页条数"},
      {"offset", "起始位置"},
      {"answer", "客户答复"},
      {"language", "语言"},
  };
  for (const auto& [k, zh] : kWords) {
    if (k == key) return std::string(zh) + "（" + std::string(key) + "）";
  }
  return ZhSubject(key);
}

Result<uint64_t> ParseDecimal(std::string_view key, std::string_view text, uint64_t max) {
  const auto too_large = [&] {
    return Status::InvalidArgument(
        std::string(key) + " is too large (at most " + std::to_string(max) + ")",
        KeyZh(key) + "过大（最多 " + std::to_string(max) + "）");
  };
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status::InvalidArgument(
        std::string(key) + " must be a whole number from 0 to " + std::to_string(max),
        KeyZh(key) + "须为 0 到 " + std::to_string(max) + " 之间的整数");
  }
  uint64_t v = 0;
  for (char c : text) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > max / 10) return too_large();  // checked before it could overflow
    v *= 10;
    if (digit > max - v) return too_large();
    v += digit;
  }
  return v;
}

Result<UnixMillis> ParseTimeText(std::string_view key, std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    CUSTOS_ASSIGN_OR_RETURN(uint64_t v, ParseDecimal(key, text, 253402300799999ULL));
    return static_cast<UnixMillis>(v);
  }
  auto t = ParseRfc3339(text);
  if (!t.ok()) {
    return Status::InvalidArgument(
        std::string(key) + " must be an RFC 3339 time or Unix milliseconds",
        KeyZh(key) + "须为 RFC 3339 格式的时间或 Unix 毫秒数");
  }
  return *t;
}

}  // namespace

Result<size_t> QuerySize(const HttpRequest& req, std::string_view key, size_t fallback,
                         size_t max) {
  std::string v = QueryString(req, key);
  if (v.empty()) return fallback;
  CUSTOS_ASSIGN_OR_RETURN(uint64_t n, ParseDecimal(key, v, max));
  return static_cast<size_t>(n);
}

Result<std::optional<UnixMillis>> QueryTime(const HttpRequest& req, std::string_view key) {
  std::string v = QueryString(req, key);
  if (v.empty()) return std::optional<UnixMillis>();
  CUSTOS_ASSIGN_OR_RETURN(UnixMillis t, ParseTimeText(key, v));
  return std::optional<UnixMillis>(t);
}

Result<std::string> OptionalText(const json::Value& body, std::string_view key, size_t max_bytes) {
  const json::Value* v = body.Find(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) {
    return Status::InvalidArgument(std::string(key) + " must be a string", KeyZh(key) + "须为文本");
  }
  if (v->as_string().size() > max_bytes) {
    return Status::InvalidArgument(
        std::string(key) + " is too long (at most " + std::to_string(max_bytes) + " bytes)",
        KeyZh(key) + "过长（最多 " + std::to_string(max_bytes) + " 字节）");
  }
  return v->as_string();
}

Result<std::string> RequiredText(const json::Value& body, std::string_view key, size_t max_bytes) {
  CUSTOS_ASSIGN_OR_RETURN(std::string s, OptionalText(body, key, max_bytes));
  if (s.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument(std::string(key) + " is required", KeyZh(key) + "为必填项");
  }
  return s;
}

Result<std::optional<UnixMillis>> OptionalTime(const json::Value& body, std::string_view key) {
  const json::Value* v = body.Find(key);
  if (v == nullptr || v->is_null()) return std::optional<UnixMillis>();
  if (v->is_int()) {
    if (v->as_int() < 0) {
      return Status::InvalidArgument(std::string(key) + " must not be negative",
                                     KeyZh(key) + "不能为负数");
    }
    return std::optional<UnixMillis>(v->as_int());
  }
  if (!v->is_string()) {
    return Status::InvalidArgument(std::string(key) + " must be a time (RFC 3339 or milliseconds)",
                                   KeyZh(key) + "须为时间（RFC 3339 格式或毫秒数）");
  }
  CUSTOS_ASSIGN_OR_RETURN(UnixMillis t, ParseTimeText(key, v->as_string()));
  return std::optional<UnixMillis>(t);
}

Result<bool> OptionalBool(const json::Value& body, std::string_view key, bool fallback) {
  const json::Value* v = body.Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_bool()) {
    return Status::InvalidArgument(std::string(key) + " must be true or false",
                                   KeyZh(key) + "须为 true 或 false");
  }
  return v->as_bool();
}

Result<std::vector<std::string>> OptionalStrings(const json::Value& body, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* v = body.Find(key);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) {
    return Status::InvalidArgument(std::string(key) + " must be an array", KeyZh(key) + "须为数组");
  }
  for (const json::Value& e : v->as_array()) {
    if (!e.is_string() || e.as_string().size() > 256) {
      return Status::InvalidArgument(std::string(key) + " must hold short strings",
                                     KeyZh(key) + "须为短文本的列表（每项最多 256 字节）");
    }
    out.push_back(e.as_string());
  }
  return out;
}

HttpResponse TooManyAttempts(int64_t wait_ms) {
  HttpResponse r =
      ErrorResponse(429, "too_many_attempts", "too many wrong passwords; try again later",
                    "密码错误次数过多，请稍后再试");
  r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
  return r;
}

Result<vault::RecordMeta> VisibleRecord(App& app, const RequestContext& ctx,
                                        std::string_view record_id) {
  auto meta = app.options.archive->GetMeta(record_id);
  if (!meta.ok()) {
    if (meta.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such record", "没有这份档案");
    }
    return meta.status();
  }
  vault::SearchQuery q;
  q.text = meta->name;
  q.classification = meta->classification;
  q.owner_id = meta->owner_id;
  q.limit = 1000;
  auto found = app.options.archive->Search(ctx.ToCaller(), q);
  if (!found.ok()) return found.status();
  for (const vault::RecordMeta& m : found->records) {
    if (m.id == meta->id) return meta;
  }
  return Status::NotFound("no such record", "没有这份档案");
}

json::Value PersonJson(const vault::ReadTxn& txn, const std::string& user_id) {
  json::Value p = json::Value::MakeObject();
  p["id"] = user_id;
  if (user_id.empty()) return p;
  auto u = vault::GetUser(txn, user_id);
  if (u.ok()) {
    p["username"] = u->username;
    p["display_name"] = u->display_name;
  }
  return p;
}

json::Value MarkingJson(policy::Classification c) {
  static constexpr const char* kZh[] = {"公开", "内部", "秘密", "机密", "绝密"};
  static constexpr const char* kEn[] = {"Public", "Internal", "Confidential", "Secret",
                                        "Top secret"};
  const auto i = static_cast<size_t>(c);
  json::Value m = json::Value::MakeObject();
  m["id"] = policy::ClassificationId(c);
  m["zh"] = kZh[i];
  m["en"] = kEn[i];
  return m;
}

}  // namespace custos::web::internal
