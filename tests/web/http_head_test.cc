// The request-head parser the connection loop relies on: what it accepts,
// how it frames the body and the connection, and what it refuses (with which
// status and error code) so that no front proxy can read a head differently.
#include "web/internal/http_head.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace custos::web::internal {
namespace {

using namespace std::string_literals;

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

// Each input must be refused with `status` and `code`, and with a message
// in both languages for the client.
void ExpectRefused(const std::vector<std::string>& inputs, int status, const std::string& code) {
  for (const std::string& input : inputs) {
    SCOPED_TRACE(::testing::PrintToString(input));
    const Parsed p = Parse(input);
    ASSERT_EQ(p.result, HeadParse::kBad);
    EXPECT_EQ(p.error.status, status);
    EXPECT_EQ(p.error.code, code);
    EXPECT_FALSE(p.error.message_en.empty());
    EXPECT_FALSE(p.error.message_zh.empty());
  }
}

void ExpectMalformed(const std::vector<std::string>& inputs) {
  ExpectRefused(inputs, 400, "invalid_argument");
}

// A head with one extra field line (CRLF line ends).
std::string WithField(const std::string& field, const std::string& version = "HTTP/1.1") {
  return "POST /api/v1/records " + version + "\r\nHost: custos\r\n" + field + "\r\n\r\n";
}

TEST(HttpHeadTest, ParsesGetWithHost) {
  const std::string bytes = "GET /api/v1/records?page=2 HTTP/1.1\r\nHost: custos.example\r\n\r\n";
  const Parsed p = Parse(bytes);
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.length, bytes.size());
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.target, "/api/v1/records?page=2");
  EXPECT_EQ(p.head.minor_version, 1);
  ASSERT_EQ(p.head.fields.size(), 1u);
  EXPECT_EQ(p.head.fields[0].first, "host");
  EXPECT_EQ(p.head.fields[0].second, "custos.example");
  EXPECT_EQ(p.head.content_length, -1);
  EXPECT_FALSE(p.head.chunked);
  EXPECT_FALSE(p.head.has_body());
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_FALSE(p.head.expect_continue);
}

TEST(HttpHeadTest, FieldNamesAreLowerCasedAndValuesTrimmedInOrder) {
  const Parsed p = Parse(
      "GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: \t abc  def \t\r\nACCEPT:text/html\r\n"
      "X-Empty:   \r\n\r\n");
  ASSERT_EQ(p.result, HeadParse::kDone);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"host", "a"}, {"x-request-id", "abc  def"}, {"accept", "text/html"}, {"x-empty", ""}};
  EXPECT_EQ(p.head.fields, expected);
}

TEST(HttpHeadTest, HeadLengthLeavesBodyAndPipelinedRequestUnread) {
  const std::string first = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
  const std::string second = "GET /b HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string bytes = first + "hello" + second;
  const Parsed p = Parse(bytes);
  ASSERT_EQ(p.result, HeadParse::kDone);
  ASSERT_EQ(p.length, first.size());
  EXPECT_EQ(p.head.content_length, 5);
  EXPECT_TRUE(p.head.has_body());
  EXPECT_EQ(bytes.substr(p.length, 5), "hello");

  const Parsed next = Parse(std::string_view(bytes).substr(p.length + 5));
  ASSERT_EQ(next.result, HeadParse::kDone);
  EXPECT_EQ(next.head.target, "/b");
  EXPECT_EQ(next.length, second.size());
}

TEST(HttpHeadTest, BodyBeyondHeadLimitDoesNotMakeHeadTooLarge) {
  const std::string head = "PUT /f HTTP/1.1\r\nHost: a\r\nContent-Length: 40000\r\n\r\n";
  const Parsed p = Parse(head + std::string(40000, 'x'));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.length, head.size());
}

