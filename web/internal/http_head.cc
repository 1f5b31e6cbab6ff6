#include "web/internal/http_head.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "base/text.h"

namespace custos::web::internal {

namespace {

// RFC 9110 tchar.
bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c) != 0 && c < 0x80) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

// Field value characters: visible ASCII, space, tab and obs-text; no other
// control character.
bool IsFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

HeadParse Bad(HeadError* error, int status, std::string code, std::string en, std::string zh) {
  error->status = status;
  error->code = std::move(code);
  error->message_en = std::move(en);
  error->message_zh = std::move(zh);
  return HeadParse::kBad;
}

HeadParse Malformed(HeadError* error) {
  return Bad(error, 400, "invalid_argument", "malformed request", "请求格式错误");
}

// The next line of `bytes` from *pos, without its CRLF. False when no
// complete line is there yet. (The head has been checked for bare CR and
// LF before: every LF here follows a CR.)
bool NextLine(std::string_view bytes, size_t* pos, std::string_view* line) {
  const size_t crlf = bytes.find("\r\n", *pos);
  if (crlf == std::string_view::npos) return false;
  *line = bytes.substr(*pos, crlf - *pos);
  *pos = crlf + 2;
  return true;
}

// request-line = method SP request-target SP HTTP-version
bool ParseRequestLine(std::string_view line, RequestHead* head, HeadError* error) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    Malformed(error);
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  bool ok = IsToken(method) && method.size() <= 32 && !target.empty();
  for (char ch : target) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) ok = false;
  }
  if (!ok || version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      std::isdigit(static_cast<unsigned char>(version[5])) == 0 ||
      std::isdigit(static_cast<unsigned char>(version[7])) == 0) {
    Malformed(error);
    return false;
  }
  if (version[5] != '1') {
    Bad(error, 505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served",
        "仅支持 HTTP/1.0 和 HTTP/1.1");
    return false;
  }
  head->method = std::string(method);
  head->target = std::string(target);
  head->minor_version = version[7] - '0';
  head->keep_alive = head->minor_version >= 1;
  return true;
}

}  // namespace

HeadParse ParseRequestHead(std::string_view bytes, RequestHead* head, size_t* head_length,
                           HeadError* error) {
  // Only a complete head is parsed; until its blank line has arrived the
  // answer is "more", unless the head is already too large or malformed.
  // Empty lines (CRLF) before the request line are skipped (RFC 9112, 2.2).
  size_t pos = 0;
  while (bytes.substr(pos, 2) == "\r\n") pos += 2;
  const size_t start = pos;
  // SECURITY: every line ends with CRLF. A bare LF, or a CR not followed by
  // LF, is refused wherever it is (RFC 9112, 2.2 allows a server to accept
  // a bare LF, but a front proxy that does not would see other fields,
  // another body and another request than we do).
  size_t end = std::string_view::npos;  // just past the blank line
  for (size_t i = bytes.find_first_of("\r\n", start); i != std::string_view::npos;
       i = bytes.find_first_of("\r\n", i + 1)) {
    if (bytes[i] == '\r') {
      if (i + 1 < bytes.size() && bytes[i + 1] != '\n') return Malformed(error);
      continue;
    }
    if (i == start || bytes[i - 1] != '\r') return Malformed(error);
    if (i >= start + 3 && bytes[i - 2] == '\n') {
      end = i + 1;
      break;
    }
  }
  if (end == std::string_view::npos) {
    // The request line alone can already be refused (a client sending
    // garbage learns so without having to end a head).
    size_t line_pos = start;
    std::string_view first;
    if (NextLine(bytes, &line_pos, &first)) {
      RequestHead scratch;
      if (!ParseRequestLine(first, &scratch, error)) return HeadParse::kBad;
    }
    if (bytes.size() >= kMaxHeadBytes) {
      return Bad(error, 431, "headers_too_large", "request head too large", "请求头过大");
    }
    return HeadParse::kNeedMore;
  }
  if (end > kMaxHeadBytes) {
    return Bad(error, 431, "headers_too_large", "request head too large", "请求头过大");
  }

  *head = RequestHead{};
  std::string_view line;
  NextLine(bytes, &pos, &line);
  if (!ParseRequestLine(line, head, error)) return HeadParse::kBad;

  int hosts = 0;
  bool saw_transfer_encoding = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (NextLine(bytes, &pos, &line) && pos <= end) {
    if (line.empty()) break;                                                   // the blank line
    if (line.front() == ' ' || line.front() == '\t') return Malformed(error);  // obs-fold
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Malformed(error);
    }
    const std::string_view value = TrimOws(line.substr(colon + 1));
    if (!IsFieldValue(value)) return Malformed(error);
    if (head->fields.size() >= kMaxHeaderFields) {
      return Bad(error, 431, "headers_too_large", "too many request header fields",
                 "请求头字段过多");
    }
    head->fields.emplace_back(LowerAscii(line.substr(0, colon)), std::string(value));
    const std::string& name = head->fields.back().first;
    if (name == "host") {
      ++hosts;
    } else if (name == "content-length") {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Malformed(error);
      }
      const int64_t n = std::stoll(std::string(value));
      if (head->content_length >= 0 && head->content_length != n) return Malformed(error);
      head->content_length = n;
    } else if (name == "transfer-encoding") {
      if (saw_transfer_encoding) return Malformed(error);
      saw_transfer_encoding = true;
      if (!EqualsIgnoreCase(value, "chunked")) {
        return Bad(error, 501, "not_implemented", "unsupported transfer coding",
                   "不支持的传输编码");
      }
      head->chunked = true;
    } else if (name == "connection") {
      size_t i = 0;
      while (i <= value.size()) {
        size_t j = value.find(',', i);
        if (j == std::string_view::npos) j = value.size();
        const std::string_view option = TrimOws(value.substr(i, j - i));
        if (EqualsIgnoreCase(option, "close")) connection_close = true;
        if (EqualsIgnoreCase(option, "keep-alive")) connection_keep_alive = true;
        i = j + 1;
      }
    } else if (name == "expect") {
      if (EqualsIgnoreCase(value, "100-continue") && head->minor_version >= 1) {
        head->expect_continue = true;
      }
    }
  }
  if (head->chunked && (head->content_length >= 0 || head->minor_version == 0)) {
    return Malformed(error);
  }
  // RFC 9112, 3.2: an HTTP/1.1 request has exactly one Host.
  if (hosts > 1 || (hosts == 0 && head->minor_version >= 1)) return Malformed(error);
  if (connection_close) {
    head->keep_alive = false;
  } else if (connection_keep_alive) {
    head->keep_alive = true;
  }
  *head_length = end;
  return HeadParse::kDone;
}

