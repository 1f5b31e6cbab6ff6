// Fuzzes the HTTP/1.x request-head parser (web/internal/http_head.h) with
// what any client can send before it has a session. Besides crashes and
// sanitizer reports it checks the parser's promises:
//   - a refusal is 400, 431, 501 or 505 with a code and messages in both
//     languages from a small fixed set (never an echo of the input);
//   - "need more" only under kMaxHeadBytes;
//   - an accepted head is well-formed (a token method, a target without
//     spaces or controls, lower-case token field names, trimmed values
//     without line breaks, at most kMaxHeaderFields, one Host on HTTP/1.1,
//     never both Content-Length and chunked, no chunked or 100-continue on
//     HTTP/1.0) and ends inside the input, within kMaxHeadBytes;
//   - the bytes after the head change nothing, and every proper prefix of
//     it is "need more" (the connection loop may receive it in any pieces);
//   - the head written back in canonical form parses to the same head.
// Seed corpus: tests/fuzz/corpus/http_head/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "tests/fuzz/promise.h"
#include "web/internal/http_head.h"

namespace {

using custos::web::internal::HeadError;
using custos::web::internal::HeadParse;
using custos::web::internal::kMaxHeadBytes;
using custos::web::internal::kMaxHeaderFields;
using custos::web::internal::ParseRequestHead;
using custos::web::internal::RequestHead;

using custos::fuzz::Require;

bool IsTokenChar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool SameHead(const RequestHead& a, const RequestHead& b) {
  return a.method == b.method && a.target == b.target && a.minor_version == b.minor_version &&
         a.fields == b.fields && a.content_length == b.content_length && a.chunked == b.chunked &&
         a.keep_alive == b.keep_alive && a.expect_continue == b.expect_continue;
}

struct Parsed {
  HeadParse result = HeadParse::kNeedMore;
  RequestHead head;
  size_t length = 0;
  HeadError error;
};

Parsed Parse(std::string_view bytes) {
  Parsed p;
  p.result = ParseRequestHead(bytes, &p.head, &p.length, &p.error);
  return p;
}

void CheckWellFormed(const RequestHead& head) {
  Require(IsToken(head.method) && head.method.size() <= 32, "method is a short token");
  Require(!head.target.empty(), "target is not empty");
  for (char ch : head.target) {
    const auto c = static_cast<unsigned char>(ch);
    Require(c > 0x20 && c < 0x7f, "target has no space or control character");
  }
  Require(head.minor_version >= 0 && head.minor_version <= 9, "HTTP/1.x");
  Require(head.fields.size() <= kMaxHeaderFields, "at most kMaxHeaderFields fields");
  int hosts = 0;
  for (const auto& [name, value] : head.fields) {
    Require(IsToken(name), "field name is a token");
    for (char c : name) Require(!(c >= 'A' && c <= 'Z'), "field name is lower case");
    if (name == "host") ++hosts;
    if (!value.empty()) {
      Require(value.front() != ' ' && value.front() != '\t' && value.back() != ' ' &&
                  value.back() != '\t',
              "field value is trimmed");
    }
    for (char ch : value) {
      const auto c = static_cast<unsigned char>(ch);
      Require(c == '\t' || (c >= 0x20 && c != 0x7f), "field value has no control character");
    }
  }
  Require(hosts <= 1 && (head.minor_version == 0 || hosts == 1), "one Host on HTTP/1.1");
  Require(head.content_length >= -1 && head.content_length < 1'000'000'000'000'000'000,
          "Content-Length is -1 or 18 digits at most");
  Require(!(head.chunked && head.content_length >= 0), "never both Content-Length and chunked");
  Require(!head.chunked || head.minor_version >= 1, "no chunked body on HTTP/1.0");
  Require(!head.expect_continue || head.minor_version >= 1, "no 100-continue on HTTP/1.0");
  Require(head.has_body() == (head.chunked || head.content_length > 0), "has_body");
}

std::string Canonical(const RequestHead& head) {
  std::string out =
      head.method + " " + head.target + " HTTP/1." + std::to_string(head.minor_version) + "\r\n";
  for (const auto& [name, value] : head.fields) out += name + ": " + value + "\r\n";
  return out + "\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Parsed p = Parse(bytes);
  switch (p.result) {
    case HeadParse::kBad: {
      const int s = p.error.status;
      Require(s == 400 || s == 431 || s == 501 || s == 505, "refused with 400/431/501/505");
      Require(!p.error.code.empty() && !p.error.message_en.empty() && !p.error.message_zh.empty(),
              "a refusal has a code and both messages");
      static auto* messages = new std::set<std::string>();
      messages->insert(p.error.code + "|" + p.error.message_en + "|" + p.error.message_zh);
      Require(messages->size() <= 16, "refusal messages come from a small fixed set");
      return 0;
    }
    case HeadParse::kNeedMore:
      Require(size < kMaxHeadBytes, "need more only under kMaxHeadBytes");
      return 0;
    case HeadParse::kDone:
      break;
  }
  Require(p.length > 0 && p.length <= size && p.length <= kMaxHeadBytes,
          "the head ends inside the input, within kMaxHeadBytes");
  CheckWellFormed(p.head);

  const Parsed alone = Parse(bytes.substr(0, p.length));
  Require(
      alone.result == HeadParse::kDone && alone.length == p.length && SameHead(alone.head, p.head),
      "the bytes after the head change nothing");
  for (size_t cut : {p.length - 1, p.length / 2, size_t{1}}) {
    if (cut == 0 || cut >= p.length) continue;
    Require(Parse(bytes.substr(0, cut)).result == HeadParse::kNeedMore,
            "a proper prefix of a head needs more");
  }

  const std::string canonical = Canonical(p.head);
  const Parsed again = Parse(canonical);
  Require(again.result == HeadParse::kDone && again.length == canonical.size() &&
              SameHead(again.head, p.head),
          "the head written back parses the same");
  return 0;
}
