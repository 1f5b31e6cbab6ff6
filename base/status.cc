#include "base/status.h"

#include <cstdio>

namespace custos {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case StatusCode::kDataLoss:
      return "data_loss";
    case StatusCode::kAborted:
      return "aborted";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::Refused(StatusCode code, std::string message, Refusal refusal) {
  Status s(code, std::move(message));
  s.refusal_ = std::make_shared<const Refusal>(std::move(refusal));
  return s;
}

Status Status::Annotate(std::string_view context, std::string_view context_zh) const {
  if (ok()) return *this;
  std::string prefix(context);
  prefix += ": ";
  std::string prefix_zh;
  if (!context_zh.empty()) {
    prefix_zh = context_zh;
    prefix_zh += "：";
  }
  const auto zh = [&](const std::string& m) { return m.empty() ? m : prefix_zh + m; };
  Status s(code_, prefix + message_, zh(message_zh_));
  if (refusal_) {
    Refusal r = *refusal_;
    r.message_en = prefix + r.message_en;
    r.message_zh = zh(r.message_zh);
    s.refusal_ = std::make_shared<const Refusal>(std::move(r));
  }
  return s;
}

void Die(std::string_view what) {
  std::fprintf(stderr, "custos: fatal: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace custos
