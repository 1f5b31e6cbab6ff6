// Status and Result<T>: how every Custos library reports failure.
//
// Our libraries do not throw. A function that can fail returns a Status (or a
// Result<T> holding either a value or a non-OK Status); callers check it and
// return early. Each code has one precise meaning, chosen so that the web
// layer can map it to an HTTP status and the CLI to an exit code without
// guessing:
//
//   kInvalidArgument    the caller's input is malformed (bad field, bad flag)
//   kNotFound           the named thing does not exist
//   kAlreadyExists      the thing to create is already there
//   kPermissionDenied   authenticated, but the policy says no
//   kUnauthenticated    no valid identity (wrong password, expired session)
//   kFailedPrecondition not in a state to do this (vault sealed, loan not approved)
//   kResourceExhausted  a quota or limit is used up (three-views rule, body size)
//   kDataLoss           stored data failed an integrity check (tampered, corrupt)
//   kAborted            a concurrent change won; retrying may succeed
//   kUnavailable        a resource is temporarily unavailable (I/O error, busy)
//   kInternal           a bug or an unexpected library failure
//
// Messages are for people: they never contain secrets, keys, passwords or
// record content. Thread-safety: values, safe to copy between threads.
#ifndef CUSTOS_BASE_STATUS_H_
#define CUSTOS_BASE_STATUS_H_

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace custos {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kResourceExhausted,
  kDataLoss,
  kAborted,
  kUnavailable,
  kInternal,
};

// Stable lower-case name of a code ("data_loss"), used in JSON errors and logs.
std::string_view StatusCodeName(StatusCode code);

// A refusal as data: the rule that refused and the messages for people in
// English and Chinese, carried by a kPermissionDenied / kResourceExhausted
// Status so that no layer parses a rule id out of a message.
struct Refusal {
  std::string rule;        // stable rule id, e.g. "record.not_owner"
  std::string message_en;  // as shown to people (today "rule: English message")
  std::string message_zh;  // "" when there is no Chinese message
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  // `message_zh` says the same in Chinese for people who read the product in
  // Chinese ("" when the message has no Chinese words yet: the web then
  // answers with its code's general sentence and the English detail).
  Status(StatusCode code, std::string message, std::string message_zh = {})
      : code_(code), message_(std::move(message)), message_zh_(std::move(message_zh)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m, std::string zh = {}) {
    return {StatusCode::kInvalidArgument, std::move(m), std::move(zh)};
  }
  static Status NotFound(std::string m, std::string zh = {}) {
    return {StatusCode::kNotFound, std::move(m), std::move(zh)};
  }
  static Status AlreadyExists(std::string m, std::string zh = {}) {
    return {StatusCode::kAlreadyExists, std::move(m), std::move(zh)};
  }
  static Status PermissionDenied(std::string m, std::string zh = {}) {
    return {StatusCode::kPermissionDenied, std::move(m), std::move(zh)};
  }
  static Status Unauthenticated(std::string m, std::string zh = {}) {
    return {StatusCode::kUnauthenticated, std::move(m), std::move(zh)};
  }
  static Status FailedPrecondition(std::string m, std::string zh = {}) {
    return {StatusCode::kFailedPrecondition, std::move(m), std::move(zh)};
  }
  static Status ResourceExhausted(std::string m, std::string zh = {}) {
    return {StatusCode::kResourceExhausted, std::move(m), std::move(zh)};
  }
  static Status DataLoss(std::string m, std::string zh = {}) {
    return {StatusCode::kDataLoss, std::move(m), std::move(zh)};
  }
  static Status Aborted(std::string m, std::string zh = {}) {
    return {StatusCode::kAborted, std::move(m), std::move(zh)};
  }
  static Status Unavailable(std::string m, std::string zh = {}) {
    return {StatusCode::kUnavailable, std::move(m), std::move(zh)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // A refusal (`code` kPermissionDenied, kResourceExhausted or
  // kFailedPrecondition) carrying `refusal` as data; message() is `message`
  // (for logs and the CLI).
  static Status Refused(StatusCode code, std::string message, Refusal refusal);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The message in Chinese, "" when it has none (see the constructor).
  const std::string& message_zh() const { return message_zh_; }
  // The refusal's rule and messages; nullptr unless made by Refused().
  const Refusal* refusal() const { return refusal_.get(); }

  // "data_loss: value does not open" (or "ok").
  std::string ToString() const;

  // Returns a copy whose message (and refusal's English message) is
  // prefixed with `context` + ": ", and whose Chinese message (a refusal's
  // too), when there is one, with `context_zh` + "：" (unchanged when
  // `context_zh` is empty).
  Status Annotate(std::string_view context, std::string_view context_zh = {}) const;

  // Ignoring a Status on purpose is visible and greppable.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string message_zh_;
  std::shared_ptr<const Refusal> refusal_;  // immutable once made: shared by copies
};

// Aborts the process with `what` on stderr. For broken invariants (bugs),
// never for bad input.
[[noreturn]] void Die(std::string_view what);

// Holds either a T or a non-OK Status. Never holds an OK status without a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit on purpose
    if (std::get<Status>(v_).ok()) Die("Result constructed from an OK Status without a value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // Accessing the value of a failed Result is a bug and aborts.
  T& value() & {
    Check();
    return std::get<T>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<T>(v_);
  }
  T&& value() && {
    Check();
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!ok()) Die("value() on a failed Result: " + std::get<Status>(v_).ToString());
  }
  std::variant<T, Status> v_;
};

}  // namespace custos

// Early-return helpers. CUSTOS_RETURN_IF_ERROR(expr) returns the Status of
// `expr` when it is not OK. CUSTOS_ASSIGN_OR_RETURN(lhs, expr) evaluates a
// Result, returns its Status on failure, otherwise moves the value into lhs.
#define CUSTOS_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::custos::Status custos_status_ = (expr);        \
    if (!custos_status_.ok()) return custos_status_; \
  } while (0)

#define CUSTOS_CONCAT_INNER_(a, b) a##b
#define CUSTOS_CONCAT_(a, b) CUSTOS_CONCAT_INNER_(a, b)
#define CUSTOS_ASSIGN_OR_RETURN(lhs, expr) \
  CUSTOS_ASSIGN_OR_RETURN_IMPL_(CUSTOS_CONCAT_(custos_result_, __LINE__), lhs, expr)
#define CUSTOS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // CUSTOS_BASE_STATUS_H_
