#include "base/json.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace custos::json {

bool Value::as_bool() const {
  if (!is_bool()) Die("json: not a bool");
  return std::get<bool>(v_);
}
int64_t Value::as_int() const {
  if (!is_int()) Die("json: not an integer");
  return std::get<int64_t>(v_);
}
double Value::as_double() const {
  if (is_int()) return static_cast<double>(std::get<int64_t>(v_));
  if (type() != Type::kDouble) Die("json: not a number");
  return std::get<double>(v_);
}
const std::string& Value::as_string() const {
  if (!is_string()) Die("json: not a string");
  return std::get<std::string>(v_);
}
const Array& Value::as_array() const {
  if (!is_array()) Die("json: not an array");
  return std::get<Array>(v_);
}
Array& Value::as_array() {
  if (!is_array()) Die("json: not an array");
  return std::get<Array>(v_);
}
const Object& Value::as_object() const {
  if (!is_object()) Die("json: not an object");
  return std::get<Object>(v_);
}
Object& Value::as_object() {
  if (!is_object()) Die("json: not an object");
  return std::get<Object>(v_);
}

Value& Value::operator[](std::string_view key) {
  if (is_null()) v_ = Object{};
  Object& o = as_object();
  auto it = o.find(key);
  if (it == o.end()) it = o.emplace(std::string(key), Value()).first;
  return it->second;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Object& o = std::get<Object>(v_);
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->second;
}

void Value::Push(Value v) {
  if (is_null()) v_ = Array{};
  as_array().push_back(std::move(v));
}

