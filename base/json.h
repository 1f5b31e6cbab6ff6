// A small JSON value type with a strict parser and a canonical serializer.
//
// Canonical form (used for audit-log leaves, so its bytes are a fixed format):
// object keys sorted by their UTF-8 bytes, no insignificant whitespace, strings
// escaped minimally (", \, and control characters below U+0020 as \b \f \n \r
// \t or \u00XX; everything else as raw UTF-8), integers in plain decimal.
// Invalid UTF-8 handed to the serializer is replaced by U+FFFD so the output is
// always valid UTF-8. Doubles are written in the shortest form that reads back
// as the same number; one holding a whole number has no fraction ("1.0" is
// written 1, as RFC 8785 does) and so reads back as an integer. Audit events
// use integers only.
//
// Thread-safety: values; a const Value may be read from many threads.
#ifndef CUSTOS_BASE_JSON_H_
#define CUSTOS_BASE_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"

namespace custos::json {

class Value;
using Array = std::vector<Value>;
using Object = std::map<std::string, Value, std::less<>>;

enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<int64_t>(i)) {}
  Value(int64_t i) : v_(i) {}
  Value(uint32_t i) : v_(static_cast<int64_t>(i)) {}
  Value(uint64_t i) : v_(static_cast<int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  static Value MakeObject() { return Value(Object{}); }
  static Value MakeArray() { return Value(Array{}); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_number() const { return type() == Type::kInt || type() == Type::kDouble; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Typed access; calling the wrong accessor is a bug and aborts. Use the
  // Get* helpers below for input you do not control.
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;  // ints convert
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object helpers. operator[] turns a null into an object first; on any
  // other non-object it aborts.
  Value& operator[](std::string_view key);
  // nullptr when this is not an object or has no such key.
  const Value* Find(std::string_view key) const;
  // Appends to an array (a null becomes an array first).
  void Push(Value v);

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

struct ParseOptions {
  size_t max_depth = 64;
  size_t max_size = 16 * 1024 * 1024;
};

// Parses exactly one JSON text (RFC 8259), rejecting trailing data, invalid
// UTF-8, lone surrogates, duplicate object keys, leading zeros and nesting
// deeper than max_depth. Integers that fit int64 become kInt, other numbers
// kDouble. Errors are kInvalidArgument naming the byte offset.
Result<Value> Parse(std::string_view text, const ParseOptions& options = {});

// Canonical serialization (see the file comment).
std::string Serialize(const Value& value);

// Whether `text` is exactly Serialize(Parse(text)): one JSON text, in
// canonical form, that Parse accepts. Checked in one pass without building
// a tree when its numbers are all integers (audit-log leaves); otherwise
// by parsing and serializing.
bool IsCanonical(std::string_view text, const ParseOptions& options = {});

// The exact text of member `key`'s value in the JSON object `object_text`,
// found without building a tree: for text this program serialized (e.g. an
// authenticated stored value whose part is passed on as it is). Brackets and
// strings are checked while skipping, numbers and literals are not; keys are
// compared as written (a key spelled with escapes does not match).
// kNotFound when the object has no such member, kInvalidArgument when the
// text is not an object.
Result<std::string_view> MemberText(std::string_view object_text, std::string_view key);

// Appends `s` as a JSON string, exactly as Serialize writes a string value
// (for encoders that write canonical JSON piece by piece).
void AppendQuoted(std::string* out, std::string_view s);

// Indented, for people (two spaces, keys sorted).
std::string SerializePretty(const Value& value);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

// Field accessors for untrusted objects: kInvalidArgument naming `key` when
// missing or of the wrong type.
Result<std::string> GetString(const Value& obj, std::string_view key);
Result<int64_t> GetInt(const Value& obj, std::string_view key);
Result<bool> GetBool(const Value& obj, std::string_view key);
// Missing or null → `fallback`; wrong type → error.
Result<std::string> GetStringOr(const Value& obj, std::string_view key, std::string fallback);
Result<int64_t> GetIntOr(const Value& obj, std::string_view key, int64_t fallback);

}  // namespace custos::json

#endif  // CUSTOS_BASE_JSON_H_