namespace {

// quoted-string (RFC 9110, 5.6.4) at the start of `s`: its length, or 0.
size_t QuotedStringLength(std::string_view s) {
  if (s.empty() || s[0] != '"') return 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i == s.size()) return 0;
      const auto escaped = static_cast<unsigned char>(s[i]);
      if (escaped != '\t' && (escaped < 0x20 || escaped == 0x7f)) return 0;
    } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
      return 0;
    }
  }
  return 0;
}

size_t TokenLength(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsTokenChar(static_cast<unsigned char>(s[n]))) ++n;
  return n;
}

}  // namespace

int64_t ParseChunkSize(std::string_view line) {
  // SECURITY: chunk-size [ chunk-ext ] exactly, without the optional
  // whitespace (BWS) the grammar tolerates around extensions: whitespace in
  // a chunk line is read differently by different parsers.
  size_t digits = 0;
  while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits])) != 0) {
    ++digits;
  }
  if (digits == 0 || digits > 10) return -1;
  int64_t n = 0;
  for (char c : line.substr(0, digits)) {
    const int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    n = n * 16 + d;
  }
  // chunk-ext = *( ";" token [ "=" ( token / quoted-string ) ] )
  std::string_view rest = line.substr(digits);
  while (!rest.empty()) {
    if (rest[0] != ';') return -1;
    rest.remove_prefix(1);
    const size_t name = TokenLength(rest);
    if (name == 0) return -1;
    rest.remove_prefix(name);
    if (rest.empty() || rest[0] != '=') continue;
    rest.remove_prefix(1);
    const size_t value =
        !rest.empty() && rest[0] == '"' ? QuotedStringLength(rest) : TokenLength(rest);
    if (value == 0) return -1;
    rest.remove_prefix(value);
  }
  return n;
}

bool IsFieldLine(std::string_view line) {
  const size_t colon = line.find(':');
  return colon != std::string_view::npos && IsToken(line.substr(0, colon)) &&
         IsFieldValue(line.substr(colon + 1));
}

BodyRead DecodeChunkedBody(const ChunkedSource& source, size_t limit, std::string* body) {
  std::string line;
  for (;;) {
    if (!source.read_line(&line)) return BodyRead::kBroken;
    const int64_t size = ParseChunkSize(line);
    if (size < 0) return BodyRead::kBroken;
    if (size == 0) break;
    if (body->size() + static_cast<uint64_t>(size) > limit) return BodyRead::kTooLarge;
    if (!source.read_exact(static_cast<size_t>(size), body)) return BodyRead::kBroken;
    if (!source.read_line(&line) || !line.empty()) return BodyRead::kBroken;
  }
  for (int trailers = 0;; ++trailers) {  // trailer fields, checked and ignored
    if (!source.read_line(&line)) return BodyRead::kBroken;
    if (line.empty()) return BodyRead::kOk;
    if (trailers >= static_cast<int>(kMaxHeaderFields) || !IsFieldLine(line)) {
      return BodyRead::kBroken;
    }
  }
}

std::string HttpDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace custos::web::internal