namespace {

// Printable ASCII that a JSON string carries as it is.
inline bool IsPlainAscii(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// Decodes one UTF-8 sequence at s[i]; returns its length or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i, uint32_t* cp_out) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) {
    *cp_out = c;
    return 1;
  }
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *cp_out = cp;
  return len;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options) : s_(text), opt_(options) {}

  Result<Value> Run() {
    if (s_.size() > opt_.max_size) return Status::InvalidArgument("JSON text too large");
    SkipWs();
    Value v;
    CUSTOS_RETURN_IF_ERROR(ParseValue(&v, 0));
    SkipWs();
    if (i_ != s_.size()) return Error("unexpected data after the JSON value");
    return v;
  }

 private:
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("malformed JSON at byte " + std::to_string(i_) + ": " +
                                   std::string(what));
  }
  void SkipWs() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Consume(std::string_view lit) {
    if (s_.substr(i_, lit.size()) == lit) {
      i_ += lit.size();
      return true;
    }
    return false;
  }

  Status ParseValue(Value* out, size_t depth) {
    if (depth > opt_.max_depth) return Error("nesting too deep");
    if (i_ >= s_.size()) return Error("unexpected end of input");
    char c = s_[i_];
    if (c == '{') return ParseObject(out, depth);
    if (c == '[') return ParseArray(out, depth);
    if (c == '"') {
      std::string str;
      CUSTOS_RETURN_IF_ERROR(ParseString(&str));
      *out = Value(std::move(str));
      return Status::Ok();
    }
    if (Consume("true")) {
      *out = Value(true);
      return Status::Ok();
    }
    if (Consume("false")) {
      *out = Value(false);
      return Status::Ok();
    }
    if (Consume("null")) {
      *out = Value();
      return Status::Ok();
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
    return Error("unexpected character");
  }

  Status ParseObject(Value* out, size_t depth) {
    ++i_;  // {
    Object obj;
    SkipWs();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      *out = Value(std::move(obj));
      return Status::Ok();
    }
    while (true) {
      SkipWs();
      if (i_ >= s_.size() || s_[i_] != '"') return Error("expected a string key");
      std::string key;
      CUSTOS_RETURN_IF_ERROR(ParseString(&key));
      SkipWs();
      if (i_ >= s_.size() || s_[i_] != ':') return Error("expected ':'");
      ++i_;
      SkipWs();
      Value v;
      CUSTOS_RETURN_IF_ERROR(ParseValue(&v, depth + 1));
      if (!obj.emplace(std::move(key), std::move(v)).second) return Error("duplicate key");
      SkipWs();
      if (i_ >= s_.size()) return Error("unexpected end of input in object");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        break;
      }
      return Error("expected ',' or '}'");
    }
    *out = Value(std::move(obj));
    return Status::Ok();
  }

  Status ParseArray(Value* out, size_t depth) {
    ++i_;  // [
    Array arr;
    SkipWs();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      *out = Value(std::move(arr));
      return Status::Ok();
    }
    while (true) {
      SkipWs();
      Value v;
      CUSTOS_RETURN_IF_ERROR(ParseValue(&v, depth + 1));
      arr.push_back(std::move(v));
      SkipWs();
      if (i_ >= s_.size()) return Error("unexpected end of input in array");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        break;
      }
      return Error("expected ',' or ']'");
    }
    *out = Value(std::move(arr));
    return Status::Ok();
  }

  Status ParseHex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return Error("short \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return Error("bad hex digit in \\u escape");
    }
    *out = v;
    return Status::Ok();
  }

  Status ParseString(std::string* out) {
    ++i_;  // opening quote
    while (true) {
      // Fast path: a run of printable ASCII other than '"' and '\\', and of
      // valid UTF-8 sequences (Chinese names and notes), is copied as it is
      // in one append (most of a stored record).
      size_t run = i_;
      while (run < s_.size()) {
        const auto c = static_cast<unsigned char>(s_[run]);
        if (IsPlainAscii(c)) {
          ++run;
          continue;
        }
        if (c < 0x80) break;
        uint32_t cp = 0;
        const size_t len = Utf8SequenceLength(s_, run, &cp);
        if (len == 0) break;  // invalid: the slow path below says so
        run += len;
      }
      if (run > i_) {
        out->append(s_.data() + i_, run - i_);
        i_ = run;
      }
      if (i_ >= s_.size()) return Error("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return Status::Ok();
      }
      if (c < 0x20) return Error("control character in string");
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) return Error("unterminated escape");
        char e = s_[i_++];
        switch (e) {
          case '"':
            out->push_back('"');
            break;
          case '\\':
            out->push_back('\\');
            break;
          case '/':
            out->push_back('/');
            break;
          case 'b':
            out->push_back('\b');
            break;
          case 'f':
            out->push_back('\f');
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 'r':
            out->push_back('\r');
            break;
          case 't':
            out->push_back('\t');
            break;
          case 'u': {
            uint32_t cp = 0;
            CUSTOS_RETURN_IF_ERROR(ParseHex4(&cp));
            if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (!Consume("\\u")) return Error("lone high surrogate");
              uint32_t lo = 0;
              CUSTOS_RETURN_IF_ERROR(ParseHex4(&lo));
              if (lo < 0xDC00 || lo > 0xDFFF) return Error("bad surrogate pair");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            AppendUtf8(out, cp);
            break;
          }
          default:
            return Error("bad escape");
        }
        continue;
      }
      uint32_t cp;
      size_t len = Utf8SequenceLength(s_, i_, &cp);
      if (len == 0) return Error("invalid UTF-8");
      out->append(s_.substr(i_, len));
      i_ += len;
    }
  }

  Status ParseNumber(Value* out) {
    size_t start = i_;
    bool is_int = true;
    if (s_[i_] == '-') ++i_;
    if (i_ >= s_.size()) return Error("bad number");
    if (s_[i_] == '0') {
      ++i_;
      if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') return Error("leading zero");
    } else if (s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    } else {
      return Error("bad number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      is_int = false;
      ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return Error("bad fraction");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      is_int = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return Error("bad exponent");
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    const char* b = s_.data() + start;
    const char* e = s_.data() + i_;
    if (is_int) {
      int64_t v;
      auto r = std::from_chars(b, e, v);
      if (r.ec == std::errc() && r.ptr == e) {
        *out = Value(v);
        return Status::Ok();
      }
    }
    double d;
    auto r = std::from_chars(b, e, d);
    if (r.ec != std::errc() || r.ptr != e || !std::isfinite(d)) return Error("number out of range");
    *out = Value(d);
    return Status::Ok();
  }

  std::string_view s_;
  const ParseOptions& opt_;
  size_t i_ = 0;
};

// IsCanonical's one pass: the grammar of Parse, restricted to what
// Serialize writes — no whitespace; object keys strictly ascending by their
// decoded bytes; strings with raw UTF-8 and only the escapes WriteString
// uses; integers in plain decimal that fit int64, never "-0". A number
// with a fraction or an exponent, or an integer beyond int64 (which Parse
// reads as a double), makes it answer kUnsure, and the caller parses.
class CanonicalChecker {
 public:
  enum class Answer { kNo, kYes, kUnsure };

  CanonicalChecker(std::string_view text, const ParseOptions& options) : s_(text), opt_(options) {}

  Answer Run() {
    if (s_.size() > opt_.max_size) return Answer::kNo;
    const Answer a = CheckValue(0);
    if (a != Answer::kYes) return a;
    return i_ == s_.size() ? Answer::kYes : Answer::kNo;
  }

 private:
  bool At(char c) const { return i_ < s_.size() && s_[i_] == c; }

  Answer CheckValue(size_t depth) {
    if (depth > opt_.max_depth || i_ >= s_.size()) return Answer::kNo;
    switch (s_[i_]) {
      case '{':
        return CheckObject(depth);
      case '[':
        return CheckArray(depth);
      case '"':
        return CheckString(nullptr) ? Answer::kYes : Answer::kNo;
      case 't':
        return CheckLiteral("true");
      case 'f':
        return CheckLiteral("false");
      case 'n':
        return CheckLiteral("null");
      default:
        return CheckNumber();
    }
  }

  Answer CheckLiteral(std::string_view lit) {
    if (s_.substr(i_, lit.size()) != lit) return Answer::kNo;
    i_ += lit.size();
    return Answer::kYes;
  }

  Answer CheckObject(size_t depth) {
    ++i_;  // {
    if (At('}')) {
      ++i_;
      return Answer::kYes;
    }
    std::string key;
    for (bool first = true;; first = false) {
      if (!At('"') || !CheckString(&key)) return Answer::kNo;
      // Sorted, and no key twice (Parse refuses duplicates). (Indexed each
      // time: the values read in between may grow keys_.)
      if (keys_.size() <= depth) keys_.resize(depth + 1);
      if (!first && key <= keys_[depth]) return Answer::kNo;
      keys_[depth].swap(key);
      if (!At(':')) return Answer::kNo;
      ++i_;
      bool more = false;
      const Answer a = CheckItem(depth, '}', &more);
      if (a != Answer::kYes || !more) return a;
    }
  }

  Answer CheckArray(size_t depth) {
    ++i_;  // [
    if (At(']')) {
      ++i_;
      return Answer::kYes;
    }
    for (bool more = true; more;) {
      const Answer a = CheckItem(depth, ']', &more);
      if (a != Answer::kYes) return a;
    }
    return Answer::kYes;
  }

  // An object's or array's item: its value, then `,` (*more: another item
  // follows) or `close`.
  Answer CheckItem(size_t depth, char close, bool* more) {
    const Answer a = CheckValue(depth + 1);
    if (a != Answer::kYes) return a;
    *more = At(',');
    if (!*more && !At(close)) return Answer::kNo;
    ++i_;
    return Answer::kYes;
  }

  // A string as WriteString writes it; its decoded bytes into `decoded`
  // when not null.
  bool CheckString(std::string* decoded) {
    ++i_;  // "
    if (decoded != nullptr) decoded->clear();
    while (i_ < s_.size()) {
      const size_t run = i_;
      while (i_ < s_.size() && IsPlainAscii(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (decoded != nullptr) decoded->append(s_.data() + run, i_ - run);
      if (i_ >= s_.size()) return false;
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return false;
        char out = 0;
        switch (s_[i_ + 1]) {
          case '"':
            out = '"';
            break;
          case '\\':
            out = '\\';
            break;
          case 'b':
            out = '\b';
            break;
          case 'f':
            out = '\f';
            break;
          case 'n':
            out = '\n';
            break;
          case 'r':
            out = '\r';
            break;
          case 't':
            out = '\t';
            break;
          case 'u': {
            // \u00xx, lowercase, for the control characters without a
            // short escape only.
            if (i_ + 6 > s_.size() || s_.substr(i_ + 2, 2) != "00") return false;
            static constexpr std::string_view kHex = "0123456789abcdef";
            const size_t hi = kHex.find(s_[i_ + 4]);
            const size_t lo = kHex.find(s_[i_ + 5]);
            if (hi > 1 || lo == std::string_view::npos) return false;
            out = static_cast<char>(hi * 16 + lo);
            if (out == '\b' || out == '\f' || out == '\n' || out == '\r' || out == '\t')
              return false;
            i_ += 4;
            break;
          }
          default:
            return false;
        }
        i_ += 2;
        if (decoded != nullptr) decoded->push_back(out);
        continue;
      }
      if (c < 0x80) return false;  // a raw control character
      uint32_t cp = 0;
      const size_t len = Utf8SequenceLength(s_, i_, &cp);
      if (len == 0) return false;
      if (decoded != nullptr) decoded->append(s_.data() + i_, len);
      i_ += len;
    }
    return false;
  }

  Answer CheckNumber() {
    const size_t start = i_;
    if (At('-')) ++i_;
    if (At('0')) {
      ++i_;
    } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    } else {
      return Answer::kNo;
    }
    if (i_ < s_.size() &&
        (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E' || (s_[i_] >= '0' && s_[i_] <= '9'))) {
      return Answer::kUnsure;  // a fraction, an exponent, a leading zero: Parse decides
    }
    const std::string_view text = s_.substr(start, i_ - start);
    if (text == "-0") return Answer::kNo;  // written 0
    int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return Answer::kUnsure;
    return Answer::kYes;
  }

  std::string_view s_;
  const ParseOptions& opt_;
  size_t i_ = 0;
  std::vector<std::string> keys_;  // per depth: the previous key of the object being read
};

void WriteString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Fast path: runs that need no escaping are appended whole.
    size_t run = i;
    while (run < s.size() && IsPlainAscii(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      out->append(s.data() + i, run - i);
      i = run;
      if (i >= s.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out->append("\\u00");
            out->push_back(kHex[c >> 4]);
            out->push_back(kHex[c & 15]);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    uint32_t cp;
    size_t len = Utf8SequenceLength(s, i, &cp);
    if (len == 0) {
      out->append("\xEF\xBF\xBD");  // U+FFFD for each invalid byte
      ++i;
    } else {
      out->append(s.substr(i, len));
      i += len;
    }
  }
  out->push_back('"');
}

void Write(std::string* out, const Value& v, int indent, int level) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out->push_back('\n');
    out->append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.type()) {
    case Type::kNull:
      out->append("null");
      break;
    case Type::kBool:
      out->append(v.as_bool() ? "true" : "false");
      break;
    case Type::kInt:
      out->append(std::to_string(v.as_int()));
      break;
    case Type::kDouble: {
      // -0.0 is written 0 (as RFC 8785 does): "-0" would read back as the
      // integer 0 and then be written "0", so the canonical form would not
      // be canonical itself.
      const double d = v.as_double() == 0 ? 0.0 : v.as_double();
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      out->append(buf, r.ptr);
      break;
    }
    case Type::kString:
      WriteString(out, v.as_string());
      break;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        newline(level + 1);
        Write(out, e, indent, level + 1);
      }
      if (!v.as_array().empty()) newline(level);
      out->push_back(']');
      break;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) out->push_back(',');
        first = false;
        newline(level + 1);
        WriteString(out, k);
        out->push_back(':');
        if (indent >= 0) out->push_back(' ');
        Write(out, e, indent, level + 1);
      }
      if (!v.as_object().empty()) newline(level);
      out->push_back('}');
      break;
    }
  }
}