// SECURITY: a front proxy may end lines only at CRLF and read a bare LF (or
// CR) as part of a field; the two would disagree about where fields, and
// so the body, begin. Every line of a head ends with CRLF.
TEST(HttpHeadTest, BareLfOrCrLineEndsAreRefused) {
  ExpectMalformed({
      "GET / HTTP/1.1\nHost: a\nAccept: */*\n\n"s,             // LF throughout
      "GET / HTTP/1.1\r\nHost: a\nAccept: */*\r\n\r\n"s,       // one field line
      "GET / HTTP/1.1\r\nHost: a\r\n\n"s,                      // the blank line
      "GET / HTTP/1.1\nHost: a\r\n\r\n"s,                      // the request line
      "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"s,                  // a leading empty line
      "\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"s,              // after a proper one
      "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rX-B: c\r\n\r\n"s,  // a bare CR
  });
  // Refused as soon as the bare LF arrives, not once the head has ended.
  ExpectMalformed({"GET / HTTP/1.1\r\nHost: a\n"s, "GET / HTTP/1.1\n"s});
}

TEST(HttpHeadTest, SkipsLeadingEmptyLinesAndCountsThem) {
  const std::string bytes = "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const Parsed p = Parse(bytes);
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.length, bytes.size());
  EXPECT_EQ(p.head.method, "GET");
}

TEST(HttpHeadTest, NeedsMoreForEveryProperPrefixOfAHead) {
  for (const std::string& bytes :
       {"\r\nPOST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"s,
        "\r\nGET / HTTP/1.0\r\nHost: a\r\n\r\n"s}) {
    for (size_t n = 0; n < bytes.size(); ++n) {
      SCOPED_TRACE(::testing::PrintToString(bytes.substr(0, n)));
      EXPECT_EQ(Parse(std::string_view(bytes).substr(0, n)).result, HeadParse::kNeedMore);
    }
    EXPECT_EQ(Parse(bytes).result, HeadParse::kDone);
  }
}

