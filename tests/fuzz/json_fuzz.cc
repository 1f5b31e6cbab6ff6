// Fuzzes the JSON parser and canonical serializer (base/json.h): every API
// body, stored value and audit event goes through them, and the canonical
// bytes are what the audit log hashes. Checks, for every text the parser
// accepts:
//   - its canonical form is valid UTF-8, parses back to the same value, and
//     is a fixed point (serializing that again gives the same bytes).
//     "The same" compares numbers by value: a double holding a whole number
//     is written like an integer ("1.0" as 1, as RFC 8785 does) and reads
//     back as an integer;
//   - the pretty form parses back to the same value;
//   - MemberText finds each member of the canonical form as exactly that
//     member's canonical text, and on the input itself finds only what the
//     parser found;
//   - a tighter depth limit only refuses, never changes the value.
// And for any bytes: AppendQuoted gives a JSON string that parses, back to
// the same bytes when they were valid UTF-8; IsCanonical answers exactly as
// parsing and serializing again would (with the default and a tight depth
// limit), and says yes to every canonical form.
// Seed corpus: tests/fuzz/corpus/json/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/json.h"
#include "tests/fuzz/promise.h"

namespace {

namespace json = custos::json;

using custos::fuzz::Require;

// Keys MemberText can find in canonical text: those written without escapes.
bool PlainKey(std::string_view key) {
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') return false;
  }
  return json::IsValidUtf8(key);
}

// Equal, numbers compared by value across the integer/double types.
bool Same(const json::Value& a, const json::Value& b) {
  if (a.is_number() && b.is_number() && a.type() != b.type()) {
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    const json::Array& x = a.as_array();
    const json::Array& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!Same(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const json::Object& x = a.as_object();
    const json::Object& y = b.as_object();
    if (x.size() != y.size()) return false;
    for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
      if (i->first != j->first || !Same(i->second, j->second)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string quoted;
  json::AppendQuoted(&quoted, text);
  auto q = json::Parse(quoted);
  Require(q.ok() && q->is_string(), "AppendQuoted writes a JSON string");
  Require(json::IsValidUtf8(q->as_string()), "a quoted string is valid UTF-8");
  if (json::IsValidUtf8(text)) Require(q->as_string() == text, "valid UTF-8 is quoted as it is");

  auto v = json::Parse(text);
  Require(json::IsCanonical(text) == (v.ok() && json::Serialize(*v) == text),
          "IsCanonical is Serialize(Parse(text)) == text");
  if (!v.ok()) {
    Require(v.status().code() == custos::StatusCode::kInvalidArgument,
            "a refusal is kInvalidArgument");
    return 0;
  }
  Require(json::IsValidUtf8(text), "accepted text is valid UTF-8");
  const std::string canonical = json::Serialize(*v);
  Require(json::IsValidUtf8(canonical), "canonical form is valid UTF-8");
  Require(json::IsCanonical(canonical), "IsCanonical accepts a canonical form");
  auto again = json::Parse(canonical);
  Require(again.ok() && Same(*again, *v), "canonical form parses back to the same value");
  Require(json::Serialize(*again) == canonical, "canonical form is a fixed point");
  auto pretty = json::Parse(json::SerializePretty(*v));
  Require(pretty.ok() && Same(*pretty, *v), "pretty form parses back to the same value");

  if (v->is_object()) {
    for (const auto& [key, member] : v->as_object()) {
      if (!PlainKey(key)) continue;
      auto m = json::MemberText(canonical, key);
      Require(m.ok() && *m == json::Serialize(member), "MemberText finds a canonical member");
    }
    for (std::string_view key : {"a", "id", "", "type"}) {
      auto m = json::MemberText(text, key);
      if (!m.ok()) continue;
      const json::Value* found = v->Find(key);
      auto parsed = json::Parse(*m);
      Require(found != nullptr && parsed.ok() && *parsed == *found,
              "MemberText finds only what the parser found");
    }
  } else {
    Require(!json::MemberText(canonical, "a").ok(), "MemberText of a non-object fails");
  }

  json::ParseOptions tight;
  tight.max_depth = 3;
  auto shallow = json::Parse(text, tight);
  Require(!shallow.ok() || *shallow == *v, "a depth limit only refuses");
  Require(json::IsCanonical(text, tight) == (shallow.ok() && json::Serialize(*shallow) == text),
          "IsCanonical keeps the depth limit as Parse does");
  return 0;
}