Status FieldError(std::string_view key, std::string_view want, std::string_view want_zh) {
  return Status::InvalidArgument("field '" + std::string(key) + "' must be " + std::string(want),
                                 "字段 " + std::string(key) + " 须为" + std::string(want_zh));
}

}  // namespace

Result<Value> Parse(std::string_view text, const ParseOptions& options) {
  return Parser(text, options).Run();
}

bool IsCanonical(std::string_view text, const ParseOptions& options) {
  switch (CanonicalChecker(text, options).Run()) {
    case CanonicalChecker::Answer::kYes:
      return true;
    case CanonicalChecker::Answer::kNo:
      return false;
    case CanonicalChecker::Answer::kUnsure:
      break;
  }
  auto v = Parse(text, options);
  return v.ok() && Serialize(*v) == text;
}

void AppendQuoted(std::string* out, std::string_view s) { WriteString(out, s); }

std::string Serialize(const Value& value) {
  std::string out;
  Write(&out, value, -1, 0);
  return out;
}

std::string SerializePretty(const Value& value) {
  std::string out;
  Write(&out, value, 2, 0);
  return out;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t len = Utf8SequenceLength(s, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

Result<std::string> GetString(const Value& obj, std::string_view key) {
  const Value* v = obj.Find(key);
  if (v == nullptr || !v->is_string()) return FieldError(key, "a string", "文本");
  return v->as_string();
}
Result<int64_t> GetInt(const Value& obj, std::string_view key) {
  const Value* v = obj.Find(key);
  if (v == nullptr || !v->is_int()) return FieldError(key, "an integer", "整数");
  return v->as_int();
}
Result<bool> GetBool(const Value& obj, std::string_view key) {
  const Value* v = obj.Find(key);
  if (v == nullptr || !v->is_bool()) return FieldError(key, "true or false", " true 或 false");
  return v->as_bool();
}
Result<std::string> GetStringOr(const Value& obj, std::string_view key, std::string fallback) {
  const Value* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_string()) return FieldError(key, "a string", "文本");
  return v->as_string();
}
Result<int64_t> GetIntOr(const Value& obj, std::string_view key, int64_t fallback) {
  const Value* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_int()) return FieldError(key, "an integer", "整数");
  return v->as_int();
}

namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view t, size_t i) {
  while (i < t.size() && IsJsonSpace(t[i])) ++i;
  return i;
}

// From the opening quote at `i`, the index just past the closing quote; npos
// when the string does not end.
size_t SkipString(std::string_view t, size_t i) {
  // memchr to each quote (most of a record is text inside strings); a quote
  // after an odd run of backslashes is escaped.
  for (size_t from = i + 1; from < t.size();) {
    const void* q = std::memchr(t.data() + from, '"', t.size() - from);
    if (q == nullptr) return std::string_view::npos;
    const size_t at = static_cast<size_t>(static_cast<const char*>(q) - t.data());
    size_t backslashes = 0;
    while (at - backslashes > i + 1 && t[at - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return at + 1;
    from = at + 1;
  }
  return std::string_view::npos;
}

// From the first byte of a value at `i`, the index just past it; npos when
// its brackets or strings do not close.
size_t SkipValue(std::string_view t, size_t i) {
  if (i >= t.size()) return std::string_view::npos;
  if (t[i] == '"') return SkipString(t, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !IsJsonSpace(t[i])) ++i;
    return i;
  }
  std::string closers;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '"') {
      i = SkipString(t, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (c == '{') {
      closers.push_back('}');
    } else if (c == '[') {
      closers.push_back(']');
    } else if (c == '}' || c == ']') {
      if (closers.empty() || closers.back() != c) return std::string_view::npos;
      closers.pop_back();
      if (closers.empty()) return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

Result<std::string_view> MemberText(std::string_view t, std::string_view key) {
  const auto bad = [] { return Status::InvalidArgument("not a JSON object"); };
  size_t i = SkipSpace(t, 0);
  if (i >= t.size() || t[i] != '{') return bad();
  i = SkipSpace(t, i + 1);
  if (i < t.size() && t[i] == '}') return Status::NotFound("no member " + std::string(key));
  while (i < t.size()) {
    if (t[i] != '"') return bad();
    const size_t key_end = SkipString(t, i);
    if (key_end == std::string_view::npos) return bad();
    const std::string_view name = t.substr(i + 1, key_end - i - 2);
    i = SkipSpace(t, key_end);
    if (i >= t.size() || t[i] != ':') return bad();
    i = SkipSpace(t, i + 1);
    const size_t value_end = SkipValue(t, i);
    if (value_end == std::string_view::npos || value_end == i) return bad();
    if (name == key) return t.substr(i, value_end - i);
    i = SkipSpace(t, value_end);
    if (i >= t.size()) return bad();
    if (t[i] == '}') return Status::NotFound("no member " + std::string(key));
    if (t[i] != ',') return bad();
    i = SkipSpace(t, i + 1);
  }
  return bad();
}

}  // namespace custos::json