TEST(HttpHeadTest, HeadLargerThanLimitIs431) {
  const std::string line = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  std::string unfinished = line + std::string(kMaxHeadBytes - line.size() - 1, 'a');
  EXPECT_EQ(Parse(unfinished).result, HeadParse::kNeedMore);
  unfinished += 'a';
  ExpectRefused({unfinished}, 431, "headers_too_large");

  // A complete head of exactly the limit is served; one byte more is not.
  const std::string exact = line + std::string(kMaxHeadBytes - line.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(exact.size(), kMaxHeadBytes);
  EXPECT_EQ(Parse(exact).result, HeadParse::kDone);
  ExpectRefused({line + std::string(kMaxHeadBytes - line.size() - 3, 'a') + "\r\n\r\n"}, 431,
                "headers_too_large");
}

TEST(HttpHeadTest, MoreThanMaxHeaderFieldsIs431) {
  std::string fields = "Host: x\r\n";
  for (size_t i = 1; i < kMaxHeaderFields; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
  const Parsed p = Parse("GET / HTTP/1.1\r\n" + fields + "\r\n");
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.fields.size(), kMaxHeaderFields);
  ExpectRefused({"GET / HTTP/1.1\r\n" + fields + "X-One-More: v\r\n\r\n"}, 431,
                "headers_too_large");
}

// RFC 9112, 3.2: an HTTP/1.1 request carries exactly one Host (two could be
// read differently by a proxy in front); HTTP/1.0 may omit it.
TEST(HttpHeadTest, Http11NeedsExactlyOneHost) {
  ExpectRefused({"GET / HTTP/1.1\r\n\r\n"}, 400, "invalid_argument");
  ExpectRefused({"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}, 400, "invalid_argument");
  ExpectRefused({"GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n"}, 400, "invalid_argument");
  EXPECT_EQ(Parse("GET / HTTP/1.0\r\n\r\n").result, HeadParse::kDone);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nhost: a\r\n\r\n").result, HeadParse::kDone);
}

TEST(HttpHeadTest, KeepAliveFollowsVersionAndConnection) {
  struct Case {
    std::string version, field;
    bool keep_alive;
  };
  for (const Case& c : std::vector<Case>{
           {"HTTP/1.1", "Accept: */*", true},
           {"HTTP/1.1", "Connection: close", false},
           {"HTTP/1.1", "Connection: Upgrade, CLOSE", false},
           {"HTTP/1.1", "Connection: keep-alive", true},
           {"HTTP/1.0", "Accept: */*", false},
           {"HTTP/1.0", "Connection: Keep-Alive", true},
           {"HTTP/1.0", "Connection: keep-alive, close", false},
       }) {
    SCOPED_TRACE(c.version + " " + c.field);
    const Parsed p = Parse(WithField(c.field, c.version));
    ASSERT_EQ(p.result, HeadParse::kDone);
    EXPECT_EQ(p.head.minor_version, c.version == "HTTP/1.1" ? 1 : 0);
    EXPECT_EQ(p.head.keep_alive, c.keep_alive);
  }
}

TEST(HttpHeadTest, ContentLengthIsParsedAndEqualDuplicatesAllowed) {
  Parsed p = Parse(WithField("Content-Length: 1234"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.content_length, 1234);
  p = Parse(WithField("content-length: 0"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.content_length, 0);
  EXPECT_FALSE(p.head.has_body());
  p = Parse(WithField("Content-Length: 999999999999999999"));  // 18 digits
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.content_length, 999999999999999999);
  p = Parse(WithField("Content-Length: 7\r\nCONTENT-LENGTH: 7"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.content_length, 7);
}

TEST(HttpHeadTest, AmbiguousContentLengthIs400) {
  ExpectMalformed({WithField("Content-Length: 7\r\nContent-Length: 8"),
                   WithField("Content-Length: 7, 7"), WithField("Content-Length: abc"),
                   WithField("Content-Length: -1"), WithField("Content-Length: +5"),
                   WithField("Content-Length: 1 2"), WithField("Content-Length: 0x10"),
                   WithField("Content-Length:"), WithField("Content-Length: 1000000000000000000")});
}

TEST(HttpHeadTest, ChunkedTransferEncodingIsFramedAsChunked) {
  const Parsed p = Parse(WithField("Transfer-Encoding: Chunked"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_TRUE(p.head.chunked);
  EXPECT_TRUE(p.head.has_body());
  EXPECT_EQ(p.head.content_length, -1);
}

TEST(HttpHeadTest, AmbiguousTransferEncodingIsRefused) {
  ExpectMalformed({WithField("Transfer-Encoding: chunked\r\nContent-Length: 5"),
                   WithField("Content-Length: 5\r\nTransfer-Encoding: chunked"),
                   WithField("Transfer-Encoding: chunked", "HTTP/1.0"),
                   WithField("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")});
  ExpectRefused(
      {WithField("Transfer-Encoding: gzip"), WithField("Transfer-Encoding: chunked, gzip"),
       WithField("Transfer-Encoding: gzip, chunked")},
      501, "not_implemented");
}

TEST(HttpHeadTest, ExpectContinueOnlyOnHttp11) {
  Parsed p = Parse(WithField("Expect: 100-Continue"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_TRUE(p.head.expect_continue);
  p = Parse(WithField("Expect: 100-continue", "HTTP/1.0"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_FALSE(p.head.expect_continue);
}

TEST(HttpHeadTest, MalformedFieldLinesAre400) {
  ExpectMalformed({
      WithField("Content-Length : 5"),        // space before the colon
      WithField("X-A: b\r\n  folded"),        // obs-fold
      WithField("X-A: b\r\n\tfolded"),        // obs-fold with a tab
      WithField("NoColonHere"),               // missing colon
      WithField(": value"),                   // empty name
      WithField("X(A): b"),                   // not a token
      WithField("X-A: a\0b"s),                // NUL
      WithField("X-A: a\x7f"),                // DEL
      WithField("X-A: a\rb"),                 // bare CR inside a value
      WithField("X-A: a\x01"),                // other control character
      "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",  // CR CR LF line end
  });
}

TEST(HttpHeadTest, ObsTextAllowedInFieldValues) {
  const Parsed p = Parse(WithField("X-Name: M\xc3\xbcller\xff"));
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.fields.back().second, "M\xc3\xbcller\xff");
}

TEST(HttpHeadTest, MalformedRequestLinesAre400) {
  const std::string rest = "\r\nHost: a\r\n\r\n";
  ExpectMalformed({
      "GET /" + rest,                               // two parts
      "GET / HTTP/1.1 extra" + rest,                // four parts
      "GET  / HTTP/1.1" + rest,                     // double space
      "GET /  HTTP/1.1" + rest,                     // double space
      " GET / HTTP/1.1" + rest,                     // empty method
      "GET / HTTP/1.1 " + rest,                     // trailing space
      "GET\t/ HTTP/1.1" + rest,                     // tab as separator
      "GET /a\0b HTTP/1.1"s + rest,                 // NUL in the target
      "GET /a\x7f HTTP/1.1" + rest,                 // DEL in the target
      "GET /a\rb HTTP/1.1" + rest,                  // bare CR in the target
      "GET /caf\xc3\xa9 HTTP/1.1" + rest,           // non-ASCII in the target
      "GET / http/1.1" + rest,                      // lower-case version
      "GET / HTTP/1.x" + rest,                      // not a digit
      "GET / HTTP/11" + rest,                       // no dot
      "GET / HTTP/1.10" + rest,                     // too long
      "G:T / HTTP/1.1" + rest,                      // method not a token
      std::string(33, 'A') + " / HTTP/1.1" + rest,  // method over 32
  });
  const Parsed p = Parse(std::string(32, 'A') + " * HTTP/1.1" + rest);
  ASSERT_EQ(p.result, HeadParse::kDone);
  EXPECT_EQ(p.head.method, std::string(32, 'A'));
  EXPECT_EQ(p.head.target, "*");
}

TEST(HttpHeadTest, OtherMajorVersionsAre505) {
  ExpectRefused({"GET / HTTP/2.0\r\n\r\n", "GET / HTTP/0.9\r\n\r\n", "GET / HTTP/3.0\r\n\r\n"}, 505,
                "http_version_not_supported");
}

TEST(HttpHeadTest, ChunkSizeLinesParse) {
  EXPECT_EQ(ParseChunkSize("0"), 0);
  EXPECT_EQ(ParseChunkSize("1a"), 0x1a);
  EXPECT_EQ(ParseChunkSize("FFFF"), 0xffff);
  EXPECT_EQ(ParseChunkSize("10;name=value"), 16);
  EXPECT_EQ(ParseChunkSize("ffffffffff"), 0xffffffffff);  // 10 hex digits: the most
}

TEST(HttpHeadTest, BadChunkSizeLinesAreRefused) {
  for (const std::string& line :
       {""s, "xyz"s, "-1"s, " "s, "12345678901"s, "0x10"s, ";ext"s, "1a;ext\0"s, "1 2"s,
        // SECURITY: whitespace a proxy might skip or not (request smuggling).
        " 1a"s, "1a "s, "\t1a"s, "1a\t"s, "1a ;ext"s, "1a; ext"s, "1a;ext "s,
        // Extensions are ;token[=token|quoted-string], nothing else.
        "1a;"s, "1a;=v"s, "1a;e="s, "1a;e=\"open"s, "1a;e=(x)"s, "1a\r"s, "+1a"s}) {
    SCOPED_TRACE(::testing::PrintToString(line));
    EXPECT_EQ(ParseChunkSize(line), -1);
  }
  EXPECT_EQ(ParseChunkSize("1a;e=\"a b;c\""), 0x1a);
  EXPECT_EQ(ParseChunkSize("1a;e;f=g"), 0x1a);
}

TEST(HttpHeadTest, TrailerFieldLines) {
  EXPECT_TRUE(IsFieldLine("X-Checksum: none"));
  EXPECT_TRUE(IsFieldLine("x-empty:"));
  for (const std::string& line :
       {""s, "no colon"s, " X-A: b"s, "X-A : b"s, ": b"s, "X-A: a\rb"s, "X-A: a\0b"s, "X(A): b"s}) {
    SCOPED_TRACE(::testing::PrintToString(line));
    EXPECT_FALSE(IsFieldLine(line));
  }
}

// Decodes `bytes` as a chunked body, reading lines and data the way the
// connection does (a line ends in CRLF; a bare LF or a CR inside is broken).
struct Decoded {
  BodyRead result = BodyRead::kBroken;
  std::string body;
  std::string rest;  // what was left unread
};

Decoded DecodeChunked(std::string_view bytes, size_t limit = 1 << 20) {
  const ChunkedSource source{
      [&bytes](std::string* line) {
        const size_t lf = bytes.find('\n');
        if (lf == std::string_view::npos || lf == 0 || bytes[lf - 1] != '\r') {
          return false;
        }
        line->assign(bytes.substr(0, lf - 1));
        bytes.remove_prefix(lf + 1);
        return line->find('\r') == std::string::npos;
      },
      [&bytes](size_t n, std::string* out) {
        if (bytes.size() < n) return false;
        out->append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        return true;
      }};
  Decoded d;
  d.result = DecodeChunkedBody(source, limit, &d.body);
  d.rest = std::string(bytes);
  return d;
}

TEST(HttpHeadTest, ChunkedBodyIsDecodedUpToItsLastChunkAndTrailers) {
  const Decoded d =
      DecodeChunked("5\r\nhello\r\n1;x=y\r\n \r\n6\r\nworld!\r\n0\r\nX-T: 1\r\n\r\nNEXT");
  EXPECT_EQ(d.result, BodyRead::kOk);
  EXPECT_EQ(d.body, "hello world!");
  EXPECT_EQ(d.rest, "NEXT");
  EXPECT_EQ(DecodeChunked("0\r\n\r\n").result, BodyRead::kOk);
}

TEST(HttpHeadTest, ChunkedBodyOverTheLimitIsRefusedBeforeItsDataIsRead) {
  const Decoded d = DecodeChunked("4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n", 8);
  EXPECT_EQ(d.result, BodyRead::kTooLarge);
  EXPECT_EQ(d.body, "abcd");
  EXPECT_EQ(d.rest, "efghi\r\n0\r\n\r\n");
  EXPECT_EQ(DecodeChunked("4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n", 9).result, BodyRead::kOk);
}

TEST(HttpHeadTest, MalformedChunkedBodiesAreBroken) {
  std::string many_trailers = "0\r\n";
  for (size_t i = 0; i <= kMaxHeaderFields; ++i) many_trailers += "X: 1\r\n";
  many_trailers += "\r\n";
  for (const std::string& bytes :
       {"x\r\n"s, "5\r\nhello0\r\n\r\n"s, "5\r\nhel"s, "5\r\nhello\r\n"s, "0\r\n"s,
        "0\r\nX: 1\r\n"s, many_trailers, "5\nhello\r\n0\r\n\r\n"s, "5\r\nhello\n0\r\n\r\n"s,
        "0\r\nX 1\r\n\r\n"s, "5\r\r\nhello\r\n0\r\n\r\n"s}) {
    SCOPED_TRACE(::testing::PrintToString(bytes));
    EXPECT_EQ(DecodeChunked(bytes).result, BodyRead::kBroken);
  }
}

TEST(HttpHeadTest, HttpDateIsImfFixdate) {
  EXPECT_EQ(HttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(HttpDate(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
}

}  // namespace
}  // namespace custos::web::internal
