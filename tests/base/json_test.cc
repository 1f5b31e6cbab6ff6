#include "base/json.h"

#include <gtest/gtest.h>

namespace custos::json {
namespace {

TEST(JsonTest, CanonicalFormSortsKeysAndHasNoWhitespace) {
  auto v = Parse(R"( { "b" : [1, 2, {"z": null, "a": true}], "a": "x" } )");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(Serialize(*v), R"({"a":"x","b":[1,2,{"a":true,"z":null}]})");
}

TEST(JsonTest, EscapesMinimallyAndKeepsUtf8) {
  Value v = Value::MakeObject();
  v["reason"] = std::string("客户回访\n\"quote\"\\\x01");
  EXPECT_EQ(Serialize(v), "{\"reason\":\"客户回访\\n\\\"quote\\\"\\\\\\u0001\"}");
}

TEST(JsonTest, InvalidUtf8IsReplacedOnOutput) {
  Value v(
      std::string("a\xff"
                  "b"));
  EXPECT_EQ(Serialize(v),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_FALSE(IsValidUtf8("a\xff"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_TRUE(IsValidUtf8("保密协议"));
}

TEST(JsonTest, RoundTrip) {
  const char* text = R"({"a":[-1,0,9223372036854775807,1.5,"\u4e2d",false],"b":{}})";
  auto v = Parse(text);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Serialize(*v), R"({"a":[-1,0,9223372036854775807,1.5,"中",false],"b":{}})");
  EXPECT_EQ(*Parse(Serialize(*v)), *v);
}

// Found by tests/fuzz/json_fuzz: -0.0 was written "-0", which reads back as
// the integer 0 and is written "0": the canonical form of a value was not
// canonical itself (the audit log's verifier refuses such a leaf).
TEST(JsonTest, NegativeZeroIsWrittenAsZero) {
  EXPECT_EQ(Serialize(Value(-0.0)), "0");
  for (const char* text : {"-0e3", "-0.0", "[-0.0]"}) {
    auto v = Parse(text);
    ASSERT_TRUE(v.ok()) << text;
    const std::string canonical = Serialize(*v);
    auto again = Parse(canonical);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(Serialize(*again), canonical) << text;
  }
}

TEST(JsonTest, SurrogatePairs) {
  auto v = Parse(R"("\ud83d\ude00")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->as_string(), "\xF0\x9F\x98\x80");
}

TEST(JsonTest, RejectsMalformedInput) {
  for (const char* bad :
       {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\\x\"", "{\"a\":1,\"a\":2}",
        "\"\\ud800\"", "\"\\udc00\"", "[1] 2", "\"a\x01\"", "{1:2}", "nul", "1e", "\"\xff\""}) {
    auto r = Parse(bad);
    EXPECT_FALSE(r.ok()) << "accepted: " << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

// Text in Chinese is copied in runs (a parse of a long note must not cost a
// step per character); a bad byte anywhere in such a run is still refused,
// as is an encoded surrogate, an overlong form or a sequence cut short.
TEST(JsonTest, LongChineseTextParsesWholeAndBadBytesInItAreRefused) {
  std::string zh;
  while (zh.size() < 8192) zh += "苏州精密模具有限公司：年度框架协议，价格与交货条款 A-7；";
  auto v = Parse("{\"notes\":\"" + zh + "\\n\"}");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)["notes"].as_string(), zh + "\n");
  size_t mid = zh.size() / 2;
  while ((static_cast<unsigned char>(zh[mid]) & 0xC0) == 0x80) --mid;  // a character boundary
  ASSERT_TRUE(Parse("\"" + zh.substr(0, mid) + zh.substr(mid) + "\"").ok());
  for (const std::string bad : {"\xff", "\xED\xA0\x80", "\xC0\xAF", "\xE8\xBF"}) {
    const std::string text = "\"" + zh.substr(0, mid) + bad + zh.substr(mid) + "\"";
    EXPECT_EQ(Parse(text).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(JsonTest, DepthLimit) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(Parse(deep).ok());
  ParseOptions o;
  o.max_depth = 200;
  EXPECT_TRUE(Parse(deep, o).ok());
}

TEST(JsonTest, FieldAccessors) {
  auto v = *Parse(R"({"s":"x","i":3,"b":true,"n":null})");
  EXPECT_EQ(*GetString(v, "s"), "x");
  EXPECT_EQ(*GetInt(v, "i"), 3);
  EXPECT_TRUE(*GetBool(v, "b"));
  EXPECT_FALSE(GetString(v, "i").ok());
  EXPECT_FALSE(GetInt(v, "missing").ok());
  EXPECT_EQ(*GetStringOr(v, "n", "d"), "d");
  EXPECT_FALSE(GetStringOr(v, "i", "d").ok());
}

TEST(JsonTest, MemberTextIsTheSerializedMember) {
  // What a splice relies on: the member's text equals the member serialized
  // on its own, whatever it holds (nested objects, arrays, escaped quotes and
  // brackets inside strings, Chinese text).
  Value content = Value::MakeObject();
  content["name"] = "客户 \"A\" {x} [y] \\";
  content["contacts"] = Value::MakeArray();
  Value c = Value::MakeObject();
  c["phone"] = "+86 21 5555 0000";
  c["tags"] = Value::MakeArray();
  content["contacts"].Push(std::move(c));
  Value o = Value::MakeObject();
  o["author"] = "u1";
  o["content"] = content;
  o["meta"] = Value::MakeObject();
  o["version"] = 7;
  o["zz"] = nullptr;
  const std::string text = Serialize(o);
  EXPECT_EQ(*MemberText(text, "content"), Serialize(content));
  EXPECT_EQ(*MemberText(text, "version"), "7");
  EXPECT_EQ(*MemberText(text, "author"), "\"u1\"");
  EXPECT_EQ(*MemberText(text, "zz"), "null");
  EXPECT_EQ(*MemberText(text, "meta"), "{}");
  // Insignificant whitespace between members is skipped.
  EXPECT_EQ(*MemberText(SerializePretty(o), "version"), "7");
  EXPECT_EQ(*Parse(*MemberText(SerializePretty(o), "content")), content);
  EXPECT_EQ(MemberText(text, "missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MemberText("{}", "a").status().code(), StatusCode::kNotFound);
  // A key that only appears inside a nested value is not a member.
  EXPECT_EQ(MemberText(R"({"a":{"content":1}})", "content").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*MemberText(R"( { "a" : [1, {"b": "]"}] , "b" : true } )", "b"), "true");
  EXPECT_EQ(*MemberText(R"( { "a" : [1, {"b": "]"}] , "b" : true } )", "a"), R"([1, {"b": "]"}])");
}

TEST(JsonTest, MemberTextRefusesWhatIsNotAnObject) {
  for (const char* bad : {"", "[]", "\"content\"", "{", R"({"content")", R"({"content":)",
                          R"({"a":[1,2},"content":1})", R"({"a":"unterminated,"content":1})",
                          R"({"a":1 "content":2})", R"({content:1})"}) {
    auto r = MemberText(bad, "content");
    EXPECT_FALSE(r.ok()) << "accepted: " << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

// The audit log's verifier asks whether each leaf is canonical without
// parsing it (json.h): the answer must be that of Serialize(Parse(text)).
TEST(JsonTest, IsCanonicalAnswersAsParsingAndSerializingAgain) {
  const std::string leaf =
      R"({"action":"record.view","actor":{"id":"u-1","name":"王销售"},"n":-12,)"
      R"("note":"a\"b\\c\n\u001f\u0000","object":{"id":"r-9","type":"record"},"seq":7,)"
      R"("tags":[],"x":{},"y":[true,false,null,0]})";
  EXPECT_TRUE(IsCanonical(leaf));
  auto v = Parse(leaf);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Serialize(*v), leaf);
  for (const std::string not_canonical : {
           R"({"b":1,"a":2})",         // keys out of order
           R"({"a":1,"a":2})",         // a key twice
           R"({"a": 1})",              // whitespace
           R"( {"a":1})",              // leading whitespace
           R"({"a":1} )",              // trailing whitespace
           R"({"a":-0})",              // written 0
           R"({"a":01})",              // a leading zero (refused by Parse)
           R"({"a":"\/"})",            // an escape Serialize does not write
           R"({"a":"\u0041"})",        // written as A
           R"({"a":"\u001F"})",        // written in lowercase
           R"({"a":"\u000a"})",        // written \n
           R"({"a":"\ud83d\ude00"})",  // written as raw UTF-8
           R"({"a":1.0})",             // written 1
           R"({"a":1e2})",             // written 100
           R"({"a":"x"}{})",           // trailing data
           "{\"a\":\"\x01\"}",         // a raw control character
           "{\"a\":\"\xff\"}",         // invalid UTF-8
           R"({"a":tru})",             // not a literal
           R"({"a":[1,]})",            // a trailing comma
           "",                         // nothing
       }) {
    EXPECT_FALSE(IsCanonical(not_canonical)) << not_canonical;
  }
  // Key order is by decoded bytes: "\n" (0x0a) sorts before "a".
  EXPECT_TRUE(IsCanonical(R"({"\n":1,"a":2})"));
  EXPECT_FALSE(IsCanonical(R"({"a":2,"\n":1})"));
  // Numbers that are not plain integers are decided by parsing.
  EXPECT_TRUE(IsCanonical(R"({"a":1.5})"));
  EXPECT_TRUE(IsCanonical("[9223372036854775807,-9223372036854775808]"));
  auto big = Parse("[9223372036854775808]");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(IsCanonical("[9223372036854775808]"), Serialize(*big) == "[9223372036854775808]");
  // Nesting beyond the depth limit is refused, as Parse refuses it.
  std::string deep;
  for (int i = 0; i < 66; ++i) deep += "[";
  for (int i = 0; i < 66; ++i) deep += "]";
  EXPECT_FALSE(IsCanonical(deep));
  EXPECT_TRUE(IsCanonical(deep.substr(1, deep.size() - 2)));
}

}  // namespace
}  // namespace custos::json
