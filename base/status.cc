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

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  std::string prefix(context);
  prefix += ": ";
  Status s(code_, prefix + message_);
  if (refusal_) {
    Refusal r = *refusal_;
    r.message_en = prefix + r.message_en;
    s.refusal_ = std::make_shared<const Refusal>(std::move(r));
  }
  return s;
}

void Die(std::string_view what) {
  std::fprintf(stderr, "custos: fatal: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace custos
